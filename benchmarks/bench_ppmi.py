"""PPMI + SVD word vectors: our sparse pipeline vs a dense V×V one vs the book's loops.

Same generated corpus (:func:`hangul_dl.datasets.zipf_korean_corpus`, whitespace tokens) and
the same settings for every side: window 2, 100 dimensions, randomized SVD with 5 power
iterations (the book's ``count_method_big.py`` settings). Timed from the encoded ID stream
(tokenizing and the vocabulary are shared and not timed). Sides:

- ours    ``cooccurrence_matrix`` → ``ppmi_matrix`` → ``truncated_svd`` (scipy.sparse, chunked)
- dense   the same maths on dense V×V NumPy arrays (bincount counts, vectorised PPMI, the same
          randomized SVD on the dense matrix)
- book    the book's ``create_co_matrix`` and ``ppmi`` loops (common/util.py) element by
          element, then the dense randomized SVD. Its PPMI loop visits V² cells: it is timed on
          the first ``--book-rows`` rows and extrapolated (stated in the table) unless
          ``--book-full`` is given.

Peak memory is the tracemalloc peak of a separate run of each side (NumPy and SciPy register
their buffers with tracemalloc). A second part runs ours on a 100,000-word vocabulary, where the
dense matrix alone would need 40 GB.

Run (one BLAS thread, under the shared lock)::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        flock /tmp/bench.lock python benchmarks/bench_ppmi.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import time
import tracemalloc

import numpy as np

from hangul_dl.datasets import zipf_korean_corpus
from hangul_dl.embeddings.base import corpus_to_ids, ids_to_stream
from hangul_dl.embeddings.count import cooccurrence_matrix, ppmi_matrix, truncated_svd

WINDOW, DIM = 2, 100


def make_stream(n_tokens: int, zipf_types: int, max_vocab: int, min_count: int = 1):
    sentences = [s.split() for s in zipf_korean_corpus(n_tokens, vocab_size=zipf_types, seed=0)]
    ids, vocab = corpus_to_ids(sentences, min_count=min_count, max_vocab=max_vocab)
    return ids_to_stream(ids, vocab, min_count=min_count, max_vocab=max_vocab)


def ours(words, sentence_ids, V):
    C = cooccurrence_matrix(words, V, window=WINDOW, sentence_ids=sentence_ids)
    M = ppmi_matrix(C, alpha=1.0)
    U, _, _ = truncated_svd(M, DIM, seed=0)
    return U, C.nnz


def dense(words, sentence_ids, V):
    C = np.zeros(V * V, dtype=np.float32)
    for d in range(1, WINDOW + 1):
        same = sentence_ids[:-d] == sentence_ids[d:]
        keys = words[:-d][same].astype(np.int64) * V + words[d:][same]
        C += np.bincount(keys, minlength=V * V).astype(np.float32)
    C = C.reshape(V, V)
    C += C.T
    N, S = C.sum(dtype=np.float64), C.sum(axis=0, dtype=np.float64)
    with np.errstate(divide="ignore"):
        M = np.log2(C * np.float32(N) / np.outer(S, S).astype(np.float32) + np.float32(1e-8))
    np.maximum(M, 0, out=M)
    U, _, _ = truncated_svd(M, DIM, seed=0)
    return U, int(np.count_nonzero(C))


def book_co_matrix(corpus, vocab_size, window_size=1):
    """common/util.py create_co_matrix, verbatim (no sentence boundaries)."""
    corpus_size = len(corpus)
    co_matrix = np.zeros((vocab_size, vocab_size), dtype=np.int32)
    for idx, word_id in enumerate(corpus):
        for i in range(1, window_size + 1):
            left_idx = idx - i
            right_idx = idx + i
            if left_idx >= 0:
                left_word_id = corpus[left_idx]
                co_matrix[word_id, left_word_id] += 1
            if right_idx < corpus_size:
                right_word_id = corpus[right_idx]
                co_matrix[word_id, right_word_id] += 1
    return co_matrix


def book_ppmi_rows(C, rows, eps=1e-8):
    """common/util.py ppmi, verbatim, for the first ``rows`` rows."""
    M = np.zeros_like(C, dtype=np.float32)
    N = np.sum(C)
    S = np.sum(C, axis=0)
    for i in range(rows):
        for j in range(C.shape[1]):
            pmi = np.log2(C[i, j] * N / (S[j] * S[i]) + eps)
            M[i, j] = max(0, pmi)
    return M


def book(words, V, rows):
    t0 = time.perf_counter()
    C = book_co_matrix(words.tolist(), V, WINDOW)
    t1 = time.perf_counter()
    with np.errstate(divide="ignore"):
        M = book_ppmi_rows(C, rows)
    t2 = time.perf_counter()
    truncated_svd(M, DIM, seed=0)
    t3 = time.perf_counter()
    return t1 - t0, (t2 - t1) * V / rows, t3 - t2


def peak_mb(fn, *args) -> float:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def timed(fn, *args, repeat: int):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return times, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--vocab", type=int, default=6000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--book-rows", type=int, default=300)
    ap.add_argument("--book-full", action="store_true")
    ap.add_argument("--big-tokens", type=int, default=5_000_000)
    ap.add_argument("--skip-big", action="store_true")
    args = ap.parse_args()

    stream = make_stream(args.tokens, 3000, args.vocab)
    V = len(stream.index_to_key)
    words, sent = stream.words, stream.sentence_ids()
    print(f"corpus: {words.shape[0]:,} tokens, {stream.n_sentences:,} sentences, V = {V:,}; "
          f"window {WINDOW}, dim {DIM}, randomized SVD (5 power iterations), 1 BLAS thread\n")
    ours(words, sent, V)  # warm-up (imports)
    t_ours, (U_ours, nnz) = timed(ours, words, sent, V, repeat=args.repeat)
    t_dense, (U_dense, nnz_dense) = timed(dense, words, sent, V, repeat=args.repeat)
    assert nnz == nnz_dense, (nnz, nnz_dense)
    m_ours, m_dense = peak_mb(ours, words, sent, V), peak_mb(dense, words, sent, V)
    rows = V if args.book_full else min(args.book_rows, V)
    co_s, ppmi_s, svd_s = book(words, V, rows)
    t_book = co_s + ppmi_s + svd_s
    how = "measured" if rows == V else f"PPMI loop timed on {rows} of {V} rows, extrapolated"

    def row(name, times, mem, note=""):
        lo, med = min(times), statistics.median(times)
        print(f"| {name:<22} | {lo:8.3f} | {med:8.3f} | {med / statistics.median(t_ours):7.1f}× "
              f"| {mem:9.0f} | {note}")

    print("| side                   |  min (s) |  med (s) | vs ours | peak (MB) | note")
    print("|------------------------|---------:|---------:|--------:|----------:|-----")
    row("ours (sparse)", t_ours, m_ours, f"{nnz:,} nonzero pairs")
    row("dense V×V (NumPy)", t_dense, m_dense, "same maths, dense arrays")
    row("book loops + dense SVD", [t_book], float("nan"),
        f"co-matrix {co_s:.1f} s + PPMI {ppmi_s:.1f} s + SVD {svd_s:.1f} s ({how})")
    sim = np.abs(np.sum(U_ours[:, :10] * U_dense[:, :10], axis=0))
    print(f"\nours vs dense: |cos| of the first 10 singular vectors: min {sim.min():.4f}")

    if args.skip_big:
        return
    big = make_stream(args.big_tokens, 300_000, 100_000, min_count=2)
    Vb = len(big.index_to_key)
    w, s = big.words, big.sentence_ids()
    del big
    t_big, (_, nnz_big) = timed(ours, w, s, Vb, repeat=1)
    m_big = peak_mb(ours, w, s, Vb)
    print(f"\nV = {Vb:,} ({w.shape[0]:,} tokens): ours {t_big[0]:.1f} s, peak {m_big:,.0f} MB, "
          f"{nnz_big:,} nonzero pairs; a dense float32 V×V matrix alone would need "
          f"{Vb * Vb * 4 / 2**30:,.0f} GiB")


if __name__ == "__main__":
    main()
