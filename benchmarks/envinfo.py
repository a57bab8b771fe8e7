"""What the benchmark headers print about the machine: the BLAS library and kernel in use."""

from __future__ import annotations


def blas_header() -> str:
    """``BLAS: openblas 0.3.x Haswell threads=1``: threadpoolctl's view of every BLAS loaded.

    The kernel OpenBLAS picked (Haswell, SkylakeX, ...) decides the speed of every matmul, so a
    ratio against PyTorch or gensim is only comparable between runs with the same one.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: (pip install threadpoolctl to see which library and kernel run)"
    libs = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '?')} "
            f"threads={i.get('num_threads')} ({i.get('filepath', '').rsplit('/', 1)[-1]})"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    return "BLAS: " + ("; ".join(libs) if libs else "none loaded yet")


def torch_header() -> str:
    """PyTorch's CPU kernels: its BLAS (MKL in the CPU wheels), oneDNN, and the SIMD level."""
    import torch

    blas = "MKL" if torch.backends.mkl.is_available() else "its own BLAS"
    onednn = "oneDNN on" if torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled \
        else "oneDNN off"
    return (f"PyTorch {torch.__version__}: {blas}, {onednn}, CPU capability "
            f"{torch.backends.cpu.get_cpu_capability()}, threads={torch.get_num_threads()}")
