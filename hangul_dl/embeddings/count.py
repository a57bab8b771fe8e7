"""Count-based word vectors: sparse co-occurrence, PPMI and truncated SVD (book ch.2).

The book builds a dense V×V co-occurrence matrix with a Python loop, turns it into PPMI
element by element and runs a dense SVD: fine for its 7-word toy corpus, 40 GB and hours for a
100,000-word Korean vocabulary. Here every step is sparse, so memory grows with the number of
distinct (word, context) pairs, not with V²:

1. :func:`cooccurrence_matrix` counts pairs within ``window`` positions (optionally weighted by
   ``1 / distance``) in chunks of the ID stream, as a sparse CSR matrix (``scipy.sparse`` on the
   CPU, ``cupyx.scipy.sparse`` when the IDs are a CuPy array); windows never cross sentences.
2. :func:`ppmi_matrix` computes positive PMI on the nonzero entries only, with the context
   distribution smoothing ``P_α(c) ∝ #c^α`` and the shift ``- log k`` of Levy, Goldberg & Dagan
   (2015), "Improving distributional similarity with lessons learned from word embeddings".
3. :func:`truncated_svd` keeps ``dim`` singular vectors: a randomized SVD (Halko, Martinsson &
   Tropp 2011; the book's ``sklearn.utils.extmath.randomized_svd``), written with the array
   module so it runs on CuPy too, or ARPACK (``svds``).

:class:`PPMISVD` chains them as a :class:`~hangul_dl.embeddings.base.VectorStage`; the word
vectors are ``U · Σ^eig`` (``eig=0.5`` by default; the book's ``U`` is ``eig=0``).

The book's own helpers are kept for its toy example, with identical results::

    >>> corpus, word_to_id, id_to_word = preprocess("You say goodbye and I say hello.")
    >>> C = create_co_matrix(corpus, len(word_to_id), window_size=1)
    >>> W = ppmi(C)        # W[0, 1] == log2(14 / 4) == 1.807 (float32)
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from ..backend import (
    DEFAULT_DTYPE,
    as_generator,
    get_array_module,
    get_xp,
    solve_triangular,
    sparse_module,
    sparse_svds,
    to_cpu,
    xp_generator,
)
from ..errors import InputError, ShapeError
from ..progress import progress
from .base import IdStream, VectorStage

__all__ = ["PPMISVD", "cooccurrence_matrix", "create_co_matrix", "ppmi", "ppmi_matrix",
           "preprocess", "sparse_module", "truncated_svd"]

logger = logging.getLogger(__name__)


def preprocess(text: str) -> tuple[np.ndarray, dict[str, int], dict[int, str]]:
    """The book's ``preprocess``: lower-case, split off ``.``, split on spaces.

    Returns ``corpus`` (n,) int32, ``word_to_id`` and ``id_to_word`` (IDs in first-seen order).
    """
    words = text.lower().replace(".", " .").split()
    word_to_id: dict[str, int] = {}
    for w in words:
        word_to_id.setdefault(w, len(word_to_id))
    id_to_word = {i: w for w, i in word_to_id.items()}
    return np.array([word_to_id[w] for w in words], dtype=np.int32), word_to_id, id_to_word


def create_co_matrix(corpus: Any, vocab_size: int, window_size: int = 1) -> np.ndarray:
    """The book's dense co-occurrence matrix (V, V) int32, vectorised (same counts as its loop).

    For small vocabularies only: it allocates V×V. Use :func:`cooccurrence_matrix` for real data.
    """
    corpus = np.asarray(corpus)
    co = np.zeros((vocab_size, vocab_size), dtype=np.int32)
    for d in range(1, window_size + 1):
        np.add.at(co, (corpus[d:], corpus[:-d]), 1)  # left neighbours
        np.add.at(co, (corpus[:-d], corpus[d:]), 1)  # right neighbours
    return co


def ppmi(C: Any, verbose: bool = False, eps: float = 1e-8) -> np.ndarray:
    """The book's dense PPMI: ``max(0, log2(C[i, j] · N / (S[i] · S[j]) + eps))``, float32.

    ``N`` is the total count and ``S`` the column sums, exactly as in the book (vectorised).
    """
    C = np.asarray(C)
    N = C.sum()
    S = C.sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(C * float(N) / (S[None, :] * S[:, None]) + eps)
    return np.maximum(np.nan_to_num(pmi, nan=0.0, neginf=0.0), 0).astype(np.float32)


# -- sparse, chunked versions ------------------------------------------------------------
def cooccurrence_matrix(words: Any, n_words: int, window: int = 5, sentence_ids: Any = None,
                        distance_weighting: bool = False, chunk_size: int = 1 << 20,
                        quiet: bool = True) -> Any:
    """Sparse symmetric co-occurrence counts (V, V), CSR, float64 (float32 on CuPy).

    ``words`` (n,) int rows in ``0 .. n_words - 1`` (NumPy or CuPy: the result follows);
    ``sentence_ids`` (n,) makes windows stop at sentence ends (None: one long sequence, the
    book's behaviour). ``C[w, c]`` counts ``c`` within ``window`` positions left or right of
    ``w``, each weighted ``1 / distance`` with ``distance_weighting``. The stream is processed in
    chunks of ``chunk_size`` positions, so temporaries stay near ``chunk_size · window`` pairs.
    """
    xp = get_array_module(words, sentence_ids)
    sparse = sparse_module(xp)
    words = xp.asarray(words).reshape(-1)
    n = int(words.shape[0])
    if window < 1:
        raise InputError(f"window must be >= 1, got {window}")
    if sentence_ids is not None and tuple(sentence_ids.shape) != (n,):
        raise ShapeError(f"sentence_ids must have shape ({n},) like words, got {sentence_ids.shape}")
    if n and (int(words.min()) < 0 or int(words.max()) >= n_words):
        raise InputError(f"word rows must lie in 0..{n_words - 1}; found "
                         f"{int(words.min())}..{int(words.max())}")
    dtype = np.float64 if xp is np else np.float32
    total = sparse.csr_matrix((n_words, n_words), dtype=dtype)
    n_chunks = max(1, math.ceil(n / chunk_size))
    with progress(n_chunks, quiet=quiet, desc="공기 행렬", unit="chunk") as bar:
        for start in range(0, max(n, 1), chunk_size):
            stop = min(start + chunk_size, n)
            rows, cols, vals = [], [], []
            for d in range(1, window + 1):
                end = min(stop, n - d)  # centre positions i with i + d < n
                if end <= start:
                    break
                left, right = words[start:end], words[start + d:end + d]
                weight = 1.0 / d if distance_weighting else 1.0
                if sentence_ids is not None:
                    same = sentence_ids[start:end] == sentence_ids[start + d:end + d]
                    left, right = left[same], right[same]
                rows.append(left)
                cols.append(right)
                vals.append(xp.full(left.shape[0], weight, dtype=dtype))
            if rows:
                part = sparse.coo_matrix((xp.concatenate(vals), (xp.concatenate(rows),
                                          xp.concatenate(cols))), shape=(n_words, n_words)).tocsr()
                total = total + part
            bar.update(1)
    total = total + total.T  # right contexts of w are left contexts of c
    total = total.tocsr()
    total.sum_duplicates()
    return total


def ppmi_matrix(C: Any, alpha: float = 0.75, shift: float = 1.0, dtype: Any = DEFAULT_DTYPE) -> Any:
    """Positive PMI of a sparse co-occurrence matrix, on its nonzero entries only (CSR).

    ``PMI(w, c) = log2(C[w, c] · Σ_c' k_c'^α / (r_w · k_c^α)) - log2(shift)`` with row sums
    ``r`` and column sums ``k``; negative values become 0 and are dropped. ``alpha=1``,
    ``shift=1`` give the book's PPMI; ``alpha=0.75`` smooths the context distribution and
    ``shift=k`` is "shifted PPMI" (Levy et al. 2015).
    """
    if alpha <= 0:
        raise InputError(f"alpha must be > 0 (1 = no smoothing, 0.75 usual), got {alpha}")
    if shift <= 0:
        raise InputError(f"shift must be > 0 (1 = no shift; k negative samples: k), got {shift}")
    xp = get_array_module(C.data)
    sparse = sparse_module(xp)
    C = C.tocsr()
    r = xp.asarray(C.sum(axis=1)).reshape(-1).astype(np.float64)  # (V,)
    k = xp.asarray(C.sum(axis=0)).reshape(-1).astype(np.float64)  # (V,)
    k_alpha = k ** alpha
    log_z = math.log2(float(k_alpha.sum())) if float(k_alpha.sum()) > 0 else 0.0
    # row of each stored entry (cupy.repeat takes no array of counts, searchsorted works on both)
    row_of = xp.searchsorted(C.indptr, xp.arange(C.nnz), side="right") - 1
    log_r = xp.log2(xp.maximum(r, 1e-300))
    log_ka = xp.log2(xp.maximum(k_alpha, 1e-300))
    pmi = xp.log2(C.data.astype(np.float64)) + (log_z - math.log2(shift)) - log_r[row_of] \
        - log_ka[C.indices]
    keep = pmi > 0
    indptr = xp.zeros(C.shape[0] + 1, dtype=C.indptr.dtype)
    indptr[1:] = xp.cumsum(xp.bincount(row_of[keep], minlength=C.shape[0]))
    # C is canonical (sorted, no duplicates), so the kept entries are too: no re-sorting
    return sparse.csr_matrix((pmi[keep].astype(dtype), C.indices[keep], indptr), shape=C.shape)


def _flip_signs(U: Any, Vt: Any) -> tuple[Any, Any]:
    """Make the largest-magnitude entry of each column of U positive (deterministic signs)."""
    xp = get_array_module(U)
    pick = xp.argmax(xp.abs(U), axis=0)
    signs = xp.sign(U[pick, xp.arange(U.shape[1])])
    signs[signs == 0] = 1
    return U * signs, Vt * signs[:, None]


def _orthonormalize(Y: Any, passes: int = 2) -> Any:
    """An orthonormal basis of the columns of a tall ``Y`` (m, l) by Cholesky QR: a few small
    matrix products, 3× faster than Householder QR here. Two passes (CholeskyQR2) restore the
    orthogonality that one loses to rounding; a ``Y`` too ill-conditioned for its Gram matrix
    falls back to QR."""
    xp = get_array_module(Y)
    Q = Y
    for _ in range(passes):
        G = (Q.T @ Q).astype(np.float64)  # (l, l)
        try:
            L = xp.linalg.cholesky(G)
        except np.linalg.LinAlgError:
            return xp.linalg.qr(Y)[0]
        Q_next = solve_triangular(L.astype(Y.dtype), Q.T, lower=True).T  # Q Lᵀ⁻¹ = Q R⁻¹
        if not bool(xp.isfinite(Q_next).all()):  # CuPy returns NaN instead of raising
            return xp.linalg.qr(Y)[0]
        Q = Q_next
    return Q


def _small_svd(B: Any) -> tuple[Any, Any, Any]:
    """SVD of a wide ``B`` (l, n), l ≪ n, through the eigenvectors of ``B Bᵀ`` (l, l) in
    float64: ~10× faster than a LAPACK SVD of B, and exact enough for the leading values."""
    xp = get_array_module(B)
    B64 = B.astype(np.float64)
    evals, Ub = xp.linalg.eigh(B64 @ B64.T)  # ascending
    evals, Ub = evals[::-1], Ub[:, ::-1]
    s = xp.sqrt(xp.maximum(evals, 0))
    scale = xp.where(s > s[0] * 1e-7, 1 / xp.maximum(s, 1e-300), 0)
    Vt = (Ub.T @ B64) * scale[:, None]
    return Ub.astype(B.dtype), s.astype(B.dtype), Vt.astype(B.dtype)


def truncated_svd(M: Any, k: int, method: str = "randomized", n_iter: int = 5,
                  oversample: int = 10, seed: int | np.random.Generator | None = 0,
                  quiet: bool = True) -> tuple[Any, Any, Any]:
    """The ``k`` largest singular triplets of a sparse (or dense) matrix (m, n).

    Returns ``U`` (m, k), ``s`` (k,) descending, ``Vt`` (k, n), with deterministic signs.
    ``method="randomized"``: ``n_iter`` power iterations on ``k + oversample`` random
    directions, re-orthonormalised each time (runs on CuPy too); ``"arpack"``: ``svds``.
    """
    m, n = M.shape
    if not 1 <= k < min(m, n):
        raise InputError(f"cannot keep {k} dimensions of a {m}×{n} matrix: dim must be between 1 "
                         f"and {min(m, n) - 1}; lower dim, or lower min_count to keep more words")
    xp = get_array_module(M.data if hasattr(M, "indptr") else M)
    rng = as_generator(seed)
    if method == "arpack":
        if xp is np:
            from scipy.sparse.linalg import svds

            v0 = rng.uniform(-1, 1, size=min(m, n))
            U, s, Vt = svds(M.astype(np.float64), k=k, v0=v0)
        else:
            U, s, Vt = sparse_svds(M, k=k)
        order = xp.argsort(-s)
        U, s, Vt = U[:, order], s[order], Vt[order]
    elif method == "randomized":
        width = min(k + oversample, min(m, n))
        gen = xp_generator(rng, xp)
        omega = gen.standard_normal((n, width), dtype=np.float32).astype(M.dtype, copy=False)
        with progress(n_iter + 1, quiet=quiet, desc="SVD", unit="iter") as bar:
            Q = _orthonormalize(M @ omega, passes=1)  # (m, width)
            for _ in range(n_iter):
                Z = _orthonormalize(M.T @ Q, passes=1)  # (n, width)
                Q = _orthonormalize(M @ Z, passes=1)
                bar.update(1)
            Q = _orthonormalize(Q, passes=2)
            B = xp.asarray((M.T @ Q).T)  # (width, n) = Qᵀ M
            Ub, s, Vt = _small_svd(B)
            bar.update(1)
        U = Q @ Ub
        U, s, Vt = U[:, :k], s[:k], Vt[:k]
    else:
        raise InputError(f"svd must be 'randomized' or 'arpack', got {method!r}")
    U, Vt = _flip_signs(xp.asarray(U), xp.asarray(Vt))
    return U, s, Vt


class PPMISVD(VectorStage):
    """Count-based word vectors: sparse co-occurrence → PPMI → truncated SVD (book ch.2).

    Parameters
    ----------
    dim : int
        Vector size (singular vectors kept).
    window : int
        Context positions on each side (never crossing a sentence end).
    min_count, max_vocab : int, int or None
        Words seen fewer than ``min_count`` times get no vector; at most ``max_vocab`` words.
    alpha : float
        Context distribution smoothing exponent (1 = none, as in the book).
    shift : float
        Levy's k: ``log2(shift)`` is subtracted from PMI (1 = no shift).
    distance_weighting : bool
        Weight a context at distance d by 1/d (as GloVe does).
    svd : {"randomized", "arpack"}
    eig : float
        Vectors are ``U · Σ^eig`` (0: the book's U; 0.5: Levy et al.'s symmetric choice; 1: U·Σ).
    seed, device, quiet
        Random seed of the randomized SVD; ``"cpu"``/``"gpu"``/``"auto"`` (None: the
        ``HANGUL_DL_DEVICE`` variable); no progress bars.

    After ``fit``: ``wv_`` (:class:`~hangul_dl.embeddings.vectors.WordVectors`, on the CPU
    whatever the device; ``wv_.to_gpu()`` moves it), ``vocab_``,
    ``singular_values_`` (dim,), ``nnz_`` (nonzero co-occurrence pairs).
    """

    def __init__(self, dim: int = 100, window: int = 5, min_count: int = 5,
                 max_vocab: int | None = None, alpha: float = 0.75, shift: float = 1.0,
                 distance_weighting: bool = False, svd: str = "randomized", seed: int = 0,
                 device: str | None = None, quiet: bool = False, eig: float = 0.5):
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.alpha = alpha
        self.shift = shift
        self.distance_weighting = distance_weighting
        self.svd = svd
        self.seed = seed
        self.device = device
        self.quiet = quiet
        self.eig = eig

    def _fit_stream(self, stream: IdStream) -> Any:
        if self.svd not in ("randomized", "arpack"):
            raise InputError(f"svd must be 'randomized' or 'arpack', got {self.svd!r}")
        xp = get_xp(self.device)
        V = len(stream.index_to_key)
        if not 1 <= int(self.dim) < V:
            raise InputError(f"dim={self.dim} needs more than {self.dim} words, but only {V} words "
                             f"occur at least min_count={self.min_count} times; lower dim or "
                             "min_count, or give more text")
        words = xp.asarray(stream.words)
        sentence_ids = xp.asarray(stream.sentence_ids())
        C = cooccurrence_matrix(words, V, window=int(self.window), sentence_ids=sentence_ids,
                                distance_weighting=bool(self.distance_weighting), quiet=self.quiet)
        del words, sentence_ids
        M = ppmi_matrix(C, alpha=float(self.alpha), shift=float(self.shift))
        self.nnz_ = int(C.nnz)
        logger.info("PPMISVD: %d words, %d co-occurring pairs, %d positive PMI", V, C.nnz, M.nnz)
        del C
        U, s, _ = truncated_svd(M, int(self.dim), method=self.svd, seed=self.seed, quiet=self.quiet)
        self.singular_values_ = np.asarray(to_cpu(s), dtype=np.float64)
        return to_cpu((U * (s ** float(self.eig))[None, :]).astype(DEFAULT_DTYPE))  # wv_ on the CPU
