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
_PARTICLES = ["", "", "", "은", "는", "이", "가", "을", "를", "에", "에서", "의", "도", "로", "와", "과",
              "만"]
_ENDINGS = ["다.", "다.", "습니다.", "어요.", "었다.", "한다.", "였다.", "까?", "네요!", "죠."]


def _syllable_probabilities() -> np.ndarray:
    """P(syllable) for the 11,172 precomposed syllables as P(initial) * P(medial) * P(final).

    Rough jamo frequencies of written Korean: plain consonants and ㅏ/ㅣ/ㅡ/ㅓ/ㅗ common, tense
    consonants and complex vowels rare, 60% of syllables without a final consonant.
    """
    initial = np.array([9, 2, 6, 6, 1, 5, 4, 4, 0.5, 6, 1, 12, 7, 1, 2, 1, 1, 1, 6], float)
    medial = np.array([12, 3, 1, 0.3, 8, 2, 4, 0.5, 8, 1, 0.5, 0.5, 0.5, 7, 1, 0.3, 0.5, 0.5,
                       9, 1, 12], float)
    final = np.array([60, 6, 0.5, 0.1, 12, 0.2, 0.3, 0.5, 8, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1,
                      0.3, 4, 2, 0.2, 1, 1, 6, 0.5, 0.5, 0.1, 0.1, 0.1, 0.5], float)
    p = (initial[:, None, None] * medial[None, :, None] * final[None, None, :]).ravel()
    return p / p.sum()


def _make_stems(n_types: int, rng: np.random.Generator) -> list[str]:
    """``n_types`` distinct stems of 1-4 Hangul syllables drawn with realistic jamo frequencies."""
    syllable_p = _syllable_probabilities()
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
    cdf = np.cumsum(p / p.sum())
    particles = np.array(_PARTICLES, dtype=object)
    endings = np.array(_ENDINGS, dtype=object)
    produced = 0
    block = 100_000
    while produced < n_tokens:
        m = min(block, n_tokens - produced)
        stem_ids = np.searchsorted(cdf, rng.random(m), side="right").clip(0, vocab_size - 1)
        words = stems[stem_ids] + particles[rng.integers(len(particles), size=m)]
        lengths = np.maximum(2, rng.poisson(mean_sentence_length, size=m // 2 + 2))
        stops = np.cumsum(lengths)
        stops = np.append(stops[stops < m], m)
        # The last eojeol of each sentence becomes a predicate: stem + ending.
        words[stops - 1] = stems[stem_ids[stops - 1]] + endings[
            rng.integers(len(endings), size=len(stops))]
        start = 0
        for stop in stops.tolist():
            yield " ".join(words[start:stop])
            start = stop
        produced += m
