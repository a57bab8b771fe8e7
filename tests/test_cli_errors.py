"""Hostile input to the command line: every user-caused error is one line, exit 2, no traceback,
and is reported before any work (nothing created). CLI cases run in a subprocess."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hangul_dl.cli import build_parser, main
from hangul_dl.cli.common import TOKENIZERS


def _limit_memory() -> None:  # 4 GiB of address space: a hostile input cannot exhaust the machine
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 90):
    """``python -m hangul_dl ARGS`` in a subprocess: (exit code, stdout, stderr)."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "hangul_dl", *args], capture_output=True,
                            text=True, encoding="utf-8", cwd=cwd, timeout=timeout,
                            env={**os.environ, **(env or {})}, preexec_fn=_limit_memory)
    assert time.monotonic() - started < timeout
    return result.returncode, result.stdout, result.stderr


def _one_error(code: int, err: str) -> str:
    """Exit 2, exactly one ``hangul-dl: error:`` line, no traceback; returns the message."""
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("hangul-dl: error:")]
    assert len(lines) == 1 and err.strip().startswith("hangul-dl: error:"), err
    return err


@pytest.fixture
def text(tmp_path, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "in.txt"
    path.write_text("국회는 법률을 제정한다.\n대통령은 국가의 원수이다.\n" * 5, encoding="utf-8")
    return path


# -- validation before work ----------------------------------------------------------------
def test_run_with_missing_input_creates_nothing(tmp_path):
    out = tmp_path / "out"
    code, _, err = _run("run", "word2vec", "--input", "nosuch.txt", "-o", str(out), cwd=tmp_path)
    assert "input.path nosuch.txt: no such file or folder" in _one_error(code, err)
    assert "normalize" not in err and not out.exists()


@pytest.mark.parametrize("setting, message", [
    ("steps.tokenize.backend=otk", "steps.tokenize.backend: 'otk' is not one of okt, komoran"),
    ("models.model.method=skipgarm", "'skipgarm' is not one of cbow, skipgram"),
    ("models.model.epochs=-3", "models.model.epochs: must be 1 or more, got -3"),
    ("input.limit=0", "input.limit: must be 1 or more, got 0"),
])
def test_recipe_values_fail_at_load(tmp_path, setting, message):
    code, _, err = _run("run", "word2vec", "--set", setting, "-o", str(tmp_path / "o"),
                        timeout=60)
    assert message in _one_error(code, err) and not (tmp_path / "o").exists()


def test_recipe_max_epoch_below_one_fails_at_load(tmp_path):
    code, _, err = _run("run", "lstm_lm", "--set", "models.model.max_epoch=-3", "-o",
                        str(tmp_path / "o"), timeout=60)
    assert "max_epoch: must be 1 or more, got -3" in _one_error(code, err)


def test_unknown_tokenizer_lists_the_names_once(text):
    code, _, err = _run("tokenize", str(text), "--tokenizer", "otk")
    message = _one_error(code, err)
    assert "unknown tokenizer 'otk'; allowed: " + ", ".join(TOKENIZERS) in message


@pytest.mark.parametrize("argv, message", [
    (["lm", "train", "IN", "-o", "m", "--max-epoch", "-3"], "--max-epoch: expected a whole number"),
    (["lm", "train", "IN", "-o", "m", "--epochs", "0"], "--epochs: expected a whole number ≥ 1"),
    (["lm", "train", "IN", "-o", "m", "--dropout", "1"], "--dropout: expected a number in [0, 1)"),
    (["lm", "train", "IN", "-o", "m", "--lr", "0"], "--lr: expected a finite number > 0"),
    (["lm", "train", "IN", "-o", "m", "--cell", "lstn"], "invalid choice: 'lstn'"),
    (["vectors", "IN", "-o", "v", "--method", "skipgarm"], "invalid choice: 'skipgarm'"),
    (["lm", "bogus"], "invalid choice: 'bogus'"),
])
def test_bad_flags_are_one_line(text, argv, message):
    code, _, err = _run(*[str(text) if a == "IN" else a for a in argv])
    assert message in _one_error(code, err)


# -- output paths and file-system errors ---------------------------------------------------
def test_output_that_is_an_existing_file(text, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    code, _, err = _run("lm", "train", str(text), "-o", str(afile), "--tokenizer", "char")
    assert "is a file, but a folder is written there" in _one_error(code, err)
    code, _, err = _run("vocab", str(text), "-o", str(afile / "v.txt"), "--tokenizer", "char")
    assert "is a file, not a folder" in _one_error(code, err)
    code, _, err = _run("tokenize", str(text), "-o", str(tmp_path), "--tokenizer", "char")
    assert "is a folder, but a file is written there" in _one_error(code, err)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_output_folder(text, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, _, err = _run("vocab", str(text), "-o", str(folder / "v.txt"), "--tokenizer", "char")
        assert "is not writable" in _one_error(code, err)
    finally:
        folder.chmod(0o755)


def test_read_only_folder_seen_by_the_check(text, tmp_path, monkeypatch, capsys):
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode & os.W_OK else real(p, mode))
    assert main(["vocab", str(text), "-o", str(tmp_path / "v.txt"), "--tokenizer", "char"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hangul-dl: error: -o ") and "not writable" in err
    assert not (tmp_path / "v.txt").exists()


@pytest.mark.parametrize("error, message", [
    (OSError(errno.ENOSPC, "No space left on device", "v.txt"), "v.txt: no space left"),
    (OSError(errno.EROFS, "Read-only file system", "v.txt"), "v.txt: permission denied"),
    (PermissionError(errno.EACCES, "Permission denied", "v.txt"), "v.txt: permission denied"),
    (FileExistsError(errno.EEXIST, "File exists", "v.txt"), "v.txt: already exists"),
    (OSError(errno.EIO, "Input/output error", "v.txt"), "v.txt: Input/output error"),
    (MemoryError(), "not enough memory"),
])
def test_every_os_error_while_writing_is_one_line(text, tmp_path, monkeypatch, capsys, error,
                                                  message):
    import hangul_dl.text.vocab as vocab_module

    def fail(self, path):
        raise error

    monkeypatch.setattr(vocab_module.Vocabulary, "save_txt", fail)
    assert main(["vocab", str(text), "-o", str(tmp_path / "v.txt"), "--tokenizer", "char"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hangul-dl: error: {message}") and len(err.splitlines()) == 1, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_on_stdout(text):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "hangul_dl", "tokenize", str(text),
                                 "--tokenizer", "char"], stdout=full, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", timeout=90)
    assert "no space left on the device" in _one_error(result.returncode, result.stderr)


# -- one vocabulary ------------------------------------------------------------------------
def _commands(parser=None, prefix=()):
    """(command words, parser) of every runnable command, hidden aliases included."""
    import argparse

    parser = parser or build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for name, sub in subs[0].choices.items():
        yield from _commands(sub, (*prefix, name))


def test_every_command_has_the_common_options_and_help_for_every_argument():
    import argparse

    seen = 0
    for words, parser in _commands():
        options = {o for a in parser._actions for o in a.option_strings}
        assert {"--quiet", "--device", "--seed", "--threads"} <= options, words
        for action in parser._actions:
            if action.help != argparse.SUPPRESS:
                assert action.help, (words, action.dest)
        seen += 1
    assert seen >= 15


def test_flags_are_named_like_recipe_keys_and_old_spellings_still_work():
    parser = build_parser()
    args = parser.parse_args(["lm", "train", "in.txt", "-o", "m", "--hidden-size", "8",
                              "--embedding-size", "4", "--time-size", "5", "--max-epoch", "2",
                              "--num-layers", "2", "--max-vocab", "50", "--no-cache"])
    assert (args.hidden_size, args.embedding_size, args.time_size, args.max_epoch,
            args.num_layers, args.max_vocab, args.no_cache) == (8, 4, 5, 2, 2, 50, True)
    old = parser.parse_args(["lm", "train", "in.txt", "-o", "m", "--hidden", "8", "--embedding",
                             "4", "--bptt", "5", "--epochs", "2", "--layers", "2", "--tie"])
    assert (old.hidden_size, old.embedding_size, old.time_size, old.max_epoch, old.num_layers,
            old.tie_weights) == (8, 4, 5, 2, 2, True)
    assert parser.parse_args(["lm", "train", "x", "-o", "m"]).lr is None  # the library decides
    vocab = parser.parse_args(["vocab", "in.txt", "-o", "v.txt", "--max-size", "9"])
    assert vocab.max_vocab == 9


def test_help_shows_library_defaults_and_tokenizers_once(capsys):
    with pytest.raises(SystemExit):
        main(["lm", "train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--hidden-size HIDDEN_SIZE 은닉 크기 (기본 " in out and "--hidden " not in out
    assert out.count("okt(기본)") == 1 and out.count("komoran") == 1
    with pytest.raises(SystemExit):
        main(["vocab", "--help"])
    out = capsys.readouterr().out
    assert "--max-vocab" in out and "--max-size" not in out


def test_skip_bad_lines_on_every_text_command(text, tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("국회 법률\n".encode() + "나쁜 줄\n".encode("cp949") + "대통령 국민\n".encode())
    for argv in (["tokenize", str(bad), "--tokenizer", "whitespace"],
                 ["vocab", str(bad), "-o", str(tmp_path / "v.txt"), "--tokenizer", "whitespace"],
                 ["detokenize", str(bad), "--tokenizer", "whitespace"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "bad.txt:2" in err and "--skip-bad-lines" in err and "errors='skip'" not in err
        assert main([*argv, "--skip-bad-lines"]) == 0, argv
        assert "잘못된 줄 1개" in capsys.readouterr().err


def test_similar_prints_words_without_the_word_start_mark(tmp_path, capsys):
    vectors = tmp_path / "v.txt"
    rows = ["▁임시회 1 0", "▁국회 0.9 0.1", "법률 0.8 0.3", "▁대통령 0 1"]
    vectors.write_text(f"{len(rows)} 2\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["similar", str(vectors), "임시회", "-k", "2", "-q"]) == 0
    out = capsys.readouterr().out
    assert "▁" not in out and "국회" in out and "'임시회'" in out
    assert main(["analogy", str(vectors), "국회", "임시회", "법률", "-k", "1", "-q"]) == 0
    assert "▁" not in capsys.readouterr().out


def test_eval_takes_a_word_vector_file(tmp_path, capsys):
    vectors = tmp_path / "v.txt"
    vectors.write_text("3 2\n사과 1 0\n배 0.9 0.1\n버스 0 1\n", encoding="utf-8")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("word1,word2,score\n사과,배,9\n사과,버스,1\n배,버스,2\n", encoding="utf-8")
    assert main(["eval", str(vectors), "--pairs", str(pairs), "-q"]) == 0
    assert "spearman" in capsys.readouterr().out


def test_run_takes_the_scheduler_of_every_tokenizing_command_and_checks_it_first(tmp_path):
    out = tmp_path / "out"
    code, _, err = _run("run", "demo", "--scheduler", "tcp://nosuch:1", "-o", str(out))
    message = _one_error(code, err)
    assert "Dask" in message or "dask" in message  # unreachable, or the extra is missing
    assert not out.exists()  # reached before any work
    code, _, err = _run("run", "demo", "--scheduler", "nosuch", "-o", str(out))
    assert "--scheduler" in _one_error(code, err) and not out.exists()
