"""The review-shaped benchmark corpus (benchmarks/corpora.py, issue 16) has the shape it claims."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
corpora = pytest.importorskip("corpora")
SMALL = dict(n_stems=20_000, planted_groups=5, planted_group_size=4, n_pairs=100, n_analogies=20)


@pytest.fixture(scope="module")
def reviews():
    return corpora.review_corpus(60_000, seed=3, **SMALL)


def test_review_corpus_is_short_noisy_and_mostly_singletons(reviews):
    stats = corpora.corpus_stats(reviews.lines)
    assert 55_000 <= stats.tokens <= 70_000
    assert 10 <= stats.median_length <= 14  # review-length lines ...
    assert stats.max_length > 4 * stats.median_length  # ... with a long tail
    assert stats.singleton_share > 0.5  # most types are seen once
    assert 0.03 < stats.noise_share < 0.15
    assert any("ㅋㅋ" in line.split() for line in reviews.lines)


def test_review_corpus_is_seeded_and_holds_its_planted_sets(reviews):
    again = corpora.review_corpus(60_000, seed=3, **SMALL)
    assert again.lines == reviews.lines
    assert corpora.review_corpus(60_000, seed=4, **SMALL).lines != reviews.lines
    words = {t for line in reviews.lines for t in line.split()}
    a, b, c, d = next(iter(reviews.analogies.values()))[0]
    assert {a, b, c, d} <= words
    assert all(w1 in words and w2 in words for w1, w2, _ in reviews.pairs[:50])
