"""Write the small corpora that README.ko.md's examples use into ``corpora/`` (seeded, no downloads).

    python scripts/make_corpora.py              # rewrite corpora/ (the committed files)
    python scripts/make_corpora.py --check      # exit 1 if a committed file differs
    python scripts/make_corpora.py --law law.txt  # the embedded kolaw+kobill sentences, one a line

Everything here is written by us: the reviews are generated from our own phrase lists (no
third-party text), the word-pair and analogy files are our own judgements, and the date files
come from :func:`hangul_dl.datasets.korean_dates`. ``--law`` copies text that ships inside
KoNLPy (the Constitution and National Assembly bills) and is therefore not committed.

The reviews imitate short, noisy Korean user reviews: about 15 Okt tokens a line, spacing
errors (missing and extra spaces), ㅋㅋ/ㅠㅠ of varying length, emoji, English and numbers,
and a Zipfian vocabulary whose long tail is mostly singletons (made-up titles, names, prices).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"

# ---------------------------------------------------------------------------------------------
# reviews

FIRST_LINE = "아버지가방에들어가신다 ㅋㅋㅋㅋ 😀"  # the classic spacing puzzle opens the file

TOPICS = {
    "movie": {
        "nouns": ["영화", "배우", "연기", "스토리", "결말", "감독", "주인공", "영상미", "OST", "액션",
                  "반전", "대사", "캐릭터", "전개", "장면", "후속편", "원작", "CG", "음악", "분위기"],
        "pos": ["진짜 재밌어요", "최고였다", "강추합니다", "완전 감동", "또 보고 싶다", "시간 가는 줄 몰랐다",
                "인생 영화 등극", "눈물 났어요", "연기가 미쳤다", "몰입감 대박", "볼만해요", "기대 이상"],
        "neg": ["노잼", "시간 아깝다", "별로였음", "실망했어요", "돈 아까움", "최악", "지루했다",
                "보다가 잤음", "억지 감동", "이해가 안 됨", "기대 이하", "중간에 나왔어요"],
        "places": ["극장에서", "넷플릭스로", "조조로", "혼자", "친구랑", "가족이랑", "애들이랑", "심야에"],
    },
    "food": {
        "nouns": ["맛", "양", "가격", "배달", "포장", "사장님", "국물", "면", "고기", "김치", "반찬",
                  "서비스", "매장", "직원분", "소스", "튀김", "떡볶이", "치킨", "짬뽕", "커피"],
        "pos": ["맛있어요", "존맛", "또 시킬게요", "친절하셨어요", "양 많아요", "가성비 최고",
                "배달 빨라요", "재주문 각", "따뜻하게 왔어요", "단골 될 듯", "깔끔해요", "만족합니다"],
        "neg": ["너무 짜요", "식어서 왔어요", "양이 적어요", "비싸요", "불친절", "다신 안 시킴",
                "머리카락 나옴", "한 시간 걸림", "눅눅해요", "맛없음", "실망이에요", "별로예요"],
        "places": ["점심에", "야식으로", "회사에서", "집에서", "주말에", "비 오는 날", "퇴근하고", "새벽에"],
    },
    "shop": {
        "nouns": ["배송", "포장", "품질", "색상", "사이즈", "가격", "재질", "디자인", "마감", "박스",
                  "충전기", "케이스", "설명서", "소리", "화면", "배터리", "냄새", "상품", "옵션", "교환"],
        "pos": ["좋아요", "마음에 들어요", "튼튼해요", "예뻐요", "빠른 배송 감사", "잘 맞아요",
                "가격 대비 훌륭", "재구매 의사 있음", "선물용으로 딱", "생각보다 괜찮아요", "만족", "굿굿"],
        "neg": ["불량이에요", "작아요", "색이 달라요", "냄새 심함", "반품했어요", "배송 느림",
                "금방 고장남", "사진이랑 다름", "싸구려 느낌", "교환 요청함", "별로", "비추"],
        "places": ["어제", "일주일 만에", "이틀 만에", "주문하고", "받자마자", "한 달 써보니", "쓰다 보니",
                   "오늘"],
    },
}
# (after a final consonant, after a vowel): 이/가, 은/는, 을/를 follow the noun's last syllable
PARTICLES = [("", ""), ("", ""), ("", ""), ("이", "가"), ("은", "는"), ("도", "도"), ("을", "를"),
             ("만", "만"), ("이랑", "랑"), ("까지", "까지"), ("부터", "부터")]
OPENERS = ["솔직히", "진심", "아니", "근데", "ㄹㅇ", "와", "음", "헐", "그냥", "역시", "처음엔", "결론은"]
CONNECTORS = ["근데", "그리고", "그래도", "하지만", "게다가", "그래서", "암튼", "어쨌든"]
INTENSIFIERS = ["너무", "진짜", "완전", "정말", "개", "존나", "좀", "약간", "엄청", "꽤"]
LAUGH = ["ㅋ", "ㅎ"]
CRY = ["ㅠ", "ㅜ"]
EMOJI = ["😀", "😂", "👍", "😭", "🔥", "❤️", "💯", "🙄", "😍", "🤔", "👎", "✨"]
PUNCT = ["!", "!!", "!!!", "?", "...", "..", "~", "~~", ".", "ㅡㅡ", "^^"]
SYLLABLES = list("가나다라마바사아자차카타파하고노도로모보소오조호구누두루무부수우주후"
                 "강민서윤지현준영수진하은경태성희정재석연우빈혜원")
SURNAMES = list("김이박최정강조윤장임한오서신권황안송류홍")


def _pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _zipf_pick(rng: np.random.Generator, items: Sequence[str], a: float = 1.3) -> str:
    """A rank-Zipfian choice: the first items are common, the last rare."""
    weights = 1.0 / np.arange(1, len(items) + 1) ** a
    return items[int(rng.choice(len(items), p=weights / weights.sum()))]


def _with_particle(rng: np.random.Generator, noun: str) -> str:
    after_consonant, after_vowel = PARTICLES[int(rng.integers(len(PARTICLES)))]
    last = ord(noun[-1]) - 0xAC00
    return noun + (after_consonant if 0 <= last < 11172 and last % 28 else after_vowel)


def _rare_word(rng: np.random.Generator) -> str:
    """A long-tail token: a made-up title, name, price, count or English word (mostly unique)."""
    kind = int(rng.integers(7))
    if kind == 0:
        return "<" + "".join(_pick(rng, SYLLABLES) for _ in range(int(rng.integers(2, 5)))) + ">"
    if kind == 1:
        name = _pick(rng, SURNAMES) + "".join(_pick(rng, SYLLABLES) for _ in range(2))
        return name + _pick(rng, ["", "님", "씨"])
    if kind == 2:
        return f"{int(rng.integers(3, 60)) * 500:,}원"
    if kind == 3:
        return f"{int(rng.integers(1, 11))}점"
    if kind == 4:
        return f"{int(rng.integers(2, 30))}{_pick(rng, ['번째', '분', '시간', '일', '개', '번'])}"
    if kind == 5:
        return _pick(rng, ["OK", "good", "best", "worst", "lol", "wow", "TMI", "JMT", "ASMR", "4K"])
    return "#" + "".join(_pick(rng, SYLLABLES) for _ in range(int(rng.integers(2, 4))))


def _repeat(rng: np.random.Generator, symbols: Sequence[str]) -> str:
    return _pick(rng, symbols) * int(rng.geometric(0.35) + 1)


def _spacing_noise(rng: np.random.Generator, text: str) -> str:
    """Drop about one space in six and split about one word in twenty-five (spacing errors)."""
    words = text.split(" ")
    out = [words[0]]
    for word in words[1:]:
        if rng.random() < 0.17 and not out[-1].startswith(("ㅋ", "ㅎ", "ㅠ", "ㅜ")):
            out[-1] += word
        else:
            out.append(word)
    for i, word in enumerate(out):
        if len(word) >= 3 and rng.random() < 0.04:
            cut = int(rng.integers(1, len(word)))
            out[i] = word[:cut] + " " + word[cut:]
    return " ".join(out)


def review(rng: np.random.Generator) -> tuple[str, int]:
    """One noisy review and its label (1 positive, 0 negative)."""
    topic = TOPICS[_pick(rng, list(TOPICS))]
    label = int(rng.random() < 0.55)
    verdicts = topic["pos"] if label else topic["neg"]
    parts: list[str] = []
    if rng.random() < 0.4:
        parts.append(_pick(rng, OPENERS))
    for clause in range(int(rng.integers(1, 4))):
        if clause:
            parts.append(_pick(rng, CONNECTORS))
        if rng.random() < 0.35:
            parts.append(_pick(rng, topic["places"]))
        parts.append(_with_particle(rng, _zipf_pick(rng, topic["nouns"])))
        if rng.random() < 0.3:
            parts.append(_rare_word(rng))
        if rng.random() < 0.4:
            parts.append(_pick(rng, INTENSIFIERS))
        # mostly the label's verdict, sometimes a mixed opinion
        parts.append(_zipf_pick(rng, verdicts if rng.random() < 0.85 else
                                (topic["neg"] if label else topic["pos"]), a=0.8))
    if rng.random() < 0.35:
        parts.append(_rare_word(rng))
    text = _spacing_noise(rng, " ".join(parts))
    tail = []
    if rng.random() < 0.5:
        tail.append(_repeat(rng, LAUGH if label else CRY + LAUGH))
    if rng.random() < 0.35:
        tail.append(_pick(rng, EMOJI) * int(rng.integers(1, 4)))
    if rng.random() < 0.4:
        text += _pick(rng, PUNCT)
    return " ".join([text, *tail]), label


def reviews(n: int, seed: int) -> list[tuple[str, int]]:
    rng = np.random.default_rng(seed)
    return [review(rng) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# evaluation files for word vectors trained on the embedded law corpus (kolaw + kobill)

# word1, word2, similarity 0-10 (our judgement); 축구/바나나 are deliberately out of vocabulary
LAW_PAIRS = [
    ("대통령", "국무총리", 8.0), ("대통령", "국회의원", 6.5), ("법원", "법관", 8.5),
    ("국회", "국회의원", 8.5), ("헌법재판소", "재판관", 8.0), ("국회", "의장", 7.0),
    ("법률", "헌법", 7.5), ("법률", "개정", 6.0), ("정부", "국무위원", 7.0),
    ("선거", "투표", 8.5), ("예산", "국회", 5.0), ("국민", "대통령", 4.0),
    ("공무원", "국가", 5.0), ("위원회", "위원장", 7.5), ("법관", "국무총리", 3.0),
    ("조약", "비상계엄", 1.5), ("국민", "축구", 1.0), ("바나나", "헌법", 0.5),
]

LAW_ANALOGIES = {
    "기관-구성원": [("국회", "국회의원", "법원", "법관"), ("법원", "법관", "국회", "국회의원"),
               ("헌법재판소", "재판관", "국회", "국회의원")],
    "기관-장": [("국회", "의장", "위원회", "위원장"), ("위원회", "위원장", "국회", "의장")],
    "행정부": [("대통령", "국무총리", "국무총리", "국무위원"), ("정부", "대통령", "국회", "의장")],
}


def pairs_csv() -> str:
    lines = ["word1,word2,score", "# 사람이 매긴 유사도 (0-10): hangul_dl 작성, 내장 법률 말뭉치의 단어"]
    lines += [f"{a},{b},{s:.1f}" for a, b, s in LAW_PAIRS]
    return "\n".join(lines) + "\n"


def analogies_txt() -> str:
    lines = []
    for section, questions in LAW_ANALOGIES.items():
        lines.append(f": {section}")
        lines += [" ".join(q) for q in questions]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# files


def _gzip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buffer.getvalue()


def build() -> dict[str, bytes]:
    """Every committed file of ``corpora/`` (relative path -> bytes), deterministically."""
    from hangul_dl.datasets import korean_dates

    files: dict[str, bytes] = {}
    lines = [FIRST_LINE] + [text for text, _ in reviews(1199, seed=13)]
    files["reviews.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    # the first 600 reviews, gzipped, with two broken lines a reader must report (file:line)
    raw = [line.encode("utf-8") for line in lines[:600]]
    raw.insert(7, "배송은 빨랐는데 상품이 별로".encode("cp949"))  # Korean Windows encoding
    raw.insert(300, "포장\x00불량이에요 ㅠㅠ".encode())  # a NUL byte
    files["reviews.txt.gz"] = _gzip(b"\n".join(raw) + b"\n")
    rows = ["id\tdocument\tlabel"]
    rng = np.random.default_rng(14)
    ids = rng.choice(9_000_000, size=1000, replace=False) + 1_000_000
    rows += [f"{i}\t{text}\t{label}" for i, (text, label) in zip(ids.tolist(), reviews(1000, seed=14))]
    files["ratings.txt"] = ("\n".join(rows) + "\n").encode("utf-8")
    files["pairs.csv"] = pairs_csv().encode("utf-8")
    files["analogies.txt"] = analogies_txt().encode("utf-8")
    files["broken.txt"] = ("국회는 법률을 제정한다.\n".encode() + "한국어 문서".encode("cp949")
                           + "\n모든 국민은 법 앞에 평등하다.\n".encode())
    for split, n, seed in (("train", 4000, 1), ("valid", 300, 2), ("test", 300, 3)):
        pairs = korean_dates(n, seed=seed)
        files[f"dates/{split}.ko"] = ("\n".join(s for s, _ in pairs) + "\n").encode("utf-8")
        files[f"dates/{split}.iso"] = ("\n".join(t for _, t in pairs) + "\n").encode("utf-8")
    mine = ["2019년 5월 1일 수요일", "19. 5. 1.", "이천십구년 오월 일일", "2019/05/01",
            "5월 1일(수) 2019", "오월 일일"]
    files["dates/mine.txt"] = ("\n".join(mine) + "\n").encode("utf-8")
    return files


def write_law(path: Path) -> int:
    from hangul_dl import embedded_corpus

    sentences = list(embedded_corpus())
    path.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    return len(sentences)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with corpora/ instead of writing")
    parser.add_argument("--law", metavar="OUT", type=Path,
                        help="write the embedded kolaw+kobill sentences to OUT (one a line) and stop")
    parser.add_argument("--out", type=Path, default=CORPORA, help="output folder (default: corpora/)")
    args = parser.parse_args(argv)
    if args.law:
        print(f"내장 말뭉치 {write_law(args.law):,}문장 → {args.law}")
        return 0
    stale = []
    for name, data in build().items():
        path = args.out / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(args.out)}  {len(data):,} bytes")
    if stale:
        print(f"stale in {args.out}: {', '.join(stale)} (run python scripts/make_corpora.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
