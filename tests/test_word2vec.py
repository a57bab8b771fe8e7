import tracemalloc

import numpy as np
import pytest
from scipy import stats

from hangul_dl.datasets import planted_word2vec_corpus
from hangul_dl.embeddings import word2vec_training
from hangul_dl.embeddings.word2vec import CBOW, SimpleCBOW, SimpleSkipGram, SkipGram, Word2Vec
from hangul_dl.embeddings.word2vec_training import (
    EpochStream,
    cbow_step,
    keep_probabilities,
    scatter_add_rows,
    segment_sum_sorted,
    sg_index,
    sg_step,
    window_pairs,
)
from hangul_dl.errors import InputError, NotFittedError
from hangul_dl.nn.gradcheck import check_model
from hangul_dl.nn.optimizers import Adam
from hangul_dl.nn.sampling import NegativeSamplingLoss, UnigramSampler
from hangul_dl.stage import Stage
from hangul_dl.text.vocab import Vocabulary


class FixedSampler:
    """Hands out prepared negatives, so a sparse step can be compared with the dense layers."""

    def __init__(self, negatives):
        self.negatives = negatives

    def get_negative_sample(self, target):
        assert target.shape[0] == self.negatives.shape[0]
        return self.negatives


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    corpus = planted_word2vec_corpus(n_tokens=60_000, n_groups=5, group_size=4, n_roles=2,
                                     n_fillers=100, n_pairs=300, n_analogies=50, seed=0)
    return corpus, corpus.write(tmp_path_factory.mktemp("planted"))


# -- subsampling, windows ---------------------------------------------------------------------
def test_keep_probabilities_follow_word2vec_formula():
    counts = np.array([0, 10, 990, 100_000, 899_000])  # total 1,000,000
    p = keep_probabilities(counts, 1e-3)
    t = 1e-3 * counts.sum()  # 1000
    expected = np.minimum(1, (np.sqrt(counts[1:] / t) + 1) * t / counts[1:])
    np.testing.assert_allclose(p[1:], expected)
    assert p[0] == 1 and p[1] == 1 and p[2] == 1  # rare words are always kept
    assert p[4] == pytest.approx((np.sqrt(899) + 1) / 899)
    np.testing.assert_array_equal(keep_probabilities(counts, 0), np.ones(5))


def test_epoch_stream_keeps_words_with_those_probabilities():
    counts = np.array([900_000, 100_000], dtype=np.int64)
    words = np.repeat(np.arange(2, dtype=np.int32), [90_000, 10_000])
    keep_p = keep_probabilities(counts, 1e-3).astype(np.float32)
    ep = EpochStream.draw(words, np.zeros(100_000, dtype=np.int32), keep_p, 5, np.random.default_rng(0))
    kept = np.bincount(ep.words, minlength=2)
    for w, n in ((0, 90_000), (1, 10_000)):
        assert stats.binomtest(int(kept[w]), n, float(keep_p[w])).pvalue > 1e-3
    assert set(np.unique(ep.effective)) == {1, 2, 3, 4, 5}  # reduced windows: 1..window
    np.testing.assert_array_equal(words[ep.raw_position], ep.words)


def test_window_pairs_match_a_plain_loop(rng):
    n, window = 60, 3
    sentence = np.sort(rng.integers(0, 8, n)).astype(np.int32)
    effective = rng.integers(1, window + 1, n).astype(np.int32)
    center, context = window_pairs(sentence, effective, 10, 50, window)
    expected = [(i, j) for i in range(10, 50) for j in range(n)
                if j != i and abs(i - j) <= effective[i] and sentence[j] == sentence[i]]
    assert sorted(zip(center.tolist(), context.tolist())) == expected
    assert (np.diff(center) >= 0).all()


def test_windows_of_batches_never_cross_a_sentence_and_equal_per_sentence_windows(rng):
    """Short sentences cut by batch boundaries: the pairs of all batches are exactly the pairs
    each sentence gives on its own (no window reaches into the next or previous sentence)."""
    lengths = rng.integers(1, 6, 200)  # many short sentences, some of one word
    sentence = np.repeat(np.arange(200), lengths).astype(np.int32)
    n, window = sentence.shape[0], 4
    effective = rng.integers(1, window + 1, n).astype(np.int32)
    got = []
    for first in range(0, n, 37):  # batches that start and stop inside sentences
        center, context = window_pairs(sentence, effective, first, min(first + 37, n), window)
        got += zip(center.tolist(), context.tolist())
    expected, start = [], 0
    for length in lengths.tolist():
        for i in range(start, start + length):
            expected += [(i, j) for j in range(start, start + length)
                         if j != i and abs(i - j) <= effective[i]]
        start += length
    assert got == expected
    assert all(sentence[i] == sentence[j] for i, j in got)


def test_segment_sum_sorted_weights_rows_and_leaves_empty_segments_zero(rng):
    values = rng.standard_normal((7, 3)).astype(np.float32)
    owner = np.array([0, 0, 2, 2, 2, 4, 4])
    coef = rng.standard_normal(7).astype(np.float32)
    expected = np.zeros((6, 3), dtype=np.float32)
    np.add.at(expected, owner, coef[:, None] * values)
    np.testing.assert_allclose(segment_sum_sorted(values, owner, 6, coef), expected, rtol=1e-5)
    np.add.at(plain := np.zeros((6, 3), dtype=np.float32), owner, values)
    np.testing.assert_allclose(segment_sum_sorted(values, owner, 6), plain, rtol=1e-5)
    assert not segment_sum_sorted(values, owner, 6)[[1, 3, 5]].any()


# -- the sparse steps are the layers' SGD step ----------------------------------------------
def _dense_negative_sampling(W_out, h, targets, negatives):
    layer = NegativeSamplingLoss(W_out.copy(), np.ones(len(W_out)), sample_size=negatives.shape[1])
    layer.forward(h, targets, negatives)
    dh = layer.backward()
    n = h.shape[0]  # the layer averages over predictions; word2vec steps on each one
    return layer.grads[0] * n, dh * n


@pytest.mark.parametrize("variant", ["one gather", "a gather per pair", "without scipy kernels",
                                     "index made ahead"])
def test_skipgram_step_equals_dense_sgd_step(rng, monkeypatch, variant):
    """The same step however the scores are gathered (the CPU gathers ``_SCORE_ROWS`` rows
    at a time) and with or without SciPy's private kernels; an index made ahead (as the pair
    blocks do) is the index the step would make."""
    if variant == "a gather per pair":
        monkeypatch.setattr(word2vec_training, "_SCORE_ROWS", 1)
    if variant == "without scipy kernels":
        monkeypatch.setattr(word2vec_training, "_kernel", lambda name: None)
    V, D, lr = 12, 4, 0.1
    W_in, W_out = rng.standard_normal((V, D)), rng.standard_normal((V, D))
    owner = np.array([0, 0, 0, 1, 1, 2])
    centers = np.array([5, 7, 5])  # a word twice as center: its updates add up
    contexts = np.array([1, 2, 5, 1, 1, 3])
    negatives = rng.integers(0, V, (6, 3))
    gW, dh = _dense_negative_sampling(W_out, W_in[centers[owner]], contexts, negatives)
    expected_out = W_out - lr * gW
    expected_in = W_in.copy()
    np.add.at(expected_in, centers[owner], -lr * dh)
    index = None
    if variant == "index made ahead":
        index = sg_index(owner, contexts, negatives, 3)
        np.testing.assert_array_equal(index[0], np.column_stack([contexts, negatives]))
        np.testing.assert_array_equal(index[1], [0, 12, 20, 24])  # 3, 2, 1 pairs of 4 rows
    h = W_in[centers[owner]]
    score = np.einsum("pd,pkd->pk", h, W_out[np.column_stack([contexts, negatives])])
    expected_loss = np.logaddexp(0, -score[:, 0]).sum() + np.logaddexp(0, score[:, 1:]).sum()
    loss = sg_step(W_in, W_out, owner, contexts, centers, FixedSampler(negatives), lr,
                   index=index)
    assert loss == pytest.approx(expected_loss, rel=1e-9)
    np.testing.assert_allclose(W_out, expected_out, atol=1e-12)
    np.testing.assert_allclose(W_in, expected_in, atol=1e-12)


def test_skipgram_step_with_saturated_scores_reports_their_loss_and_leaves_them(rng):
    """Scores beyond ±6 get no step (word2vec.c, gensim); beyond 20 the loss still grows with
    the score instead of overflowing."""
    V, D = 12, 4
    W_in, W_out = 30 * rng.standard_normal((V, D)), 30 * rng.standard_normal((V, D))
    owner, centers = np.array([0, 0, 1]), np.array([5, 7])
    contexts, negatives = np.array([1, 2, 3]), rng.integers(0, V, (3, 5))
    score = np.einsum("pd,pkd->pk", W_in[centers[owner]],
                      W_out[np.column_stack([contexts, negatives])])
    assert np.abs(score).max() > 20
    expected_loss = np.logaddexp(0, -score[:, 0]).sum() + np.logaddexp(0, score[:, 1:]).sum()
    before_out = W_out.copy()
    loss = sg_step(W_in, W_out, owner, contexts, centers, FixedSampler(negatives), 0.1)
    assert loss == pytest.approx(expected_loss, rel=1e-6)
    rows = np.column_stack([contexts, negatives])
    stepped = np.unique(rows[np.abs(score) < 6])
    untouched = np.setdiff1d(np.arange(V), stepped)
    assert untouched.size > 0
    np.testing.assert_array_equal(W_out[untouched], before_out[untouched])


def test_cbow_step_equals_dense_sgd_step_with_word2vec_context_update(rng):
    V, D, lr = 10, 3, 0.05
    W_in, W_out = rng.standard_normal((V, D)), rng.standard_normal((V, D))
    contexts = np.array([[1, 2], [3, 3], [2, 9]])
    centers = np.array([4, 5, 4])
    negatives = rng.integers(0, V, (3, 2))
    h = W_in[contexts].mean(axis=1)
    gW, dh = _dense_negative_sampling(W_out, h, centers, negatives)
    expected_in = W_in.copy()
    for b in range(3):  # word2vec.c / gensim: every context row gets the whole error
        for c in contexts[b]:
            expected_in[c] -= lr * dh[b]
    expected_out = W_out - lr * gW
    owner = np.repeat(np.arange(3), 2)
    cbow_step(W_in, W_out, owner, contexts.ravel(), centers, FixedSampler(negatives), lr)
    np.testing.assert_allclose(W_out, expected_out, atol=1e-12)
    np.testing.assert_allclose(W_in, expected_in, atol=1e-12)


def test_scatter_add_rows_sums_duplicates_and_touches_nothing_else(rng):
    W = rng.standard_normal((50, 3)).astype(np.float32)
    before = W.copy()
    ids = np.array([7, 3, 7, 7, 40])
    owner = np.array([0, 1, 1, 0, 2])
    coef = np.array([1.0, 2.0, -1.0, 0.5, 3.0], dtype=np.float32)
    H = rng.standard_normal((3, 3)).astype(np.float32)
    scatter_add_rows(W, ids, owner, coef, H)
    expected = before.copy()
    np.add.at(expected, ids, coef[:, None] * H[owner])
    np.testing.assert_allclose(W, expected, rtol=1e-6)
    untouched = np.setdiff1d(np.arange(50), ids)
    np.testing.assert_array_equal(W[untouched], before[untouched])


@pytest.mark.parametrize("direct", [True, False])
def test_csr_products_equal_dense_products_with_and_without_scipys_kernel(rng, monkeypatch, direct):
    if not direct:  # the public csr_matrix path, and the sort-based scatter
        monkeypatch.setattr(word2vec_training, "_kernel", lambda name: None)
    W = rng.standard_normal((30, 4)).astype(np.float32)
    ids = rng.integers(0, 30, 40)
    owner = np.sort(rng.integers(0, 6, 40))
    expected = np.zeros((6, 4), dtype=np.float32)
    np.add.at(expected, owner, W[ids])
    count = np.bincount(owner, minlength=6)[:, None]
    np.testing.assert_allclose(word2vec_training.segment_mean_rows(owner, ids, 6, W)[count[:, 0] > 0],
                               (expected / np.maximum(count, 1))[count[:, 0] > 0], rtol=1e-5)
    before = W.copy()
    H = rng.standard_normal((6, 4)).astype(np.float32)
    scatter_add_rows(W, ids, owner, np.ones(40, dtype=np.float32), H)
    np.add.at(before, ids, H[owner])
    np.testing.assert_allclose(W, before, rtol=1e-5, atol=1e-6)


def _one_step_peak_and_touched(V, D=8, B=64):
    """Peak memory of ten sparse steps on a V-word table, and the rows they changed."""
    rng = np.random.default_rng(0)
    W_in = rng.standard_normal((V, D)).astype(np.float32)
    W_out = rng.standard_normal((V, D)).astype(np.float32)
    before_in, before_out = W_in.copy(), W_out.copy()
    sampler = UnigramSampler(np.ones(V), sample_size=5, seed=0)
    owner = np.repeat(np.arange(B), 4)
    contexts = rng.integers(0, V, B * 4).astype(np.int32)
    centers = rng.integers(0, V, B).astype(np.int32)
    tracemalloc.start()
    for _ in range(5):
        sg_step(W_in, W_out, owner, contexts, centers, sampler, 0.025)
        cbow_step(W_in, W_out, owner, contexts, centers, sampler, 0.025)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    touched = int((W_in != before_in).any(axis=1).sum() + (W_out != before_out).any(axis=1).sum())
    return peak, touched


def test_step_cost_does_not_depend_on_vocabulary_size():
    """A step allocates and touches only the rows of its batch (no V×D work): the behaviour
    behind 'a step costs the same for 10 thousand or 1 million words', without timing it."""
    small_peak, _ = _one_step_peak_and_touched(1_000)
    big_peak, big_touched = _one_step_peak_and_touched(1_000_000)  # W is 32 MB here
    assert big_peak < 1_000_000 * 8 * 4 / 20  # no V×D buffer is ever allocated
    assert big_peak < 3 * small_peak + 200_000
    # at most: centers + contexts in W_in, contexts/centers + 5 negatives each in W_out, x10
    assert big_touched <= 10 * (64 + 256 + 256 * 6 + 64 * 6)


# -- chapter 3 and 4 models -------------------------------------------------------------------
TOY = "you say goodbye and i say hello .".split()


def _toy_data():
    vocab = {w: i for i, w in enumerate(dict.fromkeys(TOY))}
    ids = np.array([vocab[w] for w in TOY])
    contexts = np.stack([ids[:-2], ids[2:]], axis=1)  # window 1 (book ch.3)
    return vocab, contexts, ids[1:-1]


@pytest.mark.parametrize("cls", [SimpleCBOW, SimpleSkipGram])
def test_simple_models_gradients_float64(cls):
    vocab, contexts, target = _toy_data()
    model = cls(len(vocab), 5, seed=0)
    errors = check_model(model, contexts, target)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cls", [CBOW, SkipGram])
def test_negative_sampling_models_gradients_float64(cls):
    vocab, contexts, target = _toy_data()
    counts = np.bincount([vocab[w] for w in TOY])
    model = cls(len(vocab), 4, counts, sample_size=2, seed=0)
    model.in_layer.params[0][...] = np.random.default_rng(1).standard_normal((len(vocab), 4))
    model.ns_loss.params[0][...] = np.random.default_rng(2).standard_normal((len(vocab), 4))
    n_pred = target.shape[0] * (contexts.shape[1] if cls is SkipGram else 1)
    predicted = contexts.reshape(-1) if cls is SkipGram else target
    negatives = model.ns_loss.sampler.get_negative_sample(predicted).reshape(n_pred, -1)
    if cls is SkipGram:
        negatives = negatives.reshape(target.shape[0], contexts.shape[1], -1)
    errors = check_model(model, contexts, target, negatives)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cls", [SimpleCBOW, SimpleSkipGram])
def test_simple_models_learn_the_book_toy_corpus(cls):
    vocab, contexts, target = _toy_data()
    model = cls(len(vocab), 5, seed=0)
    opt = Adam(lr=0.05)
    first = float(model.forward(contexts, target))
    for _ in range(300):
        model.forward(contexts, target)
        model.backward()
        opt.update(model.params, model.grads)
    last = float(model.forward(contexts, target))
    assert last < 0.5 * first
    assert model.word_vecs.shape == (len(vocab), 5)
    if cls is SimpleCBOW:  # "you ? goodbye" -> say, "goodbye ? i" -> and, "i ? hello" -> say
        logits = model.out_layer.forward(model.in_layer.forward(contexts).mean(axis=1))
        rows = [0, 2, 4, 5]  # (say, and) and (and, say) have the same mean: the floor is 2 ln 2 / 6
        np.testing.assert_array_equal(logits.argmax(axis=1)[rows], target[rows])
        assert last < 0.3
    assert "parameters" in repr(model)


def test_cbow_model_trains_and_saves(tmp_path):
    vocab, contexts, target = _toy_data()
    counts = np.bincount([vocab[w] for w in TOY])
    model = CBOW(len(vocab), 5, counts, sample_size=2, seed=0)
    opt = Adam(lr=0.05)
    losses = []
    for _ in range(200):
        losses.append(float(model.forward(contexts, target)))
        model.backward()
        opt.update(model.params, model.grads)
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])
    model.save(tmp_path / "cbow")
    loaded = CBOW.load(tmp_path / "cbow")
    np.testing.assert_array_equal(loaded.word_vecs, model.word_vecs)


# -- the Word2Vec stage -------------------------------------------------------------------------
def _fit(corpus, method, seed=0, **kw):
    params = dict(method=method, dim=32, epochs=5, min_count=2, batch_size=256, quiet=True, seed=seed)
    params.update(kw)
    return Word2Vec(**params).fit(corpus)


@pytest.mark.parametrize("method", ["cbow", "skipgram"])
def test_word2vec_recovers_planted_structure(planted, method):
    corpus, paths = planted
    w2v = _fit(corpus.sentences, method)
    group_of = {f: g for g, forms in enumerate(corpus.groups) for f in forms}
    hits = [group_of.get(w2v.most_similar(f, topn=1)[0][0]) == g
            for g, forms in enumerate(corpus.groups) for f in forms]
    assert np.mean(hits) >= 0.85  # words used in the same contexts are nearest neighbours
    assert w2v.wv_.evaluate_word_pairs(paths["pairs.csv"]).spearman > 0.6
    assert w2v.wv_.evaluate_word_analogies(paths["analogies.txt"]).accuracy > 0.8
    assert w2v.wv_.vectors.dtype == np.float32 and w2v.wv_.vector_size == 32
    h = w2v.history_
    assert len(h) == 5 and h["loss"].iloc[-1] < h["loss"].iloc[0]
    assert h["lr"].iloc[-1] < 0.003  # decayed linearly towards min_lr


def test_word2vec_is_reproducible_with_a_seed(planted):
    sentences = planted[0].sentences[:2000]
    a = _fit(sentences, "skipgram", seed=3, epochs=2)
    b = _fit(sentences, "skipgram", seed=3, epochs=2)
    c = _fit(sentences, "skipgram", seed=4, epochs=2)
    np.testing.assert_array_equal(a.wv_.vectors, b.wv_.vectors)
    assert not np.array_equal(a.wv_.vectors, c.wv_.vectors)


@pytest.mark.parametrize("method", ["cbow", "skipgram"])
def test_word2vec_blocks_made_ahead_in_a_thread_give_the_same_vectors(planted, monkeypatch,
                                                                      method):
    """The helper thread that makes the next block of pairs and negatives changes nothing:
    blocks are made in order, so the random stream is the same as made in line."""
    monkeypatch.setattr(word2vec_training, "_BLOCK_CENTERS", 512)  # many blocks an epoch
    sentences = planted[0].sentences[:1500]
    threaded = _fit(sentences, method, seed=5, epochs=1)
    real_ahead = word2vec_training._ahead
    monkeypatch.setattr(word2vec_training, "_ahead",
                        lambda make, keys, thread: real_ahead(make, keys, False))
    in_line = _fit(sentences, method, seed=5, epochs=1)
    np.testing.assert_array_equal(threaded.wv_.vectors, in_line.wv_.vectors)


def test_word2vec_id_corpus_with_vocab_equals_token_corpus(planted):
    sentences = planted[0].sentences[:2000]
    vocab = Vocabulary(min_count=2).fit(sentences)
    from_tokens = _fit(sentences, "cbow", epochs=1)
    from_ids = Word2Vec(method="cbow", dim=32, epochs=1, min_count=2, batch_size=256, quiet=True
                        ).fit([vocab.encode(s) for s in sentences], vocab=vocab)
    assert from_ids.wv_.index_to_key == from_tokens.wv_.index_to_key
    np.testing.assert_array_equal(from_ids.wv_.vectors, from_tokens.wv_.vectors)


def test_word2vec_save_load_transform(planted, tmp_path):
    sentences = planted[0].sentences[:2000]
    w2v = _fit(sentences, "skipgram", epochs=1, min_count=3)
    w2v.save(tmp_path / "w2v")
    loaded = Stage.load(tmp_path / "w2v")
    assert isinstance(loaded, Word2Vec) and loaded.get_params() == w2v.get_params()
    np.testing.assert_array_equal(loaded.wv_.vectors, w2v.wv_.vectors)
    word = w2v.wv_.index_to_key[0]
    assert loaded.most_similar(word, topn=3) == w2v.most_similar(word, topn=3)
    assert loaded.similarity(word, word) == pytest.approx(1.0, abs=1e-6)
    vecs = loaded.transform([sentences[0], ["없는말"], []])
    assert vecs.shape == (3, 32) and not vecs[1:].any()
    assert "method='skipgram'" in repr(loaded) and "32 dims" in repr(loaded)


def test_word2vec_bad_input_gives_clear_errors():
    ids = np.array([5, 6, 3, 5, 6, 3], dtype=np.int32)
    with pytest.raises(InputError, match="vocab"):
        Word2Vec(quiet=True).fit([ids])
    with pytest.raises(InputError, match="empty"):
        Word2Vec(quiet=True).fit([])
    with pytest.raises(InputError, match="method"):
        Word2Vec(method="glove", quiet=True).fit([["가", "나"]])
    with pytest.raises(InputError, match="dim"):
        Word2Vec(dim=0, quiet=True).fit([["가", "나"]])
    with pytest.raises(InputError, match="min_count"):
        Word2Vec(min_count=5, quiet=True).fit([["가", "나"], ["다"]])
    with pytest.raises(InputError, match="context"):
        Word2Vec(min_count=1, quiet=True).fit([["가"]])
    with pytest.raises(NotFittedError, match="fit"):
        Word2Vec().transform([["가"]])
    with pytest.raises(InputError, match=r"sentence 2: token '다 라' is empty or holds white"):
        Word2Vec(min_count=1, quiet=True).fit([["가", "나"], ["나"], ["가", "다 라"]])
    with pytest.raises(InputError, match=r"sentence 1 is a list, but sentence 0 was a token"):
        Word2Vec(min_count=1, quiet=True).fit([["가", "나"], ["나", 7]])
    assert repr(Word2Vec(method="skipgram")) == "Word2Vec(method='skipgram')"


def test_word2vec_unknown_word_is_a_key_error(planted):
    w2v = _fit(planted[0].sentences[:1000], "cbow", epochs=1)
    with pytest.raises(KeyError, match="없는말"):
        w2v.most_similar("없는말")


def test_learning_rate_decays_linearly_to_min_lr():
    w2v = Word2Vec(lr=0.025, min_lr=0.0001)
    assert w2v._lr_at(0.0) == 0.025
    assert w2v._lr_at(0.5) == pytest.approx(0.025 - 0.5 * (0.025 - 0.0001))
    assert w2v._lr_at(1.0) == pytest.approx(0.0001)


@pytest.mark.gpu
def test_word2vec_same_code_on_cupy(planted):
    corpus, paths = planted
    w2v = _fit(corpus.sentences, "skipgram", device="gpu")
    assert isinstance(w2v.wv_.vectors, np.ndarray)
    assert w2v.wv_.evaluate_word_analogies(paths["analogies.txt"]).accuracy > 0.8


def test_core_module_lists_public_names():
    assert set(word2vec_training.__all__) >= {"cbow_step", "sg_step", "window_pairs", "keep_probabilities"}


# -- the shared training loop: settings, divergence, resume ------------------------------------
@pytest.mark.parametrize("params, message", [
    ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
    ({"window": 0}, "window must be an integer >= 1, got 0"),
    ({"negative": -1}, "negative must be an integer >= 1, got -1"),
    ({"dim": -5}, "dim must be an integer >= 1"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
    ({"lr": 0.0}, "lr must be a number > 0, got 0.0"),
    ({"sample": 1.5}, r"sample must be a number in \[0, 1\)"),
    ({"max_vocab": 0}, "max_vocab must be an integer >= 1 or None"),
    ({"min_lr": 0.5}, "min_lr must be <= lr"),
])
def test_word2vec_refuses_bad_settings_before_any_work(params, message):
    with pytest.raises(InputError, match=f"^Word2Vec: {message}"):
        Word2Vec(quiet=True, **params).fit(iter([]))  # an empty corpus would fail later


def test_word2vec_divergence_is_reported_and_nothing_is_saved(planted, tmp_path):
    from hangul_dl.errors import DivergenceError

    w2v = Word2Vec(dim=16, epochs=2, min_count=2, lr=10.0, quiet=True,
                   checkpoint_dir=tmp_path / "ck")
    with pytest.raises(DivergenceError, match=r"diverged at epoch 1, step \d+: the loss .* lower "
                                              r"the learning rate"):
        w2v.fit(planted[0].sentences[:2000])
    assert not (tmp_path / "ck" / "last").exists()
    assert "wv_" not in vars(w2v)


def test_word2vec_resumes_mid_epoch_and_completes_the_plan(planted, tmp_path, monkeypatch):
    from hangul_dl.embeddings.word2vec_training import Word2VecTrainer

    sentences = planted[0].sentences[:3000]
    params = dict(dim=16, epochs=3, min_count=2, batch_size=256, quiet=True, seed=0)
    reference = Word2Vec(**params).fit(sentences)
    original, calls = Word2VecTrainer._step, {"n": 0}

    def step(self, *args):
        calls["n"] += 1
        if calls["n"] == reference.trainer_.step // 2:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(Word2VecTrainer, "_step", step)
    first = Word2Vec(checkpoint_dir=tmp_path / "ck", **params).fit(sentences)
    assert first.trainer_.interrupted and first.trainer_.epoch_step > 0
    assert (tmp_path / "ck" / "last" / "model" / "weights.npz").is_file()
    monkeypatch.setattr(Word2VecTrainer, "_step", original)
    resumed = Word2Vec(checkpoint_dir=tmp_path / "ck", **params).fit(sentences,
                                                                    resume=tmp_path / "ck")
    assert not resumed.trainer_.interrupted
    assert resumed.trainer_.step == reference.trainer_.step  # no step repeated or lost
    assert list(resumed.history_["epoch"]) == [1, 2, 3]
    assert resumed.history_["loss"].iloc[-1] < resumed.history_["loss"].iloc[0]
    assert np.isfinite(resumed.wv_.vectors).all()
    resumed.save(tmp_path / "w2v")  # a checkpoint_dir given as a Path is saved as text
    assert Stage.load(tmp_path / "w2v").get_params()["checkpoint_dir"] == str(tmp_path / "ck")
