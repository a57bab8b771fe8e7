"""Tests for hangul_dl.text.reader, the one reader: every reader splits lines the same way.

``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line, for TextCorpus, TableCorpus,
ParallelCorpus, the embedded corpus's reader, the token cache, batch shards, the pipeline and the
CLI; before, a file with lone-CR endings was merged into one line.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys

import pytest

from hangul_dl.pipeline import Pipeline
from hangul_dl.text import reader
from hangul_dl.text.cache import cached_tokenize
from hangul_dl.text.corpus import ParallelCorpus, TableCorpus, TextCorpus
from hangul_dl.text.simple_tokenizers import CharTokenizer, WhitespaceTokenizer

# classic Mac OS endings, Windows endings and Unix endings in one file; an empty line; no final end
MIXED = "첫째 줄\r둘째 줄\r\n셋째 ㅋㅋ\n\r넷째 😀".encode()
LINES = ["첫째 줄", "둘째 줄", "셋째 ㅋㅋ", "", "넷째 😀"]


@pytest.mark.parametrize("data, lines", [
    (b"a\r\nb\rc\n\nd", [b"a", b"b", b"c", b"", b"d"]),
    (b"a\r", [b"a"]),
    (b"\r\r\n\n", [b"", b"", b""]),
    (b"", []),
    (b"abc", [b"abc"]),
    (b"x\r\n", [b"x"]),
])
def test_raw_lines_split_every_ending_at_any_block_size(monkeypatch, data, lines):
    for block in (1, 2, 3, 1 << 20):  # a \r\n cut between two blocks is still one ending
        monkeypatch.setattr(reader, "_BLOCK", block)
        assert list(reader.raw_lines(io.BytesIO(data))) == lines


def test_lone_cr_lines_are_lines_for_every_reader(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_bytes(MIXED)
    gz = tmp_path / "mac.txt.gz"
    gz.write_bytes(gzip.compress(MIXED))
    for source in (path, gz):
        corpus = TextCorpus(source, skip_empty=False)
        assert list(corpus) == LINES
        assert corpus.stats.lines_read == 5
        assert reader.count_lines(source) == 5
    # the token cache (tokenize once, replay) keeps one output line per input line
    tokens = cached_tokenize(path, CharTokenizer(), cache_dir=tmp_path / "cache")
    assert len(tokens) == 5 and tokens[0] == ["▁첫", "째", "▁줄"] and tokens[3] == []
    # tables: rows end at a lone CR too
    table = tmp_path / "t.tsv"
    table.write_bytes("id\tdocument\r1\t좋아요\r2\t별로\r\n".encode())
    assert list(TableCorpus(table, column="document")) == ["좋아요", "별로"]


def test_parallel_files_with_different_endings_align(tmp_path):
    src = tmp_path / "train.ko"
    tgt = tmp_path / "train.en"
    src.write_bytes("안녕\r고마워\r".encode())
    tgt.write_bytes(b"hello\r\nthanks\r\n")
    assert list(ParallelCorpus(src, tgt)) == [("안녕", "hello"), ("고마워", "thanks")]


def test_batch_shards_and_pipeline_see_the_same_lines(tmp_path):
    from hangul_dl.batch import TokenizeJob

    path = tmp_path / "mac.txt"
    path.write_bytes(MIXED)
    result = TokenizeJob(path, tmp_path / "out", tokenizer="char", quiet=True).run()
    out = (tmp_path / "out" / "tokens.txt").read_text(encoding="utf-8").split("\n")
    assert out[:5] == ["▁첫 째 ▁줄", "▁둘 째 ▁줄", "▁셋 째 ▁ㅋ ㅋ", "", "▁넷 째 ▁😀"]
    assert result.lines == 5
    pipe = Pipeline([("tokenize", WhitespaceTokenizer())])
    assert list(pipe.transform(TextCorpus(path))) == [
        ["▁첫째", "▁줄"], ["▁둘째", "▁줄"], ["▁셋째", "▁ㅋㅋ"], ["▁넷째", "▁😀"]]


def test_cli_tokenize_keeps_lone_cr_lines_apart(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_bytes(MIXED)
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "tokenize", str(path),
                             "--tokenizer", "whitespace", "--no-cache"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:5] == [
        "▁첫째 ▁줄", "▁둘째 ▁줄", "▁셋째 ▁ㅋㅋ", "", "▁넷째 ▁😀"]
