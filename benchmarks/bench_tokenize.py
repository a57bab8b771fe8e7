"""Tokenizer benchmark: speed per backend, n_jobs=2 vs 1, cache hit vs miss, streaming memory.

Run (single-threaded BLAS, as the numbers in the report were taken)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_tokenize.py            # full
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_tokenize.py --quick    # about a minute

Input: sentences from ``zipf_korean_corpus`` (Korean-looking, ~54 characters each).
Timings are repeated ``--repeat`` times; the table shows min and median. Okt's ``n_jobs=2``
tags on two threads of this process (one JVM, already warm here: the first call includes only
starting the threads); a JVM started cold, per configuration, is ``bench_cluster.py``'s
comparison. Peak memory is the process
RSS high-water mark (``resource.getrusage``) while streaming a generated file of ``--mb``
megabytes line by line through CharTokenizer (all of it) and Okt (the first ``--okt-lines``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from hangul_dl.datasets import zipf_korean_corpus
from hangul_dl.text.cache import cached_tokenize
from hangul_dl.text.tokenizers import get_tokenizer


def _timeit(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _row(name: str, n: int, times: list[float], unit: str = "sent/s") -> None:
    best, med = min(times), statistics.median(times)
    print(f"{name:<34} {n:>8,} {n / best:>12,.0f} {n / med:>12,.0f}  {unit}")


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM on Linux (ru_maxrss survives exec, so a child
    started by a big parent would report the parent's peak), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    ap.add_argument("--sentences", type=int, default=20_000, help="for the n_jobs comparison")
    ap.add_argument("--per-backend", type=int, default=2_000, help="sentences per backend")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mb", type=float, default=100.0, help="size of the streamed file")
    ap.add_argument("--okt-lines", type=int, default=50_000, help="lines of it through Okt")
    args = ap.parse_args(argv)
    if args.quick:
        args.sentences, args.per_backend, args.repeat = 4_000, 300, 1
        args.mb, args.okt_lines = 10.0, 5_000

    data = list(zipf_korean_corpus(n_tokens=args.sentences * 13, seed=0))[:args.sentences]
    print(f"{len(data):,} sentences, {sum(map(len, data)) / len(data):.1f} chars each; "
          f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}\n")
    print(f"{'single process':<34} {'n':>8} {'min-time':>12} {'median':>12}")
    sub = data[:args.per_backend]
    for name in ["char", "jamo", "whitespace", "okt", "okt:pos=true", "komoran", "hannanum",
                 "kkma"]:
        tok = get_tokenizer(name)
        n = len(sub) if name != "kkma" else max(50, len(sub) // 10)
        tok.tokenize_batch(sub[:50])  # start the JVM / tagger, warm the JIT a little
        _row(name, n, _timeit(lambda tok=tok, n=n: tok.tokenize_batch(sub[:n]), args.repeat))

    print(f"\n{'okt, n_jobs':<34} {'n':>8} {'min-time':>12} {'median':>12}")
    okt = get_tokenizer("okt")
    okt.tokenize_batch(data[:2000])  # warm the in-process JIT
    t1 = _timeit(lambda: list(okt.pipe(data, n_jobs=1, quiet=True)), args.repeat)
    _row("n_jobs=1 (in process)", len(data), t1)
    pool_tok = get_tokenizer("okt")
    t0 = time.perf_counter()
    list(pool_tok.pipe(data, n_jobs=2, quiet=True))
    cold = time.perf_counter() - t0
    _row("n_jobs=2 first call (2 threads)", len(data), [cold])
    t2 = _timeit(lambda: list(pool_tok.pipe(data, n_jobs=2, quiet=True)), args.repeat)
    _row("n_jobs=2 again", len(data), t2)
    pool_tok.close()
    print(f"speed-up n_jobs=2/1: warm {min(t1) / min(t2):.2f}x (median "
          f"{statistics.median(t1) / statistics.median(t2):.2f}x), first call "
          f"{min(t1) / cold:.2f}x")

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        lines = data[:5000]
        t0 = time.perf_counter()
        cached_tokenize(lines, okt, cache_dir=cache)
        miss = time.perf_counter() - t0
        hit = _timeit(lambda: cached_tokenize(lines, okt, cache_dir=cache), args.repeat)
        print(f"\n{'cache (okt)':<34} {'n':>8} {'min-time':>12} {'median':>12}")
        _row("miss (tokenize + write)", len(lines), [miss])
        _row("hit (hash + read)", len(lines), hit)
        print(f"cache hit is {miss / min(hit):.0f}x faster than a miss")

        path = Path(tmp) / "corpus.txt"
        target = int(args.mb * 1024 * 1024)
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as f:
            written = 0
            for sentence in zipf_korean_corpus(n_tokens=10**9, seed=1):
                f.write(sentence + "\n")
                written += len(sentence.encode("utf-8")) + 1
                if written >= target:
                    break
        print(f"\nstreaming {written / 2**20:.0f} MB file (written in "
              f"{time.perf_counter() - t0:.0f} s), each tokenizer in a fresh process:")
        for name, limit in (("char", 0), ("okt", args.okt_lines)):
            # a fresh process, so that its RSS high-water mark is the streaming's alone
            out = subprocess.run([sys.executable, __file__, "--stream", str(path), name,
                                  str(limit)], capture_output=True, text=True, check=True)
            print(out.stdout.rstrip())


def _stream(path: str, name: str, limit: int) -> None:
    """Stream ``path`` line by line through tokenizer ``name`` (``limit`` lines, 0 = all)."""
    tok = get_tokenizer(name)
    rss0 = _peak_rss_mb()
    t0, n_lines, n_tokens = time.perf_counter(), 0, 0
    with open(path, encoding="utf-8") as f:
        source = (line for i, line in enumerate(f) if not limit or i < limit)
        for tokens in tok.pipe(source, quiet=True):
            n_lines += 1
            n_tokens += len(tokens)
    dt = time.perf_counter() - t0
    print(f"  {name:<6} {n_lines:>10,} lines {n_tokens:>12,} tokens {dt:8.1f} s "
          f"{n_lines / dt:>10,.0f} lines/s  peak RSS {_peak_rss_mb():.0f} MB "
          f"(at start {rss0:.0f} MB)")

if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--stream":
        _stream(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
