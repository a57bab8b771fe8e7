"""WordVectors: trained word vectors apart from their trainer, with gensim's KeyedVectors API.

Book ch.2-4 end every method with a matrix whose rows are word vectors and a ``most_similar``
that ranks words by cosine similarity; this module is that artefact, shared by the count-based
:class:`~hangul_dl.embeddings.count.PPMISVD` and :class:`~hangul_dl.embeddings.word2vec.Word2Vec`,
and named like gensim's ``KeyedVectors`` so users switch without relearning::

    >>> wv = WordVectors(["한국", "서울", "일본", "도쿄"], vectors)   # vectors: (4, D) float32
    >>> wv["서울"].shape                      # one word -> (D,); a list of words -> (n, D)
    (100,)
    >>> wv.most_similar(positive=["도쿄", "한국"], negative=["일본"], topn=1)   # 3CosAdd
    [('서울', 0.93)]

Unknown words raise :class:`UnknownWordError` (a ``KeyError``) naming the
word. Evaluation on word-pair and analogy files lives in :mod:`.evaluation`, the word2vec text and
binary formats in :mod:`.w2v_format`; the methods here delegate to them.

Our format on disk is a directory: ``manifest.json`` (kind ``"WordVectors"``), ``vectors.npz``
(``vectors`` (V, D) float32, ``counts`` (V,) int64 when known) and ``vocab.txt`` (one
``word<TAB>count`` line per row, see :mod:`.wordlist`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, get_array_module, to_cpu
from ..errors import FormatError, HangulDLError, InputError, ShapeError
from ..io import (
    array_headers,
    atomic_directory,
    load_arrays,
    read_manifest,
    save_arrays,
    write_manifest,
)
from ..text.tokenizers import MARKER
from .w2v_format import check_finite
from .wordlist import read_word_list, write_word_list

__all__ = ["VECTORS_FILE", "VOCAB_FILE", "UnknownWordError", "WordVectors",
           "load_word_vectors"]

logger = logging.getLogger(__name__)

VECTORS_FILE = "vectors.npz"
VOCAB_FILE = "vocab.txt"
Words = str | Sequence[str]


class UnknownWordError(HangulDLError, KeyError):
    """A word is not in the vocabulary of the vectors (a ``KeyError``, like gensim's)."""

    def __init__(self, word: object, size: int):
        self.word = word
        super().__init__(f"word {word!r} is not in the vocabulary ({size} words); check the "
                         "spelling and tokenization (the same tokenizer as for training), or "
                         "test first with `word in wv`")

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0])


def _plain(word: str) -> str:
    """``word`` without its word-start mark (a lone mark stays as it is)."""
    return word.lstrip(MARKER) or word


def _as_list(words: Words | None) -> list:
    if words is None:
        return []
    if isinstance(words, str) or not isinstance(words, Iterable) or hasattr(words, "shape"):
        return [words]  # one word, or one vector
    return list(words)


class WordVectors:
    """Word vectors: ``vectors[i]`` is the vector of ``index_to_key[i]``.

    Parameters
    ----------
    index_to_key : sequence of str
        The words, one per row, distinct (usually most frequent first).
    vectors : array (V, D)
        NumPy or CuPy; stored as float32.
    counts : array (V,) or None
        Corpus frequencies of the words (int64), when known.

    Attributes: ``index_to_key`` (list), ``key_to_index`` (dict), ``vectors`` (V, D),
    ``counts`` (V,) int64 or None, ``vector_size`` (D). Do not modify ``vectors`` in place
    after a similarity query without calling :meth:`reset_norms` (unit vectors are cached).
    """

    def __init__(self, index_to_key: Sequence[str], vectors: Any, counts: Any = None):
        keys = list(index_to_key)
        xp = get_array_module(vectors)
        vectors = xp.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ShapeError(f"vectors must have shape (V, D) with V = {len(keys)} words, got "
                             f"{tuple(vectors.shape)}")
        if not (xp.issubdtype(vectors.dtype, xp.floating) or xp.issubdtype(vectors.dtype, xp.integer)):
            raise ShapeError(f"vectors must hold numbers, got dtype {vectors.dtype}")
        self.index_to_key = keys
        self.key_to_index = {k: i for i, k in enumerate(keys)}
        if len(self.key_to_index) != len(keys):
            seen: set[str] = set()
            dup = next(k for k in keys if k in seen or seen.add(k))
            raise InputError(f"word {dup!r} appears twice in index_to_key; words must be distinct")
        for i, k in enumerate(keys):
            if not isinstance(k, str) or not k:
                raise InputError(f"word {i} is {k!r}; words must be non-empty strings")
        self.vectors = vectors.astype(DEFAULT_DTYPE, copy=False)
        if counts is not None:
            counts = np.asarray(to_cpu(counts), dtype=np.int64)
            if counts.shape != (len(keys),):
                raise ShapeError(f"counts must have shape ({len(keys)},), got {counts.shape}")
        self.counts = counts
        self._unit: Any = None

    # -- lookups -------------------------------------------------------------------------
    @property
    def vector_size(self) -> int:
        """D, the number of dimensions."""
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index or (
            isinstance(word, str) and MARKER + word in self.key_to_index)

    def __iter__(self):
        """The words in row order."""
        return iter(self.index_to_key)

    def has_index_for(self, word: str) -> bool:
        """gensim's name for ``word in wv``."""
        return word in self

    def get_index(self, word: str) -> int:
        """Row of ``word``; an unknown word raises :class:`UnknownWordError` naming it.

        A word stored with the word-start mark ``▁`` (whitespace and subword tokenizers mark
        eojeol starts) is found by its plain spelling too: ``wv.get_index("국회")`` finds
        ``"▁국회"`` when there is no ``"국회"``.
        """
        index = self.key_to_index
        try:
            return index[word]
        except (KeyError, TypeError):
            if isinstance(word, str) and MARKER + word in index:
                return index[MARKER + word]
            raise UnknownWordError(word, len(self)) from None

    def get_vector(self, word: str, norm: bool = False) -> Any:
        """The (D,) vector of ``word`` (unit length with ``norm=True``)."""
        i = self.get_index(word)
        return self.unit_vectors[i] if norm else self.vectors[i]

    def __getitem__(self, words: Words) -> Any:
        """``wv["서울"]`` → (D,); ``wv[["서울", "부산"]]`` → (2, D)."""
        if isinstance(words, str):
            return self.vectors[self.get_index(words)]
        rows = [self.get_index(w) for w in words]
        xp = get_array_module(self.vectors)
        return self.vectors[xp.asarray(rows, dtype=np.int64)] if rows else self.vectors[:0]

    @property
    def unit_vectors(self) -> Any:
        """(V, D) rows scaled to unit length (zero rows stay zero); cached."""
        if self._unit is None:
            xp = get_array_module(self.vectors)
            norms = xp.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = (self.vectors / xp.maximum(norms, 1e-12)).astype(DEFAULT_DTYPE, copy=False)
        return self._unit

    def get_normed_vectors(self) -> Any:
        """gensim's name for :attr:`unit_vectors`."""
        return self.unit_vectors

    def reset_norms(self) -> None:
        """Forget the cached unit vectors (call after changing ``vectors`` in place)."""
        self._unit = None

    def __repr__(self) -> str:
        head = ", ".join(repr(w) for w in self.index_to_key[:5])
        more = ", ..." if len(self) > 5 else ""
        where = "gpu" if get_array_module(self.vectors) is not np else "cpu"
        return f"WordVectors({len(self)} words × {self.vector_size} dims, {where}: [{head}{more}])"

    # -- similarity ----------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words, in [-1, 1]."""
        u = self.unit_vectors
        return float(u[self.get_index(w1)] @ u[self.get_index(w2)])

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the means of two word lists (gensim's ``n_similarity``)."""
        xp = get_array_module(self.vectors)
        a = self.unit_vectors[[self.get_index(w) for w in ws1]].mean(axis=0)
        b = self.unit_vectors[[self.get_index(w) for w in ws2]].mean(axis=0)
        return float(a @ b / max(float(xp.linalg.norm(a) * xp.linalg.norm(b)), 1e-12))

    def _query(self, items: Words | None, weight: float) -> list[tuple[Any, float, int | None]]:
        """``(unit vector, weight, row or None)`` for words or raw vectors."""
        xp = get_array_module(self.vectors)
        out = []
        for item in _as_list(items):
            if isinstance(item, str):
                i = self.get_index(item)
                out.append((self.unit_vectors[i], weight, i))
            elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                i = self.get_index(item[0])  # (word, weight) as in gensim
                out.append((self.unit_vectors[i], float(item[1]) * (1 if weight > 0 else -1), i))
            else:
                v = xp.asarray(item, dtype=DEFAULT_DTYPE)
                if v.shape != (self.vector_size,):
                    raise ShapeError(f"a query vector must have shape ({self.vector_size},), "
                                     f"got {tuple(v.shape)}")
                out.append((v / max(float(xp.linalg.norm(v)), 1e-12), weight, None))
        return out

    def _ranked(self, scores: Any, exclude: Iterable[int], topn: int | None,
                restrict_vocab: int | None) -> Any:
        xp = get_array_module(scores)
        scores = scores[:restrict_vocab] if restrict_vocab is not None else scores
        if topn is None:
            return scores
        scores = scores.copy()
        drop = [i for i in exclude if i is not None and i < scores.shape[0]]
        if drop:
            scores[xp.asarray(drop)] = -xp.inf
        k = min(int(topn), int(scores.shape[0]) - len(drop))
        if k <= 0:
            return []
        best = xp.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else xp.arange(k)
        best = best[xp.argsort(-scores[best], kind="stable")]
        best, values = to_cpu(best).tolist(), to_cpu(scores[best]).tolist()
        return [(self.index_to_key[i], float(s)) for i, s in zip(best, values, strict=True)]

    def most_similar(self, positive: Words | None = None, negative: Words | None = None,
                     topn: int | None = 10, restrict_vocab: int | None = None
                     ) -> list[tuple[str, float]] | Any:
        """Words nearest to ``mean(positive) - mean(negative)`` by cosine (3CosAdd).

        ``positive``/``negative`` are words (or (D,) vectors, or ``(word, weight)`` pairs);
        query words are never returned. ``topn=None`` returns the (V,) similarity array.
        ``restrict_vocab`` limits candidates to the first (most frequent) rows.
        Analogy *a : b = c : ?* is ``most_similar(positive=[b, c], negative=[a])``.
        """
        query = self._query(positive, 1.0) + self._query(negative, -1.0)
        if not query:
            raise InputError("most_similar needs at least one word in positive or negative")
        mean = sum(v * w for v, w, _ in query) / len(query)
        scores = self.unit_vectors @ mean  # (V,)
        return self._ranked(scores, [i for _, _, i in query], topn, restrict_vocab)

    def nearest_words(self, positive: Words | None = None, negative: Words | None = None,
                      topn: int = 10) -> list[tuple[str, float]]:
        """:meth:`most_similar` as a person reads it: words without the word-start mark ``▁``,
        each once, the query words in neither form.

        A tokenizer that marks word starts keeps two rows for one written word (``▁국회`` at
        the start of an eojeol, ``국회`` inside one); shown without the mark they would look
        like the same neighbour twice. The better-scoring form is kept and the list is filled
        up to ``topn`` from further down.

        >>> wv.nearest_words("국회", topn=3)   # doctest: +SKIP
        [('임시회', 0.8), ('재적', 0.79), ('회계', 0.79)]
        """
        asked = {_plain(w if isinstance(w, str) else w[0]) for w in
                 [*_as_list(positive), *_as_list(negative)]
                 if isinstance(w, str) or (isinstance(w, tuple) and isinstance(w[0], str))}
        want = min(int(topn), len(self))
        k = want + len(asked) + 8
        while True:
            found: dict[str, float] = {}
            ranked = self.most_similar(positive, negative, topn=k)
            for word, score in ranked:
                plain = _plain(word)
                if plain not in asked and plain not in found:
                    found[plain] = score
            if len(found) >= want or len(ranked) < k:
                return list(found.items())[:want]
            k *= 2

    def most_similar_cosmul(self, positive: Words | None = None, negative: Words | None = None,
                            topn: int | None = 10, restrict_vocab: int | None = None
                            ) -> list[tuple[str, float]] | Any:
        """3CosMul (Levy & Goldberg 2014): ``Π pos_sim / (Π neg_sim + 1e-6)``, sims in [0, 1].

        Cosines are mapped to [0, 1] with ``(1 + cos) / 2``; query words are never returned.
        """
        pos, neg = self._query(positive, 1.0), self._query(negative, -1.0)
        if not pos and not neg:
            raise InputError("most_similar_cosmul needs at least one word")
        u = self.unit_vectors
        xp = get_array_module(u)
        num = xp.ones(len(self), dtype=DEFAULT_DTYPE)
        den = xp.ones(len(self), dtype=DEFAULT_DTYPE)
        for v, _, _ in pos:
            num *= (1 + u @ v) / 2
        for v, _, _ in neg:
            den *= (1 + u @ v) / 2
        scores = num / (den + 1e-6)
        return self._ranked(scores, [i for _, _, i in pos + neg], topn, restrict_vocab)

    def similar_by_word(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """``most_similar(positive=[word], topn=topn)``."""
        return self.most_similar(positive=[word], topn=topn)

    def similar_by_vector(self, vector: Any, topn: int = 10) -> list[tuple[str, float]]:
        """Words nearest to a (D,) vector (nothing excluded)."""
        return self.most_similar(positive=[vector], topn=topn)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word of ``words`` farthest from their mean (gensim ignores unknown words: so do we,
        with a warning naming them)."""
        words = _as_list(words)
        known = [w for w in words if w in self]
        if len(known) < len(words):
            logger.warning("doesnt_match: ignoring words not in the vocabulary: %r",
                           [w for w in words if w not in self.key_to_index])
        if not known:
            raise InputError(f"doesnt_match: none of {words!r} is in the vocabulary")
        u = self.unit_vectors[[self.get_index(w) for w in known]]
        mean = u.mean(axis=0)
        return known[int(to_cpu((u @ mean).argmin()))]

    def distances(self, word: str, others: Sequence[str] = ()) -> np.ndarray:
        """Cosine distances (1 - similarity) from ``word`` to ``others`` (all words when empty)."""
        v = self.get_vector(word, norm=True)
        u = self.unit_vectors if not others else self.unit_vectors[[self.get_index(w) for w in others]]
        return 1.0 - np.asarray(to_cpu(u @ v))

    # -- evaluation (see evaluation.py) --------------------------------------------------
    def evaluate_word_pairs(self, path: str | os.PathLike, **kwargs: Any) -> Any:
        """Pearson, Spearman and OOV ratio on a ``word1,word2,score`` CSV (see :mod:`.evaluation`)."""
        from .evaluation import evaluate_word_pairs

        return evaluate_word_pairs(self, path, **kwargs)

    def evaluate_word_analogies(self, path: str | os.PathLike, **kwargs: Any) -> Any:
        """Accuracy per section on a ``questions-words.txt`` file (see :mod:`.evaluation`)."""
        from .evaluation import evaluate_word_analogies

        return evaluate_word_analogies(self, path, **kwargs)

    # -- devices -------------------------------------------------------------------------
    def to_gpu(self) -> WordVectors:
        """Move the vectors to the GPU (CuPy); returns self."""
        from ..backend import to_gpu

        self.vectors, self._unit = to_gpu(self.vectors), None
        return self

    def to_cpu(self) -> WordVectors:
        """Move the vectors to the CPU (NumPy); returns self."""
        self.vectors, self._unit = to_cpu(self.vectors), None
        return self

    # -- files ---------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Save to a directory in our format (atomic; see the module docstring)."""
        with atomic_directory(directory) as tmp:
            write_manifest(tmp, kind="WordVectors",
                           config={"size": len(self), "vector_size": self.vector_size})
            self.write_files(tmp)
        return Path(directory)

    def write_files(self, directory: Path) -> None:
        """Write ``vectors.npz`` and ``vocab.txt`` into an existing directory (used by stages)."""
        arrays = {"vectors": self.vectors}
        if self.counts is not None:
            arrays["counts"] = self.counts
        save_arrays(directory / VECTORS_FILE, arrays)
        write_word_list(directory / VOCAB_FILE, self.index_to_key, self.counts)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> WordVectors:
        """Load a directory written by :meth:`save`, by a vector stage's ``save``, or a saved
        pipeline whose last step is a vector stage (``hangul-dl run``/``demo`` output)."""
        if read_manifest(directory)["kind"] == "Pipeline":
            from ..stage import Stage

            final = Stage.load(directory)[-1]  # the registry finds Pipeline: no upward import
            if not hasattr(final, "wv_"):
                raise FormatError(f"{directory}: the pipeline ends in a {type(final).__name__}, "
                                  "not a word-vector stage (PPMISVD, Word2Vec)")
            return final.wv_
        return cls.read_files(Path(directory))

    @classmethod
    def read_files(cls, directory: Path) -> WordVectors:
        """Read ``vectors.npz`` and ``vocab.txt`` from a directory (used by stages).

        The array shapes are checked against the word list before any data is read, and every
        vector must be finite (a NaN or infinity raises ``FormatError`` naming the word)."""
        path = directory / VECTORS_FILE
        headers = array_headers(path)
        if "vectors" not in headers:
            raise FormatError(f"{path}: no 'vectors' array; found {sorted(headers)}")
        words = read_word_list(directory / VOCAB_FILE)
        shape, dtype = headers["vectors"]
        if len(shape) != 2 or shape[0] != len(words):
            raise FormatError(f"{directory}: vectors.npz has shape {shape} but vocab.txt "
                              f"lists {len(words)} words; the directory was mixed up")
        if dtype != DEFAULT_DTYPE:
            raise FormatError(f"{path}: vectors are {dtype}, expected float32")
        if "counts" in headers and tuple(headers["counts"][0]) != (len(words),):
            raise FormatError(f"{path}: 'counts' has shape {headers['counts'][0]}, expected "
                              f"({len(words)},); the directory was mixed up")
        arrays = load_arrays(path)
        vectors = arrays["vectors"]
        check_finite(vectors, words, str(path))
        return cls(words, vectors, arrays.get("counts"))

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> Path:
        """Write the word2vec text (``binary=False``) or binary format, readable by gensim."""
        from .w2v_format import save_word2vec_format

        return save_word2vec_format(self, path, binary=binary)

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike, binary: bool = False,
                             limit: int | None = None, unicode_errors: str = "strict"
                             ) -> WordVectors:
        """Read a word2vec text or binary file (from gensim, fastText's ``.vec``, word2vec.c)."""
        from .w2v_format import load_word2vec_format

        index_to_key, vectors = load_word2vec_format(path, binary=binary, limit=limit,
                                                     unicode_errors=unicode_errors)
        return cls(index_to_key, vectors)

    # -- plots ---------------------------------------------------------------------------
    def plot(self, words: Sequence[str], path: str | os.PathLike, title: str = "단어 지도 (PCA)"
             ) -> Path:
        """Save a 2-D map (PCA) of ``words`` with Hangul labels; returns the path."""
        from ..plotting import plot_word_map

        return plot_word_map(list(words), to_cpu(self[list(words)]), path, title=title)


def load_word_vectors(path: str | os.PathLike, format: str = "auto") -> WordVectors:
    """Load vectors from our directory or a word2vec text/binary file, detected by content.

    ``format``: ``"auto"`` (default), ``"ours"``, ``"word2vec"`` (text) or ``"word2vec-binary"``.
    """
    path = Path(path)
    if format == "auto":
        if path.is_dir():
            format = "ours"
        else:
            from .w2v_format import sniff_word2vec

            format = "word2vec-binary" if sniff_word2vec(path) == "binary" else "word2vec"
    if format == "ours":
        return WordVectors.load(path)
    if format in ("word2vec", "word2vec-binary"):
        return WordVectors.load_word2vec_format(path, binary=format == "word2vec-binary")
    raise InputError(f"unknown vector format {format!r}; expected auto, ours, word2vec or "
                     "word2vec-binary")
