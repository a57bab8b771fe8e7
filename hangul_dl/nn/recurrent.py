"""Recurrent layers: RNN, LSTM and GRU cells and their Time versions (book ch.5-6, appendix C).

Cells (``RNN``, ``LSTM``, ``GRU``) process one time step, exactly as in the book. The Time
versions (``TimeRNN``, ``TimeLSTM``, ``TimeGRU``) process (N, T, D) sequences and are what models
use. They share the per-step maths with the cells but are organised for speed:

- ``x @ Wx`` for all T steps is one matrix product before the loop (only ``h @ Wh`` is sequential);
- all gates of a step come from one fused product, and the LSTM activates all four with one
  ``exp`` (gate order **f, i, o, g** — the book uses f, g, i, o): ``sigmoid(x) = 1 / (1 + e^-x)``
  and ``tanh(x) = 2 sigmoid(2x) - 1``; NumPy's float32 ``exp`` is about twice as fast as its
  ``tanh``, which was the largest elementwise cost of a step;
- per-step values are kept time-major (T, N, ·) so each step reads contiguous memory;
- in backward, ``dWx`` and ``dWh`` are one large matrix product each after the loop, instead of
  T small accumulations.

Time layers are stateful when ``stateful=True`` (truncated BPTT carries ``h``/``c`` between
calls); ``reset_state()`` forgets them and ``set_state(h, c)`` sets them (seq2seq decoders).
After ``backward``, ``self.dh`` (and ``self.dc`` for the LSTM) hold the gradient with respect to
the initial state (the LSTM leaves them None when it started from zeros it was not given, and
skips the products with the zero state). Shapes: N batch, T time, D input, H hidden.

The bidirectional LSTM of book ch.8 is in :mod:`hangul_dl.nn.bidirectional`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import get_array_module
from ..errors import ShapeError
from .functions import sigmoid
from .layers import Layer, _matmul_into

__all__ = ["GRU", "LSTM", "RNN", "TimeGRU", "TimeLSTM", "TimeRNN"]


# -- per-step maths shared by cells and Time layers ---------------------------------------
def _lstm_step(a: Any, c_prev: Any, xp: Any) -> tuple[Any, ...]:
    """Gates from pre-activations ``a`` (N, 4H) in order f, i, o, g; returns h, c and a cache."""
    H = c_prev.shape[1]
    sig = sigmoid(a[:, :3 * H])  # f, i, o at once
    f, i, o = sig[:, :H], sig[:, H:2 * H], sig[:, 2 * H:]
    g = xp.tanh(a[:, 3 * H:])
    c = f * c_prev + g * i
    tc = xp.tanh(c)
    h = o * tc
    return h, c, (sig, g, tc)


def _lstm_step_backward(dh: Any, dc: Any, c_prev: Any, cache: tuple[Any, ...], xp: Any
                        ) -> tuple[Any, Any]:
    """Gradients of one LSTM step: (d pre-activations (N, 4H), d c_prev)."""
    sig, g, tc = cache
    H = c_prev.shape[1]
    f, i, o = sig[:, :H], sig[:, H:2 * H], sig[:, 2 * H:]
    ds = dc + dh * o * (1 - tc * tc)
    da = xp.empty((dh.shape[0], 4 * H), dtype=dh.dtype)
    da[:, :H] = ds * c_prev            # df
    da[:, H:2 * H] = ds * g            # di
    da[:, 2 * H:3 * H] = dh * tc       # do
    da[:, :3 * H] *= sig * (1 - sig)   # through the sigmoids
    da[:, 3 * H:] = ds * i * (1 - g * g)  # dg through tanh
    return da, ds * f


def _gru_step(ax: Any, h_prev: Any, Wh: Any, xp: Any) -> tuple[Any, ...]:
    """GRU step from ``ax = x @ Wx + b`` (N, 3H) in order z, r, h~ (book appendix C)."""
    H = h_prev.shape[1]
    zr = sigmoid(ax[:, :2 * H] + h_prev @ Wh[:, :2 * H])
    z, r = zr[:, :H], zr[:, H:]
    rh = r * h_prev
    hh = xp.tanh(ax[:, 2 * H:] + rh @ Wh[:, 2 * H:])
    h = h_prev + z * (hh - h_prev)  # (1 - z) * h_prev + z * hh
    return h, (zr, rh, hh)


def _gru_step_backward(dh: Any, h_prev: Any, Wh: Any, cache: tuple[Any, ...], xp: Any
                       ) -> tuple[Any, Any]:
    """Gradients of one GRU step: (d pre-activations (N, 3H), d h_prev)."""
    zr, _, hh = cache
    H = h_prev.shape[1]
    z, r = zr[:, :H], zr[:, H:]
    da = xp.empty((dh.shape[0], 3 * H), dtype=dh.dtype)
    dt = dh * z * (1 - hh * hh)                      # through tanh of h~
    da[:, 2 * H:] = dt
    drh = dt @ Wh[:, 2 * H:].T
    da[:, :H] = dh * (hh - h_prev)                   # dz
    da[:, H:2 * H] = drh * h_prev                    # dr
    da[:, :2 * H] *= zr * (1 - zr)
    dh_prev = dh * (1 - z) + drh * r + da[:, :2 * H] @ Wh[:, :2 * H].T
    return da, dh_prev


# -- cells (one step; the book's classes) --------------------------------------------------
class _Cell(Layer):
    param_names = ("Wx", "Wh", "b")

    def __init__(self, Wx: Any, Wh: Any, b: Any):
        super().__init__()
        self._init_params(Wx, Wh, b)
        self.cache: Any = None


class RNN(_Cell):
    """``h = tanh(x @ Wx + h_prev @ Wh + b)``; Wx (D, H), Wh (H, H), b (H,)."""

    def forward(self, x: Any, h_prev: Any) -> Any:
        Wx, Wh, b = self.params
        h = get_array_module(x).tanh(x @ Wx + h_prev @ Wh + b)
        self.cache = (x, h_prev, h)
        return h

    def backward(self, dh: Any) -> tuple[Any, Any]:
        Wx, Wh, _ = self.params
        x, h_prev, h = self.cache
        dt = dh * (1 - h * h)
        self.grads[0][...] = x.T @ dt
        self.grads[1][...] = h_prev.T @ dt
        self.grads[2][...] = dt.sum(axis=0)
        return dt @ Wx.T, dt @ Wh.T


class LSTM(_Cell):
    """One LSTM step; Wx (D, 4H), Wh (H, 4H), b (4H,), gate order f, i, o, g."""

    def forward(self, x: Any, h_prev: Any, c_prev: Any) -> tuple[Any, Any]:
        Wx, Wh, b = self.params
        xp = get_array_module(x)
        h, c, cache = _lstm_step(x @ Wx + h_prev @ Wh + b, c_prev, xp)
        self.cache = (x, h_prev, c_prev, cache)
        return h, c

    def backward(self, dh: Any, dc: Any) -> tuple[Any, Any, Any]:
        Wx, Wh, _ = self.params
        x, h_prev, c_prev, cache = self.cache
        da, dc_prev = _lstm_step_backward(dh, dc, c_prev, cache, get_array_module(dh))
        self.grads[0][...] = x.T @ da
        self.grads[1][...] = h_prev.T @ da
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T, dc_prev


class GRU(_Cell):
    """One GRU step with biases; Wx (D, 3H), Wh (H, 3H), b (3H,), gate order z, r, h~.

    ``z = σ(x Wz + h Uz + bz)``, ``r = σ(x Wr + h Ur + br)``,
    ``h~ = tanh(x Wh + (r ⊙ h) Uh + bh)``, ``h' = (1 - z) ⊙ h + z ⊙ h~``.
    """

    def forward(self, x: Any, h_prev: Any) -> Any:
        Wx, Wh, b = self.params
        h, cache = _gru_step(x @ Wx + b, h_prev, Wh, get_array_module(x))
        self.cache = (x, h_prev, cache)
        return h

    def backward(self, dh: Any) -> tuple[Any, Any]:
        Wx, Wh, _ = self.params
        x, h_prev, cache = self.cache
        da, dh_prev = _gru_step_backward(dh, h_prev, Wh, cache, get_array_module(dh))
        H = h_prev.shape[1]
        rh = cache[1]
        self.grads[0][...] = x.T @ da
        self.grads[1][:, :2 * H] = h_prev.T @ da[:, :2 * H]
        self.grads[1][:, 2 * H:] = rh.T @ da[:, 2 * H:]
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, dh_prev


# -- Time layers ---------------------------------------------------------------------------
class _TimeRecurrent(Layer):
    """Shared machinery: parameters, state, input projection and weight gradients."""

    param_names = ("Wx", "Wh", "b")
    gates = 1  # pre-activation blocks per step (4 for LSTM, 3 for GRU)

    def __init__(self, Wx: Any, Wh: Any, b: Any, stateful: bool = False):
        super().__init__()
        H = Wh.shape[0]
        if Wx.shape[1] != self.gates * H or Wh.shape[1] != self.gates * H or b.shape != (self.gates * H,):
            raise ShapeError(f"{type(self).__name__}: expected Wx (D, {self.gates}H), Wh (H, "
                             f"{self.gates}H), b ({self.gates}H,) with H={H}; got {Wx.shape}, "
                             f"{Wh.shape}, {b.shape}")
        self._init_params(Wx, Wh, b)
        self.stateful = stateful
        self.h: Any = None
        self.dh: Any = None
        self.cache: Any = None

    def reset_state(self) -> None:
        """Forget the carried state (the next forward starts from zeros)."""
        self.h = None

    def set_state(self, h: Any) -> None:
        """Start the next forward from hidden state ``h`` (N, H)."""
        self.h = h

    def _begin(self, xs: Any) -> tuple[Any, Any, Any, Any]:
        """Check shapes; return (xp, time-major inputs (T*N, D) kept for backward, projected
        inputs (T, N, gH), initial h)."""
        Wx, _, b = self.params
        if xs.ndim != 3 or xs.shape[2] != Wx.shape[0]:
            raise ShapeError(f"{type(self).__name__}: expected input (N, T, {Wx.shape[0]}), "
                             f"got {xs.shape}")
        xp = get_array_module(xs)
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        xs_tm = xs.transpose(1, 0, 2).reshape(T * N, D)
        ax = xs_tm @ Wx  # one product for all steps
        ax += b
        ax = ax.reshape(T, N, -1)
        h0 = self._initial(self.h, N, H, xs.dtype, xp)
        return xp, xs_tm, ax, h0

    def _initial(self, state: Any, N: int, H: int, dtype: Any, xp: Any) -> Any:
        if not self.stateful or state is None:
            return xp.zeros((N, H), dtype=dtype)
        if state.shape != (N, H):
            raise ShapeError(f"{type(self).__name__}: carried state has shape {state.shape} but "
                             f"the batch needs ({N}, {H}); call reset_state() when the batch "
                             "size changes")
        return state

    def _finish(self, xs_tm: Any, hs_prev: Any, dax: Any, dh0: Any) -> Any:
        """Weight gradients from time-major d pre-activations (T, N, gH) and the inputs (T*N, D)
        of forward; returns dxs (N, T, D)."""
        Wx = self.params[0]
        T, N, G = dax.shape
        D = xs_tm.shape[1]
        dax2 = dax.reshape(T * N, G)
        _matmul_into(self.grads[0], xs_tm.T, dax2)
        self._wh_grad(hs_prev.reshape(T * N, -1), dax2)
        dax2.sum(axis=0, out=self.grads[2])
        self.dh = dh0
        return (dax2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)

    def _wh_grad(self, hs_prev: Any, dax: Any) -> None:
        _matmul_into(self.grads[1], hs_prev.T, dax)


class TimeRNN(_TimeRecurrent):
    """An RNN over (N, T, D) inputs, returning hidden states (N, T, H)."""

    gates = 1

    def forward(self, xs: Any) -> Any:
        xp, xs_tm, ax, h = self._begin(xs)
        _, Wh, _ = self.params
        T, N, H = ax.shape
        hs = xp.empty((T + 1, N, H), dtype=xs.dtype)  # hs[0] is the initial state
        hs[0] = h
        for t in range(T):
            hs[t + 1] = xp.tanh(ax[t] + hs[t] @ Wh)
        self.h = hs[T]
        self.cache = (xs_tm, hs)
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dhs: Any) -> Any:
        xs_tm, hs = self.cache
        _, Wh, _ = self.params
        xp = get_array_module(dhs)
        T = hs.shape[0] - 1
        dhs_tm = dhs.transpose(1, 0, 2)
        dax = xp.empty_like(hs[1:])
        dh = xp.zeros_like(hs[0])
        for t in reversed(range(T)):
            h = hs[t + 1]
            dax[t] = (dhs_tm[t] + dh) * (1 - h * h)
            dh = dax[t] @ Wh.T
        return self._finish(xs_tm, hs[:-1], dax, dh)


class TimeLSTM(_TimeRecurrent):
    """An LSTM over (N, T, D) inputs, returning hidden states (N, T, H); gate order f, i, o, g."""

    gates = 4

    def __init__(self, Wx: Any, Wh: Any, b: Any, stateful: bool = False):
        super().__init__(Wx, Wh, b, stateful)
        self.c: Any = None
        self.dc: Any = None

    def reset_state(self) -> None:
        self.h, self.c = None, None

    def set_state(self, h: Any, c: Any = None) -> None:
        """Start the next forward from ``h`` (and ``c``; zeros when not given)."""
        self.h = h
        self.c = c if c is not None else get_array_module(h).zeros_like(h)

    def forward(self, xs: Any) -> Any:
        xp, xs_tm, ax, h = self._begin(xs)
        _, Wh, _ = self.params
        T, N, _ = ax.shape
        H = Wh.shape[0]
        zero_start = not self.stateful or self.h is None  # h0 = 0: skip h0 @ Wh and its gradient
        c = self._initial(self.c, N, H, xs.dtype, xp)
        hs = xp.empty((T + 1, N, H), dtype=xs.dtype)
        cs = xp.empty((T + 1, N, H), dtype=xs.dtype)
        tc = xp.empty((T, N, H), dtype=xs.dtype)
        tmp = xp.empty((N, 4 * H), dtype=xs.dtype)
        # one exp over all four gates: sigmoid(x) = 1 / (1 + exp(-x)) and
        # tanh(x) = 2 / (1 + exp(-2x)) - 1, so the g block is scaled by -2, the others by -1
        scale = xp.full(4 * H, -1.0, dtype=xs.dtype)
        scale[3 * H:] = -2.0
        hs[0], cs[0] = h, c
        with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives the right 0 (or -1)
            for t in range(T):
                # ax[t] becomes the activated gates in place: sigmoid(f, i, o), tanh(g)
                a = ax[t]
                if t or not zero_start:
                    xp.matmul(hs[t], Wh, out=tmp)
                    a += tmp
                a *= scale
                xp.exp(a, out=a)
                a += 1
                xp.reciprocal(a, out=a)
                g = a[:, 3 * H:]
                g *= 2
                g -= 1
                c = cs[t + 1]
                xp.multiply(a[:, :H], cs[t], out=c)              # f * c_prev
                xp.multiply(g, a[:, H:2 * H], out=tmp[:, :H])    # + g * i
                c += tmp[:, :H]
                xp.tanh(c, out=tc[t])
                xp.multiply(a[:, 2 * H:3 * H], tc[t], out=hs[t + 1])  # h = o * tanh(c)
        self.h, self.c = hs[T], cs[T]
        self.cache = (xs_tm, hs, cs, ax, tc, zero_start)
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dhs: Any) -> Any:
        xs_tm, hs, cs, act, tc, zero_start = self.cache
        _, Wh, _ = self.params
        xp = get_array_module(dhs)
        T, N, H = tc.shape
        dhs_tm = dhs.transpose(1, 0, 2)
        dax = xp.empty((T, N, 4 * H), dtype=dhs.dtype)
        dh = xp.zeros((N, H), dtype=dhs.dtype)
        dc = xp.zeros((N, H), dtype=dhs.dtype)
        ds = xp.empty((N, H), dtype=dhs.dtype)
        tmp = xp.empty((N, 3 * H), dtype=dhs.dtype)
        WhT = Wh.T
        for t in reversed(range(T)):
            a, da = act[t], dax[t]
            f, i, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            dh += dhs_tm[t]                                   # dh of this step's output
            xp.multiply(tc[t], tc[t], out=ds)                 # ds = dc + dh * o * (1 - tc^2)
            xp.subtract(1, ds, out=ds)
            ds *= o
            ds *= dh
            ds += dc
            xp.multiply(ds, cs[t], out=da[:, :H])             # df
            xp.multiply(ds, g, out=da[:, H:2 * H])            # di
            xp.multiply(dh, tc[t], out=da[:, 2 * H:3 * H])    # do
            sig = a[:, :3 * H]
            xp.subtract(1, sig, out=tmp)                      # through the sigmoids
            tmp *= sig
            da[:, :3 * H] *= tmp
            dg = da[:, 3 * H:]
            xp.multiply(g, g, out=dg)                         # dg = ds * i * (1 - g^2)
            xp.subtract(1, dg, out=dg)
            dg *= i
            dg *= ds
            xp.multiply(ds, f, out=dc)
            if t or not zero_start:
                xp.matmul(da, WhT, out=dh)
        self.dc = None if zero_start else dc
        return self._finish(xs_tm, hs[:-1], dax, None if zero_start else dh)


class TimeGRU(_TimeRecurrent):
    """A GRU (with biases) over (N, T, D) inputs, returning hidden states (N, T, H)."""

    gates = 3

    def forward(self, xs: Any) -> Any:
        xp, xs_tm, ax, h = self._begin(xs)
        _, Wh, _ = self.params
        T, N, _ = ax.shape
        H = Wh.shape[0]
        hs = xp.empty((T + 1, N, H), dtype=xs.dtype)
        zr = xp.empty((T, N, 2 * H), dtype=xs.dtype)
        rh = xp.empty((T, N, H), dtype=xs.dtype)
        hh = xp.empty((T, N, H), dtype=xs.dtype)
        hs[0] = h
        for t in range(T):
            hs[t + 1], (zr[t], rh[t], hh[t]) = _gru_step(ax[t], hs[t], Wh, xp)
        self.h = hs[T]
        self.cache = (xs_tm, hs, zr, rh, hh)
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dhs: Any) -> Any:
        xs_tm, hs, zr, rh, hh = self.cache
        Wh = self.params[1]
        xp = get_array_module(dhs)
        T, N, H = hh.shape
        dhs_tm = dhs.transpose(1, 0, 2)
        dax = xp.empty((T, N, 3 * H), dtype=dhs.dtype)
        dh = xp.zeros((N, H), dtype=dhs.dtype)
        for t in reversed(range(T)):
            dax[t], dh = _gru_step_backward(dhs_tm[t] + dh, hs[t], Wh, (zr[t], rh[t], hh[t]), xp)
        self._rh = rh
        return self._finish(xs_tm, hs[:-1], dax, dh)

    def _wh_grad(self, hs_prev: Any, dax: Any) -> None:
        H = hs_prev.shape[1]
        self.grads[1][:, :2 * H] = hs_prev.T @ dax[:, :2 * H]
        self.grads[1][:, 2 * H:] = self._rh.reshape(-1, H).T @ dax[:, 2 * H:]
