"""Sequence to sequence: encoder-decoder models, decoding, translation and metrics (book ch.7-8).

- :mod:`.models` — ``Seq2seq``, ``PeekySeq2seq``, ``AttentionSeq2seq`` (and their encoder and
  decoders), with the training API ``loss = model.forward(src, tgt); model.backward()`` and the
  step API ``state = model.encode(src); logits, state = model.step(tokens, state)``.
- :mod:`.decode` — batched ``greedy_decode`` and ``beam_search`` (same output at any batch size).
"""

from .decode import beam_search, decoding_accuracy, greedy_decode
from .models import (
    AttentionDecoder,
    AttentionSeq2seq,
    Decoder,
    DecoderState,
    Encoder,
    PeekyDecoder,
    PeekySeq2seq,
    Seq2seq,
)

__all__ = [
    "AttentionDecoder",
    "AttentionSeq2seq",
    "Decoder",
    "DecoderState",
    "Encoder",
    "PeekyDecoder",
    "PeekySeq2seq",
    "Seq2seq",
    "beam_search",
    "decoding_accuracy",
    "greedy_decode",
]
