"""The one reader: text files -> decoded lines, with per-line error accounting.

Every reader of text in hangul_dl (:class:`~hangul_dl.text.corpus.TextCorpus`,
:class:`~hangul_dl.text.tables.TableCorpus`, :class:`~hangul_dl.text.parallel.ParallelCorpus`,
the embedded corpus, the token cache, the batch jobs' shards, hence every tokenizer, pipeline
and command) reads files through :func:`decoded_lines`, so a file splits into the same lines
everywhere:

- ``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line (a file saved with classic Mac OS
  line endings is not merged into one line);
- files are read as bytes and **each line is decoded on its own**, strictly, as UTF-8 (a BOM on
  the first line is dropped), so one bad line does not spoil the file; ``.gz`` files are
  decompressed on the fly;
- a line with invalid UTF-8 or a NUL byte is a *problem*: with ``errors="raise"`` (the default)
  it raises :class:`~hangul_dl.errors.InputError` naming ``file:line``; with ``errors="skip"``
  it is counted in a :class:`CorpusStats`, and a warning with the counts and the first
  locations is logged when the pass ends (:func:`log_pass`). Nothing is dropped silently.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["ERRORS", "CorpusStats", "PathLike", "Source", "check_errors", "count_lines",
           "decoded_lines", "list_files", "log_pass", "open_bytes", "raw_lines",
           "record_problem"]

logger = logging.getLogger("hangul_dl.text.corpus")  # the name users configure logging by

PathLike = str | os.PathLike
Source = PathLike | Iterable[PathLike]
_BOM = b"\xef\xbb\xbf"
ERRORS = ("raise", "skip")
_ERRORS = ERRORS


# -- accounting ----------------------------------------------------------------------------
@dataclass
class CorpusStats:
    """What one pass over a corpus read, yielded and skipped.

    ``lines_read`` counts physical lines (of both files for a parallel corpus);
    ``lines_yielded`` counts the items yielded (lines, sentences, rows or pairs); ``problems``
    keeps the first ``max_problems`` locations as ``"file:line: what"``.
    """

    files: int = 0
    lines_read: int = 0
    lines_yielded: int = 0
    empty: int = 0
    bad_utf8: int = 0
    nul: int = 0
    malformed: int = 0
    problems: list[str] = field(default_factory=list)
    max_problems: int = 10

    @property
    def skipped(self) -> int:
        """Bad lines skipped (invalid UTF-8 + NUL + malformed); empty lines not included."""
        return self.bad_utf8 + self.nul + self.malformed

    def _record(self, kind: str, where: str, what: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.problems) < self.max_problems:
            self.problems.append(f"{where}: {what}")

    def report(self) -> str:
        """A short human-readable summary listing the first problem locations."""
        text = (f"{self.files} file(s), {self.lines_read} lines read, {self.lines_yielded} "
                f"yielded, {self.empty} empty, {self.skipped} skipped (invalid UTF-8: "
                f"{self.bad_utf8}, NUL bytes: {self.nul}, malformed: {self.malformed})")
        if self.problems:
            more = self.skipped - len(self.problems)
            text += "\n" + "\n".join(f"  {p}" for p in self.problems)
            if more > 0:
                text += f"\n  ... and {more} more"
        return text


def check_errors(errors: str) -> None:
    if errors not in _ERRORS:
        raise InputError(f"errors must be 'raise' or 'skip', got {errors!r}")


def record_problem(stats: CorpusStats, errors: str, kind: str, where: str, what: str) -> None:
    """Count a bad line; raise unless errors == 'skip'."""
    stats._record(kind, where, what)
    if errors == "raise":
        raise InputError(f"{what}. Fix the file, or pass errors='skip' to skip such lines "
                         "(they are counted in corpus.stats and reported).", where=where)


def log_pass(stats: CorpusStats, name: str, errors: str) -> None:
    """At the end of a pass: warn about skipped lines (the raise mode has raised already)."""
    if stats.skipped and errors == "skip":
        logger.warning("%s: skipped %d bad line(s) — %s", name, stats.skipped, stats.report())
    elif stats.empty:
        logger.info("%s: %s", name, stats.report())


# -- files and lines -----------------------------------------------------------------------
def list_files(source: Source, pattern: str = "*") -> list[Path]:
    """The files of ``source``: a file, a directory (recursive, sorted, no hidden), or a list."""
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not items:
        raise InputError("no input files given; expected a file, a directory or a list of them")
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob(pattern) if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise InputError(f"directory {str(path)!r} holds no files matching {pattern!r}")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"no such file or directory: {str(path)!r}; expected a text file "
                             "(.txt, .gz, ...) or a directory of them")
    return files


def open_bytes(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def utf8_hint(raw: bytes) -> str:
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        return "save the file as UTF-8"
    if re.search("[가-힣]", text):
        return ("it looks like cp949/EUC-KR (Korean Windows); convert it: "
                "iconv -f cp949 -t utf-8 IN > OUT")
    return "save the file as UTF-8"


_EOL = re.compile(rb"\r\n|\r|\n")
_BLOCK = 1 << 20


def _line_batches(f: Any) -> Iterator[list[bytes]]:
    """Lists of the physical lines of binary file ``f``, endings removed, one list per block.

    ``\\n``, ``\\r\\n`` and a lone ``\\r`` (classic Mac OS, some exports) each end a line.
    A ``\\r`` at the end of a block waits for the next one (it may start a ``\\r\\n``); the
    pieces of a line longer than a block are joined once, when its end is found.
    """
    pending: list[bytes] = []  # the start of an unfinished line
    carry = b""
    while block := f.read(_BLOCK):
        if carry:
            block, carry = carry + block, b""
        if block.endswith(b"\r"):
            block, carry = block[:-1], b"\r"
        end = max(block.rfind(b"\n"), block.rfind(b"\r")) + 1
        if end == 0:
            pending.append(block)
            continue
        head = block[:end]
        if pending:
            head, pending = b"".join([*pending, head]), []
        lines = _EOL.split(head)
        lines.pop()  # the empty piece after the last ending
        yield lines
        if end < len(block):
            pending.append(block[end:])
    rest = b"".join([*pending, carry])
    if rest:
        lines = _EOL.split(rest)
        if not lines[-1]:
            lines.pop()
        yield lines


def raw_lines(f: Any) -> Iterator[bytes]:
    """The physical lines of binary file ``f`` without their endings (see :func:`_line_batches`).

    >>> import io
    >>> list(raw_lines(io.BytesIO(b"a\\r\\nb\\rc\\n\\nd")))
    [b'a', b'b', b'c', b'', b'd']
    """
    for batch in _line_batches(f):
        yield from batch


def decoded_lines(path: Path, stats: CorpusStats, errors: str
                   ) -> Iterator[tuple[int, str | None]]:
    """``(line number, text without its line ending)`` for every physical line of ``path``
    (lines as :func:`raw_lines` splits them: ``\\n``, ``\\r\\n`` and a lone ``\\r`` end a line).

    A bad line (NUL byte, invalid UTF-8) is counted and gives ``None`` (or raises, by
    ``errors``), so callers that must stay aligned (parallel files) still see it.
    """
    stats.files += 1
    lineno = 0
    try:
        with open_bytes(path) as f:
            for lineno, raw in enumerate(raw_lines(f), 1):
                stats.lines_read += 1
                if lineno == 1 and raw.startswith(_BOM):
                    raw = raw[3:]
                if b"\0" in raw:
                    column = raw.index(b"\0")
                    record_problem(stats, errors, "nul", f"{path}:{lineno}",
                             f"NUL byte at byte {column} (is the file UTF-16 or "
                             "binary? save it as UTF-8 text)")
                    yield lineno, None
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    record_problem(stats, errors, "bad_utf8", f"{path}:{lineno}",
                             f"invalid UTF-8 byte {raw[exc.start:exc.start + 1]!r} at byte "
                             f"{exc.start} ({utf8_hint(raw)})")
                    yield lineno, None
                    continue
                yield lineno, text
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot read this line ({exc}); the file is truncated, unreadable "
                         "or not really gzip", where=f"{path}:{lineno + 1}") from None


def count_lines(path: Path) -> int:
    """Physical lines of a file, as :func:`raw_lines` splits them (a last line without an
    ending counts), reading 1 MiB blocks."""
    with open_bytes(path) as f:
        return sum(len(batch) for batch in _line_batches(f))
