"""Tests of scripts/*.py: the batch scripts as a user runs them, including a job killed midway."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
LINES = ["아버지가방에 들어가신다", "", "ㅋㅋㅋ 진짜 웃기다 😀", "漢字와 English 123 섞인 문장",
         "띄어쓰기   엉망인  줄", "대한민국은 민주공화국이다."]

# Runs tokenize_corpus.py with a pause after each finished shard, so that a test can kill it
# midway at a known point (the kill itself is a real signal from outside).
SLOW_RUN = """
import runpy, sys, time
import hangul_dl.batch.shards as shards
write = shards.PartStore.write
def slow_write(self, *args, **kwargs):
    record = write(self, *args, **kwargs)
    time.sleep(0.25)
    return record
shards.PartStore.write = slow_write
sys.argv = [{script!r}, *sys.argv[1:]]
runpy.run_path({script!r}, run_name="__main__")
"""


def load(name: str):
    """Import scripts/<name>.py as a module (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"script_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tokenize_corpus():
    return load("tokenize_corpus")


@pytest.fixture
def corpus(tmp_path) -> Path:
    src = tmp_path / "corpus"
    src.mkdir()
    for k in range(3):
        lines = [f"{LINES[(i + k) % len(LINES)]} {k}-{i}" if i % 9 else "" for i in range(60)]
        (src / f"part{k}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the scripts must import the installed hangul_dl
    return env


def _wait_for_parts(process: subprocess.Popen, parts: Path, n: int, timeout: float = 30) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = len(list(parts.glob("*.json"))) if parts.is_dir() else 0
        if done >= n:
            return done
        if process.poll() is not None:
            pytest.fail(f"the job ended before it could be interrupted: {process.communicate()}")
        time.sleep(0.02)
    process.kill()
    pytest.fail("the job did not finish any shard in time")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_job_resumes_to_byte_identical_output(tmp_path, corpus, tokenize_corpus, sig):
    args = [str(corpus), "--tokenizer", "char", "--shard-lines", "10", "--quiet"]
    assert tokenize_corpus.main([*args, "-o", str(tmp_path / "ref")]) == 0
    reference = (tmp_path / "ref" / "tokens.txt").read_bytes()

    out = tmp_path / "out"
    code = SLOW_RUN.format(script=str(SCRIPTS / "tokenize_corpus.py"))
    # SIGINT as Ctrl-C at a terminal: a child of a background job (`cmd &`) starts with SIGINT
    # ignored unless it is reset
    process = subprocess.Popen([sys.executable, "-c", code, *args, "-o", str(out)], cwd=tmp_path,
                               env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for_parts(process, out / ".parts", 3)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)
    finished = len(list((out / ".parts").glob("*.json")))
    assert 3 <= finished < 18 and not (out / "tokens.txt").exists()
    if sig == signal.SIGINT:
        assert process.returncode == 130
        assert f"끝난 샤드 {finished}개" in stderr and "interrupted" in stderr
    else:
        assert process.returncode == -signal.SIGKILL

    # rerun the plain script from the repository root, as a user would
    rerun = subprocess.run([sys.executable, "scripts/tokenize_corpus.py", *args[:-1], "-o", str(out)],
                           cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert f"이어받음 {finished}" in rerun.stdout and f"새로 처리 {18 - finished}" in rerun.stdout
    assert (out / "tokens.txt").read_bytes() == reference


def test_tokenize_script_outputs_ids_and_summary(tmp_path, corpus, tokenize_corpus, capsys):
    build_vocab = load("build_vocab")
    out = tmp_path / "out"
    assert tokenize_corpus.main([str(corpus), "-o", str(out), "--tokenizer", "whitespace"]) == 0
    assert "토큰화 완료: 180줄 (파일 3개)" in capsys.readouterr().out
    assert build_vocab.main([str(out), "-o", str(tmp_path / "vocab.txt"), "--min-count", "2"]) == 0
    assert "어휘 " in capsys.readouterr().out
    args = [str(corpus), "-o", str(out), "--tokenizer", "whitespace",
            "--vocab", str(tmp_path / "vocab.txt")]
    assert tokenize_corpus.main(args) == 0
    printed = capsys.readouterr().out
    assert "새로 처리 0, 이어받음 3" in printed and "ID: " in printed
    ids = np.load(out / "ids.npy")
    assert ids.dtype == np.int32 and ids.ndim == 1
    assert tokenize_corpus.main([*args, "--force", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_tokenize_script_with_real_okt(tmp_path, tokenize_corpus, capsys):
    from hangul_dl.text.tokenizers import KonlpyTokenizer

    src = tmp_path / "okt.txt"
    src.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = [str(src), "-o", str(out), "--tokenizer", "okt", "--shard-lines", "4", "--quiet"]
    assert tokenize_corpus.main(argv) == 0
    got = (out / "tokens.txt").read_text(encoding="utf-8").splitlines()
    tok = KonlpyTokenizer("okt")
    assert got == [" ".join(tok.tokenize(line)) for line in LINES]
    assert got[0] == "▁아버지 가방 에 ▁들어가신다"
    assert [tok.detokenize(g.split()) for g in got] == [tok.normalize_text(s) for s in LINES]
    assert tokenize_corpus.main(argv[:-1]) == 0
    assert "이어받음 2" in capsys.readouterr().out


def test_bad_input_is_one_line_error_with_exit_2(tmp_path, tokenize_corpus, capsys, caplog):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("좋은 줄\n".encode() + "나쁜 줄\n".encode("cp949") + b"ok\n")
    assert tokenize_corpus.main([str(bad), "-o", str(tmp_path / "o"), "--tokenizer", "char"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tokenize_corpus.py: error: ") and "bad.txt:2" in err and "\n" not in err
    assert "cp949" in err and "pass --skip-bad" in err and "corpus.stats" not in err
    argv = [str(bad), "-o", str(tmp_path / "o"), "--tokenizer", "char", "--skip-bad"]
    assert tokenize_corpus.main(argv) == 0
    captured = capsys.readouterr()
    assert "bad.txt:2: invalid UTF-8" in caplog.text  # logged by the reader, once
    assert "bad.txt:2" not in captured.err + captured.out
    assert "건너뛴 잘못된 줄 1개" in captured.out
    assert (tmp_path / "o" / "tokens.txt").read_text(encoding="utf-8") == "▁좋 은 ▁줄\n\n▁o k\n"
    assert tokenize_corpus.main([str(tmp_path / "missing"), "-o", str(tmp_path / "x")]) == 2
    assert "missing: no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # checked before any work
    with pytest.raises(SystemExit) as exc:  # argparse usage errors exit 2 too
        tokenize_corpus.main([str(bad)])
    assert exc.value.code == 2


@pytest.mark.parametrize("name", ["tokenize_corpus", "build_vocab"])
def test_skip_bad_reports_each_bad_line_once(tmp_path, name):
    """As a user sees it: the bad line once, with file:line and reason, and one count."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes("국회 ㅋㅋ 😀\n".encode() + "나쁜 줄".encode("cp949")  # line 2: not UTF-8
                    + "\n漢字 English 123\n".encode())
    output = tmp_path / ("out" if name == "tokenize_corpus" else "vocab.txt")
    argv = [sys.executable, str(SCRIPTS / f"{name}.py"), str(bad), "-o", str(output),
            "--tokenizer", "whitespace", "--skip-bad"]
    result = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", env=_env(),
                            timeout=120)
    assert result.returncode == 0, result.stderr
    both = result.stdout + result.stderr
    assert both.count("bad.txt:2") == 1, both
    assert "bad.txt:2: invalid UTF-8" in result.stderr
    assert both.count("건너뛴 잘못된 줄 1") == 1 and both.count("잘못된 줄 1개를") == 0, both

    quiet = subprocess.run([*argv, "-q"], capture_output=True, text=True, encoding="utf-8",
                           env=_env(), timeout=120)
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert quiet.stderr.count("잘못된 줄 1개를 건너뛰었습니다") == 1 and "-q 없이" in quiet.stderr


@pytest.mark.parametrize("name", ["tokenize_corpus", "build_vocab", "export_vectors"])
def test_scripts_have_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        load(name).main(["--help"])
    assert exc.value.code == 0
    assert "--quiet" in capsys.readouterr().out


def test_build_vocab_script_from_raw_text(tmp_path, corpus, capsys):
    build_vocab = load("build_vocab")
    vocab_path = tmp_path / "vocab.txt"
    argv = [str(corpus), "-o", str(vocab_path), "--tokenizer", "char", "--max-size", "20"]
    assert build_vocab.main(argv) == 0
    assert "어휘 20개" in capsys.readouterr().out
    lines = vocab_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#hangul_dl-vocab") and lines[1] == "<pad>\t0" and len(lines) == 21
    with pytest.raises(SystemExit) as exc:  # refused by the option's type, before any work
        build_vocab.main([str(corpus), "-o", str(vocab_path), "--min-count", "0"])
    assert exc.value.code == 2
    assert "--min-count: expected a whole number ≥ 1, got 0" in capsys.readouterr().err


def test_export_vectors_script(tmp_path, capsys):
    from hangul_dl.embeddings.vectors import WordVectors, load_word_vectors

    export = load("export_vectors")
    vectors = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    words = ["국회", "법률", "대통령", "헌법", "국민"]
    WordVectors(words, vectors, counts=[5, 4, 3, 2, 1]).save(tmp_path / "wv")
    assert export.main([str(tmp_path / "wv"), "-o", str(tmp_path / "v.bin")]) == 0
    assert "내보내기 완료" in capsys.readouterr().out
    back = load_word_vectors(tmp_path / "v.bin")
    assert back.index_to_key == words and np.array_equal(back.vectors, vectors)
    argv = [str(tmp_path / "wv"), "-o", str(tmp_path / "tsv"), "--format", "tsv", "--limit", "2", "-q"]
    assert export.main(argv) == 0
    metadata = (tmp_path / "tsv" / "metadata.tsv").read_text(encoding="utf-8")
    assert metadata == "word\tcount\n국회\t5\n법률\t4\n"
    assert export.main([str(tmp_path / "nope"), "-o", str(tmp_path / "x.txt")]) == 2
    assert capsys.readouterr().err.startswith("export_vectors.py: error: ")


def test_scripts_speak_the_cli_vocabulary(tmp_path, capsys):
    """--skip-bad-lines, --max-vocab and --threads as in hangul-dl; old spellings still work."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes("국회 법률 국회\n".encode() + "나쁜 줄".encode("cp949") + "\n대통령 국회\n".encode())
    build_vocab = load("build_vocab")
    out = tmp_path / "vocab.txt"
    argv = [str(bad), "-o", str(out), "--tokenizer", "whitespace", "--threads", "1", "-q"]
    assert build_vocab.main(argv) == 2
    err = capsys.readouterr().err
    assert "bad.txt:2" in err and "--skip-bad-lines" in err and "errors='skip'" not in err
    assert build_vocab.main([*argv, "--skip-bad-lines", "--max-vocab", "5"]) == 0
    from hangul_dl.text.vocab import Vocabulary

    assert len(Vocabulary.load_txt(out)) == 5
    assert build_vocab.main([*argv, "--skip-bad", "--max-size", "6"]) == 0
    assert len(Vocabulary.load_txt(out)) == 6
    missing = tmp_path / "nowhere" / "x.txt"
    assert build_vocab.main([str(missing), "-o", str(out)]) == 2
    assert "nowhere/x.txt: no such file or folder" in capsys.readouterr().err
