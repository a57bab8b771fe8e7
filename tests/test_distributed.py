"""Scale-out on Dask (issue 14): the same bytes and counts on a cluster as with --jobs 1.

Every test bounds its time and stops what it started: the module's local cluster (two worker
processes) closes at the end of the module, the ``dask scheduler``/``dask worker`` processes at
the end of their test. Without the ``dask`` extra the cluster tests are skipped (the
missing-extra and spec tests still run).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from hangul_dl.batch import TokenizeJob
from hangul_dl.distributed import (
    DaskExecutor,
    LocalExecutor,
    count_cooccurrence,
    count_vocabulary,
    where,
)
from hangul_dl.embeddings.base import corpus_to_ids, ids_to_stream
from hangul_dl.embeddings.count import cooccurrence_matrix
from hangul_dl.errors import InputError, TokenizerError
from hangul_dl.text.tokenizers import CharTokenizer, KonlpyTokenizer, WhitespaceTokenizer
from hangul_dl.text.vocab import Vocabulary

#: One local cluster for the module: under pytest-xdist with ``--dist loadgroup`` every test of
#: this module runs in the same worker, so the module-scoped cluster starts once (with plain
#: ``--dist load`` each xdist worker that gets a cluster test would start its own).
pytestmark = pytest.mark.xdist_group("dask_cluster")

HAVE_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAVE_DASK, reason='the dask extra is not installed '
                                '(python -m pip install ".[dask]")')

#: Hostile lines: empty, 100k characters (one eojeol: Okt keeps it whole, never tags it), emoji,
#: control characters; the files add a bad byte line (skipped). LONG: 100k characters in words
#: (for the char tokenizer: Okt tags 100 pieces of it, ~40 s on a loaded machine).
LONG = "가나다라 " * 20_000
HOSTILE = ["", "아버지가방에 들어가신다 ㅋㅋㅋ", "ㅋ" * 100_000, "😀👍🏽 최고예요!! 漢字 ABC 123",
           "제어\x01문자\x07 \x1b[31m빨강\x1b[0m 탭\t끝", "   ", "마지막 줄 ▁▁ 표시"]
SENTENCES = ["영화 정말 재밌어요 ㅋㅋ 강추합니다", "배우 연기가 별로였음 ㅠㅠ",
             "스토리가 너무 뻔해서 지루했다", "음악이 좋고 영상미가 최고 👍", "두 번 봐도 또 보고 싶은 영화"]


def _write_corpus(path: Path, n: int = 60, long: bool = True) -> Path:
    """The hostile lines once, then review-like sentences; a bad byte line; no final newline."""
    lines = HOSTILE + [LONG] * long
    lines += [f"{SENTENCES[i % 5]} {i}" if i % 9 else "" for i in range(n - len(lines))]
    data = "\n".join(lines).encode("utf-8")
    data = data.replace(b"\n", b"\n\xff\xfe bad\n", 1)  # one invalid UTF-8 line, skipped
    path.write_bytes(data)
    return path


def _job(src: Path, out: Path, tokenizer, executor=None, vocab=None, shard_lines=7, **kw):
    return TokenizeJob(src, out, tokenizer=tokenizer, vocab=vocab, shard_lines=shard_lines,
                       errors="skip", quiet=True, executor=executor, **kw).run()


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of 2 worker processes for the whole module (closed at the end)."""
    if not HAVE_DASK:
        pytest.skip('the dask extra is not installed (python -m pip install ".[dask]")')
    ex = where("local:2").start()
    try:
        yield ex
    finally:
        ex.close()


# -- naming where work runs -----------------------------------------------------------------
def test_where_names_local_pool_and_clusters_without_starting_them():
    local = where("local", jobs=3)
    assert isinstance(local, LocalExecutor) and local.n_jobs == 3
    assert isinstance(where(None), LocalExecutor)
    ex = where("local:4")
    assert isinstance(ex, DaskExecutor) and ex.address is None and ex.n_workers == 4
    assert "not started" in repr(ex)
    assert where("10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    assert where("tls://sched.example:8786").address == "tls://sched.example:8786"
    for bad in ("local:0", "local:x", "http://x:1", "dask", "tcp://host"):
        with pytest.raises(InputError, match="--scheduler"):
            where(bad)
    with pytest.raises(InputError, match="--jobs"):
        where("local", jobs=0)


def test_missing_extra_is_one_line_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        where("local:2").start()
    message = str(info.value)
    assert 'python -m pip install ".[dask]"' in message and "\n" not in message
    with pytest.raises(InputError, match=r"\.\[dask\]"):
        list(where("tcp://127.0.0.1:8786").pipe(CharTokenizer(), ["가"]))
    assert time.perf_counter() - t0 < 5


@needs_dask
def test_unreachable_scheduler_fails_within_seconds():
    from hangul_dl.distributed.processes import free_port

    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        where(address, connect_timeout=2).start()
    assert time.perf_counter() - t0 < 15
    message = str(info.value)
    assert address in message and "dask scheduler" in message and "\n" not in message


# -- tokenizing: the same bytes -------------------------------------------------------------
@needs_dask
def test_char_job_on_cluster_is_byte_identical_and_resumes_locally(cluster, tmp_path):
    src = _write_corpus(tmp_path / "in.txt")
    tok = CharTokenizer()
    vocab = Vocabulary().fit(t for t in tok.pipe(SENTENCES + HOSTILE) if t)
    local = _job(src, tmp_path / "local", "char", vocab=vocab)
    remote = _job(src, tmp_path / "remote", "char", cluster, vocab=vocab)
    for name in ("tokens.txt", "ids.npy"):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert (remote.lines, remote.bad, remote.tokens, remote.shards) == \
        (local.lines, local.bad, local.tokens, local.shards)
    assert remote.done == remote.shards > 1
    # the shard records are the local job's: a local run reuses every shard, and vice versa
    again = _job(src, tmp_path / "remote", "char")
    assert again.resumed == again.shards and again.done == 0
    parts = sorted((tmp_path / "local" / ".parts").glob("*.json"))
    for part in parts[::2]:  # an interrupted local job: half of its shards are missing
        part.unlink()
    resumed = _job(src, tmp_path / "local", "char", cluster, vocab=vocab)
    assert resumed.done == len(parts[::2]) and resumed.resumed == len(parts) - len(parts[::2])
    assert (tmp_path / "local" / "tokens.txt").read_bytes() == \
        (tmp_path / "remote" / "tokens.txt").read_bytes()


@needs_dask
def test_shards_cut_into_small_tasks_give_the_same_bytes_and_counts(cluster, tmp_path,
                                                                    monkeypatch):
    src = _write_corpus(tmp_path / "in.txt", n=60, long=False)
    whole = _job(src, tmp_path / "whole", "char", executor=cluster)
    vocab_whole = count_vocabulary(src, "char", shard_lines=7, errors="skip", executor=cluster)
    keys = list(vocab_whole.id_to_token_)
    cooc_whole = count_cooccurrence(src, keys, "char", window=3, shard_lines=7, errors="skip",
                                    executor=cluster)
    monkeypatch.setattr(cluster, "task_lines", 2)  # every shard of 7 lines is 4 tasks
    pieces = _job(src, tmp_path / "pieces", "char", executor=cluster)
    assert (tmp_path / "pieces" / "tokens.txt").read_bytes() == \
        (tmp_path / "whole" / "tokens.txt").read_bytes()
    assert pieces.lines == whole.lines and pieces.tokens == whole.tokens
    vocab = count_vocabulary(src, "char", shard_lines=7, errors="skip", executor=cluster)
    assert list(vocab.id_to_token_) == keys and list(vocab.counts_) == list(vocab_whole.counts_)
    cooc = count_cooccurrence(src, keys, "char", window=3, shard_lines=7, errors="skip",
                              executor=cluster)
    assert (cooc != cooc_whole).nnz == 0


@needs_dask
def test_pipe_keeps_input_order_over_many_shards(cluster):
    tok = CharTokenizer()
    texts = [f"{i} 번째 문장 {'가' * (i % 17)}" for i in range(300)] + HOSTILE + [LONG]
    assert list(cluster.pipe(tok, texts, shard_lines=7)) == list(tok.pipe(texts))
    assert list(where("local").pipe(tok, iter(texts))) == list(tok.pipe(texts))
    words = WhitespaceTokenizer()  # pre-tokenized text: the same tokens, the same order
    assert list(cluster.pipe(words, texts, shard_lines=11)) == list(words.pipe(texts))
    with pytest.raises(InputError, match="text #1 is int"):
        list(cluster.pipe(tok, ["가", 3]))


@needs_dask
def test_errors_inside_tasks_come_back_as_themselves(cluster):
    with pytest.raises(InputError, match="unknown KoNLPy backend 'nope'"):
        list(cluster.pipe(KonlpyTokenizer("nope"), ["가"]))


class SleepyTokenizer(CharTokenizer):
    """Hangs on the text "STUCK", like a tagger caught in a pathological search."""

    def tokenize(self, text):
        if text == "STUCK":
            time.sleep(60)
        return super().tokenize(text)


class SlowCharTokenizer(CharTokenizer):
    """Character tokens, 20 ms per line: long enough to kill a worker mid-job."""

    def tokenize(self, text):
        time.sleep(0.02)
        return super().tokenize(text)


@needs_dask
@pytest.mark.slow
def test_time_limit_and_fallback_hold_on_the_cluster(cluster):
    tok = SleepyTokenizer()
    t0 = time.perf_counter()
    cluster.timeout = 3  # what where("local:2", timeout=3) sets
    try:
        out = list(cluster.pipe(tok, ["가 나", "STUCK", "다"], shard_lines=2))
        assert out == [["▁가", "▁나"], ["▁S", "T", "U", "C", "K"], ["▁다"]]
        assert tok.stats_["fallbacks"] == 1
        cluster.on_timeout = "raise"
        with pytest.raises(TokenizerError, match="longer than 3 s"):
            list(cluster.pipe(tok, ["STUCK"]))
    finally:
        cluster.timeout, cluster.on_timeout = None, "fallback"
    assert time.perf_counter() - t0 < 90


@needs_dask
@pytest.mark.slow  # a JVM with Okt here and one on a worker (~15 s of CPU)
def test_okt_job_on_cluster_is_byte_identical(cluster, tmp_path):
    """A KoNLPy tagger on a Dask worker gives the bytes it gives here. One shard, so one worker
    starts a JVM: what happens around the tagger (shard order, tasks, one tagger per worker for
    every shard, the CLI, counting) is the same code for every tokenizer, and is tested with
    'char' and 'whitespace' in the other tests of this module."""
    from hangul_dl.distributed.tasks import tokenizers_built

    src = _write_corpus(tmp_path / "in.txt", n=48, long=False)
    local = _job(src, tmp_path / "local", "okt", shard_lines=64)
    remote = _job(src, tmp_path / "remote", "okt", cluster, shard_lines=64)
    assert (tmp_path / "remote" / "tokens.txt").read_bytes() == \
        (tmp_path / "local" / "tokens.txt").read_bytes()
    assert remote.tokens == local.tokens > 48 and remote.done == remote.shards == 1
    okt = [n for counts in cluster.client.run(tokenizers_built).values()
           for key, n in counts.items() if "Konlpy" in key and '"okt"' in key]
    assert okt == [1]  # one worker built the tagger (started its JVM), once


# -- counting: map per shard + reduce ---------------------------------------------------------
def _same_vocab(a: Vocabulary, b: Vocabulary) -> None:
    assert a.id_to_token_ == b.id_to_token_
    np.testing.assert_array_equal(a.counts_, b.counts_)
    assert (a.n_sequences_, a.n_tokens_) == (b.n_sequences_, b.n_tokens_)


@needs_dask
def test_vocabulary_counts_identical_to_local_fit(cluster, tmp_path):
    tok = CharTokenizer()
    texts = HOSTILE + [f"{s} {i % 7}" if i % 5 else "" for i, s in enumerate(SENTENCES * 9)]
    expected = Vocabulary(min_count=2, max_size=40).fit(t for t in tok.pipe(texts) if t)
    got = count_vocabulary(texts, tok, cluster, shard_lines=4, min_count=2, max_size=40)
    _same_vocab(got, expected)
    _same_vocab(count_vocabulary(texts, tok, shard_lines=4, min_count=2, max_size=40), expected)
    got.save_txt(tmp_path / "a.txt")
    expected.save_txt(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    # from a tokens file (vocab --tokenized), and empty lines as sequences
    (tmp_path / "tokens.txt").write_text(
        "\n".join(" ".join(t) for t in tok.pipe(texts)) + "\n", encoding="utf-8")
    _same_vocab(count_vocabulary(tmp_path / "tokens.txt", None, cluster, shard_lines=6),
                Vocabulary().fit(t for t in tok.pipe(texts) if t))
    _same_vocab(count_vocabulary(texts, tok, cluster, shard_lines=4, skip_empty=False),
                Vocabulary().fit(tok.pipe(texts)))


@needs_dask
def test_cooccurrence_counts_identical_to_ppmisvd_counts(cluster):
    tok = CharTokenizer()
    texts = [f"{s} {i % 7}" if i % 5 else "" for i, s in enumerate((HOSTILE[:2] + SENTENCES) * 9)]
    # a literal <eos> token ends a sentence in the encoded corpus, and in the shard counts
    token_lists = [*tok.pipe(texts), ["가", "<eos>", "가", "나"]]
    ids, vocab = corpus_to_ids(token_lists, min_count=2)
    stream = ids_to_stream(ids, vocab, min_count=2)
    for window, weighting in ((2, False), (5, True)):
        local = cooccurrence_matrix(stream.words, len(stream.index_to_key), window=window,
                                    sentence_ids=stream.sentence_ids(),
                                    distance_weighting=weighting)
        got = count_cooccurrence(
            [" ".join(t) for t in token_lists], stream.index_to_key, tokenizer=None,
            window=window, distance_weighting=weighting, executor=cluster, shard_lines=5)
        assert got.shape == local.shape and got.dtype == local.dtype
        assert got.nnz == local.nnz
        if weighting:
            np.testing.assert_allclose(got.toarray(), local.toarray(), rtol=1e-12)
        else:
            assert (got != local).nnz == 0
    raw = count_cooccurrence(texts, stream.index_to_key, tok, window=2, executor=cluster,
                             shard_lines=5)
    assert raw.sum() > 0


# -- a cluster of `dask scheduler` + `dask worker` processes, one killed mid-job ------------
def _profiler_running(dask_worker) -> bool:
    import gc

    from tornado.ioloop import PeriodicCallback

    return any(isinstance(o, PeriodicCallback) and o.is_running()
               and getattr(o.callback, "__name__", "") == "trigger_profile"
               for o in gc.get_objects())


@needs_dask
@pytest.mark.slow
def test_worker_killed_mid_job_loses_nothing(tmp_path):
    """kill -9 of the one `dask worker` of a scheduler + worker cluster: its nanny starts a fresh
    worker process, which runs the lost tasks (the tasks moving to a surviving worker is
    test_killing_a_worker_of_local_2_mid_job_loses_nothing)."""
    from hangul_dl.distributed.processes import ProcessCluster

    src = _write_corpus(tmp_path / "in.txt", n=160)
    expected = _job(src, tmp_path / "local", "char")
    env = {"PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                          os.environ.get("PYTHONPATH", "")]),
           "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "True"}  # as `dask worker` starts
    killed: list[int] = []
    with ProcessCluster(1, env=env, log_dir=tmp_path / "logs", start_timeout=90) as procs:
        pids = procs.worker_pids()

        def kill_one_worker_after_the_first_shard() -> None:
            deadline = time.monotonic() + 60
            parts = tmp_path / "remote" / ".parts"
            while time.monotonic() < deadline and not list(parts.glob("*.json")):
                time.sleep(0.05)
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)  # kill -9 of a worker process, mid-job
            killed.append(pid)

        killer = threading.Thread(target=kill_one_worker_after_the_first_shard, daemon=True)
        t0 = time.perf_counter()
        with where(procs.address) as ex:
            killer.start()
            result = TokenizeJob(src, tmp_path / "remote", tokenizer=SlowCharTokenizer(),
                                 shard_lines=7, errors="skip", quiet=True, executor=ex).run()
            # the workers' sampling profiler is off while we are connected (the new one too)
            assert not any(ex.client.run(_profiler_running).values())
        killer.join(timeout=60)
        assert killed, "the worker was not killed"
        assert time.perf_counter() - t0 < 120
        assert result.lines == expected.lines and result.done == expected.shards
        new_pids = procs.worker_pids()
        import distributed

        with distributed.Client(procs.address, timeout=10, set_as_default=False) as client:
            assert all(client.run(_profiler_running).values())  # back on after close()
    assert killed[0] not in new_pids.values()  # the nanny started a fresh worker process
    assert (tmp_path / "remote" / "tokens.txt").read_bytes() == \
        (tmp_path / "local" / "tokens.txt").read_bytes()


# -- the encoder and the command line on the cluster ----------------------------------------
def _address(cluster) -> str:
    return cluster.client.scheduler.address


@needs_dask
def test_encoder_fit_on_cluster_gives_the_local_store_and_ids(cluster, tmp_path, monkeypatch):
    from hangul_dl.distributed.tasks import tokenizers_built
    from hangul_dl.text.encoder import TextEncoder, current_executor, tokenizing_on

    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    src = _write_corpus(tmp_path / "in.txt", n=80)
    local = TextEncoder("char", cache=False, errors="skip").fit(src)
    remote = TextEncoder("char", cache=False, errors="skip").fit(src, executor=cluster)
    assert remote.skipped_lines == local.skipped_lines == 1
    assert remote.vocab_.id_to_token_ == local.vocab_.id_to_token_
    for a, b in zip(remote.ids_, local.ids_, strict=True):
        np.testing.assert_array_equal(a, b)
    # tokenizing_on reaches an encoder that is not given an executor (one a model builds),
    # and the token cache it fills is the local run's entry (same key, same bytes)
    with tokenizing_on(cluster):
        assert current_executor() is cluster
        cached = TextEncoder("char", errors="skip").fit(src)
    assert current_executor() is None
    entries = list((tmp_path / "cache" / "tokens").glob("*.txt"))
    assert len(entries) == 1
    tokens = [" ".join(t) for t in TextEncoder("char", errors="skip", cache=False).tokens(src)]
    assert entries[0].read_text(encoding="utf-8") == "\n".join(tokens) + "\n"
    assert cached.vocab_.id_to_token_ == local.vocab_.id_to_token_
    # a pipeline's tokenizer step (a recipe's [steps.tokenize]) runs on the block's executor
    from hangul_dl.pipeline import Pipeline

    texts = HOSTILE + SENTENCES * 5
    before = sum(len(c) for c in cluster.client.run(tokenizers_built).values())
    def pipeline():
        return Pipeline([("tok", WhitespaceTokenizer(normalizer=False)), ("vocab", Vocabulary())])

    with tokenizing_on(cluster):
        remote_pipe = pipeline().fit(texts)
    local_pipe = pipeline().fit(texts)
    _same_vocab(remote_pipe.steps[-1][1], local_pipe.steps[-1][1])
    # each worker process built each tokenizer once for all the shards it ran
    built = cluster.client.run(tokenizers_built)
    assert sum(len(c) for c in built.values()) > before  # the whitespace step ran there
    assert all(n == 1 for counts in built.values() for n in counts.values())


@needs_dask
def test_cli_tokenize_vocab_vectors_with_scheduler_match_jobs_1(cluster, tmp_path, monkeypatch,
                                                                  capsys):
    from hangul_dl.cli import main

    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    src = _write_corpus(tmp_path / "in.txt", n=80)
    common = ["--tokenizer", "char", "--skip-bad-lines", "--no-cache", "-q"]
    address = _address(cluster)
    for name, extra in (("local", ["--jobs", "1"]), ("remote", ["--scheduler", address])):
        assert main(["tokenize", str(src), "-o", str(tmp_path / f"{name}.txt"), *common,
                     *extra]) == 0
        assert main(["vocab", str(src), "-o", str(tmp_path / f"{name}.vocab"), *common,
                     *extra]) == 0
        assert main(["vectors", str(src), "-o", str(tmp_path / f"{name}.vec"), "--dim", "4",
                     "--min-count", "1", *common, *extra]) == 0
    assert "잘못된 줄 1개를 건너뛰었습니다" in capsys.readouterr().err
    for suffix in ("txt", "vocab", "vec"):
        assert (tmp_path / f"remote.{suffix}").read_bytes() == \
            (tmp_path / f"local.{suffix}").read_bytes(), suffix
    assert not (tmp_path / "cache").exists()  # --no-cache holds on the cluster too


def _cli(argv: list[str], *, block_dask: bool = False, timeout: float = 60):
    import subprocess

    code = ("import sys\n" + ("sys.modules['distributed'] = None\n" if block_dask else "")
            + "from hangul_dl.cli import main\nsys.exit(main(sys.argv[1:]))")
    t0 = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                            text=True, encoding="utf-8", timeout=timeout)
    return result, time.perf_counter() - t0


def test_cli_scheduler_without_dask_is_one_line_before_any_work(tmp_path, monkeypatch,
                                                               capsys):
    from hangul_dl.cli import main

    src = tmp_path / "in.txt"
    src.write_text("가나다\n", encoding="utf-8")
    out = tmp_path / "out"
    result, seconds = _cli(["tokenize", str(src), "-o", str(out), "--tokenizer", "char",
                            "--scheduler", "local:2"], block_dask=True)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hangul-dl: error: "), result.stderr
    assert 'pip install ".[dask]"' in lines[0] and "Traceback" not in result.stderr
    assert not out.exists() and seconds < 30
    monkeypatch.setitem(sys.modules, "distributed", None)  # the other commands, in-process
    for command in (["vocab"], ["vectors", "--dim", "2"], ["lm", "train"]):
        argv = [*command, str(src), "-o", str(out), "--tokenizer", "char"]
        assert main([*argv, "--scheduler", "tcp://127.0.0.1:1"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and 'pip install ".[dask]"' in err[0], (command, err)
        assert not out.exists()


@needs_dask
def test_cli_unreachable_scheduler_is_one_line_and_creates_nothing(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("가나다\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result, seconds = _cli(["tokenize", str(src), "-o", str(out), "--tokenizer", "char",
                            "--scheduler", "tcp://nosuch:1"])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tcp://nosuch:1" in lines[0] and "dask scheduler" in lines[0]
    assert "Traceback" not in result.stderr and not out.exists()
    assert seconds < 30  # a bounded connect timeout (5 s), no hang


def test_scheduler_forms_are_checked_in_options_and_recipes(capsys):
    from hangul_dl.cli import main
    from hangul_dl.recipes import validate_recipe

    with pytest.raises(SystemExit) as exc:
        main(["tokenize", "x.txt", "--scheduler", "local:0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "local:N" in err and "--scheduler" in err
    recipe = {"models": {"v": {"class": "PPMISVD"}}, "run": {"scheduler": "http://x", "jobs": 0}}
    with pytest.raises(InputError) as info:
        validate_recipe(recipe)
    message = str(info.value)
    assert "run.scheduler" in message and "tcp://10.0.0.5:8786" in message
    assert "run.jobs: must be 1 or more" in message
    validate_recipe({"models": {"v": {"class": "PPMISVD"}}, "run": {"scheduler": "local:2"}})


@needs_dask
@pytest.mark.slow
def test_killing_a_worker_of_local_2_mid_job_loses_nothing(cluster, tmp_path):
    src = _write_corpus(tmp_path / "in.txt", n=120)
    expected = _job(src, tmp_path / "local", "char")
    pids = list(cluster.client.run(os.getpid).values())
    killed: list[int] = []

    def kill_one_worker_after_the_first_shard() -> None:
        deadline = time.monotonic() + 30
        parts = tmp_path / "remote" / ".parts"
        while time.monotonic() < deadline and not list(parts.glob("*.json")):
            time.sleep(0.02)
        os.kill(pids[0], signal.SIGKILL)  # kill -9 of a worker process, mid-job
        killed.append(time.monotonic())

    killer = threading.Thread(target=kill_one_worker_after_the_first_shard, daemon=True)
    killer.start()
    result = TokenizeJob(src, tmp_path / "remote", tokenizer=SlowCharTokenizer(), shard_lines=7,
                         errors="skip", quiet=True, executor=cluster).run()
    finished = time.monotonic()
    killer.join(timeout=30)
    assert killed and killed[0] < finished  # the worker died while shards were still running
    assert result.lines == expected.lines and result.done == expected.shards
    assert (tmp_path / "remote" / "tokens.txt").read_bytes() == \
        (tmp_path / "local" / "tokens.txt").read_bytes()
    cluster.client.wait_for_workers(2, timeout=60)  # the nanny restarted it: later tests run
    assert pids[0] not in cluster.client.run(os.getpid).values()


@needs_dask
def test_recipe_scheduler_is_reached_before_any_work(tmp_path):
    from hangul_dl.recipes import run_recipe

    src = tmp_path / "in.txt"
    src.write_text("가 나 다\n", encoding="utf-8")
    recipe = {"input": {"path": str(src)}, "models": {"v": {"class": "PPMISVD"}},
              "run": {"scheduler": "tcp://127.0.0.1:1"}}  # nothing listens on port 1
    with pytest.raises(InputError, match="could not reach the Dask scheduler"):
        run_recipe(recipe, output=tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()


def _script(name: str):
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_dask
def test_scripts_and_lm_train_with_scheduler_match_jobs_1(cluster, tmp_path, monkeypatch):
    from hangul_dl.cli import main

    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    src = _write_corpus(tmp_path / "in.txt", n=60, long=False)
    small = tmp_path / "small.txt"  # a language model trains on it in a second
    small.write_bytes(("\n".join(SENTENCES * 3) + "\n").encode() + b"\xff bad\n")
    tokenize_corpus, build_vocab = _script("tokenize_corpus"), _script("build_vocab")
    lm = ["--tokenizer", "char", "--skip-bad-lines", "--max-epoch", "1", "--hidden-size", "8",
          "--embedding-size", "8", "--batch-size", "2", "--time-size", "4", "-q"]
    for name, where_ in (("local", ["--jobs", "1"]), ("remote", ["--scheduler", _address(cluster)])):
        assert tokenize_corpus.main([str(src), "-o", str(tmp_path / f"{name}_job"), "--tokenizer",
                                     "char", "--shard-lines", "9", "--skip-bad-lines", "-q",
                                     *where_]) == 0
        assert build_vocab.main([str(src), "-o", str(tmp_path / f"{name}.vocab"), "--tokenizer",
                                 "char", "--skip-bad-lines", "-q", *where_]) == 0
        assert main(["lm", "train", str(small), "-o", str(tmp_path / f"{name}_lm"), *lm,
                     *where_]) == 0
    for path in ("{}_job/tokens.txt", "{}.vocab", "{}_lm/vocab.txt"):
        assert (tmp_path / path.format("remote")).read_bytes() == \
            (tmp_path / path.format("local")).read_bytes(), path
    with np.load(tmp_path / "local_lm" / "model" / "weights.npz") as a, \
            np.load(tmp_path / "remote_lm" / "model" / "weights.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])


class _ThreadedChar(CharTokenizer):
    """Character tokens after a sleep outside the GIL, like a JVM tagger; records overlap."""

    lock: ClassVar = threading.Lock()
    now: ClassVar = [0, 0]  # calls running now, most at once

    @property
    def parallel_threads(self) -> bool:
        return True

    def tokenize(self, text):
        with self.lock:
            self.now[0] += 1
            self.now[1] = max(self.now)
        try:
            time.sleep(0.005)
            return super().tokenize(text)
        finally:
            with self.lock:
                self.now[0] -= 1


class _TurnsChar(_ThreadedChar):
    """The same, without the promise: its calls must take turns."""

    @property
    def parallel_threads(self) -> bool:
        return False


def test_a_workers_threads_tag_at_once_when_the_tokenizer_allows_it():
    """``dask worker --nthreads 2`` with Okt: the two task threads share the worker's one
    tokenizer (one JVM) and tag at the same time, each counting its own items; a tokenizer
    without ``parallel_threads`` takes turns (the lock)."""
    from hangul_dl.distributed.tasks import run_shard, tokenizer_payload

    texts = [f"{SENTENCES[i % 5]} {i}" for i in range(40)]
    results = {}

    def task(name, payload, lines):
        results[name] = run_shard("tokens", payload, lines)

    for tok, overlap in ((_ThreadedChar(), True), (_TurnsChar(), False)):
        payload = tokenizer_payload(tok)
        _ThreadedChar.now[:] = [0, 0]
        threads = [threading.Thread(target=task, args=(k, payload, texts[k::2])) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for k in (0, 1):
            joined, stats = results[k]
            assert joined == "\n".join(" ".join(CharTokenizer().tokenize(s)) for s in texts[k::2])
            assert stats["items"] == 20
        assert (_ThreadedChar.now[1] > 1) is overlap
