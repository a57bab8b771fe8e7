"""Encoder-decoder models (book ch.7-8): Seq2seq, PeekySeq2seq, AttentionSeq2seq.

Three models share one encoder and one training/decoding interface; they differ in the decoder:

=====================  ========================================================================
model                  decoder
=====================  ========================================================================
``Seq2seq``            ``Decoder``: starts from the encoder's summary ``h`` (book ch.7.3)
``PeekySeq2seq``       ``PeekyDecoder``: ``h`` also concatenated to every step's LSTM input and
                       to the output layer's input (book ch.7.4.2)
``AttentionSeq2seq``   ``AttentionDecoder``: every step attends over all encoder states
                       (``TimeAttention``), output from ``concat(context, h)`` (book ch.8)
=====================  ========================================================================

Options for all three: ``num_layers`` (stacked LSTMs; decoder layer i starts from encoder layer
i), ``dropout`` (after the embeddings and each LSTM layer), ``bidirectional`` (the encoder is a
``TimeBiLSTM`` with ``hidden_size // 2`` units per direction, so the decoder still sees size
``hidden_size``), ``reverse_input`` (the book's ch.7.4.1 trick: the source is read backwards; only
real tokens are reversed, the padding stays at the end; attention weights are still reported in
the original source order).

**Batches and padding.** ``src`` (N, S) and ``tgt`` (N, T) are ``int32`` IDs padded with
``pad_id`` (0) at the end. ``tgt`` starts with ``<bos>`` and ends with ``<eos>``: the decoder reads
``tgt[:, :-1]`` and predicts ``tgt[:, 1:]``. Padded target positions add no loss (the loss is the
mean over real target tokens of the batch), padded source positions get zero attention, and the
decoder starts from each source's state at its **true last token**, not after the padding — so
loss and gradients do not depend on how much padding a batch has. Columns that are padding in
every row of a batch are dropped before any work is done.

**Training API**::

    model = AttentionSeq2seq(src_vocab_size=60, tgt_vocab_size=15, hidden_size=128)
    loss = model.forward(src, tgt)   # scalar mean cross-entropy
    model.backward()                 # fills model.grads
    Trainer(model, Adam()).fit(src, tgt, ...)   # works as for any model

**Decoding step API** (used by :mod:`hangul_dl.seq2seq.decode` and the Translator)::

    state = model.encode(src)               # DecoderState for N sources
    logits, state = model.step(tokens, state)   # tokens (N,) -> logits (N, V)
    state.attention                         # (N, S) weights of that step (attention models)
    state = state.select(indices)           # reorder/repeat rows (beam search)

Call ``model.eval()`` before decoding (dropout off); the decode functions do it for you.
The encoder, the decoders and ``DecoderState`` live in :mod:`hangul_dl.seq2seq.encoder_decoder` (and are
re-exported here).
"""

from __future__ import annotations

from typing import Any

from ..backend import as_generator, get_array_module
from ..errors import InputError, ShapeError
from ..nn.model import Model
from ..nn.time_layers import TimeSoftmaxWithLoss
from .encoder_decoder import AttentionDecoder, Decoder, DecoderState, Encoder, PeekyDecoder, check_ids

__all__ = [
    "AttentionDecoder",
    "AttentionSeq2seq",
    "Decoder",
    "DecoderState",
    "Encoder",
    "PeekyDecoder",
    "PeekySeq2seq",
    "Seq2seq",
]


class Seq2seq(Model):
    """Encoder-decoder with a plain decoder (book ch.7.3); see the module docstring.

    Args:
        src_vocab_size: source vocabulary size.
        tgt_vocab_size: target vocabulary size (None: the same as the source, as in the book).
        embedding_size: D of the source and target token vectors.
        hidden_size: H of the LSTMs (a bidirectional encoder uses H // 2 per direction).
        num_layers: stacked LSTM layers in the encoder and in the decoder.
        dropout: dropout ratio after the embeddings and after each LSTM layer.
        bidirectional: BiLSTM encoder (hidden_size must be even).
        reverse_input: read each source backwards (real tokens only).
        pad_id: the padding ID (0); padded targets add no loss.
        seed: seed of the initial weights and dropout masks.
    """

    decoder_class: type[Decoder] = Decoder
    has_attention = False  # whether ``step`` reports attention weights

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int | None = None,
                 embedding_size: int = 16, hidden_size: int = 128, num_layers: int = 1,
                 dropout: float = 0.0, bidirectional: bool = False, reverse_input: bool = False,
                 pad_id: int = 0, seed: int | None = 0):
        self.src_vocab_size, self.tgt_vocab_size = src_vocab_size, tgt_vocab_size
        self.embedding_size, self.hidden_size, self.num_layers = embedding_size, hidden_size, num_layers
        self.dropout, self.bidirectional, self.reverse_input = dropout, bidirectional, reverse_input
        self.pad_id, self.seed = pad_id, seed
        if num_layers < 1:
            raise InputError(f"num_layers must be >= 1, got {num_layers}")
        if bidirectional and hidden_size % 2:
            raise InputError(f"a bidirectional encoder needs an even hidden_size (H // 2 per "
                             f"direction), got {hidden_size}")
        rng = as_generator(seed)
        self.encoder = Encoder(src_vocab_size, embedding_size, hidden_size, num_layers,
                               bidirectional, dropout, reverse_input, pad_id, seed=rng)
        self.decoder = self.decoder_class(self.target_vocab_size, embedding_size, hidden_size,
                                          num_layers, dropout, seed=rng)
        self.loss_layer = TimeSoftmaxWithLoss(ignore_label=pad_id)

    @property
    def training(self) -> bool:
        """True in training mode (dropout on), False after :meth:`eval`."""
        return bool(self.encoder.embed.training)

    @property
    def target_vocab_size(self) -> int:
        """V of the output layer."""
        return self.src_vocab_size if self.tgt_vocab_size is None else self.tgt_vocab_size

    def encode(self, src: Any) -> DecoderState:
        """Run the encoder on ``src`` (N, S) and return the decoder's initial state."""
        hs, finals, mask = self.encoder.forward(src)
        return DecoderState(h=finals, c=[None] * self.num_layers, enc_hs=hs, mask=mask,
                            peek=finals[-1])

    def step(self, tokens: Any, state: DecoderState) -> tuple[Any, DecoderState]:
        """Logits (N, V) of the token after ``tokens`` (N,), and the state after it."""
        return self.decoder.step(tokens, state)

    def forward(self, src: Any, tgt: Any) -> Any:  # type: ignore[override]
        """Mean cross-entropy of predicting ``tgt[:, 1:]`` from ``src`` and ``tgt[:, :-1]``."""
        xp = get_array_module(self.encoder.embed.params[0])
        tgt = check_ids(tgt, self.target_vocab_size, "tgt", xp)
        if tgt.shape[1] < 2:
            raise ShapeError(f"tgt needs at least 2 columns (<bos> ... <eos>), got {tuple(tgt.shape)}")
        if xp.asarray(src).shape[0] != tgt.shape[0]:
            raise ShapeError(f"src has {xp.asarray(src).shape[0]} rows but tgt has {tgt.shape[0]}")
        keep = max(int((tgt != self.pad_id).sum(axis=1).max()), 2)
        tgt = tgt[:, :keep]  # drop columns that are padding in every row
        state = self.encode(src)
        scores = self.decoder.forward(tgt[:, :-1], state)
        return self.loss_layer.forward(scores, tgt[:, 1:])

    def backward(self, dout: Any = 1) -> None:  # type: ignore[override]
        """Gradients of the last :meth:`forward`'s loss into ``self.grads``."""
        dh, d_enc_hs, d_peek = self.decoder.backward(self.loss_layer.backward(dout))
        if d_peek is not None:
            dh[-1] = dh[-1] + d_peek
        self.encoder.backward(d_enc_hs, dh)

    def accuracy(self, src: Any, tgt: Any) -> float:
        """Exact-match accuracy of greedy decoding against ``tgt`` (used by ``Trainer``)."""
        from .decode import decoding_accuracy

        return decoding_accuracy(self, src, tgt)


class PeekySeq2seq(Seq2seq):
    """Seq2seq whose decoder sees the encoder summary at every step (book ch.7.4.2)."""

    decoder_class = PeekyDecoder


class AttentionSeq2seq(Seq2seq):
    """Seq2seq with attention over the encoder states (book ch.8.2)."""

    decoder_class = AttentionDecoder
    has_attention = True
