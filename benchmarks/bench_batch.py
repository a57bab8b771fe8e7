"""Batch tokenization benchmark: the cost of shards, records and resume over a plain pipe().

Run (one benchmark at a time on a shared machine; single-threaded BLAS)::

    flock /tmp/bench.lock env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        python benchmarks/bench_batch.py            # --quick: about a minute

Rows (each timed ``--repeat`` times back to back in this process; min and median, and the
ratio of the minima):

- *overhead*: ``TokenizeJob(...).run()`` (sharded, hashed, records, assembled ``tokens.txt``)
  against the peer ``atomic_open`` + ``Tokenizer.pipe`` writing the same file in one go, for
  the char tokenizer (cheap tokens: the bookkeeping is most visible) and Okt;
- *resume*: a second run that finds every shard finished, against a first run;
- *jobs*: Okt with ``n_jobs=2`` against ``n_jobs=1``, and the job against a plain
  ``pipe(n_jobs=2)`` (warm workers: the tokenizer instance keeps its pool between runs; the
  first, cold run is not timed). Parallel speed-ups need idle cores: on a machine busy with
  other work, ``n_jobs=2`` can be slower than one process.

Input: the lines of the embedded corpus (KoNLPy's kolaw + kobill), repeated to ``--lines``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hangul_dl.batch import TokenizeJob
from hangul_dl.io import atomic_open
from hangul_dl.text.corpus import TextCorpus, embedded_corpus
from hangul_dl.text.tokenizers import get_tokenizer


def _pair(ours, peer, repeat: int, setup=None) -> tuple[list[float], list[float]]:
    """Time ``ours`` and ``peer`` alternately, ``repeat`` times each (``setup`` before each pair)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        if setup is not None:
            setup()
        for fn, out in ((ours, times[0]), (peer, times[1])):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return times


def _row(name: str, ours: list[float], peer: list[float], n: int) -> None:
    print(f"{name:<42} {min(ours):>8.3f} {statistics.median(ours):>8.3f} "
          f"{min(peer):>8.3f} {statistics.median(peer):>8.3f} {min(ours) / min(peer):>7.2f}"
          f"  {n / min(ours):>9,.0f}")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=20_000, help="input lines (char tokenizer)")
    ap.add_argument("--okt-lines", type=int, default=4_000, help="input lines for Okt")
    ap.add_argument("--shard-lines", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.lines, args.okt_lines, args.repeat = 5_000, 1_000, 2

    base = list(embedded_corpus(unit="line"))
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch."))
    try:
        def corpus(n: int) -> Path:
            path = tmp / f"in{n}.txt"
            lines = (base * (n // len(base) + 1))[:n]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return path

        big, small = corpus(args.lines), corpus(args.okt_lines)
        print(f"{args.lines:,} lines (char), {args.okt_lines:,} lines (Okt), shards of "
              f"{args.shard_lines:,}; {os.cpu_count()} CPUs; python {sys.version.split()[0]}\n")
        print(f"{'seconds':<42} {'ours':>8} {'median':>8} {'peer':>8} {'median':>8} {'ratio':>7}"
              f"  {'lines/s':>9}")

        def job(src: Path, out: Path, tok, n_jobs: int = 1):
            return lambda: TokenizeJob(src, out, tokenizer=tok, shard_lines=args.shard_lines,
                                       n_jobs=n_jobs, quiet=True).run()

        def plain(src: Path, out: Path, tok):
            def run():
                with atomic_open(out, "w") as f:
                    for tokens in tok.pipe(TextCorpus(src, skip_empty=False, strip=False),
                                           quiet=True):
                        f.write(" ".join(tokens) + "\n")
            return run

        def clean():
            for name in ("job", "j1", "j2"):
                shutil.rmtree(tmp / name, ignore_errors=True)

        for name, src, tok in (("char", big, get_tokenizer("char")),
                               ("okt", small, get_tokenizer("okt"))):
            n = args.lines if name == "char" else args.okt_lines
            plain(src, tmp / "plain.txt", tok)()  # warm-up (Okt's JIT)
            ours, peer = _pair(job(src, tmp / "job", tok), plain(src, tmp / "plain.txt", tok),
                               args.repeat, setup=clean)
            assert (tmp / "job" / "tokens.txt").read_bytes() == (tmp / "plain.txt").read_bytes()
            _row(f"overhead {name}: job vs pipe+write", ours, peer, n)
            resumed, first = _pair(job(src, tmp / "job", tok), job(src, tmp / "j1", tok),
                                   args.repeat, setup=lambda: shutil.rmtree(tmp / "j1", True))
            _row(f"resume {name}: all shards done vs first run", resumed, first, n)
            clean()

        okt = get_tokenizer("okt")
        job(small, tmp / "j2", okt, 2)()  # cold: spawn the workers, start and warm their JVMs
        job(small, tmp / "j1", okt, 1)()
        two, one = _pair(job(small, tmp / "j2", okt, 2), job(small, tmp / "j1", okt, 1),
                         args.repeat, setup=clean)
        assert (tmp / "j1" / "tokens.txt").read_bytes() == (tmp / "j2" / "tokens.txt").read_bytes()
        _row("jobs okt: n_jobs=2 vs n_jobs=1", two, one, args.okt_lines)

        def plain2():
            with atomic_open(tmp / "plain2.txt", "w") as f:
                for tokens in okt.pipe(TextCorpus(small, skip_empty=False, strip=False), n_jobs=2,
                                       quiet=True):
                    f.write(" ".join(tokens) + "\n")

        two, peer = _pair(job(small, tmp / "j2", okt, 2), plain2, args.repeat, setup=clean)
        assert (tmp / "plain2.txt").read_bytes() == (tmp / "j2" / "tokens.txt").read_bytes()
        _row("overhead okt, n_jobs=2: job vs pipe+write", two, peer, args.okt_lines)
        okt.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
