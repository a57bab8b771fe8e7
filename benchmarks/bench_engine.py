"""Engine benchmark: layer forward+backward times (float32 vs float64) and the Embedding
scatter-add against ``np.add.at``.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_engine.py [--repeat 7]

Both sides of each comparison run in this one process, interleaved, and we report the minimum
and the median of the repeats (the machine is shared and noisy; the minimum is the least
disturbed run). BLAS is pinned to one thread unless the environment says otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from hangul_dl.nn.layers import Affine, Embedding, SoftmaxWithLoss


def timeit(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def fmt(times: list[float]) -> str:
    return f"min {min(times) * 1e3:8.2f} ms  median {statistics.median(times) * 1e3:8.2f} ms"


def layer_cases(dtype: type, rng: np.random.Generator) -> dict[str, Callable[[], object]]:
    N, D, H, V = 20 * 35, 650, 650, 10_000  # a BetterRnnlm-sized batch (N*T rows)
    x = rng.standard_normal((N, D)).astype(dtype)
    affine = Affine((rng.standard_normal((D, H)) * 0.01).astype(dtype), np.zeros(H, dtype))
    dy = rng.standard_normal((N, H)).astype(dtype)

    embed = Embedding((rng.standard_normal((V, D)) * 0.01).astype(dtype))
    ids = rng.integers(0, V, size=(20, 35))
    de = rng.standard_normal((20, 35, D)).astype(dtype)

    loss = SoftmaxWithLoss()
    scores = rng.standard_normal((20, 35, V)).astype(dtype)
    targets = rng.integers(0, V, size=(20, 35))

    def run_affine():
        affine.forward(x)
        affine.backward(dy)

    def run_embed():
        embed.forward(ids)
        embed.backward(de)

    def run_loss():
        loss.forward(scores, targets)
        loss.backward()

    return {f"Affine ({N}x{D} @ {D}x{H})": run_affine,
            f"Embedding (V={V}, D={D}, 20x35 ids)": run_embed,
            f"SoftmaxWithLoss (20x35x{V})": run_loss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"repeat={args.repeat}\n")

    print("1. forward + backward per layer, float32 vs float64")
    cases32 = layer_cases(np.float32, rng)
    cases64 = layer_cases(np.float64, rng)
    for name in cases32:
        t32 = timeit(cases32[name], args.repeat)
        t64 = timeit(cases64[name], args.repeat)
        print(f"  {name}")
        print(f"    float32: {fmt(t32)}")
        print(f"    float64: {fmt(t64)}   float64/float32 = {min(t64) / min(t32):.2f}x")

    print("\n2. Embedding backward scatter-add, V=10,000, N=100,000, D=100 (float32, Zipfian IDs)")
    V, N, D = 10_000, 100_000, 100
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=N, p=p / p.sum())
    dout = rng.standard_normal((N, D)).astype(np.float32)
    layer = Embedding(np.zeros((V, D), np.float32))
    layer.forward(ids)

    def ours():
        layer.backward(dout)

    def add_at():
        dW = layer.grads[0]
        dW[...] = 0
        np.add.at(dW, ids, dout)

    ours_t, addat_t = [], []
    for _ in range(args.repeat):  # interleaved, so both sides see the same machine load
        ours_t += timeit(ours, 1)
        addat_t += timeit(add_at, 1)
    expected = np.zeros((V, D), np.float32)
    np.add.at(expected, ids, dout)
    ours()
    identical = np.array_equal(layer.grads[0], expected)
    print(f"  np.add.at : {fmt(addat_t)}")
    print(f"  ours      : {fmt(ours_t)}")
    print(f"  speed-up  : {min(addat_t) / min(ours_t):.1f}x (min), "
          f"{statistics.median(addat_t) / statistics.median(ours_t):.1f}x (median); "
          f"bit-identical result: {identical}")


if __name__ == "__main__":
    main()
