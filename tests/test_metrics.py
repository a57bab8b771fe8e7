"""BLEU, chrF and exact match agree with sacrebleu (test-only dependency) on the same tokens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_dl.errors import InputError
from hangul_dl.metrics import (
    BLEUScore,
    corpus_bleu,
    corpus_chrf,
    exact_match,
    sentence_bleu,
    sentence_chrf,
)

sacrebleu = pytest.importorskip("sacrebleu")

EN_HYP = ["The cat sat on the mat.", "There is a dog in the garden!", "Hello, world",
          "It costs $3.50 (or 3,000 won).", "a b c d e"]
EN_REF = ["The cat is sitting on the mat.", "A dog is in the garden!", "Hello world",
          "It costs $3.50, or 3,000 won.", "a b c d e"]
KO_HYP = ["나는 어제 학교에 갔다.", "오늘 날씨가 정말 좋네요 ㅋㅋ", "2019년 5월 1일 수요일",
          "그는 책을 읽었다", "한국어 번역은 어렵다 😀"]
KO_REF = ["나는 어제 학교에 갔어.", "오늘은 날씨가 참 좋네요", "2019년 5월 1일 (수)",
          "그는 책을 읽고 있었다", "한국어 번역은 쉽지 않다 😀"]


def _sb_refs(refs: list) -> list[list]:
    """Our per-hypothesis references -> sacrebleu's per-stream layout."""
    rows = [[r] if isinstance(r, str) else list(r) for r in refs]
    width = max(len(r) for r in rows)
    return [[row[k] if k < len(row) else None for row in rows] for k in range(width)]


@pytest.mark.parametrize("hyps, refs", [(EN_HYP, EN_REF), (KO_HYP, KO_REF)])
@pytest.mark.parametrize("tokenize", ["13a", "none", "char"])
@pytest.mark.parametrize("smooth", ["exp", "floor", "add-k", "none"])
def test_corpus_bleu_matches_sacrebleu(hyps, refs, tokenize, smooth):
    ours = corpus_bleu(hyps, refs, tokenize=tokenize, smooth_method=smooth)
    theirs = sacrebleu.corpus_bleu(hyps, _sb_refs(refs), tokenize=tokenize, smooth_method=smooth)
    assert ours.score == pytest.approx(theirs.score, abs=1e-9)
    assert ours.counts == list(theirs.counts)
    assert ours.totals == list(theirs.totals)
    assert (ours.sys_len, ours.ref_len) == (theirs.sys_len, theirs.ref_len)
    assert ours.bp == pytest.approx(theirs.bp)
    assert f"tok:{tokenize}" in ours.signature


def test_str_matches_sacrebleu_format():
    ours = corpus_bleu(EN_HYP, EN_REF)
    theirs = sacrebleu.corpus_bleu(EN_HYP, [EN_REF])
    assert str(ours) == str(theirs)
    assert float(ours) == pytest.approx(theirs.score)


@pytest.mark.parametrize("hyp, refs", [
    ("", ["the cat"]),                                   # empty hypothesis
    ("dog", ["the cat sat"]),                            # no matches
    ("the", ["the cat sat on the mat"]),                 # short: only unigrams
    ("the cat", ["the cat"]),                            # shorter than max order, perfect
    ("학교에 간다", ["나는 학교에 간다", "학교에 간다"]),   # multiple references
    ("the the the the", ["the cat", "the the dog"]),     # clipping with several references
    ("a b c", ["a b c d e f g h", "a b"]),               # closest reference length (tie -> shorter)
])
@pytest.mark.parametrize("eff", [True, False])
def test_sentence_bleu_edge_cases(hyp, refs, eff):
    ours = sentence_bleu(hyp, refs, effective_order=eff)
    theirs = sacrebleu.sentence_bleu(hyp, refs, use_effective_order=eff)
    assert ours.score == pytest.approx(theirs.score, abs=1e-9)
    assert ours.ref_len == theirs.ref_len


def test_multiple_and_variable_references():
    hyps = ["the cat is on the mat", "hello there"]
    refs = [["the cat sat on the mat", "there is a cat on the mat"], ["hello there friend"]]
    ours = corpus_bleu(hyps, refs)
    theirs = sacrebleu.corpus_bleu(hyps, _sb_refs(refs))
    assert ours.score == pytest.approx(theirs.score)
    assert ours.signature.startswith("nrefs:var")
    ours_c = corpus_chrf(hyps, refs, word_order=2)
    theirs_c = sacrebleu.corpus_chrf(hyps, _sb_refs(refs), word_order=2)
    assert ours_c.score == pytest.approx(theirs_c.score)


def test_bleu_max_order_and_lowercase():
    ours = corpus_bleu(EN_HYP, EN_REF, max_order=2, lowercase=True)
    theirs = sacrebleu.BLEU(max_ngram_order=2, lowercase=True).corpus_score(EN_HYP, [EN_REF])
    assert ours.score == pytest.approx(theirs.score)
    assert "case:lc" in ours.signature


def test_bleu_with_front_end_tokenizer_states_it():
    # char tokenizer of the front end = sacrebleu's char tokenization (markers removed)
    ours = corpus_bleu(KO_HYP, KO_REF, tokenize="char")
    front = corpus_bleu(KO_HYP, KO_REF, tokenize="chars")
    assert front.score == pytest.approx(ours.score)
    assert "tok:chars" in front.signature
    custom = corpus_bleu(KO_HYP, KO_REF, tokenize=str.split)
    assert custom.score == pytest.approx(corpus_bleu(KO_HYP, KO_REF, tokenize="none").score)


@pytest.mark.parametrize("hyps, refs", [(EN_HYP, EN_REF), (KO_HYP, KO_REF)])
@pytest.mark.parametrize("kwargs", [{}, {"word_order": 2}, {"whitespace": True},
                                    {"eps_smoothing": True}, {"lowercase": True, "beta": 1},
                                    {"char_order": 3, "word_order": 1}])
def test_corpus_chrf_matches_sacrebleu(hyps, refs, kwargs):
    ours = corpus_chrf(hyps, refs, **kwargs)
    sb_kwargs = dict(kwargs)
    theirs = sacrebleu.CHRF(**sb_kwargs).corpus_score(hyps, [refs])
    assert ours.score == pytest.approx(theirs.score, abs=1e-9)


@pytest.mark.parametrize("hyp, ref", [("", "abc"), ("abc", ""), ("xyz", "abc"), ("a", "a"),
                                      ("(hi)", "(hi) there"), ("  ", "a")])
@pytest.mark.parametrize("word_order", [0, 2])
def test_sentence_chrf_edge_cases(hyp, ref, word_order):
    ours = sentence_chrf(hyp, [ref], word_order=word_order)
    theirs = sacrebleu.sentence_chrf(hyp, [ref], word_order=word_order)
    assert ours.score == pytest.approx(theirs.score, abs=1e-9)
    assert str(ours).startswith("chrF2" + "+" * word_order)


_text = st.lists(st.sampled_from(["나는", "학교에", "간다", "the", "cat", "a", ".", ",", "ㅋㅋ",
                                  "2019", "-", "05", "😀"]), max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_text, _text), min_size=1, max_size=5))
def test_random_corpora_match_sacrebleu(pairs):
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    for tok in ("13a", "char"):
        assert corpus_bleu(hyps, refs, tokenize=tok).score == pytest.approx(
            sacrebleu.corpus_bleu(hyps, [refs], tokenize=tok).score, abs=1e-9)
    assert corpus_chrf(hyps, refs, word_order=2).score == pytest.approx(
        sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score, abs=1e-9)


def test_exact_match():
    assert exact_match(["2019-05-01", "91 "], ["2019-05-01", "91"]) == 1.0
    assert exact_match(["a", "b", "c", "d"], ["a", "x", "c", "y"]) == 0.5
    assert exact_match(["a"], [["b", "a"]]) == 1.0          # any of several references
    assert exact_match([[1, 2], [3]], [[1, 2], [4]]) == 0.5   # token / ID sequences
    assert exact_match(["a "], ["a"], strip=False) == 0.0


@pytest.mark.parametrize("call", [
    lambda: corpus_bleu(["a", "b"], ["a"]),
    lambda: corpus_bleu([], []),
    lambda: corpus_bleu("a b", ["a b"]),
    lambda: corpus_bleu([["a", "b"]], ["a b"]),
    lambda: corpus_bleu(["a"], ["a"], smooth_method="laplace"),
    lambda: corpus_bleu(["a"], ["a"], tokenize="nope"),
    lambda: corpus_chrf(["a"], [[]]),
    lambda: sentence_bleu(["a"], "a"),
    lambda: exact_match(["a"], ["a", "b"]),
])
def test_bad_input_raises_clear_errors(call):
    with pytest.raises(InputError) as info:
        call()
    assert str(info.value)


def test_mismatch_message_names_counts():
    with pytest.raises(InputError, match="2 hypotheses but 1 references"):
        corpus_bleu(["a", "b"], ["a"])


def test_score_object():
    score = sentence_bleu("the cat", "the cat")  # effective order: only 1- and 2-grams
    assert isinstance(score, BLEUScore)
    assert score.score == pytest.approx(100.0)
    assert corpus_bleu(["the cat"], ["the cat"]).score == 0.0  # no 3-grams at corpus level
    assert score.ratio == 1.0
