"""Pooling over time (max, mean, attention): float64 gradient checks, and masks that really
mask: padded positions never win the max, never count in the mean, get zero attention, and
changing what the padding holds changes neither the output nor the gradient."""

import numpy as np
import pytest

from hangul_dl.errors import ShapeError
from hangul_dl.nn.gradcheck import check_layer
from hangul_dl.nn.pooling import (
    AttentionPooling,
    MaxOverTime,
    MeanOverTime,
    length_mask,
    time_mask,
)

N, T, D, A = 3, 5, 4, 3
LENGTHS = np.array([5, 3, 1])


def assert_ok(errors):
    assert errors and max(errors.values()) < 1e-6, errors


def attention(rng):
    return AttentionPooling(rng.standard_normal((D, A)), rng.standard_normal(A),
                            rng.standard_normal(A))


LAYERS = {"max": lambda rng: MaxOverTime(), "mean": lambda rng: MeanOverTime(),
          "attention": attention}


def test_length_mask_and_time_mask_agree():
    m = length_mask(LENGTHS, T)
    assert m.tolist()[1] == [True, True, True, False, False]
    assert (time_mask(LENGTHS, N, T, "x", np) == m).all()
    assert (time_mask(m, N, T, "x", np) == m).all()
    assert time_mask(None, N, T, "x", np) is None
    with pytest.raises(ShapeError, match="mask has shape"):
        time_mask(m[:, :2], N, T, "x", np)
    with pytest.raises(ShapeError, match="lengths"):
        time_mask(LENGTHS[:2], N, T, "x", np)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck(rng, name, masked):
    layer = LAYERS[name](rng)
    xs = rng.standard_normal((N, T, D))
    assert_ok(check_layer(layer, xs, LENGTHS if masked else None))


@pytest.mark.parametrize("name", LAYERS)
def test_padding_values_change_nothing(rng, name):
    """Huge values in the padding: same output, same parameter gradients, zero input gradient
    at padded positions — whether the mask comes as lengths or as an (N, T) array."""
    layer = LAYERS[name](rng)
    xs = rng.standard_normal((N, T, D))
    dy = rng.standard_normal((N, D))
    mask = length_mask(LENGTHS, T)
    y1 = layer.forward(xs, LENGTHS)
    dx1 = layer.backward(dy)
    g1 = [g.copy() for g in layer.grads]
    noisy = xs.copy()
    noisy[~mask] = 1e3 * rng.standard_normal((int((~mask).sum()), D))
    y2 = layer.forward(noisy, mask)
    dx2 = layer.backward(dy)
    np.testing.assert_allclose(y2, y1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx2, dx1, rtol=1e-12, atol=1e-12)
    assert (dx2[~mask] == 0).all()
    for a, b in zip(layer.grads, g1):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", LAYERS)
def test_row_alone_equals_row_in_padded_batch(rng, name):
    layer = LAYERS[name](rng)
    xs = rng.standard_normal((N, T, D))
    batch = layer.forward(xs, LENGTHS)
    for n, L in enumerate(LENGTHS):
        alone = layer.forward(xs[n:n + 1, :L])
        np.testing.assert_allclose(alone[0], batch[n], rtol=1e-12, atol=1e-12)


def test_max_never_picks_padding_even_when_all_real_values_are_negative():
    xs = -np.ones((1, 4, 2))
    xs[0, 2:] = 100.0  # padding holds the largest numbers
    y = MaxOverTime().forward(xs, np.array([2]))
    assert y.tolist() == [[-1.0, -1.0]]


def test_mean_counts_only_real_positions():
    xs = np.arange(8, dtype=float).reshape(1, 4, 2)
    y = MeanOverTime().forward(xs, np.array([3]))
    np.testing.assert_allclose(y, [[2.0, 3.0]])  # mean of rows 0..2


@pytest.mark.parametrize("name", LAYERS)
def test_empty_row_pools_to_zeros_without_nans(rng, name):
    layer = LAYERS[name](rng)
    xs = rng.standard_normal((2, 3, D))
    y = layer.forward(xs, np.array([0, 3]))
    assert (y[0] == 0).all() and np.isfinite(y).all()
    dx = layer.backward(np.ones((2, D)))
    assert (dx[0] == 0).all() and np.isfinite(dx).all()


def test_attention_weights_sum_to_one_over_real_tokens(rng):
    layer = attention(rng)
    layer.forward(rng.standard_normal((N, T, D)), LENGTHS)
    a = layer.attention_weights
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    assert (a[~length_mask(LENGTHS, T)] == 0).all()


def test_bad_shapes_raise(rng):
    with pytest.raises(ShapeError, match=r"\(N, T, D\)"):
        MaxOverTime().forward(rng.standard_normal((3, 4)))
    with pytest.raises(ShapeError, match="features"):
        attention(rng).forward(rng.standard_normal((N, T, D + 1)))
    with pytest.raises(ShapeError, match="expected W"):
        AttentionPooling(np.zeros((D, A)), np.zeros(A + 1), np.zeros(A))
