"""The word2vec text and binary formats (Mikolov et al. 2013's ``word2vec.c``; gensim, fastText).

Text::

    3 4                          <- header: number of words, dimensions
    서울 0.125730217 -0.132104859 0.640422642 0.104900114
    ...                          <- the word, then D numbers, separated by single spaces

Binary: the same header line, then for each word its UTF-8 bytes, one space and D little-endian
float32 (``word2vec.c`` ends each record with ``\\n``, gensim does not; both are read).

We write numbers with 9 significant digits, which read back to the very same float32 (a written
file loads bit-for-bit), and we read gensim's and fastText's ``.vec`` files (trailing spaces,
CRLF, a UTF-8 BOM) and headerless GloVe-style text. A broken file raises
:class:`~hangul_dl.errors.FormatError` naming the file and line (text) or record and byte
offset (binary), and so does a NaN or infinite number (it would poison every similarity); a
repeated word keeps its first vector, with a warning that counts them (as gensim does).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_cpu
from ..errors import FormatError, InputError
from ..io import atomic_open

__all__ = ["load_word2vec_format", "save_word2vec_format", "sniff_word2vec"]

logger = logging.getLogger(__name__)

_BLOCK = 1 << 20


def save_word2vec_format(wv: Any, path: str | os.PathLike, binary: bool = False) -> Path:
    """Write ``wv`` (a :class:`WordVectors`) in the word2vec text or binary format, atomically."""
    path = Path(path)
    vectors = np.ascontiguousarray(to_cpu(wv.vectors), dtype="<f4")  # (V, D)
    V, D = vectors.shape
    for i, word in enumerate(wv.index_to_key):
        if any(c in word for c in " \t\n\r"):
            raise InputError(f"word {i} {word!r} contains whitespace, which the word2vec format "
                             "cannot hold; save in our format (wv.save(directory)) instead")
    with atomic_open(path, "wb") as f:
        f.write(f"{V} {D}\n".encode())
        if binary:
            for word, row in zip(wv.index_to_key, vectors, strict=True):
                f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            fmt = "%s " + " ".join(["%.9g"] * D) + "\n"
            buf: list[str] = []
            for word, row in zip(wv.index_to_key, vectors.tolist(), strict=True):
                buf.append(fmt % (word, *row))
                if len(buf) >= 4096:
                    f.write("".join(buf).encode("utf-8"))
                    buf = []
            f.write("".join(buf).encode("utf-8"))
    return path


def _parse_header(line: bytes, path: Path) -> tuple[int, int] | None:
    """``(V, D)`` from a header line, or None when the line is not a ``V D`` header."""
    parts = line.strip().split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        V, D = int(parts[0]), int(parts[1])
        if D < 1:
            raise FormatError(f"{path}:1: the header says {D} dimensions; expected at least 1")
        return V, D
    return None


def sniff_word2vec(path: str | os.PathLike) -> str:
    """``"text"`` or ``"binary"``: which word2vec format ``path`` is in (by its first record)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; expected word vectors (our directory, or a "
                         "word2vec text/binary file)")
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    first, _, rest = head.partition(b"\n")
    header = _parse_header(first.lstrip(b"\xef\xbb\xbf"), path)
    if header is None:
        fields = first.decode("utf-8", errors="replace").split()
        if len(fields) < 2 or not all(map(_is_float, fields[1:])):
            raise FormatError(f"{path}:1: not word vectors: expected a 'count dimensions' header "
                              f"(word2vec format) or 'word number number ...', found "
                              f"{first[:40]!r}")
        return "text"  # headerless text (GloVe)
    _, D = header
    line = rest.split(b"\n", 1)[0]
    fields = line.decode("utf-8", errors="replace").split()  # a bad word is the reader's to report
    if len(fields) == D + 1 and all(map(_is_float, fields[1:])):
        return "text"
    return "binary"


def load_word2vec_format(path: str | os.PathLike, binary: bool = False, limit: int | None = None,
                         unicode_errors: str = "strict") -> tuple[list[str], np.ndarray]:
    """Read a word2vec file; returns ``(words, vectors (V, D) float32)``.

    ``limit`` reads only the first ``limit`` vectors; ``unicode_errors`` is passed to
    ``bytes.decode`` for the words (``"replace"`` for files cut inside a UTF-8 character).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with open(path, "rb") as f:
        first = f.readline().lstrip(b"\xef\xbb\xbf")
        header = _parse_header(first, path)
        if header is None and binary:
            raise FormatError(f"{path}:1: expected the header 'count dimensions', found "
                              f"{first[:40]!r}; is this a word2vec binary file?")
        if binary:
            words, vectors = _read_binary(f, path, *header, limit, unicode_errors)  # type: ignore[misc]
        else:
            words, vectors = _read_text(f, path, header, first, limit, unicode_errors)
    return _dedupe(words, vectors, path)


def _dedupe(words: list[str], vectors: np.ndarray, path: Path) -> tuple[list[str], np.ndarray]:
    seen: dict[str, int] = {}
    keep = [seen.setdefault(w, i) == i for i, w in enumerate(words)]
    n_dup = len(words) - len(seen)
    if n_dup:
        dups = [w for w, k in zip(words, keep, strict=True) if not k]
        logger.warning("%s: %d repeated words (e.g. %r); kept the first vector of each", path,
                       n_dup, dups[:5])
        idx = np.flatnonzero(keep)
        return [words[i] for i in idx.tolist()], vectors[idx]
    return words, vectors


def _decode(raw: bytes, where: str, unicode_errors: str) -> str:
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{where}: the word {raw[:40]!r} is not valid UTF-8 ({exc.reason}); "
                          "pass unicode_errors='replace' to read such files") from None


def _read_text(f: Any, path: Path, header: tuple[int, int] | None, first: bytes,
               limit: int | None, unicode_errors: str) -> tuple[list[str], np.ndarray]:
    lineno = 1
    lines: Any = f
    if header is None:  # no header (GloVe): the first line is already a vector
        D = len(first.split()) - 1
        if D < 1:
            raise FormatError(f"{path}:1: not word vectors: expected a 'count dimensions' header "
                              f"or 'word number number ...', found {first[:40]!r}")
        V, lineno = -1, 0
        lines = _chain_first(first, f)
    else:
        V, D = header
    target = V if limit is None or V < 0 else min(V, limit)
    if limit is not None and V < 0:
        target = limit
    words: list[str] = []
    blocks: list[np.ndarray] = []
    numbers: list[str] = []
    start_line = lineno + 1
    for raw in lines:
        if target >= 0 and len(words) >= target:
            break
        lineno += 1
        where = f"{path}:{lineno}"
        if not raw.strip():
            raise FormatError(f"{where}: empty line; expected 'word' and {D} numbers")
        word, _, rest = _decode(raw, where, unicode_errors).rstrip().partition(" ")
        words.append(word)
        numbers.append(rest)
        if len(numbers) >= 8192:
            blocks.append(_parse_block(numbers, words[-len(numbers):], D, path, start_line))
            numbers, start_line = [], lineno + 1
    if numbers:
        blocks.append(_parse_block(numbers, words[-len(numbers):], D, path, start_line))
    if target >= 0 and len(words) < target:
        raise FormatError(f"{path}: the header announces {V} vectors but only {len(words)} "
                          "follow; the file is truncated")
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, max(D, 0)), np.float32)
    return words, vectors


def _chain_first(first: bytes, f: Any):
    yield first
    yield from f


def _parse_block(numbers: list[str], words: list[str], D: int, path: Path,
                 start_line: int) -> np.ndarray:
    """Parse lines of ``D`` numbers each; a bad line, or a NaN or infinity (also one that
    overflows float32), raises FormatError naming it."""

    block = None
    if all(numbers):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # loadtxt warns before failing on odd input
                block = np.loadtxt(numbers, dtype=np.float32, ndmin=2, comments=None)
        except ValueError:
            block = None
    if block is not None and block.shape == (len(numbers), D):
        check_finite(block, words, str(path), lambda row: f"{path}:{start_line + row}")
        return block
    for i, text in enumerate(numbers):  # find the culprit
        fields = text.split()
        where = f"{path}:{start_line + i}"
        if len(fields) != D:
            raise FormatError(f"{where}: expected a word and {D} numbers, found {len(fields)} "
                              f"numbers after the word; is a word containing a space, or the "
                              "line cut?")
        try:
            np.array(fields, dtype=np.float32)
        except ValueError:
            bad = next(x for x in fields if not _is_float(x))
            raise FormatError(f"{where}: {bad!r} is not a number") from None
    raise FormatError(f"{path}:{start_line}: unreadable vectors")  # pragma: no cover


def _is_float(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def _read_binary(f: Any, path: Path, V: int, D: int, limit: int | None,
                 unicode_errors: str) -> tuple[list[str], np.ndarray]:
    n = V if limit is None else min(V, limit)
    width = 4 * D
    room = (os.fstat(f.fileno()).st_size - f.tell()) // (width + 2)  # records the file can hold
    if n > room:
        raise FormatError(f"{path}: the header announces {V} vectors of {D} dimensions, but the "
                          f"file can hold at most {room}; it is truncated, or not word2vec binary")
    vectors = np.empty((n, D), dtype=np.float32)
    words: list[str] = []
    buf = b""
    pos = 0
    offset = f.tell()  # file offset of buf[0]
    eof = False
    for i in range(n):
        while True:
            space = buf.find(b" ", pos)
            if space >= 0 and len(buf) - space - 1 >= width:
                break
            if eof:
                raise FormatError(f"{path}: the header announces {V} vectors but the file ends "
                                  f"inside record {i + 1} (byte {offset + pos}); it is truncated")
            offset += pos
            buf = buf[pos:]
            pos = 0
            chunk = f.read(_BLOCK)
            eof = len(chunk) < _BLOCK
            buf += chunk
        raw = buf[pos:space].lstrip(b"\n\r")
        if not raw or len(raw) > 10_000:
            raise FormatError(f"{path}: record {i + 1} at byte {offset + pos} has "
                              f"{'no' if not raw else 'an overlong'} word; the file is not "
                              f"{V}×{D} word2vec binary (is it text? use binary=False)")
        words.append(_decode(raw, f"{path}: record {i + 1} (byte {offset + pos})", unicode_errors))
        vectors[i] = np.frombuffer(buf, dtype="<f4", count=D, offset=space + 1)
        pos = space + 1 + width

    check_finite(vectors, words, str(path), lambda row: f"{path}: record {row + 1}")
    return words, vectors


def check_finite(vectors: np.ndarray, words: Sequence[str], source: str,
                 where: Any = None) -> None:
    """Raise ``FormatError`` naming the first word whose vector holds a NaN or infinity.

    ``where(row)`` gives the location of a row (``"file:line"``); by default ``source`` and the
    row number."""
    finite = np.isfinite(vectors).all(axis=1) if vectors.size else np.ones(len(vectors), bool)
    if finite.all():
        return
    row = int(np.flatnonzero(~finite)[0])
    place = where(row) if where is not None else f"{source}: row {row}"
    raise FormatError(f"{place}: the vector of {words[row]!r} holds NaN or infinity "
                      f"({int((~finite).sum())} such vectors); the file is damaged, or the "
                      "training diverged")
