"""ProcessCluster: ``dask scheduler`` + ``dask worker`` processes on this machine.

A cluster exactly as an administrator starts one by hand (the command-line tools, separate
processes, TCP on ``127.0.0.1``), for the tests and ``benchmarks/bench_cluster.py``; in real use
the cluster already runs and you pass its address to :func:`~hangul_dl.distributed.where`::

    >>> with ProcessCluster(n_workers=2, log_dir="logs/") as cluster:
    ...     with where(cluster.address) as ex:
    ...         TokenizeJob("corpus/", "out/", executor=ex).run()

Each process is started in its own session and stopped (SIGTERM, then SIGKILL after a grace
period) with its whole process group in :meth:`close`, so no worker outlives the block.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["ProcessCluster", "free_port"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ProcessCluster:
    """``dask scheduler`` and ``n_workers`` × ``dask worker --nthreads N`` on 127.0.0.1.

    The processes get the settings of :data:`~hangul_dl.distributed.cluster.WORKER_ENV` (no
    sampling profiler, slower watchdog ticks) unless the environment sets them; ``env`` adds
    variables (``PYTHONPATH`` so that workers can import a user's tokenizer class); ``log_dir``
    receives one log file per process (else the output is discarded);
    ``start_timeout`` bounds the wait for the workers to register; ``nthreads`` is each
    worker's (1: one task at a time per process; Okt tags on all of a worker's threads at once).
    """

    def __init__(self, n_workers: int = 2, env: dict[str, str] | None = None,
                 log_dir: str | os.PathLike | None = None, start_timeout: float = 120.0,
                 nthreads: int = 1):
        self.n_workers = n_workers
        self.nthreads = nthreads
        self.env = env
        self.log_dir = log_dir
        self.start_timeout = start_timeout
        self.address: str | None = None
        self.processes: list[subprocess.Popen] = []

    def __repr__(self) -> str:
        return (f"ProcessCluster(n_workers={self.n_workers}, nthreads={self.nthreads}, "
                f"address={self.address!r})")

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        from .cluster import WORKER_ENV

        env = {**WORKER_ENV, **os.environ, **(self.env or {})}
        if self.log_dir is not None:
            Path(self.log_dir).mkdir(parents=True, exist_ok=True)
            out: Any = open(Path(self.log_dir) / f"{name}.log", "wb")  # the child's log
        else:
            out = subprocess.DEVNULL
        try:
            proc = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=out,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True)
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        self.processes.append(proc)
        return proc

    def start(self) -> ProcessCluster:
        """Start the scheduler and the workers; return once every worker has registered."""
        from .cluster import import_distributed

        distributed = import_distributed()
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        try:
            self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                      "--no-dashboard"])
            for i in range(self.n_workers):
                self._spawn(f"worker-{i}", ["worker", self.address, "--nthreads", str(self.nthreads),
                                            "--host", "127.0.0.1", "--no-dashboard",
                                            "--name", f"worker-{i}"])
            deadline = time.monotonic() + self.start_timeout
            client = None
            while client is None:
                try:
                    client = distributed.Client(self.address, timeout=5, set_as_default=False)
                except OSError:
                    if time.monotonic() > deadline or self.processes[0].poll() is not None:
                        raise InputError(f"the dask scheduler at {self.address} did not start "
                                         f"within {self.start_timeout:g} s") from None
            try:
                client.wait_for_workers(self.n_workers,
                                        timeout=max(1.0, deadline - time.monotonic()))
            finally:
                client.close()
        except BaseException:
            self.close()
            raise
        return self

    def worker_pids(self) -> dict[str, int]:
        """``{worker address: pid}`` of the worker processes now (the nannies' children)."""
        from .cluster import import_distributed

        with import_distributed().Client(self.address, timeout=5, set_as_default=False) as c:
            return {addr: int(pid) for addr, pid in c.run(os.getpid).items()}

    def close(self, grace: float = 10.0) -> None:
        """Stop every process (workers first), then their process groups."""
        procs, self.processes = self.processes[::-1], []
        for proc in procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)
            proc.wait()

    def __enter__(self) -> ProcessCluster:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to the process group ``proc`` leads (it was started in its own session)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
