"""Tokenizing on threads of this process: several cores, one JVM.

A KoNLPy tagger on the JVM spends its time in Java, where JPype has released the GIL, so
threads of one process tag on several cores at once: two threads tagged 8,000 reviews 1.94x as
fast as one (Okt, warm, 2 cores). Unlike worker processes they share one JVM: one start, one
dictionary load, one JIT warm-up and one heap instead of one per worker, so ``pipe(n_jobs=2)``
pays on a one-off run too. :meth:`~hangul_dl.text.tokenizer.Tokenizer.pipe` uses them for a
tokenizer whose ``parallel_threads`` is true, unless a per-item time limit is asked for: a
thread caught in a tagger cannot be stopped, so time limits need the killable worker
processes of :mod:`hangul_dl.text.workers`.

Each thread tokenizes with a shallow copy of the tokenizer that has counters of its own
(``stats_``; they are added to the caller's tokenizer as each chunk comes back), the tagger
itself is shared as ``parallel_threads`` promises. Output order is input order; at most
``2 * n_jobs`` chunks are in flight; an error in a thread is raised in the caller, and closing
the iterator early stops the threads after the chunk each is on.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from .jvm import java_daemon_thread, python_gc_frozen

__all__ = ["pipe_threads"]

_STOP = None


def _thread_main(tokenizer: Any, tasks: queue.Queue, results: queue.Queue) -> None:
    """One tagging thread: chunks from ``tasks`` until told to stop; each result (or the
    exception) with the counters it added goes to ``results``. Whatever goes wrong, the caller
    hears of it (it waits on ``results``)."""
    try:
        mine = tokenizer._copy_for_thread()  # the same tagger, counters of its own
        with java_daemon_thread(), python_gc_frozen():
            while True:
                task = tasks.get()
                if task is _STOP:
                    return
                cid, texts = task
                lines = [mine.tokenize(text) for text in texts]
                stats = dict(mine.stats_)
                mine.stats_.clear()
                results.put((cid, lines, None, stats))
    except BaseException as exc:  # raised again in the caller's thread
        results.put((None, None, exc, None))


def pipe_threads(tokenizer: Any, chunks: Iterator[list[str]], n_jobs: int
                 ) -> Iterator[list[list[str]]]:
    """Token lists of each chunk of ``chunks``, in order, tokenized on ``n_jobs`` threads.

    The tagger is started here, in the caller's thread, before any thread starts: a JVM
    started from one of these short-lived threads crashed the process at exit, after the
    thread had ended. Threads start as chunks arrive, up to ``n_jobs``.
    """
    tokenizer._start_tagger()
    tasks: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    threads: list[threading.Thread] = []
    held: set[int] = set()  # chunks handed out whose result is not yet emitted
    done: dict[int, list[list[str]]] = {}
    next_id = next_out = 0
    exhausted = False
    stats = tokenizer.stats_
    try:
        while True:
            while not exhausted and len(held) < 2 * n_jobs:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                held.add(next_id)
                tasks.put((next_id, chunk))
                next_id += 1
                if len(threads) < min(n_jobs, len(held)):
                    thread = threading.Thread(target=_thread_main, args=(tokenizer, tasks, results),
                                              name="hangul_dl-tokenize", daemon=True)
                    thread.start()
                    threads.append(thread)
            if exhausted and not held:
                return
            cid, lines, error, added = results.get()
            if error is not None:
                raise error
            stats.update(added)
            done[cid] = lines
            while next_out in done:
                held.discard(next_out)
                yield done.pop(next_out)
                next_out += 1
    finally:
        while True:  # chunks not started yet are not tokenized (closed early, or an error)
            try:
                tasks.get_nowait()
            except queue.Empty:
                break
        for _ in threads:
            tasks.put(_STOP)
        for thread in threads:
            thread.join()
