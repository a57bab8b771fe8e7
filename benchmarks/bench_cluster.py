"""Scale-out benchmark (issue 14): Okt on N review-like sentences, one machine vs Dask.

Four ways to run the same ``TokenizeJob`` (the output files are compared: they must be the
same bytes)::

    jobs1      TokenizeJob(n_jobs=1)                   the JVM in this process
    jobs2      TokenizeJob(n_jobs=2)                   2 threads of this process, one JVM (Okt)
    local:2    where("local:2")                        a local Dask cluster of 2 processes
    dask-cli   `dask scheduler` + 2 × `dask worker --nthreads 1` on 127.0.0.1 (already running)
    dask-threads  `dask scheduler` + 1 × `dask worker --nthreads 2`: one JVM, two task threads

Each configuration runs in a fresh Python process, so the **first call is included**: the JVM
start of every worker (and, for local:2, starting the cluster; for dask-cli the cluster's own
start is timed separately, as an administrator starts it once for many jobs). A second, *warm*
run in the same process (workers kept) gives the steady-state throughput per worker that the
capacity plan extrapolates from. ``overhead`` is the round trip of one tiny task (whitespace
tokenizer, one line per shard) on the warm Dask cluster: the per-shard cost that sets the
smallest useful shard.

After the table, the **CPU breakdown** of the cold run (Linux ``/proc``), per worker process:
the thread that tokenizes, the JVM's JIT compilers, Java's GC, JPype's reference queue (which
runs Python's collector after every Java collection), Dask's event loop, and the client's own
CPU; then each Dask worker's task phases (``hangul_dl.distributed.tasks.task_timings``: JVM and
tagger start, tokenizing, joining the lines). On 2 cores a 2-worker run is bound by the sum of
its workers' CPU, while ``jobs1`` runs its JIT and GC threads on the otherwise idle second core:
the breakdown shows how much of each worker is that start-up cost, and CPU seconds move less
than wall seconds when other work shares the machine (the load is printed beside every run).

The corpus is ``--corpus sentiment`` (default: the short, noisy movie reviews of
:func:`hangul_dl.classify.data.sentiment_reviews`, the realistic shape) or ``reviews`` (the
clause generator below). ``--repeats R`` runs each configuration R times, each in a fresh
process, and reports the minimum and the median.

Run::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_cluster.py             # 40,000 sentences
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_cluster.py --n 5000 --repeats 3 \
        --configs jobs1,jobs2,local:2                                      # a loaded machine
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

CONFIGS = ("jobs1", "jobs2", "local:2", "dask-cli", "dask-threads")

_SUBJECTS = ["영화", "배우 연기", "스토리", "음악", "결말", "감독 연출", "영상미", "대사", "주인공",
             "액션 장면", "반전", "캐릭터", "분위기", "초반", "후반부", "OST"]
_PARTICLES = ["가", "는", "도", "이", "은", "만"]
_ADVERBS = ["정말", "진짜", "너무", "완전", "좀", "꽤", "생각보다", "역시", "그냥", "엄청"]
_PREDICATES = ["재밌어요", "지루했다", "최고였음", "별로네요", "감동적이었어요", "뻔하다",
               "괜찮았습니다", "아쉬웠어요", "좋았다", "실망이에요", "대박", "어색했음",
               "기대 이상이었다", "이해가 안 됨", "다시 보고 싶다", "시간 아깝다"]
_TAILS = ["ㅋㅋ", "ㅋㅋㅋ", "ㅠㅠ", "ㅎㅎ", "!!", "...", "👍", "😂", "강추합니다", "비추",
          "10점 만점에 8점", "두 번 봤어요", "친구랑 봤는데", ""]


def reviews(n: int, seed: int = 0) -> list[str]:
    """``n`` short movie-review-like sentences (1-3 clauses, slang, emoji, numbers)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        clauses = []
        for _ in range(int(rng.integers(1, 4))):
            subject = _SUBJECTS[rng.integers(len(_SUBJECTS))]
            particle = "" if subject[-1].isascii() else _PARTICLES[rng.integers(len(_PARTICLES))]
            clauses.append(f"{subject}{particle} {_ADVERBS[rng.integers(len(_ADVERBS))]} "
                           f"{_PREDICATES[rng.integers(len(_PREDICATES))]}")
        tail = _TAILS[rng.integers(len(_TAILS))]
        out.append(" ".join(clauses) + (f" {tail}" if tail else ""))
    return out


def corpus(kind: str, n: int) -> list[str]:
    """The benchmark's sentences: ``sentiment`` (generated reviews) or ``reviews``."""
    if kind == "sentiment":
        from hangul_dl.classify.data import sentiment_reviews

        return [" ".join(text.split()) for _, text in sentiment_reviews(n, seed=0)]
    return reviews(n)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


#: Thread groups of the CPU breakdown: (group, test on the thread's name).
_GROUPS = (("task", lambda n: n in ("task", "hangul_dl-tokenize") or "Dask-Default-Threads" in n),
           ("jit", lambda n: "CompilerThre" in n),
           ("java_gc", lambda n: n.startswith(("VM Thread", "GC Thread", "G1 "))),
           ("jpype_gc", lambda n: n.startswith("Python Referenc")),
           ("loop", lambda n: n in ("MainThread", "IO loop") or n.startswith("py:")))


def _thread_names() -> dict[int, str]:
    """``{native thread id: Python thread name}`` of this process (run on a Dask worker)."""
    import threading

    return {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}


def _cpu_of(pid: int, names: dict[int, str], main_is_task: bool) -> dict[str, float] | None:
    """CPU seconds of process ``pid`` by thread group (Linux ``/proc``; None elsewhere).

    Threads that ended are in ``total`` only (``other`` holds the rest)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        row = {"total": sum(int(f) for f in fields[11:15]) / tick}
        for tid in os.listdir(f"/proc/{pid}/task"):
            comm = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            tstat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
            tf = tstat[tstat.rindex(")") + 2:].split()
            cpu = (int(tf[11]) + int(tf[12])) / tick
            name = "task" if main_is_task and int(tid) == pid else names.get(int(tid), comm)
            group = next((g for g, test in _GROUPS if test(name)), "other")
            row[group] = row.get(group, 0.0) + cpu
    except (OSError, ValueError):
        return None
    row["other"] = row["total"] - sum(v for k, v in row.items() if k not in ("total", "other"))
    return {k: round(v, 2) for k, v in row.items()}


def _cpu_breakdown(executor, n_jobs: int) -> dict:
    """Per worker process and for this (client) process: CPU seconds by thread group."""
    workers = []
    if executor is not None:
        for _, (pid, names) in sorted(executor.client.run(
                lambda: (os.getpid(), _thread_names())).items()):
            workers.append(_cpu_of(pid, {int(k): v for k, v in names.items()}, False))
    else:
        import multiprocessing

        for child in multiprocessing.active_children():
            if child.name == "hangul_dl-tokenize":
                workers.append(_cpu_of(child.pid, {}, True))
        if n_jobs == 1:  # the JVM is in this process: its main thread tokenizes
            workers.append(_cpu_of(os.getpid(), {}, True))
        elif not workers:  # Okt's n_jobs > 1: threads of this process, one JVM
            workers.append(_cpu_of(os.getpid(), _thread_names(), False))
    client = _cpu_of(os.getpid(), {t: n for t, n in _thread_names().items()}, False)
    return {"workers": [w for w in workers if w], "client": client}


def run_one(config: str, source: Path, out: Path, shard_lines: int, address: str | None) -> dict:
    """One configuration, cold then warm, in this (fresh) process; returns the timings."""
    from hangul_dl.batch import TokenizeJob
    from hangul_dl.distributed import where
    from hangul_dl.text.tokenizers import KonlpyTokenizer, get_tokenizer

    t0 = time.perf_counter()
    tokenizer = KonlpyTokenizer("okt")
    executor, n_jobs = None, 1
    if config == "jobs2":
        n_jobs = 2
    elif config == "local:2":
        executor = where("local:2").start()
    elif config in ("dask-cli", "dask-threads"):
        executor = where(address).start()
    record: dict = {"config": config}
    try:
        for phase in ("cold", "warm"):
            start = t0 if phase == "cold" else time.perf_counter()
            TokenizeJob(source, out / phase, tokenizer=tokenizer, shard_lines=shard_lines,
                        n_jobs=n_jobs, quiet=True, force=True, executor=executor).run()
            record[phase] = time.perf_counter() - start
            record[f"{phase}_sha"] = _sha(out / phase / "tokens.txt")
            record[f"{phase}_cpu"] = _cpu_breakdown(executor, n_jobs)
            if executor is not None:
                from hangul_dl.distributed.tasks import task_timings

                record[f"{phase}_tasks"] = sorted(executor.client.run(task_timings).values(),
                                                  key=lambda t: -t.get("lines", 0))
        if executor is not None:
            tiny = [f"줄 {i}" for i in range(400)]
            ws = get_tokenizer("whitespace")
            start = time.perf_counter()
            n = sum(1 for _ in executor.pipe(ws, tiny, shard_lines=1))
            record["overhead_ms"] = 1000 * (time.perf_counter() - start) / n
            record["workers"] = executor.threads()
        else:
            record["workers"] = n_jobs
    finally:
        tokenizer.close()
        if executor is not None:
            executor.close()
    return record


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40_000, help="sentences (default 40,000)")
    parser.add_argument("--shard-lines", type=int, default=2_000)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--corpus", choices=["sentiment", "reviews"], default="sentiment")
    parser.add_argument("--repeats", type=int, default=1, help="fresh runs per configuration")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child mode: one configuration
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        record = run_one(args.one, Path(args.source), Path(args.out), args.shard_lines,
                         args.address)
        print("RESULT " + json.dumps(record))
        return 0

    from hangul_dl.distributed.processes import ProcessCluster

    configs = [c for c in args.configs.split(",") if c]
    texts = corpus(args.corpus, args.n)
    chars = sum(map(len, texts)) / max(1, len(texts))
    print(f"bench_cluster: Okt on {args.n:,} {args.corpus} sentences ({chars:.0f} characters "
          f"on average), shards of {args.shard_lines:,} lines, {args.repeats} fresh run(s) per "
          f"configuration, {os.cpu_count()} CPU(s); load at start {_load()}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_cluster-") as tmp:
        source = Path(tmp) / "reviews.txt"
        source.write_text("\n".join(texts) + "\n", encoding="utf-8")
        for config in [c for _ in range(args.repeats) for c in configs]:  # interleaved
            cluster, address, started = None, None, 0.0
            try:
                if config in ("dask-cli", "dask-threads"):
                    t = time.perf_counter()
                    shape = (2, 1) if config == "dask-cli" else (1, 2)  # workers, threads each
                    cluster = ProcessCluster(shape[0], nthreads=shape[1],
                                             log_dir=Path(tmp) / "logs").start()
                    started, address = time.perf_counter() - t, cluster.address
                cmd = [sys.executable, __file__, "--one", config, "--source", str(source),
                       "--out", str(Path(tmp) / config.replace(":", "_")),
                       "--shard-lines", str(args.shard_lines)]
                if address:
                    cmd += ["--address", address]
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
            finally:
                if cluster is not None:
                    cluster.close()
            lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
            if done.returncode or not lines:
                print(f"{config}: failed (exit {done.returncode})\n{done.stderr[-2000:]}")
                continue
            record = json.loads(lines[-1][len("RESULT "):])
            record["cluster_start"] = started
            record["load"] = _load()
            rows.append(record)
            print(f"  {config:<9} cold {record['cold']:7.1f} s  warm {record['warm']:7.1f} s  "
                  f"(load now {record['load']})", flush=True)
    if not rows:
        return 1
    rows = _summary(rows)
    base = next((r for r in rows if r["config"] == "jobs1"), rows[0])
    print(f"\n{'config':<10}{'cold min/med s':>16}{'x jobs1':>9}{'warm min/med s':>16}"
          f"{'x jobs1':>9}{'sent/s/worker (warm)':>22}{'task ms':>9}  output")
    shas = {sha for r in rows for sha in r["shas"]}
    for r in rows:
        per_worker = args.n / r["warm"] / max(1, r["workers"])
        overhead = f"{r['overhead_ms']:9.1f}" if "overhead_ms" in r else f"{'-':>9}"
        print(f"{r['config']:<10}{r['cold']:8.1f}/{r['cold_med']:<7.1f}"
              f"{base['cold_med'] / r['cold_med']:9.2f}{r['warm']:8.1f}/{r['warm_med']:<7.1f}"
              f"{base['warm_med'] / r['warm_med']:9.2f}{per_worker:22,.0f}{overhead}"
              f"  {r['cold_sha']}")
    print("(x jobs1: ratio of the medians; sent/s/worker from the fastest warm run)")
    for r in rows:
        if r["cluster_start"]:
            print(f"({r['config']}: starting the scheduler and workers took "
                  f"{r['cluster_start']:.1f} s, not included above)")
    _print_breakdown(rows, args.n)
    print("outputs identical" if len(shas) == 1 else f"OUTPUTS DIFFER: {sorted(shas)}")
    print(f"load at end {_load()}")
    return 0 if len(shas) == 1 else 1


def _print_breakdown(rows: list[dict], n: int) -> None:
    """Where each worker's CPU went on the cold run (first run of each configuration), and
    the Dask tasks' phases (seconds summed over the cold run, per worker process)."""
    cols = ("total", "task", "jit", "java_gc", "jpype_gc", "loop", "other")
    print("\nCPU seconds per process, cold run (task: the thread that tokenizes; jit: the "
          "JVM's compilers; java_gc; jpype_gc: JPype's reference queue, which runs Python's "
          "collector after each Java collection; loop: Dask's event loop)")
    print(f"{'config':<10}{'process':<9}" + "".join(f"{c:>9}" for c in cols)
          + f"{'sent/s':>9}")
    for r in rows:
        cpu = r.get("cold_cpu") or {}
        share = n / max(1, len(cpu.get("workers", [])))
        for i, w in enumerate(cpu.get("workers", [])):
            rate = share / w["task"] if w.get("task") else 0.0
            print(f"{r['config']:<10}{f'worker{i}':<9}" + "".join(
                f"{w.get(c, 0.0):9.1f}" for c in cols) + f"{rate:9.0f}")
        if cpu.get("client"):
            c = cpu["client"]
            print(f"{r['config']:<10}{'client':<9}{c['total']:9.1f}")
    print("(sent/s: sentences per CPU second of the tokenizing thread, the JVM start included;"
          " jobs2's tagging threads have ended when the breakdown is read: their CPU is in"
          " 'other')")
    for r in rows:
        for i, t in enumerate(r.get("cold_tasks") or []):
            print(f"{r['config']}: worker{i} {int(t.get('tasks', 0))} tasks, "
                  f"{int(t.get('lines', 0)):,} lines: JVM+tagger start {t.get('start', 0):.1f} s, "
                  f"tokenize {t.get('tokenize', 0):.1f} s, finish {t.get('finish', 0):.2f} s")


def _summary(records: list[dict]) -> list[dict]:
    """One row per configuration: minimum (``cold``, ``warm``) and median of its runs."""
    rows = []
    for config in dict.fromkeys(r["config"] for r in records):
        runs = [r for r in records if r["config"] == config]
        row = dict(runs[0])
        for phase in ("cold", "warm"):
            values = [r[phase] for r in runs]
            row[phase], row[f"{phase}_med"] = min(values), float(np.median(values))
        row["shas"] = {r[k] for r in runs for k in ("cold_sha", "warm_sha")}
        if "overhead_ms" in row:
            row["overhead_ms"] = min(r["overhead_ms"] for r in runs)
        row["cluster_start"] = max(r["cluster_start"] for r in runs)
        rows.append(row)
    return rows


if __name__ == "__main__":
    sys.exit(main())
