"""TextClassifier: learns generated reviews clearly above chance, string labels, validation
through the one Trainer, save/load giving identical predictions, batch-size invariance, checks
before any work, and hostile folders answered with one-line FormatErrors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from hangul_dl import Stage, TextClassifier, sentiment_reviews
from hangul_dl.errors import FormatError, InputError, NotFittedError

FAST = {"tokenizer": "whitespace", "quiet": True, "embedding_size": 32, "num_filters": 32,
        "hidden_size": 16, "max_epoch": 6, "batch_size": 32, "min_count": 1}
NAMES = {0: "부정", 1: "긍정"}


@pytest.fixture(scope="module")
def data():
    train = [(NAMES[y], t) for y, t in sentiment_reviews(900, seed=1, label_noise=0.0)]
    test = [(NAMES[y], t) for y, t in sentiment_reviews(300, seed=2, label_noise=0.0)]
    return train, test


@pytest.fixture(scope="module")
def cnn(data):
    return TextClassifier(model="cnn", **FAST).fit(data[0])


def test_cnn_learns_reviews_with_string_labels(cnn, data):
    _, test = data
    texts, labels = [t for _, t in test], [y for y, _ in test]
    assert cnn.classes_ == ["긍정", "부정"]
    assert set(cnn.predict(texts)) <= {"긍정", "부정"}
    report = cnn.evaluate(texts, labels)
    assert report["accuracy"] > 0.64 and report["macro_f1"] > 0.6  # chance: 0.5 ± 0.03
    assert cnn.score(test) == pytest.approx(report["accuracy"])
    confusion = np.array(report["confusion"])
    assert confusion.sum() == len(test) and np.trace(confusion) == round(report["accuracy"] * 300)
    errors = report["errors"]
    assert errors and all(e["label"] != e["predicted"] for e in errors)
    assert [e["confidence"] for e in errors] == sorted((e["confidence"] for e in errors),
                                                       reverse=True)
    proba = cnn.predict_proba(texts[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_validation_picks_the_best_epoch_through_the_trainer(cnn):
    epochs = cnn.trainer_.epochs
    assert "val_accuracy" in epochs and len(epochs) >= 2  # 10% held out of 900 texts
    assert cnn.trainer_.best_score == pytest.approx(epochs["val_accuracy"].max())
    assert cnn.validation_["n"] == 90 and cnn.validation_["accuracy"] == pytest.approx(
        cnn.trainer_.best_score)


def test_save_load_predicts_identically(cnn, data, tmp_path):
    texts = [t for _, t in data[1]] + ["", "ㅋㅋㅋ 👍"]
    folder = cnn.save(tmp_path / "clf")
    assert json.loads((folder / "labels.json").read_text(encoding="utf-8"))["labels"] == [
        "긍정", "부정"]
    loaded = Stage.load(folder)
    assert isinstance(loaded, TextClassifier) and loaded.classes_ == cnn.classes_
    assert loaded.predict(texts) == cnn.predict(texts)
    assert np.allclose(loaded.predict_proba(texts), cnn.predict_proba(texts))
    assert loaded.get_params() == {**cnn.get_params(), "kernel_sizes": (3, 4, 5)}


def test_one_text_alone_scores_as_in_a_batch(cnn, data):
    texts = [t for _, t in data[1][:40]] + [""]
    together = cnn.predict_proba(texts)
    alone = np.vstack([cnn.predict_proba([t]) for t in texts[::8]])
    assert np.allclose(together[::8], alone, atol=1e-10)


@pytest.mark.parametrize("model", ["bilstm", "bow"])
def test_other_models_and_integer_labels(model, data):
    train = [(int(y == "긍정"), t) for y, t in data[0][:400]]
    texts, labels = [t for _, t in train], [y for y, _ in train]
    clf = TextClassifier(model=model, **{**FAST, "max_epoch": 2}, ngram_buckets=500,
                         valid_fraction=0.0).fit(texts, labels)
    assert clf.classes_ == [0, 1] and clf.trainer_.best_weights is None
    assert set(clf.predict(texts[:20])) <= {0, 1}
    assert clf.score(texts, labels) > 0.6
    assert clf.evaluate(texts[:10], [str(y) for y in labels[:10]])["n"] == 10  # "1" means 1


def test_explicit_valid_and_unknown_valid_label(data):
    train, test = data
    clf = TextClassifier(model="bow", **{**FAST, "max_epoch": 1}, ngram_buckets=0)
    clf.fit([t for _, t in train[:200]], [y for y, _ in train[:200]],
            valid=([t for _, t in test[:50]], [y for y, _ in test[:50]]))
    assert clf.validation_["n"] == 50
    with pytest.raises(InputError, match="label '중립'"):
        clf.fit(train[:200], valid=[("중립", "그냥 그래요")])


def test_init_vectors_start_the_embedding_table(tmp_path):
    vectors = tmp_path / "vecs.txt"
    vectors.write_text("2 4\n좋다 1 0 0 0\n싫다 0 1 0 0\n", encoding="utf-8")
    texts = ["좋다 좋다", "싫다", "좋다", "싫다 싫다"] * 5
    labels = ["긍정", "부정", "긍정", "부정"] * 5
    clf = TextClassifier(model="bow", tokenizer="whitespace", embedding_size=4, ngram_buckets=0,
                         init_vectors=str(vectors), freeze_embeddings=True, max_epoch=1,
                         quiet=True, min_count=1, valid_fraction=0.0).fit(texts, labels)
    W, vocab = clf.model_.embed.params[0], clf.encoder_.vocab_
    assert np.allclose(W[vocab["▁좋다"]], [1, 0, 0, 0]) and np.allclose(W[vocab["▁싫다"]], [0, 1, 0, 0])
    with pytest.raises(InputError, match="embedding_size=4"):
        TextClassifier(tokenizer="whitespace", embedding_size=8, init_vectors=str(vectors),
                       quiet=True).fit(texts, labels)


@pytest.mark.parametrize("params, data, match", [
    ({"model": "rnn"}, None, "model must be one of bigru, bilstm"),
    ({"pooling": "sum"}, None, "pooling must be one of"),
    ({"max_epoch": 0}, None, "max_epoch must be an integer >= 1"),
    ({"kernel_sizes": "345"}, None, "kernel_sizes must be a list"),
    ({"init_vectors": "/no/such/vectors"}, None, "no such file"),
    ({}, [("a", "좋다"), ("a", "싫다")], "only one label"),
    ({}, [(1, "좋다"), ("b", "싫다")], "mix strings and integers"),
    ({}, [("a", "좋다"), ("b",)], "item 1 is"),
    ({}, "좋다", "no such file"),
])
def test_bad_settings_and_data_fail_before_any_work(params, data, match):
    clf = TextClassifier(tokenizer="whitespace", quiet=True, **params)
    with pytest.raises(InputError, match=match):
        clf.fit(data if data is not None else [("a", "좋다"), ("b", "싫다")])
    assert not clf.is_fitted


def test_labels_per_text_must_match_and_fit_comes_first():
    with pytest.raises(InputError, match="2 texts but 1 labels"):
        TextClassifier(tokenizer="whitespace").fit(["좋다", "싫다"], ["a"])
    with pytest.raises(NotFittedError, match="call fit"):
        TextClassifier().predict(["좋다"])


# -- hostile folders ---------------------------------------------------------------------------
@pytest.fixture
def folder(cnn, tmp_path):
    return cnn.save(tmp_path / "clf")


def _edit_json(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _one_line(exc_info) -> str:
    message = str(exc_info.value)
    assert "\n" not in message
    return message


def test_label_count_must_match_the_model_outputs(folder):
    _edit_json(folder / "labels.json", lambda d: d["labels"].append("중립"))
    with pytest.raises(FormatError, match="2 outputs but .*labels.json lists 3 labels") as e:
        TextClassifier.load(folder)
    _one_line(e)


def test_model_config_claiming_more_classes_is_refused_before_the_weights(folder):
    _edit_json(folder / "model" / "manifest.json", lambda d: d["config"].update(num_classes=3))
    _edit_json(folder / "labels.json", lambda d: d["labels"].append("중립"))
    with pytest.raises(FormatError) as e:
        TextClassifier.load(folder)
    _one_line(e)


@pytest.mark.parametrize("damage, match", [
    (lambda f: (f / "labels.json").write_text("{not json", encoding="utf-8"), "not valid"),
    (lambda f: (f / "labels.json").write_bytes(b"\xff\xfe"), "not valid UTF-8 JSON"),
    (lambda f: _edit_json(f / "labels.json", lambda d: d.update(labels=["a", "a"])), "twice"),
    (lambda f: _edit_json(f / "labels.json", lambda d: d.update(labels=["a", 1])), "every label"),
    (lambda f: _edit_json(f / "labels.json", lambda d: d.update(labels="ab")), "must be a list"),
    (lambda f: _edit_json(f / "labels.json", lambda d: d.update(version=9)), "version 9"),
    (lambda f: (f / "labels.json").unlink(), "missing"),
    (lambda f: (f / "manifest.json").write_text("[1, 2", encoding="utf-8"), "manifest"),
    (lambda f: _edit_json(f / "manifest.json", lambda d: d["config"].update(colour="red")),
     "config does not fit TextClassifier"),
    (lambda f: shutil.rmtree(f / "encoder"), "encoder"),
])
def test_damaged_folders_give_one_line_format_errors(folder, damage, match):
    damage(folder)
    with pytest.raises(FormatError, match=match) as e:
        Stage.load(folder)
    _one_line(e)


def test_checkpoints_resume_to_the_planned_epochs(data, tmp_path):
    train = data[0][:300]
    params = {**FAST, "model": "bow", "ngram_buckets": 0, "checkpoint_dir": str(tmp_path / "ck")}
    first = TextClassifier(**{**params, "max_epoch": 1}).fit(train)
    assert (tmp_path / "ck" / "last").is_dir() and first.trainer_.epoch == 1
    resumed = TextClassifier(**{**params, "max_epoch": 3}).fit(train, resume=tmp_path / "ck")
    assert resumed.trainer_.epoch == 3 and list(resumed.trainer_.epochs["epoch"]) == [1, 2, 3]


def test_two_lists_are_texts_and_labels_and_tuples_are_pairs():
    from hangul_dl.classify.classifier import _labelled

    assert _labelled((["좋다", "싫다"], ["a", "b"]), None, "x") == (["좋다", "싫다"], ["a", "b"])
    assert _labelled((("a", "좋다"), ("b", "싫다")), None, "x") == (["좋다", "싫다"], ["a", "b"])
    assert _labelled([["a", "좋다"], ["b", "싫다"]], None, "x") == (["좋다", "싫다"], ["a", "b"])
