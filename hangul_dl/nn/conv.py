"""1D convolution over time (im2col form) and Kim (2014)'s multi-width convolution + max pooling.

Book ch.7 of the first volume ("deep learning from scratch") builds 2D convolution from
``im2col``: unfold every input window into a row, then one matrix product applies all filters
at all positions. Text needs the 1D case over time, "NLP를 위한 합성곱 신경망" of the wikidocs
book: a filter of width K reads K consecutive token vectors.

- :func:`im2col_1d` / :func:`col2im_1d`: (N, T, D) <-> windows (N, T', K, D), K slice copies
  (no Python loop over N or T), the same code on NumPy and CuPy;
- ``TimeConv1D``: ``ys[n, t'] = sum_k xs[n, t' + k - left] @ W[k] + b`` — (N, T, D) -> (N, T', C)
  with W (K, D, C), b (C,), as one (N·T', K·D) @ (K·D, C) product;
- ``MultiWidthConv1D``: Kim (2014, "Convolutional Neural Networks for Sentence
  Classification"): several widths (3, 4, 5) side by side, each ReLU + max-over-time, the
  pooled features concatenated — (N, T, D) -> (N, sum of C).

**Padding.** ``padding`` is ``"same"`` (T' = T; left (K-1)//2, right the rest), ``"valid"``
(no padding, T' = T - K + 1), ``"full"`` (K-1 zeros on both sides, T' = T + K - 1), an int p
(p zeros on both sides) or a pair (left, right). **Masks.** ``forward(xs, mask)`` takes the
batch's mask (N, T) or lengths (N,), rows padded at the end: padded inputs are treated as
zeros, so each row's valid outputs — the first ``conv_output_lengths(lengths, K, padding)``
positions, kept in ``output_mask`` — are exactly what the row alone (without batch padding)
gives; they never read what the padding holds.

Shapes: N batch, T time, D input features, K kernel width, C filters (output channels).
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from ..errors import InputError, ShapeError
from .layers import Layer
from .pooling import MaxOverTime, length_mask, time_mask

__all__ = [
    "MultiWidthConv1D",
    "TimeConv1D",
    "col2im_1d",
    "conv_output_lengths",
    "conv_padding",
    "im2col_1d",
]

_NAMED_PADDINGS = ("same", "valid", "full")


def conv_padding(K: int, padding: Any) -> tuple[int, int]:
    """(left, right) zeros for kernel width ``K`` and a ``padding`` setting (module docstring)."""
    if isinstance(padding, str):
        if padding == "same":
            return (K - 1) // 2, K - 1 - (K - 1) // 2
        if padding == "valid":
            return 0, 0
        if padding == "full":
            return K - 1, K - 1
        raise InputError(f"unknown padding {padding!r}; use one of {', '.join(_NAMED_PADDINGS)}, "
                         "an int or a (left, right) pair")
    pair = (padding, padding) if isinstance(padding, int) else tuple(padding)
    if len(pair) != 2 or not all(isinstance(p, int) and p >= 0 for p in pair):
        raise InputError(f"padding must be one of {', '.join(_NAMED_PADDINGS)}, an int >= 0 or a "
                         f"(left, right) pair of ints >= 0; got {padding!r}")
    return int(pair[0]), int(pair[1])


def conv_output_lengths(lengths: Any, K: int, padding: Any) -> Any:
    """Valid output positions per row: ``max(L + left + right - K + 1, 0)`` for lengths L."""
    left, right = conv_padding(K, padding)
    xp = get_array_module(lengths)
    return xp.maximum(xp.asarray(lengths) + (left + right - K + 1), 0)


def _window_slices(T: int, T_out: int, k: int, left: int) -> tuple[slice, slice] | None:
    """Output rows t' and input rows t = t' + k - left of window slot k that lie inside [0, T)."""
    lo = max(0, left - k)
    hi = min(T_out, T + left - k)
    if hi <= lo:
        return None
    return slice(lo, hi), slice(lo + k - left, hi + k - left)


def im2col_1d(xs: Any, K: int, left: int = 0, right: int = 0) -> Any:
    """Windows of width ``K``: (N, T, D) -> (N, T', K, D), T' = max(T + left + right - K + 1, 0).

    ``cols[n, t', k] = xs[n, t' + k - left]``, zeros where that falls in the padding.
    """
    xp = get_array_module(xs)
    N, T, D = xs.shape
    T_out = max(T + left + right - K + 1, 0)
    cols = xp.zeros((N, T_out, K, D), dtype=xs.dtype)
    for k in range(K):  # K slice copies; K is small (3-5)
        s = _window_slices(T, T_out, k, left)
        if s is not None:
            cols[:, s[0], k, :] = xs[:, s[1], :]
    return cols


def col2im_1d(dcols: Any, T: int, left: int = 0) -> Any:
    """The adjoint of :func:`im2col_1d`: (N, T', K, D) -> (N, T, D), overlapping windows summed."""
    xp = get_array_module(dcols)
    N, T_out, K, D = dcols.shape
    dxs = xp.zeros((N, T, D), dtype=dcols.dtype)
    for k in range(K):
        s = _window_slices(T, T_out, k, left)
        if s is not None:
            dxs[:, s[1], :] += dcols[:, s[0], k, :]
    return dxs


def _prefix_lengths(mask: Any) -> Any:
    """Lengths of a mask whose rows are padded at the end (True before False)."""
    return mask.sum(axis=1)


class TimeConv1D(Layer):
    """1D convolution over time: (N, T, D) -> (N, T', C); W (K, D, C), b (C,).

    ``forward(xs, mask=None)``; ``backward(dys (N, T', C))`` returns dxs (N, T, D), zero at
    padded positions when a mask was given. After forward, ``output_mask`` is the (N, T') mask of
    valid outputs (None without a mask). See the module docstring for padding and masks.
    """

    param_names = ("W", "b")

    def __init__(self, W: Any, b: Any, padding: Any = "same"):
        super().__init__()
        if W.ndim != 3 or b.shape != (W.shape[2],):
            raise ShapeError(f"TimeConv1D: expected W (K, D, C) and b (C,); got {tuple(W.shape)} "
                             f"and {tuple(b.shape)}")
        self.padding = padding
        self.pad = conv_padding(W.shape[0], padding)
        self._init_params(W, b)
        self.cache: Any = None
        self.output_mask: Any = None

    @property
    def kernel_size(self) -> int:
        """K, the window width."""
        return int(self.params[0].shape[0])

    def forward(self, xs: Any, mask: Any = None) -> Any:
        W, b = self.params
        K, D, C = W.shape
        if xs.ndim != 3 or xs.shape[2] != D:
            raise ShapeError(f"TimeConv1D: expected input (N, T, {D}), got {tuple(xs.shape)}")
        xp = get_array_module(xs)
        N, T, _ = xs.shape
        left, right = self.pad
        mask = time_mask(mask, N, T, "TimeConv1D", xp)
        if mask is not None:
            xs = xs * mask[:, :, None]  # padding reads as zeros
        cols = im2col_1d(xs, K, left, right)  # (N, T', K, D)
        T_out = cols.shape[1]
        cols2 = cols.reshape(N * T_out, K * D)
        ys = cols2 @ W.reshape(K * D, C)  # (N*T', C)
        ys += b
        self.output_mask = None
        if mask is not None:
            out_len = conv_output_lengths(_prefix_lengths(mask), K, self.padding)
            self.output_mask = length_mask(out_len, T_out, xp)
        self.cache = (cols2, mask, T)
        return ys.reshape(N, T_out, C)

    def backward(self, dys: Any) -> Any:
        W, _ = self.params
        K, D, C = W.shape
        cols2, mask, T = self.cache
        N, T_out, _ = dys.shape
        d2 = dys.reshape(N * T_out, C)
        self.grads[0][...] = (cols2.T @ d2).reshape(K, D, C)
        d2.sum(axis=0, out=self.grads[1])
        dcols = (d2 @ W.reshape(K * D, C).T).reshape(N, T_out, K, D)
        dxs = col2im_1d(dcols, T, self.pad[0])
        if mask is not None:
            dxs *= mask[:, :, None]
        return dxs

    def __repr__(self) -> str:
        K, D, C = self.params[0].shape
        return f"TimeConv1D(K={K}, D={D}, C={C}, padding={self.padding!r})"


class MultiWidthConv1D(Layer):
    """Kim (2014): convolutions of several widths, each ReLU + max over time, concatenated.

    ``MultiWidthConv1D([(W3, b3), (W4, b4), (W5, b5)], padding="same")`` with ``W_i`` (K_i, D,
    C_i). ``forward(xs (N, T, D), mask=None) -> (N, sum C_i)``; padded positions never win the
    max (a row with no valid window pools to 0). ``backward(dy)`` returns dxs (N, T, D).
    Parameters are named ``W0, b0, W1, b1, ...`` in the order given. (ReLU is applied after the
    max, which gives the same values and gradients as before it, on T times fewer numbers.)
    """

    def __init__(self, weights: list[tuple[Any, Any]], padding: Any = "same"):
        super().__init__()
        if not weights:
            raise ShapeError("MultiWidthConv1D needs at least one (W, b) pair")
        self.padding = padding
        self.convs = [TimeConv1D(W, b, padding) for W, b in weights]
        self.pools = [MaxOverTime() for _ in self.convs]
        self.param_names = tuple(f"{n}{i}" for i in range(len(self.convs)) for n in ("W", "b"))
        self.params = [p for conv in self.convs for p in conv.params]
        self.grads = [g for conv in self.convs for g in conv.grads]
        self.relu_masks: list[Any] = []

    @property
    def kernel_sizes(self) -> tuple[int, ...]:
        """The window widths, in order."""
        return tuple(conv.kernel_size for conv in self.convs)

    def forward(self, xs: Any, mask: Any = None) -> Any:
        xp = get_array_module(xs)
        pooled = []
        self.relu_masks = []
        for conv, pool in zip(self.convs, self.pools):
            ys = conv.forward(xs, mask)  # (N, T', C_i)
            y = pool.forward(ys, conv.output_mask)  # (N, C_i)
            positive = y > 0
            self.relu_masks.append(positive)
            pooled.append(y * positive)
        return xp.concatenate(pooled, axis=1)  # (N, sum C_i)

    def backward(self, dy: Any) -> Any:
        dxs = None
        start = 0
        for conv, pool, positive in zip(self.convs, self.pools, self.relu_masks):
            C = conv.params[1].shape[0]
            d = dy[:, start:start + C] * positive
            start += C
            dx = conv.backward(pool.backward(d))
            dxs = dx if dxs is None else dxs + dx
        return dxs

    def __repr__(self) -> str:
        filters = [int(conv.params[1].shape[0]) for conv in self.convs]
        return (f"MultiWidthConv1D(kernel_sizes={self.kernel_sizes}, filters={filters}, "
                f"padding={self.padding!r})")
