"""Tests for hangul_dl.text.markers: the word-boundary marker and its escaping."""

from hangul_dl.text.markers import MARKER, char_tokens, detokenize, escape, mark, unmark


def test_marker_round_trip_with_literal_markers():
    text = f"{MARKER}a b{MARKER} 한국어"
    tokens = char_tokens(text)
    assert tokens[:4] == [MARKER * 3, "a", f"{MARKER}b", MARKER * 2]
    assert detokenize(tokens) == text
    assert unmark(MARKER * 3) == (True, MARKER)
    assert escape(f"x{MARKER}") == f"x{MARKER}{MARKER}"


def test_tags_and_recomposition():
    assert mark([("아버지", "Noun", True), ("가", "Josa", False)]) == ["▁아버지/Noun", "가/Josa"]
    assert detokenize(["▁아버지/Noun", "가/Josa", "▁//Punctuation"], pos=True) == "아버지가 /"
    assert detokenize(["▁들어가", "시", "ㄴ다"], recompose=True) == "들어가신다"
