"""The book's Time* layers (ch.5-6) for (N, T, ...) sequences.

Our base layers already accept any number of leading dimensions, so these are the same classes
under the names a reader of the book looks for — one implementation, not two:

- ``TimeEmbedding``: IDs (N, T) -> vectors (N, T, D)
- ``TimeAffine``: (N, T, H) -> (N, T, V), one matrix product over all N*T rows
- ``TimeSoftmaxWithLoss``: mean cross-entropy over (N, T, V) scores; targets equal to
  ``ignore_label`` (padding) add no loss and no gradient
- ``TimeDropout``: inverted dropout with an explicit seeded generator
"""

from __future__ import annotations

from .layers import Affine, Dropout, Embedding, SoftmaxWithLoss

__all__ = ["TimeAffine", "TimeDropout", "TimeEmbedding", "TimeSoftmaxWithLoss"]


class TimeEmbedding(Embedding):
    """Embedding lookup for (N, T) IDs; W is (V, D)."""


class TimeAffine(Affine):
    """``xs @ W + b`` for xs of shape (N, T, H)."""


class TimeSoftmaxWithLoss(SoftmaxWithLoss):
    """Softmax cross-entropy over (N, T, V) scores and (N, T) targets, masking ``ignore_label``."""


class TimeDropout(Dropout):
    """Inverted dropout over (N, T, D) activations."""
