"""Tokenizing on threads of one process (hangul_dl.text.threads): order, counters, errors,
early close, bounded read-ahead, and the JVM thread attachment that lets the process exit.

A tokenizer that sleeps in ``tokenize`` stands in for a JVM tagger here: ``time.sleep`` releases
the GIL as a Java call does, so threads overlap for real. Okt itself on threads is tested in
test_tokenizers.py (one JVM, the same tokens as one thread).
"""

from __future__ import annotations

import threading
import time

import pytest

from hangul_dl.errors import TokenizerError
from hangul_dl.text.threads import pipe_threads
from hangul_dl.text.tokenizers import CharTokenizer


class SleepyParallel(CharTokenizer):
    """Character tokens after a short sleep outside the GIL; records how many calls overlap."""

    def __init__(self, delay: float = 0.01, fail_on: str | None = None, **kw):
        super().__init__(**kw)
        self._delay, self._fail_on = delay, fail_on
        self._lock = threading.Lock()
        self._now = [0, 0]  # calls running now, most at once
        self._started = []

    @property
    def parallel_threads(self) -> bool:
        return True

    def _start_tagger(self) -> None:
        self._started.append(threading.current_thread().name)

    def tokenize(self, text):
        with self._lock:
            self._now[0] += 1
            self._now[1] = max(self._now)
        try:
            time.sleep(self._delay)
            if text == self._fail_on:
                raise TokenizerError(f"tagger failed on {text!r}")
            return super().tokenize(text)
        finally:
            with self._lock:
                self._now[0] -= 1


def _ours() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hangul_dl-tokenize"]


def test_pipe_runs_on_threads_in_order_and_counts_every_item():
    tok = SleepyParallel()
    texts = [f"문장 {i}" for i in range(60)] + ["", "ㅋㅋ 😀"]
    out = list(tok.pipe(texts, n_jobs=3, batch_size=4, quiet=True))
    assert out == [CharTokenizer().tokenize(t) for t in texts]
    assert tok._now[1] > 1, "the calls never overlapped: not on threads"
    assert tok._now[1] <= 3
    assert tok.stats_["items"] == len(texts)  # each thread's counters are added, none lost
    assert tok._started == [threading.current_thread().name]  # the tagger starts in the caller
    assert "_pool" not in vars(tok)  # no worker process
    assert not _ours()  # the threads are gone when the iterator is done


def test_an_error_in_a_thread_is_raised_in_the_caller_and_the_threads_stop():
    tok = SleepyParallel(fail_on="나쁜 줄")
    texts = ["가"] * 20 + ["나쁜 줄"] + ["나"] * 200
    with pytest.raises(TokenizerError, match="나쁜 줄"):
        list(tok.pipe(texts, n_jobs=2, batch_size=5, quiet=True))
    assert not _ours()


def test_a_thread_that_fails_before_its_first_chunk_is_reported_not_waited_for(monkeypatch):
    tok = SleepyParallel()

    def broken():
        raise RuntimeError("no tagger for this thread")

    monkeypatch.setattr(tok, "_copy_for_thread", broken)
    outcome = []

    def run():
        try:
            list(tok.pipe(["가", "나", "다"], n_jobs=2, batch_size=1, quiet=True))
        except RuntimeError as exc:
            outcome.append(str(exc))

    caller = threading.Thread(target=run)
    caller.start()
    caller.join(30)
    assert not caller.is_alive(), "pipe() waited for ever on a dead thread"
    assert outcome == ["no tagger for this thread"]
    assert not _ours()


def test_closing_early_stops_the_threads_and_reads_ahead_a_bounded_amount():
    tok = SleepyParallel()
    read = [0]

    def lines():
        for i in range(10_000):
            read[0] += 1
            yield f"줄 {i}"

    stream = tok.pipe(lines(), n_jobs=2, batch_size=10, quiet=True)
    first = next(stream)
    assert first == CharTokenizer().tokenize("줄 0")
    assert read[0] <= (2 * 2 + 1) * 10  # at most 2 * n_jobs chunks held (+ the one read now)
    stream.close()
    assert not _ours()
    assert read[0] <= (2 * 2 + 2) * 10


def test_pipe_threads_with_no_input_starts_nothing():
    tok = SleepyParallel()
    assert list(pipe_threads(tok, iter([]), 2)) == []
    assert not _ours()


class ParallelChar(CharTokenizer):
    """Character tokens, claiming to be safe on threads (rebuilt by name in a worker)."""

    @property
    def parallel_threads(self) -> bool:
        return True


def test_a_time_limit_still_uses_worker_processes():
    """A thread stuck in a tagger cannot be stopped: with ``timeout`` the pool of killable
    processes runs, not threads."""
    tok = ParallelChar()
    try:
        assert list(tok.pipe(["가 나"], n_jobs=2, timeout=30, quiet=True)) == [["▁가", "▁나"]]
        assert vars(tok).get("_pool") is not None
    finally:
        tok.close()


def test_java_daemon_thread_attaches_as_daemon_and_detaches(okt_session):
    """JPype attaches a thread on its first Java call and never detaches it (a Java thread
    left behind per Python thread that ends); our tagging threads attach as daemons and detach
    when done."""
    import jpype

    from hangul_dl.text.jvm import java_daemon_thread

    java_thread = jpype.JClass("java.lang.Thread")  # looked up here: no Java call in the thread
    seen = {}

    def body():
        with java_daemon_thread():
            okt_session.tokenize("스레드에서 분석")
            seen["daemon"] = bool(java_thread.currentThread().isDaemon())
        seen["attached_after"] = bool(java_thread.isAttached())

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(60)
    assert seen == {"daemon": True, "attached_after": False}


def test_java_daemon_thread_never_detaches_the_thread_that_started_the_jvm(okt_session,
                                                                           monkeypatch):
    """The thread that created the JVM (a Dask task thread starts it inside a task) stays
    attached: JNI does not let it detach."""
    import jpype

    from hangul_dl.text import jvm

    java_thread = jpype.JClass("java.lang.Thread")
    seen = {}

    def body():
        java_thread.currentThread()  # attached now (JPype attaches on first use)
        monkeypatch.setitem(jvm._STARTED_BY, "thread", threading.get_ident())
        with jvm.java_daemon_thread():
            pass
        seen["attached_after"] = bool(java_thread.isAttached())
        java_thread.detach()

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(60)
    assert seen == {"attached_after": True}


@pytest.fixture(scope="module")
def okt_session():
    from hangul_dl.text.tokenizers import KonlpyTokenizer

    return KonlpyTokenizer("okt").warm_up()
