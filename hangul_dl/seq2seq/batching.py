"""Length-bucketed minibatches for variable-length (source, target) ID pairs (book ch.7-8).

Sorting by length before cutting batches keeps padding small: a batch of 64 sentences of about
the same length costs far less than one padded to the longest sentence of the corpus. The
order inside a length and the order of the batches are shuffled with a seeded generator each
epoch, so training still sees the data in a new random order (Joey NMT's "bucket" iterator).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..backend import as_generator
from ..text.ids import pad_batch

__all__ = ["bucketed_batches", "pad_pairs"]


def pad_pairs(src: Sequence[np.ndarray], tgt: Sequence[np.ndarray], index: Sequence[int]
              ) -> tuple[np.ndarray, np.ndarray]:
    """``src`` (B, S) and ``tgt`` (B, T) ``int32`` batches of the pairs ``index``, each padded
    with 0 to the batch's own longest sequence."""
    return pad_batch([src[i] for i in index])[0], pad_batch([tgt[i] for i in index])[0]


def bucketed_batches(src_lengths: np.ndarray, tgt_lengths: np.ndarray, batch_size: int,
                     rng: np.random.Generator | int | None = None) -> list[np.ndarray]:
    """Index arrays of one epoch's batches: sorted by (source, target) length, then cut.

    Ties are broken by a random key, and the batch order is a random permutation, both drawn
    from ``rng``. The last batch may be smaller; every pair appears exactly once.
    """
    rng = as_generator(rng)
    n = len(src_lengths)
    order = np.lexsort((rng.random(n), np.asarray(tgt_lengths), np.asarray(src_lengths)))
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def sorted_batches(lengths: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    """Index arrays of batches in length order (for decoding: similar lengths together)."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    for i in range(0, len(order), batch_size):
        yield order[i:i + batch_size]
