"""Recurrent language models (book ch.5-6): one configurable ``RNNLM``.

The book's three models are settings of this one class:

==================  ==========================================================================
book                ``RNNLM(...)``
==================  ==========================================================================
``SimpleRnnlm``     ``cell="rnn", num_layers=1, embedding_size=100, hidden_size=100``
``Rnnlm``           ``cell="lstm", num_layers=1, embedding_size=100, hidden_size=100``
``BetterRnnlm``     ``cell="lstm", num_layers=2, embedding_size=650, hidden_size=650,
                    dropout=0.5, tie_weights=True``
==================  ==========================================================================

Layers: ``TimeEmbedding → [TimeDropout] → (TimeRNN|TimeLSTM|TimeGRU → [TimeDropout]) × L →
TimeAffine → TimeSoftmaxWithLoss``. The recurrent layers are stateful, for truncated BPTT over a
long ID stream; call :meth:`RNNLM.reset_state` between independent texts. With ``tie_weights``
the output layer uses the embedding matrix transposed (Press & Wolf, 2017), which needs
``embedding_size == hidden_size``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, as_generator, get_array_module
from ..errors import InputError, ShapeError
from ..nn.model import Model
from ..nn.recurrent import TimeGRU, TimeLSTM, TimeRNN
from ..nn.time_layers import TimeAffine, TimeDropout, TimeEmbedding, TimeSoftmaxWithLoss
from ..training import check_settings

__all__ = ["CELLS", "RNNLM"]

CELLS = {"rnn": (TimeRNN, 1), "lstm": (TimeLSTM, 4), "gru": (TimeGRU, 3)}


class RNNLM(Model):
    """A word- (or morpheme-, character-) level recurrent language model.

    Args:
        vocab_size: V, the number of token IDs.
        embedding_size: D of the token vectors.
        hidden_size: H of each recurrent layer.
        num_layers: stacked recurrent layers.
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        dropout: inverted-dropout ratio in [0, 1) after the embedding and after each recurrent
            layer.
        tie_weights: share the embedding with the output layer (needs D == H).
        seed: seed of the initial weights and of the dropout masks.
    """

    def __init__(self, vocab_size: int, embedding_size: int = 100, hidden_size: int = 100,
                 num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
                 tie_weights: bool = False, seed: int | None = 0):
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.dropout = dropout
        self.tie_weights = tie_weights
        self.seed = seed
        if cell not in CELLS:
            raise InputError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")
        if tie_weights and embedding_size != hidden_size:
            raise InputError(f"tie_weights needs embedding_size == hidden_size "
                             f"(got {embedding_size} and {hidden_size})")
        check_settings("RNNLM", vocab_size=vocab_size, embedding_size=embedding_size,
                       hidden_size=hidden_size, num_layers=num_layers, dropout=dropout)
        rng = as_generator(seed)
        V, D, H = vocab_size, embedding_size, hidden_size
        dtype = DEFAULT_DTYPE

        def normal(shape: tuple[int, ...], scale: float) -> np.ndarray:
            return (rng.standard_normal(shape) * scale).astype(dtype)

        layer_class, gates = CELLS[cell]
        self.embed = TimeEmbedding(normal((V, D), 0.01))
        self.rnn = []
        for i in range(num_layers):
            d_in = D if i == 0 else H
            self.rnn.append(layer_class(normal((d_in, gates * H), 1 / np.sqrt(d_in)),
                                        normal((H, gates * H), 1 / np.sqrt(H)),
                                        np.zeros(gates * H, dtype=dtype), stateful=True))
        self.drop = [TimeDropout(dropout, seed=rng) for _ in range(num_layers + 1)]
        self.affine = TimeAffine(normal((H, V), 1 / np.sqrt(H)), np.zeros(V, dtype=dtype))
        self.loss_layer = TimeSoftmaxWithLoss()
        self.layers = [self.embed]
        for rnn, drop in zip(self.rnn, self.drop[1:]):
            self.layers += [rnn, drop] if dropout else [rnn]
        if dropout:
            self.layers.insert(1, self.drop[0])
        self.layers.append(self.affine)
        if tie_weights:
            self.tie("affine.W", "embed.W", transpose=True)

    def predict(self, xs: Any) -> Any:
        """Scores (N, T, V) for IDs (N, T), carrying the recurrent state."""
        if xs.ndim != 2:
            raise ShapeError(f"RNNLM expects IDs of shape (N, T), got {xs.shape}")
        return super().predict(xs)

    def reset_state(self) -> None:
        """Forget the recurrent state (start of an independent text)."""
        for rnn in self.rnn:
            rnn.reset_state()

    def get_state(self) -> list[tuple[Any, Any]]:
        """The carried (h, c) of each layer (``c`` is None except for LSTMs)."""
        return [(rnn.h, getattr(rnn, "c", None)) for rnn in self.rnn]

    def set_state(self, state: list[tuple[Any, Any]]) -> None:
        """Restore what :meth:`get_state` returned (e.g. reordered rows for beam search)."""
        for rnn, (h, c) in zip(self.rnn, state):
            if isinstance(rnn, TimeLSTM):
                rnn.h, rnn.c = h, c
            else:
                rnn.h = h

    def select_state(self, rows: Any) -> None:
        """Keep only (or repeat) state rows ``rows`` — used when a batch is reordered."""
        xp = get_array_module(self.params[0])
        rows = xp.asarray(rows)
        self.set_state([(None if h is None else h[rows], None if c is None else c[rows])
                        for h, c in self.get_state()])
