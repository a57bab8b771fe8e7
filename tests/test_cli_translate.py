"""hangul-dl translate: train, translate files and stdin, eval, attention, bad input (char dates)."""

from __future__ import annotations

import io
import json

import pytest

from hangul_dl.cli import main
from hangul_dl.datasets import korean_dates

FORMATS = ["ymd_korean", "dots", "slashes", "md_weekday_year"]
FAST = ["--src-tokenizer", "char", "--tgt-tokenizer", "char", "--embedding", "16",
        "--hidden", "64", "--lr", "0.01", "-q"]


def _write(path, lines):
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("dates")
    train = korean_dates(1000, seed=1, formats=FORMATS)
    valid = korean_dates(200, seed=2, formats=FORMATS)
    return {
        "root": root, "valid": valid,
        "src": _write(root / "train.ko", [s for s, _ in train]),
        "tgt": _write(root / "train.iso", [t for _, t in train]),
        "vsrc": _write(root / "valid.ko", [s for s, _ in valid]),
        "vtgt": _write(root / "valid.iso", [t for _, t in valid]),
        "tsv": _write(root / "train.tsv", [f"{s}\t{t}" for s, t in train[:300]]),
    }


@pytest.fixture(scope="module")
def model(files):
    """The date translator (~3 s of CPU: 1,000 pairs in batches of 32 at lr 0.02 for 6 epochs
    reach the exact match of 3,000 pairs at the defaults for 7, as in test_translator.py)."""
    out = files["root"] / "model"
    code = main(["translate", "train", "--src", files["src"], "--tgt", files["tgt"],
                 "--valid-src", files["vsrc"], "--valid-tgt", files["vtgt"], "-o", str(out),
                 "--epochs", "6", *FAST, "--batch-size", "32", "--lr", "0.02"])  # last --lr wins
    assert code == 0
    return out


def test_train_saves_a_usable_directory(model, capsys):
    for name in ("manifest.json", "model/weights.npz", "src_vocab.txt", "tgt_vocab.txt",
                 "src_tokenizer/manifest.json", "state.json", "epochs.csv", "loss.png"):
        assert (model / name).is_file(), name
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "Translator"
    assert manifest["config"]["architecture"] == "attention"


def test_train_prints_epochs_with_validation(files, tmp_path, capsys):
    assert main(["translate", "train", "--tsv", files["tsv"], "--valid-tsv", files["tsv"],
                 "-o", str(tmp_path / "m"), "--epochs", "2", *FAST]) == 0
    out = capsys.readouterr().out
    assert "번역기 저장" in out and "에폭 2: 손실" in out and "검증 BLEU" in out
    assert "최고 검증 BLEU" in out


def test_translate_file_and_stdin(model, files, tmp_path, capsys, monkeypatch):
    inp = _write(tmp_path / "in.txt", ["2019년 5월 1일", "", "2019/05/01", "1987. 11. 23."])
    assert main(["translate", str(model), inp, "-o", str(tmp_path / "out.txt"), "-q"]) == 0
    lines = (tmp_path / "out.txt").read_text(encoding="utf-8").split("\n")
    assert lines == ["2019-05-01", "", "2019-05-01", "1987-11-23", ""]  # empty lines kept
    monkeypatch.setattr("sys.stdin", io.StringIO("2019년 5월 1일\n"))
    capsys.readouterr()
    assert main(["translate", str(model), "--beam", "3", "-q"]) == 0
    assert capsys.readouterr().out == "2019-05-01\n"


def test_eval_reports_bleu_chrf_exact_match(model, files, tmp_path, capsys):
    hyp = tmp_path / "hyp.txt"
    assert main(["eval", str(model), "--src", files["vsrc"], "--tgt", files["vtgt"],
                 "--translations", str(hyp), "-q"]) == 0
    assert len(hyp.read_text(encoding="utf-8").splitlines()) == len(files["valid"])
    out = capsys.readouterr().out
    shown = dict(line.split(None, 1) for line in out.splitlines()[1:])
    assert "tok:13a" in shown["bleu_signature"] and float(shown["chrf"]) > 0
    assert float(shown["exact_match"]) >= 0.85 and int(shown["n"]) == len(files["valid"])
    hyp.unlink()
    assert main(["translate", "eval", str(model), "--src", files["vsrc"], "--tgt", files["vtgt"],
                 "-o", str(hyp), "-q"]) == 0  # the old name and its -o still work
    assert "bleu" in capsys.readouterr().out and hyp.is_file()


def test_attention_map(model, tmp_path, capsys):
    png = tmp_path / "map.png"
    assert main(["translate", "attention", str(model), "2019년 5월 1일", "-o", str(png),
                 "-q"]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    assert out.startswith("2019년 5월 1일 → 2019-05-01") and "←" in out


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hangul-dl: error:"), err
    return err[0]


def test_misaligned_files_name_the_line_counts(files, tmp_path, capsys):
    short = _write(tmp_path / "short.iso", ["2019-05-01"] * 10)
    assert main(["translate", "train", "--src", files["src"], "--tgt", short,
                 "-o", str(tmp_path / "m"), *FAST]) == 2
    err = _error(capsys)
    assert "has 1000 lines but" in err and "has 10" in err


def test_empty_line_is_an_error_naming_file_and_line(tmp_path, capsys):
    src = _write(tmp_path / "a.ko", ["2019년 5월 1일", "", "2019/05/01"])
    tgt = _write(tmp_path / "a.iso", ["2019-05-01", "2019-05-01", "2019-05-01"])
    args = ["translate", "train", "--src", src, "--tgt", tgt, "-o", str(tmp_path / "m"),
            "--epochs", "1", *FAST]
    assert main(args) == 2
    err = _error(capsys)
    assert "a.ko:2" in err and "empty source" in err and "--skip-bad-lines" in err
    assert main([*args, "--skip-bad-lines"]) == 0
    captured = capsys.readouterr()
    assert "빈 줄 1개" in captured.err and "사용한 쌍 2개" in captured.err


@pytest.mark.parametrize("argv, message", [
    (["translate", "nowhere"], "DIR nowhere: no such file or folder"),
    (["translate", "train", "--src", "x.ko"], "required: -o/--output"),
    (["translate", "train", "-o", "OUT", "--src", "x.ko"], "--src x.ko: no such file"),
    (["translate", "train", "-o", "OUT"], "needs training data"),
    (["translate", "eval"], "required: DIR"),
    (["translate", "attention", "DIR"], "required"),
])
def test_usage_errors(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own checks
        code = exc.code
    assert code == 2
    assert message in _error(capsys)


def test_no_attention_model_and_resume(files, tmp_path, capsys):
    out, ckpt = tmp_path / "peeky", tmp_path / "ckpt"
    base = ["translate", "train", "--tsv", files["tsv"], "--valid-tsv", files["tsv"], "-o",
            str(out), "--no-attention", "--checkpoint-dir", str(ckpt), *FAST]
    assert main([*base, "--epochs", "1"]) == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["config"][
        "architecture"] == "peeky"
    assert main([*base, "--epochs", "2", "--resume", str(ckpt)]) == 0
    assert "에폭 2: 손실" in capsys.readouterr().out
    assert main(["translate", "attention", str(out), "2019년 5월 1일", "-o",
                 str(tmp_path / "m.png")]) == 2
    assert "no attention" in _error(capsys)


def test_help_lists_the_forms_and_each_form_has_its_own_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["translate", "--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for form in ("translate train", "translate DIR [IN]", "eval DIR --src F --tgt F",
                 "translate attention DIR"):
        assert form in out
    helps = {}
    for action in ("train", "attention", "eval"):
        with pytest.raises(SystemExit):
            main(["translate", action, "--help"])
        helps[action] = capsys.readouterr().out
        assert helps[action].startswith(f"usage: hangul-dl translate {action}")
    assert "--src-tokenizer" in helps["train"] and "--src-tokenizer" not in helps["attention"]
    assert "--text" in helps["eval"] and "--hidden-size" not in helps["eval"]
