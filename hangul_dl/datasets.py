"""Data the package generates from a seed: no downloads, ever.

- :func:`spiral` — the book's chapter-1 toy classification data (three interleaved spirals).
- :func:`zipf_korean_corpus` — sentences of realistic shape for speed and scale benchmarks:
  a Zipfian vocabulary of made-up Korean stems, particles attached as in real eojeols, and
  sentence-final endings. It is not Korean prose, but its type/token statistics are.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .backend import DEFAULT_DTYPE, as_generator

__all__ = ["spiral", "zipf_korean_corpus"]


def spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
           seed: int | np.random.Generator | None = 1984, dtype=DEFAULT_DTYPE
           ) -> tuple[np.ndarray, np.ndarray]:
    """Points on ``n_classes`` interleaved 2-D spirals (book ch.1, ``dataset/spiral.py``).

    Returns ``x`` of shape (n_per_class * n_classes, 2) and one-hot ``t`` of shape
    (n_per_class * n_classes, n_classes). The same seed gives the same data.
    """
    rng = as_generator(seed)
    n = n_per_class * n_classes
    x = np.zeros((n, 2), dtype=dtype)
    t = np.zeros((n, n_classes), dtype=np.int32)
    for j in range(n_classes):
        rate = np.arange(n_per_class) / n_per_class
        radius = 1.0 * rate
        theta = j * 4.0 + 4.0 * rate + rng.standard_normal(n_per_class) * noise
        rows = slice(j * n_per_class, (j + 1) * n_per_class)
        x[rows, 0] = radius * np.sin(theta)
        x[rows, 1] = radius * np.cos(theta)
        t[rows, j] = 1
    return x, t


_HANGUL_BASE = 0xAC00
_PARTICLES = ["", "", "", "은", "는", "이", "가", "을", "를", "에", "에서", "의", "도", "로", "와", "과", "만"]
_ENDINGS = ["다.", "다.", "습니다.", "어요.", "었다.", "한다.", "였다.", "까?", "네요!", "죠."]


def _make_stems(n_types: int, rng: np.random.Generator) -> list[str]:
    """``n_types`` distinct stems of 1-4 Hangul syllables (common syllables more likely)."""
    # A skewed syllable distribution: like real Korean, a few hundred syllables do most work.
    syllable_p = 1.0 / np.arange(1, 11173) ** 0.9
    syllable_p = rng.permutation(syllable_p)
    syllable_p /= syllable_p.sum()
    stems: list[str] = []
    seen: set[str] = set()
    while len(stems) < n_types:
        need = (n_types - len(stems)) * 2
        lengths = rng.choice([1, 2, 2, 2, 3, 3, 4], size=need)
        codes = rng.choice(11172, size=int(lengths.sum()), p=syllable_p) + _HANGUL_BASE
        pos = 0
        for length in lengths:
            stem = "".join(map(chr, codes[pos:pos + length]))
            pos += length
            if stem not in seen:
                seen.add(stem)
                stems.append(stem)
                if len(stems) == n_types:
                    break
    return stems


def zipf_korean_corpus(n_tokens: int = 1_000_000, vocab_size: int = 30_000,
                       exponent: float = 1.05, mean_sentence_length: int = 12,
                       seed: int | np.random.Generator | None = 0) -> Iterator[str]:
    """Yield Korean-looking sentences (one per item) with about ``n_tokens`` eojeols in all.

    Stems follow a Zipf law with ``exponent`` over ``vocab_size`` types; about 70% of eojeols
    carry a particle, and every sentence ends with a verb-like ending and punctuation. The stream
    is generated lazily in blocks, so millions of tokens need little memory. Same seed, same text.
    """
    rng = as_generator(seed)
    stems = np.array(_make_stems(vocab_size, rng), dtype=object)
    p = 1.0 / np.arange(1, vocab_size + 1) ** exponent
    p /= p.sum()
    particles = np.array(_PARTICLES, dtype=object)
    endings = np.array(_ENDINGS, dtype=object)
    produced = 0
    block = 100_000
    while produced < n_tokens:
        m = min(block, n_tokens - produced)
        words = stems[rng.choice(vocab_size, size=m, p=p)] + particles[
            rng.integers(len(particles), size=m)]
        lengths = np.maximum(2, rng.poisson(mean_sentence_length, size=m // 2 + 2))
        bounds = np.cumsum(lengths)
        bounds = bounds[bounds < m]
        start = 0
        for stop in [*bounds.tolist(), m]:
            if stop <= start:
                continue
            sentence = list(words[start:stop])
            sentence[-1] = stems[rng.choice(vocab_size, p=p)] + endings[rng.integers(len(endings))]
            yield " ".join(sentence)
            start = stop
        produced += m
