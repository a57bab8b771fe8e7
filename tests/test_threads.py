"""The BLAS threading policy (hangul_dl.threads) and its command-line switch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info

from hangul_dl import threads
from hangul_dl.errors import InputError


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.mark.parametrize("value, expected", [(None, None), ("", None), ("auto", None),
                                             (" AUTO ", None), ("3", 3), (2, 2)])
def test_parse_threads(value, expected):
    assert threads.parse_threads(value) == expected


@pytest.mark.parametrize("value", ["0", "-1", "two", 1.5, True])
def test_bad_thread_counts_name_the_source(value):
    with pytest.raises(InputError, match="HANGUL_DL_THREADS.*whole number of threads ≥ 1"):
        threads.parse_threads(value, "HANGUL_DL_THREADS")


def test_small_products_get_one_thread_even_on_an_idle_machine(monkeypatch):
    monkeypatch.setattr(threads, "free_cores", lambda: 16.0)
    monkeypatch.setattr(threads, "available_cores", lambda: 16)
    assert threads.auto_threads(None) == 1
    assert threads.auto_threads(threads.gemm_flops(20, 100, 400)) == 1  # an LSTM step, book size


def test_large_products_use_free_cores_only(monkeypatch):
    large = threads.gemm_flops(128, 256, 1024)
    assert large >= threads.LARGE_GEMM_FLOPS
    monkeypatch.setattr(threads, "available_cores", lambda: 4)
    monkeypatch.setattr(threads, "free_cores", lambda: 3.6)
    assert threads.auto_threads(large) == 3
    monkeypatch.setattr(threads, "free_cores", lambda: 1.2)  # other jobs keep the cores busy
    assert threads.auto_threads(large) == 1


def test_explicit_beats_environment_beats_rule(monkeypatch):
    monkeypatch.setattr(threads, "auto_threads", lambda flops=None: 1)
    monkeypatch.delenv(threads.ENV, raising=False)
    assert threads.choose_threads() == 1
    monkeypatch.setenv(threads.ENV, "3")
    assert threads.choose_threads() == 3
    assert threads.choose_threads(2) == 2
    monkeypatch.setenv(threads.ENV, "auto")
    assert threads.choose_threads() == 1


def test_context_manager_limits_and_restores(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    before = _blas_threads()
    with threads.blas_threads(1) as n:
        assert n == 1 and _blas_threads() == {1}
    assert _blas_threads() == before


def test_set_blas_threads_also_sets_the_environment(monkeypatch):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "7")
    assert threads.set_blas_threads(1) == 1
    assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "1"
    assert _blas_threads() == {1}


def test_cli_applies_threads_and_refuses_bad_counts(tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("국회는 법률을 제정한다.\n", encoding="utf-8")
    code = ("import sys; from threadpoolctl import threadpool_info; from hangul_dl.cli import main;"
            "rc = main(sys.argv[1:]);"
            "print(sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}),"
            " file=sys.stderr); sys.exit(rc)")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2", "HANGUL_DL_CACHE": str(tmp_path / "c")}
    env.pop(threads.ENV, None)
    args = [sys.executable, "-c", code, "tokenize", str(text), "--tokenizer", "char", "-q"]
    result = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", env=env,
                            timeout=120)
    assert result.returncode == 0 and result.stderr.strip().endswith("[1]"), result.stderr
    result = subprocess.run([*args, "--threads", "2"], capture_output=True, text=True,
                            encoding="utf-8", env=env, timeout=120)
    assert result.returncode == 0 and result.stderr.strip().endswith("[2]"), result.stderr
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "tokenize", str(text),
                             "--threads", "0"], capture_output=True, text=True, encoding="utf-8",
                            env=env, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "hangul-dl: error: --threads='0': expected a whole number of threads ≥ 1, or 'auto'"]
