"""Shared fixtures. Tests run against the *installed* package, not the source tree.

``python -m pytest`` puts the current directory first on ``sys.path``; we take the repository
root off again so that ``import hangul_dl`` finds what ``pip install`` installed (an editable
install still works: it maps the package through its own finder, not through ``sys.path``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# One BLAS thread unless the caller chose otherwise: on a busy 2-core machine OpenBLAS's spinning
# threads made small-matrix tests over 10× slower (date fixture 70 s vs 5.5 s). Set before numpy
# loads; results do not depend on it.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or os.getcwd()).resolve() != ROOT]

try:
    import hangul_dl  # noqa: F401
except ImportError as exc:  # pragma: no cover - a set-up problem, not a test failure
    raise pytest.UsageError(
        f"hangul_dl is not installed ({exc}); run: python -m pip install '.[dev]'") from None

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def token_cache(tmp_path_factory) -> Path:
    """The token cache of this test session ($HANGUL_DL_CACHE, inherited by subprocesses), not
    the user's ~/.cache/hangul_dl: no test reads what an earlier session left there. The xdist
    workers share it (content-addressed, written atomically)."""
    base = tmp_path_factory.getbasetemp()
    cache = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "token-cache"
    cache.mkdir(exist_ok=True)
    previous = os.environ.get("HANGUL_DL_CACHE")
    os.environ["HANGUL_DL_CACHE"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("HANGUL_DL_CACHE", None)
    else:
        os.environ["HANGUL_DL_CACHE"] = previous


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(0)


def _cupy_ready() -> bool:
    from hangul_dl.backend import cupy_available

    return cupy_available()


#: Modules whose tests are spread over the workers one by one (each README example group is a
#: fresh process of its own); every other module runs whole on one worker.
SPREAD = {"test_readme"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``gpu`` where CuPy or CUDA is missing; keep each module on one xdist
    worker; start the modules that hold slow tests first.

    One worker per module: a module's expensive fixtures (a trained translator, a Kkma tagger,
    a JVM warmed up with Okt) are then built once, not once per worker. Slow modules first:
    the short ones then fill in at the end, so both workers finish at about the same time.
    """
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if gpu_items and not _cupy_ready():
        skip = pytest.mark.skip(reason='needs CuPy and a CUDA device (python -m pip install ".[gpu]")')
        for item in gpu_items:
            item.add_marker(skip)
    first: dict[str, int] = {}
    slow: set[str] = set()
    for k, item in enumerate(items):
        module = item.path.stem
        first.setdefault(module, k)
        if item.get_closest_marker("slow"):
            slow.add(module)
        if module not in SPREAD and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(module))
    items.sort(key=lambda item: (item.path.stem not in SPREAD, item.path.stem not in slow,
                                 first[item.path.stem]))  # stable: a module keeps its order


# -- CPU time per test (a development aid) ----------------------------------------------------
# HANGUL_DL_TEST_CPU=FILE appends "seconds<TAB>test id" per test: user + system CPU of this
# process, of the subprocesses the test waited for, and of the README kernel for its groups.
# On a shared machine wall-clock durations (--durations) measure the neighbours; CPU time
# measures the test.
if os.environ.get("HANGUL_DL_TEST_CPU"):
    import resource

    def _cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        start = _cpu()
        yield
        # the share of a long-lived helper process (the README kernel) that the test reported
        elsewhere = sum(v for k, v in item.user_properties if k == "cpu_elsewhere")
        elsewhere -= vars(item.config).pop("cpu_counted_already", 0.0)
        with open(os.environ["HANGUL_DL_TEST_CPU"], "a", encoding="utf-8") as out:
            out.write(f"{_cpu() - start + elsewhere:.2f}\t{item.nodeid}\n")
