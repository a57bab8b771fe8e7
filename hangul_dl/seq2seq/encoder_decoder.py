"""The parts of the seq2seq models (book ch.7-8): Encoder, Decoder, PeekyDecoder, AttentionDecoder
and the DecoderState they pass between decoding steps.

The models that put them together, their batch layout and the training and decoding APIs are
described in :mod:`hangul_dl.seq2seq.models`. Shapes: N batch, S source length, T target length,
D embedding, H hidden, V vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, as_generator, get_array_module
from ..errors import InputError, ShapeError
from ..nn.attention import TimeAttention
from ..nn.bidirectional import TimeBiLSTM, reverse_padded_index
from ..nn.model import Model
from ..nn.recurrent import TimeLSTM
from ..nn.time_layers import TimeAffine, TimeDropout, TimeEmbedding

__all__ = ["AttentionDecoder", "Decoder", "DecoderState", "Encoder", "PeekyDecoder", "check_ids"]


def _normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(DEFAULT_DTYPE)


def _lstm_weights(rng: np.random.Generator, d_in: int, H: int) -> tuple[np.ndarray, ...]:
    """Book initialisation: Wx ~ N(0, 1/D), Wh ~ N(0, 1/H), b = 0 (gate order f, i, o, g)."""
    return (_normal(rng, (d_in, 4 * H), 1 / np.sqrt(d_in)), _normal(rng, (H, 4 * H), 1 / np.sqrt(H)),
            np.zeros(4 * H, dtype=DEFAULT_DTYPE))


@dataclass
class DecoderState:
    """What the decoder carries between steps, one row per sequence (or beam hypothesis).

    Attributes:
        h: per-layer hidden states, each (N, H).
        c: per-layer cell states, each (N, H) or None (zeros).
        enc_hs: encoder states (N, S, H) in source order (attention models), else None.
        mask: (N, S) bool, True at real source tokens (attention models), else None.
        peek: (N, H) the encoder summary fed to every step (Peeky models), else None.
        attention: (N, S) attention weights of the last step (attention models), else None.
    """

    h: list[Any]
    c: list[Any]
    enc_hs: Any = None
    mask: Any = None
    peek: Any = None
    attention: Any = field(default=None, repr=False)

    @property
    def batch_size(self) -> int:
        """N, the number of rows."""
        return int(self.h[0].shape[0])

    def select(self, indices: Any, same_sources: bool = False) -> DecoderState:
        """A new state with rows ``indices`` (reorder, keep or repeat rows; for beam search).

        ``same_sources=True`` promises that row ``r`` of the result comes from a row of the same
        source as row ``r`` now (beam search reorders hypotheses within each source's block of
        rows): the per-source arrays ``enc_hs``, ``mask`` and ``peek`` are then kept as they are
        instead of copied, and only the recurrent state and the attention are gathered.
        """
        xp = get_array_module(self.h[0])
        idx = xp.asarray(indices)

        def take(a: Any) -> Any:
            return None if a is None else a[idx]

        def source(a: Any) -> Any:
            return a if same_sources else take(a)

        return DecoderState(h=[take(h) for h in self.h], c=[take(c) for c in self.c],
                            enc_hs=source(self.enc_hs), mask=source(self.mask),
                            peek=source(self.peek), attention=take(self.attention))

    def __repr__(self) -> str:
        extras = [name for name in ("enc_hs", "mask", "peek") if getattr(self, name) is not None]
        return (f"DecoderState(N={self.batch_size}, layers={len(self.h)}, "
                f"H={self.h[0].shape[1]}{', ' + ', '.join(extras) if extras else ''})")


def check_ids(ids: Any, vocab_size: int, name: str, xp: Any) -> Any:
    ids = xp.asarray(ids)
    if ids.ndim != 2 or ids.dtype.kind not in "iu":
        raise ShapeError(f"{name} must be a 2-D integer ID array (N, length) padded with 0; got "
                         f"shape {tuple(ids.shape)} dtype {ids.dtype}")
    if ids.size and (int(ids.max()) >= vocab_size or int(ids.min()) < 0):
        raise InputError(f"{name} holds IDs {int(ids.min())}..{int(ids.max())} but the model's "
                         f"vocabulary has {vocab_size} entries (0..{vocab_size - 1}); encode with "
                         "the vocabulary the model was built for")
    return ids


class Encoder(Model):
    """Embedding, then ``num_layers`` (Bi)LSTMs over the padded source (book ch.7.3).

    ``forward(src (N, S)) -> (hs (N, S, H), finals [(N, H)] per layer, mask (N, S))``: ``hs`` are
    the top layer's states in source order, ``finals[i]`` layer i's state at each source's true
    last token (for a BiLSTM, forward half at the last token and backward half at the first).
    ``backward(dhs, dfinals)`` accumulates the parameter gradients.
    """

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, reverse_input: bool = False,
                 pad_id: int = 0, seed: Any = 0):
        self.vocab_size, self.embedding_size, self.hidden_size = vocab_size, embedding_size, hidden_size
        self.num_layers, self.bidirectional, self.dropout = num_layers, bidirectional, dropout
        self.reverse_input, self.pad_id, self.seed = reverse_input, pad_id, seed
        rng = as_generator(seed)
        self.embed = TimeEmbedding(_normal(rng, (vocab_size, embedding_size), 0.01))
        self.lstm: list[Any] = []
        for i in range(num_layers):
            d_in = embedding_size if i == 0 else hidden_size
            if bidirectional:
                half = hidden_size // 2
                self.lstm.append(TimeBiLSTM(*_lstm_weights(rng, d_in, half),
                                            *_lstm_weights(rng, d_in, half)))
            else:
                self.lstm.append(TimeLSTM(*_lstm_weights(rng, d_in, hidden_size)))
        self.drop = [TimeDropout(dropout, seed=rng) for _ in range(num_layers + 1)]
        self._cache: Any = None

    def forward(self, src: Any) -> tuple[Any, list[Any], Any]:  # type: ignore[override]
        xp = get_array_module(self.embed.params[0])
        src = check_ids(src, self.vocab_size, "src", xp)
        N, S = src.shape
        mask = src != self.pad_id  # (N, S)
        if S > 1 and bool((mask[:, 1:] & ~mask[:, :-1]).any()):
            row = int(xp.nonzero((mask[:, 1:] & ~mask[:, :-1]).any(axis=1))[0][0])
            raise InputError(f"src row {row} has padding (ID {self.pad_id}) before a real token; "
                             "pad only at the end (see hangul_dl.text.ids.pad_batch)")
        lengths = mask.sum(axis=1)  # (N,)
        keep = max(int(lengths.max()) if N else 0, 1)
        if keep < S:  # columns that are padding in every row change nothing: drop them
            src, mask, S = src[:, :keep], mask[:, :keep], keep
        rows = xp.arange(N)[:, None]
        index = reverse_padded_index(lengths, S, xp) if self.reverse_input else None
        x = self.drop[0].forward(self.embed.forward(src if index is None else src[rows, index]))
        finals = []
        last = xp.maximum(lengths - 1, 0)
        nonempty = (lengths > 0)[:, None].astype(x.dtype)
        for lstm, drop in zip(self.lstm, self.drop[1:]):
            hs = lstm.forward(x, lengths) if self.bidirectional else lstm.forward(x)
            final = hs[xp.arange(N), last]  # (N, H): state at the true last token
            if self.bidirectional:
                half = hs.shape[2] // 2
                final[:, half:] = hs[:, 0, half:]  # backward direction ends at the first token
            finals.append(final * nonempty)
            x = drop.forward(hs)
        self._cache = (N, S, rows, index, last, nonempty)
        hs_out = x if index is None else x[rows, index]
        return hs_out, finals, mask

    def backward(self, dhs: Any = None, dfinals: list[Any] | None = None) -> None:  # type: ignore[override]
        """Gradients from the top states ``dhs`` (N, S, H) and the summaries ``dfinals``."""
        N, S, rows, index, last, nonempty = self._cache
        xp = get_array_module(self.embed.params[0])
        H = self.hidden_size if not self.bidirectional else 2 * (self.hidden_size // 2)
        dtype = self.embed.params[0].dtype
        dx = xp.zeros((N, S, H), dtype=dtype) if dhs is None else dhs
        if index is not None and dhs is not None:
            dx = dx[rows, index]
        ar = xp.arange(N)
        for i in reversed(range(self.num_layers)):
            d = self.drop[i + 1].backward(dx)
            if d is dhs:
                d = d.copy()  # never write into the caller's array
            if dfinals is not None and dfinals[i] is not None:
                df = dfinals[i] * nonempty
                if self.bidirectional:
                    half = H // 2
                    d[ar, last, :half] += df[:, :half]
                    d[:, 0, half:] += df[:, half:]
                else:
                    d[ar, last] += df
            dx = self.lstm[i].backward(d)
        self.embed.backward(self.drop[0].backward(dx))


class Decoder(Model):
    """Embedding, ``num_layers`` LSTMs started from the encoder summary, affine to scores.

    ``forward(xs (N, T), state: DecoderState) -> scores (N, T, V)``; ``backward(dscore)`` returns
    ``(dh per layer, d enc_hs or None, d peek or None)``; ``step(tokens (N,), state)`` returns
    ``(logits (N, V), new state)``.
    """

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, seed: Any = 0):
        self.vocab_size, self.embedding_size, self.hidden_size = vocab_size, embedding_size, hidden_size
        self.num_layers, self.dropout, self.seed = num_layers, dropout, seed
        rng = as_generator(seed)
        D, H = embedding_size, hidden_size
        self.embed = TimeEmbedding(_normal(rng, (vocab_size, D), 0.01))
        self.lstm = [TimeLSTM(*_lstm_weights(rng, self._lstm_input_size() if i == 0 else H, H),
                              stateful=True) for i in range(num_layers)]
        self.drop = [TimeDropout(dropout, seed=rng) for _ in range(num_layers + 1)]
        d_out = self._affine_input_size()
        self.affine = TimeAffine(_normal(rng, (d_out, vocab_size), 1 / np.sqrt(d_out)),
                                 np.zeros(vocab_size, dtype=DEFAULT_DTYPE))

    # hooks the Peeky and attention decoders override
    def _lstm_input_size(self) -> int:
        return self.embedding_size

    def _affine_input_size(self) -> int:
        return self.hidden_size

    def _join_input(self, x: Any, state: DecoderState) -> Any:
        return x

    def _split_input(self, dx: Any) -> tuple[Any, Any]:
        return dx, None

    def _join_output(self, hs: Any, state: DecoderState) -> Any:
        return hs

    def _split_output(self, dout: Any) -> tuple[Any, Any, Any]:
        """(d top LSTM states, d enc_hs, d peek) from the gradient of the affine input."""
        return dout, None, None

    def forward(self, xs: Any, state: DecoderState) -> Any:  # type: ignore[override]
        x = self._join_input(self.drop[0].forward(self.embed.forward(xs)), state)
        for lstm, drop, h, c in zip(self.lstm, self.drop[1:], state.h, state.c):
            lstm.set_state(h, c)
            x = drop.forward(lstm.forward(x))
        return self.affine.forward(self._join_output(x, state))  # (N, T, V)

    def backward(self, dscore: Any) -> tuple[list[Any], Any, Any]:  # type: ignore[override]
        dx, d_enc_hs, d_peek = self._split_output(self.affine.backward(dscore))
        dh: list[Any] = [None] * self.num_layers
        for i in reversed(range(self.num_layers)):
            dx = self.lstm[i].backward(self.drop[i + 1].backward(dx))
            dh[i] = self.lstm[i].dh
        dx, d_peek_in = self._split_input(dx)
        if d_peek_in is not None:
            d_peek = d_peek_in if d_peek is None else d_peek + d_peek_in
        self.embed.backward(self.drop[0].backward(dx))
        return dh, d_enc_hs, d_peek

    def step(self, tokens: Any, state: DecoderState) -> tuple[Any, DecoderState]:
        """One decoding step: logits (N, V) for the next token after ``tokens`` (N,)."""
        xp = get_array_module(self.embed.params[0])
        scores = self.forward(xp.asarray(tokens).reshape(-1, 1), state)
        new = replace(state, h=[lstm.h for lstm in self.lstm], c=[lstm.c for lstm in self.lstm])
        new.attention = self._step_attention()
        return scores[:, 0], new

    def _step_attention(self) -> Any:
        return None


class PeekyDecoder(Decoder):
    """Decoder that also feeds the encoder summary to every step (book ch.7.4.2).

    LSTM input ``concat(embedding, peek)`` (D + H), output layer input ``concat(h, peek)`` (2H),
    where ``peek`` is the encoder's top-layer summary.
    """

    def _lstm_input_size(self) -> int:
        return self.embedding_size + self.hidden_size

    def _affine_input_size(self) -> int:
        return 2 * self.hidden_size

    @staticmethod
    def _concat(x: Any, peek: Any) -> Any:
        xp = get_array_module(x)
        N, T, _ = x.shape
        return xp.concatenate([x, xp.broadcast_to(peek[:, None, :], (N, T, peek.shape[1]))], axis=2)

    def _join_input(self, x: Any, state: DecoderState) -> Any:
        return self._concat(x, state.peek)

    def _split_input(self, dx: Any) -> tuple[Any, Any]:
        D = self.embedding_size
        return dx[:, :, :D], dx[:, :, D:].sum(axis=1)

    def _join_output(self, hs: Any, state: DecoderState) -> Any:
        return self._concat(hs, state.peek)

    def _split_output(self, dout: Any) -> tuple[Any, Any, Any]:
        H = self.hidden_size
        return dout[:, :, :H], None, dout[:, :, H:].sum(axis=1)


class AttentionDecoder(Decoder):
    """Decoder with dot-product attention over the encoder states (book ch.8.2).

    Output layer input ``concat(context, h)`` (2H), the book's order. The weights of the last
    forward are ``self.attention.attention_weights`` (N, T, S).
    """

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, seed: Any = 0):
        super().__init__(vocab_size, embedding_size, hidden_size, num_layers, dropout, seed)
        self.attention = TimeAttention()

    def _affine_input_size(self) -> int:
        return 2 * self.hidden_size

    def _join_output(self, hs: Any, state: DecoderState) -> Any:
        xp = get_array_module(hs)
        cs = self.attention.forward(state.enc_hs, hs, state.mask)  # (N, T, H)
        return xp.concatenate([cs, hs], axis=2)

    def _split_output(self, dout: Any) -> tuple[Any, Any, Any]:
        H = self.hidden_size
        d_enc_hs, dhs = self.attention.backward(dout[:, :, :H])
        dhs += dout[:, :, H:]
        return dhs, d_enc_hs, None

    def _step_attention(self) -> Any:
        return self.attention.attention_weights[:, 0]
