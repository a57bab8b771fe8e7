"""CLI: hangul-dl classify train / predict and hangul-dl eval --labelled, in subprocesses (a
saved classifier loads in a fresh process and predicts what the API predicts), and bad input
answered with exit 2 and one error line."""

from __future__ import annotations

import inspect
import json
import os
import resource
import subprocess
import sys
import time

import pytest

from hangul_dl import TextClassifier, sentiment_reviews, write_reviews_tsv
from hangul_dl.cli import classify as cli_classify
from hangul_dl.cli import main

TINY = ["--tokenizer", "whitespace", "--model", "bow", "--embedding-size", "8",
        "--ngram-buckets", "200", "--max-epoch", "2", "--min-count", "1", "--quiet"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _run(*args: str, cwd=None, timeout: float = 60):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "hangul_dl", *map(str, args)],
                            capture_output=True, text=True, encoding="utf-8", cwd=cwd,
                            timeout=timeout, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
                            preexec_fn=_limit_memory)
    assert time.monotonic() - started < timeout
    return result.returncode, result.stdout, result.stderr


def _one_error(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("hangul-dl: error:")]
    assert len(lines) == 1 and err.strip().startswith("hangul-dl: error:"), err
    return lines[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("classify")
    write_reviews_tsv(root / "train.tsv", sentiment_reviews(300, seed=1))
    write_reviews_tsv(root / "test.tsv", sentiment_reviews(60, seed=2))
    (root / "in.txt").write_text("정말 재밌다 ㅋㅋ\n\n최악... 돈 아깝다\n   \n👍\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def trained(files):
    code, out, err = _run("classify", "train", files / "train.tsv", "-o", files / "m", *TINY)
    assert code == 0, err
    assert "분류기 저장" in out and "라벨 2개: 0, 1" in out
    return files / "m"


def test_predict_writes_one_label_per_line_as_the_api_does(files, trained):
    code, out, err = _run("classify", "predict", trained, files / "in.txt")
    assert code == 0, err
    lines = out.splitlines()
    texts = (files / "in.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == len(texts) == 5  # empty and blank lines keep their line
    assert lines == [str(y) for y in TextClassifier.load(trained).predict(texts)]

    code, out, err = _run("classify", "predict", trained, files / "in.txt", "--proba",
                          "-o", files / "p.tsv")
    assert code == 0, err
    rows = (files / "p.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "label\t0\t1" and len(rows) == 6
    label, p0, p1 = rows[1].split("\t")
    assert label == lines[0] and abs(float(p0) + float(p1) - 1) < 1e-3


def test_eval_reports_accuracy_macro_f1_and_the_confusion_matrix(files, trained):
    out_json = files / "eval.json"
    code, out, err = _run("eval", trained, "--labelled", files / "test.tsv", "--json", out_json)
    assert code == 0, err
    assert "TextClassifier" in out and "accuracy" in out and "macro_f1" in out
    assert "혼동 행렬" in out
    result = json.loads(out_json.read_text(encoding="utf-8"))["results"]["m"]
    assert result["n"] == 60 and sum(map(sum, result["confusion"])) == 60
    assert 0 <= result["accuracy"] <= 1


def test_train_with_valid_and_named_columns(files, capsys):
    nsmc = files / "nsmc.txt"
    rows = ["id\tdocument\tlabel"] + [f"{i}\t{t}\t{'긍정' if y else '부정'}"
                                      for i, (y, t) in enumerate(sentiment_reviews(120, seed=4))]
    nsmc.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["classify", "train", str(nsmc), "-o", str(files / "m2"), "--valid", str(nsmc),
                 "--text-column", "document", *TINY]) == 0
    out = capsys.readouterr().out
    assert "라벨 2개: 긍정, 부정" in out and "검증 정확도" in out


def test_bad_rows_are_reported_with_file_and_line_or_skipped_and_counted(files, capsys):
    bad = files / "bad.tsv"
    bad.write_bytes("label\ttext\n1\t좋다\n0\t싫다\n\t라벨 없음\n1\t\n0\t별로\n".encode()
                    + b"1\t\xb0\xa1\n" + "1\t최고\n0\t최악\n".encode())
    err = _one_error(*_run("classify", "train", bad, "-o", files / "x", *TINY)[::2])
    assert "bad.tsv:4" in err and "'label' field is empty" in err and "--skip-bad-lines" in err
    assert main(["classify", "train", str(bad), "-o", str(files / "x"), *TINY,
                 "--skip-bad-lines"]) == 0
    assert "잘못된 줄 3개" in capsys.readouterr().err


@pytest.mark.parametrize("args, needle", [
    (["classify", "train", "{d}/nothere.tsv", "-o", "{d}/y"], "nothere.tsv"),
    (["classify", "train", "{d}/train.tsv", "-o", "{d}/y", "--text-column", "review"],
     "no column named 'review'"),
    (["classify", "train", "{d}/train.tsv", "-o", "{d}/y", "--kernel-sizes", "3,x"], "3,x"),
    (["classify", "train", "{d}/train.tsv", "-o", "{d}/y", "--tokenizer", "nope"],
     "unknown tokenizer"),
    (["classify", "predict", "{d}", "{d}/in.txt"], "manifest.json"),
])
def test_bad_input_is_one_line_and_exit_2(files, args, needle):
    code, _, err = _run(*[a.format(d=files) for a in args])
    assert needle in _one_error(code, err)
    assert not (files / "y").exists()


def test_predict_on_a_damaged_folder_is_one_line(files, trained, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(trained, broken)
    labels = json.loads((broken / "labels.json").read_text(encoding="utf-8"))
    labels["labels"].append("2")
    (broken / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    code, _, err = _run("classify", "predict", broken, files / "in.txt")
    assert "labels.json lists 3 labels" in _one_error(code, err)


def test_cli_default_tokenizer_is_the_librarys():
    default = inspect.signature(TextClassifier.__init__).parameters["tokenizer"].default
    assert cli_classify.DEFAULT_TOKENIZER == default
