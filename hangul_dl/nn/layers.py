"""Layers that own parameters or caches (book ch.1 and ``common/layers.py``).

The book's contract, kept exactly:

- ``params`` and ``grads`` are lists of arrays of the same shapes, in the order of
  ``param_names``;
- ``forward(...)`` caches what ``backward`` needs;
- ``backward(dout)`` writes parameter gradients in place (``self.grads[0][...] = dW``) and
  returns the gradient with respect to the input.

Layers take the array module from their inputs (``xp = get_array_module(x)``), so one code path
runs on NumPy and CuPy. Shape letters: N batch, T time, D input, H hidden, C classes, V vocabulary.
Affine, MatMul and the losses accept any number of leading dimensions, so the same classes serve
as the book's Time* versions (N, T, ...) too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import as_generator, get_array_module, segment_sum, xp_generator
from ..errors import ShapeError
from .functions import sigmoid, softmax, softplus

__all__ = [
    "Affine",
    "Dropout",
    "Embedding",
    "Layer",
    "MatMul",
    "ReLU",
    "Sigmoid",
    "SigmoidWithLoss",
    "Softmax",
    "SoftmaxWithLoss",
    "Tanh",
]


class Layer:
    """Base class: empty ``params``/``grads``, a ``training`` flag and a shape-showing repr."""

    param_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.grads: list[Any] = []
        self.training = True

    def _init_params(self, *arrays: Any) -> None:
        """Register parameters (in ``param_names`` order) and zero gradients of the same shape."""
        xp = get_array_module(*arrays)
        self.params = list(arrays)
        self.grads = [xp.zeros_like(p) for p in arrays]

    def __repr__(self) -> str:
        shapes = ", ".join(f"{n}={tuple(p.shape)}" for n, p in zip(self.param_names, self.params))
        return f"{type(self).__name__}({shapes})"


def _as_2d(x: Any) -> Any:
    """(..., D) -> (M, D), C-contiguous (a copy only when ``x`` is a strided view)."""
    xp = get_array_module(x)
    return xp.ascontiguousarray(x.reshape(-1, x.shape[-1]))


def _matmul_into(out: Any, a: Any, b: Any) -> None:
    """``out[...] = a @ b`` without a temporary (gradients are written in place).

    ``out`` may also be the transpose of a C-contiguous array (a tied weight's gradient kept in
    its owner's layout): then ``out.T = b.T @ a.T`` is written directly.
    """
    xp = get_array_module(out)
    if out.dtype == a.dtype == b.dtype:
        if out.flags.c_contiguous:
            xp.matmul(a, b, out=out)
            return
        if out.T.flags.c_contiguous:
            xp.matmul(b.T, a.T, out=out.T)
            return
    out[...] = a @ b  # another dtype or layout


def _check_features(layer: Layer, x: Any, W: Any) -> None:
    if x.shape[-1] != W.shape[0]:
        raise ShapeError(f"{type(layer).__name__}: input has {x.shape[-1]} features (shape "
                         f"{x.shape}), W expects {W.shape[0]}")


class MatMul(Layer):
    """``y = x @ W`` for x of shape (..., D) and W (D, H)."""

    param_names = ("W",)

    def __init__(self, W: Any):
        super().__init__()
        self._init_params(W)
        self.x = None

    def forward(self, x: Any) -> Any:
        W = self.params[0]
        _check_features(self, x, W)
        self.x = _as_2d(x)  # one 2-D product, not a batched one over strided rows
        return (self.x @ W).reshape(*x.shape[:-1], W.shape[1])  # (..., H)

    def backward(self, dout: Any) -> Any:
        W = self.params[0]
        dout2 = _as_2d(dout)
        _matmul_into(self.grads[0], self.x.T, dout2)
        return (dout2 @ W.T).reshape(*dout.shape[:-1], W.shape[0])


class Affine(MatMul):
    """``y = x @ W + b`` for x of shape (..., D); W (D, H), b (H,): MatMul plus a bias."""

    param_names = ("W", "b")

    def __init__(self, W: Any, b: Any):
        Layer.__init__(self)
        self._init_params(W, b)
        self.x = None

    def forward(self, x: Any) -> Any:
        y = super().forward(x)  # a fresh contiguous array: the bias is added in place
        y += self.params[1]
        return y

    def backward(self, dout: Any) -> Any:
        _as_2d(dout).sum(axis=0, out=self.grads[1])
        return super().backward(dout)


class Sigmoid(Layer):
    """Elementwise logistic sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.out = None

    def forward(self, x: Any) -> Any:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: Any) -> Any:
        return dout * (1.0 - self.out) * self.out


class Tanh(Layer):
    """Elementwise hyperbolic tangent."""

    def __init__(self) -> None:
        super().__init__()
        self.out = None

    def forward(self, x: Any) -> Any:
        self.out = get_array_module(x).tanh(x)
        return self.out

    def backward(self, dout: Any) -> Any:
        return dout * (1.0 - self.out**2)


class ReLU(Layer):
    """Elementwise ``max(x, 0)``."""

    def __init__(self) -> None:
        super().__init__()
        self.mask = None

    def forward(self, x: Any) -> Any:
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout: Any) -> Any:
        return dout * self.mask


class Softmax(Layer):
    """Softmax over the last axis."""

    def __init__(self) -> None:
        super().__init__()
        self.out = None

    def forward(self, x: Any) -> Any:
        self.out = softmax(x)
        return self.out

    def backward(self, dout: Any) -> Any:
        y = self.out
        return y * (dout - (dout * y).sum(axis=-1, keepdims=True))


class SoftmaxWithLoss(Layer):
    """Softmax + mean cross-entropy, from logits of shape (..., C).

    Targets are class IDs (...) or one-hot (..., C). Positions whose target equals
    ``ignore_label`` (e.g. the ``<pad>`` ID 0 in seq2seq batches) add no loss and no gradient and
    are left out of the mean. With (N, T, V) logits this is the book's TimeSoftmaxWithLoss.
    """

    def __init__(self, ignore_label: int | None = -1):
        super().__init__()
        self.ignore_label = ignore_label
        self.cache: tuple | None = None

    def forward(self, x: Any, t: Any) -> Any:
        xp = get_array_module(x)
        C = x.shape[-1]
        if t.shape == x.shape:  # one-hot
            t = t.argmax(axis=-1)
        if t.shape != x.shape[:-1]:
            raise ShapeError(f"SoftmaxWithLoss: targets of shape {t.shape} do not match logits "
                             f"{x.shape}; expected {x.shape[:-1]} (class IDs) or {x.shape}")
        t = t.reshape(-1)
        x2 = x.reshape(-1, C)  # (M, C)
        mask = None if self.ignore_label is None else (t != self.ignore_label)
        if mask is not None:
            t = xp.where(mask, t, 0)
        if t.size and (int(t.max()) >= C or int(t.min()) < 0):
            raise ShapeError(f"SoftmaxWithLoss: target IDs must be in [0, {C}); found "
                             f"{int(t.min())}..{int(t.max())}")
        # log_softmax(x)[t] = shifted[t] - log(sum(exp(shifted))) with shifted = x - max; the
        # exponentials are kept for backward (softmax = e / sum): four passes over (M, C), one
        # new array, instead of log_softmax's five passes and three arrays plus backward's exp
        rows = xp.arange(t.shape[0])
        e = x2 - x2.max(axis=1, keepdims=True)
        picked = e[rows, t]
        xp.exp(e, out=e)
        total = e.sum(axis=1, keepdims=True)  # (M, 1)
        picked = picked - xp.log(total[:, 0])
        n_valid = t.shape[0] if mask is None else int(mask.sum())
        if n_valid == t.shape[0]:
            mask = None  # nothing ignored: neither the loss nor backward needs the mask
        else:
            picked = picked * mask
        count = max(n_valid, 1)
        self.cache = (e, total, t, mask, count, x.shape)
        return -picked.sum() / count

    def backward(self, dout: Any = 1) -> Any:
        e, total, t, mask, count, shape = self.cache
        xp = get_array_module(e)
        scale = dout / count
        dx = e * (scale / total)  # softmax probabilities times dout / count (M, C), one pass
        dx[xp.arange(t.shape[0]), t] -= scale
        if mask is not None:
            dx[~mask] = 0
        return dx.reshape(shape)


class SigmoidWithLoss(Layer):
    """Sigmoid + mean binary cross-entropy from logits; targets are 0/1 of the same shape."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: tuple | None = None

    def forward(self, x: Any, t: Any) -> Any:
        if t.shape != x.shape:
            raise ShapeError(f"SigmoidWithLoss: targets {t.shape} must match logits {x.shape}")
        t = t.astype(x.dtype)
        self.cache = (sigmoid(x), t)
        # -[t log s + (1 - t) log(1 - s)] = softplus(x) - t x, stable for any x
        return (softplus(x) - t * x).sum() / x.size

    def backward(self, dout: Any = 1) -> Any:
        y, t = self.cache
        return (y - t) * (dout / y.size)


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``ratio`` and scale the
    rest by ``1 / (1 - ratio)``, so evaluation needs no rescaling (``training = False``).

    Masks come from an explicit seeded generator (on the GPU, one seeded from it).
    """

    def __init__(self, ratio: float = 0.5, seed: int | np.random.Generator | None = None):
        super().__init__()
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"Dropout ratio must be in [0, 1), got {ratio}")
        self.ratio = ratio
        self.rng = as_generator(seed)
        self._device_rng: Any = None
        self.mask = None

    def _random(self, x: Any) -> Any:
        xp = get_array_module(x)
        if xp is np:
            return self.rng.random(x.shape, dtype=np.float32)
        if self._device_rng is None:
            self._device_rng = xp_generator(self.rng, xp)
        return self._device_rng.random(x.shape, dtype=np.float32)

    def forward(self, x: Any) -> Any:
        if not self.training or self.ratio == 0.0:
            self.mask = None
            return x
        scale = x.dtype.type(1.0 / (1.0 - self.ratio))
        mask = (self._random(x) >= self.ratio).astype(x.dtype)
        mask *= scale
        self.mask = mask
        return x * mask

    def backward(self, dout: Any) -> Any:
        return dout if self.mask is None else dout * self.mask


class Embedding(Layer):
    """Row lookup ``W[idx]`` for integer IDs of any shape; W is (V, D).

    The backward pass sums gradient rows that share an ID with :func:`~hangul_dl.backend.segment_sum`
    (a sparse one-hot product on the CPU, several times faster than ``np.add.at``).
    """

    param_names = ("W",)

    def __init__(self, W: Any):
        super().__init__()
        self._init_params(W)
        self.idx = None

    def forward(self, idx: Any) -> Any:
        W, = self.params
        self.idx = idx
        return W[idx]  # idx.shape + (D,)

    def backward(self, dout: Any) -> None:
        dW, = self.grads
        dW[...] = segment_sum(self.idx, dout, dW.shape[0])
        return None
