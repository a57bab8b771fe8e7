"""Word and BPE subword tokenizers: round trips (hypothesis), training, files, registration."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_dl.errors import FormatError, InputError, NotFittedError
from hangul_dl.stage import Stage
from hangul_dl.text.subword import SubwordTokenizer, WordTokenizer, _learn_merges, _symbols
from hangul_dl.text.tokenizers import MARKER, get_tokenizer

BASE = [
    "나는 어제 학교에 갔다.", "오늘 날씨가 정말 좋네요 ㅋㅋㅋ", "학교에서 친구를 만났다!",
    "The cat sat on the mat.", "The cats were sitting on the mats, weren't they?",
    "I love Seoul 😀 and 부산 🇰🇷", "2019년 5월 1일 수요일", "Hello, world! 안녕하세요, 세계!",
] * 3

# Korean syllables and jamo, Latin, digits, punctuation, emoji (incl. ZWJ), Hanja, the marker
_chars = st.sampled_from([*"가나다라학교에서는을 ㅋㅠabcXYZ019 .,!?'\"()-😀👍🇰🇷漢字▁\t\n",
                          "👨\u200d👩\u200d👧", "e\u0301", "  "])
_text = st.lists(_chars, max_size=40).map("".join)


@pytest.fixture(scope="module")
def bpe() -> SubwordTokenizer:
    return SubwordTokenizer(vocab_size=120, min_frequency=2).fit(BASE)


def test_word_tokenizer_splits_words_and_punctuation():
    tok = WordTokenizer()
    assert tok.tokenize("Hello, world! 서울에 갔다.") == [
        "▁Hello", ",", "▁world", "!", "▁서울에", "▁갔다", "."]
    assert tok.tokenize("weren't (3.50)") == ["▁weren", "'", "t", "▁(", "3", ".", "50", ")"]
    assert tok.tokenize("ㅋㅋ😀👍") == ["▁ㅋㅋ", "😀", "👍"]
    assert tok.tokenize("") == []
    assert tok.detokenize(tok.tokenize("  Hello ,  world  ")) == "Hello , world"


@settings(max_examples=200, deadline=None)
@given(_text)
def test_word_round_trip(text):
    tok = WordTokenizer()
    tokens = tok.tokenize(text)
    assert all(tokens)
    assert tok.detokenize(tokens) == tok.normalize_text(text)


@settings(max_examples=200, deadline=None)
@given(_text)
def test_subword_round_trip(bpe, text):
    tokens = bpe.encode(text)
    assert all(tokens)
    assert bpe.decode(tokens) == bpe.normalize_text(text)


@pytest.mark.parametrize("text", ["나는 어제 학교에 갔다.", "I love Seoul 😀 and 부산 🇰🇷",
                                  "처음 보는 글자 뷁 ▁▁ a▁b", "x" * 10_000, ""])
def test_subword_round_trip_examples(bpe, text):
    assert bpe.decode(bpe.encode(text)) == bpe.normalize_text(text)


def test_subword_learns_frequent_pieces(bpe):
    tokens = bpe.encode("나는 학교에 갔다. The cat")
    assert "▁학교에" in tokens or "▁학교" in tokens
    assert "▁The" in tokens
    assert len(tokens) < len(bpe.normalize_text("나는 학교에 갔다. The cat").replace(" ", ""))
    assert len(bpe.vocab_) == len(bpe.alphabet_) + len(bpe.merges_) <= 120
    assert "merges" in repr(bpe)


def _naive_bpe(words: Counter, n_merges: int, min_frequency: int) -> list[tuple[str, str]]:
    """Textbook BPE: recount every pair after every merge (the reference implementation)."""
    split = {w: _symbols(w) for w in words}
    merges = []
    for _ in range(n_merges):
        counts: Counter = Counter()
        for w, syms in split.items():
            for pair in itertools.pairwise(syms):
                counts[pair] += words[w]
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < min_frequency:
            break
        merges.append(best)
        for w, syms in split.items():
            out, i = [], 0
            while i < len(syms):
                if i < len(syms) - 1 and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            split[w] = out
    return merges


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(alphabet="ab▁가나", min_size=1, max_size=8).map(lambda w: MARKER + w),
                       st.integers(1, 5), min_size=1, max_size=12),
       st.integers(1, 30), st.integers(1, 3))
def test_incremental_training_equals_naive_bpe(words, n_merges, min_frequency):
    words = Counter(words)
    assert _learn_merges(words, n_merges, min_frequency, quiet=True) == _naive_bpe(
        words, n_merges, min_frequency)


def test_training_is_deterministic():
    a = SubwordTokenizer(vocab_size=80).fit(BASE)
    b = SubwordTokenizer(vocab_size=80).fit(list(BASE))
    assert a.merges_ == b.merges_


def test_save_load_round_trip(bpe, tmp_path):
    bpe.save(tmp_path / "bpe")
    text = (tmp_path / "bpe" / "subword.txt").read_text(encoding="utf-8")
    assert text.startswith("#hangul_dl-bpe\tversion=1\t")
    loaded = Stage.load(tmp_path / "bpe")
    assert isinstance(loaded, SubwordTokenizer)
    assert loaded.merges_ == bpe.merges_ and loaded.alphabet_ == bpe.alphabet_
    for sentence in BASE[:8]:
        assert loaded.encode(sentence) == bpe.encode(sentence)


def test_save_escapes_tabs_and_backslashes(tmp_path):
    tok = SubwordTokenizer(vocab_size=50, min_frequency=1,
                           normalizer={"whitespace": "keep"}).fit(["a\\b a\\b"])
    tok.save(tmp_path / "t")
    assert Stage.load(tmp_path / "t").merges_ == tok.merges_


@pytest.mark.parametrize("damage, message", [
    (lambda s: s[:-1], "no newline"),
    (lambda s: "#other\n" + s.split("\n", 1)[1], "expected the header"),
    (lambda s: s.replace("version=1", "version=9"), "version 9"),
    (lambda s: s + "extra\tline\n", "lines follow"),
])
def test_damaged_files_raise_format_errors(bpe, tmp_path, damage, message):
    bpe.save(tmp_path / "bpe")
    path = tmp_path / "bpe" / "subword.txt"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        Stage.load(tmp_path / "bpe")


def test_unfitted_and_bad_input():
    with pytest.raises(NotFittedError, match="call fit"):
        SubwordTokenizer().tokenize("가")
    with pytest.raises(NotFittedError):
        SubwordTokenizer().save("/tmp/never-written")
    with pytest.raises(InputError, match="empty"):
        SubwordTokenizer().fit(["", "   "])
    with pytest.raises(InputError, match="one str"):
        SubwordTokenizer().fit("text")
    with pytest.raises(InputError, match="vocab_size"):
        SubwordTokenizer(vocab_size=0).fit(["a"])
    with pytest.raises(InputError, match="got int"):
        SubwordTokenizer().fit(["a", 3])


def test_registered_names():
    assert isinstance(get_tokenizer("word"), WordTokenizer)
    tok = get_tokenizer("subword:vocab_size=300,min_frequency=1")
    assert isinstance(tok, SubwordTokenizer) and tok.vocab_size == 300
    assert isinstance(get_tokenizer({"name": "bpe", "vocab_size": 10}), SubwordTokenizer)
    with pytest.raises(InputError, match="bogus"):
        get_tokenizer("subword:bogus=1")


def test_pipe_streams_in_order(bpe):
    assert list(bpe.pipe(BASE[:5], batch_size=2, quiet=True)) == [bpe.encode(t) for t in BASE[:5]]
    assert list(WordTokenizer().pipe(["a b", "c"], quiet=True)) == [["▁a", "▁b"], ["▁c"]]
