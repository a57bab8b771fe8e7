"""hangul_dl.seq2seq.pairs: (source, target) pairs from lists, aligned files and TSV files."""

from __future__ import annotations

import pytest

from hangul_dl.errors import InputError
from hangul_dl.seq2seq.pairs import read_pair_files, read_pairs


def test_read_pairs_strips_and_names_the_bad_pair(tmp_path):
    assert read_pairs([(" 안녕 ", "hello ")]) == [("안녕", "hello")]
    with pytest.raises(InputError, match="empty target"):
        read_pairs([("안녕", "hello"), ("잘 가", "  ")])
    tsv = tmp_path / "p.tsv"
    tsv.write_text("안녕\thello\n잘 가\t\n", encoding="utf-8")
    with pytest.raises(InputError, match="p.tsv:2"):
        read_pairs(tsv)


def test_read_pair_files_from_aligned_files_or_tsv(tmp_path):
    (tmp_path / "a.ko").write_text("안녕\n\n고마워\n", encoding="utf-8")
    (tmp_path / "a.en").write_text("hello\nbye\nthanks\n", encoding="utf-8")
    assert read_pair_files(what="test") is None
    with pytest.raises(InputError, match="go together"):
        read_pair_files(src=tmp_path / "a.ko")
    with pytest.raises(InputError, match="not both"):
        read_pair_files(tmp_path / "a.ko", tmp_path / "a.en", tsv=tmp_path / "x.tsv")
    with pytest.raises(InputError, match="empty source"):
        read_pair_files(tmp_path / "a.ko", tmp_path / "a.en")
    pairs, stats = read_pair_files(tmp_path / "a.ko", tmp_path / "a.en", skip_bad=True)
    assert pairs == [("안녕", "hello"), ("고마워", "thanks")]
    assert stats.empty + stats.skipped == 1  # counted, not dropped silently
    (tmp_path / "p.tsv").write_text("안녕\thello\n", encoding="utf-8")
    assert read_pair_files(tsv=tmp_path / "p.tsv")[0] == [("안녕", "hello")]
