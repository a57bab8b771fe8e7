"""Bidirectional LSTM (book ch.8 appendix): one LSTM forwards and another backwards over the
same input, their hidden states concatenated (N, T, 2H).

With ``lengths`` (padded batches) the backward LSTM starts at each sequence's true last token, so
its states at real positions do not depend on the padding; :func:`reverse_padded_index` gives the
per-row reversal it uses.
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .layers import Layer
from .recurrent import TimeLSTM

__all__ = ["TimeBiLSTM", "reverse_padded_index"]


def reverse_padded_index(lengths: Any, T: int, xp: Any) -> Any:
    """Per-row time index (N, T) that reverses the first ``lengths[n]`` steps of row n and leaves
    the padding after them in place: ``x[arange(N)[:, None], idx]`` reverses only real tokens.

    The index is its own inverse, so the same gather undoes the reversal. With ``lengths=None``
    every row is reversed whole.
    """
    t = xp.arange(T)[None, :]
    if lengths is None:
        return xp.broadcast_to(T - 1 - t, (1, T))
    lengths = xp.asarray(lengths)[:, None]
    return xp.where(t < lengths, lengths - 1 - t, t)


class TimeBiLSTM(Layer):
    """Bidirectional LSTM: forward and backward hidden states concatenated, (N, T, 2H).

    ``TimeBiLSTM(Wx1, Wh1, b1, Wx2, Wh2, b2)`` (book ch.8 appendix): the first triple is the
    forward direction, the second the backward one. ``forward(xs (N, T, D), lengths (N,) | None)``
    returns ``concat(h_fwd, h_bwd)`` where ``h_bwd[:, t]`` has read ``xs[:, t:length]`` — the
    backward direction starts at each row's true last token (``lengths``), not at the padding.
    ``backward(dhs (N, T, 2H))`` returns dxs (N, T, D).

    The summary of a whole sequence for a decoder is ``concat(h_fwd[n, length-1], h_bwd[n, 0])``.
    """

    param_names = ("Wx1", "Wh1", "b1", "Wx2", "Wh2", "b2")

    def __init__(self, Wx1: Any, Wh1: Any, b1: Any, Wx2: Any, Wh2: Any, b2: Any):
        super().__init__()
        self.forward_lstm = TimeLSTM(Wx1, Wh1, b1)
        self.backward_lstm = TimeLSTM(Wx2, Wh2, b2)
        self.params = self.forward_lstm.params + self.backward_lstm.params
        self.grads = self.forward_lstm.grads + self.backward_lstm.grads
        self.rows: Any = None
        self.index: Any = None

    def forward(self, xs: Any, lengths: Any = None) -> Any:
        xp = get_array_module(xs)
        N, T, _ = xs.shape
        H = self.params[1].shape[0]
        self.rows = xp.arange(N)[:, None]
        self.index = reverse_padded_index(lengths, T, xp)
        hs = xp.empty((N, T, 2 * H), dtype=xs.dtype)
        hs[:, :, :H] = self.forward_lstm.forward(xs)
        hs[:, :, H:] = self.backward_lstm.forward(xs[self.rows, self.index])[self.rows, self.index]
        return hs

    def backward(self, dhs: Any) -> Any:
        H = self.params[1].shape[0]
        dxs = self.forward_lstm.backward(dhs[:, :, :H])
        dxs_b = self.backward_lstm.backward(dhs[:, :, H:][self.rows, self.index])
        dxs += dxs_b[self.rows, self.index]
        return dxs
