"""A generated, labelled Korean review corpus of realistic shape (issue 15, item 7).

No labelled Korean corpus ships offline, so the classifiers are developed on this one. It imitates
the NSMC movie reviews (label 1 positive, 0 negative; one short review per line) in the ways that
make the task hard, so that a bag of words cannot solve it perfectly:

- polarity words in many surface forms (plain, polite, nouns such as "꿀잼"/"노잼"), with
  intensifiers ("진짜", "완전", "너무", "개", ...), typos ("재밋다", "재미업다") and slang;
- **negation** that flips a word: "안 좋다", "좋지 않다", "별로 안 재밌다", and the double
  negatives "나쁘지 않다", "지루하지 않다" (positive);
- **mixed reviews** whose last clause decides ("연기는 좋지만 스토리가 지루하다" is negative),
  **sarcasm** ("와 이걸 돈 주고 봤네 ㅋㅋ 대단하다"), expectations reversed ("기대 안 했는데
  재밌다"), and scores ("10점 만점에 3점");
- ㅋㅋ/ㅎㅎ/ㅠㅠ, emoji and punctuation on both sides; spacing errors (missing or extra spaces);
- a Zipfian tail of words seen once or twice: made-up movie titles, actor and director names,
  places, typos;
- a length distribution like short reviews: median about 12 Okt tokens, a long tail of
  rambling reviews that retell the plot;
- label noise (5% of the labels flipped by default), as in every hand-labelled corpus.

``sentiment_reviews(n, seed)`` returns ``[(label, text), ...]`` (the same list for the same
seed); :func:`write_reviews_tsv` writes them as ``label<TAB>text`` with a header, the format the
classifier's table reader takes. Build classifiers for Korean reviews in general, not for this
generator: the real test is real reviews.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..backend import as_generator
from ..errors import InputError
from ..io import atomic_open

__all__ = ["sentiment_reviews", "write_reviews_tsv"]

# -- lexicon --------------------------------------------------------------------------------
# Adjective/verb stems: stem + 다 / 네요 / 지 않다 / 지만 are all well-formed.
POSITIVE_STEMS = ("좋", "재밌", "재미있", "괜찮", "훌륭하", "볼만하", "멋지", "아름답", "따뜻하",
                  "감동적이", "신선하", "유쾌하", "탄탄하", "훈훈하", "웃기", "짜릿하")
NEGATIVE_STEMS = ("지루하", "재미없", "유치하", "뻔하", "지겹", "아깝", "어이없", "실망스럽",
                  "산만하", "억지스럽", "졸리", "짜증나", "답답하", "허무하", "식상하", "나쁘")
POSITIVE_NOUNS = ("최고", "명작", "꿀잼", "인생영화", "강추", "수작", "갓띵작", "대박", "추천",
                  "걸작", "짱")
NEGATIVE_NOUNS = ("최악", "노잼", "망작", "비추", "졸작", "쓰레기", "시간낭비", "돈낭비", "핵노잼",
                  "실망")
POSITIVE_PHRASES = ("시간 가는 줄 몰랐다", "여운이 남는다", "또 보고 싶다", "눈물이 났다",
                    "가슴이 뭉클했다", "배우들 연기에 감탄", "돈이 안 아깝다", "꼭 보세요",
                    "두 번 봤어요", "소름 돋았다")
NEGATIVE_PHRASES = ("돈 아깝다", "시간 아깝다", "중간에 나왔다", "잠만 잤다", "보다가 껐다",
                    "보지 마세요", "환불하고 싶다", "내 시간 돌려줘", "할 말이 없다", "이해가 안 된다")
# Typos and slang, as reviewers write them (word -> variants).
TYPOS = {"재밌": ("재밋", "잼있", "재밋엇"), "재미없": ("재미업", "재미읍", "잼없"),
         "지루하": ("지루허", "지리하"), "괜찮": ("괜찬", "갠찮"), "최고": ("촤고", "최공", "ㅊㄱ"),
         "최악": ("최악임", "최왁"), "노잼": ("노잼임", "ㄴㅈ"), "별로": ("벨로", "별루")}
INTENSIFIERS = ("진짜", "정말", "완전", "너무", "엄청", "개", "존잼", "레알", "겁나", "아주", "참",
                "넘", "되게", "많이")
ASPECTS = ("영화", "스토리", "연기", "배우들 연기", "내용", "결말", "음악", "OST", "영상미",
           "연출", "각본", "캐릭터", "전개", "대사", "액션", "반전", "분위기", "주인공", "마지막 장면",
           "초반", "후반", "CG", "더빙", "자막")
INTROS = ("오늘", "어제", "주말에", "친구랑", "가족이랑", "혼자", "여친이랑", "남친이랑",
          "극장에서", "넷플릭스로", "TV에서", "케이블에서", "다시", "처음", "두 번째", "아이랑",
          "부모님이랑", "명절에", "비행기에서", "심야로", "조조로", "학교에서")
SEEN = ("봤는데", "봤어요", "보고 왔는데", "보러 갔는데", "봤다", "보게 됐는데", "봄")
HEDGES = ("그냥", "근데", "암튼", "솔직히", "개인적으로", "역시", "생각보다", "솔까", "음",
          "아무튼", "확실히", "와", "하", "ㅋ", "아니")
LAUGH = ("ㅋ", "ㅎ")
CRY = ("ㅠ", "ㅜ")
POSITIVE_EMOJI = ("👍", "😍", "❤️", "🥰", "👏", "😊", "💯", "🎉")
NEGATIVE_EMOJI = ("👎", "😡", "😴", "🤮", "😤", "💩", "🙄")
BOTH_EMOJI = ("😂", "🤣", "😭", "🍿", "🎬")
PUNCT = ("!", "!!", "~", "~~", ".", "..", "...", "?", ";;", "ㄷㄷ")
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
MAX_CHARS = 140
PLOT_WORDS = ("가족", "복수", "사랑", "전쟁", "친구", "비밀", "학교", "회사", "과거", "기억",
              "우정", "배신", "경찰", "범인", "아버지", "엄마", "딸", "아들", "좀비", "외계인",
              "시간여행", "첫사랑", "이별", "재회", "살인", "음모", "꿈", "운명", "도시", "섬")
PLOT_VERBS = ("만나는", "찾으러 가는", "지키려는", "잊지 못하는", "쫓는", "숨기는", "되찾는",
              "벗어나려는", "떠나는", "기다리는")


def _has_batchim(word: str) -> bool:
    """True when the last Hangul syllable has a final consonant (받침)."""
    last = word[-1]
    return "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0


def _subject(word: str, topic: bool = False) -> str:
    """``word`` with 이/가 (or 은/는 when ``topic``) chosen by its last syllable."""
    if topic:
        return word + ("은" if _has_batchim(word) else "는")
    return word + ("이" if _has_batchim(word) else "가")


def _object(word: str) -> str:
    """``word`` with 을/를 chosen by its last syllable."""
    return word + ("을" if _has_batchim(word) else "를")


def _copula_but(noun: str) -> str:
    """noun + (이)지만."""
    return noun + ("이지만" if _has_batchim(noun) else "지만")


_B_IRREGULAR = ("아름답", "지겹", "실망스럽", "억지스럽", "아깝")


def _nominal(stem: str) -> str:
    """The -(으)ㅁ ending of review slang: 좋음, 지루함, 멋짐, 아름다움."""
    if stem in _B_IRREGULAR:  # ㅂ-irregular: 아름답 -> 아름다움
        return stem[:-1] + chr(ord(stem[-1]) - 17) + "움"
    if _has_batchim(stem):
        return stem + "음"
    return stem[:-1] + chr(ord(stem[-1]) + 16)  # add the final ㅁ: 하 -> 함


class _Generator:
    """Draws one review at a time; holds the seeded generator and the Zipfian name pools."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._buffer = np.empty(0)
        self._next = 0
        syllables = np.array(list("가나다라마바사아자차카타파하강민서준지현우진수영은호성태경예린도윤하람"))
        lengths = rng.integers(2, 5, size=3000)
        draws = rng.choice(syllables, size=(3000, 4))
        self.titles = ["".join(row[:n]) for row, n in zip(draws.tolist(), lengths.tolist())]
        surnames = rng.choice(np.array(list(SURNAMES)), size=2000)
        given = rng.choice(syllables, size=(2000, 2))
        self.names = [s + "".join(g) for s, g in zip(surnames.tolist(), given.tolist())]
        ranks = np.arange(1, 3001)
        self.title_cdf = np.cumsum(ranks ** -1.1) / (ranks ** -1.1).sum()
        self.name_cdf = np.cumsum(ranks[:2000] ** -1.0) / (ranks[:2000] ** -1.0).sum()

    # -- small draws (uniforms from the seeded generator, drawn in blocks: one call per 4096) --
    def u(self) -> float:
        """The next uniform number in [0, 1)."""
        if self._next == len(self._buffer):
            self._buffer, self._next = self.rng.random(4096).tolist(), 0
        self._next += 1
        return self._buffer[self._next - 1]

    def p(self, prob: float) -> bool:
        return self.u() < prob

    def integer(self, low: int, high: int) -> int:
        """An int in [low, high)."""
        return low + int(self.u() * (high - low))

    def geometric(self, prob: float) -> int:
        """1, 2, 3, ... with P(k) = (1 - prob)^(k-1) prob."""
        k = 1
        while not self.p(prob) and k < 50:
            k += 1
        return k

    def pick(self, items: tuple[str, ...] | list[str]) -> str:
        return items[int(self.u() * len(items))]

    def zipf(self, items: list[str], cdf: np.ndarray) -> str:
        return items[min(int(np.searchsorted(cdf, self.u())), len(items) - 1)]

    def title(self) -> str:
        return self.zipf(self.titles, self.title_cdf)

    def name(self) -> str:
        return self.zipf(self.names, self.name_cdf)

    def ending(self, stem: str) -> str:
        """stem + a sentence ending: 다, 네요, 더라, (으)ㅁ, 었다."""
        r = self.integer(0, 6)
        if r == 0:
            return _nominal(stem)
        if r == 1 and stem[-1] in "있없":
            return stem + "었다"
        return stem + ("다", "네요", "더라", "다", "다", "네요")[r]

    def typo(self, word: str) -> str:
        for key, variants in TYPOS.items():
            if key in word and self.p(0.15):
                return word.replace(key, self.pick(variants), 1)
        return word

    def intensify(self, words: list[str]) -> list[str]:
        if self.p(0.4):
            words = [self.pick(INTENSIFIERS), *words]
            if self.p(0.15):
                words = [self.pick(INTENSIFIERS), *words]
        return words

    # -- polarity clauses --------------------------------------------------------------------
    def predicate(self, positive: bool) -> list[str]:
        """A clause that says ``positive`` (True) or negative, negated or not."""
        stems, other = (POSITIVE_STEMS, NEGATIVE_STEMS) if positive else (NEGATIVE_STEMS,
                                                                           POSITIVE_STEMS)
        r = self.u()
        if r < 0.26:  # negation of the opposite word: "안 좋다" (neg), "지루하지 않다" (pos)
            stem = self.pick(other)
            form = self.integer(0, 5)
            if form < 2 and stem in ("어이없", "재미없"):
                form = 4  # "안 재미없다" is not said
            if form == 0:
                return ["안", self.ending(stem)]
            if form == 1:
                return ["별로", "안", self.ending(stem)]
            if form == 2:
                return [stem + "진", "않" + self.pick(("네요", "다", "음"))]
            if form == 3:
                return ["전혀", stem + "지", "않" + self.pick(("다", "았다", "아요"))]
            return [stem + "지", "않" + self.pick(("다", "았다", "아요", "음"))]
        if r < 0.58:
            stem = self.pick(stems)
            return self.intensify([self.typo(self.ending(stem))])
        if r < 0.84:
            noun = self.pick(POSITIVE_NOUNS if positive else NEGATIVE_NOUNS)
            return self.intensify([self.typo(noun) + self.pick(("", "", "입니다", "임", "!"))])
        return self.pick(POSITIVE_PHRASES if positive else NEGATIVE_PHRASES).split()

    def clause(self, positive: bool) -> list[str]:
        words = self.predicate(positive)
        if self.p(0.55):
            words = [_subject(self.pick(ASPECTS)), *words]
        return words

    def but_clause(self, positive: bool) -> list[str]:
        """The first half of a mixed review: "연기는 좋지만" / "스토리는 최악이지만"."""
        aspect = _subject(self.pick(ASPECTS), topic=True)
        if self.p(0.6):
            stem = self.pick(POSITIVE_STEMS if positive else NEGATIVE_STEMS)
            return [aspect, stem + self.pick(("지만", "긴 한데", "기는 한데"))]
        noun = self.pick(POSITIVE_NOUNS if positive else NEGATIVE_NOUNS)
        return [aspect, _copula_but(noun)]

    # -- whole reviews -----------------------------------------------------------------------
    def intro(self) -> list[str]:
        words = []
        if self.p(0.3):
            words.append(self.title())
        words += [self.pick(INTROS) for _ in range(self.integer(1, 3))]
        return [*words, self.pick(SEEN)]

    def plot(self) -> list[str]:
        """Retelling the plot: names and story words, the long tail of review lengths."""
        words = []
        for _ in range(self.geometric(0.5)):
            words += [_subject(self.name()), _object(self.pick(PLOT_WORDS)),
                      self.pick(PLOT_VERBS), "이야기"]
        return words

    def special(self, positive: bool) -> list[str]:
        """Sarcasm, expectations reversed and scores: polarity words that mislead."""
        r = self.u()
        if r < 0.3:
            if positive:
                return ["기대", "안", "했는데", *self.clause(True)]
            return ["평점", "보고", "기대했는데", *self.clause(False)]
        if r < 0.55:
            if positive:
                return ["별로라는", "사람들", "이해가", "안", "감", *self.predicate(True)]
            return self.pick((["와", "이걸", "돈", "주고", "봤네", "대단하다"],
                              ["참", "잘", "만들었네요", "감독님", "천재인", "듯"],
                              ["역대급이다", "역대급으로", "재미없음"],
                              [_subject(self.pick(POSITIVE_NOUNS)), "라길래", "봤는데", "속았다"],
                              ["배우들이", "불쌍하다", "연기", "좋은", "배우", "데려다가", "이게", "뭐냐"]))
        if positive:
            score = self.integer(7, 11)
        else:
            score = self.integer(0, 5)
        if not positive and self.p(0.5):
            return [f"{max(score, 1)}점도", "아깝다"]
        return self.pick((["10점", "만점에", f"{score}점"], ["평점", f"{score}점", "준다"],
                          [f"{score}점"]))

    def decorate(self, words: list[str], positive: bool) -> list[str]:
        if self.p(0.3):  # ㅋㅋ in both classes (laughing along, or laughing at)
            words.append(self.pick(LAUGH) * self.integer(2, 9))
        if self.p(0.12):  # ㅠㅠ: moved to tears, or suffering
            words.append(self.pick(CRY) * self.integer(2, 6))
        if self.p(0.12):
            pool = POSITIVE_EMOJI if positive else NEGATIVE_EMOJI
            words.append(self.pick(BOTH_EMOJI if self.p(0.35) else pool) * self.integer(1, 3))
        if self.p(0.25):
            words[-1] += self.pick(PUNCT)
        return words

    def spacing(self, words: list[str]) -> str:
        """Join with spaces, with the spacing errors of real reviews."""
        out = words[0]
        for w in words[1:]:
            out += ("" if self.p(0.1) else " ") + w  # a missing space
        if self.p(0.05) and len(out) > 3:  # an extra space inside a word
            cut = self.integer(1, len(out))
            if out[cut - 1] != " " and out[cut] != " ":
                out = out[:cut] + " " + out[cut:]
        return out

    def review(self, positive: bool) -> str:
        kind = self.u()
        words: list[str] = []
        if self.p(0.5):
            words += self.intro()
        if self.p(0.3):
            words.append(self.pick(HEDGES))
        if self.p(0.12):
            words += self.plot()
        if kind < 0.5:
            for _ in range(self.geometric(0.5)):
                words += self.clause(positive)
        elif kind < 0.64:  # mixed: the last clause decides
            words += self.but_clause(not positive) + self.clause(positive)
        elif kind < 0.8:  # "연기 좋다 근데 스토리가 별로": the same words, only the order differs
            words += [*self.clause(not positive), self.pick(("근데", "하지만", "그런데", "그치만")),
                      *self.clause(positive)]
        elif kind < 0.95:
            words += self.special(positive)
        else:  # one word (NSMC has many), or nothing but a mood
            words += self.pick((self.predicate(positive), [self.pick(LAUGH) * 4 if positive
                                                           else self.pick(CRY) * 3]))
        if self.p(0.08):  # a verdict at the end ("... 결론은 볼만함")
            words += [self.pick(("결론은", "한마디로", "암튼", "총평")), *self.predicate(positive)]
        text = self.spacing(self.decorate(words, positive))
        if len(text) > MAX_CHARS:  # a review box's limit (NSMC: 140), cut at a space
            cut = text.rfind(" ", 0, MAX_CHARS + 1)
            text = text[:cut if cut > 0 else MAX_CHARS]
        return text


def sentiment_reviews(n: int, seed: int | np.random.Generator | None = 0, label_noise: float = 0.05,
                      positive_share: float = 0.5) -> list[tuple[int, str]]:
    """``n`` generated Korean movie reviews as ``(label, text)``: 1 positive, 0 negative.

    Args:
        n: number of reviews.
        seed: seed (or generator); the same seed gives the same list.
        label_noise: share of labels flipped at random (annotation noise).
        positive_share: expected share of positive reviews (before the noise).

    See the module docstring for what the reviews contain.
    """
    if n < 0:
        raise InputError(f"n must be >= 0, got {n}")
    if not 0.0 <= label_noise < 0.5:
        raise InputError(f"label_noise must be in [0, 0.5), got {label_noise}")
    if not 0.0 <= positive_share <= 1.0:
        raise InputError(f"positive_share must be in [0, 1], got {positive_share}")
    gen = _Generator(as_generator(seed))
    reviews = []
    for _ in range(n):
        positive = gen.p(positive_share)
        text = gen.review(positive)
        label = int(positive) ^ int(gen.p(label_noise))
        reviews.append((label, text))
    return reviews


def write_reviews_tsv(path: str | os.PathLike, reviews: list[tuple[int, str]]) -> Path:
    """Write ``label<TAB>text`` lines under a ``label\\ttext`` header (UTF-8, atomic)."""
    path = Path(path)
    with atomic_open(path, "w") as f:
        f.write("label\ttext\n")
        for i, (label, text) in enumerate(reviews):
            if "\t" in text or "\n" in text or "\r" in text:
                raise InputError(f"review {i} contains a tab or a line break; a TSV row cannot "
                                 "hold it: replace it with a space first")
            f.write(f"{label}\t{text}\n")
    return path
