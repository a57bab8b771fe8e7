"""Tests for hangul_dl.text.hangul: exact jamo arithmetic over all 11,172 syllables."""

import unicodedata

import pytest

from hangul_dl.text.hangul import (
    compose,
    compose_compat,
    compose_jamo,
    decompose,
    decompose_text,
    is_compat_jamo,
    is_hangul_syllable,
    is_hanja,
    script_of,
    to_compat_jamo,
)

ALL = [chr(c) for c in range(0xAC00, 0xD7A4)]


def test_compose_decompose_all_syllables():
    assert len(ALL) == 11172
    seen = set()
    for syllable in ALL:
        parts = decompose(syllable)
        assert compose(*parts) == syllable
        seen.add(parts)
    assert len(seen) == 11172


def test_conjoining_round_trip_matches_unicode():
    text = "".join(ALL)
    jamo = decompose_text(text)
    assert jamo == unicodedata.normalize("NFD", text)
    assert compose_jamo(jamo) == text
    assert unicodedata.normalize("NFC", jamo) == text


def test_examples():
    assert decompose("닭") == ("ㄷ", "ㅏ", "ㄺ")
    assert decompose("가") == ("ㄱ", "ㅏ", "")
    assert compose("ㅎ", "ㅏ", "ㄴ") == "한"
    assert to_compat_jamo("한글") == "ㅎㅏㄴㄱㅡㄹ"
    assert compose_compat("들어가시ㄴ다") == "들어가신다"
    assert compose_compat("ㅋㅋ 웃겨") == "ㅋㅋ 웃겨"
    with pytest.raises(ValueError):
        decompose("a")
    with pytest.raises(ValueError):
        compose("ㅏ", "ㅏ")


def test_compose_jamo_keeps_lone_and_other_characters():
    for text in ["ㅋㅋ", "a\u1100b", "가\u1161", "\u1100가", "😀漢字 123"]:
        nfc = unicodedata.normalize("NFC", text)
        assert compose_jamo(decompose_text(nfc)) == nfc


def test_scripts():
    assert [script_of(c) for c in "한漢a1 .😀ㅋ"] == [
        "hangul", "hanja", "latin", "digit", "space", "punct", "symbol", "hangul"]
    assert is_hangul_syllable("힣") and not is_hangul_syllable("ㅋ")
    assert is_compat_jamo("ㅋ") and is_hanja("國") and not is_hanja("국")
    with pytest.raises(ValueError):
        script_of("ab")
