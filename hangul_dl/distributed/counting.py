"""Counting as map (per shard, on the workers) + reduce (sum, here): vocabulary, co-occurrence.

Only counts travel back, never tokens, so a cluster counts a corpus without sending its
tokenized text over the network. The reduce runs in input order, which is what makes the
results identical to the local ones:

- :func:`count_vocabulary` — shard counters merged in order keep every token's first-seen
  position, so ``Vocabulary.from_counts`` breaks ties exactly as ``Vocabulary.fit`` does on
  the whole corpus: same IDs, counts, ``n_sequences_``, same ``vocab.txt`` bytes.
- :func:`count_cooccurrence` — the sparse counts of
  :class:`~hangul_dl.embeddings.count.PPMISVD` for a given word list and window: windows never
  cross a sentence, so a shard's pairs do not depend on the others and the sum is the
  corpus's :func:`~hangul_dl.embeddings.count.cooccurrence_matrix` (exactly, entry by entry,
  for plain counts; to the last bits of float rounding with ``distance_weighting``).

``source`` is a path (a file or directory, read in shards like the batch jobs), an iterable of
:class:`~hangul_dl.batch.shards.Shard`, or an iterable of texts. ``executor`` is one of
:func:`~hangul_dl.distributed.where`'s (default: this process).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..batch.shards import Shard, read_shards, text_shards
from ..errors import InputError
from ..text.corpus import TextCorpus
from ..text.tokenizers import Tokenizer, get_tokenizer
from ..text.vocab import Vocabulary

__all__ = ["as_shards", "count_cooccurrence", "count_vocabulary"]


def as_shards(source: Any, shard_lines: int = 10_000, errors: str = "raise") -> Iterator[Shard]:
    """Shards of a path (file or directory, like ``TokenizeJob``), of shards, or of texts."""
    if isinstance(shard_lines, bool) or not isinstance(shard_lines, int) or shard_lines < 1:
        raise InputError(f"shard_lines={shard_lines!r}: expected a positive integer")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        files = TextCorpus(path).files()  # InputError for a missing path or an empty folder
        named = [(f.relative_to(path).as_posix() if path.is_dir() else f.name, f) for f in files]
        return read_shards(named, shard_lines, errors)
    iterator = iter(source)
    first = next(iterator, None)
    if first is None:
        return iter(())
    rest = itertools.chain([first], iterator)
    if isinstance(first, Shard):
        return rest
    return text_shards(rest, shard_lines)


def _tokenizer(tokenizer: str | Tokenizer | None) -> Tokenizer | None:
    return None if tokenizer is None else get_tokenizer(tokenizer)


def _executor(executor: Any) -> Any:
    if executor is None:
        from .where import LocalExecutor

        return LocalExecutor(1)
    return executor


def count_vocabulary(source: Any, tokenizer: str | Tokenizer | None = "okt", executor: Any = None,
                     shard_lines: int = 10_000, skip_empty: bool = True,
                     errors: str = "raise", **vocab_params: Any) -> Vocabulary:
    """A :class:`Vocabulary` of ``source``, counted per shard on ``executor`` and summed.

    Identical to ``Vocabulary(**vocab_params).fit(tokens for tokens in tokenizer.pipe(lines)
    if tokens)`` (``skip_empty``: an empty line is no sentence, as ``hangul-dl vocab`` counts;
    ``skip_empty=False`` counts it as an empty sequence). ``tokenizer=None``: the lines are
    tokens already (``tokens.txt``, ``vocab --tokenized``). ``vocab_params``: ``min_count``,
    ``max_size``, ``specials``, checked before any work.
    """
    Vocabulary(**vocab_params)._checked_params()
    tok = _tokenizer(tokenizer)
    counts: Counter[str] = Counter()
    n_sequences = 0
    for _, (shard_counts, shard_sequences) in _executor(executor).map_shards(
            "vocab", tok, as_shards(source, shard_lines, errors), {"skip_empty": skip_empty}):
        counts.update(shard_counts)  # in input order: first-seen order is kept
        n_sequences += shard_sequences
    return Vocabulary.from_counts(counts, n_sequences, **vocab_params)


def count_cooccurrence(source: Any, index_to_key: Sequence[str],
                       tokenizer: str | Tokenizer | None = "okt", window: int = 5,
                       distance_weighting: bool = False, executor: Any = None,
                       shard_lines: int = 10_000, errors: str = "raise",
                       eos: str | None = "<eos>") -> Any:
    """Sparse symmetric co-occurrence counts (V, V) CSR float64 of ``source``'s sentences.

    ``index_to_key`` are the V words (row ``i`` is word ``index_to_key[i]``: an
    :class:`~hangul_dl.embeddings.base.IdStream`'s words, as ``PPMISVD`` counts them); other
    tokens are dropped before windows are taken, and windows stop at the end of a line and at
    a literal ``eos`` token. The same matrix as ``cooccurrence_matrix(stream.words, V,
    window, stream.sentence_ids(), distance_weighting)`` of the local fit.
    """
    import scipy.sparse

    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise InputError(f"window must be an integer >= 1, got {window!r}")
    keys = list(index_to_key)
    key_to_index = {k: i for i, k in enumerate(keys)}
    if len(key_to_index) != len(keys):
        raise InputError("index_to_key holds a word twice; give each word one row")
    V = len(keys)
    tok = _tokenizer(tokenizer)
    options = {"key_to_index": key_to_index, "window": window,
               "distance_weighting": bool(distance_weighting), "eos": eos}
    total = scipy.sparse.csr_matrix((V, V), dtype=np.float64)
    for _, (rows, cols, vals) in _executor(executor).map_shards(
            "cooc", tok, as_shards(source, shard_lines, errors), options):
        if rows.size:
            total = total + scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(V, V)).tocsr()
    total = (total + total.T).tocsr()  # right contexts of w are left contexts of c
    total.sum_duplicates()
    return total

