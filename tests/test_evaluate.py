"""hangul_dl.evaluate and `hangul-dl eval` / scripts/evaluate.py: every model family scored on
the data that suits it, through a recipe's output folder."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from hangul_dl.cli import main
from hangul_dl.datasets import korean_dates
from hangul_dl.errors import InputError
from hangul_dl.evaluate import evaluate_model, evaluate_models, find_models
from hangul_dl.recipes import load_recipe, run_recipe
from hangul_dl.seq2seq.translator import Translator

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
FRUIT, RIDE = ["사과", "배", "포도"], ["버스", "기차", "택시"]
RECIPE = """
[input]
path = "{path}"

[steps.tokenize]
class = "WhitespaceTokenizer"

[steps.vocab]
class = "Vocabulary"

[models.ppmi]
class = "PPMISVD"
dim = 4
window = 2

[models.lm]
class = "LanguageModel"
embedding_size = 8
hidden_size = 8
max_epoch = 1
batch_size = 4
time_size = 5
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A recipe's output folder with word vectors and a language model, plus test files."""
    root = tmp_path_factory.mktemp("eval")
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(600):
        group, ctx = (FRUIT, ["맛있는", "달콤한"]) if rng.random() < 0.5 else (RIDE, ["빠른", "타고"])
        lines.append(" ".join([str(rng.choice(ctx)), str(rng.choice(group)), str(rng.choice(ctx))]))
    (root / "corpus.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "recipe.toml").write_text(RECIPE.format(path=(root / "corpus.txt").as_posix()),
                                      encoding="utf-8")
    run_recipe(load_recipe(root / "recipe.toml"), output=root / "out", quiet=True)
    (root / "test.txt").write_text("맛있는 사과 달콤한\n빠른 버스 타고\n", encoding="utf-8")
    (root / "pairs.csv").write_text("word1,word2,score\n사과,배,9\n버스,기차,9\n사과,버스,1\n"
                                    "포도,택시,1\n사과,없는말,5\n", encoding="utf-8")
    (root / "q.txt").write_text(": 과일-탈것\n사과 배 버스 기차\n포도 사과 택시 버스\n",
                                encoding="utf-8")
    return root


def test_every_model_is_scored_with_its_own_data(trained):
    report = evaluate_models(trained / "out", text=trained / "test.txt",
                             pairs=trained / "pairs.csv", analogies=trained / "q.txt")
    assert report.classes == {"lm": "LanguageModel", "ppmi": "PPMISVD"}
    assert report.skipped == {}
    lm = report.results["lm"]
    assert lm["sentences"] == 2 and 1 < lm["perplexity"] < 20  # 14 words; it learned something
    ppmi = report.results["ppmi"]
    assert ppmi["spearman"] > 0.5 and ppmi["pairs"] == 5 and ppmi["pairs_oov"] == 1
    assert ppmi["analogies_answered"] == 2 and 0 <= ppmi["analogy_accuracy"] <= 1


def test_models_without_suitable_data_are_listed_not_dropped(trained):
    report = evaluate_models(trained / "out", text=trained / "test.txt")
    assert set(report.results) == {"lm"}
    assert "pairs" in report.skipped["ppmi"] and "PPMISVD" in report.skipped["ppmi"]
    one = find_models(trained / "out" / "lm")  # a single pipeline folder works too
    assert list(one) == ["lm"]
    assert evaluate_model(trained / "out" / "ppmi", text=trained / "test.txt") is None


def test_errors_name_what_is_missing(trained, tmp_path):
    with pytest.raises(InputError, match="no test data given"):
        evaluate_models(trained / "out")
    with pytest.raises(InputError, match="holds no saved model"):
        evaluate_models(tmp_path, text=trained / "test.txt")
    with pytest.raises(InputError, match="no such folder"):
        evaluate_models(tmp_path / "nope", text=trained / "test.txt")


def test_translator_bleu_through_the_script(tmp_path, capsys):
    train = korean_dates(600, seed=1, formats=["slashes"])
    test = korean_dates(40, seed=2, formats=["slashes"])
    tr = Translator("char", "char", embedding_size=8, hidden_size=16, max_epoch=1, quiet=True)
    tr.fit(train).save(tmp_path / "tr")
    (tmp_path / "test.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in test), encoding="utf-8")
    argv = [str(tmp_path / "tr"), "--tsv", str(tmp_path / "test.tsv"), "--json",
            str(tmp_path / "scores.json")]
    old = sys.argv
    sys.argv = ["evaluate.py", *argv]
    try:
        with pytest.raises(SystemExit) as exit_:
            runpy.run_path(str(SCRIPTS / "evaluate.py"), run_name="__main__")
    finally:
        sys.argv = old
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "[tr] Translator" in out and "bleu" in out
    scores = json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))
    assert scores["results"]["tr"]["n"] == 40
    assert 0 <= scores["results"]["tr"]["bleu"] <= 100


def test_cli_eval_exit_status_and_train_script_model_selection(trained, tmp_path, capsys):
    assert main(["eval", str(trained / "out"), "--pairs", str(trained / "pairs.csv")]) == 0
    out = capsys.readouterr().out
    assert "[ppmi] PPMISVD" in out and "[lm] 평가하지 않음" in out
    # nothing could be evaluated: exit status 1
    assert main(["eval", str(trained / "out" / "lm"), "--pairs", str(trained / "pairs.csv")]) == 1
    train = runpy.run_path(str(SCRIPTS / "train.py"))["main"]
    assert train([str(trained / "recipe.toml"), "--models", "ppmi", "-o", str(tmp_path / "o"),
                  "-q"]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["ppmi", "report.md"]
    assert train([str(trained / "recipe.toml"), "--models", "w2v", "-q"]) == 2
    assert "recipe has no model 'w2v'; its models: ppmi, lm" in capsys.readouterr().err
