import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hangul_dl.errors import InputError, ShapeError
from hangul_dl.nn.gradcheck import check_layer
from hangul_dl.nn.sampling import EmbeddingDot, NegativeSamplingLoss, UnigramSampler, alias_table

COUNTS = np.array([0, 0, 0, 50, 400, 120, 30, 7, 1, 900, 60, 3], dtype=np.int64)  # 4 "specials"


def test_alias_table_reproduces_distribution_exactly():
    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    prob, alias = alias_table(p)
    V = len(p)
    recovered = prob / V
    for i in range(V):
        recovered[alias[i]] += (1 - prob[i]) / V
    np.testing.assert_allclose(recovered, p, atol=1e-12)


def test_sampler_matches_unigram_power_by_chi_square():
    sampler = UnigramSampler(COUNTS, power=0.75, sample_size=5, seed=0)
    expected = np.where(COUNTS > 0, COUNTS ** 0.75, 0)
    expected = expected / expected.sum()
    np.testing.assert_allclose(sampler.word_p, expected)
    draws = sampler.sample(200_000)
    assert draws.dtype == np.int32
    observed = np.bincount(draws, minlength=len(COUNTS))
    assert observed[:3].sum() == 0  # count-0 words are never drawn
    nz = expected > 0
    chi = stats.chisquare(observed[nz], expected[nz] * draws.size)
    assert chi.pvalue > 1e-3


def test_negatives_never_equal_target_and_follow_conditional_distribution():
    sampler = UnigramSampler(COUNTS, sample_size=5, seed=1)
    target = np.full(40_000, 9, dtype=np.int32)  # the most frequent word: many collisions to redraw
    neg = sampler.get_negative_sample(target)
    assert neg.shape == (40_000, 5) and neg.dtype == np.int32
    assert not (neg == 9).any()
    p = sampler.word_p.copy()
    p[9] = 0
    p /= p.sum()
    observed = np.bincount(neg.ravel(), minlength=len(COUNTS))
    nz = p > 0
    assert stats.chisquare(observed[nz], p[nz] * neg.size).pvalue > 1e-3


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(3, 11), min_size=1, max_size=50), st.integers(0, 2**31))
def test_negatives_never_equal_any_target(targets, seed):
    sampler = UnigramSampler(COUNTS, sample_size=4, seed=seed)
    t = np.array(targets, dtype=np.int32)
    neg = sampler.get_negative_sample(t)
    assert neg.shape == (len(t), 4)
    assert not (neg == t[:, None]).any()
    assert (COUNTS[neg] > 0).all()


def test_sampler_seeded():
    a = UnigramSampler(COUNTS, seed=5).get_negative_sample(np.arange(3, 12))
    b = UnigramSampler(COUNTS, seed=5).get_negative_sample(np.arange(3, 12))
    np.testing.assert_array_equal(a, b)


def test_from_corpus_counts_ids():
    corpus = np.array([1, 2, 2, 3, 3, 3])
    sampler = UnigramSampler.from_corpus(corpus, vocab_size=5, power=1.0)
    np.testing.assert_allclose(sampler.word_p, [0, 1 / 6, 2 / 6, 3 / 6, 0])
    assert "vocab_size=5" in repr(sampler)


@pytest.mark.parametrize("counts, match", [
    (np.array([0, 5, 0]), "at least 2 words"),
    (np.array([-1, 5, 3]), "non-negative"),
    (np.zeros((2, 2)), "1-D"),
])
def test_sampler_bad_counts(counts, match):
    with pytest.raises((InputError, ShapeError), match=match):
        UnigramSampler(counts)


def test_embedding_dot_gradients_float64():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((7, 4))
    h = rng.standard_normal((3, 4))
    for idx in (np.array([1, 6, 1]), np.array([[1, 2], [6, 6], [0, 1]])):
        errors = check_layer(EmbeddingDot(W.copy()), h, idx)
        assert max(errors.values()) < 1e-6, errors


def test_embedding_dot_values_and_shape_error():
    W = np.arange(12, dtype=np.float32).reshape(4, 3)
    h = np.ones((2, 3), dtype=np.float32)
    layer = EmbeddingDot(W)
    np.testing.assert_allclose(layer.forward(h, np.array([0, 3])), [3, 30])
    with pytest.raises(ShapeError, match="idx"):
        layer.forward(h, np.array([0, 1, 2]))


def test_negative_sampling_loss_gradients_float64():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((len(COUNTS), 5)) * 0.5
    h = rng.standard_normal((4, 5))
    layer = NegativeSamplingLoss(W, COUNTS, sample_size=3, seed=0)
    target = np.array([4, 9, 5, 9])
    negatives = layer.sampler.get_negative_sample(target)
    errors = check_layer(layer, h, target, negatives)
    assert set(errors) == {"W", "input0"}
    assert max(errors.values()) < 1e-6, errors


def test_negative_sampling_loss_value_matches_book_definition():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((len(COUNTS), 3))
    h = rng.standard_normal((2, 3))
    target = np.array([4, 5])
    neg = np.array([[9, 3], [10, 9]])
    layer = NegativeSamplingLoss(W, COUNTS, sample_size=2)
    loss = layer.forward(h, target, neg)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    expected = 0.0
    for n in range(2):
        expected -= np.log(sig(W[target[n]] @ h[n]))
        expected -= sum(np.log(sig(-W[k] @ h[n])) for k in neg[n])
    assert loss == pytest.approx(expected / 2)
    assert layer.params[0] is W and len(layer.params) == 1
    assert "sample_size=2" in repr(layer)


def test_negative_sampling_loss_draws_own_negatives():
    W = np.zeros((len(COUNTS), 3), dtype=np.float32)
    layer = NegativeSamplingLoss(W, COUNTS, sample_size=5, seed=0)
    loss = layer.forward(np.ones((6, 3), dtype=np.float32), np.arange(4, 10))
    assert loss == pytest.approx(6 * np.log(2), rel=1e-5)  # all scores 0
    dh = layer.backward()
    assert dh.shape == (6, 3) and dh.dtype == np.float32
