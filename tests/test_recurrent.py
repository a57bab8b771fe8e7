"""Recurrent cells and Time layers: gradient checks (float64), stateful carry, equivalences."""

import numpy as np
import pytest

from hangul_dl.errors import ShapeError
from hangul_dl.nn.gradcheck import check_layer, numerical_gradient, relative_error
from hangul_dl.nn.recurrent import GRU, LSTM, RNN, TimeGRU, TimeLSTM, TimeRNN

N, T, D, H = 3, 5, 4, 3
GATES = {RNN: 1, TimeRNN: 1, LSTM: 4, TimeLSTM: 4, GRU: 3, TimeGRU: 3}


def weights(rng, gates):
    return (rng.standard_normal((D, gates * H)) * 0.5, rng.standard_normal((H, gates * H)) * 0.5,
            rng.standard_normal(gates * H) * 0.1)


def assert_ok(errors):
    assert errors and max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cell", [RNN, GRU])
def test_cell_gradcheck(rng, cell):
    errors = check_layer(cell(*weights(rng, GATES[cell])), rng.standard_normal((N, D)),
                         rng.standard_normal((N, H)))
    assert set(errors) == {"Wx", "Wh", "b", "input0", "input1"}
    assert_ok(errors)


def test_lstm_cell_gradcheck(rng):
    errors = check_layer(LSTM(*weights(rng, 4)), rng.standard_normal((N, D)),
                         rng.standard_normal((N, H)), rng.standard_normal((N, H)))
    assert set(errors) == {"Wx", "Wh", "b", "input0", "input1", "input2"}
    assert_ok(errors)


@pytest.mark.parametrize("layer", [TimeRNN, TimeLSTM, TimeGRU])
def test_time_layer_gradcheck(rng, layer):
    assert_ok(check_layer(layer(*weights(rng, GATES[layer])), rng.standard_normal((N, T, D))))


@pytest.mark.parametrize("layer", [TimeRNN, TimeLSTM, TimeGRU])
def test_time_layer_gradcheck_with_carried_state(rng, layer):
    """Stateful: the forward starts from a carried (h, c); check gradients w.r.t. it too."""
    h0 = rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H))
    time_layer = layer(*weights(rng, GATES[layer]), stateful=True)

    def start(l):
        l.set_state(h0, c0) if isinstance(l, TimeLSTM) else l.set_state(h0)

    xs = rng.standard_normal((N, T, D))
    assert_ok(check_layer(time_layer, xs, before_forward=start))
    dhs = np.random.default_rng(0).standard_normal((N, T, H))

    def objective():
        start(time_layer)
        return float((time_layer.forward(xs) * dhs).sum())

    objective()
    time_layer.backward(dhs)
    assert relative_error(time_layer.dh, numerical_gradient(objective, h0)) < 1e-6
    if isinstance(time_layer, TimeLSTM):
        assert relative_error(time_layer.dc, numerical_gradient(objective, c0)) < 1e-6


@pytest.mark.parametrize("cell,layer", [(RNN, TimeRNN), (LSTM, TimeLSTM), (GRU, TimeGRU)])
def test_time_layer_equals_stepping_the_cell(rng, cell, layer):
    w = weights(rng, GATES[cell])
    xs = rng.standard_normal((N, T, D))
    hs = layer(*w).forward(xs)
    step = cell(*w)
    h, c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T):
        if cell is LSTM:
            h, c = step.forward(xs[:, t], h, c)
        else:
            h = step.forward(xs[:, t], h)
        np.testing.assert_allclose(hs[:, t], h, atol=1e-12)


@pytest.mark.parametrize("layer", [TimeRNN, TimeLSTM, TimeGRU])
def test_stateful_carry_equals_one_long_sequence(rng, layer):
    """Truncated BPTT: two stateful calls of T/2 give the same outputs as one call of T."""
    w = weights(rng, GATES[layer])
    xs = rng.standard_normal((N, 6, D))
    full = layer(*w).forward(xs)
    carried = layer(*w, stateful=True)
    parts = np.concatenate([carried.forward(xs[:, :3]), carried.forward(xs[:, 3:])], axis=1)
    np.testing.assert_allclose(parts, full, atol=1e-12)
    carried.reset_state()
    np.testing.assert_allclose(carried.forward(xs[:, :3]), full[:, :3], atol=1e-12)
    non_stateful = layer(*w, stateful=False)
    non_stateful.forward(xs[:, :3])
    np.testing.assert_allclose(non_stateful.forward(xs[:, 3:]), layer(*w).forward(xs[:, 3:]))


def test_lstm_float32_stays_float32(rng):
    w = [a.astype(np.float32) for a in weights(rng, 4)]
    out = TimeLSTM(*w).forward(rng.standard_normal((N, T, D)).astype(np.float32))
    assert out.dtype == np.float32 and out.shape == (N, T, H)


def test_shape_errors(rng):
    with pytest.raises(ShapeError, match=r"expected Wx \(D, 4H\)"):
        TimeLSTM(*weights(rng, 1))
    layer = TimeLSTM(*weights(rng, 4), stateful=True)
    with pytest.raises(ShapeError, match=r"expected input \(N, T, 4\)"):
        layer.forward(rng.standard_normal((N, T, D + 1)))
    layer.forward(rng.standard_normal((N, T, D)))
    with pytest.raises(ShapeError, match="reset_state"):
        layer.forward(rng.standard_normal((N + 1, T, D)))


def test_lstm_gates_saturate_without_warnings_or_nans():
    """The gates come from exp (sigmoid = 1/(1+e^-x), tanh = 2 sigmoid(2x) - 1): pre-activations far
    beyond exp's float32 range must give exact 0/1 (and -1/1) gates, no overflow warning, no NaN."""
    import warnings

    rng = np.random.default_rng(0)
    w = [a.astype(np.float32) * 400 for a in weights(rng, 4)]
    xs = rng.standard_normal((N, T, D)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs = TimeLSTM(*w).forward(xs)
    reference = np.zeros((N, H))
    c = np.zeros((N, H))
    step = LSTM(*w)
    for t in range(T):
        reference, c = step.forward(xs[:, t], reference, c)
    assert np.isfinite(hs).all() and np.abs(hs).max() <= 1.0
    np.testing.assert_allclose(hs[:, -1], reference, atol=1e-6)


def test_lstm_float32_forward_matches_float64(rng):
    """The exp-based gates lose nothing in float32 against the float64 computation."""
    w = weights(rng, 4)
    xs = rng.standard_normal((N, T, D))
    hs64 = TimeLSTM(*w).forward(xs)
    hs32 = TimeLSTM(*[a.astype(np.float32) for a in w]).forward(xs.astype(np.float32))
    assert hs32.dtype == np.float32
    np.testing.assert_allclose(hs32, hs64, atol=1e-6)
