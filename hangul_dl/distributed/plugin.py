"""QuietProfiler: a Dask worker plugin that stops the worker's sampling profiler while it is
registered (imported only once Dask is, by :class:`~hangul_dl.distributed.cluster.DaskExecutor`).

A Dask worker samples the stack of its task thread 100 times a second for the dashboard; beside a
tagger that keeps its core busy this cost about 2.5 s of CPU per 4,000 Okt sentences. The
executor registers the plugin on a cluster it connects to and removes it when it closes; removing
it (``teardown``) starts the profiler again.
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["PLUGIN_NAME", "QuietProfiler"]

PLUGIN_NAME = "hangul_dl-quiet-profiler"

_CALLBACKS = ("profile", "profile-cycle")  # Worker.periodic_callbacks of the profiler


class QuietProfiler(WorkerPlugin):
    """Stop the worker's profiler callbacks on ``setup``; start them again on ``teardown``."""

    name = PLUGIN_NAME

    def __repr__(self) -> str:
        return "QuietProfiler()"

    def setup(self, worker: Any) -> None:
        # taken out of periodic_callbacks: a worker that registers with the plugin already there
        # (one a nanny restarted) starts every callback left in that dict after setup
        callbacks = getattr(worker, "periodic_callbacks", {})
        self._stopped = {key: callbacks.pop(key) for key in _CALLBACKS if key in callbacks}
        for callback in self._stopped.values():
            callback.stop()

    def teardown(self, worker: Any) -> None:
        callbacks = getattr(worker, "periodic_callbacks", {})
        for key, callback in getattr(self, "_stopped", {}).items():
            callbacks[key] = callback
            callback.start()
        self._stopped = {}
