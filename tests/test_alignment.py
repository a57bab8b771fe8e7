"""Tests for hangul_dl.text.alignment: a tagger's morphemes placed on the text, nothing lost."""

from hangul_dl.text.alignment import align_rewrite, align_surface
from hangul_dl.text.markers import UNKNOWN_TAG


def test_alignment_recovers_dropped_text():
    text = "아버지가 방에 들어가신다"
    pieces = align_surface(text, 0, len(text), [("아버지", "Noun"), ("들어가신다", "Verb")])
    assert [p[0] for p in pieces] == ["아버지", "가", "방에", "들어가신다"]
    assert UNKNOWN_TAG in {p[1] for p in pieces}
    assert [p[2] for p in pieces] == [0, 3, 5, 8]  # offsets: which eojeol each piece is in


def test_rewritten_morphemes_keep_their_form_and_place():
    text = "들어가신다 ㅋㅋ"
    pieces = align_rewrite(text, 0, len(text), [("들어가", "VV"), ("시", "EP"), ("ㄴ다", "EF"),
                                                ("ㅋㅋ", "NA")])
    assert [(p[0], p[2]) for p in pieces] == [("들어가", 0), ("시", 3), ("ㄴ다", 3), ("ㅋㅋ", 6)]
