"""Attention layers (book ch.8): WeightSum, AttentionWeight, Attention, TimeAttention.

The book's four classes, with one addition: a source **mask**. ``mask`` (N, S) is True at real
source tokens and False at padding; masked positions get exactly zero attention weight (their
scores become ``-inf`` before the softmax), so padding never leaks into a context vector and gets
no gradient. A row with no real token at all (an empty source) gets all-zero weights and a zero
context instead of NaNs.

Shapes: N batch, S source length, T target length, H hidden size.

- ``WeightSum``: ``c = sum_s a[:, s] * hs[:, s]`` — (N, S, H), (N, S) -> (N, H)
- ``AttentionWeight``: ``a = softmax_s(hs[:, s] . h)`` — (N, S, H), (N, H) -> (N, S)
- ``Attention``: both in one layer — (N, S, H), (N, H) -> (N, H); weights kept in
  ``attention_weight``
- ``TimeAttention``: every decoder step at once — (N, S, H), (N, T, H) -> (N, T, H); weights
  kept in ``attention_weights`` (N, T, S).

The book's ``TimeAttention`` loops over T steps with one ``Attention`` each. Ours computes the
same numbers with three batched matrix products (``hs_dec @ hs_enc^T``, ``a @ hs_enc`` and their
transposes in backward), which is several times faster on the CPU and what the seq2seq models
use; the per-step classes remain for reading alongside the book and for one-step decoding.
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from ..errors import ShapeError
from .layers import Layer

__all__ = ["Attention", "AttentionWeight", "TimeAttention", "WeightSum", "masked_softmax"]


def masked_softmax(scores: Any, mask: Any | None) -> Any:
    """Softmax over the last axis where ``mask`` is True; exactly 0 where it is False.

    ``scores`` (..., S); ``mask`` broadcastable to it (or None for a plain softmax). A row whose
    mask is all False returns zeros (not NaN).
    """
    xp = get_array_module(scores)
    if mask is not None:
        scores = xp.where(mask, scores, -xp.inf)
    m = scores.max(axis=-1, keepdims=True)
    if mask is not None:
        m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(scores - m)
    z = e.sum(axis=-1, keepdims=True)
    if mask is not None:
        z = xp.where(z > 0, z, 1)
    e /= z
    return e


def _check_mask(mask: Any | None, shape: tuple[int, int], who: str) -> Any | None:
    if mask is not None and tuple(mask.shape) != shape:
        raise ShapeError(f"{who}: mask has shape {tuple(mask.shape)}, expected {shape} "
                         "(True at real source tokens, False at padding)")
    return mask


def _check_hs(hs: Any, h_dim: int, who: str) -> None:
    if hs.ndim != 3 or hs.shape[2] != h_dim:
        raise ShapeError(f"{who}: expected encoder states (N, S, {h_dim}), got {tuple(hs.shape)}")


class WeightSum(Layer):
    """Context vector ``c = sum_s a[:, s] * hs[:, s]``: hs (N, S, H), a (N, S) -> (N, H)."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: Any = None

    def forward(self, hs: Any, a: Any) -> Any:
        if a.shape != hs.shape[:2]:
            raise ShapeError(f"WeightSum: weights {tuple(a.shape)} do not match states "
                             f"{tuple(hs.shape)}; expected {tuple(hs.shape[:2])}")
        self.cache = (hs, a)
        return (a[:, None, :] @ hs)[:, 0, :]  # (N, 1, S) @ (N, S, H) -> (N, H)

    def backward(self, dc: Any) -> tuple[Any, Any]:
        hs, a = self.cache
        dhs = a[:, :, None] * dc[:, None, :]  # (N, S, H)
        da = (hs @ dc[:, :, None])[:, :, 0]  # (N, S)
        return dhs, da


class AttentionWeight(Layer):
    """Attention weights ``a = softmax(hs . h)`` over source positions, padding masked.

    ``forward(hs (N, S, H), h (N, H), mask (N, S) | None) -> a (N, S)``; ``backward(da)`` returns
    ``(dhs, dh)``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cache: Any = None

    def forward(self, hs: Any, h: Any, mask: Any | None = None) -> Any:
        _check_hs(hs, h.shape[-1], "AttentionWeight")
        _check_mask(mask, hs.shape[:2], "AttentionWeight")
        scores = (hs @ h[:, :, None])[:, :, 0]  # (N, S)
        a = masked_softmax(scores, mask)
        self.cache = (hs, h, a)
        return a

    def backward(self, da: Any) -> tuple[Any, Any]:
        hs, h, a = self.cache
        ds = a * (da - (da * a).sum(axis=1, keepdims=True))  # softmax backward; 0 where masked
        dhs = ds[:, :, None] * h[:, None, :]  # (N, S, H)
        dh = (ds[:, None, :] @ hs)[:, 0, :]  # (N, H)
        return dhs, dh


class Attention(Layer):
    """One decoder step of attention: context ``c`` (N, H) from hs (N, S, H) and h (N, H).

    ``forward(hs, h, mask=None)``; ``backward(dc)`` returns ``(dhs, dh)``. The weights of the last
    forward are in ``attention_weight`` (N, S).
    """

    def __init__(self) -> None:
        super().__init__()
        self.attention_weight_layer = AttentionWeight()
        self.weight_sum_layer = WeightSum()
        self.attention_weight: Any = None

    def forward(self, hs: Any, h: Any, mask: Any | None = None) -> Any:
        a = self.attention_weight_layer.forward(hs, h, mask)
        self.attention_weight = a
        return self.weight_sum_layer.forward(hs, a)

    def backward(self, dc: Any) -> tuple[Any, Any]:
        dhs0, da = self.weight_sum_layer.backward(dc)
        dhs1, dh = self.attention_weight_layer.backward(da)
        return dhs0 + dhs1, dh


class TimeAttention(Layer):
    """Attention for every decoder step at once (dot-product scores, book ch.8).

    ``forward(hs_enc (N, S, H), hs_dec (N, T, H), mask (N, S) | None) -> cs (N, T, H)`` where
    ``cs[:, t]`` is the context for decoder state ``hs_dec[:, t]``. ``backward(dcs)`` returns
    ``(dhs_enc, dhs_dec)``. The weights of the last forward are in ``attention_weights``
    (N, T, S); padded source positions are exactly 0.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cache: Any = None
        self.attention_weights: Any = None

    def forward(self, hs_enc: Any, hs_dec: Any, mask: Any | None = None) -> Any:
        if hs_dec.ndim != 3:
            raise ShapeError(f"TimeAttention: expected decoder states (N, T, H), got "
                             f"{tuple(hs_dec.shape)}")
        _check_hs(hs_enc, hs_dec.shape[2], "TimeAttention")
        if hs_enc.shape[0] != hs_dec.shape[0]:
            raise ShapeError(f"TimeAttention: encoder batch {hs_enc.shape[0]} != decoder batch "
                             f"{hs_dec.shape[0]}")
        _check_mask(mask, hs_enc.shape[:2], "TimeAttention")
        scores = hs_dec @ hs_enc.transpose(0, 2, 1)  # (N, T, S)
        a = masked_softmax(scores, None if mask is None else mask[:, None, :])
        self.cache = (hs_enc, hs_dec, a)
        self.attention_weights = a
        return a @ hs_enc  # (N, T, H)

    def backward(self, dcs: Any) -> tuple[Any, Any]:
        hs_enc, hs_dec, a = self.cache
        da = dcs @ hs_enc.transpose(0, 2, 1)  # (N, T, S)
        ds = da
        ds -= (da * a).sum(axis=2, keepdims=True)
        ds *= a  # softmax backward; 0 at masked positions
        dhs_enc = a.transpose(0, 2, 1) @ dcs + ds.transpose(0, 2, 1) @ hs_dec  # (N, S, H)
        dhs_dec = ds @ hs_enc  # (N, T, H)
        return dhs_enc, dhs_dec
