"""Tests for the tokenizers (hangul_dl.text.tokenizers and the modules it gathers): round trips,
real KoNLPy taggers, workers, limits, the factory."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangul_dl.errors import InputError, TokenizerError
from hangul_dl.stage import Stage
from hangul_dl.text.tokenizers import (
    MARKER,
    CharTokenizer,
    JamoTokenizer,
    KonlpyTokenizer,
    WhitespaceTokenizer,
    detokenize,
    get_tokenizer,
)

#: Seconds within which a pathological input must be done: generous, because the machine running
#: the tests may be busy (tens of seconds for the long line then); a blow-up takes minutes.
SLOW = 120

SENTENCES = [
    "아버지가방에들어가신다",
    "이것도 되나욬ㅋㅋㅋ 진짜 웃겨ㅠㅠ",
    "대한민국(大韓民國)은 민주공화국이다.",
    "KoNLPy 0.6 버전은 2024년에 나왔어요! 😀",
    "",
]

alphabet = st.one_of(
    st.sampled_from(list("가각간나다라마바사아자차카타파하한국어들신것ㅋㅠㄷ")),
    st.sampled_from([" ", " ", " ", "\t", "\n", "\u3000", "\u200b", "\x00", MARKER, "/"]),
    st.sampled_from(list("😀👍🇰🇷漢字國abcXYZ0123456789.,!?()~-")),
    st.characters(codec="utf-8"),
)
texts = st.text(alphabet, max_size=40)


@pytest.fixture(scope="session")
def okt():
    return KonlpyTokenizer("okt").warm_up()


@pytest.fixture(scope="session")
def okt_pos():
    return KonlpyTokenizer("okt", pos=True).warm_up()


@pytest.fixture(scope="module")
def okt_worker():
    """Okt whose ``pipe(timeout=...)`` keeps its one worker process warm for the module: a JVM
    of its own, with only Okt's dictionaries in its heap."""
    tok = KonlpyTokenizer("okt")
    yield tok
    tok.close()


@pytest.mark.parametrize("tokenizer", [CharTokenizer(), JamoTokenizer(), WhitespaceTokenizer()],
                         ids=repr)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_simple_round_trip(tokenizer, text):
    tokens = tokenizer.tokenize(text)
    assert tokenizer.round_trips
    assert tokenizer.detokenize(tokens) == tokenizer.normalize_text(text)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_okt_round_trip(okt, okt_pos, text):
    for tok in (okt, okt_pos):
        tokens = tok.tokenize(text)
        assert tok.detokenize(tokens) == tok.normalize_text(text)
        assert all(t and not any(c.isspace() for c in t) for t in tokens)


def test_marker_escaping():
    tok = CharTokenizer()
    tokens = tok.tokenize(f"{MARKER}a b{MARKER}")
    assert tokens == [MARKER * 3, "a", f"{MARKER}b", MARKER * 2]
    assert tok.detokenize(tokens) == f"{MARKER}a b{MARKER}"
    assert detokenize(["▁아버지/Noun", "가/Josa", "▁//Punctuation"], pos=True) == "아버지가 /"


def test_okt_tokens(okt, okt_pos):
    assert okt.tokenize("아버지가방에 들어가신다 ㅋㅋ") == [
        "▁아버지", "가방", "에", "▁들어가신다", "▁ㅋㅋ"]
    assert okt_pos.tokenize("아버지가방에") == ["▁아버지/Noun", "가방/Noun", "에/Josa"]
    nouns = KonlpyTokenizer("okt", keep_pos={"Noun"}, markers=False)
    assert nouns.tokenize("아버지가방에 들어가신다") == ["아버지", "가방"]
    assert not nouns.round_trips
    stem = KonlpyTokenizer("okt", stem=True)
    assert "▁들어가다" in stem.tokenize("아버지가 들어가신다")
    assert not stem.round_trips


@pytest.mark.slow  # a JVM tagger each (Kkma alone ~15 s of CPU to load)
@pytest.mark.parametrize("backend", ["komoran", "kkma", "hannanum"])
def test_other_backends(okt, backend):
    tok = KonlpyTokenizer(backend)
    assert not tok.round_trips
    for s in SENTENCES:
        tokens = tok.tokenize(s)
        assert bool(tokens) == bool(s)
        assert sum(t.startswith(MARKER) for t in tokens) == len(tok.normalize_text(s).split())
    tokens = tok.tokenize("아버지가방에들어가신다")
    assert tokens[0].startswith("▁아버지")
    if backend != "hannanum":  # Hannanum reads 아버지가방에들어가 as one noun + 이 + 시ㄴ다
        assert tokens[0] == "▁아버지"
        # best-effort detokenization glues decomposed endings back (시 + ㄴ다 -> 신다)
        assert tok.detokenize(tokens) == "아버지가방에들어가신다"


@pytest.mark.slow
def test_pathological_inputs(okt, okt_worker):
    # a line 20 times max_chars (1,000): cut into pieces at sentence ends, tagged piece by piece
    long_line = ("대한민국은 민주공화국이다. " * 1600)[:20_000]
    cases = ["ㄷ" * 500, long_line, "😀" * 50, "\x00\x01\x02", "가" * 5000,
             "漢字abc123ㅋㅋ😀가나다", "", " \t\n "]
    for tok in (okt, KonlpyTokenizer("komoran"), KonlpyTokenizer("kkma")):
        for text in cases[:1] + cases[2:]:
            t0 = time.perf_counter()
            tokens = tok.tokenize(text)
            assert time.perf_counter() - t0 < SLOW  # a blow-up takes minutes (Kkma's search)
            if tok.round_trips:
                assert tok.detokenize(tokens) == tok.normalize_text(text)
    # The long line runs in a worker process: in one JVM that a long test session has filled with
    # Okt, Komoran and Kkma, 100,000 characters took 120 s instead of 8 s (heap pressure, not our
    # code).
    t0 = time.perf_counter()
    [tokens] = okt_worker.pipe([long_line], n_jobs=2, timeout=SLOW, on_timeout="raise",
                               quiet=True)
    assert okt_worker.detokenize(tokens) == okt_worker.normalize_text(long_line)
    assert time.perf_counter() - t0 < SLOW + 60  # the item's time limit, and the JVM's start


def test_segments_cut_long_text():
    tok = KonlpyTokenizer("okt", max_chars=20)
    text = "가나다라 마바사. 아자차카 타파하 " * 3 + "가" * 50
    text = tok.normalize_text(text)
    segs = tok._segments(text)
    assert all(0 < e - s <= 20 for s, e in segs)
    assert all(text[s] != " " and text[e - 1] != " " for s, e in segs)
    covered = "".join(text[s:e] for s, e in segs).replace(" ", "")
    assert covered == text.replace(" ", "")


def test_okt_pipe_with_two_jobs_tags_on_threads_of_this_process(okt):
    """Okt's ``pipe(n_jobs=2)`` runs two threads on this process's JVM (no worker process, no
    second JVM) and gives the tokens one thread gives; every item is counted. How threads keep
    order, count, fail and stop is tested in test_text_threads.py."""
    data = [s for s in SENTENCES * 20] + ["ㅋ" * 300, "😀 漢字"]
    one = list(okt.pipe(data, n_jobs=1, quiet=True))
    assert one == okt.tokenize_batch(data)
    before = okt.stats_["items"]
    two = list(okt.pipe(iter(data), n_jobs=2, batch_size=7, quiet=True))
    assert two == one
    assert okt.stats_["items"] - before == len(data)
    assert "_pool" not in vars(okt)
    assert okt.parallel_threads and not KonlpyTokenizer("komoran").parallel_threads


class SleepyTokenizer(CharTokenizer):
    """Hangs on the text "STUCK", like a tagger caught in a pathological search."""

    def tokenize(self, text):
        if text == "STUCK":
            time.sleep(60)
        return super().tokenize(text)


def test_time_limit_kills_stuck_items():
    tok = SleepyTokenizer()
    data = ["가 나", "STUCK", "다"]
    try:
        t0 = time.perf_counter()
        out = list(tok.pipe(data, n_jobs=1, timeout=2, quiet=True))
        assert time.perf_counter() - t0 < 40
        assert out == [["▁가", "▁나"], ["▁S", "T", "U", "C", "K"], ["▁다"]]
        assert tok.stats_["fallbacks"] == 1
        with pytest.raises(TokenizerError, match="longer than 2 s"):
            list(tok.pipe(["STUCK"], timeout=2, on_timeout="raise", quiet=True))
    finally:
        tok.close()


def test_transform_streams():
    tok = CharTokenizer()
    out = tok.transform(iter(["가 나", "다"]))
    assert not isinstance(out, list)
    assert list(out) == [["▁가", "▁나"], ["▁다"]]
    with pytest.raises(InputError):
        list(tok.pipe("not a list"))


def test_mecab_missing_message():
    import importlib.util

    if importlib.util.find_spec("MeCab") is not None:
        pytest.skip("MeCab is installed here")
    with pytest.raises(TokenizerError, match="mecab-ko.*backend='okt'"):
        KonlpyTokenizer("mecab").tokenize("아버지")


def test_factory_and_stage(tmp_path):
    assert isinstance(get_tokenizer("char"), CharTokenizer)
    assert isinstance(get_tokenizer("jamo:compat=true"), JamoTokenizer)
    assert get_tokenizer("okt:pos=true").pos is True
    assert get_tokenizer({"name": "komoran"}).backend == "komoran"
    assert repr(get_tokenizer("twitter")) == "KonlpyTokenizer()"
    with pytest.raises(InputError, match="unknown tokenizer"):
        get_tokenizer("nope")
    with pytest.raises(InputError, match="unknown KoNLPy backend"):
        KonlpyTokenizer("nope").tokenize("가")
    tok = KonlpyTokenizer("okt", keep_pos={"Noun", "Verb"}, normalizer={"repeat": 2})
    assert tok.requires_fit is False
    loaded = Stage.load(tok.save(tmp_path / "tok"))
    assert isinstance(loaded, KonlpyTokenizer)
    assert loaded.get_params() == tok._config()
    assert JamoTokenizer(compat=True).round_trips is False


def test_init_only_stores():
    tok = KonlpyTokenizer("nope", pos=True, max_chars=-1)  # no validation, no tagger yet
    assert vars(tok).keys() == set(tok.get_params())
    assert repr(tok) == "KonlpyTokenizer(backend='nope', pos=True, max_chars=-1)"
