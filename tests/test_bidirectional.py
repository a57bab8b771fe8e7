"""TimeBiLSTM (book ch.8 appendix): gradient checks (float64), the true backward direction of
padded rows, and the per-row reversal index."""

import numpy as np
import pytest

from hangul_dl.nn.bidirectional import TimeBiLSTM, reverse_padded_index
from hangul_dl.nn.gradcheck import check_layer
from hangul_dl.nn.recurrent import TimeLSTM

N, T, D, H = 3, 5, 4, 3


def bi_weights(rng):
    """(Wx, Wh, b) of the forward LSTM, then of the backward one."""
    return tuple(rng.standard_normal(shape) * scale for _ in range(2)
                 for shape, scale in (((D, 4 * H), 0.5), ((H, 4 * H), 0.5), ((4 * H,), 0.1)))


def test_reverse_padded_index_reverses_real_tokens_only():
    idx = reverse_padded_index(np.array([3, 1, 0, 4]), 4, np)
    x = np.array([[1, 2, 3, 0], [5, 0, 0, 0], [0, 0, 0, 0], [1, 2, 3, 4]])
    rows = np.arange(4)[:, None]
    np.testing.assert_array_equal(x[rows, idx], [[3, 2, 1, 0], [5, 0, 0, 0], [0, 0, 0, 0],
                                                 [4, 3, 2, 1]])
    np.testing.assert_array_equal(x[rows, idx][rows, idx], x)  # its own inverse


@pytest.mark.parametrize("lengths", [None, np.array([5, 3, 1])])
def test_bilstm_gradcheck(rng, lengths):
    layer = TimeBiLSTM(*bi_weights(rng))
    errors = check_layer(layer, rng.standard_normal((N, T, D)), lengths)
    assert set(errors) == {"Wx1", "Wh1", "b1", "Wx2", "Wh2", "b2", "input0"}
    assert max(errors.values()) < 1e-6, errors


def test_bilstm_concatenates_forward_and_true_backward(rng):
    """Row n's backward half equals an LSTM run over its real tokens reversed, whatever the
    padding holds; the forward half is a plain TimeLSTM."""
    w = bi_weights(rng)
    xs = rng.standard_normal((N, T, D))
    lengths = np.array([5, 3, 1])
    hs = TimeBiLSTM(*w).forward(xs, lengths)
    assert hs.shape == (N, T, 2 * H)
    np.testing.assert_allclose(hs[:, :, :H], TimeLSTM(*w[:3]).forward(xs), atol=1e-12)
    for n, length in enumerate(lengths):
        back = TimeLSTM(*w[3:]).forward(xs[n:n + 1, :length][:, ::-1])[0, ::-1]
        np.testing.assert_allclose(hs[n, :length, H:], back, atol=1e-12)
    noisy = xs.copy()
    noisy[1, 3:] = 100.0
    noisy[2, 1:] = -7.0
    hs2 = TimeBiLSTM(*w).forward(noisy, lengths)
    for n, length in enumerate(lengths):
        np.testing.assert_allclose(hs2[n, :length], hs[n, :length], atol=1e-12)
    # without lengths the whole row is reversed (the book's layer)
    whole = TimeBiLSTM(*w).forward(xs)
    np.testing.assert_allclose(whole[:, :, H:], TimeLSTM(*w[3:]).forward(xs[:, ::-1])[:, ::-1],
                               atol=1e-12)


def test_bilstm_grads_are_the_sublayers_arrays(rng):
    layer = TimeBiLSTM(*bi_weights(rng))
    assert layer.params[0] is layer.forward_lstm.params[0]
    assert layer.grads[5] is layer.backward_lstm.grads[2]
