"""Benchmark corpora of two shapes: long clean sentences and short noisy reviews (issue 16).

Real Korean text is short and noisy (movie reviews: ~12-15 Okt tokens a line, most types seen
once, ㅋㅋ/ㅠㅠ/emoji/punctuation runs), and the shape of the data decides what a trainer spends
its time on. Every speed benchmark runs on both shapes:

- ``zipf``: :func:`hangul_dl.datasets.zipf_korean_corpus` (30k stems, seed 0), the corpus the
  benchmarks used before: clean Poisson(12) sentences that all end in a predicate, Zipfian stems
  with particles, few singletons;
- ``reviews``: :func:`review_corpus` — review-shaped lines: lengths log-normal (median ~12
  tokens, long tail to ~150), a Zipfian vocabulary of made-up stems with particles plus one-off
  typos so that most types occur once, noise tokens (ㅋㅋ, ㅠㅠ, ㅎㅎ, emoji, "!!", "...",
  scores such as "10점"), and the planted word-similarity / analogy structure of
  :func:`hangul_dl.datasets.planted_word2vec_corpus` as a clause inside about half of the
  lines, so the same corpus scores quality.

Everything is seeded: the same arguments give the same text.

    python benchmarks/corpora.py --tokens 1000000 --out /tmp/reviews   # writes corpus.txt etc.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from hangul_dl.datasets import PlantedCorpus, _make_stems, planted_word2vec_corpus, zipf_korean_corpus

__all__ = ["SHAPES", "corpus_lines", "corpus_stats", "review_corpus", "zipf_corpus"]

SHAPES = ("zipf", "reviews")
NOISE = ("ㅋㅋ", "ㅋㅋㅋ", "ㅋㅋㅋㅋㅋ", "ㅠㅠ", "ㅠㅠㅠ", "ㅜㅜ", "ㅎㅎ", "ㅎㅎㅎ", "ㄷㄷ", "ㅡㅡ",
         "!!", "!!!", "...", "..", "?", "?!", "~~", "^^", ";;", "ㅋ", "😂", "👍", "❤️", "🔥",
         "😭", "10점", "1점", "5점", "ㄹㅇ", "ㅇㅇ")
_PARTICLES = ["", "", "", "", "은", "는", "이", "가", "을", "를", "에", "도", "만", "이다", "임"]


def zipf_corpus(n_tokens: int, seed: int = 0) -> list[str]:
    """Today's benchmark corpus: :func:`zipf_korean_corpus` with 30k stems."""
    return list(zipf_korean_corpus(n_tokens=n_tokens, vocab_size=30_000, seed=seed))


def review_corpus(n_tokens: int, seed: int = 0, median_length: float = 12.0,
                  sigma: float = 0.75, n_stems: int = 200_000, typo_rate: float = 0.03,
                  noise_rate: float = 0.12, planted_groups: int = 20,
                  planted_group_size: int = 10, n_pairs: int = 2000,
                  n_analogies: int = 300) -> PlantedCorpus:
    """About ``n_tokens`` tokens of review-shaped lines with planted evaluation sets.

    A line's length is log-normal (``median_length``, ``sigma``; at least 1). A line of 7 or
    more tokens takes the next line of a planted corpus (one entity form, its group/role/private
    context words and fillers, ~9 tokens) and tops it up to its length; other lines and the
    top-ups are background tokens: a noise token with probability ``noise_rate``, a one-off
    typo (a fresh made-up stem) with probability ``typo_rate``, otherwise a Zipf(1.1) stem of
    ``n_stems`` with a particle; the planted clause sits whole at a random place among them (as a
review's clause about the film sits among chatter). Returns a
    :class:`~hangul_dl.datasets.PlantedCorpus` (``lines``, ``pairs``, ``analogies``, ``groups``).
    """
    rng = np.random.default_rng([seed, 16])
    lengths: list[int] = []
    total = 0
    while total < n_tokens:
        block = np.maximum(1, np.rint(rng.lognormal(np.log(median_length), sigma, 50_000)))
        block = np.minimum(block, 150).astype(int)
        for n in block.tolist():
            lengths.append(n)
            total += n
            if total >= n_tokens:
                break
    lengths_arr = np.array(lengths)
    n_planted_lines = int((lengths_arr >= 7).sum())
    planted = planted_word2vec_corpus(n_tokens=9 * n_planted_lines + 9, n_groups=planted_groups,
                                      group_size=planted_group_size, n_pairs=n_pairs,
                                      n_analogies=n_analogies, seed=seed)
    n_background = int(n_tokens) + 9 * len(lengths)  # an upper bound on the tokens to draw
    stems = np.array(_make_stems(n_stems, rng), dtype=object)
    zipf_p = 1.0 / np.arange(1, n_stems + 1) ** 1.1
    cdf = np.cumsum(zipf_p / zipf_p.sum())
    words = stems[np.searchsorted(cdf, rng.random(n_background), side="right").clip(0, n_stems - 1)]
    particles = np.array(_PARTICLES, dtype=object)
    words = words + particles[rng.integers(len(particles), size=n_background)]
    kind = rng.random(n_background)
    noise = kind < noise_rate
    words[noise] = np.array(NOISE, dtype=object)[rng.integers(len(NOISE), size=int(noise.sum()))]
    typo = (kind >= noise_rate) & (kind < noise_rate + typo_rate)
    typos = _make_stems(int(typo.sum()) + n_stems, rng)[n_stems:]  # fresh: never a Zipf stem
    words[typo] = np.array(typos, dtype=object)[:int(typo.sum())] + "ㅋ"
    lines: list[str] = []
    pos, k = 0, 0
    planted_lines = planted.lines
    for n in lengths:
        planted_tokens = planted_lines[k].split() if n >= 7 and k < len(planted_lines) else []
        k += bool(planted_tokens)
        need = max(0, n - len(planted_tokens))
        background = words[pos:pos + need].tolist()
        pos += need
        cut = int(rng.integers(need + 1))  # the planted clause sits whole among the background
        lines.append(" ".join(background[:cut] + planted_tokens + background[cut:]))
    return PlantedCorpus(lines, planted.pairs, planted.analogies, planted.groups)


def corpus_lines(shape: str, n_tokens: int, seed: int = 0) -> list[str]:
    """The lines of the ``shape`` corpus ("zipf" or "reviews") of about ``n_tokens`` tokens."""
    if shape == "zipf":
        return zipf_corpus(n_tokens, seed)
    if shape == "reviews":
        return review_corpus(n_tokens, seed).lines
    raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")


@dataclass
class CorpusStats:
    tokens: int
    lines: int
    median_length: float
    p90_length: float
    max_length: int
    types: int
    singleton_share: float
    noise_share: float

    def __str__(self) -> str:
        return (f"{self.tokens:,} tokens, {self.lines:,} lines (length median "
                f"{self.median_length:.0f}, p90 {self.p90_length:.0f}, max {self.max_length}), "
                f"{self.types:,} types ({100 * self.singleton_share:.0f}% seen once), "
                f"{100 * self.noise_share:.1f}% noise tokens")


def corpus_stats(lines: list[str]) -> CorpusStats:
    """Length distribution, type count, share of singleton types and of noise tokens."""
    lengths = np.array([len(line.split()) for line in lines])
    counts = Counter(t for line in lines for t in line.split())
    noise = set(NOISE)
    n_noise = sum(c for t, c in counts.items() if t in noise)
    return CorpusStats(int(lengths.sum()), len(lines), float(np.median(lengths)),
                       float(np.percentile(lengths, 90)), int(lengths.max()), len(counts),
                       sum(c == 1 for c in counts.values()) / max(1, len(counts)),
                       n_noise / max(1, int(lengths.sum())))


def iter_shapes(shapes: list[str], n_tokens: int, seed: int = 0) -> Iterator[tuple[str, list[str]]]:
    for shape in shapes:
        yield shape, corpus_lines(shape, n_tokens, seed)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tokens", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="write corpus.txt, pairs.csv, analogies.txt here")
    args = p.parse_args(argv)
    for shape in SHAPES:
        print(f"{shape:7s}: {corpus_stats(corpus_lines(shape, args.tokens, args.seed))}")
    if args.out:
        print(review_corpus(args.tokens, args.seed).write(args.out))


if __name__ == "__main__":
    main()
