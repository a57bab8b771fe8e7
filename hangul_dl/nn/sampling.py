"""Negative sampling (book ch.4, ``ch04/negative_sampling_layer.py``).

- :class:`UnigramSampler` draws negative word IDs from the unigram distribution raised to
  ``power`` (0.75, Mikolov et al. 2013), a whole batch at once with Walker's **alias method**
  (two table lookups per draw, exact probabilities), and never returns the positive target:
  collisions are redrawn, vectorised, until none is left.
- :class:`EmbeddingDot` scores targets against hidden vectors: ``out[n, k] = W[idx[n, k]] · h[n]``.
- :class:`NegativeSamplingLoss` is the binary loss of one positive and ``sample_size`` negatives
  per example, as in the book, but with one :class:`EmbeddingDot` over a (N, K+1) index matrix
  instead of K+1 layers sharing one ``W`` (the book lists ``W`` K+1 times in ``params``; here it
  is listed once, so optimizers need no duplicate removal).

These layers follow the Layer contract (dense gradients written in place) and are
gradient-checked in float64. The word2vec trainer (:mod:`hangul_dl.embeddings.word2vec`) does the
same arithmetic with sparse row updates, so its cost per step does not depend on the vocabulary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import as_generator, get_array_module, is_gpu_array, to_cpu, xp_generator
from ..errors import InputError, ShapeError
from .functions import sigmoid, softplus
from .layers import Embedding, Layer

__all__ = ["EmbeddingDot", "NegativeSamplingLoss", "UnigramSampler", "alias_table"]

_MAX_REDRAWS = 1000


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias tables for a discrete distribution ``p`` of shape (V,).

    Returns ``(prob, alias)``: draw ``i`` uniformly in [0, V) and ``u`` in [0, 1); the sample is
    ``i`` when ``u < prob[i]`` else ``alias[i]``. Exact up to float64 rounding; built in O(V).
    """
    p = np.asarray(p, dtype=np.float64)
    V = p.shape[0]
    scaled = p * (V / p.sum())
    prob = np.ones(V, dtype=np.float64)
    alias = np.arange(V, dtype=np.int64)
    small = [int(i) for i in np.flatnonzero(scaled < 1.0)]
    large = [int(i) for i in np.flatnonzero(scaled >= 1.0)]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # Leftovers are 1 up to rounding: they keep prob 1 and alias themselves.
    return prob, alias


class UnigramSampler:
    """Draw negative samples from ``counts ** power`` (normalised), never equal to the target.

    Parameters
    ----------
    counts : array of shape (V,)
        Word frequencies by ID (e.g. ``Vocabulary.counts_``). Words with count 0 (specials such
        as ``<pad>``) are never drawn.
    power : float
        Exponent applied to the counts: 0.75 as in word2vec; 1 is the plain unigram, 0 uniform.
    sample_size : int
        Negatives per target (K).
    seed : int or numpy Generator or None
        Randomness; the same seed gives the same samples.

    ``get_negative_sample(target)`` takes IDs of shape (N,) and returns (N, K) IDs on the same
    device (NumPy or CuPy), ``int32``; ``sample(n)`` draws ``n`` IDs without the exclusion.
    """

    def __init__(self, counts: Any, power: float = 0.75, sample_size: int = 5,
                 seed: int | np.random.Generator | None = None):
        counts = np.asarray(to_cpu(counts), dtype=np.float64)
        if counts.ndim != 1 or counts.size == 0:
            raise ShapeError(f"UnigramSampler: counts must be a non-empty 1-D array of word "
                             f"frequencies by ID, got shape {counts.shape}")
        if not np.all(np.isfinite(counts)) or counts.min() < 0:
            raise InputError("UnigramSampler: counts must be finite and non-negative")
        if int(np.count_nonzero(counts)) < 2:
            raise InputError(f"UnigramSampler: at least 2 words need a positive count to draw "
                             f"negatives that differ from the target; got "
                             f"{int(np.count_nonzero(counts))}. Use a larger corpus or a lower "
                             "min_count")
        if isinstance(sample_size, bool) or int(sample_size) != sample_size or sample_size < 1:
            raise InputError(f"UnigramSampler: sample_size must be an integer >= 1, got {sample_size!r}")
        self.vocab_size = counts.shape[0]
        self.power = float(power)
        self.sample_size = int(sample_size)
        weights = np.where(counts > 0, counts ** self.power, 0.0)
        self.word_p = weights / weights.sum()  # (V,) the sampling distribution
        prob, alias = alias_table(self.word_p)
        self._tables = {"cpu": (prob, alias.astype(np.int32))}
        self.rng = as_generator(seed)
        self._device_rng: Any = None

    @classmethod
    def from_corpus(cls, corpus: Any, vocab_size: int | None = None, power: float = 0.75,
                    sample_size: int = 5, seed: int | np.random.Generator | None = None
                    ) -> UnigramSampler:
        """The book's constructor: count the IDs of a 1-D ``corpus`` array, then build."""
        corpus = np.asarray(to_cpu(corpus)).ravel()
        counts = np.bincount(corpus, minlength=vocab_size or 0)
        return cls(counts, power=power, sample_size=sample_size, seed=seed)

    def _device(self, xp: Any) -> tuple[Any, Any, Any]:
        if xp is np:
            return (*self._tables["cpu"], self.rng)
        if "gpu" not in self._tables:
            prob, alias = self._tables["cpu"]
            self._tables["gpu"] = (xp.asarray(prob), xp.asarray(alias))
            self._device_rng = xp_generator(self.rng, xp)
        return (*self._tables["gpu"], self._device_rng)

    def _draw(self, shape: tuple[int, ...], xp: Any) -> Any:
        prob, alias, rng = self._device(xp)
        u = rng.random(shape)
        u *= self.vocab_size  # float64: integer part picks a column
        idx = u.astype(np.int32)
        xp.minimum(idx, self.vocab_size - 1, out=idx)
        u -= idx  # the fractional part; in place, as above (fresh temporaries cost page faults)
        out = alias[idx]
        xp.copyto(out, idx, where=u < prob[idx])
        return out

    def sample(self, n: int | tuple[int, ...], xp: Any = np) -> Any:
        """``n`` IDs (an int or a shape) from the distribution, repeats and any ID allowed."""
        return self._draw((n,) if isinstance(n, (int, np.integer)) else tuple(n), xp)

    def get_negative_sample(self, target: Any) -> Any:
        """(N, K) negative IDs for targets of shape (N,): none equals its row's target."""
        xp = get_array_module(target)
        target = target.reshape(-1)
        out = self._draw((target.shape[0], self.sample_size), xp)
        bad = out == target[:, None]
        for _ in range(_MAX_REDRAWS):
            n_bad = int(bad.sum())
            if n_bad == 0:
                return out
            out[bad] = self._draw((n_bad,), xp)
            bad = out == target[:, None]
        raise InputError("UnigramSampler: could not draw negatives different from the targets "
                         f"after {_MAX_REDRAWS} rounds; one word dominates the distribution")

    def __repr__(self) -> str:
        return (f"UnigramSampler(vocab_size={self.vocab_size}, power={self.power}, "
                f"sample_size={self.sample_size})")


class EmbeddingDot(Layer):
    """``out[n, ...] = W[idx[n, ...]] · h[n]``: scores of target rows against hidden vectors.

    ``h`` is (N, D); ``idx`` is (N,) or (N, K); ``out`` has the shape of ``idx``. W is (V, D).
    """

    param_names = ("W",)

    def __init__(self, W: Any):
        super().__init__()
        self.embed = Embedding(W)
        # the same arrays in new lists (a list shared by two layers would be walked twice)
        self.params, self.grads = list(self.embed.params), list(self.embed.grads)
        self.cache: tuple | None = None

    def forward(self, h: Any, idx: Any) -> Any:
        if h.ndim != 2 or idx.shape[0] != h.shape[0] or idx.ndim not in (1, 2):
            raise ShapeError(f"EmbeddingDot: expected h (N, D) and idx (N,) or (N, K); got h "
                             f"{h.shape} and idx {idx.shape}")
        xp = get_array_module(h)
        target_W = self.embed.forward(idx)  # idx.shape + (D,)
        if idx.ndim == 1:
            out = (target_W * h).sum(axis=1)  # (N,)
        else:
            out = xp.einsum("nkd,nd->nk", target_W, h)  # (N, K)
        self.cache = (h, target_W, idx.ndim)
        return out

    def backward(self, dout: Any) -> Any:
        h, target_W, ndim = self.cache
        xp = get_array_module(h)
        if ndim == 1:
            self.embed.backward(dout[:, None] * h)
            return dout[:, None] * target_W
        self.embed.backward(dout[:, :, None] * h[:, None, :])  # (N, K, D)
        return xp.einsum("nk,nkd->nd", dout, target_W)


class NegativeSamplingLoss(Layer):
    """Sigmoid loss of the positive target and ``sample_size`` sampled negatives (book ch.4).

    ``loss = mean_n [ -log σ(W[t_n]·h_n) - Σ_k log σ(-W[neg_nk]·h_n) ]``, the book's scale
    (the K+1 binary losses are summed, the batch is averaged).

    Parameters
    ----------
    W : array (V, D)
        Output embedding (word2vec's ``syn1neg``).
    counts : array (V,)
        Word frequencies for the sampler (or pass a ready ``sampler``).
    power, sample_size, seed :
        Sampler settings, see :class:`UnigramSampler`.
    """

    param_names = ("W",)

    def __init__(self, W: Any, counts: Any = None, power: float = 0.75, sample_size: int = 5,
                 seed: int | np.random.Generator | None = None,
                 sampler: UnigramSampler | None = None):
        super().__init__()
        if sampler is None:
            if counts is None:
                raise InputError("NegativeSamplingLoss needs word counts (or a sampler) to draw "
                                 "negatives from")
            sampler = UnigramSampler(counts, power=power, sample_size=sample_size, seed=seed)
        self.sampler = sampler
        self.sample_size = sampler.sample_size
        self.embed_dot = EmbeddingDot(W)
        self.params, self.grads = list(self.embed_dot.params), list(self.embed_dot.grads)
        self.cache: tuple | None = None

    def forward(self, h: Any, target: Any, negatives: Any = None) -> Any:
        """Loss for hidden vectors ``h`` (N, D) and targets (N,); ``negatives`` (N, K) are drawn
        from the sampler unless given (tests pass fixed ones)."""
        xp = get_array_module(h)
        if negatives is None:
            negatives = self.sampler.get_negative_sample(target)
        if is_gpu_array(h) != is_gpu_array(target):
            raise ShapeError("NegativeSamplingLoss: h and target must be on the same device")
        idx = xp.concatenate([target.reshape(-1, 1), negatives], axis=1)  # (N, K+1)
        score = self.embed_dot.forward(h, idx)  # (N, K+1)
        sign = xp.ones(idx.shape, dtype=h.dtype)
        sign[:, 1:] = -1  # +1 for the positive, -1 for the negatives
        self.cache = (score, sign)
        return softplus(-sign * score).sum() / score.shape[0]

    def backward(self, dout: Any = 1) -> Any:
        score, sign = self.cache
        label = (sign > 0).astype(score.dtype)
        dscore = (sigmoid(score) - label) * (dout / score.shape[0])  # (N, K+1)
        return self.embed_dot.backward(dscore)

    def __repr__(self) -> str:
        return f"NegativeSamplingLoss(W={tuple(self.params[0].shape)}, sample_size={self.sample_size})"
