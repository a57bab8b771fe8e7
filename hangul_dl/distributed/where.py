"""where(): one way to name where tokenizing and counting run, for the CLI, recipes and the API.

=====================  ==============================================================
``"local"`` / None     this machine: ``jobs`` spawned worker processes (``--jobs N``)
``"local:N"``          a Dask cluster of N worker processes started here (one thread each)
``"tcp://HOST:PORT"``  an existing Dask cluster (``dask scheduler`` + ``dask worker``, or any
                       deployment); ``tls://``, ``ws://``, ``wss://`` too; ``HOST:PORT`` = tcp
=====================  ==============================================================

Both kinds of executor have the same methods, so a caller never branches on where it runs::

    >>> with where("tcp://10.0.0.5:8786") as ex:               # or where("local", jobs=2)
    ...     TokenizeJob("corpus/", "out/", tokenizer="okt", executor=ex).run()
    ...     vocab = count_vocabulary("corpus/", "okt", executor=ex)

``tokenize_shards(tokenizer, shards)`` (the hook of :class:`~hangul_dl.batch.TokenizeJob`),
``map_shards(kind, tokenizer, shards)`` (what :mod:`.counting` uses) and
``pipe(tokenizer, texts)`` (a drop-in for ``tokenizer.pipe(texts, n_jobs=...)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..batch.shards import tokenize_shards
from ..errors import InputError
from .cluster import DaskExecutor
from .tasks import FINISHERS

__all__ = ["LocalExecutor", "where"]

_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://\[?[\w.\-:]+\]?:\d{1,5}/?$")
_HOST_PORT = re.compile(r"^[\w.\-]+:\d{1,5}$")


class LocalExecutor:
    """This machine: ``n_jobs`` spawned worker processes through ``Tokenizer.pipe``."""

    def __init__(self, n_jobs: int = 1, timeout: float | None = None,
                 on_timeout: str = "fallback"):
        self.n_jobs = n_jobs
        self.timeout = timeout
        self.on_timeout = on_timeout

    def __repr__(self) -> str:
        return f"LocalExecutor(n_jobs={self.n_jobs})"

    def start(self) -> LocalExecutor:
        return self

    def close(self) -> None:
        """Nothing to stop: the tokenizer owns its worker pool (``tokenizer.close()``)."""

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def tokenize_shards(self, tokenizer: Any, shards: Iterable[Any], batch_size: int = 256,
                        on_item: Callable[[int], None] | None = None,
                        ) -> Iterator[tuple[Any, list[list[str]]]]:
        """``(shard, token lists of its good lines)`` per shard, in order."""
        return tokenize_shards(tokenizer, shards, n_jobs=self.n_jobs, batch_size=batch_size,
                               timeout=self.timeout, on_timeout=self.on_timeout,
                               on_item=on_item)

    def map_shards(self, kind: str, tokenizer: Any, shards: Iterable[Any],
                   options: dict[str, Any] | None = None, batch_size: int = 256,
                   ) -> Iterator[tuple[Any, Any]]:
        """``(shard, finished result)`` per shard, in order: the cluster's tasks, run here."""
        finish = FINISHERS[kind]
        if tokenizer is None:  # the lines are tokens already
            for shard in shards:
                yield shard, finish([t.split() for t in shard.texts if t is not None],
                                    options or {})
            return
        for shard, token_lists in self.tokenize_shards(tokenizer, shards, batch_size):
            yield shard, finish(token_lists, options or {})

    def pipe(self, tokenizer: Any, texts: Iterable[str], batch_size: int = 256,
             quiet: bool = True) -> Iterator[list[str]]:
        """``tokenizer.pipe(texts, n_jobs=...)``: token lists in input order."""
        return tokenizer.pipe(texts, batch_size=batch_size, n_jobs=self.n_jobs,
                              timeout=self.timeout, on_timeout=self.on_timeout, quiet=quiet)


def where(spec: str | None = None, jobs: int = 1, timeout: float | None = None,
          on_timeout: str = "fallback", connect_timeout: float = 5.0,
          max_in_flight: int | None = None) -> LocalExecutor | DaskExecutor:
    """The executor named by ``spec`` (the value of ``--scheduler``; see the module docstring).

    ``jobs`` is ``--jobs`` (local worker processes; ignored for a cluster). ``timeout`` and
    ``on_timeout`` are the per-item time limit of ``Tokenizer.pipe``, held on every worker.
    Nothing starts here: a cluster is reached (or started) on first use or by ``start()``,
    and the caller closes it (``with where(...) as ex:``).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"--jobs {jobs!r}: expected a positive number of worker processes")
    text = "" if spec is None else str(spec).strip()
    if text in ("", "local"):
        return LocalExecutor(jobs, timeout=timeout, on_timeout=on_timeout)
    if text.startswith("local:"):
        count = text[len("local:"):]
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"--scheduler {spec!r}: expected local:N with N a positive number "
                             "of worker processes, e.g. local:4")
        return DaskExecutor(None, n_workers=int(count), timeout=timeout, on_timeout=on_timeout,
                            max_in_flight=max_in_flight)
    if _HOST_PORT.match(text):
        text = f"tcp://{text}"
    if not _ADDRESS.match(text):
        raise InputError(f"--scheduler {spec!r}: expected local, local:N or a Dask scheduler "
                         "address such as tcp://10.0.0.5:8786")
    return DaskExecutor(text, timeout=timeout, on_timeout=on_timeout,
                        connect_timeout=connect_timeout, max_in_flight=max_in_flight)
