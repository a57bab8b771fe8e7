"""1D convolution over time (im2col) and Kim's multi-width convolution: float64 gradient checks,
the im2col product against the textbook double loop, every padding setting, and masks (padded
inputs read as zeros, so a row in a padded batch gives what the row alone gives)."""

import numpy as np
import pytest

from hangul_dl.errors import InputError, ShapeError
from hangul_dl.nn.conv import (
    MultiWidthConv1D,
    TimeConv1D,
    col2im_1d,
    conv_output_lengths,
    conv_padding,
    im2col_1d,
)
from hangul_dl.nn.gradcheck import check_layer
from hangul_dl.nn.pooling import length_mask

N, T, D, C = 3, 6, 4, 2
LENGTHS = np.array([6, 4, 2])
PADDINGS = ["same", "valid", "full", 1, (0, 2)]


def assert_ok(errors):
    assert errors and max(errors.values()) < 1e-6, errors


def conv(rng, K=3, padding="same", D=D, C=C):
    return TimeConv1D(rng.standard_normal((K, D, C)), rng.standard_normal(C), padding)


def reference(xs, W, b, left, right):
    """The definition, one output at a time."""
    K = W.shape[0]
    padded = np.pad(xs, ((0, 0), (left, right), (0, 0)))
    T_out = padded.shape[1] - K + 1
    out = np.zeros((xs.shape[0], max(T_out, 0), W.shape[2]))
    for n in range(xs.shape[0]):
        for t in range(T_out):
            out[n, t] = sum(padded[n, t + k] @ W[k] for k in range(K)) + b
    return out


def test_conv_padding_settings():
    assert conv_padding(3, "same") == (1, 1)
    assert conv_padding(4, "same") == (1, 2)
    assert conv_padding(5, "valid") == (0, 0)
    assert conv_padding(5, "full") == (4, 4)
    assert conv_padding(3, 2) == (2, 2)
    assert conv_padding(3, (0, 1)) == (0, 1)
    for bad in ["causal", -1, (1, 2, 3), (1.5, 0)]:
        with pytest.raises(InputError, match="padding"):
            conv_padding(3, bad)
    assert conv_output_lengths(np.array([5, 2]), 3, "valid").tolist() == [3, 0]
    assert conv_output_lengths(np.array([5, 2]), 4, "same").tolist() == [5, 2]
    assert conv_output_lengths(np.array([5, 2]), 3, "full").tolist() == [7, 4]


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("K", [1, 3, 4])
def test_forward_matches_the_definition(rng, padding, K):
    layer = conv(rng, K, padding)
    xs = rng.standard_normal((N, T, D))
    W, b = layer.params
    np.testing.assert_allclose(layer.forward(xs), reference(xs, W, b, *conv_padding(K, padding)),
                               rtol=1e-12, atol=1e-12)


def test_col2im_is_the_adjoint_of_im2col(rng):
    """<im2col(x), c> == <x, col2im(c)> for every padding: the backward pass is exact."""
    xs = rng.standard_normal((N, T, D))
    for left, right in [(0, 0), (1, 1), (2, 0), (3, 3)]:
        cols = im2col_1d(xs, 4, left, right)
        c = rng.standard_normal(cols.shape)
        np.testing.assert_allclose((cols * c).sum(), (xs * col2im_1d(c, T, left)).sum())


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck(rng, padding, masked):
    errors = check_layer(conv(rng, 3, padding), rng.standard_normal((N, T, D)),
                         LENGTHS if masked else None)
    assert set(errors) == {"W", "b", "input0"}
    assert_ok(errors)


def test_kernel_wider_than_input_gives_empty_output(rng):
    layer = conv(rng, 5, "valid")
    ys = layer.forward(rng.standard_normal((N, 3, D)), np.array([3, 2, 1]))
    assert ys.shape == (N, 0, C) and layer.output_mask.shape == (N, 0)
    assert layer.backward(ys).shape == (N, 3, D)


@pytest.mark.parametrize("padding", PADDINGS)
def test_masked_row_equals_row_alone(rng, padding):
    """Valid outputs of each row in a padded batch (padding full of noise) equal the row alone."""
    K = 3
    layer = conv(rng, K, padding)
    xs = rng.standard_normal((N, T, D))
    mask = length_mask(LENGTHS, T)
    xs[~mask] = 1e3
    ys = layer.forward(xs, LENGTHS)
    out_mask = layer.output_mask
    out_len = conv_output_lengths(LENGTHS, K, padding)
    assert (out_mask.sum(axis=1) == np.minimum(out_len, ys.shape[1])).all()
    for n, L in enumerate(LENGTHS):
        alone = layer.forward(xs[n:n + 1, :L])[0]
        np.testing.assert_allclose(ys[n, :len(alone)], alone, rtol=1e-12, atol=1e-9)


def test_masked_input_gradient_is_zero_at_padding(rng):
    layer = conv(rng)
    xs = rng.standard_normal((N, T, D))
    ys = layer.forward(xs, LENGTHS)
    dxs = layer.backward(np.ones_like(ys))
    assert (dxs[~length_mask(LENGTHS, T)] == 0).all()


def kim(rng, widths=(2, 3, 4), filters=(2, 3, 2), padding="same"):
    return MultiWidthConv1D([(rng.standard_normal((K, D, c)), rng.standard_normal(c))
                             for K, c in zip(widths, filters)], padding)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_multi_width_gradcheck(rng, padding):
    layer = kim(rng, padding=padding)
    errors = check_layer(layer, rng.standard_normal((N, T, D)), LENGTHS)
    assert set(errors) == {"W0", "b0", "W1", "b1", "W2", "b2", "input0"}
    assert_ok(errors)


def test_multi_width_is_relu_of_max_of_each_width(rng):
    layer = kim(rng)
    xs = rng.standard_normal((N, T, D))
    y = layer.forward(xs, LENGTHS)
    assert y.shape == (N, 7) and layer.kernel_sizes == (2, 3, 4)
    start = 0
    for c in layer.convs:
        full = c.forward(xs, LENGTHS)
        full[~c.output_mask] = -np.inf
        width = full.shape[2]
        np.testing.assert_allclose(y[:, start:start + width], np.maximum(full.max(axis=1), 0))
        start += width


def test_multi_width_ignores_padding_and_batch_composition(rng):
    layer = kim(rng)
    xs = rng.standard_normal((N, T, D))
    batch = layer.forward(xs, LENGTHS)
    noisy = xs.copy()
    noisy[~length_mask(LENGTHS, T)] = -1e3
    np.testing.assert_allclose(layer.forward(noisy, LENGTHS), batch, rtol=1e-12)
    for n, L in enumerate(LENGTHS):
        np.testing.assert_allclose(layer.forward(xs[n:n + 1, :L])[0], batch[n], rtol=1e-12)


def test_bad_shapes_raise(rng):
    with pytest.raises(ShapeError, match=r"\(N, T, 4\)"):
        conv(rng).forward(rng.standard_normal((N, T, D + 1)))
    with pytest.raises(ShapeError, match="expected W"):
        TimeConv1D(np.zeros((3, D)), np.zeros(C))
    with pytest.raises(ShapeError, match="at least one"):
        MultiWidthConv1D([])
