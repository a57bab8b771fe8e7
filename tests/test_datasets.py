import datetime
import itertools
import re

import numpy as np
import pytest

from hangul_dl.datasets import (
    DATE_FORMATS,
    addition,
    korean_dates,
    sino_korean,
    spiral,
    zipf_korean_corpus,
)
from hangul_dl.errors import InputError


def test_spiral_shapes_and_seed():
    x, t = spiral(n_per_class=50, n_classes=4, seed=1)
    assert x.shape == (200, 2) and t.shape == (200, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(t.sum(axis=0), [50] * 4)
    np.testing.assert_array_equal(x, spiral(n_per_class=50, n_classes=4, seed=1)[0])
    assert not np.array_equal(x, spiral(n_per_class=50, n_classes=4, seed=2)[0])


def test_zipf_corpus_shape_and_determinism():
    sentences = list(zipf_korean_corpus(n_tokens=20_000, vocab_size=2_000, seed=3))
    assert sentences == list(zipf_korean_corpus(n_tokens=20_000, vocab_size=2_000, seed=3))
    words = [w for s in sentences for w in s.split()]
    assert len(words) == 20_000
    assert all("\uac00" <= ch <= "\ud7a3" or ch in ".?!" for w in words for ch in w)
    assert sentences[0][-1] in ".?!"
    counts = np.sort(np.unique([w for w in words], return_counts=True)[1])[::-1]
    assert counts[0] > 20 * counts[len(counts) // 2]  # heavy head, long tail


def test_zipf_corpus_streams_lazily():
    first = list(itertools.islice(zipf_korean_corpus(n_tokens=10**9, seed=0), 3))
    assert len(first) == 3


# -- seq2seq tasks (book ch.7-8) ---------------------------------------------------------------
def test_addition_pairs_are_correct_unique_and_seeded():
    pairs = addition(3000, seed=5)
    assert pairs == addition(3000, seed=5) and pairs != addition(3000, seed=6)
    assert len(set(pairs)) == 3000
    for question, answer in pairs:
        a, b = question.split("+")
        assert int(a) + int(b) == int(answer) and len(a) <= 3 and len(b) <= 3
        assert str(int(a)) == a  # no leading zeros
    lengths = {len(q.split("+")[0]) for q, _ in pairs}
    assert lengths == {1, 2, 3}  # digit counts drawn uniformly, as in the book
    assert max(len(q) for q, _ in addition(100, seed=0, max_digits=2)) <= 5


def test_addition_bad_arguments():
    with pytest.raises(InputError, match="distinct questions"):
        addition(101, max_digits=1)
    assert len(addition(101, max_digits=1, unique=False)) == 101
    with pytest.raises(InputError, match="max_digits"):
        addition(5, max_digits=0)


def test_sino_korean_numerals():
    assert [sino_korean(x) for x in (2019, 1950, 2000, 2001, 10, 31, 1111)] == [
        "이천십구", "천구백오십", "이천", "이천일", "십", "삼십일", "천백십일"]


def test_korean_dates_examples_weekdays_and_targets():
    pairs = korean_dates(4000, seed=3)
    assert pairs == korean_dates(4000, seed=3)
    weekdays = "월화수목금토일"
    seen_forms = set()
    for text, iso in pairs:
        if iso.startswith("--"):
            assert not re.search(r"\d{4}|년", text), text
            continue
        date = datetime.date.fromisoformat(iso)
        assert datetime.date(1950, 1, 1) <= date <= datetime.date(2049, 12, 31)
        w = re.search(r"([월화수목금토일])(?:요일|\))", text)
        if w:
            assert w.group(1) == weekdays[date.weekday()], (text, iso)
        seen_forms.add(text)
    assert len(DATE_FORMATS) >= 20
    one = dict(zip(DATE_FORMATS, [korean_dates(1, formats=[f], start="2019-05-01",
                                               end="2019-05-01")[0] for f in DATE_FORMATS]))
    assert one["ymd_korean_weekday"] == ("2019년 5월 1일 수요일", "2019-05-01")
    assert one["dots_short"] == ("19. 5. 1.", "2019-05-01")
    assert one["slashes"] == ("2019/05/01", "2019-05-01")
    assert one["md_weekday_year"] == ("5월 1일(수) 2019", "2019-05-01")
    assert one["sino_korean"] == ("이천십구년 오월 일일", "2019-05-01")
    assert one["md_sino"] == ("오월 일일", "--05-01")
    june = korean_dates(1, formats=["sino_korean"], start="1996-06-10", end="1996-06-10")[0]
    assert june == ("천구백구십육년 유월 십일", "1996-06-10")
    october = korean_dates(1, formats=["md_sino"], start="2020-10-31", end="2020-10-31")[0]
    assert october == ("시월 삼십일일", "--10-31")


def test_korean_dates_bad_arguments():
    with pytest.raises(InputError, match="unknown date formats"):
        korean_dates(3, formats=["yyyy"])
    with pytest.raises(InputError, match="ISO dates"):
        korean_dates(3, start="2019/01/01")
    with pytest.raises(InputError, match="before start"):
        korean_dates(3, start="2020-01-01", end="2019-01-01")


def test_planted_word2vec_corpus_structure_and_files(tmp_path):
    from hangul_dl.datasets import planted_word2vec_corpus

    kw = dict(n_tokens=5_000, n_groups=3, group_size=3, n_roles=2, n_fillers=20, n_pairs=40,
              n_analogies=10)
    corpus = planted_word2vec_corpus(seed=1, **kw)
    assert corpus.lines == planted_word2vec_corpus(seed=1, **kw).lines
    assert corpus.lines != planted_word2vec_corpus(seed=2, **kw).lines
    tokens = [t for s in corpus.sentences for t in s]
    assert 5_000 <= len(tokens) < 5_100
    assert all("\uac00" <= ch <= "\ud7a3" for t in tokens for ch in t)
    forms = [f for g in corpus.groups for f in g]
    assert len(corpus.groups) == 3 and len(forms) == len(set(forms)) == 3 * 3 * 2
    assert all(sum(f in s for f in forms) == 1 for s in corpus.sentences)  # one entity each
    assert len(corpus.pairs) == 40 and all(0 <= sc <= 10 for _, _, sc in corpus.pairs)
    # same entity or same group scores above other groups, by construction
    group = {f: g for g, fs in enumerate(corpus.groups) for f in fs}
    same = [sc for a, b, sc in corpus.pairs if group[a] == group[b]]
    other = [sc for a, b, sc in corpus.pairs if group[a] != group[b]]
    assert min(same) > max(other)
    assert set(corpus.analogies) == {"기본-복수", "복수-기본"}
    a, b, c, d = corpus.analogies["기본-복수"][0]
    assert b == a + "들" and d == c + "들" and a != c
    paths = corpus.write(tmp_path)
    assert paths["pairs.csv"].read_text(encoding="utf-8").splitlines()[0] == "word1,word2,score"
    lines = paths["analogies.txt"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == ": 기본-복수" and len(lines[1].split()) == 4
    assert paths["corpus.txt"].read_text(encoding="utf-8").splitlines() == corpus.lines
    with pytest.raises(InputError, match="n_roles"):
        planted_word2vec_corpus(n_roles=5)
