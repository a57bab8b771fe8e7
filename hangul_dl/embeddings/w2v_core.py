"""The word2vec training core: subsampling, dynamic windows and sparse SGD steps (book ch.4).

The arithmetic is the book's CBOW / skip-gram with negative sampling
(:class:`~hangul_dl.nn.sampling.NegativeSamplingLoss`), arranged the way word2vec.c and gensim
train (Mikolov et al. 2013):

- **subsampling** of frequent words: a word of count ``c`` is kept with probability
  ``min(1, (sqrt(c / t) + 1) * t / c)`` where ``t = sample * total count`` (word2vec.c, gensim);
- **dynamic window**: each center word draws ``b`` in ``[0, window)`` and uses ``window - b``
  words on each side, within its sentence, after subsampling;
- skip-gram pairs train the **context** word's input vector to predict the center word (gensim's
  order); CBOW averages the context vectors (``cbow_mean=1``) and adds the whole hidden-layer
  error to every context vector, as word2vec.c and gensim do;
- ``syn0`` (input vectors) starts uniform in ``[-0.5/D, 0.5/D)``, ``syn1neg`` at zero.

Speed: a step takes a batch of center words, all pairs of their windows at once (one (B, 2W)
mask, no Python loop per word), gathers only the rows it needs, and scatters row updates back
with a sparse (rows × batch) product on the CPU (``add.at`` on the GPU). Nothing of size V×D is
allocated, zeroed or touched per step, so the cost of a step does not depend on the vocabulary.
Updates within one batch use the same parameters (a "minibatch Hogwild" step); across batches
they are sequential, as in word2vec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import get_array_module
from ..nn.functions import sigmoid, softplus
from ..nn.sampling import UnigramSampler

__all__ = ["EpochStream", "cbow_step", "keep_probabilities", "rows_product", "sg_step",
           "unique_rows", "window_pairs"]


def keep_probabilities(counts: Any, sample: float) -> np.ndarray:
    """P(keep) of each word for frequent-word subsampling, (V,) float64.

    ``min(1, (sqrt(c / t) + 1) * t / c)`` with ``t = sample * counts.sum()`` — the formula of
    word2vec.c and gensim (``sample=1e-3`` keeps every word of relative frequency below ~0.26%).
    ``sample <= 0`` disables subsampling (all ones).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0 or counts.sum() == 0:
        return np.ones_like(counts)
    threshold = float(sample) * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.where(counts > 0, np.minimum(p, 1.0), 1.0)


def unique_rows(ids: Any) -> tuple[Any, Any]:
    """``(u, inv)`` with ``u`` the sorted distinct IDs and ``ids == u[inv]`` (flattened)."""
    xp = get_array_module(ids)
    u, inv = xp.unique(ids.ravel(), return_inverse=True)
    return u, inv.ravel()


def rows_product(rows: Any, cols: Any, coef: Any, n_rows: int, H: Any) -> Any:
    """``out[r] = Σ_{i: rows[i] = r} coef[i] * H[cols[i]]``, shape (n_rows, D).

    The scatter-add behind every sparse row update: a (n_rows × len(H)) sparse matrix times
    ``H`` on the CPU (no (n, D) temporary), ``add.at`` of the weighted gathered rows on the GPU.
    """
    xp = get_array_module(H)
    if xp is np:
        import scipy.sparse as sp

        M = sp.csr_matrix((coef, (rows, cols)), shape=(n_rows, H.shape[0]))
        return np.asarray(M @ H)
    out = xp.zeros((n_rows, H.shape[1]), dtype=H.dtype)
    xp.add.at(out, rows, coef[:, None] * H[cols])
    return out


def _negative_step(W_out: Any, h: Any, targets: Any, sampler: UnigramSampler,
                   lr: Any) -> tuple[Any, float]:
    """Score ``h`` (B, D) against each target and K negatives, update ``W_out`` rows in place.

    Returns ``neu1e`` (B, D), the error to add to the input side, and the summed loss.
    """
    xp = get_array_module(h)
    B = h.shape[0]
    idx = xp.concatenate([targets[:, None], sampler.get_negative_sample(targets)], axis=1)  # (B, K+1)
    Wt = W_out[idx]  # (B, K+1, D)
    score = xp.einsum("bd,bkd->bk", h, Wt)  # (B, K+1)
    label = xp.zeros(idx.shape, dtype=h.dtype)
    label[:, 0] = 1
    g = (label - sigmoid(score)) * lr  # (B, K+1): the SGD step on each score
    loss = float((softplus(score) - label * score).sum())
    neu1e = xp.einsum("bk,bkd->bd", g, Wt)  # (B, D)
    u, inv = unique_rows(idx)
    owner = xp.repeat(xp.arange(B, dtype=np.int32), idx.shape[1])
    W_out[u] += rows_product(inv, owner, g.ravel(), u.shape[0], h)
    return neu1e, loss


def sg_step(W_in: Any, W_out: Any, inputs: Any, targets: Any, sampler: UnigramSampler,
            lr: float) -> float:
    """One skip-gram step on P pairs: ``W_in[inputs]`` (P, D) predicts ``targets`` (P,).

    Updates the touched rows of ``W_in`` and ``W_out`` in place; returns the summed loss.
    """
    xp = get_array_module(W_in)
    lr = W_in.dtype.type(lr)
    h = W_in[inputs]  # (P, D)
    neu1e, loss = _negative_step(W_out, h, targets, sampler, lr)
    u, inv = unique_rows(inputs)
    ones = xp.ones(inputs.shape[0], dtype=W_in.dtype)
    W_in[u] += rows_product(inv, xp.arange(inputs.shape[0], dtype=np.int32), ones, u.shape[0], neu1e)
    return loss


def cbow_step(W_in: Any, W_out: Any, owner: Any, contexts: Any, targets: Any,
              sampler: UnigramSampler, lr: float) -> float:
    """One CBOW step on B centers: context ``contexts[i]`` belongs to center ``owner[i]``.

    ``owner`` (P,) sorted center numbers in ``0..B-1`` (each center has at least one context),
    ``contexts`` (P,) word rows, ``targets`` (B,) center words. The mean of each center's context
    vectors predicts the center; every context row receives the whole error (word2vec.c).
    """
    xp = get_array_module(W_in)
    lr = W_in.dtype.type(lr)
    B = targets.shape[0]
    count = xp.bincount(owner, minlength=B).astype(W_in.dtype)  # (B,)
    h = rows_product(owner, contexts, 1.0 / count[owner], B, W_in)  # (B, D) context means
    neu1e, loss = _negative_step(W_out, h, targets, sampler, lr)
    u, inv = unique_rows(contexts)
    ones = xp.ones(contexts.shape[0], dtype=W_in.dtype)
    W_in[u] += rows_product(inv, owner, ones, u.shape[0], neu1e)
    return loss


def window_pairs(sentence: Any, effective: Any, start: int, stop: int,
                 window: int) -> tuple[Any, Any]:
    """All (center, context) position pairs for centers ``start .. stop-1`` of a stream.

    ``sentence`` (n,) sentence number of each position, ``effective`` (n,) each center's reduced
    window (1..window). Returns ``(center, context)`` positions, sorted by center; a context lies
    within the center's reduced window and in the same sentence.
    """
    xp = get_array_module(sentence)
    n = sentence.shape[0]
    offsets = xp.concatenate([xp.arange(-window, 0), xp.arange(1, window + 1)])  # (2W,)
    centers = xp.arange(start, stop)
    J = centers[:, None] + offsets[None, :]  # (C, 2W)
    Jc = xp.clip(J, 0, n - 1)
    ok = (xp.abs(offsets)[None, :] <= effective[start:stop, None]) & (J >= 0) & (J < n)
    ok &= sentence[Jc] == sentence[start:stop, None]
    ci, oi = xp.nonzero(ok)
    return centers[ci], Jc[ci, oi]


@dataclass
class EpochStream:
    """One epoch's training stream after subsampling (arrays on the training device).

    ``words`` (n,) kept word rows, ``sentence`` (n,) their sentence numbers, ``effective`` (n,)
    reduced windows, ``raw_position`` (n,) index of each kept word in the full stream (for the
    learning-rate schedule and progress).
    """

    words: Any
    sentence: Any
    effective: Any
    raw_position: Any

    @classmethod
    def draw(cls, words: Any, sentence: Any, keep_p: Any, window: int, rng: Any) -> EpochStream:
        """Subsample ``words`` with ``keep_p`` (per word row) and draw reduced windows."""
        xp = get_array_module(words)
        keep = rng.random(words.shape[0], dtype=np.float32) < keep_p[words]
        pos = xp.flatnonzero(keep)
        reduced = rng.integers(0, window, size=pos.shape[0])
        return cls(words[pos], sentence[pos], (window - reduced).astype(np.int32), pos)

    def __len__(self) -> int:
        return int(self.words.shape[0])
