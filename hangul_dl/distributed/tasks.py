"""What one shard's task does, on a Dask worker or on this machine: tokenize, then finish.

A task gets the shard's **text** (its good lines, never a path: workers need not share the
client's disk) and a *tokenizer payload*: the files :meth:`~hangul_dl.stage.Stage.save` writes
(``manifest.json`` and any learned state such as BPE merges) as ``{relative path: bytes}``, plus
the module that defines the class and the tokenizer identity (the JSON the shard records and
the token cache hash). Nothing is pickled by us: the payload is plain bytes and strings.

Each worker process keeps one tokenizer per identity (:func:`worker_tokenizer`) for every shard
it gets, so a JVM and its tagger start once per process (lazily, inside the task: never before a
fork). With a per-item ``timeout`` the shard goes through ``tokenizer.pipe(timeout=...)`` in the
worker: a spawned child process holds the JVM, a stuck item gets it killed and is tokenized
character by character (``on_timeout="fallback"``) or raises ``TokenizerError`` — the local
pool's rules, on every worker.

The *finishers* turn a shard's token lists into what travels back, and run the same code on a
worker as on this machine, so a local and a cluster result cannot differ:

``"tokens"``  the lines joined (``" ".join(tokens)`` per line, ``"\\n"`` between): one string
``"vocab"``   ``(counts in first-seen order, number of non-empty lines)``
``"cooc"``    ``(rows, cols, values)`` of the shard's co-occurrence pairs (before symmetrising)
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import registry
from ..errors import InputError
from ..text.jvm import java_daemon_thread
from ..text.workers import WORKER_JVM_OPTIONS

__all__ = [
    "FINISHERS",
    "MERGERS",
    "run_shard",
    "split_lines",
    "task_timings",
    "tokenizer_payload",
    "tokenizers_built",
    "worker_tokenizer",
]

_TOKENIZERS: dict[str, tuple[Any, threading.Lock]] = {}  # identity JSON -> (tokenizer, its lock)
_CACHE_LOCK = threading.Lock()
_BUILT: Counter[str] = Counter()  # identity JSON -> tokenizers built in this process
_TIMES: Counter[str] = Counter()  # phase -> seconds (and "tasks", "lines") in this process
_LOCAL = threading.local()  # a task thread's copies of the tokenizers (parallel_threads ones)


def tokenizers_built() -> dict[str, int]:
    """``{tokenizer identity: times built}`` in this process (``client.run(tokenizers_built)``
    shows that each worker built its tokenizer, and started its JVM, once)."""
    return dict(_BUILT)


def task_timings() -> dict[str, float]:
    """Where this process's shard tasks spent their time (``client.run(task_timings)``):
    ``start`` (building the tokenizer: the JVM and the tagger's warm-up), ``tokenize``,
    ``finish`` (joining the lines or counting), in seconds, and ``tasks``, ``lines``."""
    return dict(_TIMES)


def tokenizer_payload(tokenizer: Any) -> dict[str, Any]:
    """What a worker needs to rebuild ``tokenizer`` exactly: module, identity and saved files."""
    from ..text.cache import _tokenizer_identity

    with tempfile.TemporaryDirectory(prefix="hangul_dl-payload-") as tmp:
        root = tokenizer.save(Path(tmp) / "tokenizer")
        files = {p.relative_to(root).as_posix(): p.read_bytes()
                 for p in sorted(root.rglob("*")) if p.is_file()}
    cls = type(tokenizer)
    return {"module": cls.__module__, "qualname": cls.__qualname__,
            "kind": registry.name_of(cls), "identity": _tokenizer_identity(tokenizer),
            "files": files}


def _payload_class(payload: dict[str, Any]) -> type:
    """The tokenizer class the client sent, imported here and made loadable under the name its
    manifest gives: a class of the user's own (a subclass in their module) loads on the worker
    as it does on the client, without a register() call in every worker process."""
    module = importlib.import_module(payload["module"])
    cls: Any = module
    for part in str(payload.get("qualname", "")).split("."):
        cls = getattr(cls, part, None)
    if not isinstance(cls, type):
        raise InputError(f"tokenizer payload: {payload['module']}.{payload.get('qualname')} is "
                         "not a class on this worker; install the same code on every worker")
    if not registry.is_registered(cls):
        registry.register(cls, name=payload.get("kind"))
    return cls


def worker_tokenizer(payload: dict[str, Any]) -> tuple[Any, threading.Lock]:
    """This process's tokenizer for ``payload`` (built on first use, then reused) and its lock.

    A worker with several threads shares one tokenizer (one JVM) between them. A tokenizer
    whose ``parallel_threads`` is true (Okt) then tags on all of them at once (each task thread
    with a copy that counts for itself), so one worker process per machine with ``--nthreads``
    = its cores needs one JVM; any other tokenizer's threads take turns at the lock, and
    ``--nthreads 1`` per worker process is what scales.
    """
    key = payload["identity"]
    started = time.perf_counter()
    with _CACHE_LOCK:
        entry = _TOKENIZERS.get(key)
        if entry is None:
            os.environ.setdefault("HANGUL_DL_JVM_OPTIONS", WORKER_JVM_OPTIONS)
            cls = _payload_class(payload)
            with tempfile.TemporaryDirectory(prefix="hangul_dl-tokenizer-") as tmp:
                root = Path(tmp)
                for name, data in payload["files"].items():
                    path = (root / name).resolve()
                    if root.resolve() not in path.parents:
                        raise InputError(f"tokenizer payload: file {name!r} lies outside its "
                                         "folder; send the output of tokenizer_payload()")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                tokenizer = cls.load(root)
            warm_up = getattr(tokenizer, "warm_up", None)
            if callable(warm_up):  # the JVM and tagger now, timed apart from the first shard
                warm_up()
                tokenizer.stats_.clear()
            entry = _TOKENIZERS[key] = (tokenizer, threading.Lock())
            _BUILT[key] += 1
            _TIMES["start"] += time.perf_counter() - started
    return entry


def _tokens(tokenizer: Any, texts: list[str], timeout: float | None, on_timeout: str,
            batch_size: int) -> list[list[str]]:
    if timeout is None:
        return tokenizer.tokenize_batch(texts)
    return list(tokenizer.pipe(texts, batch_size=batch_size, timeout=timeout,
                               on_timeout=on_timeout, quiet=True))


def _finish_tokens(token_lists: list[list[str]], options: dict[str, Any]) -> str:
    return "\n".join(" ".join(tokens) for tokens in token_lists)


def _finish_vocab(token_lists: list[list[str]], options: dict[str, Any]) -> tuple[dict, int]:
    counts: Counter[str] = Counter()
    n_sequences = 0
    for tokens in token_lists:
        if tokens or not options.get("skip_empty", True):
            counts.update(tokens)
            n_sequences += 1
    return dict(counts), n_sequences


def _finish_cooc(token_lists: list[list[str]], options: dict[str, Any]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs ``cooccurrence_matrix`` counts in these sentences, before ``C + C.T``.

    Tokens missing from ``key_to_index`` are dropped before windows are taken (as
    :func:`~hangul_dl.embeddings.base.ids_to_stream` drops them) and no window crosses a
    sentence (a line, or a literal ``eos`` token inside one), so a shard's pairs never depend
    on its neighbours: the sum over shards is the whole corpus's count.
    """
    index = options["key_to_index"]
    window = int(options["window"])
    weighting = bool(options.get("distance_weighting", False))
    eos = options.get("eos")
    rows_list, cols_list, vals_list = [], [], []
    for ids in _sentences(token_lists, index, eos):
        n = len(ids)
        if n < 2:
            continue
        arr = np.asarray(ids, dtype=np.int64)
        for d in range(1, min(window, n - 1) + 1):
            rows_list.append(arr[:-d])
            cols_list.append(arr[d:])
            vals_list.append(np.full(n - d, 1.0 / d if weighting else 1.0))
    if not rows_list:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(rows_list), np.concatenate(cols_list), np.concatenate(vals_list)


def _sentences(token_lists: list[list[str]], index: dict[str, int], eos: str | None):
    """Word rows per sentence: unknown tokens dropped; a literal ``eos`` token ends a sentence
    (in an encoded corpus it is the ``<eos>`` ID, which the local count splits on too)."""
    for tokens in token_lists:
        ids: list[int] = []
        for token in tokens:
            if token == eos:
                yield ids
                ids = []
            elif token in index:
                ids.append(index[token])
        yield ids


FINISHERS: dict[str, Callable[[list[list[str]], dict[str, Any]], Any]] = {
    "tokens": _finish_tokens, "vocab": _finish_vocab, "cooc": _finish_cooc}


def _merge_tokens(results: list[str]) -> str:
    return "\n".join(results)


def _merge_vocab(results: list[tuple[dict, int]]) -> tuple[dict, int]:
    counts: Counter[str] = Counter()
    for piece_counts, _ in results:
        counts.update(piece_counts)  # pieces in order: first-seen order is kept
    return dict(counts), sum(n for _, n in results)


def _merge_cooc(results: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.concatenate([r[k] for r in results]) for k in range(3))  # type: ignore


#: The result of a shard from the results of its pieces (consecutive lines, in order): the same
#: value as the finisher over the whole shard, so a shard cut into tasks writes the same bytes.
MERGERS: dict[str, Callable[[list[Any]], Any]] = {
    "tokens": _merge_tokens, "vocab": _merge_vocab, "cooc": _merge_cooc}


def split_lines(joined: str, n: int) -> list[list[str]]:
    """Token lists back from a ``"tokens"`` result of ``n`` lines (as text/workers.py does)."""
    if n == 0:
        return []
    lines = [line.split(" ") if line else [] for line in joined.split("\n")]
    if len(lines) != n:  # pragma: no cover - a token held a newline
        raise RuntimeError(f"a shard of {n} lines came back with {len(lines)}")
    return lines


def run_shard(kind: str, payload: dict[str, Any] | None, texts: list[str], timeout: float | None = None,
              on_timeout: str = "fallback", batch_size: int = 256,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, int]]:
    """The task of one shard (runs on a worker): ``(finished result, tokenizer counters)``.

    ``payload`` None: the lines are tokens already (split on whitespace, as ``vocab
    --tokenized`` reads them).
    ``options`` may be a Dask future of a dict (a scattered vocabulary); Dask resolves it first.
    """
    if timeout is not None and timeout > 0:
        import multiprocessing

        if multiprocessing.current_process().daemon:
            from ..errors import TokenizerError

            raise TokenizerError(
                "timeout= needs worker processes that may start child processes, but this Dask "
                "worker is a daemon; start the workers with DASK_DISTRIBUTED__WORKER__DAEMON="
                "False (or `dask worker --no-nanny`), or leave timeout unset")
    if payload is None:  # the lines are tokens already
        return FINISHERS[kind]([t.split() for t in texts], options or {}), {}
    tokenizer, lock = worker_tokenizer(payload)
    if timeout is None and getattr(tokenizer, "parallel_threads", False):
        # the worker's threads tag at once (Okt: one JVM for all of them), each with a copy
        # that has counters of its own
        tokenizer, lock = _thread_copy(tokenizer, payload["identity"]), contextlib.nullcontext()
    with lock, java_daemon_thread():
        started = time.perf_counter()
        before = dict(tokenizer.stats_)
        token_lists = _tokens(tokenizer, texts, timeout, on_timeout, batch_size)
        stats = {k: v - before.get(k, 0) for k, v in tokenizer.stats_.items()}
        tokenized = time.perf_counter()
        result = FINISHERS[kind](token_lists, options or {})
        finished = time.perf_counter()
    with _CACHE_LOCK:
        _TIMES["tokenize"] += tokenized - started
        _TIMES["finish"] += finished - tokenized
        _TIMES["tasks"] += 1
        _TIMES["lines"] += len(texts)
    return result, stats


def _thread_copy(tokenizer: Any, key: str) -> Any:
    """This thread's copy of the process's tokenizer ``key``: the same tagger, its own
    ``stats_``."""
    copies = vars(_LOCAL).setdefault("copies", {})
    mine = copies.get(key)
    if mine is None:
        mine = copies[key] = tokenizer._copy_for_thread()
    return mine
