"""Corpus → ID arrays: one 1-D ``int32`` stream for language models and word2vec, padded 2-D
batches for seq2seq, and ``.npy`` files for both.

:func:`encode_corpus` tokenizes and encodes a stream of lines into one 1-D ``int32`` array
with ``<eos>`` after each sentence (language models, word2vec), in chunks, without keeping
token lists. :func:`save_ids` / :func:`load_ids` store it as ``.npy`` (memory-mapped on
load). :func:`pad_batch` pads sequences into a 2-D batch plus lengths (seq2seq).
:class:`IdSequences` keeps a stream of per-sentence ID arrays on disk, memory-mapped, so a
preprocessed corpus can be read again and again without holding it in memory;
:meth:`IdSequences.encode` makes one from token lists in big chunks (and fits the vocabulary
on the same pass).

Any tokenizer works that has ``pipe(texts, batch_size=, n_jobs=)`` or ``tokenize(text)``, or is
a plain callable (``str.split``).

Speed (2-core CPU, 3M tokens of :func:`hangul_dl.datasets.zipf_korean_corpus`):
``encode_corpus(TextCorpus(path), str.split, vocab)`` takes 1.2 s (2.5M tokens/s, the dict
lookup per token dominates); :func:`save_ids` + :func:`load_ids` of the result, 0.03 s.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from itertools import chain, islice, pairwise, repeat
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_cpu
from ..errors import FormatError, InputError, ShapeError
from ..io import atomic_open

__all__ = ["IdSequences", "encode_corpus", "load_ids", "pad_batch", "save_ids"]

PathLike = str | os.PathLike


def _token_stream(lines: Iterable[Any], tokenizer: Any, batch_size: int,
                  n_jobs: int) -> Iterable[Sequence[str]]:
    if tokenizer is None:
        return lines
    if hasattr(tokenizer, "pipe"):
        return tokenizer.pipe(lines, batch_size=batch_size, n_jobs=n_jobs)
    if hasattr(tokenizer, "tokenize"):
        return map(tokenizer.tokenize, lines)
    if callable(tokenizer):
        return map(tokenizer, lines)
    raise InputError(f"tokenizer must have pipe() or tokenize(), or be callable (like "
                     f"str.split); got {type(tokenizer).__name__}")


def encode_corpus(lines: Iterable[Any], tokenizer: Any | Callable[[str], list[str]] | None,
                  vocab: Any, add_eos: bool = True, add_bos: bool = False,
                  batch_size: int = 1000, n_jobs: int = 1,
                  chunk_size: int = 1 << 20) -> np.ndarray:
    """Tokenize and encode a stream of sentences into one 1-D ``int32`` array.

    ``[["나", "는"], ["너"]]`` → ``[id(나), id(는), <eos>, id(너), <eos>]`` with ``add_eos``
    (the layout the book's PTB loader gives language models and word2vec). ``tokenizer=None``
    means ``lines`` already holds token lists. Unknown tokens become ``<unk>``. The stream is
    consumed in chunks of ``chunk_size`` IDs, so only the IDs are kept in memory.
    """
    vocab.check_fitted()
    get = vocab.token_to_id.get
    unk, bos, eos = vocab.unk_id, vocab.bos_id, vocab.eos_id
    chunks: list[np.ndarray] = []
    buf: list[int] = []
    for n, tokens in enumerate(_token_stream(lines, tokenizer, batch_size, n_jobs)):
        if isinstance(tokens, str):
            raise InputError(f"item {n} is the string {tokens[:30]!r}, not a token list; pass a "
                             "tokenizer (or tokenizer=str.split)")
        if add_bos:
            buf.append(bos)
        buf.extend(map(get, tokens, repeat(unk)))
        if add_eos:
            buf.append(eos)
        if len(buf) >= chunk_size:
            chunks.append(np.array(buf, dtype=np.int32))
            buf = []
    chunks.append(np.array(buf, dtype=np.int32))
    return np.concatenate(chunks)


def save_ids(path: PathLike, ids: Any) -> Path:
    """Save an integer ID array as ``int32`` ``.npy`` (atomic write, no pickle)."""
    arr = np.asarray(to_cpu(ids))
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"save_ids expects integer IDs, got dtype {arr.dtype}")
    if arr.size and arr.dtype != np.int32 and (arr.min() < np.iinfo(np.int32).min
                                               or arr.max() > np.iinfo(np.int32).max):
        raise InputError(f"IDs range {arr.min()}..{arr.max()} does not fit in int32")
    path = Path(path)
    with atomic_open(path, "wb") as f:
        np.save(f, arr.astype(np.int32, copy=False), allow_pickle=False)
    return path


def load_ids(path: PathLike, mmap: bool = True) -> np.ndarray:
    """Load IDs saved by :func:`save_ids`; ``mmap=True`` maps the file read-only (no copy)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: file not found; expected an .npy file from save_ids")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic != b"\x93NUMPY":
        raise FormatError(f"{path}: not an .npy file (it starts with {magic!r}); expected IDs "
                          "written by save_ids")
    try:
        arr = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except ValueError as exc:
        if mmap and "empty" in str(exc):
            arr = np.load(path, allow_pickle=False)
        else:
            raise FormatError(f"{path}: unreadable .npy ({exc})") from None
    except (OSError, EOFError) as exc:
        raise FormatError(f"{path}: truncated or corrupted .npy ({exc})") from None
    if not np.issubdtype(arr.dtype, np.integer):
        raise FormatError(f"{path}: holds {arr.dtype} values, expected integer IDs")
    return arr


class IdSequences(Sequence):
    """Sentences of vocabulary IDs stored flat on disk and memory-mapped: a re-iterable,
    constant-memory stand-in for a list of 1-D ID arrays.

    ``DIR/ids.npy`` holds every sentence's IDs one after the other (``int32``) and
    ``DIR/offsets.npy`` (``int64``, one more than the sentences) where each starts; sentence
    ``i`` is ``ids[offsets[i]:offsets[i + 1]]``, a read-only view.

    >>> seqs = IdSequences.write("spool", pipe[:-1].transform("corpus.txt"))  # streams
    >>> len(seqs), seqs[0]          # (120000, array([ 812,   17, 4051], dtype=int32))
    >>> model.fit(seqs, vocab=vocab)   # read as often as the model likes
    """

    def __init__(self, directory: PathLike):
        self.directory = Path(directory)
        self.ids = load_ids(self.directory / "ids.npy")
        self.offsets = load_ids(self.directory / "offsets.npy", mmap=False).astype(np.int64)
        if (self.offsets.ndim != 1 or not self.offsets.size or self.offsets[0] != 0
                or self.offsets[-1] != self.ids.shape[0] or np.any(np.diff(self.offsets) < 0)):
            raise FormatError(f"{self.directory}: offsets.npy does not describe ids.npy "
                              f"({self.ids.shape[0]} IDs); write the folder again with "
                              "IdSequences.write")

    @classmethod
    def write(cls, directory: PathLike, sequences: Iterable[Any],
              chunk_size: int = 1 << 20) -> IdSequences:
        """Stream ``sequences`` (1-D integer arrays or lists) into ``directory``; only about
        ``chunk_size`` IDs are held in memory at a time. Returns the memory-mapped result."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        raw = directory / "ids.int32"
        offsets = [0]
        chunk: list[np.ndarray] = []
        held = 0
        with open(raw, "wb") as f:
            for n, seq in enumerate(sequences):
                arr = np.asarray(to_cpu(seq))
                if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
                    raise InputError(f"sentence {n} is {arr.dtype} with shape {arr.shape}; "
                                     "IdSequences holds 1-D integer ID arrays (a vocabulary's "
                                     "output)")
                chunk.append(arr.astype(np.int32, copy=False))
                offsets.append(offsets[-1] + arr.shape[0])
                held += arr.shape[0]
                if held >= chunk_size:
                    np.concatenate(chunk).tofile(f)
                    chunk, held = [], 0
            if chunk:
                np.concatenate(chunk).tofile(f)
        return cls._finish(directory, raw, np.asarray(offsets, dtype=np.int64))

    @classmethod
    def encode(cls, directory: PathLike, token_lists: Iterable[Sequence[str]], vocab: Any,
               check_tokens: Callable[[list[Any]], tuple[int, str] | None] | None = None,
               chunk_size: int = 1 << 14) -> IdSequences:
        """Encode token lists with ``vocab`` into ``directory``, fitting ``vocab`` on the same
        pass when it is not fitted yet; returns the memory-mapped result (one sentence per list).

        Batched: ``chunk_size`` sentences at a time, the chunk's tokens are looked up by one
        ``map`` over a dict (a C loop: no Python call per token or per sentence) and only the
        chunk's IDs are held in memory. An unfitted ``vocab`` gets exactly the IDs of
        ``vocab.fit(data)`` followed by ``vocab.transform(data)``, from one pass: each new type
        takes the next provisional number (first-seen order, as ``Counter``), the numbers are
        spooled to disk, ``np.bincount`` counts them, :meth:`Vocabulary.fit_counts` ranks the
        types, and one array lookup turns provisional numbers into IDs.

        ``check_tokens(tokens)`` returns ``(i, what is wrong with tokens[i])`` for the first
        bad one, or None; it is asked once per chunk about the chunk's new types (its unknown
        tokens with a fitted ``vocab``), and a problem raises :class:`InputError` naming the
        first sentence that holds the token.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        fitting = not vocab.is_fitted
        if fitting:
            vocab._checked_params()
            index: defaultdict = defaultdict()
            index.default_factory = index.__len__  # a missing type gets the next number
            lookup: Callable[[Iterable[Any]], Iterator[int]] = lambda toks: map(index.__getitem__, toks)  # noqa: E731
        else:
            get, unk = vocab.token_to_id.get, vocab.unk_id
            lookup = lambda toks: map(get, toks, repeat(unk))  # noqa: E731
        raw = directory / ("ids.prov" if fitting else "ids.int32")
        lengths: list[np.ndarray] = []
        n_sentences = 0
        items = iter(token_lists)
        with open(raw, "wb") as f:
            for chunk in iter(lambda: list(islice(items, chunk_size)), []):
                n_types = len(index) if fitting else 0
                ids, flat, chunk_lengths = _lookup_chunk(chunk, lookup, n_sentences)
                if check_tokens is not None:
                    first = (_first_positions(ids, n_types) if fitting
                             else _first_positions(ids, vocab.unk_id, equal=True))
                    _check_tokens(chunk_lengths, flat, first, check_tokens, n_sentences)
                ids.tofile(f)
                lengths.append(chunk_lengths)
                n_sentences += len(chunk)
        offsets = np.zeros(n_sentences + 1, dtype=np.int64)
        if lengths:
            np.cumsum(np.concatenate(lengths), out=offsets[1:])
        if fitting:
            types = list(index)
            counts = np.zeros(len(types), dtype=np.int64)
            prov = _map_ids(raw, int(offsets[-1]))
            step = 1 << 24
            for a in range(0, prov.shape[0], step):
                counts += np.bincount(prov[a:a + step], minlength=len(types))
            vocab.fit_counts(types, counts, n_sentences)
            get, unk = vocab.token_to_id_.get, vocab.unk_id
            to_id = np.fromiter(map(get, types, repeat(unk)), dtype=np.int32, count=len(types))
            out_raw = directory / "ids.int32"
            with open(out_raw, "wb") as f:
                for a in range(0, prov.shape[0], step):
                    to_id[prov[a:a + step]].tofile(f)
            del prov
            raw.unlink()
            raw = out_raw
        return cls._finish(directory, raw, offsets)

    @classmethod
    def _finish(cls, directory: Path, raw: Path, offsets: np.ndarray) -> IdSequences:
        """The raw ``int32`` IDs in ``raw`` and their ``offsets`` → ``ids.npy`` and
        ``offsets.npy`` (atomic writes); ``raw`` is removed. Returns the memory-mapped result."""
        flat = _map_ids(raw, int(offsets[-1]))
        save_ids(directory / "ids.npy", flat)
        del flat
        raw.unlink()
        with atomic_open(directory / "offsets.npy", "wb") as f:
            np.save(f, offsets, allow_pickle=False)
        return cls(directory)

    def __len__(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def __getitem__(self, i: int) -> np.ndarray:  # type: ignore[override]
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"IdSequences indices are integers, got {type(i).__name__}")
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"sentence {i} out of range ({n} sentences)")
        i = int(i) % n
        return self.ids[self.offsets[i]:self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        ids, offsets = self.ids, self.offsets.tolist()
        for start, stop in pairwise(offsets):
            yield ids[start:stop]

    def joined(self, eos_id: int, skip_empty: bool = False) -> np.ndarray:
        """One 1-D ``int32`` stream with ``eos_id`` after every sentence (the layout language
        models and word2vec read), built without a per-sentence loop. ``skip_empty`` leaves
        empty sentences out instead of giving each a lone ``eos_id`` (a language model reads an
        empty line as a sentence break, not as a sentence)."""
        lengths = np.diff(self.offsets)
        n = int(np.count_nonzero(lengths)) if skip_empty else len(self)
        ends = self.offsets[1:][lengths > 0] if skip_empty else self.offsets[1:]
        out = np.full(self.ids.shape[0] + n, eos_id, dtype=np.int32)
        is_word = np.ones(out.shape[0], dtype=bool)
        is_word[ends + np.arange(n)] = False  # the eos after each (kept) sentence
        out[is_word] = self.ids
        return out

    def __repr__(self) -> str:
        return f"IdSequences({len(self):,} sentences, {self.ids.shape[0]:,} IDs, {self.directory})"


def _map_ids(raw: Path, n: int) -> np.ndarray:
    """The ``n`` raw ``int32`` values of ``raw``, memory-mapped (an empty array for none)."""
    return np.memmap(raw, dtype=np.int32, mode="r", shape=(n,)) if n else np.zeros(0, np.int32)


def _lookup_chunk(chunk: list[Any], lookup: Callable[[Iterable[Any]], Iterator[int]],
                  start: int) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """The IDs (``int32``) of the tokens of the sentences ``chunk`` (sentence ``start`` first)
    one after the other, those tokens as one list, and each sentence's length (``int64``)."""
    if any(map(isinstance, chunk, repeat((str, bytes)))):
        n = next(i for i, s in enumerate(chunk) if isinstance(s, (str, bytes)))
        raise InputError(f"sentence {start + n} is the string {chunk[n][:30]!r}, not a token "
                         "list; tokenize first, e.g. [line.split() for line in lines]")
    try:
        lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
    except TypeError:  # sentences without a length (generators): read each once
        chunk[:] = [s if isinstance(s, Sized) or not isinstance(s, Iterable) else list(s)
                    for s in chunk]
        lengths = None
    try:
        if lengths is None:
            lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        flat = list(chain.from_iterable(chunk))
        return np.fromiter(lookup(flat), dtype=np.int32, count=len(flat)), flat, lengths
    except TypeError:
        for n, s in enumerate(chunk):
            if not isinstance(s, Iterable) or any(not isinstance(t, str) for t in s):
                raise InputError(f"sentence {start + n} is {_what(s)}, not a list of token "
                                 "strings; give every sentence as a token list") from None
        raise


def _what(item: Any) -> str:
    if isinstance(item, Iterable) and not isinstance(item, np.ndarray):
        bad = next((t for t in item if not isinstance(t, str)), None)
        return f"a {type(item).__name__} holding the {type(bad).__name__} {bad!r}"
    return f"a {type(item).__name__}"


def _first_positions(ids: np.ndarray, at: int, equal: bool = False) -> np.ndarray:
    """Positions of the first occurrence of every ID ``>= at`` (with ``equal``: every
    position of the ID ``at``)."""
    if equal:
        return np.flatnonzero(ids == at)
    where = np.flatnonzero(ids >= at)
    return where[np.unique(ids[where], return_index=True)[1]]


def _check_tokens(lengths: np.ndarray, flat: list[Any], positions: np.ndarray,
                  check_tokens: Callable[[list[Any]], tuple[int, str] | None],
                  start: int) -> None:
    """Ask ``check_tokens`` about the tokens at ``positions`` of ``flat`` in one call; a
    problem names the sentence (``start`` + its place in the chunk of ``lengths``)."""
    if not positions.size:
        return
    found = check_tokens([flat[p] for p in positions.tolist()])
    if found is not None:
        i, problem = found
        p = int(positions[i])
        n = start + int(np.searchsorted(np.cumsum(lengths), p, side="right"))
        raise InputError(f"sentence {n}: token {flat[p]!r} {problem}")


def pad_batch(sequences: Sequence[Any], pad_id: int = 0,
              max_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pad 1-D ID sequences to one ``(N, T)`` ``int32`` batch; also return the lengths ``(N,)``.

    ``T`` is the longest length (capped by ``max_length``, which truncates longer sequences).

    >>> pad_batch([np.array([5, 6, 3]), np.array([7, 3])])
    (array([[5, 6, 3],
           [7, 3, 0]], dtype=int32), array([3, 2], dtype=int32))
    """
    arrays = [np.asarray(to_cpu(s)) for s in sequences]
    for i, a in enumerate(arrays):
        if a.ndim != 1:
            raise ShapeError(f"pad_batch expects 1-D sequences; sequence {i} has shape {a.shape}")
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise InputError(f"pad_batch expects integer IDs; sequence {i} has dtype {a.dtype}")
    lengths = np.array([len(a) for a in arrays], dtype=np.int32)
    if max_length is not None:
        if max_length < 0:
            raise InputError(f"max_length must be >= 0 or None, got {max_length}")
        lengths = np.minimum(lengths, max_length).astype(np.int32)
    T = int(lengths.max()) if len(arrays) else 0
    batch = np.full((len(arrays), T), pad_id, dtype=np.int32)  # (N, T)
    for i, (a, n) in enumerate(zip(arrays, lengths.tolist(), strict=True)):
        batch[i, :n] = a[:n]
    return batch, lengths
