"""Tests for hangul_dl.text.corpus: readers and per-line error accounting."""

from __future__ import annotations

import gzip
import logging
import re

import pytest

from hangul_dl.errors import InputError
from hangul_dl.text.corpus import (
    CorpusStats,
    ParallelCorpus,
    TableCorpus,
    TextCorpus,
    embedded_corpus,
    embedded_files,
    split_sentences,
)

HANGUL = re.compile("[가-힣]")
CP949 = "한국어".encode("cp949")  # b'\xc7\xd1\xb1\xb9\xbe\xee': invalid UTF-8


def write(path, data: bytes):
    path.write_bytes(data)
    return path


# -- plain text ----------------------------------------------------------------------------
def test_bom_crlf_empty_lines_and_stats(tmp_path):
    text = "\ufeff첫 줄입니다\r\n\r\n  둘째 줄 ㅋㅋ  \r\n   \n셋째 😂 大韓民國\n마지막"
    path = write(tmp_path / "a.txt", text.encode())
    corpus = TextCorpus(path)
    assert list(corpus) == ["첫 줄입니다", "둘째 줄 ㅋㅋ", "셋째 😂 大韓民國", "마지막"]
    s = corpus.stats
    assert (s.files, s.lines_read, s.lines_yielded, s.empty, s.skipped) == (1, 6, 4, 2, 0)
    # re-iterable: a second pass gives the same lines and fresh stats
    assert len(list(corpus)) == 4 and corpus.stats.lines_read == 6
    assert list(TextCorpus(path, skip_empty=False, strip=False))[1:3] == ["", "  둘째 줄 ㅋㅋ  "]


def test_bad_utf8_raise_names_file_line_and_cp949_hint(tmp_path):
    path = write(tmp_path / "bad.txt", b"good\n" + CP949 + b"\nafter\n")
    with pytest.raises(InputError, match=r"bad\.txt:2: invalid UTF-8 .*cp949") as info:
        list(TextCorpus(path))
    assert "errors='skip'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_skip_counts_reports_and_warns(tmp_path, caplog):
    path = write(tmp_path / "bad.txt",
                 b"one\n" + CP949 + b"\ntwo\x00zero\nthree\n\xff\xfe\n\nfour\n")
    corpus = TextCorpus(path, errors="skip")
    with caplog.at_level(logging.WARNING, logger="hangul_dl.text.corpus"):
        assert list(corpus) == ["one", "three", "four"]
    s = corpus.stats
    assert (s.bad_utf8, s.nul, s.empty, s.skipped, s.lines_read) == (2, 1, 1, 3, 7)
    report = s.report()
    assert "bad.txt:2:" in report and "bad.txt:3: NUL" in report and "bad.txt:5:" in report
    assert "skipped 3 bad line(s)" in caplog.text and "bad.txt:2" in caplog.text


def test_nul_byte_raises(tmp_path):
    path = write(tmp_path / "nul.txt", "가\n".encode("utf-16-le") + b"\n")
    with pytest.raises(InputError, match=r"nul\.txt:1: NUL byte.*UTF-16"):
        list(TextCorpus(path))


def test_gzip_directory_walk_and_sentences(tmp_path):
    root = tmp_path / "corpus"
    (root / "b").mkdir(parents=True)
    (root / ".hidden").mkdir()
    write(root / "a.txt", "가 나다. 라마?\n".encode())
    with gzip.open(root / "b" / "c.txt.gz", "wb") as f:
        f.write("압축된 줄\n둘째\n".encode())
    write(root / ".hidden" / "x.txt", b"secret\n")
    write(root / ".skip.txt", b"secret\n")
    corpus = TextCorpus(root)
    assert [p.name for p in corpus.files()] == ["a.txt", "c.txt.gz"]
    assert list(corpus) == ["가 나다. 라마?", "압축된 줄", "둘째"]
    assert corpus.stats.files == 2
    assert list(TextCorpus(root, sentences=True))[:2] == ["가 나다.", "라마?"]
    assert list(TextCorpus([root / "a.txt", root / "a.txt"])) == ["가 나다. 라마?"] * 2


def test_missing_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(TextCorpus(tmp_path / "nope.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no files"):
        list(TextCorpus(tmp_path / "empty"))
    with pytest.raises(InputError, match="errors must be"):
        list(TextCorpus(tmp_path, errors="ignore"))


def test_truncated_gzip_is_fatal_with_location(tmp_path):
    data = gzip.compress(("한 줄\n" * 2000).encode())
    path = write(tmp_path / "t.txt.gz", data[: len(data) // 2])
    with pytest.raises(InputError, match=r"t\.txt\.gz:\d+: cannot read this line"):
        list(TextCorpus(path, errors="skip"))


def test_long_line(tmp_path):
    line = "가나다라 " * 2500
    path = write(tmp_path / "long.txt", (line + "\n").encode())
    assert list(TextCorpus(path)) == [line.strip()]


# -- tables --------------------------------------------------------------------------------
NSMC = ("id\tdocument\tlabel\n"
        "1\t\"재밌다 ㅋㅋ\t1\n"      # a lone quote must not swallow the next lines
        "2\t별로...\t0\n"
        "3\t빠진 칸\n"              # malformed: 2 fields
        "4\t\t1\n"                   # empty document
        "5\t최고! 👍\t1\n")


def test_tsv_column_by_name_and_index(tmp_path):
    path = write(tmp_path / "ratings.txt", NSMC.encode())
    with pytest.raises(InputError, match=r"ratings\.txt:4: expected 3 '\\t'-separated fields"):
        list(TableCorpus(path, column="document"))
    corpus = TableCorpus(path, column="document", errors="skip")
    assert list(corpus) == ['"재밌다 ㅋㅋ', "별로...", "최고! 👍"]
    assert (corpus.stats.malformed, corpus.stats.empty, corpus.stats.lines_yielded) == (1, 1, 3)
    pairs = list(TableCorpus(path, column=("label", 1), errors="skip"))
    assert pairs[0] == ("1", '"재밌다 ㅋㅋ') and len(pairs) == 3
    # by index, with the header row declared
    assert list(TableCorpus(path, column=-1, header=True, errors="skip")) == ["1", "0", "1", "1"]


LABELLED = ("label\ttext\n"
            "긍정\t재밌다 ㅋㅋ\n"
            "\t라벨 없는 줄\n"          # line 3: missing label
            "부정\t\n"                  # line 4: empty text
            "부정\n"                     # line 5: one field
            "긍정\t최고! 👍\n")


def test_labelled_table_reports_every_bad_row_with_file_and_line(tmp_path):
    path = write(tmp_path / "train.tsv", LABELLED.encode() + b"1\t" + CP949 + b"\n")
    with pytest.raises(InputError, match=r"train\.tsv:3: the 'label' field is empty"):
        list(TableCorpus.labelled(path))
    corpus = TableCorpus.labelled(path, errors="skip")
    assert list(corpus) == [("긍정", "재밌다 ㅋㅋ"), ("긍정", "최고! 👍")]
    stats = corpus.stats
    assert (stats.malformed, stats.bad_utf8, stats.skipped) == (3, 1, 4)  # none dropped silently
    assert [p.split(": ")[0].rsplit(":", 1)[1] for p in stats.problems] == ["3", "4", "5", "7"]
    assert "'text' field is empty" in stats.problems[1]


def test_labelled_table_columns_by_name_or_index_and_csv(tmp_path):
    nsmc = write(tmp_path / "ratings.txt", "id\tdocument\tlabel\n1\t좋아요\t1\n2\t별로\t0\n".encode())
    assert list(TableCorpus.labelled(nsmc, text_column="document")) == [("1", "좋아요"), ("0", "별로")]
    assert list(TableCorpus.labelled(nsmc, text_column=1, label_column=-1)) == [
        ("1", "좋아요"), ("0", "별로")]
    with pytest.raises(InputError, match="no column named 'text'"):
        list(TableCorpus.labelled(nsmc))
    csv_path = write(tmp_path / "r.csv", 'text,label\n"쉼표, 있는 리뷰",pos\n'.encode())
    assert list(TableCorpus.labelled(csv_path)) == [("pos", "쉼표, 있는 리뷰")]


def test_table_column_errors(tmp_path):
    path = write(tmp_path / "r.tsv", NSMC.encode())
    with pytest.raises(InputError, match=r"no column named 'review'.*'document'"):
        list(TableCorpus(path, column="review"))
    with pytest.raises(InputError, match="out of range"):
        list(TableCorpus(path, column=7, header=True))
    with pytest.raises(InputError, match="header=False"):
        list(TableCorpus(path, column="document", header=False))


def test_csv_with_quotes_and_bad_bytes(tmp_path):
    data = ('text,label\n"쉼표, 있는 문장",1\n"여러\n줄",0\n'.encode() + CP949
            + ",1\n끝,1\n".encode())
    path = write(tmp_path / "data.csv", data)
    corpus = TableCorpus(path, column="text", errors="skip")
    assert list(corpus) == ["쉼표, 있는 문장", "여러\n줄", "끝"]
    assert corpus.stats.bad_utf8 == 1 and "data.csv:5" in corpus.stats.report()


# -- parallel ------------------------------------------------------------------------------
def test_parallel_files(tmp_path):
    ko = write(tmp_path / "train.ko", "안녕하세요\n\n고맙습니다\n".encode())
    en = write(tmp_path / "train.en", b"hello\nempty\nthank you\n")
    corpus = ParallelCorpus(ko, en)
    assert list(corpus) == [("안녕하세요", "hello"), ("고맙습니다", "thank you")]
    assert corpus.stats.empty == 1 and corpus.stats.lines_yielded == 2


def test_parallel_length_mismatch_names_both_files(tmp_path):
    ko = write(tmp_path / "train.ko", "하나\n둘\n셋\n".encode())
    en = write(tmp_path / "train.en", b"one\ntwo")
    with pytest.raises(InputError, match=r"train\.ko.* has 3 lines but .*train\.en.* has 2"):
        next(iter(ParallelCorpus(ko, en)))


def test_parallel_bad_line_drops_the_pair(tmp_path):
    ko = write(tmp_path / "a.ko", "하나\n".encode() + CP949 + "\n셋\n".encode())
    en = write(tmp_path / "a.en", b"one\ntwo\nthree\n")
    with pytest.raises(InputError, match=r"a\.ko:2"):
        list(ParallelCorpus(ko, en))
    corpus = ParallelCorpus(ko, en, errors="skip")
    assert list(corpus) == [("하나", "one"), ("셋", "three")]
    assert corpus.stats.bad_utf8 == 1


def test_parallel_from_two_column_tsv(tmp_path):
    path = write(tmp_path / "pairs.tsv", "안녕\thi\n잘 가\tbye\n".encode())
    assert list(ParallelCorpus.from_table(path)) == [("안녕", "hi"), ("잘 가", "bye")]


# -- embedded corpus and sentences ---------------------------------------------------------
def test_embedded_corpus_is_korean_and_local():
    files = embedded_files()
    assert {p.parent.name for p in files} == {"kolaw", "kobill"} and len(files) == 11
    corpus = embedded_corpus()
    sentences = list(corpus)
    assert len(sentences) > 500 and corpus.stats.skipped == 0
    assert sentences[0] == "대한민국헌법"
    assert "제1조 ① 대한민국은 민주공화국이다." in sentences
    hangul = sum(len(HANGUL.findall(s)) for s in sentences)
    assert hangul / sum(map(len, sentences)) > 0.5
    # wrapped bill lines are re-joined: no sentence is cut inside "필요한"
    assert any("필요한 나이" in s for s in sentences)
    lines = list(embedded_corpus("kolaw", unit="line"))
    assert len(lines) > 100 and all(line == line.strip() and line for line in lines)
    with pytest.raises(InputError, match="unknown embedded corpus"):
        embedded_files(["sejong"])


def test_split_sentences():
    assert split_sentences("좋아요. 정말?! 네… 3.14는 원주율이다. “그래.” 끝") == [
        "좋아요.", "정말?!", "네…", "3.14는 원주율이다.", "“그래.”", "끝"]
    assert split_sentences("2010. 11. 12. 발의") == ["2010. 11. 12. 발의"]
    assert split_sentences("   ") == []


def test_stats_report_lists_first_locations_only():
    stats = CorpusStats(max_problems=2)
    for i in range(5):
        stats._record("bad_utf8", f"f.txt:{i + 1}", "invalid UTF-8")
    report = stats.report()
    assert "f.txt:1" in report and "f.txt:2" in report and "f.txt:3" not in report
    assert "and 3 more" in report and stats.skipped == 5


def test_raise_mode_does_not_also_warn(tmp_path, caplog):
    path = write(tmp_path / "bad.txt", b"ok\n" + CP949 + b"\n")
    with caplog.at_level(logging.WARNING, logger="hangul_dl.text.corpus"):
        with pytest.raises(InputError):
            list(TextCorpus(path))
    assert "skipped" not in caplog.text
