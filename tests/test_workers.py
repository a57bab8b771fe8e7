"""hangul_dl.text.workers: Python's collector kept off old objects around a tagging loop, and the
pool's processes (one per chunk of work up to n_jobs; none outlives its parent).

JPype runs a full Python collection after every Java one; :func:`python_gc_frozen` makes those
collections skip the objects that existed when the block started, and gives them back after.
"""

from __future__ import annotations

import gc

from hangul_dl.text.jvm import python_gc_frozen
from hangul_dl.text.workers import WORKER_JVM_OPTIONS


def test_gc_frozen_hides_old_objects_in_the_block_and_restores_them():
    old = [[] for _ in range(10)]  # container objects the collector tracks
    assert gc.get_freeze_count() == 0
    with python_gc_frozen():
        assert gc.get_freeze_count() >= len(old)
        new = []
        assert gc.is_tracked(new)
        gc.collect()  # a collection in the block: the old objects stay frozen, nothing breaks
        assert gc.get_freeze_count() >= len(old)
    assert gc.get_freeze_count() == 0
    cycle: list = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1  # the collector works as before after the block


def test_gc_frozen_leaves_a_freeze_of_the_caller_alone():
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with python_gc_frozen():
            pass
        # not unfrozen by us (that would make it 0); frozen objects that another thread frees
        # meanwhile leave the permanent generation, so the count may drop by a few
        assert before > 1000 and gc.get_freeze_count() > before - 100
    finally:
        gc.unfreeze()


def test_gc_frozen_unfreezes_after_an_error():
    try:
        with python_gc_frozen():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0


def test_worker_jvm_options_leave_signals_to_python():
    assert "-Xrs" in WORKER_JVM_OPTIONS.split()
    assert "-XX:+UseSerialGC" in WORKER_JVM_OPTIONS.split()


# -- the pool's processes ----------------------------------------------------------------------
def test_pool_starts_a_worker_per_chunk_of_work_up_to_n_jobs():
    """One chunk of texts starts one worker process (one JVM with a KoNLPy tagger), not n_jobs;
    more chunks start the rest, and a later call keeps the warm ones."""
    from hangul_dl.text.tokenizers import CharTokenizer

    tok = CharTokenizer()
    texts = [f"{i}번째 문장" for i in range(12)]
    try:
        assert list(tok.pipe([], n_jobs=2, quiet=True)) == []
        assert "_pool" not in vars(tok) or not tok._pool.workers  # no work, no process
        assert list(tok.pipe(texts[:3], n_jobs=2, quiet=True)) == tok.tokenize_batch(texts[:3])
        first = [w.process.pid for w in tok._pool.workers]
        assert len(first) == 1
        assert list(tok.pipe(texts, n_jobs=2, batch_size=2, quiet=True)) == \
            tok.tokenize_batch(texts)
        pids = [w.process.pid for w in tok._pool.workers]
        assert len(pids) == 2 and pids[0] == first[0]
    finally:
        tok.close()


def _gone(pid: int) -> bool:
    """The process has exited (a zombie that nobody reaps counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_worker_whose_parent_was_killed_exits(tmp_path):
    """kill -9 of the process that owns a pool (or a Dask worker stopped by its nanny) leaves
    no worker process waiting for work for ever."""
    import os
    import subprocess
    import sys
    import time

    import pytest

    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    script = tmp_path / "owner.py"
    script.write_text(
        "import os\n"
        "from hangul_dl.text.tokenizers import CharTokenizer\n"
        "if __name__ == '__main__':\n"
        "    tok = CharTokenizer()\n"
        "    assert list(tok.pipe(['가'], timeout=30, quiet=True)) == [['▁가']]\n"
        "    print(tok._pool.workers[0].process.pid, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == -9, result.stderr
    pid = int(result.stdout)
    deadline = time.monotonic() + 20
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _gone(pid):  # pragma: no cover - the bug: stop it, then fail
        os.kill(pid, 9)
        raise AssertionError(f"worker {pid} outlived its parent")
