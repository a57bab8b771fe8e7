"""How many BLAS threads NumPy may use, chosen per workload (threadpoolctl).

OpenBLAS starts one thread per core and lets idle threads spin. On a quiet machine a second
thread makes a large matrix product up to twice as fast; on a machine whose cores are busy with
other jobs the spinning threads fight them and every product gets much slower. Measured on a
2-core machine (float32 products, microseconds per product, 1 thread vs 2 threads)::

    product                quiet: 1 / 2 threads     both cores busy: 1 / 2 threads
    20×100 @ 100×400           40 / 32                  173 / 2471    (14× slower)
    128×256 @ 256×1024        840 / 529                3761 / 15657   (4× slower)
    512×512 @ 512×2048      13145 / 8440              42616 / 102726  (2.4× slower)

(3 LSTM epochs: 42-47 s with OpenBLAS's default threads, 11.8 s with one.) More threads win
little when they win and lose a lot when they lose, so the rule is: **one thread, unless the
workload's products are large** (:data:`LARGE_GEMM_FLOPS` floating-point operations or more
each) **and the load average leaves at least two cores free**; then as many threads as free
cores. Small products never get a second thread, so a busy machine cannot make them slower than
one thread; large ones get more only when the load average says the cores are idle.

Overrides, strongest first: an explicit ``threads`` argument (``hangul-dl --threads N``), the
environment variable ``HANGUL_DL_THREADS`` (a number, or ``auto``), then the rule above.

From Python::

    from hangul_dl.threads import blas_threads
    with blas_threads(1):                 # or blas_threads() for the automatic rule
        lm.fit(sentences)

The context manager limits the BLAS libraries already loaded when it is entered (NumPy's is);
:func:`set_blas_threads` also sets ``OPENBLAS_NUM_THREADS`` and friends for libraries loaded
later and for worker processes, as the command line does.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import numpy  # noqa: F401  (loads NumPy's BLAS, so that threadpoolctl can see and limit it)
from threadpoolctl import threadpool_limits

from .errors import InputError

__all__ = ["ENV", "LARGE_GEMM_FLOPS", "auto_threads", "available_cores", "blas_threads",
           "choose_threads", "free_cores", "gemm_flops", "parse_threads", "set_blas_threads"]

log = logging.getLogger(__name__)

#: The environment variable that overrides the automatic choice (a number ≥ 1, or ``auto``).
ENV = "HANGUL_DL_THREADS"

#: Floating-point operations of one matrix product from which a second thread is worth having on
#: an idle machine (2·128·256·1024 ≈ 6.7e7: an LSTM step with batch 128 and hidden size 256).
LARGE_GEMM_FLOPS = 5e7

_ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def gemm_flops(m: int, k: int, n: int) -> float:
    """Floating-point operations of one ``(m, k) @ (k, n)`` product."""
    return 2.0 * m * k * n


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def free_cores() -> float:
    """Cores the 1-minute load average leaves free (0 where the system has no load average)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows: assume busy, i.e. one thread
        return 0.0
    return max(0.0, available_cores() - load)


def auto_threads(flops: float | None = None) -> int:
    """The automatic rule: one thread unless each product of the workload takes ``flops`` ≥
    :data:`LARGE_GEMM_FLOPS` and at least two cores are free; then one per free core."""
    if flops is None or flops < LARGE_GEMM_FLOPS:
        return 1
    free = int(free_cores())
    return min(available_cores(), free) if free >= 2 else 1


def parse_threads(value: int | str | None, source: str = "--threads") -> int | None:
    """A thread count from a flag or the environment: ``None``, ``""`` or ``"auto"`` mean the
    automatic rule (``None`` is returned); anything else must be a whole number ≥ 1."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return None
    try:
        n = int(value) if isinstance(value, (int, str)) else 0
    except ValueError:
        n = 0
    if n < 1 or isinstance(value, bool):
        raise InputError(f"{source}={value!r}: expected a whole number of threads ≥ 1, or 'auto'")
    return n


def choose_threads(threads: int | str | None = None, flops: float | None = None) -> int:
    """The thread count to use: ``threads`` if given, else ``$HANGUL_DL_THREADS``, else
    :func:`auto_threads` for a workload whose products take ``flops`` each."""
    n = parse_threads(threads)
    if n is None:
        n = parse_threads(os.environ.get(ENV), ENV)
    return auto_threads(flops) if n is None else n


@contextlib.contextmanager
def blas_threads(threads: int | str | None = None, flops: float | None = None) -> Iterator[int]:
    """Limit the loaded BLAS libraries to :func:`choose_threads` threads inside the block;
    yields the count. The previous limits come back on exit."""
    n = choose_threads(threads, flops)
    with threadpool_limits(limits=n, user_api="blas"):
        log.debug("BLAS threads: %d", n)
        yield n


def set_blas_threads(threads: int | str | None = None, flops: float | None = None) -> int:
    """Set the BLAS thread count for the rest of the process (the command line's choice):
    the loaded libraries through threadpoolctl, libraries loaded later and worker processes
    through ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS``. Returns the count."""
    n = choose_threads(threads, flops)
    for var in _ENV_VARS:
        os.environ[var] = str(n)
    threadpool_limits(limits=n, user_api="blas")
    log.debug("BLAS threads: %d", n)
    return n
