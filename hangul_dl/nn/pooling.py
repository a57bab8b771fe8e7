"""Pooling over time with padding masks: max, mean and attention pooling.

A text classifier turns per-token vectors (N, T, D) into one vector per text (N, D). Batches are
padded, so every layer here takes a ``mask``: either a boolean (N, T) array, True at real
tokens, or the lengths (N,) of rows padded at the end. Padded positions never win the max,
never count in the mean and get exactly zero attention weight, so the output (and the gradient
at real positions) does not depend on what the padding holds or on how much of it there is.
Padded positions get a zero input gradient. A row with no real position at all pools to zeros.

- ``MaxOverTime``: ``y[n] = max_{t valid} x[n, t]`` per feature (Collobert et al. 2011;
  Kim 2014's max-over-time pooling)
- ``MeanOverTime``: ``y[n] = mean_{t valid} x[n, t]`` (fastText's average of embeddings)
- ``AttentionPooling``: ``a = softmax_t(tanh(x W + b) v)`` over valid positions,
  ``y = sum_t a[:, t] x[:, t]`` — the learned-query attention of Yang et al. (2016,
  "Hierarchical Attention Networks"); the weights are kept in ``attention_weights`` (N, T).

Shapes: N batch, T time, D features, A attention size.
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from ..errors import ShapeError
from .attention import masked_softmax
from .layers import Layer, _matmul_into

__all__ = ["AttentionPooling", "MaxOverTime", "MeanOverTime", "length_mask", "time_mask"]


def length_mask(lengths: Any, T: int, xp: Any = None) -> Any:
    """(N, T) bool mask, True at ``t < lengths[n]`` (rows padded at the end)."""
    xp = xp or get_array_module(lengths)
    return xp.arange(T)[None, :] < xp.asarray(lengths).reshape(-1, 1)


def time_mask(mask: Any, N: int, T: int, who: str, xp: Any) -> Any:
    """The (N, T) bool mask of ``mask`` given as None (all valid), lengths (N,) or a mask (N, T)."""
    if mask is None:
        return None
    mask = xp.asarray(mask)
    if mask.ndim == 1:
        if mask.shape[0] != N:
            raise ShapeError(f"{who}: {mask.shape[0]} lengths for a batch of {N} rows")
        return length_mask(mask, T, xp)
    if tuple(mask.shape) != (N, T):
        raise ShapeError(f"{who}: mask has shape {tuple(mask.shape)}, expected ({N}, {T}) "
                         f"(True at real tokens) or lengths ({N},)")
    return mask.astype(bool, copy=False)


def _check_input(xs: Any, who: str) -> None:
    if xs.ndim != 3:
        raise ShapeError(f"{who}: expected input (N, T, D), got {tuple(xs.shape)}")


class MaxOverTime(Layer):
    """Max over valid time steps, per feature: (N, T, D), mask -> (N, D).

    ``backward(dy (N, D))`` routes each feature's gradient to the time step that won its max
    (the first one on ties); rows without a valid step get zero output and zero gradient.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cache: Any = None

    def forward(self, xs: Any, mask: Any = None) -> Any:
        _check_input(xs, "MaxOverTime")
        xp = get_array_module(xs)
        N, T, D = xs.shape
        mask = time_mask(mask, N, T, "MaxOverTime", xp)
        if T == 0:
            self.cache = (xs.shape, None, None)
            return xp.zeros((N, D), dtype=xs.dtype)
        masked = xs if mask is None else xp.where(mask[:, :, None], xs, -xp.inf)
        arg = masked.argmax(axis=1)  # (N, D): the winning time step of each feature
        rows, cols = xp.arange(N)[:, None], xp.arange(D)[None, :]
        y = xs[rows, arg, cols]  # (N, D)
        nonempty = None
        if mask is not None:
            nonempty = mask.any(axis=1)  # (N,)
            y = y * nonempty[:, None]
        self.cache = (xs.shape, arg, nonempty)
        return y

    def backward(self, dy: Any) -> Any:
        shape, arg, nonempty = self.cache
        xp = get_array_module(dy)
        N, _, D = shape
        dxs = xp.zeros(shape, dtype=dy.dtype)
        if arg is None:
            return dxs
        if nonempty is not None:
            dy = dy * nonempty[:, None]
        dxs[xp.arange(N)[:, None], arg, xp.arange(D)[None, :]] = dy  # one winner per (n, d)
        return dxs


class MeanOverTime(Layer):
    """Mean over valid time steps: (N, T, D), mask -> (N, D); an empty row gives zeros."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: Any = None

    def forward(self, xs: Any, mask: Any = None) -> Any:
        _check_input(xs, "MeanOverTime")
        xp = get_array_module(xs)
        N, T, _ = xs.shape
        mask = time_mask(mask, N, T, "MeanOverTime", xp)
        if mask is None:
            w = xp.full((N, T), 1.0 / max(T, 1), dtype=xs.dtype)
        else:
            w = mask.astype(xs.dtype)
            w /= xp.maximum(w.sum(axis=1, keepdims=True), 1)
        self.cache = w
        return (w[:, None, :] @ xs)[:, 0, :]  # (N, 1, T) @ (N, T, D) -> (N, D)

    def backward(self, dy: Any) -> Any:
        w = self.cache  # (N, T)
        return w[:, :, None] * dy[:, None, :]  # (N, T, D), zero at padding


class AttentionPooling(Layer):
    """Attention pooling with a learned query (Yang et al. 2016): (N, T, D), mask -> (N, D).

    ``u = tanh(xs @ W + b)`` (N, T, A), scores ``u @ v`` (N, T), weights
    ``a = softmax over the valid t`` (exactly 0 at padding), output ``sum_t a[:, t] * xs[:, t]``.
    W (D, A), b (A,), v (A,). ``attention_weights`` holds ``a`` of the last forward.
    """

    param_names = ("W", "b", "v")

    def __init__(self, W: Any, b: Any, v: Any):
        super().__init__()
        if W.ndim != 2 or b.shape != (W.shape[1],) or v.shape != (W.shape[1],):
            raise ShapeError(f"AttentionPooling: expected W (D, A), b (A,), v (A,); got "
                             f"{tuple(W.shape)}, {tuple(b.shape)}, {tuple(v.shape)}")
        self._init_params(W, b, v)
        self.cache: Any = None
        self.attention_weights: Any = None

    def forward(self, xs: Any, mask: Any = None) -> Any:
        W, b, v = self.params
        _check_input(xs, "AttentionPooling")
        if xs.shape[2] != W.shape[0]:
            raise ShapeError(f"AttentionPooling: input has {xs.shape[2]} features, W expects "
                             f"{W.shape[0]}")
        xp = get_array_module(xs)
        N, T, D = xs.shape
        mask = time_mask(mask, N, T, "AttentionPooling", xp)
        x2 = xp.ascontiguousarray(xs.reshape(N * T, D))
        u = xp.tanh(x2 @ W + b)  # (N*T, A)
        scores = (u @ v).reshape(N, T)
        a = masked_softmax(scores, mask)  # (N, T), 0 at padding
        self.cache = (x2, u, a, xs.shape)
        self.attention_weights = a
        return (a[:, None, :] @ xs)[:, 0, :]  # (N, D)

    def backward(self, dy: Any) -> Any:
        W, _, v = self.params
        x2, u, a, shape = self.cache
        N, T, D = shape
        xs = x2.reshape(N, T, D)
        dxs = a[:, :, None] * dy[:, None, :]  # through the weighted sum (N, T, D)
        da = (xs @ dy[:, :, None])[:, :, 0]  # (N, T)
        ds = a * (da - (da * a).sum(axis=1, keepdims=True))  # softmax backward; 0 at padding
        ds2 = ds.reshape(N * T, 1)
        self.grads[2][...] = (u * ds2).sum(axis=0)  # dv
        du = ds2 * v[None, :] * (1 - u * u)  # (N*T, A) through tanh
        _matmul_into(self.grads[0], x2.T, du)
        du.sum(axis=0, out=self.grads[1])
        dxs += (du @ W.T).reshape(N, T, D)
        return dxs
