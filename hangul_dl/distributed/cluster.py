"""DaskExecutor: the shards of a job as tasks on a Dask cluster, results back in input order.

``DaskExecutor("tcp://10.0.0.5:8786")`` connects to a running cluster (``dask scheduler`` and
``dask worker`` processes, or any Dask deployment); ``DaskExecutor(n_workers=4)`` starts a local
one (4 worker processes, one thread each; a spawned process per worker, so no JVM is ever
forked). Nothing happens in ``__init__``: the connection is made on first use (or by
:meth:`start`), and a cluster this object started stops in :meth:`close`.

**Order and memory.** Each shard is cut into tasks (:func:`.tasks.run_shard`) of at most
``task_lines`` lines (:data:`TASK_LINES`) that receive their text; at most ``max_in_flight``
tasks (default: four per worker thread) are submitted or waiting to be written at any time,
results are collected with ``distributed.as_completed``, put back together per shard
(:data:`.tasks.MERGERS`: the same result as one task over the whole shard) and re-ordered in a
small buffer, so shards come back in input order while memory stays bounded on any input size.
Tasks smaller than shards keep both workers busy to the end: with shards of 2,000 lines, the
last shard of one worker could run alone for seconds.

**Failures.** A worker that dies (``kill -9``) loses only the tasks it was running: the
scheduler reschedules them on the other workers (a shard whose workers died
``distributed.scheduler.allowed-failures`` times, 3 by default, becomes ``TokenizerError``).
An error inside a task (``on_timeout="raise"``, a bad tokenizer option) is raised here as is.
An unreachable scheduler is an ``InputError`` after ``connect_timeout`` seconds; a missing Dask
is an ``InputError`` naming ``python -m pip install ".[dask]"``.

**Quiet workers.** A Dask worker samples its task thread's stack 100 times a second (the
dashboard's profile) and every event loop wakes 50 times a second; beside a tagger that holds one
core, that cost a Dask worker 2.5-3 s of CPU per 4,000 sentences and the client (scheduler and
nannies) as much again. A local cluster therefore starts with :data:`WORKER_CONFIG`; on a
cluster someone else started, the executor stops the workers' profiler while it is connected
(:class:`.plugin.QuietProfiler`, removed in :meth:`close`); an administrator gives the same settings to
``dask worker`` as the environment :data:`WORKER_ENV`.
"""

from __future__ import annotations

import collections
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from typing import Any

from ..batch.shards import text_shards
from ..errors import HangulDLError, InputError, TokenizerError
from .tasks import MERGERS, run_shard, split_lines, tokenizer_payload

__all__ = ["INSTALL_HINT", "WORKER_CONFIG", "WORKER_ENV", "DaskExecutor", "import_distributed"]

logger = logging.getLogger(__name__)

#: Texts per shard when a plain stream of texts goes to the cluster (:meth:`DaskExecutor.pipe`).
PIPE_SHARD = 1000

#: Lines per task at most: a shard (what a job resumes from; 10,000 lines by default) goes to
#: the workers as tasks of this many lines, put back together in order, so that every worker
#: stays busy to the end whatever the shard size (Okt: ~0.5-1 s of work per task, against a
#: few milliseconds of scheduling).
TASK_LINES = 500

INSTALL_HINT = 'python -m pip install ".[dask]"'

#: Dask settings of the workers that tokenize (see "Quiet workers" above).
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,  # the 100 Hz stack sampler
    "distributed.admin.tick.interval": "1s",  # event-loop watchdog, default 20 ms
    "distributed.worker.memory.monitor-interval": "1s",  # default 100 ms
    "distributed.admin.system-monitor.interval": "5s",  # default 500 ms
}

#: :data:`WORKER_CONFIG` as the environment of ``dask scheduler`` / ``dask worker`` processes.
WORKER_ENV = {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
              for key, value in WORKER_CONFIG.items()}

def import_distributed() -> Any:
    """The ``distributed`` module, or ``InputError`` naming the install command."""
    try:
        import distributed
    except ImportError:
        raise InputError(f"running on a Dask cluster needs Dask, which is not installed: "
                         f"{INSTALL_HINT} (or pip install \"dask[distributed]\"); without it "
                         "use --jobs N on this machine") from None
    return distributed


def _probe(address: str, timeout: float) -> None:
    """Open and close one TCP connection to a ``tcp://``/``tls://`` scheduler address, so that
    an unknown host or a closed port is an ``OSError`` now (``distributed.Client`` retries
    those until its timeout); other schemes are left to Dask."""
    import socket

    scheme, _, rest = address.partition("://")
    if scheme not in ("tcp", "tls"):
        return
    host, _, port = rest.rstrip("/").rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
        pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class DaskExecutor:
    """Tokenize and count shards on a Dask cluster (see the module docstring).

    Parameters
    ----------
    address : str or None
        Scheduler address (``"tcp://host:8786"``); None starts a local cluster.
    n_workers : int or None
        Worker processes of the local cluster (``address=None``); default 2.
    max_in_flight : int or None
        Tasks submitted or buffered at once (default ``4 * worker threads``, at least 4).
    task_lines : int or None
        Lines per task at most (default :data:`TASK_LINES`); a shard is one or more tasks.
    connect_timeout : float
        Seconds to reach the scheduler before giving up with one line.
    timeout, on_timeout : float or None, "fallback" or "raise"
        Per-item time limit inside the workers (``Tokenizer.pipe``'s rules).
    """

    def __init__(self, address: str | None = None, n_workers: int | None = None,
                 max_in_flight: int | None = None, connect_timeout: float = 5.0,
                 timeout: float | None = None, on_timeout: str = "fallback",
                 task_lines: int | None = None):
        self.address = address
        self.n_workers = n_workers
        self.max_in_flight = max_in_flight
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.task_lines = task_lines
        self._client: Any = None
        self._cluster: Any = None
        self._config: Any = None
        self._plugin = False

    def __repr__(self) -> str:
        where = self.address if self.address else f"local:{self.n_workers or 2}"
        state = "connected" if self._client is not None else "not started"
        return f"DaskExecutor({where!r}, {state})"

    # -- connecting ----------------------------------------------------------------------
    def start(self) -> DaskExecutor:
        """Connect to the scheduler (or start the local cluster); idempotent."""
        if self._client is not None:
            return self
        if self.on_timeout not in ("fallback", "raise"):
            raise InputError(f"on_timeout={self.on_timeout!r}: expected 'fallback' or 'raise'")
        n = self.task_lines
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise InputError(f"task_lines={n!r}: expected a positive number of lines per task")
        distributed = import_distributed()
        import dask

        if self.address is None:
            n = 2 if self.n_workers is None else self.n_workers
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise InputError(f"local:{n!r}: expected a positive number of worker processes")
            # worker processes that may spawn children: Tokenizer.pipe(timeout=) needs one;
            # the scheduler's HTTP server on a free port (8787 may be another cluster's)
            self._config = dask.config.set({"distributed.worker.daemon": False, **WORKER_CONFIG})
            try:
                self._cluster = distributed.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                    silence_logs=logging.WARNING)
                self._client = distributed.Client(self._cluster, set_as_default=False)
            except BaseException:
                self.close()
                raise
            logger.info("started a local Dask cluster of %d worker processes", n)
            return self
        try:
            _probe(self.address, self.connect_timeout)  # a wrong host or port fails at once
            self._client = distributed.Client(self.address, timeout=self.connect_timeout,
                                              set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"could not reach the Dask scheduler at {self.address!r} "
                             f"({_first_line(exc)}; waited at most {self.connect_timeout:g} s); "
                             "start one with "
                             "`dask scheduler` and `dask worker ADDRESS --nthreads 1`, or check "
                             "the address and port") from None
        try:  # the workers' profiler off while we are connected (see "Quiet workers")
            from .plugin import PLUGIN_NAME, QuietProfiler

            self._client.register_plugin(QuietProfiler(), name=PLUGIN_NAME)
            self._plugin = True
        except Exception as exc:  # an old or locked-down cluster: slower, not wrong
            logger.info("could not stop the Dask workers' profiler (%s)", _first_line(exc))
        logger.info("connected to the Dask scheduler at %s (%d worker threads)", self.address,
                    self.threads())
        return self

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (connecting first if needed)."""
        return self.start()._client

    def threads(self) -> int:
        """Worker threads the cluster has now (the tasks that can run at once)."""
        workers = self.client.scheduler_info().get("workers", {})
        return sum(int(w.get("nthreads", 1)) for w in workers.values())

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this executor started it."""
        client, cluster, config = self._client, self._cluster, self._config
        plugin, self._plugin = self._plugin, False
        self._client = self._cluster = self._config = None
        try:
            if client is not None:
                if plugin:
                    try:
                        from .plugin import PLUGIN_NAME

                        client.unregister_worker_plugin(PLUGIN_NAME)
                    except Exception:  # pragma: no cover - the cluster went away
                        pass
                client.close()
            if cluster is not None:
                cluster.close()
        finally:
            if config is not None:
                config.__exit__(None, None, None)

    def __enter__(self) -> DaskExecutor:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- running shards ------------------------------------------------------------------
    def map_shards(self, kind: str, tokenizer: Any, shards: Iterable[Any],
                   options: dict[str, Any] | None = None, batch_size: int = 256,
                   ) -> Iterator[tuple[Any, Any]]:
        """``(shard, finished result)`` per shard, in input order (``kind``: see .tasks).

        ``tokenizer`` None means the lines are tokens already (split on whitespace).
        """
        client = self.client
        payload = None if tokenizer is None else tokenizer_payload(tokenizer)
        stats = None if tokenizer is None else tokenizer.stats_
        opts: Any = options or {}
        if options:  # a vocabulary can be large: send it to every worker once (one object)
            opts = client.scatter([options], broadcast=True, hash=False)[0]
        limit = self.max_in_flight or max(4, 4 * self.threads())
        step = self.task_lines or TASK_LINES
        merge = MERGERS[kind]
        run = uuid.uuid4().hex[:8]
        distributed = import_distributed()
        done = distributed.as_completed(loop=client.loop)
        submitted: dict[Any, tuple[int, int]] = {}  # future -> (shard position, piece)
        shards_at: dict[int, Any] = {}  # position -> shard, until it is yielded
        parts: dict[int, list[Any]] = {}  # position -> results of its pieces (None: pending)
        queue: collections.deque[tuple[int, int, list[str]]] = collections.deque()
        source = enumerate(shards)
        next_out, exhausted, buffered = 0, False, 0

        def top_up() -> bool:
            nonlocal buffered
            while len(submitted) + buffered < limit:
                if not queue:
                    item = next(source, None)
                    if item is None:
                        return True
                    position, shard = item
                    texts = [t for t in shard.texts if t is not None]
                    pieces = [texts[i:i + step] for i in range(0, len(texts), step)] or [[]]
                    shards_at[position] = shard
                    parts[position] = [None] * len(pieces)
                    queue.extend((position, i, piece) for i, piece in enumerate(pieces))
                position, index, piece = queue.popleft()
                future = client.submit(run_shard, kind, payload, piece, self.timeout,
                                       self.on_timeout, batch_size, opts, pure=False,
                                       key=f"hangul_dl-{kind}-{shards_at[position].key}-{run}-"
                                           f"{position}-{index}")
                submitted[future] = (position, index)
                done.add(future)
            return False

        try:
            while True:
                if not exhausted:
                    exhausted = top_up()
                while next_out in parts and all(r is not None for r in parts[next_out]):
                    results = parts.pop(next_out)
                    buffered -= len(results)
                    yield shards_at.pop(next_out), merge([r[0] for r in results])
                    next_out += 1
                    if not exhausted:
                        exhausted = top_up()
                if not submitted:
                    if parts or queue:  # pragma: no cover - a task went missing
                        raise RuntimeError(f"shard #{next_out} never came back")
                    return
                future = next(done)
                position, index = submitted.pop(future)
                result, worker_stats = self._result(future, shards_at[position])
                if stats is not None:
                    stats.update(worker_stats)
                parts[position][index] = (result,)
                buffered += 1
        finally:
            if submitted:
                client.cancel(list(submitted))

    def _result(self, future: Any, shard: Any) -> Any:
        from distributed.scheduler import KilledWorker

        try:
            return future.result()
        except KilledWorker:
            raise TokenizerError(
                f"{shard.where}: the Dask workers running this shard died too many times "
                "(distributed.scheduler.allowed-failures); a line in it may crash the tagger "
                "or exhaust the worker's memory: see the workers' logs") from None
        except HangulDLError:
            raise
        except (OSError, TimeoutError, CancelledError) as exc:
            raise TokenizerError(f"{shard.where}: lost the Dask cluster ({_first_line(exc)}); "
                                 "run the job again to resume from the finished shards") from None

    def tokenize_shards(self, tokenizer: Any, shards: Iterable[Any], batch_size: int = 256,
                        on_item: Callable[[int], None] | None = None,
                        ) -> Iterator[tuple[Any, list[list[str]]]]:
        """``(shard, token lists of its good lines)`` per shard, in order (the method
        :class:`~hangul_dl.batch.TokenizeJob` calls; same contract as
        :func:`hangul_dl.batch.shards.tokenize_shards`)."""
        for shard, joined in self.map_shards("tokens", tokenizer, shards, batch_size=batch_size):
            yield shard, split_lines(joined, shard.n_texts)
            if on_item is not None:
                on_item(len(shard.texts))

    def pipe(self, tokenizer: Any, texts: Iterable[str], batch_size: int = 256,
             quiet: bool = True, shard_lines: int = PIPE_SHARD) -> Iterator[list[str]]:
        """Token lists of ``texts`` in input order (a drop-in for ``tokenizer.pipe``),
        ``shard_lines`` texts per task."""
        for _, token_lists in self.tokenize_shards(tokenizer, text_shards(texts, shard_lines),
                                                   batch_size=batch_size):
            yield from token_lists
