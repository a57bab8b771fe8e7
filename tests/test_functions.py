import numpy as np
import pytest

from hangul_dl.nn import functions as F


def test_softmax_is_stable_and_normalised():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    y = F.softmax(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(y[0], F.softmax(np.array([0.0, 1.0, 2.0])))


def test_log_softmax_matches_log_of_softmax():
    x = np.random.default_rng(0).standard_normal((4, 5))
    np.testing.assert_allclose(F.log_softmax(x), np.log(F.softmax(x)), atol=1e-12)
    assert np.isfinite(F.log_softmax(np.array([0.0, 2000.0]))).all()


def test_sigmoid_and_softplus_do_not_overflow():
    x = np.array([-1000.0, -20.0, 0.0, 20.0, 1000.0])
    with np.errstate(over="raise"):
        s = F.sigmoid(x)
        sp = F.softplus(x)
    np.testing.assert_allclose(s, [0.0, 2.0611536e-09, 0.5, 1 - 2.0611536e-09, 1.0], atol=1e-12)
    tail = np.log1p(np.exp(-20.0))
    np.testing.assert_allclose(sp, [0.0, tail, np.log(2), 20 + tail, 1000.0])


def test_softmax_cross_entropy_ids_onehot_and_ignore():
    x = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    t = np.array([0, 2])
    expected = -(np.log(0.7) + np.log(0.8)) / 2
    assert F.softmax_cross_entropy(x, t) == pytest.approx(expected)
    assert F.softmax_cross_entropy(x, np.eye(3)[t]) == pytest.approx(expected)
    assert F.softmax_cross_entropy(x, np.array([0, -1]), ignore_label=-1) == pytest.approx(-np.log(0.7))
    assert F.softmax_cross_entropy(x, np.array([-1, -1]), ignore_label=-1) == 0.0


def test_book_cross_entropy_error():
    y = np.array([[0.1, 0.6, 0.3]])
    assert F.cross_entropy_error(y, np.array([1])) == pytest.approx(-np.log(0.6 + 1e-7))
    assert F.cross_entropy_error(y[0], np.array([0, 1, 0])) == pytest.approx(-np.log(0.6 + 1e-7))


def test_relu():
    np.testing.assert_array_equal(F.relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])
