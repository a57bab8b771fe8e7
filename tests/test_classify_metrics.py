"""Classification metrics of hangul_dl.metrics (used by TextClassifier.evaluate and eval):
accuracy, macro-F1 with scikit-learn's zero-division rule, and the confusion-matrix layout."""

import pytest

from hangul_dl.errors import InputError
from hangul_dl.metrics import classification_scores, confusion_matrix


def test_scores_match_hand_computed_values_with_korean_labels():
    truth = ["긍정", "부정", "긍정", "중립", "부정"]
    pred = ["긍정", "긍정", "긍정", "부정", "부정"]
    s = classification_scores(truth, pred, labels=["긍정", "부정", "중립"])
    assert s["accuracy"] == pytest.approx(3 / 5)
    # 긍정: P 2/3 R 1 F 0.8; 부정: P 1/2 R 1/2 F 0.5; 중립: never predicted -> 0
    assert s["per_class"]["긍정"]["f1"] == pytest.approx(0.8)
    assert s["per_class"]["중립"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert s["macro_f1"] == pytest.approx((0.8 + 0.5 + 0.0) / 3)
    assert s["confusion"] == [[2, 0, 0], [1, 1, 0], [0, 1, 0]]  # rows: truth


def test_confusion_matrix_default_labels_and_errors():
    assert confusion_matrix([1, 0, 1], [1, 1, 1]) == [[0, 1], [0, 2]]
    assert classification_scores(["a"], ["b"])["macro_f1"] == 0.0
    with pytest.raises(InputError, match="2 true labels but 1 predictions"):
        classification_scores(["a", "b"], ["a"])
    with pytest.raises(InputError, match="empty"):
        classification_scores([], [])
