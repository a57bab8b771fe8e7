import itertools

import numpy as np

from hangul_dl.datasets import spiral, zipf_korean_corpus


def test_spiral_shapes_and_seed():
    x, t = spiral(n_per_class=50, n_classes=4, seed=1)
    assert x.shape == (200, 2) and t.shape == (200, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(t.sum(axis=0), [50] * 4)
    np.testing.assert_array_equal(x, spiral(n_per_class=50, n_classes=4, seed=1)[0])
    assert not np.array_equal(x, spiral(n_per_class=50, n_classes=4, seed=2)[0])


def test_zipf_corpus_shape_and_determinism():
    sentences = list(zipf_korean_corpus(n_tokens=20_000, vocab_size=2_000, seed=3))
    assert sentences == list(zipf_korean_corpus(n_tokens=20_000, vocab_size=2_000, seed=3))
    words = [w for s in sentences for w in s.split()]
    assert len(words) == 20_000
    assert all("\uac00" <= ch <= "\ud7a3" or ch in ".?!" for w in words for ch in w)
    assert sentences[0][-1] in ".?!"
    counts = np.sort(np.unique([w for w in words], return_counts=True)[1])[::-1]
    assert counts[0] > 20 * counts[len(counts) // 2]  # heavy head, long tail


def test_zipf_corpus_streams_lazily():
    first = list(itertools.islice(zipf_korean_corpus(n_tokens=10**9, seed=0), 3))
    assert len(first) == 3
