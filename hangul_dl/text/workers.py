"""Where tokenizing runs: the worker processes of :meth:`hangul_dl.text.tokenizer.Tokenizer.pipe`
on this machine (a tokenizer that cannot share one process's threads, or a per-item time
limit; Okt's ``pipe(n_jobs>1)`` tags on threads instead: :mod:`hangul_dl.text.threads`), or,
within a :func:`tokenizing_on` block, an executor of :func:`hangul_dl.distributed.where` (a
Dask cluster) that every encoder, token cache and pipeline tokenizer step in the block hands its
texts to (:func:`pipe_tokens`).

Each worker is a *spawned* process (never forked: a forked JVM is unusable) that rebuilds the
tokenizer from its ``(module, class name, parameters)`` spec, starts its own JVM and tagger, then
tokenizes chunks of texts from a queue. The pool starts a worker per chunk of work it holds, up
to ``n_jobs`` (one chunk of texts starts one JVM, not ``n_jobs``), keeps input order, holds at most
``2 * n_jobs`` chunks in flight, and enforces a per-item time limit: each worker publishes the index and start
time of the item it is on in shared memory, and the parent kills a worker whose item runs too
long, restarts it, and either falls back to character tokens for that item or raises
:class:`~hangul_dl.errors.TokenizerError`. A worker whose parent died (``kill -9``, or a Dask
worker process stopped by its nanny) exits within a second instead of waiting for work for ever.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import time
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import InputError, TokenizerError
from ..stage import Stage
from .jvm import python_gc_frozen

__all__ = ["WORKER_JVM_OPTIONS", "WorkerPool", "current_executor", "pipe_tokens", "tokenizing_on"]

logger = logging.getLogger(__name__)

_READY, _DONE, _FAILED = "ready", "done", "failed"

#: Seconds between an idle worker's checks that its parent process is still alive.
_PARENT_CHECK = 1.0

#: The JVM of a worker process (a pool worker here, a Dask worker in hangul_dl.distributed):
#: one JVM per core, so a serial GC and one visible processor (with the default parallel GC,
#: two worker JVMs on two cores were no faster than one); -Xrs leaves SIGINT/SIGTERM to Python
#: (Dask stops workers with SIGTERM, and the JVM's own handler then crashed in JPype's
#: shutdown hook). ``$HANGUL_DL_JVM_OPTIONS``, when set, replaces it.
WORKER_JVM_OPTIONS = "-XX:+UseSerialGC -XX:ActiveProcessorCount=1 -Xrs"

#: The executor of the innermost ``tokenizing_on`` block (None: this process, ``n_jobs``).
_EXECUTOR: contextvars.ContextVar[Any] = contextvars.ContextVar("hangul_dl_executor",
                                                                 default=None)


@contextlib.contextmanager
def tokenizing_on(executor: Any) -> Iterator[Any]:
    """Within the block, the tokenizing of every encoder, token cache and pipeline tokenizer
    step runs on ``executor`` (one of :func:`hangul_dl.distributed.where`'s) unless given
    another: the encoders a model builds inside its own ``fit`` included. ``None`` restores
    this machine (``n_jobs``). The caller starts and closes the executor::

        with where("tcp://10.0.0.5:8786") as ex, tokenizing_on(ex):
            LanguageModel("okt").fit("corpus.txt")
    """
    if executor is not None and not callable(getattr(executor, "pipe", None)):
        raise InputError(f"tokenizing_on({executor!r}): expected an executor of "
                         "hangul_dl.distributed.where(), e.g. where('local:2')")
    token = _EXECUTOR.set(executor)
    try:
        yield executor
    finally:
        _EXECUTOR.reset(token)


def current_executor() -> Any:
    """The executor of the innermost :func:`tokenizing_on` block, or None."""
    return _EXECUTOR.get()


def pipe_tokens(tokenizer: Any, lines: Iterable[str], n_jobs: int = 1, batch_size: int = 256,
                quiet: bool = True, executor: Any = None) -> Iterator[list[str]]:
    """Token lists of ``lines`` in input order: on ``executor``, else on the executor of the
    enclosing :func:`tokenizing_on` block, else here (``tokenizer.pipe`` with ``n_jobs``
    processes). The output is the same wherever it runs."""
    executor = executor if executor is not None else _EXECUTOR.get()
    if executor is None:
        return tokenizer.pipe(lines, n_jobs=n_jobs, batch_size=batch_size, quiet=quiet)
    return executor.pipe(tokenizer, lines, batch_size=batch_size, quiet=quiet)


def _worker_main(conn, tasks, clock, spec) -> None:  # pragma: no cover - runs in a subprocess
    """Worker loop: build the tokenizer, warm it up, then tokenize chunks from ``tasks``.

    ``clock[0]`` is the index of the item being tokenized and ``clock[1]`` the monotonic time
    it started (0 while idle), so the parent can tell a stuck item and kill this process.
    """
    try:
        os.environ.setdefault("HANGUL_DL_JVM_OPTIONS", WORKER_JVM_OPTIONS)
        module, name, config = spec
        # the parent's own class (it may be a user subclass), not a name read from a file
        tokenizer = getattr(importlib.import_module(module), name)(**config)
        tokenizer.tokenize("가")  # start the JVM and tagger before any time limit applies
        tokenizer.stats_.clear()
        conn.send((_READY, None, None))
    except BaseException as exc:
        conn.send((_FAILED, None, f"{type(exc).__name__}: {exc}"))
        return
    parent = multiprocessing.parent_process()
    while True:
        try:
            task = tasks.get(timeout=_PARENT_CHECK)
        except queue.Empty:  # idle: stop if the parent is gone (nobody would stop us)
            if parent is not None and not parent.is_alive():
                return
            continue
        if task is None:
            return
        chunk_id, texts = task
        lines = []
        try:
            with python_gc_frozen():  # JPype's full collections after each Java one: cheap
                for i, text in enumerate(texts):
                    clock[0], clock[1] = i, time.monotonic()
                    lines.append(" ".join(tokenizer.tokenize(text)))
            clock[1] = 0.0
            stats = dict(tokenizer.stats_)
            tokenizer.stats_.clear()
            conn.send((_DONE, chunk_id, ("\n".join(lines), stats)))
        except BaseException as exc:
            clock[1] = 0.0
            conn.send((_FAILED, chunk_id, f"{type(exc).__name__}: {exc}"))
            return


class _Worker:
    """One spawned worker process with its task queue, result pipe and progress clock."""

    def __init__(self, ctx, spec):
        self.conn, child = ctx.Pipe(duplex=False)
        self.tasks = ctx.Queue()
        self.clock = ctx.Array("d", 2, lock=False)
        self.process = ctx.Process(target=_worker_main, args=(child, self.tasks, self.clock, spec),
                                   daemon=True, name="hangul_dl-tokenize")
        self.process.start()
        child.close()
        self.ready = False
        self.outstanding: collections.deque[int] = collections.deque()

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.tasks.put(None)
            except (OSError, ValueError):  # pragma: no cover
                pass
        self.tasks.cancel_join_thread()
        self.process.join(timeout=None if kill else 10)
        if self.process.is_alive():  # pragma: no cover
            self.process.kill()
            self.process.join()
        self.tasks.close()
        self.conn.close()


class WorkerPool:
    """Ordered, bounded fan-out of chunks to spawned workers with per-item time limits.

    ``tokenizer`` is a :class:`~hangul_dl.text.tokenizer.Tokenizer` (its ``_spec()`` rebuilds
    it in each worker; ``tokenize_batch``, ``_fallback`` and ``stats_`` are used here).
    """

    def __init__(self, tokenizer: Stage, n_jobs: int, persistent: bool = True):
        self.tokenizer = tokenizer
        self.n_jobs = n_jobs
        self.persistent = persistent
        self.spec = (type(tokenizer).__module__, *tokenizer._spec())
        self.workers: list[_Worker] = []
        self.busy = False
        self.timeout: float | None = None
        self.on_timeout = "fallback"

    def close(self) -> None:
        """Stop every worker."""
        workers, self.workers = self.workers, []
        for worker in workers:
            worker.stop(kill=bool(worker.outstanding))

    def run(self, chunks: Iterator[list[str]], timeout: float | None,
            on_timeout: str) -> Iterator[list[list[str]]]:
        """Tokenize ``chunks`` on the workers (started on first use, kept afterwards)."""
        if self.busy:
            raise TokenizerError("this worker pool is already running a pipe()")
        self.busy, self.timeout, self.on_timeout = True, timeout, on_timeout
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs a JVM
        spec = self.spec
        if len(self.workers) > self.n_jobs:
            self.close()
        workers = self.workers  # the warm ones of an earlier run; more start as work arrives
        clean = False
        texts: dict[int, list[str]] = {}  # chunk id -> its texts (to resubmit after a kill)
        overrides: dict[int, dict[int, list[str]]] = collections.defaultdict(dict)
        results: dict[int, list[list[str]]] = {}
        retry: collections.deque[int] = collections.deque()
        waiting: collections.deque[int] = collections.deque()  # read, not handed out yet
        next_out, next_id, exhausted = 0, 0, False
        max_inflight = 2 * self.n_jobs
        stats = self.tokenizer.stats_
        try:
            while True:
                # 1. read ahead, at most max_inflight chunks held
                while not exhausted and len(texts) < max_inflight:
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        break
                    for k, item in enumerate(chunk):
                        if not isinstance(item, str):
                            raise InputError(f"pipe(): text #{next_id * len(chunk) + k} is "
                                             f"{type(item).__name__}, expected str")
                    cid, next_id = next_id, next_id + 1
                    texts[cid] = chunk
                    waiting.append(cid)
                # 2. a worker (a JVM) per chunk held, up to n_jobs: one chunk starts one
                while len(workers) < min(self.n_jobs, len(texts)):
                    workers.append(_Worker(ctx, spec))
                # 3. hand out work: resubmissions first, then fresh chunks
                while retry or waiting:
                    idle = [w for w in workers if w.ready and len(w.outstanding) < 2]
                    if not idle:
                        break
                    cid = retry.popleft() if retry else waiting.popleft()
                    worker = min(idle, key=lambda w: len(w.outstanding))
                    worker.outstanding.append(cid)
                    worker.tasks.put((cid, texts[cid]))
                # 4. emit finished chunks in order
                while next_out in results:
                    yield results.pop(next_out)
                    next_out += 1
                if exhausted and not texts and not retry:
                    clean = True
                    return
                # 5. wait for a result, a death or a time-out
                waitables = [w.conn for w in workers] + [w.process.sentinel for w in workers]
                ready = multiprocessing.connection.wait(waitables, timeout=0.2)
                for i, worker in enumerate(list(workers)):
                    if worker.conn in ready:
                        try:
                            kind, cid, payload = worker.conn.recv()
                        except (EOFError, OSError):
                            kind, cid, payload = _FAILED, None, "worker process died"
                        if kind == _READY:
                            worker.ready = True
                            continue
                        if kind == _DONE:
                            joined, worker_stats = payload
                            stats.update(worker_stats)
                            lines = [line.split(" ") if line else []
                                     for line in joined.split("\n")]
                            for index, tokens in overrides.pop(cid, {}).items():
                                lines[index] = tokens
                            results[cid] = lines
                            del texts[cid]
                            worker.outstanding.popleft()
                            continue
                        if not worker.ready:
                            raise TokenizerError(f"a tokenizer worker could not start: {payload}")
                        workers[i] = self._replace(ctx, spec, worker, texts, overrides, retry,
                                                   reason=payload)
                    elif worker.process.sentinel in ready and not worker.conn.poll():
                        if not worker.ready:
                            raise TokenizerError(
                                "a tokenizer worker died while starting (exit code "
                                f"{worker.process.exitcode}). Workers are spawned: a script "
                                "that calls pipe(n_jobs>1) must guard its code with "
                                "`if __name__ == '__main__':`")
                        workers[i] = self._replace(ctx, spec, worker, texts, overrides, retry,
                                                   reason=f"exit code {worker.process.exitcode}")
                if self.timeout is not None:
                    now = time.monotonic()
                    for i, worker in enumerate(workers):
                        started = worker.clock[1]
                        if worker.outstanding and started and now - started > self.timeout:
                            workers[i] = self._replace(ctx, spec, worker, texts, overrides,
                                                       retry, reason="timeout")
        finally:
            self.busy = False
            if not clean:  # abandoned or failed: results may still be in flight
                for worker in workers:
                    worker.stop(kill=True)
                self.workers = []
            elif not self.persistent:
                self.close()

    def _replace(self, ctx, spec, worker: _Worker, texts, overrides, retry, reason: str):
        """Kill ``worker``; its current item falls back (or raises), its chunks are redone."""
        index = int(worker.clock[0])
        busy = worker.clock[1] > 0
        worker.stop(kill=True)
        if worker.outstanding and busy:
            cid = worker.outstanding[0]
            text = texts[cid][index]
            what = (f"took longer than {self.timeout:g} s" if reason == "timeout"
                    else f"crashed the worker ({reason})")
            if self.on_timeout == "raise":
                raise TokenizerError(f"tokenizing {text[:60]!r} (chunk {cid}, item {index}) "
                                     f"{what}; use on_timeout='fallback' to tokenize such "
                                     "items character by character instead")
            logger.warning("tokenizing %r %s; using character tokens for it", text[:60], what)
            tokenizer = self.tokenizer
            overrides[cid][index] = tokenizer._fallback(tokenizer.normalize_text(text))
            tokenizer.stats_["fallbacks"] += 1
            texts[cid] = list(texts[cid])
            texts[cid][index] = ""  # redo the rest of the chunk without the stuck item
        retry.extendleft(reversed(worker.outstanding))
        return _Worker(ctx, spec)
