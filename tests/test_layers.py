"""Every layer: a float64 numerical gradient check plus behaviour checks."""

import numpy as np
import pytest

from hangul_dl.errors import ShapeError
from hangul_dl.nn.gradcheck import check_layer
from hangul_dl.nn.layers import (
    Affine,
    Dropout,
    Embedding,
    MatMul,
    ReLU,
    Sigmoid,
    SigmoidWithLoss,
    Softmax,
    SoftmaxWithLoss,
    Tanh,
)

TOL = 1e-6


def assert_grads_ok(errors):
    assert errors, "nothing was checked"
    bad = {k: v for k, v in errors.items() if not v < TOL}
    assert not bad, f"gradient check failed: {bad}"


def test_matmul_gradcheck(rng):
    assert_grads_ok(check_layer(MatMul(rng.standard_normal((4, 3))), rng.standard_normal((5, 4))))


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_affine_gradcheck_any_leading_dims(rng, shape):
    layer = Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
    errors = check_layer(layer, rng.standard_normal(shape))
    assert set(errors) == {"W", "b", "input0"}
    assert_grads_ok(errors)


@pytest.mark.parametrize("layer_class", [Sigmoid, Tanh, Softmax])
def test_activation_gradcheck(rng, layer_class):
    assert_grads_ok(check_layer(layer_class(), rng.standard_normal((3, 5))))


def test_relu_gradcheck_away_from_kink(rng):
    x = rng.standard_normal((3, 5))
    x[np.abs(x) < 0.1] = 0.5  # finite differences are undefined at 0
    assert_grads_ok(check_layer(ReLU(), x))


def test_softmax_with_loss_gradcheck_ids_and_onehot(rng):
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 4, size=6)
    assert_grads_ok(check_layer(SoftmaxWithLoss(), x, t))
    assert_grads_ok(check_layer(SoftmaxWithLoss(), x, np.eye(4)[t]))


def test_softmax_with_loss_ignored_labels(rng):
    x = rng.standard_normal((2, 5, 4))  # (N, T, V): the Time version
    t = rng.integers(1, 4, size=(2, 5))
    t[0, 3:] = 0  # padding
    t[1, 4:] = 0
    layer = SoftmaxWithLoss(ignore_label=0)
    assert_grads_ok(check_layer(layer, x, t))
    # padded positions get exactly zero gradient, and the loss ignores their logits
    dx = layer.backward()
    assert np.all(dx[0, 3:] == 0) and np.all(dx[1, 4:] == 0)
    x2 = x.copy()
    x2[0, 3:] = 1e3
    assert SoftmaxWithLoss(ignore_label=0).forward(x2, t) == pytest.approx(layer.forward(x, t))


def test_softmax_with_loss_rejects_bad_targets(rng):
    layer = SoftmaxWithLoss()
    with pytest.raises(ShapeError, match="targets of shape"):
        layer.forward(rng.standard_normal((3, 4)), np.array([0, 1]))
    with pytest.raises(ShapeError, match=r"must be in \[0, 4\)"):
        layer.forward(rng.standard_normal((2, 4)), np.array([0, 7]))


def test_sigmoid_with_loss_gradcheck_and_stability(rng):
    x = rng.standard_normal((4, 3))
    t = rng.integers(0, 2, size=(4, 3))
    assert_grads_ok(check_layer(SigmoidWithLoss(), x, t))
    big = SigmoidWithLoss().forward(np.array([1000.0, -1000.0]), np.array([0, 1]))
    assert big == pytest.approx(1000.0)


def test_embedding_gradcheck_with_repeated_ids(rng):
    layer = Embedding(rng.standard_normal((6, 3)))
    ids = np.array([[1, 2, 1], [5, 1, 0]])
    assert_grads_ok(check_layer(layer, ids))


def test_embedding_backward_equals_add_at(rng):
    W = rng.standard_normal((50, 4)).astype(np.float32)
    layer = Embedding(W)
    ids = rng.integers(0, 50, size=(8, 9))
    out = layer.forward(ids)
    np.testing.assert_array_equal(out, W[ids])
    dout = rng.standard_normal(out.shape).astype(np.float32)
    assert layer.backward(dout) is None
    expected = np.zeros_like(W)
    np.add.at(expected, ids, dout)
    np.testing.assert_array_equal(layer.grads[0], expected)


def test_dropout_gradcheck_with_fixed_mask(rng):
    layer = Dropout(0.3, seed=0)
    errors = check_layer(layer, rng.standard_normal((4, 5)),
                         before_forward=lambda l: setattr(l, "rng", np.random.default_rng(7)))
    assert_grads_ok(errors)


def test_dropout_is_inverted_and_off_in_eval():
    layer = Dropout(0.5, seed=0)
    x = np.ones((200, 200), dtype=np.float32)
    y = layer.forward(x)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert abs(y.mean() - 1.0) < 0.02  # expectation preserved
    layer.training = False
    assert layer.forward(x) is x
    with pytest.raises(ValueError):
        Dropout(1.0)


def test_dropout_reproducible_with_seed():
    x = np.ones((10, 10))
    np.testing.assert_array_equal(Dropout(0.5, seed=3).forward(x), Dropout(0.5, seed=3).forward(x))


def test_gradients_written_in_place(rng):
    layer = Affine(rng.standard_normal((3, 2)), np.zeros(2))
    grads_before = [id(g) for g in layer.grads]
    layer.forward(rng.standard_normal((4, 3)))
    layer.backward(rng.standard_normal((4, 2)))
    assert [id(g) for g in layer.grads] == grads_before


def test_shape_errors_name_the_layer(rng):
    with pytest.raises(ShapeError, match="Affine: input has 5 features"):
        Affine(rng.standard_normal((4, 3)), np.zeros(3)).forward(rng.standard_normal((2, 5)))


def test_float32_in_float32_out(rng):
    W = rng.standard_normal((4, 3)).astype(np.float32)
    layer = Affine(W, np.zeros(3, np.float32))
    assert layer.forward(rng.standard_normal((2, 4)).astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("ignored", ["none", "some", "all"])
def test_softmax_with_loss_equals_the_formula(rng, ignored):
    """Loss = mean -log softmax(x)[t] over the kept targets; gradient (softmax - onehot) / count on
    kept rows and exactly 0 on ignored ones — also when nothing or everything is ignored."""
    from hangul_dl.nn.functions import softmax, softmax_cross_entropy

    x = rng.standard_normal((3, 4, 6)) * 3
    t = rng.integers(1, 6, size=(3, 4))
    if ignored == "some":
        t[0, 2:] = 0
    elif ignored == "all":
        t[...] = 0
    layer = SoftmaxWithLoss(ignore_label=0)
    loss = layer.forward(x, t)
    assert loss == pytest.approx(float(softmax_cross_entropy(x, t, ignore_label=0)), abs=1e-12)
    keep = (t != 0)[..., None]
    expected = (softmax(x) - np.eye(6)[t]) * keep / max(int(keep.sum()), 1)
    np.testing.assert_allclose(layer.backward(), expected, atol=1e-12)
