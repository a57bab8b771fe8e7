"""Attention layers (book ch.8): float64 gradient checks with source masks, exact zeros at
padding, and the batched TimeAttention against the book's step-by-step definition."""

import numpy as np
import pytest

from hangul_dl.errors import ShapeError
from hangul_dl.nn.attention import (
    Attention,
    AttentionWeight,
    TimeAttention,
    WeightSum,
    masked_softmax,
)
from hangul_dl.nn.gradcheck import check_layer

N, S, T, H = 3, 5, 4, 3


def assert_ok(errors):
    assert errors and max(errors.values()) < 1e-6, errors


@pytest.fixture
def mask():
    m = np.ones((N, S), dtype=bool)
    m[1, 3:] = False  # source 1 has 3 tokens
    m[2, 1:] = False  # source 2 has 1 token
    return m


def test_masked_softmax_zero_at_padding_and_empty_rows():
    scores = np.array([[1.0, 2.0, 50.0], [3.0, -1.0, 0.0], [1.0, 1.0, 1.0]])
    m = np.array([[True, True, False], [True, True, True], [False, False, False]])
    a = masked_softmax(scores, m)
    assert a[0, 2] == 0.0 and a[2].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(a[:2].sum(axis=1), 1.0)
    np.testing.assert_allclose(a[0, :2], np.exp([1, 2]) / np.exp([1, 2]).sum())
    np.testing.assert_allclose(masked_softmax(scores[1], None), a[1])


def test_weight_sum_gradcheck(rng):
    errors = check_layer(WeightSum(), rng.standard_normal((N, S, H)), rng.random((N, S)))
    assert set(errors) == {"input0", "input1"}
    assert_ok(errors)


def test_attention_weight_gradcheck_with_mask(rng, mask):
    errors = check_layer(AttentionWeight(), rng.standard_normal((N, S, H)),
                         rng.standard_normal((N, H)), mask)
    assert set(errors) == {"input0", "input1"}
    assert_ok(errors)


def test_attention_gradcheck_with_mask(rng, mask):
    layer = Attention()
    hs = rng.standard_normal((N, S, H))
    assert_ok(check_layer(layer, hs, rng.standard_normal((N, H)), mask))
    assert (layer.attention_weight[~mask] == 0).all()
    np.testing.assert_allclose(layer.attention_weight.sum(axis=1), 1.0)


@pytest.mark.parametrize("with_mask", [False, True])
def test_time_attention_gradcheck(rng, mask, with_mask):
    errors = check_layer(TimeAttention(), rng.standard_normal((N, S, H)),
                         rng.standard_normal((N, T, H)), mask if with_mask else None)
    assert set(errors) == {"input0", "input1"}
    assert_ok(errors)


def test_time_attention_equals_book_loop(rng, mask):
    """The batched layer computes what the book's loop of one Attention per step computes."""
    hs_enc, hs_dec = rng.standard_normal((N, S, H)), rng.standard_normal((N, T, H))
    dcs = rng.standard_normal((N, T, H))
    layer = TimeAttention()
    cs = layer.forward(hs_enc, hs_dec, mask)
    d_enc, d_dec = layer.backward(dcs)
    ref_d_enc = np.zeros_like(hs_enc)
    for t in range(T):
        step = Attention()
        np.testing.assert_allclose(cs[:, t], step.forward(hs_enc, hs_dec[:, t], mask), atol=1e-12)
        np.testing.assert_allclose(layer.attention_weights[:, t], step.attention_weight, atol=1e-12)
        dhs, dh = step.backward(dcs[:, t])
        ref_d_enc += dhs
        np.testing.assert_allclose(d_dec[:, t], dh, atol=1e-12)
    np.testing.assert_allclose(d_enc, ref_d_enc, atol=1e-12)


def test_padding_gets_no_attention_and_no_gradient(rng, mask):
    """Changing padded encoder states changes nothing; their gradient is exactly zero."""
    hs_enc, hs_dec = rng.standard_normal((N, S, H)), rng.standard_normal((N, T, H))
    layer = TimeAttention()
    cs = layer.forward(hs_enc, hs_dec, mask)
    assert (layer.attention_weights[~np.broadcast_to(mask[:, None], (N, T, S))] == 0).all()
    d_enc, _ = layer.backward(np.ones_like(cs))
    assert (d_enc[~mask] == 0).all()
    noisy = hs_enc.copy()
    noisy[~mask] = 1e3
    np.testing.assert_array_equal(TimeAttention().forward(noisy, hs_dec, mask), cs)


def test_float32_stays_float32(rng, mask):
    hs_enc = rng.standard_normal((N, S, H)).astype(np.float32)
    hs_dec = rng.standard_normal((N, T, H)).astype(np.float32)
    assert TimeAttention().forward(hs_enc, hs_dec, mask).dtype == np.float32


def test_shape_errors(rng, mask):
    with pytest.raises(ShapeError, match="mask has shape"):
        TimeAttention().forward(rng.standard_normal((N, S, H)), rng.standard_normal((N, T, H)),
                                mask[:, :2])
    with pytest.raises(ShapeError, match=r"expected encoder states \(N, S, 3\)"):
        Attention().forward(rng.standard_normal((N, S, H + 1)), rng.standard_normal((N, H)))
    with pytest.raises(ShapeError, match="do not match"):
        WeightSum().forward(rng.standard_normal((N, S, H)), rng.random((N, S + 1)))
