"""Tests for hangul_dl.text.cache.cached_tokenize."""

import logging

import pytest

from hangul_dl.text.cache import cache_key, cached_tokenize, read_cached
from hangul_dl.text.tokenizers import CharTokenizer, WhitespaceTokenizer


class CountingTokenizer(WhitespaceTokenizer):
    calls = 0

    def tokenize(self, text):
        CountingTokenizer.calls += 1
        return super().tokenize(text)


def test_hit_and_miss(tmp_path):
    lines = ["아버지가 방에", "", "ㅋㅋ ▁x"]
    tok = CountingTokenizer()
    first = cached_tokenize(lines, tok, cache_dir=tmp_path)
    assert first == [["▁아버지가", "▁방에"], [], ["▁ㅋㅋ", "▁▁▁x"]]
    calls = CountingTokenizer.calls
    assert cached_tokenize(lines, tok, cache_dir=tmp_path) == first
    assert CountingTokenizer.calls == calls  # served from the cache
    path = cached_tokenize(lines, tok, cache_dir=tmp_path, as_path=True)
    assert path.read_text(encoding="utf-8").splitlines() == ["▁아버지가 ▁방에", "", "▁ㅋㅋ ▁▁▁x"]
    assert list(read_cached(path)) == first


def test_key_depends_on_params_and_input():
    a = cache_key(["가"], CharTokenizer())
    assert a == cache_key(["가"], CharTokenizer())
    assert a != cache_key(["나"], CharTokenizer())
    assert a != cache_key(["가"], CharTokenizer(normalizer={"repeat": 2}))
    assert a != cache_key(["가"], WhitespaceTokenizer())


def test_file_input_and_env(tmp_path, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_text("가 나\n다\n", encoding="utf-8")
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    out = cached_tokenize(src, CharTokenizer())
    assert out == [["▁가", "▁나"], ["▁다"]]
    assert list((tmp_path / "cache" / "tokens").glob("*.txt"))
    assert cached_tokenize(src, CharTokenizer(), enabled=False) == out


def test_corrupted_entry_is_recomputed(tmp_path, caplog):
    lines = ["가 나", "다"]
    path = cached_tokenize(lines, CharTokenizer(), cache_dir=tmp_path, as_path=True)
    path.write_text("garbage\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        out = cached_tokenize(lines, CharTokenizer(), cache_dir=tmp_path)
    assert out == [["▁가", "▁나"], ["▁다"]]
    assert "corrupted" in caplog.text


def test_file_input_keeps_empty_lines_and_names_bad_lines(tmp_path):
    from hangul_dl.errors import InputError

    path = tmp_path / "in.txt"
    path.write_bytes("\ufeff첫 줄\r\n\r\n셋째 줄\n".encode())
    tokens = cached_tokenize(path, CharTokenizer(), cache_dir=tmp_path / "cache")
    assert len(tokens) == 3 and tokens[1] == []
    bad = tmp_path / "bad.txt"
    bad.write_bytes("좋은 줄\n".encode() + "나쁜 줄".encode("cp949") + b"\n")
    with pytest.raises(InputError, match=r"bad\.txt:2"):
        cached_tokenize(bad, CharTokenizer(), cache_dir=tmp_path / "cache")


def test_refitted_subword_tokenizer_is_not_served_stale_tokens(tmp_path):
    from hangul_dl.text.subword import SubwordTokenizer

    korean = ["학교에서 학생들이 공부한다 ㅋㅋ", "학교에 가는 학생 😀"] * 5
    english = ["the cat sat on the mat", "the cats sat on the mats"] * 5
    a = SubwordTokenizer(vocab_size=40).fit(korean)
    b = SubwordTokenizer(vocab_size=40).fit(english)
    assert a.get_params() == b.get_params()
    assert cache_key(["학교 cat"], a) != cache_key(["학교 cat"], b)
    assert cache_key(["학교 cat"], a) == cache_key(["학교 cat"],
                                                  SubwordTokenizer(vocab_size=40).fit(korean))

    lines = ["학교에서 the cats"]
    bpe = SubwordTokenizer(vocab_size=40).fit(korean)
    first = cached_tokenize(lines, bpe, cache_dir=tmp_path)
    assert first == [bpe.tokenize(lines[0])]
    bpe.fit(english)  # same object, same parameters, other merges
    second = cached_tokenize(lines, bpe, cache_dir=tmp_path)
    assert second == [bpe.tokenize(lines[0])] and second != first


def test_tokenizers_without_learned_state_keep_their_identity():
    import json

    from hangul_dl.text.cache import _tokenizer_identity

    for tok in (CharTokenizer(), WhitespaceTokenizer(normalizer=False)):
        assert tok.fingerprint() is None
        assert set(json.loads(_tokenizer_identity(tok))) == {"class", "params", "version",
                                                             "format"}  # old cache keys hold
