"""Data the package generates from a seed: no downloads, ever.

- :func:`spiral` — the book's chapter-1 toy classification data (three interleaved spirals).
- :func:`zipf_korean_corpus` — sentences of realistic shape for speed and scale benchmarks:
  a Zipfian vocabulary of made-up Korean stems, particles attached as in real eojeols, and
  sentence-final endings. It is not Korean prose, but its type/token statistics are.
- :func:`addition` — the book's ch.7 addition task ("16+75" -> "91").
- :func:`korean_dates` — Korean date normalization, the ch.8 task in Korean
  ("2019년 5월 1일 수요일", "19. 5. 1.", "이천십구년 오월 일일" -> "2019-05-01").
- :func:`planted_word2vec_corpus` — a corpus with planted word-vector structure (groups of words
  used in the same contexts, role variants with a shared offset) and its evaluation files:
  word-pair similarities and questions-words analogies (book ch.3-4, for tests and benchmarks).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .backend import DEFAULT_DTYPE, as_generator
from .errors import InputError

__all__ = ["DATE_FORMATS", "PlantedCorpus", "addition", "korean_dates", "planted_word2vec_corpus",
           "sino_korean", "spiral", "zipf_korean_corpus"]


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


@dataclass
class PlantedCorpus:
    """A generated corpus with known word-vector structure, and its evaluation sets.

    ``lines`` (space-separated sentences), ``pairs`` (``(word1, word2, score)``, score 0-10 =
    10 × the cosine of the two words' expected context distributions), ``analogies``
    (section -> ``(a, b, c, d)`` questions "a : b = c : d"), ``groups`` (the entity words of each
    group, every role form, for nearest-neighbour checks).
    """

    lines: list[str]
    pairs: list[tuple[str, str, float]]
    analogies: dict[str, list[tuple[str, str, str, str]]]
    groups: list[list[str]]

    @property
    def sentences(self) -> list[list[str]]:
        """The corpus as token lists."""
        return [line.split() for line in self.lines]

    def write(self, directory: str | os.PathLike) -> dict[str, Path]:
        """Write ``corpus.txt``, ``pairs.csv`` (``word1,word2,score`` + header) and
        ``analogies.txt`` (word2vec ``questions-words.txt`` format) atomically; return the paths."""
        from .io import write_text

        directory = Path(directory)
        paths = {name: directory / name for name in ("corpus.txt", "pairs.csv", "analogies.txt")}
        write_text(paths["corpus.txt"], "".join(f"{line}\n" for line in self.lines))
        write_text(paths["pairs.csv"], "word1,word2,score\n"
                   + "".join(f"{a},{b},{score:.3f}\n" for a, b, score in self.pairs))
        write_text(paths["analogies.txt"], "".join(
            f": {section}\n" + "".join(" ".join(q) + "\n" for q in questions)
            for section, questions in self.analogies.items()))
        return paths

    def __repr__(self) -> str:
        return (f"PlantedCorpus({len(self.lines)} sentences, {len(self.pairs)} pairs, "
                f"{sum(map(len, self.analogies.values()))} analogies)")


_ROLES = (("기본", ""), ("복수", "들"), ("높임", "님"))


def planted_word2vec_corpus(n_tokens: int = 1_000_000, n_groups: int = 20, group_size: int = 10,
                            n_roles: int = 3, n_fillers: int = 1000, n_pairs: int = 2000,
                            n_analogies: int = 300,
                            seed: int | np.random.Generator | None = 0) -> PlantedCorpus:
    """Sentences whose word-vector structure is known, for testing and comparing word2vec.

    There are ``n_groups × group_size`` entities (made-up Korean stems); each has ``n_roles``
    forms: the stem, stem+"들", stem+"님". A sentence holds one entity form with two words of its
    group's context pool, one word of its role's pool, the entity's private word and a few
    Zipfian filler words, shuffled (about 9 tokens); each entity draws its group words with its
    own Dirichlet weights, so similarities within a group vary. So the forms of one group share contexts
    (nearest neighbours), and every entity's role forms differ by the same role contexts (the
    analogy ``A : A들 = B : B들``). Same seed, same corpus.
    """
    if n_roles < 2 or n_roles > len(_ROLES) or n_groups < 2 or group_size < 2:
        raise InputError(f"need 2 <= n_roles <= {len(_ROLES)}, n_groups >= 2 and group_size >= 2")
    rng = as_generator(seed)
    E, G, R = n_groups * group_size, 6, 4  # entities, group pool size, role pool size
    n_other = n_groups * G + n_roles * R + E + n_fillers
    while True:  # stems whose role forms collide with another word are redrawn (rare)
        stems = _make_stems(E + n_other, rng)
        forms = [[stems[e] + _ROLES[r][1] for r in range(n_roles)] for e in range(E)]
        others = stems[E:]
        if len({*others, *(f for fs in forms for f in fs)}) == n_other + E * n_roles:
            break
    group_pool = np.array(others[:n_groups * G], dtype=object).reshape(n_groups, G)
    role_pool = np.array(others[n_groups * G:][:n_roles * R], dtype=object).reshape(n_roles, R)
    private = others[n_groups * G + n_roles * R:][:E]
    fillers = np.array(others[-n_fillers:], dtype=object)
    filler_p = 1.0 / np.arange(1, n_fillers + 1) ** 1.1
    filler_p /= filler_p.sum()
    mean_fill = 4.0
    group_p = rng.dirichlet(np.full(G, 2.0), size=E)  # each entity's taste over its group's pool
    group_cdf = np.cumsum(group_p, axis=1)

    lines: list[str] = []
    produced = 0
    while produced < n_tokens:
        m = max(1, (n_tokens - produced) // 9 + 1)
        ent, role = rng.integers(E, size=m), rng.integers(n_roles, size=m)
        gctx = (rng.random((m, 2, 1)) > group_cdf[ent][:, None, :]).sum(axis=2).clip(0, G - 1)
        rctx = rng.integers(R, size=m)
        n_fill = rng.poisson(mean_fill, size=m)
        fill = rng.choice(n_fillers, size=int(n_fill.sum()), p=filler_p)
        keys = rng.random(int(n_fill.sum()) + 5 * m)
        pos_f = pos_k = 0
        for i in range(m):
            e, r, k = int(ent[i]), int(role[i]), int(n_fill[i])
            words = [forms[e][r], *group_pool[e // group_size, gctx[i]], role_pool[r, rctx[i]],
                     private[e], *fillers[fill[pos_f:pos_f + k]]]
            order = np.argsort(keys[pos_k:pos_k + len(words)])
            pos_f, pos_k = pos_f + k, pos_k + len(words)
            lines.append(" ".join(words[j] for j in order.tolist()))
            produced += len(words)
            if produced >= n_tokens:
                break

    # Expected context distribution of each form: group pool 2 tokens, role 1, private 1, fillers.
    def context(e: int, r: int) -> dict[str, float]:
        ctx = dict(zip(group_pool[e // group_size].tolist(), (2.0 * group_p[e]).tolist()))
        ctx.update({w: 1.0 / R for w in role_pool[r]})
        ctx[private[e]] = 1.0
        ctx.update(zip(fillers.tolist(), (mean_fill * filler_p).tolist()))
        return ctx

    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        dot = sum(v * b.get(k, 0.0) for k, v in a.items())
        return dot / np.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))

    contexts = {(e, r): context(e, r) for e in range(E) for r in range(n_roles)}
    pairs, seen = [], set()
    kinds = ("same entity", "same group and role", "same group", "other group")
    for i in range(n_pairs * 20):
        if len(pairs) >= n_pairs:
            break
        kind = kinds[i % 4]
        e1, r1 = int(rng.integers(E)), int(rng.integers(n_roles))
        g = e1 // group_size
        in_group = g * group_size + int(rng.integers(group_size))
        e2, r2 = {"same entity": (e1, int(rng.integers(n_roles))),
                  "same group and role": (in_group, r1),
                  "same group": (in_group, int(rng.integers(n_roles))),
                  "other group": (int(rng.integers(E)), int(rng.integers(n_roles)))}[kind]
        key = tuple(sorted([(e1, r1), (e2, r2)]))
        if (e1, r1) == (e2, r2) or key in seen:
            continue
        seen.add(key)
        pairs.append((forms[e1][r1], forms[e2][r2],
                      round(float(10.0 * cosine(contexts[(e1, r1)], contexts[(e2, r2)])), 3)))

    analogies: dict[str, list[tuple[str, str, str, str]]] = {}
    for r1 in range(n_roles):
        for r2 in range(n_roles):
            if r1 == r2:
                continue
            section = f"{_ROLES[r1][0]}-{_ROLES[r2][0]}"
            e1s = rng.integers(E, size=n_analogies)
            e2s = (e1s + rng.integers(1, E, size=n_analogies)) % E
            analogies[section] = [(forms[a][r1], forms[a][r2], forms[b][r1], forms[b][r2])
                                  for a, b in zip(e1s.tolist(), e2s.tolist())]
    groups = [[f for e in range(g * group_size, (g + 1) * group_size) for f in forms[e]]
              for g in range(n_groups)]
    return PlantedCorpus(lines, pairs, analogies, groups)
