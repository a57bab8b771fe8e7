import subprocess
import sys

import pytest

from hangul_dl.cli import main


def test_bad_device_is_one_line_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--device", "tpu"])
    assert exc.value.code == 2


def test_gpu_without_cupy_exits_2_with_reason(tmp_path, capsys):
    from hangul_dl.backend import cupy_available

    if cupy_available():
        pytest.skip("CuPy available")
    assert main(["demo", "--quick", "--device", "gpu", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hangul-dl: error:") and '".[gpu]"' in err[0]


def test_module_entry_point_and_help():
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "--help"],
                            capture_output=True, text=True, encoding="utf-8", check=True)
    assert "demo" in result.stdout
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "demo", "--help"],
                            capture_output=True, text=True, encoding="utf-8", check=True)
    assert "--quick" in result.stdout


def test_import_has_no_side_effects():
    code = ("import sys, hangul_dl, hangul_dl.cli, hangul_dl.nn.layers, hangul_dl.training;"
            "bad = [m for m in ('cupy', 'jpype', 'konlpy', 'matplotlib') if m in sys.modules];"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "" and result.stderr == ""


def test_loading_a_model_leaves_pandas_and_scipy_unimported(tmp_path):
    """Commands that load a model (generate, eval, the hostile-folder checks) start in well
    under a second: pandas (a trainer's history) and SciPy (sparse counting, word2vec's
    kernels) load only when training needs them."""
    from hangul_dl import LanguageModel

    LanguageModel(hidden_size=8, embedding_size=8, max_epoch=1, quiet=True,
                  tokenizer="whitespace").fit(["가 나 다 라", "나 다 라 마"] * 5).save(tmp_path / "lm")
    code = ("import sys; from hangul_dl.cli import main;"
            f"status = main(['generate', {str(tmp_path / 'lm')!r}, '--prompt', '가', '-n', '1']);"
            "print(status, [m for m in ('pandas', 'scipy') if m in sys.modules], file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            encoding="utf-8")
    assert result.stderr.splitlines()[-1] == "0 []", result.stderr
    assert result.stdout.strip()  # it did generate


KOREAN = ("아버지가방에들어가신다 ㅋㅋㅋㅋ 😀\n\n국회는 법률을 제정한다.\r\n"
          "한자 漢字와 English 123도 섞어 씁니다.\n")


@pytest.fixture
def korean_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "in.txt"
    path.write_text(KOREAN, encoding="utf-8")
    return path


@pytest.mark.parametrize("tokenizer", ["okt", "char", "jamo"])
def test_tokenize_detokenize_round_trip_keeps_every_line(tmp_path, korean_file, tokenizer):
    tok, back = tmp_path / "tok.txt", tmp_path / "back.txt"
    assert main(["tokenize", str(korean_file), "-o", str(tok), "--tokenizer", tokenizer, "-q"]) == 0
    assert main(["detokenize", str(tok), "-o", str(back), "--tokenizer", tokenizer, "-q"]) == 0
    lines = tok.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 5 and lines[1] == ""  # 4 input lines (one empty) + final newline
    assert back.read_text(encoding="utf-8").splitlines() == [
        "아버지가방에들어가신다 ㅋㅋㅋㅋ 😀", "", "국회는 법률을 제정한다.",
        "한자 漢字와 English 123도 섞어 씁니다."]


def test_tokenize_uses_the_cache_and_no_cache(tmp_path, korean_file, capsys):
    assert main(["tokenize", str(korean_file), "--tokenizer", "char", "-q"]) == 0
    first = capsys.readouterr().out
    assert list((tmp_path / "cache" / "tokens").glob("*.txt"))
    assert main(["tokenize", str(korean_file), "--tokenizer", "char", "--no-cache", "-q"]) == 0
    assert capsys.readouterr().out == first


def test_vocab_from_text_and_from_tokenized(tmp_path, korean_file):
    from hangul_dl.text.vocab import Vocabulary

    assert main(["vocab", str(korean_file), "-o", str(tmp_path / "v.txt"), "-q"]) == 0
    vocab = Vocabulary.load_txt(tmp_path / "v.txt")
    assert "▁국회" in vocab and vocab.n_sequences_ == 3
    main(["tokenize", str(korean_file), "-o", str(tmp_path / "tok.txt"), "-q"])
    main(["vocab", str(tmp_path / "tok.txt"), "--tokenized", "-o", str(tmp_path / "v2.txt"), "-q"])
    assert (tmp_path / "v2.txt").read_bytes() == (tmp_path / "v.txt").read_bytes()


def test_bad_bytes_and_missing_files_are_one_line_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes("좋은 줄\n".encode() + "나쁜 줄".encode("cp949") + b"\n")
    assert main(["tokenize", str(bad), "--tokenizer", "char"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.txt:2" in err[0] and "cp949" in err[0]
    assert main(["tokenize", str(tmp_path / "none.txt")]) == 2
    assert "none.txt" in capsys.readouterr().err


def test_lm_train_eval_generate(tmp_path, capsys):
    text = tmp_path / "train.txt"
    text.write_text("가나다라마바사.\n아자차카타파하.\n" * 60, encoding="utf-8")
    out = tmp_path / "lm"
    assert main(["lm", "train", str(text), "-o", str(out), "--tokenizer", "char", "--epochs", "3",
                 "--hidden", "32", "--embedding", "32", "--optimizer", "adam", "--lr", "0.02",
                 "--batch-size", "4", "--bptt", "8", "--valid", str(text), "-q"]) == 0
    assert "검증 퍼플렉서티" in capsys.readouterr().out
    assert main(["eval", str(out), "--text", str(text), "-q"]) == 0
    shown = dict(line.split() for line in capsys.readouterr().out.splitlines()[1:])
    assert float(shown["perplexity"]) < 3.0
    assert main(["lm", "eval", str(out), str(text), "-q"]) == 0  # the old name still works
    assert "perplexity" in capsys.readouterr().out
    assert main(["generate", str(out), "--prompt", "아자", "--temperature", "0", "-q"]) == 0
    assert capsys.readouterr().out.strip() == "아자차카타파하."


def test_lm_train_checkpoints_and_resume(tmp_path, capsys):
    import pandas as pd

    text = tmp_path / "train.txt"
    text.write_text("가나다라마바사.\n아자차카타파하.\n" * 40, encoding="utf-8")
    common = ["--tokenizer", "char", "--hidden", "16", "--embedding", "16", "--optimizer", "adam",
              "--lr", "0.02", "--batch-size", "4", "--bptt", "8", "--valid", str(text), "-q",
              "--checkpoint-dir", str(tmp_path / "ck")]
    assert main(["lm", "train", str(text), "-o", str(tmp_path / "lm1"), "--epochs", "2",
                 *common]) == 0
    assert (tmp_path / "ck" / "last" / "optimizer.npz").is_file()
    assert (tmp_path / "ck" / "best" / "weights.npz").is_file()
    assert main(["lm", "train", str(text), "-o", str(tmp_path / "lm2"), "--epochs", "3",
                 "--resume", str(tmp_path / "ck" / "last"), *common]) == 0
    out = capsys.readouterr().out
    assert "에폭 3" in out  # continued from epoch 2
    history = pd.read_csv(tmp_path / "lm2" / "history.csv")
    assert history["epoch"].max() == 3


def _first_line_then_close(command, tmp_path):
    """Run ``command``, read one line of its stdout, close the pipe (like ``| head -1``)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=tmp_path)
    first = process.stdout.readline().decode("utf-8")
    process.stdout.close()
    err = process.stderr.read().decode("utf-8")
    process.stderr.close()
    return first, process.wait(timeout=60), err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_closed_stdout_pipe_exits_quietly(tmp_path):
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("▁국회 는 ▁오늘 ▁회의 를 ▁열 었다 . ▁ㅋㅋ ▁😀\n" * 100_000, encoding="utf-8")
    first, status, err = _first_line_then_close(
        [sys.executable, "-m", "hangul_dl", "detokenize", "--tokenizer", "whitespace",
         str(tokens)], tmp_path)
    assert first == "국회는 오늘 회의를 열었다. ㅋㅋ 😀\n"
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == "" and status == 141


def test_broken_pipe_elsewhere_is_still_an_error(monkeypatch, tmp_path):
    def broken(args):
        raise BrokenPipeError(32, "Broken pipe")  # e.g. a dead worker process, not stdout

    monkeypatch.setattr("hangul_dl.cli.text._cmd_detokenize", broken)
    (tmp_path / "x.txt").write_text("▁국회\n", encoding="utf-8")
    with pytest.raises(BrokenPipeError):
        main(["detokenize", str(tmp_path / "x.txt")])


def test_skipped_bad_lines_are_reported_once(tmp_path, capsys, caplog):
    from hangul_dl.cli.common import read_lines

    bad = tmp_path / "bad.txt"
    bad.write_bytes("국회 ㅋㅋ\n".encode() + "나쁜 줄".encode("cp949") + b"\nok\n")
    assert read_lines(str(bad), skip_bad=True) == ["국회 ㅋㅋ", "ok"]
    captured = capsys.readouterr()
    everything = caplog.text + captured.err + captured.out
    assert everything.count("bad.txt:2") == 1 and "bad.txt:2: invalid UTF-8" in caplog.text
    assert "잘못된 줄 1개를 건너뛰었습니다" in captured.err


def test_lm_train_accepts_the_vocab_commands_output_and_no_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    text = tmp_path / "train.txt"
    text.write_text("가나다라마바사.\n아자차카타파하.\n" * 20, encoding="utf-8")
    vocab = tmp_path / "vocab.txt"
    assert main(["vocab", str(text), "-o", str(vocab), "--tokenizer", "char", "--no-cache",
                 "-q"]) == 0
    out = tmp_path / "lm"
    assert main(["lm", "train", str(text), "-o", str(out), "--tokenizer", "char", "--vocab",
                 str(vocab), "--no-cache", "--max-epoch", "1", "--hidden-size", "8",
                 "--embedding-size", "8", "--batch-size", "2", "--time-size", "4", "-q"]) == 0
    from hangul_dl.text.vocab import Vocabulary

    assert f"어휘 {len(Vocabulary.load_txt(vocab))}개" in capsys.readouterr().out
    assert not (tmp_path / "cache").exists()  # --no-cache: nothing written there


def test_an_interrupted_training_exits_130_and_says_how_to_resume(capsys):
    from types import SimpleNamespace

    from hangul_dl.cli.common import exit_status_of_training

    assert exit_status_of_training(SimpleNamespace(interrupted=False), "ck") == 0
    assert capsys.readouterr().err == ""
    assert exit_status_of_training(SimpleNamespace(interrupted=True), "ck/last") == 130
    assert capsys.readouterr().err.strip() == ("학습이 중단되었습니다. 지금까지의 모델을 저장했습니다. "
                                               "이어서 학습: 같은 명령에 --resume ck/last")
    assert exit_status_of_training(SimpleNamespace(interrupted=True)) == 130
    assert "--resume" not in capsys.readouterr().err
