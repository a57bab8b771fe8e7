"""The trainer-stage contract shared by every word-vector method (book ch.2-4).

:class:`~hangul_dl.embeddings.count.PPMISVD` (ch.2) and
:class:`~hangul_dl.embeddings.word2vec.Word2Vec` (ch.3-4) are :class:`VectorStage` subclasses
and follow one contract:

``fit(corpus, vocab=None) -> self``
    ``corpus`` is an iterable of sentences, each either

    - a list of token strings: the stage builds its own
      ``Vocabulary(min_count=self.min_count, max_size=self.max_vocab + n_specials)``; or
    - a 1-D int array of vocabulary IDs: then ``vocab`` (a fitted
      :class:`~hangul_dl.text.vocab.Vocabulary`) is required to name them.

    A single 1-D int array is taken as an already encoded corpus (the ARCHITECTURE "IDs"
    layout, ``<eos>`` between sentences, e.g. from :func:`~hangul_dl.text.ids.load_ids`).
    Special tokens (``<pad> <unk> <bos> <eos>``) get no vectors; ``<unk>`` and words below
    ``min_count`` are dropped from the stream before windows are taken (as gensim and word2vec.c
    do); ``<eos>`` ends a sentence, and no context window crosses it.
``wv_``
    The learned :class:`~hangul_dl.embeddings.vectors.WordVectors` (words in vocabulary order,
    most frequent first, with their corpus counts). ``vocab_`` is the vocabulary the IDs refer to.
``transform(sentences) -> array (N, D)``
    Sentence vectors: the mean of the vectors of the known words of each sentence (token lists or
    ID arrays), zeros when a sentence has none.
``most_similar(...)``, ``similarity(...)``
    Delegate to ``wv_``.
``save(dir)`` / ``Stage.load(dir)``
    ``manifest.json`` (the class and its parameters) plus ``vectors.npz`` and ``vocab.txt`` of
    ``wv_`` (so :meth:`WordVectors.load` reads a saved stage too) and ``corpus_vocab.txt``.

A subclass implements ``_fit_stream(stream: IdStream) -> array (V, D)`` (one row per word of
``stream.index_to_key``) and inherits the rest; one that needs more control overrides ``fit``
and calls :meth:`VectorStage.prepare` itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, get_array_module, segment_sum, to_cpu
from ..errors import InputError, ShapeError
from ..stage import Stage
from ..text.vocab import Vocabulary
from .vectors import WordVectors

__all__ = ["IdStream", "VectorStage", "corpus_to_ids", "ids_to_stream"]

CORPUS_VOCAB_FILE = "corpus_vocab.txt"


@dataclass(frozen=True)
class IdStream:
    """A corpus as word rows, ready for counting or training.

    ``words`` (n,) int32 rows into ``index_to_key`` (dropped tokens removed); ``offsets`` (S+1,)
    int64, sentence ``s`` is ``words[offsets[s]:offsets[s + 1]]``; ``counts`` (V,) int64 corpus
    frequencies; ``index_to_key`` the V words.
    """

    words: np.ndarray
    offsets: np.ndarray
    counts: np.ndarray
    index_to_key: list[str]

    @property
    def n_sentences(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def sentence_ids(self) -> np.ndarray:
        """(n,) int32: the sentence number of each position (windows must not cross it)."""
        lengths = np.diff(self.offsets)
        return np.repeat(np.arange(lengths.shape[0], dtype=np.int32), lengths)

    def __repr__(self) -> str:
        return (f"IdStream({self.words.shape[0]} tokens, {self.n_sentences} sentences, "
                f"{len(self.index_to_key)} words)")


def _is_id_array(x: Any) -> bool:
    return hasattr(x, "dtype") and hasattr(x, "ndim") and np.issubdtype(x.dtype, np.integer)


def corpus_to_ids(corpus: Any, vocab: Vocabulary | None = None, min_count: int = 1,
                  max_vocab: int | None = None) -> tuple[np.ndarray, Vocabulary]:
    """Sentences (token lists or ID arrays) → one 1-D int32 ID array with ``<eos>`` after each.

    Returns ``(ids, vocab)``; the vocabulary is built from token lists when ``vocab`` is None
    (``min_count``, ``max_vocab`` words besides the specials) by a
    :class:`~hangul_dl.text.encoder.TextEncoder`, which reads the sentences once into its store
    on disk, so an iterator of any size is fine.
    """
    if _is_id_array(corpus) and getattr(corpus, "ndim", 0) == 1:
        ids = np.asarray(to_cpu(corpus))
        return _checked_ids(ids, vocab, "the ID array"), vocab  # type: ignore[return-value]
    from ..text.ids import IdSequences

    if isinstance(corpus, IdSequences):  # a TextEncoder's ids_: joined without a Python loop
        if vocab is None:
            raise InputError("the corpus holds vocabulary IDs (IdSequences), so fit(corpus, "
                             "vocab=...) needs the Vocabulary that made them, e.g. "
                             "fit(encoder.ids_, vocab=encoder.vocab_)")
        ids = corpus.joined(vocab.eos_id)
        return _checked_ids(ids, vocab, f"the IDs of {corpus.directory}"), vocab
    if isinstance(corpus, str) or not isinstance(corpus, Iterable):
        raise InputError(f"corpus must be an iterable of sentences (token lists or ID arrays), "
                         f"got {type(corpus).__name__}")
    it = iter(corpus)
    first = next(it, None)
    if first is None:
        raise InputError("the corpus is empty: no sentences to learn word vectors from")
    if _is_id_array(first) or (isinstance(first, Sequence) and not isinstance(first, str)
                               and len(first) and isinstance(first[0], (int, np.integer))):
        return _encode_id_sentences(itertools.chain([first], it), vocab), vocab  # type: ignore
    if isinstance(first, str):
        raise InputError(f"sentence 0 is the string {first[:30]!r}, not a token list; tokenize "
                         "first, e.g. [line.split() for line in lines] or tokenizer.pipe(lines)")
    if vocab is None:  # the one text → IDs path: the encoder builds the vocabulary and the IDs
        from ..text.encoder import TextEncoder

        n_spec = len(Vocabulary().specials)
        encoder = TextEncoder("whitespace", min_count=int(min_count),
                              max_size=None if max_vocab is None else int(max_vocab) + n_spec)
        encoder.fit(_checked_token_lists(itertools.chain([first], it)))
        return encoder.ids_.joined(encoder.vocab_.eos_id), encoder.vocab_
    vocab.check_fitted()
    from ..text.ids import encode_corpus

    return encode_corpus(itertools.chain([first], it), None, vocab, add_eos=True), vocab


def _checked_token_lists(sentences: Iterable[Any]) -> Iterable[Any]:
    for n, s in enumerate(sentences):
        if isinstance(s, str) or _is_id_array(s):
            raise InputError(f"sentence {n} is a {type(s).__name__}, but sentence 0 was a token "
                             "list; give every sentence in the same form")
        yield s


def _checked_ids(ids: np.ndarray, vocab: Vocabulary | None, what: str) -> np.ndarray:
    if vocab is None:
        raise InputError(f"{what} holds vocabulary IDs, so fit(corpus, vocab=...) needs the "
                         "fitted Vocabulary that made them")
    vocab.check_fitted()
    if ids.ndim != 1:
        raise ShapeError(f"{what} must be 1-D, got shape {ids.shape}")
    if ids.size:
        lo, hi = int(ids.min()), int(ids.max())
        if lo < 0 or hi >= len(vocab):
            bad = lo if lo < 0 else hi
            raise InputError(f"{what} holds the ID {bad}, outside the vocabulary (0..{len(vocab) - 1}); "
                             "were the IDs made with another vocabulary?")
    return ids.astype(np.int32, copy=False)


def _encode_id_sentences(sentences: Iterable[Any], vocab: Vocabulary | None) -> np.ndarray:
    parts: list[np.ndarray] = []
    eos = np.array([vocab.eos_id if vocab is not None else 3], dtype=np.int32)
    for n, s in enumerate(sentences):
        if isinstance(s, str) or not (_is_id_array(s) or isinstance(s, Sequence)):
            raise InputError(f"sentence {n} is a {type(s).__name__}, but sentence 0 was an ID "
                             "array; give every sentence in the same form")
        parts.append(_checked_ids(np.asarray(to_cpu(s)).reshape(-1).astype(np.int64),
                                  vocab, f"sentence {n}"))
        parts.append(eos)
    return np.concatenate(parts).astype(np.int32, copy=False)


def ids_to_stream(ids: np.ndarray, vocab: Vocabulary, min_count: int = 1,
                  max_vocab: int | None = None) -> IdStream:
    """Encoded corpus (vocabulary IDs, ``<eos>`` between sentences) → :class:`IdStream`.

    The words are the non-special vocabulary tokens seen at least ``min_count`` times in ``ids``
    (at most ``max_vocab`` of them, the most frequent; ties by ID), in vocabulary order.
    """
    ids = np.asarray(to_cpu(ids))
    n_spec = vocab.n_specials
    counts = np.bincount(ids, minlength=len(vocab)).astype(np.int64)
    keep = counts >= max(int(min_count), 1)
    keep[:n_spec] = False
    if max_vocab is not None and int(keep.sum()) > int(max_vocab):
        order = np.argsort(-counts[keep], kind="stable")[: int(max_vocab)]
        kept = np.flatnonzero(keep)[np.sort(order)]
        keep[:] = False
        keep[kept] = True
    row_of_id = np.full(len(vocab), -1, dtype=np.int64)
    kept_ids = np.flatnonzero(keep)
    row_of_id[kept_ids] = np.arange(kept_ids.shape[0])
    is_eos = ids == vocab.eos_id
    sentence = np.cumsum(is_eos) - is_eos  # sentence number of each position
    n_sentences = int(is_eos.sum()) + int(ids.size > 0 and not is_eos[-1])
    rows = row_of_id[ids]
    mask = rows >= 0
    lengths = np.bincount(sentence[mask], minlength=n_sentences)
    offsets = np.zeros(n_sentences + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    itos = vocab.id_to_token
    return IdStream(words=rows[mask].astype(np.int32), offsets=offsets,
                    counts=counts[kept_ids], index_to_key=[itos[i] for i in kept_ids.tolist()])


class VectorStage(Stage):
    """Base of word-vector stages; see the module docstring for the contract.

    Subclasses store ``min_count``, ``max_vocab``, ``device`` and ``quiet`` among their
    constructor arguments and implement :meth:`_fit_stream`.
    """

    fit_context = frozenset({"vocab"})

    def prepare(self, corpus: Any, vocab: Vocabulary | None = None) -> IdStream:
        """Encode ``corpus`` (see :func:`corpus_to_ids`), set ``vocab_`` and return the stream."""
        min_count, max_vocab = getattr(self, "min_count", 1), getattr(self, "max_vocab", None)
        ids, vocab = corpus_to_ids(corpus, vocab, min_count=min_count, max_vocab=max_vocab)
        stream = ids_to_stream(ids, vocab, min_count=min_count, max_vocab=max_vocab)
        if not stream.index_to_key:
            raise InputError(f"no word occurs at least min_count={min_count} times in the corpus "
                             f"({ids.size} IDs); lower min_count or give more text")
        self.vocab_ = vocab
        return stream

    def fit(self, corpus: Any, vocab: Vocabulary | None = None) -> VectorStage:
        """Learn word vectors from ``corpus``; sets ``wv_`` and ``vocab_``; returns ``self``."""
        stream = self.prepare(corpus, vocab)
        vectors = self._fit_stream(stream)
        self.wv_ = WordVectors(stream.index_to_key, vectors, stream.counts)
        return self

    def _fit_stream(self, stream: IdStream) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- using the vectors ---------------------------------------------------------------
    def transform(self, sentences: Iterable[Any]) -> Any:
        """Sentence vectors (N, D): the mean of the known words' vectors (zeros if none).

        Sentences are token lists or ID arrays of ``vocab_`` (specials and unknown words skipped).
        """
        self.check_fitted()
        wv = self.wv_
        index = wv.key_to_index
        row_of_id: np.ndarray | None = None
        rows: list[int] = []
        owner: list[int] = []
        n = 0
        for n, s in enumerate(sentences, 1):
            if isinstance(s, str):
                raise InputError(f"sentence {n - 1} is the string {s[:30]!r}, not a token list")
            if _is_id_array(s):
                if row_of_id is None:
                    row_of_id = np.array([index.get(t, -1) for t in self.vocab_.id_to_token],
                                         dtype=np.int64)
                found = row_of_id[_checked_ids(np.asarray(to_cpu(s)).reshape(-1), self.vocab_,
                                               f"sentence {n - 1}")]
                found = found[found >= 0].tolist()
            else:
                found = [i for i in map(index.get, s) if i is not None]
            rows.extend(found)
            owner.extend([n - 1] * len(found))
        xp = get_array_module(wv.vectors)
        if not rows:
            return xp.zeros((n, wv.vector_size), dtype=DEFAULT_DTYPE)
        rows_a = xp.asarray(np.array(rows, dtype=np.int64))
        owner_a = xp.asarray(np.array(owner, dtype=np.int64))
        sums = segment_sum(owner_a, wv.vectors[rows_a], n)  # (N, D)
        counts = xp.bincount(owner_a, minlength=n).astype(DEFAULT_DTYPE)[:, None]
        return (sums / xp.maximum(counts, 1)).astype(DEFAULT_DTYPE, copy=False)

    def most_similar(self, *args: Any, **kwargs: Any) -> Any:
        """``wv_.most_similar`` (3CosAdd); see :meth:`WordVectors.most_similar`."""
        self.check_fitted()
        return self.wv_.most_similar(*args, **kwargs)

    def nearest_words(self, *args: Any, **kwargs: Any) -> list[tuple[str, float]]:
        """``wv_.nearest_words``: neighbours as a person reads them (no ``▁``, each word once)."""
        self.check_fitted()
        return self.wv_.nearest_words(*args, **kwargs)

    def similarity(self, w1: str, w2: str) -> float:
        """``wv_.similarity``: cosine similarity of two words."""
        self.check_fitted()
        return self.wv_.similarity(w1, w2)

    def __repr__(self) -> str:
        base = super().__repr__()
        if "wv_" not in vars(self):
            return base
        return f"{base} [{len(self.wv_)} words × {self.wv_.vector_size} dims]"

    # -- files ---------------------------------------------------------------------------
    def _save_state(self, directory: Path) -> None:
        self.wv_.write_files(directory)
        self.vocab_.save_txt(directory / CORPUS_VOCAB_FILE)

    def _load_state(self, directory: Path) -> None:
        self.wv_ = WordVectors.read_files(directory)
        self.vocab_ = Vocabulary.load_txt(directory / CORPUS_VOCAB_FILE)
