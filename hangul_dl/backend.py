"""Array backend: NumPy on the CPU, CuPy on a GPU, one code path for both.

Layers never import CuPy. They ask the data which module to use (Chainer's idiom)::

    xp = get_array_module(x)
    y = xp.tanh(x)

and models move with ``model.to_gpu()`` / ``model.to_cpu()``. This module is the only place
that imports CuPy, and it does so lazily: importing hangul_dl never touches the GPU.

The device is chosen by argument (``"cpu"``, ``"gpu"``, ``"auto"``) or, when no argument is
given, by the environment variable ``HANGUL_DL_DEVICE`` (default ``cpu``). Randomness is always
an explicit, seeded :class:`numpy.random.Generator`; nothing uses the global ``np.random`` state.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

import numpy as np

from .errors import BackendError

__all__ = [
    "DEFAULT_DTYPE",
    "GPU_INSTALL_HINT",
    "as_generator",
    "cupy_available",
    "get_array_module",
    "get_xp",
    "is_gpu_array",
    "resolve_device",
    "segment_sum",
    "solve_triangular",
    "sparse_module",
    "sparse_svds",
    "to_cpu",
    "to_device",
    "to_gpu",
    "xp_generator",
]

DEFAULT_DTYPE = np.float32
GPU_INSTALL_HINT = ('python -m pip install ".[gpu]" from the hangul_dl checkout (installs '
                    'cupy-cuda12x; needs an NVIDIA GPU and CUDA 12)')
_DEVICES = ("cpu", "gpu", "auto")


def _import_cupy() -> ModuleType:
    """Import CuPy and check that a CUDA device answers; raise one clear error otherwise."""
    try:
        import cupy
    except ImportError as exc:
        raise BackendError(
            f"A GPU was requested but CuPy is not installed ({exc}). Install it with "
            f"{GPU_INSTALL_HINT}, or run on the CPU (--device cpu, HANGUL_DL_DEVICE=cpu)."
        ) from None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device found")
    except Exception as exc:  # CUDA driver errors have many types
        raise BackendError(
            f"A GPU was requested but CUDA is unusable: {exc}. "
            "Check the NVIDIA driver, or run on the CPU with --device cpu."
        ) from None
    return cupy


def cupy_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        _import_cupy()
    except BackendError:
        return False
    return True


def resolve_device(device: str | None = None) -> str:
    """Return ``"cpu"`` or ``"gpu"`` for an argument, falling back to ``HANGUL_DL_DEVICE``.

    ``"auto"`` picks the GPU when CuPy and CUDA work, else the CPU. ``"gpu"`` without CuPy raises
    :class:`BackendError` with the install command.
    """
    source = "argument"
    if device is None:
        device, source = os.environ.get("HANGUL_DL_DEVICE", "cpu"), "HANGUL_DL_DEVICE"
    name = str(device).strip().lower()
    if name == "cuda":
        name = "gpu"
    if name not in _DEVICES:
        raise BackendError(
            f"Unknown device {device!r} (from {source}); expected one of {', '.join(_DEVICES)}."
        )
    if name == "auto":
        return "gpu" if cupy_available() else "cpu"
    if name == "gpu":
        _import_cupy()
    return name


def get_xp(device: str | None = None) -> ModuleType:
    """The array module (numpy or cupy) for a device name."""
    return _import_cupy() if resolve_device(device) == "gpu" else np


def is_gpu_array(x: Any) -> bool:
    """True for a CuPy array, checked without importing CuPy."""
    return type(x).__module__.split(".")[0] == "cupy"


def get_array_module(*arrays: Any) -> ModuleType:
    """numpy, or cupy when any argument is a CuPy array (never imports CuPy otherwise)."""
    for x in arrays:
        if is_gpu_array(x):
            return sys.modules["cupy"]
    return np


def to_cpu(x: Any) -> Any:
    """A NumPy copy of a CuPy array; NumPy arrays and other objects are returned as they are."""
    return x.get() if is_gpu_array(x) else x


def to_gpu(x: Any) -> Any:
    """A CuPy copy of a NumPy array (CuPy arrays pass through); needs CuPy and CUDA."""
    if is_gpu_array(x):
        return x
    return _import_cupy().asarray(x)


def to_device(x: Any, device: str) -> Any:
    """Move ``x`` to ``"cpu"`` or ``"gpu"``."""
    return to_gpu(x) if resolve_device(device) == "gpu" else to_cpu(x)


def as_generator(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from a seed, or the generator itself when given one."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def xp_generator(rng: np.random.Generator, xp: ModuleType) -> Any:
    """A generator on ``xp``'s device seeded from ``rng`` (``rng`` itself for NumPy).

    Drawing on the GPU avoids copying large random masks from host to device; the seed still
    comes from the one explicit host generator, so runs stay reproducible.
    """
    if xp is np:
        return rng
    return xp.random.default_rng(int(rng.integers(2**63 - 1)))


def segment_sum(indices: Any, values: Any, n_rows: int) -> Any:
    """Sum rows of ``values`` that share an index: ``out[i] = values[indices == i].sum(0)``.

    ``indices`` has shape (N,), ``values`` (N, D), the result (n_rows, D). This is the scatter-add
    behind every embedding gradient. On the CPU a sparse one-hot matrix product does it several
    times faster than ``np.add.at`` with bit-identical sums (rows are added in input order); on
    the GPU ``add.at`` is an atomic scatter and already fast.
    """
    xp = get_array_module(values)
    indices = indices.ravel()
    values = values.reshape(indices.shape[0], -1)
    if xp is np:
        import scipy.sparse as sp

        n = indices.shape[0]
        onehot = sp.csr_matrix(
            (np.ones(n, dtype=values.dtype), (indices, np.arange(n))), shape=(n_rows, n)
        )
        return np.asarray(onehot @ values)
    out = xp.zeros((n_rows, values.shape[1]), dtype=values.dtype)
    xp.add.at(out, indices, values)
    return out


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Any:
    """``a⁻¹ b`` for a triangular ``a`` (n, n) and ``b`` (n, k), NumPy or CuPy.

    Use this instead of ``xp.linalg.inv``/``solve`` on triangular factors: besides being cheaper,
    it avoids OpenBLAS's threaded LU (``getrf``), which crashes the process when a JVM (KoNLPy)
    runs in it.
    """
    if get_array_module(a) is np:
        import scipy.linalg

        return scipy.linalg.solve_triangular(a, b, lower=lower, check_finite=False)
    import cupyx.scipy.linalg

    return cupyx.scipy.linalg.solve_triangular(a, b, lower=lower)


def sparse_module(xp: ModuleType) -> ModuleType:
    """``scipy.sparse`` for NumPy, ``cupyx.scipy.sparse`` for CuPy (CuPy is loaded already when
    ``xp`` is CuPy; this only reaches its sparse companion)."""
    if xp is np:
        import scipy.sparse

        return scipy.sparse
    import cupyx.scipy.sparse

    return cupyx.scipy.sparse


def sparse_svds(M: Any, k: int) -> tuple[Any, Any, Any]:
    """``svds(M, k)`` of a CuPy sparse matrix (``cupyx.scipy.sparse.linalg``); SciPy's for others."""
    if get_array_module(M.data if hasattr(M, "indptr") else M) is np:
        from scipy.sparse.linalg import svds
    else:
        from cupyx.scipy.sparse.linalg import svds
    return svds(M, k=k)
