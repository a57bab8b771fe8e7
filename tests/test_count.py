"""Count-based word vectors: the book's toy example exactly, sparse = dense, PPMI formulas, SVD,
the PPMISVD stage contract, and a 100,000-word vocabulary without a V×V matrix."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from hangul_dl.embeddings.count import (
    PPMISVD,
    cooccurrence_matrix,
    create_co_matrix,
    ppmi,
    ppmi_matrix,
    preprocess,
    truncated_svd,
)
from hangul_dl.embeddings.vectors import WordVectors
from hangul_dl.errors import InputError, NotFittedError
from hangul_dl.stage import Stage
from hangul_dl.text.vocab import Vocabulary

TOY = "You say goodbye and I say hello."
# the book's printed co-occurrence matrix (ch.2, window 1)
TOY_C = np.array([[0, 1, 0, 0, 0, 0, 0],
                  [1, 0, 1, 0, 1, 1, 0],
                  [0, 1, 0, 1, 0, 0, 0],
                  [0, 0, 1, 0, 1, 0, 0],
                  [0, 1, 0, 1, 0, 0, 0],
                  [0, 1, 0, 0, 0, 0, 1],
                  [0, 0, 0, 0, 0, 1, 0]])


def book_co_matrix(corpus, vocab_size, window_size=1):
    """The book's element-by-element loop (common/util.py), as the reference."""
    corpus_size = len(corpus)
    co = np.zeros((vocab_size, vocab_size), dtype=np.int32)
    for idx, word_id in enumerate(corpus):
        for i in range(1, window_size + 1):
            left, right = idx - i, idx + i
            if left >= 0:
                co[word_id, corpus[left]] += 1
            if right < corpus_size:
                co[word_id, corpus[right]] += 1
    return co


def book_ppmi(C, eps=1e-8):
    M = np.zeros_like(C, dtype=np.float32)
    N = np.sum(C)
    S = np.sum(C, axis=0)
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            pmi = np.log2(C[i, j] * N / (S[j] * S[i]) + eps)
            M[i, j] = max(0, pmi)
    return M


def test_book_toy_example_exact_values():
    corpus, word_to_id, id_to_word = preprocess(TOY)
    assert corpus.tolist() == [0, 1, 2, 3, 4, 1, 5, 6]
    assert id_to_word == {0: "you", 1: "say", 2: "goodbye", 3: "and", 4: "i", 5: "hello", 6: "."}
    C = create_co_matrix(corpus, len(word_to_id), window_size=1)
    np.testing.assert_array_equal(C, TOY_C)
    W = ppmi(C)
    assert W.dtype == np.float32
    # N = 14, S = [1, 4, 2, 2, 2, 2, 1]: the values the book prints as 1.807, 0.807, 2.807
    assert W[0, 1] == np.float32(math.log2(14 / 4))
    assert W[1, 2] == np.float32(math.log2(14 / 8))
    assert W[5, 6] == np.float32(math.log2(14 / 2))
    np.testing.assert_allclose(W[1], [1.807, 0, 0.807, 0, 0.807, 0.807, 0], atol=5e-4)  # as printed
    np.testing.assert_array_equal(W, book_ppmi(C))  # the book's own loop, bit for bit
    S = cooccurrence_matrix(corpus, len(word_to_id), window=1)
    np.testing.assert_array_equal(S.toarray(), TOY_C)
    np.testing.assert_allclose(ppmi_matrix(S, alpha=1.0).toarray(), W, atol=1e-6)


@pytest.mark.parametrize("window", [1, 2, 4])
def test_sparse_counts_equal_the_book_loop(window, rng):
    corpus = rng.integers(0, 30, size=400)
    ref = book_co_matrix(corpus, 30, window)
    np.testing.assert_array_equal(create_co_matrix(corpus, 30, window), ref)
    got = cooccurrence_matrix(corpus, 30, window=window, chunk_size=37)  # many chunks
    np.testing.assert_array_equal(got.toarray(), ref)
    assert got.has_canonical_format


def test_windows_stop_at_sentence_ends_and_distance_weighting():
    words = np.array([0, 1, 2, 3, 4])
    sent = np.array([0, 0, 0, 1, 1])
    C = cooccurrence_matrix(words, 5, window=3, sentence_ids=sent).toarray()
    assert C[2, 3] == 0 and C[0, 4] == 0 and C[1, 3] == 0  # across the boundary: nothing
    assert C[0, 2] == 1 and C[3, 4] == 1 and C[4, 3] == 1
    W = cooccurrence_matrix(words, 5, window=3, sentence_ids=sent, distance_weighting=True)
    assert W[0, 1] == 1.0 and W[0, 2] == 0.5 and W[2, 0] == 0.5
    with pytest.raises(InputError, match="rows must lie"):
        cooccurrence_matrix(np.array([0, 7]), 5)


def test_ppmi_smoothing_and_shift_match_the_formula(rng):
    corpus = rng.integers(0, 12, size=300)
    C = cooccurrence_matrix(corpus, 12, window=2)
    dense = C.toarray()
    alpha, shift = 0.75, 2.0
    r, k = dense.sum(1), dense.sum(0)
    with np.errstate(divide="ignore"):
        ref = np.log2(dense * (k ** alpha).sum() / np.outer(r, k ** alpha)) - np.log2(shift)
    ref = np.where(dense > 0, np.maximum(ref, 0), 0)
    got = ppmi_matrix(C, alpha=alpha, shift=shift)
    np.testing.assert_allclose(got.toarray(), ref, rtol=1e-5, atol=1e-6)
    assert (got.data > 0).all() and got.dtype == np.float32
    assert ppmi_matrix(C, alpha=alpha, shift=4.0).nnz < got.nnz  # a larger shift keeps fewer
    with pytest.raises(InputError, match="alpha"):
        ppmi_matrix(C, alpha=0)


@pytest.mark.parametrize("method", ["randomized", "arpack"])
def test_truncated_svd_matches_dense_svd(method, rng):
    import scipy.sparse as sp

    # a sparse 300x200 matrix with a fast-decaying spectrum
    A = (rng.standard_normal((300, 8)) * (2.0 ** -np.arange(8))) @ rng.standard_normal((8, 200))
    A[np.abs(A) < 0.3] = 0
    M = sp.csr_matrix(A.astype(np.float32))
    U, s, Vt = truncated_svd(M, 5, method=method, seed=1)
    s_ref = np.linalg.svd(A.astype(np.float64), compute_uv=False)[:5]
    np.testing.assert_allclose(s, s_ref, rtol=1e-3)
    assert U.shape == (300, 5) and Vt.shape == (5, 200)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-4)
    pick = np.abs(U).argmax(0)
    assert (U[pick, np.arange(5)] > 0).all()  # deterministic signs
    U2, _, _ = truncated_svd(M, 5, method=method, seed=1)
    np.testing.assert_array_equal(U, U2)
    with pytest.raises(InputError, match="dim must be between"):
        truncated_svd(M, 200, method=method)


def _planted_corpus(rng, n=3000):
    """Fruits and vehicles used in their own contexts: 사과/배/포도 vs 버스/기차/택시."""
    fruit, ride = ["사과", "배", "포도"], ["버스", "기차", "택시"]
    fruit_ctx, ride_ctx = ["맛있는", "달콤한", "먹었다"], ["빠른", "타고", "내렸다"]
    filler = [f"말{i}" for i in range(30)]
    sents = []
    for _ in range(n):
        if rng.random() < 0.5:
            w, ctx_pool = rng.choice(fruit), fruit_ctx
        else:
            w, ctx_pool = rng.choice(ride), ride_ctx
        sents.append([rng.choice(filler), rng.choice(ctx_pool), str(w), rng.choice(ctx_pool),
                      rng.choice(filler)])
    return sents


def test_ppmisvd_stage_contract(rng, tmp_path):
    sents = _planted_corpus(rng)
    stage = PPMISVD(dim=10, window=2, min_count=2, quiet=True)
    assert repr(stage) == "PPMISVD(dim=10, window=2, min_count=2, quiet=True)"
    with pytest.raises(NotFittedError, match="call fit"):
        stage.transform([["사과"]])
    assert stage.fit(sents) is stage
    wv = stage.wv_
    assert isinstance(wv, WordVectors) and wv.vectors.dtype == np.float32
    assert "<unk>" not in wv and "<eos>" not in wv and len(wv) == 42
    assert wv.counts.sum() == sum(map(len, sents))
    # planted structure: each fruit's nearest neighbours are the other fruits
    for word, group in [("사과", {"배", "포도"}), ("기차", {"버스", "택시"})]:
        top = {w for w, _ in stage.most_similar(word, topn=2)}
        assert top == group, (word, stage.most_similar(word, topn=5))
    assert stage.similarity("사과", "배") > stage.similarity("사과", "버스")
    # the same corpus as ID arrays with its vocabulary gives the same vectors
    vocab = Vocabulary(min_count=2).fit(sents)
    by_ids = PPMISVD(dim=10, window=2, min_count=2, quiet=True).fit(
        [vocab.encode(s) for s in sents], vocab=vocab)
    assert by_ids.wv_.index_to_key == wv.index_to_key
    np.testing.assert_allclose(by_ids.wv_.vectors, wv.vectors, atol=1e-5)
    # transform: mean of known word vectors, zeros when none, IDs accepted
    X = stage.transform([["사과", "없는말"], ["없는말"], vocab.encode(["사과", "버스"])])
    assert X.shape == (3, 10) and X.dtype == np.float32
    np.testing.assert_allclose(X[0], wv["사과"], atol=1e-6)
    np.testing.assert_array_equal(X[1], 0)
    np.testing.assert_allclose(X[2], (wv["사과"] + wv["버스"]) / 2, atol=1e-6)
    # save / load through Stage; WordVectors.load reads the same directory
    stage.save(tmp_path / "ppmi")
    back = Stage.load(tmp_path / "ppmi")
    assert isinstance(back, PPMISVD) and back.get_params() == stage.get_params()
    np.testing.assert_array_equal(back.wv_.vectors, wv.vectors)
    assert WordVectors.load(tmp_path / "ppmi").index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.transform([vocab.encode(["배"])]), X[:1] * 0 + wv["배"])


def test_ppmisvd_reproducible_and_bad_input(rng):
    sents = _planted_corpus(rng, 500)
    a = PPMISVD(dim=5, window=2, min_count=1, quiet=True, seed=3).fit(sents)
    b = PPMISVD(dim=5, window=2, min_count=1, quiet=True, seed=3).fit(sents)
    np.testing.assert_array_equal(a.wv_.vectors, b.wv_.vectors)
    with pytest.raises(InputError, match="only 42 words"):
        PPMISVD(dim=50, min_count=1, quiet=True).fit(sents)
    with pytest.raises(InputError, match="min_count"):
        PPMISVD(dim=5, min_count=10**6, quiet=True).fit(sents)
    with pytest.raises(InputError, match="not a token list"):
        PPMISVD(quiet=True).fit(["사과 배 포도"])
    with pytest.raises(InputError, match="needs the fitted Vocabulary"):
        PPMISVD(quiet=True).fit([np.array([4, 5, 6])])
    with pytest.raises(InputError, match="empty"):
        PPMISVD(quiet=True).fit([])
    with pytest.raises(InputError, match="svd must be"):
        PPMISVD(dim=5, min_count=1, svd="dense", quiet=True).fit(sents)


def test_hundred_thousand_words_without_a_dense_matrix():
    """V = 100,000: a dense float32 V×V matrix would take 40 GB; the sparse path stays small."""
    from hangul_dl.datasets import zipf_korean_corpus
    from hangul_dl.text.ids import encode_corpus

    sents = [s.split() for s in zipf_korean_corpus(400_000, vocab_size=200_000, seed=0)]
    vocab = Vocabulary(max_size=100_004).fit(sents)
    ids = encode_corpus(sents, None, vocab)  # one int32 stream, <eos> between sentences
    # the modules the sparse path imports, imported before tracing (the first import under
    # tracemalloc cost 2 s of CPU, and its memory is not the fit's)
    PPMISVD(dim=2, window=2, min_count=1, quiet=True).fit([["가", "나", "다"], ["나", "가"]] * 3)
    tracemalloc.start()
    try:
        stage = PPMISVD(dim=8, window=2, min_count=1, quiet=True).fit(ids, vocab=vocab)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(stage.wv_) == 100_000 and stage.wv_.vectors.shape == (100_000, 8)
    dense_bytes = 100_000 ** 2 * 4
    assert peak < 400e6, f"peak {peak / 1e6:.0f} MB"  # grows with the ~1M nonzero pairs
    assert peak < dense_bytes / 100
    assert np.isfinite(stage.wv_.vectors).all()


@pytest.mark.gpu
def test_ppmisvd_on_gpu_matches_cpu(rng):
    sents = _planted_corpus(rng, 1500)
    cpu = PPMISVD(dim=6, window=2, min_count=1, quiet=True, device="cpu").fit(sents)
    gpu = PPMISVD(dim=6, window=2, min_count=1, quiet=True, device="gpu").fit(sents)
    assert isinstance(gpu.wv_.vectors, np.ndarray)  # computed on the GPU, handed back on the CPU
    np.testing.assert_allclose(gpu.singular_values_, cpu.singular_values_, rtol=1e-3)
    top = {w for w, _ in gpu.most_similar("사과", topn=2)}
    assert top == {"배", "포도"}
    assert gpu.transform([["사과"]]).shape == (1, 6)
