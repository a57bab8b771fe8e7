"""The sentiment recipe: generated reviews (or a labelled table) → TextClassifier → a report with
validation scores, a confusion-matrix plot and the most confident errors; eval reads its output."""

from hangul_dl import sentiment_reviews, write_reviews_tsv
from hangul_dl.evaluate import evaluate_models
from hangul_dl.recipes import load_recipe, run_recipe

SMALL = ["input.limit=400", "models.model.tokenizer=whitespace", "models.model.max_epoch=1",
         "models.model.embedding_size=8", "models.model.hidden_size=8"]


def test_sentiment_recipe_reports_scores_confusion_and_errors(tmp_path):
    recipe = load_recipe("sentiment", SMALL)
    result = run_recipe(recipe, output=tmp_path / "out", quiet=True)
    report = result.files["report"].read_text(encoding="utf-8")
    assert result.metrics["model"]["검증 텍스트"] == 40  # every 10th of 400 held out
    assert "검증 정확도 (%)" in report and "| 긍정 |" in report and "| 부정 |" in report
    assert "model_confusion.png" in report and (tmp_path / "out" / "model_confusion.png").is_file()
    assert "가장 확신했던 오답" in report

    test = write_reviews_tsv(tmp_path / "test.tsv", [("긍정" if y else "부정", t)
                                                      for y, t in sentiment_reviews(30, seed=5)])
    evaluation = evaluate_models(tmp_path / "out", labelled=test)
    assert evaluation.results["model"]["n"] == 30
    assert evaluation.results["model"]["labels"] == ["긍정", "부정"]


def test_sentiment_recipe_reads_a_labelled_table(tmp_path):
    table = tmp_path / "nsmc.txt"
    rows = ["id\tdocument\tlabel"] + [f"{i}\t{t}\t{y}" for i, (y, t) in
                                      enumerate(sentiment_reviews(200, seed=3))]
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    recipe = load_recipe("sentiment", [*SMALL, f"input.path={table.as_posix()}",
                                       "input.text_column=document"])
    result = run_recipe(recipe, output=tmp_path / "out", quiet=True)
    assert result.pipelines["model"][-1].classes_ == ["0", "1"]
