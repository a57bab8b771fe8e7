"""TokenizeJob: tokenize a large corpus into tokens and IDs, resumably, in shards.

The preprocessing half of the book's pipeline (ch.2 ``preprocess``, ch.5 the PTB loader) for
corpora too large to redo after a crash. A job reads a corpus **file or directory** (``.txt``,
``.gz``; through :class:`~hangul_dl.text.corpus.TextCorpus`, so every bad line is counted and
reported), cuts it into deterministic shards (each input file in sorted order, per
``shard_lines`` physical lines; :mod:`.shards`) and writes each finished shard atomically to
``OUT/.parts/``. Running the same job again (resuming is not an option, it is how a job runs)
reuses every shard whose record matches — same file and lines, same input bytes, same tokenizer
— and redoes the rest, logging why (``input changed``, ``tokenizer changed``,
``damaged part``). The outputs are then assembled from the parts in order, so they are
**byte-identical to an uninterrupted run**::

    OUT/tokens.txt     one line per input line: the tokens joined by spaces, ▁ word marks kept
                       (``hangul-dl detokenize`` restores the text); a skipped bad line -> ""
    OUT/ids.npy        with a vocabulary: int32 IDs, <eos> after each line that has tokens
    OUT/manifest.json  kind "TokenizedCorpus": the tokenizer, counts, bad lines, sha256

``n_jobs > 1`` tokenizes on threads of this process (Okt: one JVM) or in spawned worker
processes (other tokenizers: ``Tokenizer.pipe(n_jobs=...)``) and the shards are written in
order as they complete, so an interruption (Ctrl-C, a kill, a power cut) loses at most the
shards in flight::

    >>> job = TokenizeJob("corpus/", "out/", tokenizer="okt", vocab="vocab.txt", n_jobs=2)
    >>> job.run().report()
    '250,000 lines in 12 file(s) -> 3,015,220 tokens, 249,310 sentences; ...'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import atomic_open, write_manifest
from ..progress import progress
from ..text.cache import _tokenizer_identity
from ..text.corpus import TextCorpus
from ..text.reader import count_lines
from ..text.tokenizers import Tokenizer, get_tokenizer
from ..text.vocab import Vocabulary
from .shards import PartStore, Shard, read_shards, tokenize_shards

__all__ = ["IDS_FILE", "JOB_KIND", "TOKENS_FILE", "BatchResult", "TokenizeJob"]

logger = logging.getLogger(__name__)

PARTS_DIR = ".parts"
TOKENS_FILE = "tokens.txt"
IDS_FILE = "ids.npy"
JOB_KIND = "TokenizedCorpus"

PathLike = str | os.PathLike


@dataclass
class BatchResult:
    """What a :meth:`TokenizeJob.run` did: counts over the whole corpus and over this run.

    ``lines`` counts physical lines; ``empty`` the lines that gave no tokens; ``bad`` the skipped
    bad lines (first locations in ``bad_where``); ``sentences`` the lines with tokens (one
    ``<eos>`` each in ``ids.npy``). ``resumed`` shards were reused from an earlier run, ``done``
    were tokenized now; ``redone`` counts why finished shards were invalid (reason -> count).
    """

    output: Path
    tokens_path: Path
    ids_path: Path | None = None
    files: int = 0
    lines: int = 0
    empty: int = 0
    bad: int = 0
    bad_where: list[str] = field(default_factory=list)
    tokens: int = 0
    sentences: int = 0
    shards: int = 0
    resumed: int = 0
    done: int = 0
    redone: dict[str, int] = field(default_factory=dict)
    stale_removed: int = 0

    def report(self) -> str:
        """A short English summary (the scripts print their own, in Korean)."""
        text = (f"{self.lines:,} lines in {self.files} file(s) -> {self.tokens:,} tokens, "
                f"{self.sentences:,} sentences; {self.empty:,} empty, {self.bad:,} bad line(s) "
                f"skipped; {self.shards} shard(s): {self.done} tokenized, {self.resumed} resumed")
        if self.redone:
            text += " (redone: " + ", ".join(f"{k}: {v}" for k, v in self.redone.items()) + ")"
        return text


class TokenizeJob:
    """Tokenize a corpus file or directory into ``output`` (a directory), resumably.

    Parameters
    ----------
    source : path, directory, or list of them
        UTF-8 text, ``.gz`` too; directories are walked recursively in sorted order (hidden
        files skipped). ``output`` must not lie inside an input directory.
    output : path
        The job directory: ``tokens.txt``, ``ids.npy`` (with ``vocab``), ``manifest.json``,
        and the finished shards in ``.parts/`` (kept so that a later run can resume; delete
        the folder, or pass ``keep_parts=False``, to reclaim the space).
    tokenizer : str or Tokenizer
        ``"okt"``, ``"char"``, ``"whitespace"``, ``"okt:pos=true"``, ... (:func:`get_tokenizer`).
    vocab : path, Vocabulary or None
        A ``vocab.txt`` (or a fitted Vocabulary) to also write ``ids.npy``.
    shard_lines : int
        Physical lines per shard (the unit of work lost on an interruption).
    n_jobs, batch_size : int
        Worker processes and texts per chunk for ``Tokenizer.pipe``.
    errors : "raise" or "skip"
        A bad line (invalid UTF-8, NUL byte) raises ``InputError`` naming ``file:line``, or is
        skipped, counted and reported (its output line stays empty, so lines stay aligned).
    force : bool
        Redo every shard even when a matching finished one exists.
    keep_parts : bool
        Keep ``.parts/`` after the outputs are assembled (needed to resume a later run).
    quiet : bool
        No progress bar (there is one over input lines on a terminal otherwise).
    executor : object or None
        Where the shards are tokenized: None for this machine (``n_jobs`` processes), or an
        executor of :func:`hangul_dl.distributed.where` (``where("tcp://host:8786")``, a Dask
        cluster; ``where("local:4")``, a local one). The output is the same bytes either way.
        The caller owns it (and closes it).
    """

    def __init__(self, source: PathLike | Iterable[PathLike], output: PathLike,
                 tokenizer: str | Tokenizer = "okt", vocab: PathLike | Vocabulary | None = None,
                 shard_lines: int = 10_000, n_jobs: int = 1, batch_size: int = 256,
                 errors: str = "raise", force: bool = False, keep_parts: bool = True,
                 quiet: bool = False, executor: Any = None):
        self.source = source
        self.output = output
        self.tokenizer = tokenizer
        self.vocab = vocab
        self.shard_lines = shard_lines
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.errors = errors
        self.force = force
        self.keep_parts = keep_parts
        self.quiet = quiet
        self.executor = executor

    def __repr__(self) -> str:
        return (f"TokenizeJob({self.source!r}, {str(self.output)!r}, tokenizer={self.tokenizer!r}, "
                f"shard_lines={self.shard_lines}, n_jobs={self.n_jobs})")

    @property
    def parts_dir(self) -> Path:
        """``output/.parts``: the finished shards and their records."""
        return Path(self.output) / PARTS_DIR

    # -- planning ------------------------------------------------------------------------
    def _check(self) -> None:
        n = self.shard_lines
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"shard_lines={n!r}: expected a positive integer (lines per shard)")
        if self.errors not in ("raise", "skip"):
            raise InputError(f"errors={self.errors!r}: expected 'raise' or 'skip'")
        out = Path(self.output)
        if out.exists() and not out.is_dir():
            raise InputError(f"output {str(out)!r} is a file; the job writes a directory "
                             "(tokens.txt, manifest.json, .parts/); choose a directory name")

    def inputs(self) -> list[tuple[str, Path]]:
        """``(name in records, path)`` of every input file, in processing order."""
        items = [self.source] if isinstance(self.source, (str, os.PathLike)) else list(self.source)
        out_dir = Path(self.output).resolve()
        found: list[tuple[str, Path]] = []
        for item in items:
            path = Path(item)
            files = TextCorpus(path).files()  # InputError for a missing path or an empty folder
            prefix = "" if len(items) == 1 else f"{path.as_posix()}/"
            if path.is_dir():
                if out_dir == path.resolve() or path.resolve() in out_dir.parents:
                    raise InputError(f"output {str(self.output)!r} lies inside the input directory "
                                     f"{str(path)!r}; its files would be read as input. Write "
                                     "the output elsewhere")
                found.extend((prefix + f.relative_to(path).as_posix(), f) for f in files)
            else:
                found.append((path.as_posix() if prefix else path.name, path))
        return found

    def shards(self) -> Iterator[Shard]:
        """Read the input and yield its shards in order (bad lines per ``errors``)."""
        return read_shards(self.inputs(), self.shard_lines, self.errors)

    # -- running -------------------------------------------------------------------------
    def run(self) -> BatchResult:
        """Tokenize every shard that is not finished yet, then assemble the outputs."""
        self._check()
        tokenizer = get_tokenizer(self.tokenizer)
        identity = json.loads(_tokenizer_identity(tokenizer))
        vocab = self.vocab
        if vocab is not None and not isinstance(vocab, Vocabulary):
            vocab = Vocabulary.load_txt(vocab)
        inputs = self.inputs()  # a missing input or a bad output path fails before any work
        store = PartStore(self.parts_dir)
        result = BatchResult(output=Path(self.output), tokens_path=Path(self.output) / TOKENS_FILE,
                             files=len(inputs))
        with store.lock(), contextlib.ExitStack() as stack:
            store.remove_leftovers()
            bar = stack.enter_context(progress(None, self.quiet, unit="line", desc="tokenize"))
            if not bar.disable:
                bar.total = sum(count_lines(path) for _, path in inputs)
            if not isinstance(self.tokenizer, Tokenizer):
                stack.callback(tokenizer.close)  # stop the workers we started
            records = self._process(store, tokenizer, identity, bar, result)
            self._assemble(store, records, vocab, identity, result)
        return result

    def _process(self, store: PartStore, tokenizer: Tokenizer, identity: dict[str, Any],
                 bar: Any, result: BatchResult) -> list[dict[str, Any]]:
        """Tokenize the unfinished shards (on this machine through ``tokenizer.pipe``, or on
        ``executor``) and write each one as soon as it is back, in order; returns the records
        of every shard, in order."""
        plan: list[Any] = []  # per shard, in order: its record, or the shard awaiting tokens
        pending: deque[int] = deque()
        redone: Counter[str] = Counter()

        def todo() -> Iterator[Shard]:
            for shard in self.shards():
                record, reason = (None, "forced") if self.force else store.check(shard, identity)
                if record is not None:
                    result.resumed += 1
                    plan.append(record)
                    bar.update(len(shard.texts))
                    continue
                if reason != "new":
                    redone[reason] += 1
                    logger.info("shard %s: %s; tokenizing it again", shard.where, reason)
                pending.append(len(plan))
                plan.append(shard)
                yield shard

        if self.executor is None:
            done = tokenize_shards(tokenizer, todo(), n_jobs=self.n_jobs,
                                   batch_size=self.batch_size, on_item=bar.update)
        else:  # e.g. hangul_dl.distributed.where("tcp://host:8786"): the shards go to a cluster
            done = self.executor.tokenize_shards(tokenizer, todo(), batch_size=self.batch_size,
                                                 on_item=bar.update)
        for shard, token_lists in done:
            index = pending.popleft()
            if plan[index] is not shard:  # pragma: no cover - an executor reordered shards
                raise RuntimeError(f"{shard.where} came back out of order")
            plan[index] = store.write(shard, token_lists, identity)
            result.done += 1
        if pending:  # pragma: no cover - the executor lost shards
            raise RuntimeError("the tokenizer returned fewer shards than it got")
        if redone:
            logger.warning("%s: tokenized %d finished shard(s) again: %s",
                           self.output, sum(redone.values()),
                           ", ".join(f"{k} ({v})" for k, v in redone.items()))
        result.redone = dict(redone)
        return plan

    def _assemble(self, store: PartStore, records: list[dict[str, Any]],
                  vocab: Vocabulary | None, identity: dict[str, Any], result: BatchResult) -> None:
        """Concatenate the parts into ``tokens.txt`` (and ``ids.npy``), write the manifest."""
        out = Path(self.output)
        parts = [store.text_path(r["key"]) for r in records]
        digest = hashlib.sha256()
        with atomic_open(out / TOKENS_FILE, "wb") as f:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        f.write(block)
        result.shards = len(records)
        for r in records:
            result.lines += r["lines"]
            result.tokens += r["tokens"]
            result.sentences += r["sentences"]
            result.bad += len(r["bad_lines"])
            result.bad_where.extend(f"{r['file']}:{n}" for n in r["bad_lines"][:10])
        del result.bad_where[10:]
        result.empty = result.lines - result.sentences - result.bad
        ids_path = out / IDS_FILE
        if vocab is not None:
            _write_ids(ids_path, parts, vocab, result.tokens + result.sentences)
            result.ids_path = ids_path
        elif ids_path.exists():
            logger.info("removing %s: it came from an earlier run with a vocabulary", ids_path)
            ids_path.unlink()
        config = {"tokenizer": identity, "shard_lines": self.shard_lines, "errors": self.errors,
                  "vocab_size": None if vocab is None else len(vocab)}
        write_manifest(out, kind=JOB_KIND, config=config, files=result.files, lines=result.lines,
                       tokens=result.tokens, sentences=result.sentences, empty=result.empty,
                       bad_lines=result.bad, bad_where=result.bad_where, shards=result.shards,
                       tokens_sha256=digest.hexdigest())
        if not self.keep_parts:
            shutil.rmtree(store.directory, ignore_errors=True)
            return
        result.stale_removed = store.remove_stale(r["key"] for r in records)
        if result.stale_removed:
            logger.info("removed %d stale shard(s) of an earlier input or shard size",
                        result.stale_removed)


def _write_ids(path: Path, parts: list[Path], vocab: Vocabulary, total: int) -> None:
    """Stream the parts' tokens into one int32 ``.npy`` (the bytes ``save_ids`` would write)."""
    from ..text.ids import encode_corpus

    header = {"descr": np.dtype("<i4").str, "fortran_order": False, "shape": (total,)}
    written = 0
    with atomic_open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for part in parts:
            with open(part, encoding="utf-8", newline="\n") as src:
                token_lists = (line.split() for line in src if line != "\n")
                ids = encode_corpus(token_lists, None, vocab).astype("<i4", copy=False)
            f.write(ids.tobytes())
            written += ids.size
        if written != total:  # pragma: no cover - the records disagree with the parts
            raise RuntimeError(f"{path}: wrote {written} IDs, the shard records promise {total}")
