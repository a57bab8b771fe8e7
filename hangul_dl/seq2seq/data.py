"""Toy-task batches: (source, target) string pairs -> padded ID arrays for the seq2seq models.

The book's ch.7-8 tasks (:func:`hangul_dl.datasets.addition`, :func:`~hangul_dl.datasets.
korean_dates`) are read character by character. :func:`fit_vocabularies` builds one
:class:`~hangul_dl.text.vocab.Vocabulary` per side and :func:`encode_pairs` turns pairs into the
training layout of :mod:`hangul_dl.seq2seq.models`: ``src`` (N, S) and ``tgt`` (N, T) ``int32``
padded with 0, ``tgt`` wrapped in ``<bos>`` ... ``<eos>``. Real text with a real tokenizer goes
through the Translator instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import InputError
from ..text.ids import pad_batch
from ..text.vocab import Vocabulary

__all__ = ["encode_pairs", "fit_vocabularies"]

Pairs = Sequence[tuple[str, str]]


def _check(pairs: Pairs) -> None:
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and isinstance(pair[0], str) and isinstance(pair[1], str)):
            raise InputError(f"pair {i} is {pair!r}; expected a (source, target) tuple of strings")


def fit_vocabularies(pairs: Pairs, tokenize: Callable[[str], list[str]] = list
                     ) -> tuple[Vocabulary, Vocabulary]:
    """(source vocabulary, target vocabulary) of the tokens (default: characters) in ``pairs``."""
    _check(pairs)
    return (Vocabulary().fit(tokenize(s) for s, _ in pairs),
            Vocabulary().fit(tokenize(t) for _, t in pairs))


def encode_pairs(pairs: Pairs, src_vocab: Vocabulary, tgt_vocab: Vocabulary,
                 tokenize: Callable[[str], list[str]] = list) -> tuple[np.ndarray, np.ndarray]:
    """``src`` (N, S) and ``tgt`` (N, T) ``int32`` batches, padded with 0 at the end.

    ``("16+75", "91")`` -> ``src`` row ``[id(1), id(6), id(+), id(7), id(5)]`` and ``tgt`` row
    ``[<bos>, id(9), id(1), <eos>]``. Unknown tokens become ``<unk>``.
    """
    _check(pairs)
    src, _ = pad_batch([src_vocab.encode(tokenize(s)) for s, _ in pairs])
    tgt, _ = pad_batch([tgt_vocab.encode(tokenize(t), add_bos=True, add_eos=True) for _, t in pairs])
    return src, tgt
