"""Shards of a corpus and the finished parts of a batch job on disk (``OUT/.parts/``).

A *shard* is ``shard_lines`` consecutive physical lines of one input file (the last shard of a
file may be shorter); :func:`read_shards` cuts a list of files into shards in order, reading
through :class:`~hangul_dl.text.corpus.TextCorpus`, so a bad line (invalid UTF-8, NUL byte)
raises ``InputError`` naming ``file:line`` or, with ``errors="skip"``, is kept as ``None``:
counted, reported, and given an empty output line so that output line N is input line N.

A finished shard is two files in the :class:`PartStore` (``OUT/.parts``), both written
atomically, the record last (it marks the shard finished)::

    <key>.txt    the shard's output, one line per input line
    <key>.json   {"format": "hangul_dl-batch-part", "version": 1, "key": ..., "file": "a/b.txt",
                  "first_line": 10001, "last_line": 20000, "lines": 10000, "tokens": ...,
                  "sentences": ..., "bad_lines": [...], "input_sha256": ..., "output_sha256": ...,
                  "tokenizer": {"class": "KonlpyTokenizer", "params": {...}, "version": ...}}

The key is a hash of the file name, the first line and ``shard_lines``, so a new file in a
directory or a longer file leaves the other shards' keys alone. A part is reused only when its
record matches the shard's input (SHA-256 of its lines), the tokenizer identity (the one
:func:`hangul_dl.text.cache.cache_key` hashes: class, parameters and learned state) and its own
``.txt`` (SHA-256).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io import atomic_open, write_json
from ..text.corpus import TextCorpus

__all__ = ["PART_FORMAT", "PART_VERSION", "PartStore", "Shard", "read_shards", "text_shards",
           "tokenize_shards"]

PART_FORMAT = "hangul_dl-batch-part"
PART_VERSION = 1
_BAD = b"\xff\n"  # a skipped line in the input hash (never valid UTF-8, so never real text)


@dataclass(frozen=True)
class Shard:
    """Physical lines ``first_line..last_line`` (1-based, inclusive) of one input file.

    ``texts`` holds one entry per physical line: the decoded text, or ``None`` for a bad line
    that was skipped (``errors="skip"``).
    """

    key: str
    file: str
    path: Path
    first_line: int
    last_line: int
    texts: list[str | None] = field(repr=False)

    @property
    def where(self) -> str:
        """``"file:first-last"`` for messages."""
        return f"{self.file}:{self.first_line}-{self.last_line}"

    @property
    def bad_lines(self) -> list[int]:
        """Line numbers (in the file) of the skipped bad lines."""
        return [self.first_line + i for i, t in enumerate(self.texts) if t is None]

    @functools.cached_property
    def n_texts(self) -> int:
        """Lines that go to the tokenizer (all but the bad ones)."""
        return len(self.texts) - self.texts.count(None)

    def input_sha256(self) -> str:
        """SHA-256 of the shard's lines (UTF-8, ``\\n`` after each; a bad line hashes as 0xFF)."""
        digest = hashlib.sha256()
        for text in self.texts:
            digest.update(_BAD if text is None else text.encode("utf-8", "surrogatepass") + b"\n")
        return digest.hexdigest()


def shard_key(name: str, first_line: int, shard_lines: int) -> str:
    """The part name of the shard of file ``name`` starting at ``first_line``."""
    return hashlib.sha256(f"{name}\n{first_line}\n{shard_lines}".encode()).hexdigest()[:20]


def read_shards(files: Iterable[tuple[str, Path]], shard_lines: int,
                errors: str = "raise") -> Iterator[Shard]:
    """Cut ``(name, path)`` files into shards of ``shard_lines`` physical lines, in order.

    Every physical line is in exactly one shard (empty lines too); a bad line raises
    ``InputError`` (``errors="raise"``) or becomes ``None`` (``"skip"``, counted by the
    reader and logged at the end of each file).
    """
    for name, path in files:
        corpus = TextCorpus(path, errors=errors, skip_empty=False, strip=False)
        lines = _physical_lines(corpus)
        first = 1
        while texts := list(itertools.islice(lines, shard_lines)):
            last = first + len(texts) - 1
            yield Shard(shard_key(name, first, shard_lines), name, path, first, last, texts)
            first = last + 1


def text_shards(texts: Iterable[str], shard_lines: int, name: str = "<texts>") -> Iterator[Shard]:
    """Cut a stream of texts (not a file) into shards of ``shard_lines`` items, in order."""
    if isinstance(texts, str):
        raise InputError("expected an iterable of strings, got one str; wrap it in a list")
    iterator = iter(texts)
    first = 1
    while texts_ := list(itertools.islice(iterator, shard_lines)):
        for k, text in enumerate(texts_):
            if not isinstance(text, str):
                raise InputError(f"text #{first + k - 1} is {type(text).__name__}, expected str")
        last = first + len(texts_) - 1
        yield Shard(shard_key(name, first, shard_lines), name, Path(name), first, last, texts_)
        first = last + 1


def tokenize_shards(tokenizer: Any, shards: Iterable[Shard], n_jobs: int = 1,
                    batch_size: int = 256, timeout: float | None = None,
                    on_timeout: str = "fallback", on_item: Callable[[int], None] | None = None,
                    ) -> Iterator[tuple[Shard, list[list[str]]]]:
    """``(shard, token lists of its good lines)`` for each shard, in order, on this machine.

    The shards' lines stream through one ``tokenizer.pipe(n_jobs=..., timeout=...)`` (so the
    workers and their JVMs are shared by all shards) and each shard is yielded as soon as its
    last line is back; ``on_item(n)`` is called as lines come back (a progress bar). The
    bad lines (``None``) are not tokenized: :meth:`PartStore.write` gives them empty lines.
    :class:`hangul_dl.distributed.DaskExecutor` has the same method for a cluster.
    """
    pending: deque[Shard] = deque()

    def feed() -> Iterator[str]:
        for shard in shards:
            pending.append(shard)
            yield from (t for t in shard.texts if t is not None)

    stream = tokenizer.pipe(feed(), batch_size=batch_size, n_jobs=n_jobs, timeout=timeout,
                            on_timeout=on_timeout, quiet=True)
    buffer: list[list[str]] = []
    exhausted = False
    while True:
        while pending and len(buffer) >= pending[0].n_texts:
            shard = pending.popleft()
            yield shard, buffer[:shard.n_texts]
            del buffer[:shard.n_texts]
            if on_item is not None:
                on_item(len(shard.texts) - shard.n_texts)
        if exhausted:
            break
        try:
            buffer.append(next(stream))
        except StopIteration:
            exhausted = True
            continue
        if on_item is not None:
            on_item(1)
    if pending or buffer:  # pragma: no cover - the pipe lost or invented items
        raise RuntimeError("tokenizer.pipe returned a different number of items than it got")


def _physical_lines(corpus: TextCorpus) -> Iterator[str | None]:
    """Every physical line of a one-file corpus: its text, or None where a bad line was skipped."""
    expected = 1
    for text in corpus:
        lineno = corpus.stats.lines_read  # the physical line of this text
        yield from itertools.repeat(None, lineno - expected)
        yield text
        expected = lineno + 1
    yield from itertools.repeat(None, corpus.stats.lines_read + 1 - expected)


def _file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256, number of ``\\n``) of a file."""
    digest, lines = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


class PartStore:
    """The finished shards of one job, in ``directory`` (``OUT/.parts``)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"PartStore({str(self.directory)!r})"

    def text_path(self, key: str) -> Path:
        """The output lines of the shard ``key``."""
        return self.directory / f"{key}.txt"

    def check(self, shard: Shard, identity: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """``(record, "")`` when the finished part of ``shard`` can be reused, else
        ``(None, reason)``: ``"new"``, ``"input changed"``, ``"tokenizer changed"`` or
        ``"damaged part"``."""
        path = self.directory / f"{shard.key}.json"
        if not path.is_file():
            return None, "new"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("format") != PART_FORMAT or record.get("version") != PART_VERSION:
                return None, "damaged part"
            if (record.get("file"), record.get("first_line"), record.get("last_line"),
                    record.get("input_sha256")) != (shard.file, shard.first_line, shard.last_line,
                                                    shard.input_sha256()):
                return None, "input changed"
            if record.get("tokenizer") != identity:
                return None, "tokenizer changed"
            digest, lines = _file_digest(self.text_path(shard.key))
            if digest != record.get("output_sha256") or lines != len(shard.texts):
                return None, "damaged part"
        except (OSError, ValueError, AttributeError):
            return None, "damaged part"
        return record, ""

    def write(self, shard: Shard, token_lists: list[list[str]],
              identity: dict[str, Any]) -> dict[str, Any]:
        """Write the shard's output (one line per input line), then its record; returns it."""
        lines, tokens, sentences = [], 0, 0
        produced = iter(token_lists)
        for text in shard.texts:
            toks = [] if text is None else next(produced)
            lines.append(" ".join(toks) + "\n")
            tokens += len(toks)
            sentences += bool(toks)
        data = "".join(lines).encode("utf-8", "surrogatepass")
        with atomic_open(self.text_path(shard.key), "wb") as f:
            f.write(data)
        record = {"format": PART_FORMAT, "version": PART_VERSION, "key": shard.key,
                  "file": shard.file, "first_line": shard.first_line,
                  "last_line": shard.last_line, "lines": len(shard.texts), "tokens": tokens,
                  "sentences": sentences, "bad_lines": shard.bad_lines,
                  "input_sha256": shard.input_sha256(),
                  "output_sha256": hashlib.sha256(data).hexdigest(), "tokenizer": identity}
        write_json(self.directory / f"{shard.key}.json", record)
        return record

    def remove_leftovers(self) -> None:
        """Delete temporary files a killed run left behind (``.name.XXXX.tmp``)."""
        for path in self.directory.glob(".*.tmp"):
            path.unlink(missing_ok=True)

    def remove_stale(self, keep: Iterable[str]) -> int:
        """Delete the parts whose key is not in ``keep``; returns how many shards went."""
        names = {f"{key}.{ext}" for key in keep for ext in ("txt", "json")}
        removed = 0
        for path in self.directory.iterdir():
            if path.name not in names and not path.name.startswith("."):
                path.unlink()
                removed += path.suffix == ".json"
        return removed

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Refuse a second job on the same output at the same time (POSIX; no-op elsewhere)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        with open(self.directory / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise InputError(f"another job is writing {self.directory.parent} right now; wait "
                                 "for it to finish or choose another output directory") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
