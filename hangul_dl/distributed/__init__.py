"""Scale-out on Dask: the batch jobs' shards tokenized and counted on a cluster (issue 14).

The same API and the same bytes as on one machine. :func:`where` names where work runs —
``"local"`` (``--jobs N``), ``"local:N"`` (a Dask cluster of N worker processes started here),
``"tcp://HOST:PORT"`` (an existing cluster) — and returns an executor with one set of methods:

- ``tokenize_shards(tokenizer, shards)``: the hook of :class:`~hangul_dl.batch.TokenizeJob`
  (``TokenizeJob(..., executor=ex)``): output byte-identical to the local job, resumable from
  its shard records, a killed worker costing only its shards;
- ``pipe(tokenizer, texts)``: token lists in input order (for ``hangul-dl tokenize``);
- ``map_shards(kind, tokenizer, shards)``: what :func:`count_vocabulary` and
  :func:`count_cooccurrence` (map per shard, reduce by summing) run.

The text of each shard is sent to the workers (they need not share the client's disk), each
worker process builds its tokenizer (and JVM) once and keeps it, and the client writes every
output. Dask is an optional extra: ``python -m pip install ".[dask]"``.

The command line names the same places with ``--jobs N`` / ``--scheduler ADDRESS|local:N``
(``hangul_dl.cli.common.where_options``), recipes with ``[run] scheduler``/``jobs``; within
``with where(...) as ex, tokenizing_on(ex):`` (:func:`hangul_dl.text.workers.tokenizing_on`)
every encoder, token cache and pipeline tokenizer step tokenizes on ``ex``.
"""

from __future__ import annotations

from .cluster import INSTALL_HINT, DaskExecutor
from .counting import as_shards, count_cooccurrence, count_vocabulary
from .where import LocalExecutor, where

__all__ = ["INSTALL_HINT", "DaskExecutor", "LocalExecutor", "as_shards", "count_cooccurrence",
           "count_vocabulary", "where"]
