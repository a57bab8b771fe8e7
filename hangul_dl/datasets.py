"""Data the package generates from a seed: no downloads, ever.

- :func:`spiral` — the book's chapter-1 toy classification data (three interleaved spirals).
- :func:`zipf_korean_corpus` — sentences of realistic shape for speed and scale benchmarks:
  a Zipfian vocabulary of made-up Korean stems, particles attached as in real eojeols, and
  sentence-final endings. It is not Korean prose, but its type/token statistics are.
- :func:`addition` — the book's ch.7 addition task ("16+75" -> "91").
- :func:`korean_dates` — Korean date normalization, the ch.8 task in Korean
  ("2019년 5월 1일 수요일", "19. 5. 1.", "이천십구년 오월 일일" -> "2019-05-01").
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

import numpy as np

from .backend import DEFAULT_DTYPE, as_generator
from .errors import InputError

__all__ = ["DATE_FORMATS", "addition", "korean_dates", "sino_korean", "spiral", "zipf_korean_corpus"]


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


# -- sequence tasks for seq2seq (book ch.7-8) --------------------------------------------------
def addition(n: int = 50_000, seed: int | np.random.Generator | None = 1984, max_digits: int = 3,
             unique: bool = True) -> list[tuple[str, str]]:
    """The book's addition task (ch.7): ``("16+75", "91")`` pairs, read character by character.

    Each operand has a uniformly drawn number of digits (1..``max_digits``) and then a uniform
    value with that many digits, as in the book's ``addition.txt``. With ``unique`` no question
    repeats (so a train/test split never leaks). Same seed, same pairs.
    """
    rng = as_generator(seed)
    if max_digits < 1:
        raise InputError(f"max_digits must be >= 1, got {max_digits}")
    possible = (10 ** max_digits) ** 2
    if unique and n > possible:
        raise InputError(f"only {possible} distinct questions have at most {max_digits} digits per "
                         f"operand; ask for fewer than n={n}, or pass unique=False")
    low = np.array([0] + [10 ** (d - 1) for d in range(2, max_digits + 1)])
    high = np.array([10 ** d for d in range(1, max_digits + 1)])
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()
    while len(pairs) < n:
        m = 2 * (n - len(pairs)) + 16
        digits = rng.integers(max_digits, size=(m, 2))
        values = low[digits] + (rng.random((m, 2)) * (high - low)[digits]).astype(np.int64)
        for a, b in values.tolist():
            if unique:
                if (a, b) in seen:
                    continue
                seen.add((a, b))
            pairs.append((f"{a}+{b}", str(a + b)))
            if len(pairs) == n:
                break
    return pairs


_WEEKDAYS = "월화수목금토일"
_SINO_DIGITS = ["", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]


def sino_korean(number: int) -> str:
    """Read 1..9999 in Sino-Korean numerals: 2019 -> '이천십구', 1950 -> '천구백오십'."""
    if not 0 < number < 10_000:
        raise InputError(f"sino_korean reads 1..9999, got {number}")
    text = ""
    for unit, name in ((1000, "천"), (100, "백"), (10, "십")):
        d, number = divmod(number, unit)
        if d:
            text += ("" if d == 1 else _SINO_DIGITS[d]) + name
    return text + _SINO_DIGITS[number]


def _sino_month(m: int) -> str:
    return {6: "유", 10: "시"}.get(m, sino_korean(m)) + "월"  # 유월, 시월 (not 육월, 십월)


def _date_forms(date: datetime.date) -> dict[str, str]:
    y, m, d = date.year, date.month, date.day
    w = _WEEKDAYS[date.weekday()]
    yy = f"{y % 100:02d}"
    sino = f"{sino_korean(y)}년 {_sino_month(m)} {sino_korean(d)}일"
    return {
        "ymd_korean": f"{y}년 {m}월 {d}일",
        "ymd_korean_weekday": f"{y}년 {m}월 {d}일 {w}요일",
        "ymd_korean_paren": f"{y}년 {m}월 {d}일({w})",
        "ymd_korean_padded": f"{y}년 {m:02d}월 {d:02d}일",
        "weekday_first": f"{w}요일, {y}년 {m}월 {d}일",
        "short_year_korean": f"{yy}년 {m}월 {d}일",
        "apostrophe_year": f"'{yy}년 {m}월 {d}일",
        "dots": f"{y}. {m}. {d}.",
        "dots_short": f"{yy}. {m}. {d}.",
        "dots_compact": f"{y}.{m:02d}.{d:02d}",
        "slashes": f"{y}/{m:02d}/{d:02d}",
        "slashes_short": f"{y}/{m}/{d}",
        "dashes": f"{y}-{m}-{d}",
        "digits": f"{y}{m:02d}{d:02d}",
        "md_weekday_year": f"{m}월 {d}일({w}) {y}",
        "sino_korean": sino,
        "sino_korean_weekday": f"{sino} {w}요일",
        "mixed": f"{y}년 {_sino_month(m)} {sino_korean(d)}일",
        # no year: the target is ISO 8601's yearless date --MM-DD
        "md_korean": f"{m}월 {d}일",
        "md_weekday": f"{m}월 {d}일 {w}요일",
        "md_sino": f"{_sino_month(m)} {sino_korean(d)}일",
    }


#: The written forms :func:`korean_dates` draws from, by name (example: 2019-05-01).
DATE_FORMATS = tuple(_date_forms(datetime.date(2019, 5, 1)))
_YEARLESS = ("md_korean", "md_weekday", "md_sino")


def korean_dates(n: int = 50_000, seed: int | np.random.Generator | None = 1984,
                 formats: Sequence[str] | None = None, start: str = "1950-01-01",
                 end: str = "2049-12-31") -> list[tuple[str, str]]:
    """The Korean date-normalization task (the book's ch.8 dataset, in Korean).

    Returns ``n`` pairs ``(written date, ISO date)`` for uniformly drawn dates between ``start``
    and ``end`` (inclusive), each in a uniformly drawn form of :data:`DATE_FORMATS` (or of
    ``formats``); weekdays are the real ones::

        ("2019년 5월 1일 수요일", "2019-05-01"), ("19. 5. 1.", "2019-05-01"),
        ("이천십구년 오월 일일", "2019-05-01"), ("5월 1일(수) 2019", "2019-05-01"),
        ("오월 일일", "--05-01")

    Forms without a year (``md_*``) map to ISO 8601's yearless ``--MM-DD``. Two-digit years
    ("19. 5. 1.") are unambiguous because the default range spans one century, 1950-2049.
    """
    rng = as_generator(seed)
    names = list(DATE_FORMATS if formats is None else formats)
    unknown = [f for f in names if f not in DATE_FORMATS]
    if unknown or not names:
        raise InputError(f"unknown date formats {unknown}; choose from {', '.join(DATE_FORMATS)}")
    try:
        first = datetime.date.fromisoformat(start).toordinal()
        last = datetime.date.fromisoformat(end).toordinal()
    except ValueError as exc:
        raise InputError(f"start/end must be ISO dates like 1950-01-01 ({exc})") from None
    if last < first:
        raise InputError(f"end {end} is before start {start}")
    days = rng.integers(first, last + 1, size=n)
    picks = rng.integers(len(names), size=n)
    pairs = []
    for day, pick in zip(days.tolist(), picks.tolist()):
        date = datetime.date.fromordinal(day)
        name = names[pick]
        target = date.strftime("--%m-%d") if name in _YEARLESS else date.isoformat()
        pairs.append((_date_forms(date)[name], target))
    return pairs
