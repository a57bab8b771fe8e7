"""The word2vec training core: subsampling, dynamic windows and sparse SGD steps (book ch.4).

The arithmetic is the book's CBOW / skip-gram with negative sampling
(:class:`~hangul_dl.nn.sampling.NegativeSamplingLoss`), arranged the way word2vec.c and gensim
train (Mikolov et al. 2013):

- **subsampling** of frequent words: a word of count ``c`` is kept with probability
  ``min(1, (sqrt(c / t) + 1) * t / c)`` where ``t = sample * total count`` (word2vec.c, gensim);
- **dynamic window**: each center word draws ``b`` in ``[0, window)`` and uses ``window - b``
  words on each side, within its sentence, after subsampling;
- skip-gram: the center word's input vector predicts each context word of its window (the
  book's orientation; word2vec.c and gensim train the same pairs the other way round);
- CBOW averages the context vectors (``cbow_mean=1``) and adds the whole hidden-layer error to
  every context vector, as word2vec.c and gensim do;
- ``syn0`` (input vectors) starts uniform in ``[-1/D, 1/D)`` as in gensim (word2vec.c uses
  half that range; on the planted benchmark set gensim's range gives ~8 points more CBOW analogy
  accuracy), ``syn1neg`` at zero; predictions whose score is beyond ±6 are not updated (gensim).

Speed: a step takes a batch of center words and all pairs of their windows at once (no
Python loop per word), gathers only the rows it needs, and adds row updates straight into the
tables with SciPy's CSC kernel on the CPU (one pass in entry order, no sort; ``add.at`` on the
GPU). Nothing of size V×D is allocated, zeroed or touched per step, so the cost of a step does
not depend on the vocabulary. What does not depend on the parameters — the window pairs, the
words at them, the negatives and, for skip-gram, the scored rows and where each center's rows
start (:func:`sg_index`) — is made for ~16k centers at once (:class:`_PairBlock`), the next
block in a helper thread while this one trains (on short review-shaped sentences those small
per-step operations cost as much as the arithmetic; see the issue-16 profiles in the commit
log). A skip-gram step of 1024 centers scores ~30k rows of ``syn1neg``: they are gathered a
few thousand at a time for the scores only (all at once, 12 MB, the gather cost three times as
much per row), and the centers' errors and the ``syn1neg`` update then read the table rows
themselves, one CSR and one CSC call over the same matrix of step sizes. Updates within one
batch use the same parameters (a "minibatch Hogwild" step); across batches they are
sequential, as in word2vec.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, get_array_module, to_cpu, xp_generator
from ..nn.layers import Layer
from ..nn.model import Model
from ..nn.sampling import UnigramSampler
from ..training import Trainer

MAX_EXP = 6.0  # |score| beyond which word2vec.c's sigmoid table ends and gensim skips the update

__all__ = ["EpochStream", "Word2VecTables", "Word2VecTrainer", "cbow_step", "keep_probabilities",
           "scatter_add_rows", "segment_mean_rows", "segment_sum_sorted", "sg_index", "sg_step",
           "window_pairs"]


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


def _csr_matmul_add(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, X: np.ndarray,
                    out: np.ndarray) -> None:
    """``out += A @ X`` for the CSR matrix ``A = (data, indices, indptr)`` of shape
    (out rows, X rows), on the CPU, in place.

    SciPy's CSR kernel is called directly when the dtypes allow it: building a ``csr_matrix``
    checks and scans its arrays (about 0.4 ms a matrix, 10% of a CBOW step on short sentences)
    and the product allocates a result that would then be added. Otherwise (or when SciPy no
    longer has the kernel) the public ``csr_matrix`` product is used.
    """
    n_row, (n_col, n_vec) = out.shape[0], X.shape
    kernel = _kernel("csr_matvecs")
    if (kernel is not None and X.dtype == out.dtype and X.dtype in (np.float32, np.float64)
            and X.flags.c_contiguous and out.flags.c_contiguous):
        index = np.int64 if max(indices.size, n_col, n_row) >= 2**31 - 1 else np.int32
        kernel(n_row, n_col, n_vec, indptr.astype(index, copy=False),
               indices.astype(index, copy=False), data.astype(X.dtype, copy=False),
               X.reshape(-1), out.reshape(-1))
        return
    import scipy.sparse as sp

    out += sp.csr_matrix((data, indices, indptr), shape=(n_row, n_col)) @ X


@functools.cache
def _kernel(name: str) -> Any:
    """SciPy's private ``csr_matvecs`` / ``csc_matvecs`` kernel, if it exists and computes a
    known product (``Y += A @ X`` for a 2 x 3 ``A`` with three entries). Looked up at first use:
    importing SciPy's sparse module takes a noticeable part of a second."""
    try:
        from scipy.sparse import _sparsetools

        kernel = getattr(_sparsetools, name)
        X, out = np.arange(6, dtype=np.float32).reshape(3, 2), np.ones((2, 2), dtype=np.float32)
        if name == "csr_matvecs":  # A = [[0, 0, 1], [2, 3, 0]] by rows
            kernel(2, 3, 2, np.array([0, 1, 3], np.int32), np.array([2, 0, 1], np.int32),
                   np.array([1, 2, 3], np.float32), X.reshape(-1), out.reshape(-1))
        else:  # the same A by columns
            kernel(2, 3, 2, np.array([0, 1, 2, 3], np.int32), np.array([1, 1, 0], np.int32),
                   np.array([2, 3, 1], np.float32), X.reshape(-1), out.reshape(-1))
        if out.tolist() != [[5.0, 6.0], [7.0, 12.0]]:  # pragma: no cover
            return None
    except Exception:  # pragma: no cover - a SciPy without the kernel or with another signature
        return None
    return kernel


def scatter_add_rows(W: Any, ids: Any, owner: Any, coef: Any, H: Any) -> None:
    """``W[ids[i]] += coef[i] * H[owner[i]]`` for every ``i``, repeated IDs summed, in place.

    ``ids``, ``owner``, ``coef`` have shape (n,), ``H`` (m, D). Only the rows of ``ids`` are
    read and written. On the CPU this is one call of SciPy's CSC kernel
    (:func:`_add_columns`): the entries are a sparse (V x m) matrix by columns (``owner``,
    grouped by a stable sort unless already sorted), and its product with ``H`` is added
    straight into the rows of ``W`` in entry order — no sort of the IDs, no gathered copy of
    the rows, no temporary of size (n, D). On the GPU ``add.at`` is an atomic scatter.
    """
    xp = get_array_module(W)
    ids = ids.ravel()
    n = ids.shape[0]
    if n == 0:
        return
    if xp is not np:
        xp.add.at(W, ids, coef[:, None] * H[owner])
        return
    m = H.shape[0]
    if n > 1 and bool(np.any(owner[1:] < owner[:-1])):
        order = np.argsort(owner, kind="stable")
        ids, owner, coef = ids[order], owner[order], coef[order]
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=m), out=indptr[1:])
    _add_columns(W, indptr, ids, coef, H)


def _add_columns(W: Any, indptr: Any, ids: Any, coef: Any, H: Any) -> None:
    """``W[ids[i]] += coef[i] * H[j]`` for ``i`` in ``indptr[j] .. indptr[j+1]-1``, in place.

    The entries, grouped by the row ``j`` of ``H`` (m, D) they come from (``indptr`` (m+1,)),
    are a sparse (V x m) matrix by columns; its product with ``H`` is added straight into the
    rows of ``W`` in entry order with SciPy's CSC kernel on the CPU (``add.at`` on the GPU, or
    where the kernel is missing, after grouping the IDs).
    """
    xp = get_array_module(W)
    n, m = ids.shape[0], H.shape[0]
    if n == 0:
        return
    if xp is not np:
        xp.add.at(W, ids, coef[:, None] * H[_owners(indptr, n)])
        return
    kernel = _kernel("csc_matvecs")
    if (kernel is not None and H.dtype == W.dtype and W.dtype in (np.float32, np.float64)
            and W.flags.c_contiguous):
        index = np.int64 if max(n, W.shape[0], m) >= 2**31 - 1 else np.int32
        kernel(W.shape[0], m, W.shape[1], indptr.astype(index, copy=False),
               ids.astype(index, copy=False), coef.astype(W.dtype, copy=False),
               np.ascontiguousarray(H).reshape(-1), W.reshape(-1))
        return
    # without the kernel: group the IDs by one sort of (id, position) keys and add a sparse
    # (distinct IDs x m) product to the gathered rows
    owner = _owners(indptr, n)
    key = (ids.astype(np.int64) << 32) | np.arange(n, dtype=np.int64)
    key.sort()  # SIMD sort of plain int64 keys: several times faster than argsort
    order = key & 0xFFFFFFFF
    sorted_ids = key >> 32
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    rows = sorted_ids[starts]
    block = np.take(W, rows, axis=0)  # (U, D)
    _csr_matmul_add(np.append(starts, n), owner[order], coef[order], np.ascontiguousarray(H),
                    block)
    W[rows] = block


def _add_table_rows(indptr: Any, ids: Any, coef: Any, W: Any, out: Any) -> None:
    """``out[j] += sum(coef[i] * W[ids[i]])`` over ``i`` in ``indptr[j] .. indptr[j+1]-1``.

    A CSR (m x V) product read straight from the rows of the table ``W`` (no gathered copy);
    ``out`` (m, D). Gather + ``add.at`` on the GPU.
    """
    xp = get_array_module(W)
    if xp is np:
        _csr_matmul_add(indptr, ids, coef, W, out)
        return
    xp.add.at(out, _owners(indptr, ids.shape[0]), coef[:, None] * W[ids])


def _owners(indptr: Any, n: int) -> Any:
    """The group of each of ``n`` entries grouped by ``indptr`` (m+1,): (n,) in ``0..m-1``."""
    xp = get_array_module(indptr)
    return xp.searchsorted(indptr[1:], xp.arange(n, dtype=indptr.dtype), side="right")


def segment_mean_rows(owner: Any, ids: Any, n_segments: int, W: Any) -> Any:
    """``out[s]`` = mean of ``W[ids[i]]`` over ``i`` with ``owner[i] == s``; ``owner`` sorted.

    Shape (n_segments, D); every segment must be non-empty. A CSR product on the CPU (rows of
    ``W`` summed straight from the matrix), gather + ``add.at`` on the GPU.
    """
    xp = get_array_module(W)
    count = xp.bincount(owner, minlength=n_segments)
    if xp is np:
        indptr = np.zeros(n_segments + 1, dtype=np.int64)
        np.cumsum(count, out=indptr[1:])
        weight = (1.0 / count.astype(W.dtype))[owner]
        out = np.zeros((n_segments, W.shape[1]), dtype=W.dtype)
        _csr_matmul_add(indptr, ids, weight, W, out)
        return out
    out = xp.zeros((n_segments, W.shape[1]), dtype=W.dtype)
    xp.add.at(out, owner, W[ids])
    return out / count[:, None].astype(W.dtype)


def segment_sum_sorted(values: Any, owner: Any, n_segments: int, coef: Any = None) -> Any:
    """``out[s] = sum(coef[i] * values[i] for i with owner[i] == s)`` for a sorted ``owner``.

    ``values`` (n, D), ``owner`` (n,) sorted segment numbers, ``coef`` (n,) weights (None:
    ones); shape (n_segments, D), empty segments are zeros. A CSR product on the CPU (one pass
    over ``values``; ``np.add.reduceat`` along axis 0 is ~15 times slower), ``add.at`` on the GPU.
    """
    xp = get_array_module(values)
    n = values.shape[0]
    if coef is None:
        coef = xp.ones(n, dtype=values.dtype)
    if xp is np:
        indptr = np.searchsorted(owner, np.arange(n_segments + 1), side="left")
        out = np.zeros((n_segments, values.shape[1]), dtype=values.dtype)
        _csr_matmul_add(indptr, np.arange(n), coef, np.ascontiguousarray(values), out)
        return out
    out = xp.zeros((n_segments, values.shape[1]), dtype=values.dtype)
    xp.add.at(out, owner, coef[:, None] * values)
    return out


def _scores(W_out: Any, h: Any, targets: Any, negatives: Any, lr: Any
            ) -> tuple[Any, Any, Any, float]:
    """Score ``h[p]`` (P, D) against ``targets[p]`` and its K ``negatives[p]``; the SGD step on
    each score.

    Returns ``idx`` (P, K+1) the scored rows of ``W_out`` (target first), ``Wt`` (P, K+1, D)
    those rows, ``g`` (P, K+1) ``lr * (label - sigmoid(score))`` (0 where ``|score| >= 6``) and
    the summed loss.
    """
    xp = get_array_module(h)
    idx = xp.concatenate([targets[:, None], negatives], axis=1)  # (P, K+1)
    Wt = xp.take(W_out, idx, axis=0)  # (P, K+1, D)
    score = xp.einsum("pd,pkd->pk", h, Wt)  # (P, K+1)
    g, loss = _sgd_on_scores(score, lr)
    return idx, Wt, g, loss


def _sgd_on_scores(score: Any, lr: Any) -> tuple[Any, float]:
    """``lr * (label - sigmoid(score))`` (P, K+1), target in column 0, and the summed loss.

    ``score`` is overwritten. Saturated scores (``|score| >= 6``) get no step, as in
    word2vec.c and gensim. Loss: ``softplus(-s)`` for the target, ``softplus(s)`` for a negative.
    One ``exp`` serves both: ``t = 1 + exp(s)`` gives ``softplus(s) = log(t)``,
    ``softplus(-s) = log(t) - s``, ``sigmoid(s) = 1 - 1 / t`` and ``1 - sigmoid(s) = 1 / t``;
    so the target column needs only ``- s`` in the loss and ``+ lr`` in the step. Beyond
    ``s = 20`` (where float32 ``softplus(s) == s``) ``exp`` is capped and ``s - 20`` added, so a
    diverging score still shows in the loss instead of overflowing. The logs are taken of
    products of four ``t`` (at most ``(1 + e^20)^4``, within float32): a quarter of the ``log``
    calls, the costliest part of this function (SIMD ``log``; ``log1p`` has no vector kernel in
    NumPy).
    """
    xp = get_array_module(score)
    top = float(score.max())
    t = xp.exp(xp.minimum(score, _SOFTPLUS_LINEAR) if top > _SOFTPLUS_LINEAR else score)
    t += 1
    loss = _sum_log(t.reshape(-1)) - float(score[:, 0].sum())
    if top > _SOFTPLUS_LINEAR:
        loss += float(xp.maximum(score - _SOFTPLUS_LINEAR, 0).sum())
    unsaturated = xp.abs(score, out=score) < MAX_EXP
    g = xp.reciprocal(t, out=t)
    g -= 1  # -sigmoid(s): a negative's label - sigmoid(s)
    g *= lr
    g[:, 0] += lr  # the target's 1 - sigmoid(s)
    g *= unsaturated
    return g, loss


def _sum_log(t: Any) -> float:
    """``log(t).sum()`` for ``1 <= t <= 1 + e^20`` (n,): logs of products of four."""
    xp = get_array_module(t)
    n = t.shape[0]
    h = n // 4
    if h == 0:
        return float(xp.log(t).sum())
    q = t[:h] * t[h:2 * h]
    q *= t[2 * h:3 * h]
    q *= t[3 * h:4 * h]
    return float(xp.log(q).sum(dtype=np.float64)) + float(xp.log(t[4 * h:]).sum(dtype=np.float64))


def _negative_step(W_out: Any, H: Any, owner: Any, targets: Any, negatives: Any,
                   lr: Any) -> tuple[Any, float]:
    """Prediction ``p`` scores ``H[owner[p]]`` against ``targets[p]`` and ``negatives[p]``.

    ``H`` (M, D) hidden vectors, ``owner`` (P,) rows of ``H`` (None: the identity, P = M),
    ``targets`` (P,), ``negatives`` (P, K). Updates the touched rows of ``W_out`` in place;
    returns the error of each prediction's hidden vector ``neu1e`` (P, D) and the summed loss.
    """
    xp = get_array_module(H)
    h = H if owner is None else xp.take(H, owner, axis=0)  # (P, D)
    idx, Wt, g, loss = _scores(W_out, h, targets, negatives, lr)
    neu1e = xp.einsum("pk,pkd->pd", g, Wt)  # (P, D)
    rows = xp.arange(h.shape[0], dtype=np.int32) if owner is None else owner
    scatter_add_rows(W_out, idx, xp.repeat(rows, idx.shape[1]), g.ravel(), H)
    return neu1e, loss


def sg_index(owner: Any, contexts: Any, negatives: Any, n_centers: int
             ) -> tuple[Any, Any]:
    """The rows a skip-gram step scores and where each center's rows start.

    ``owner`` (P,) sorted center numbers in ``0..n_centers-1``, ``contexts`` (P,), ``negatives``
    (P, K). Returns ``rows`` (P, K+1) (each context word, then its negatives) and ``indptr``
    (n_centers+1,) int32: the rows of center ``b`` are ``rows.ravel()[indptr[b]:indptr[b+1]]``.
    """
    xp = get_array_module(contexts)
    rows = xp.concatenate([contexts.reshape(-1, 1).astype(np.int32),
                           negatives.astype(np.int32)], axis=1)
    indptr = xp.zeros(n_centers + 1, dtype=np.int32)
    xp.cumsum(xp.bincount(owner, minlength=n_centers) * rows.shape[1], out=indptr[1:])
    return rows, indptr


def _pair_scores(W_out: Any, h: Any, owner: Any, rows: Any) -> Any:
    """``score[p, k] = W_out[rows[p, k]] . h[owner[p]]``, (P, K+1).

    One batched ``matmul`` of the gathered rows (P, K+1, D) with the hidden vectors (P, D, 1)
    (a little faster than the same ``einsum``). On the CPU in chunks of ~``_SCORE_ROWS`` gathered
    rows, so that they are still in cache when they are multiplied: gathering all of a step's
    rows at once (12 MB at 5k pairs, dim 100) cost three times as much per row.
    """
    xp = get_array_module(W_out)
    if xp is not np:
        hidden = xp.take(h, owner, axis=0)[:, :, None]
        return xp.matmul(xp.take(W_out, rows, axis=0), hidden)[:, :, 0]
    P, K1 = rows.shape
    D = W_out.shape[1]
    score = np.empty((P, K1, 1), dtype=W_out.dtype)
    chunk = max(1, min(P, _SCORE_ROWS // K1))
    gathered = np.empty((chunk, K1, D), dtype=W_out.dtype)
    hidden = np.empty((chunk, D, 1), dtype=W_out.dtype)
    for a in range(0, P, chunk):
        n = min(chunk, P - a)
        # mode="clip": no bounds-checked copy of the output (the rows are valid IDs)
        np.take(W_out, rows[a:a + n], axis=0, out=gathered[:n], mode="clip")
        np.take(h, owner[a:a + n], axis=0, out=hidden[:n, :, 0], mode="clip")
        np.matmul(gathered[:n], hidden[:n], out=score[a:a + n])
    return score.reshape(P, K1)


def sg_step(W_in: Any, W_out: Any, owner: Any, contexts: Any, centers: Any,
            sampler: UnigramSampler, lr: float, negatives: Any = None,
            index: tuple[Any, Any] | None = None) -> float:
    """One skip-gram step: center ``centers[owner[p]]`` predicts context word ``contexts[p]``.

    ``owner`` (P,) sorted center numbers in ``0..B-1``, ``contexts`` (P,) word rows, ``centers``
    (B,) word rows, ``negatives`` (P, K) (None: drawn from ``sampler`` now), ``index`` the
    :func:`sg_index` of these (None: made now). The center's input vector is gathered once and
    its errors over all of its contexts are summed before the update (the book's orientation;
    the pairs are word2vec's). Updates the touched rows of ``W_in`` and ``W_out`` in place;
    returns the summed loss.

    The scored rows of ``W_out`` are gathered only for the scores (in cache-sized chunks); the
    center errors and the ``W_out`` update read and write the table rows directly, both with
    one sparse kernel call over the same (B x V) matrix of step sizes ``g``.
    """
    xp = get_array_module(W_in)
    lr = W_in.dtype.type(lr)
    B, D = centers.shape[0], W_in.shape[1]
    if index is None:
        if negatives is None:
            negatives = sampler.get_negative_sample(contexts)
        index = sg_index(owner, contexts, negatives, B)
    rows, indptr = index
    h = xp.take(W_in, centers, axis=0)  # (B, D)
    g, loss = _sgd_on_scores(_pair_scores(W_out, h, owner, rows), lr)  # (P, K+1)
    ids, g = rows.reshape(-1), g.reshape(-1)
    dh = xp.zeros((B, D), dtype=W_in.dtype)
    _add_table_rows(indptr, ids, g, W_out, dh)  # each center's error, before W_out changes
    _add_columns(W_out, indptr, ids, g, h)
    _add_columns(W_in, xp.arange(B + 1, dtype=np.int32), centers.astype(np.int32, copy=False),
                 xp.ones(B, dtype=W_in.dtype), dh)
    return loss


def cbow_step(W_in: Any, W_out: Any, owner: Any, contexts: Any, centers: Any,
              sampler: UnigramSampler, lr: float, negatives: Any = None) -> float:
    """One CBOW step on B centers: context ``contexts[i]`` belongs to center ``owner[i]``.

    ``owner`` (P,) sorted center numbers in ``0..B-1`` (each center has at least one context),
    ``contexts`` (P,) word rows, ``centers`` (B,) center words, ``negatives`` (B, K) (None:
    drawn from ``sampler`` now). The mean of each center's context vectors predicts the center;
    every context row receives the whole error (word2vec.c).
    """
    xp = get_array_module(W_in)
    lr = W_in.dtype.type(lr)
    if negatives is None:
        negatives = sampler.get_negative_sample(centers)
    h = segment_mean_rows(owner, contexts, centers.shape[0], W_in)  # (B, D) context means
    neu1e, loss = _negative_step(W_out, h, None, centers, negatives, lr)  # (B, D)
    ones = xp.ones(contexts.shape[0], dtype=W_in.dtype)
    scatter_add_rows(W_in, contexts, owner, ones, neu1e)
    return loss


def window_pairs(sentence: Any, effective: Any, start: int, stop: int,
                 window: int) -> tuple[Any, Any]:
    """All (center, context) position pairs for centers ``start .. stop-1`` of a stream.

    ``sentence`` (n,) non-decreasing sentence number of each position, ``effective`` (n,) each
    center's reduced window (1..window). Returns ``(center, context)`` positions, sorted by
    center, then context; a context lies within the center's reduced window and in the same
    sentence. Each center's reach is cut to its sentence first (two binary searches in the
    ``window``-wide neighbourhood), so the (centers, 2 x window) mask is two comparisons.
    """
    xp = get_array_module(sentence)
    n = sentence.shape[0]
    lo, hi = max(0, start - window), min(n, stop + window)
    near, own = sentence[lo:hi], sentence[start:stop]
    index = np.int32 if n < 2**31 - window else np.int64
    centers = xp.arange(start, stop, dtype=index)
    reach = effective[start:stop].astype(index)
    left = xp.maximum(centers - reach, xp.searchsorted(near, own, side="left") + lo) - centers
    right = xp.minimum(centers + reach,
                       xp.searchsorted(near, own, side="right") + (lo - 1)) - centers
    offsets = xp.concatenate([xp.arange(-window, 0, dtype=index),
                              xp.arange(1, window + 1, dtype=index)])  # (2W,)
    ok = (offsets[None, :] >= left[:, None]) & (offsets[None, :] <= right[:, None])  # (C, 2W)
    flat = xp.flatnonzero(ok)
    center = (flat // (2 * window)).astype(index) + start
    return center, center + offsets[flat % (2 * window)]


class _PairBlock:
    """The pairs, words and negatives of several steps at once (``centers start .. stop-1``
    of an :class:`EpochStream`), cut into steps of ``batch_size`` centers.

    Nothing here depends on the parameters, so it is drawn in one go: a handful of array
    operations on ~16k centers instead of one set per step (on short sentences those small
    per-step operations cost as much as the step's arithmetic).
    """

    def __init__(self, ep: EpochStream, start: int, stop: int, batch_size: int, window: int,
                 skipgram: bool, sampler: UnigramSampler):
        xp = get_array_module(ep.words)
        center, context = window_pairs(ep.sentence, ep.effective, start, stop, window)
        self.start, self.batch_size = start, batch_size
        if center.shape[0] == 0:
            self.pair_cut = self.center_cut = [0] * (-(-(stop - start) // batch_size) + 1)
            return
        is_first = xp.concatenate([xp.ones(1, dtype=bool), center[1:] != center[:-1]])
        self.rank = xp.cumsum(is_first, dtype=np.int32) - 1  # (P,) center number of each pair
        center_pos = center[is_first]  # (C,) positions of the centers that have a context
        self.centers = xp.take(ep.words, center_pos)  # (C,)
        self.contexts = xp.take(ep.words, context)  # (P,)
        self.negatives = sampler.get_negative_sample(self.contexts if skipgram else self.centers)
        cuts = xp.arange(start, stop + batch_size, batch_size)
        cuts[-1] = min(int(cuts[-1]), stop)
        self.pair_cut = to_cpu(xp.searchsorted(center, cuts)).tolist()
        self.center_cut = to_cpu(xp.searchsorted(center_pos, cuts)).tolist()
        self.skipgram = skipgram
        if skipgram:  # sg_index of the whole block; a step takes its slice
            self.rows, self.indptr = sg_index(self.rank, self.contexts, self.negatives,
                                              int(center_pos.shape[0]))

    def step(self, i: int) -> tuple[tuple[Any, ...], float]:
        """Step ``i`` of the block: ``(owner, contexts, centers, negatives, index)`` (``index``
        the skip-gram step's :func:`sg_index`, None for CBOW) and its number of
        predictions (``(None,) * 5`` and 0 when none of its centers has a context)."""
        a, b = self.pair_cut[i], self.pair_cut[i + 1]
        if a == b:
            return (None,) * 5, 0.0
        ca, cb = self.center_cut[i], self.center_cut[i + 1]
        owner = self.rank[a:b] - ca
        if not self.skipgram:
            return ((owner, self.contexts[a:b], self.centers[ca:cb], self.negatives[ca:cb],
                     None), float(cb - ca))
        index = (self.rows[a:b], self.indptr[ca:cb + 1] - self.indptr[ca])
        return ((owner, self.contexts[a:b], self.centers[ca:cb], self.negatives[a:b], index),
                float(b - a))


def _ahead(make: Callable[[int], Any], keys: Sequence[int], thread: bool) -> Iterator[Any]:
    """``make(k)`` for every key in order; with ``thread``, the next one is made in a helper
    thread while the caller works on this one (gensim's ``workers=1`` likewise reads and
    prepares jobs in a producer thread). NumPy and SciPy release the GIL in their loops, so on
    two cores the blocks' pairs and negatives cost no time on the training thread. One helper
    makes the blocks one after another, so the negatives' random stream is the same as without
    it: results do not depend on ``thread``."""
    if not thread or len(keys) < 2:
        yield from map(make, keys)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="hangul_dl-w2v-pairs") as pool:
        pending = pool.submit(make, keys[0])
        for k in range(len(keys)):
            made = pending.result()
            if k + 1 < len(keys):
                pending = pool.submit(make, keys[k + 1])
            yield made


_BLOCK_CENTERS = 16384  # centers per _PairBlock
_SOFTPLUS_LINEAR = 20.0  # softplus(s) == s in float32 beyond this
_SCORE_ROWS = 3072  # rows of W_out gathered at a time for the skip-gram scores (~1.2 MB at dim 100)


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


# -- the training loop: the shared Trainer with word2vec's sparse step -----------------------------
class Word2VecTables(Model):
    """The two tables word2vec learns, as a :class:`~hangul_dl.nn.model.Model` so that the
    shared :class:`~hangul_dl.training.Trainer` checkpoints, checks and restores them.

    ``syn0.W`` (V, D) the input vectors (the word vectors), uniform in ``[-1/D, 1/D)`` as in
    gensim; ``syn1neg.W`` (V, D) the output vectors, zeros. No gradient arrays are allocated:
    the sparse steps update the touched rows in place.
    """

    def __init__(self, vocab_size: int, dim: int, seed: int = 0):
        self.vocab_size, self.dim, self.seed = vocab_size, dim, seed
        rng = np.random.default_rng(seed)
        V, D = vocab_size, dim
        W_in = ((rng.random((V, D), dtype=np.float32) * 2 - 1) / D).astype(DEFAULT_DTYPE)
        self.syn0 = _Table(W_in)
        self.syn1neg = _Table(np.zeros((V, D), dtype=DEFAULT_DTYPE))


class _Table(Layer):
    """A parameter table updated in place by the sparse steps (no dense gradient)."""

    param_names = ("W",)

    def __init__(self, W: Any):
        super().__init__()
        self.params, self.grads = [W], [None]


class Word2VecTrainer(Trainer):
    """Word2vec epochs in the shared :class:`~hangul_dl.training.Trainer` loop.

    Each epoch subsamples the stream and draws reduced windows from ``(seed, epoch)``
    (:class:`EpochStream`), so a run resumed mid-epoch continues the same stream at the batch it
    reached. A step takes ``batch_size`` center words, all pairs of their windows, and applies
    :func:`sg_step` or :func:`cbow_step` with the learning rate decayed linearly from ``lr`` to
    ``min_lr`` over all epochs by the position in the raw stream (word2vec.c, gensim). The loss
    of a step is the mean loss per prediction; the epoch's loss is weighted by predictions.
    No validation: checkpoints hold the last vectors.
    """

    monitor = None
    divergence_hint = ""

    def __init__(self, model: Word2VecTables, method: str, sampler: UnigramSampler, window: int,
                 lr: float, min_lr: float, quiet: bool = False,
                 checkpoint_dir: Any = None, checkpoint_every: int | None = None):
        from ..nn.optimizers import SGD

        super().__init__(model, SGD(lr=lr), quiet, checkpoint_dir, checkpoint_every)
        self.method, self.sampler, self.window = method, sampler, window
        self.lr_start, self.min_lr = lr, min_lr
        self._epoch_start = 0.0
        self._epoch_words = 0

    def train_stream(self, words: Any, sentence: Any, keep_p: Any, epochs: int,
                     batch_size: int, seed: int, eval_interval: int = 100) -> Any:
        """Train until ``epochs`` epochs in all (a resumed checkpoint's included)."""
        done = self.epoch - (1 if self.epoch_step else 0)
        if done >= epochs:
            return self.epochs
        self._n_raw, self._epochs_total = int(words.shape[0]), int(epochs)
        self._expected = float((keep_p[words]).sum())  # kept words per epoch, on average
        return self._run((words, sentence, keep_p), epochs - done, batch_size, None,
                         eval_interval, None, seed, restore_best=False)

    def lr_at(self, fraction: float) -> float:
        """The linearly decayed learning rate after ``fraction`` of all training words."""
        return max(self.min_lr, self.lr_start - (self.lr_start - self.min_lr) * fraction)

    def _steps_per_epoch(self, data: Any, batch_size: int) -> int:
        return max(1, math.ceil(self._expected / batch_size))

    def _batches(self, data: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[tuple[Any, ...], float]]:
        words, sentence, keep_p = data
        xp = get_array_module(words)
        ep = EpochStream.draw(words, sentence, keep_p, self.window, xp_generator(rng, xp))
        raw_pos = to_cpu(ep.raw_position)
        self._epoch_start, self._epoch_words = time.perf_counter(), len(ep)
        total = self._n_raw * self._epochs_total
        n_steps = -(-len(ep) // batch_size)
        per_block = max(1, _BLOCK_CENTERS // batch_size)

        def block_at(first_step: int) -> tuple[range, _PairBlock]:
            steps = range(first_step, min(first_step + per_block, n_steps))
            return steps, _PairBlock(ep, steps[0] * batch_size,
                                     min(steps[-1] * batch_size + batch_size, len(ep)),
                                     batch_size, self.window, self.method == "skipgram",
                                     self.sampler)

        for steps, block in _ahead(block_at, range(start, n_steps, per_block), xp is np):
            for i, step in enumerate(steps):
                self.optimizer.lr = self.lr_at(((self.epoch - 1) * self._n_raw
                                                + int(raw_pos[step * batch_size])) / total)
                yield block.step(i)

    def _step(self, owner: Any, contexts: Any, centers: Any, negatives: Any, index: Any,
              max_grad: float | None) -> float:
        """One sparse SGD step; returns the mean loss per prediction."""
        if owner is None:
            return 0.0
        W_in, W_out = self.model.syn0.params[0], self.model.syn1neg.params[0]
        lr = self.optimizer.lr
        if self.method == "skipgram":
            loss = sg_step(W_in, W_out, owner, contexts, centers, self.sampler, lr, negatives,
                           index)
            n = owner.shape[0]
        else:
            loss = cbow_step(W_in, W_out, owner, contexts, centers, self.sampler, lr, negatives)
            n = centers.shape[0]
        return loss / max(int(n), 1)

    def _epoch_extra(self) -> dict[str, Any]:
        seconds = max(time.perf_counter() - self._epoch_start, 1e-9)
        return {"words_per_s": self._n_raw / seconds, "trained_words": self._epoch_words,
                "epoch_seconds": seconds}
