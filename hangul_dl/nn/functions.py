"""Stateless, numerically stable functions (book ch.1 ``common/functions.py``).

Everything here is pure: arrays in, arrays out, NumPy or CuPy alike (the module is taken from
the data). Objects that own parameters live in :mod:`hangul_dl.nn.layers`.
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module

__all__ = [
    "cross_entropy_error",
    "log_softmax",
    "relu",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
]


def sigmoid(x: Any) -> Any:
    """Logistic sigmoid ``1 / (1 + exp(-x))`` without overflow: ``0.5 * (1 + tanh(x / 2))``."""
    xp = get_array_module(x)
    return 0.5 * (1.0 + xp.tanh(0.5 * x))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` computed stably for large positive and negative ``x``."""
    xp = get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def relu(x: Any) -> Any:
    """``max(x, 0)``."""
    xp = get_array_module(x)
    return xp.maximum(x, 0)


def softmax(x: Any, axis: int = -1) -> Any:
    """Softmax along ``axis``; the maximum is subtracted first so ``exp`` never overflows."""
    xp = get_array_module(x)
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``log(softmax(x))`` without forming tiny probabilities (log-sum-exp trick)."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def _label_mask(t: Any, ignore_label: int | None) -> Any | None:
    return None if ignore_label is None else (t != ignore_label)


def softmax_cross_entropy(x: Any, t: Any, ignore_label: int | None = None) -> Any:
    """Mean cross-entropy of ``softmax(x)`` against targets, from logits.

    ``x`` has shape (..., C). ``t`` holds class IDs of shape (...) or one-hot rows of shape
    (..., C). Positions whose class ID equals ``ignore_label`` (padding) add nothing and are not
    counted in the mean; if every position is ignored the loss is 0.
    """
    xp = get_array_module(x)
    logp = log_softmax(x).reshape(-1, x.shape[-1])
    if t.shape == x.shape:  # one-hot targets
        t = t.reshape(-1, x.shape[-1]).argmax(axis=1)
    t = t.reshape(-1)
    mask = _label_mask(t, ignore_label)
    safe_t = t if mask is None else xp.where(mask, t, 0)
    picked = logp[xp.arange(t.shape[0]), safe_t]
    if mask is None:
        return -picked.mean()
    return -(picked * mask).sum() / max(int(mask.sum()), 1)


def cross_entropy_error(y: Any, t: Any) -> Any:
    """The book's ``cross_entropy_error``: mean ``-log y[t]`` from probabilities ``y`` (N, C).

    Prefer :func:`softmax_cross_entropy` from logits, which never takes ``log(0)``.
    """
    xp = get_array_module(y)
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    n = y.shape[0]
    return -xp.log(y[xp.arange(n), t] + 1e-7).sum() / n
