"""The worker processes' helpers: Python's collector kept off old objects around a tagging loop.

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
        assert gc.get_freeze_count() == before  # not unfrozen by us
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
