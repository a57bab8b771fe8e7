"""Tests of hangul_dl.batch: shards, resume, invalidation, bad lines, --jobs, IDs, vocab, export."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangul_dl.batch import PartStore, TokenizeJob, build_vocab, export_vectors, read_shards
from hangul_dl.errors import FormatError, InputError
from hangul_dl.text.ids import encode_corpus, load_ids, save_ids
from hangul_dl.text.tokenizers import CharTokenizer, WhitespaceTokenizer, detokenize
from hangul_dl.text.vocab import Vocabulary

LINES = ["아버지가방에 들어가신다", "", "ㅋㅋㅋ 진짜 웃기다 😀", "漢字와 English 123 섞인 문장",
         "  띄어쓰기   엉망인  줄  ", "마지막 줄입니다."]


def make_corpus(root: Path, n: int = 40) -> Path:
    """A directory with a plain file, a gzipped file in a subfolder and a hidden file."""
    src = root / "corpus"
    (src / "sub").mkdir(parents=True)
    lines = [f"{LINES[i % len(LINES)]} {i}" if i % 5 else "" for i in range(n)]
    (src / "a.txt").write_text("\n".join(lines[: n // 2]) + "\n", encoding="utf-8")
    with gzip.open(src / "sub" / "b.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[n // 2:]))  # no newline at the end
    (src / ".hidden.txt").write_text("읽지 않음\n", encoding="utf-8")
    return src


def run(src, out, **kw):
    kw.setdefault("tokenizer", "whitespace")
    kw.setdefault("shard_lines", 7)
    kw.setdefault("quiet", True)
    return TokenizeJob(src, out, **kw).run()


def test_shards_cover_every_physical_line_in_order(tmp_path):
    src = make_corpus(tmp_path)
    job = TokenizeJob(src, tmp_path / "out", shard_lines=7)
    shards = list(job.shards())
    assert [(s.file, s.first_line, s.last_line) for s in shards] == [
        ("a.txt", 1, 7), ("a.txt", 8, 14), ("a.txt", 15, 20),
        ("sub/b.txt.gz", 1, 7), ("sub/b.txt.gz", 8, 14), ("sub/b.txt.gz", 15, 20)]
    assert len({s.key for s in shards}) == len(shards)
    texts = [t for s in shards for t in s.texts]
    assert texts[:20] == (src / "a.txt").read_text(encoding="utf-8").splitlines()
    assert len(texts) == 40 and None not in texts
    assert "TokenizeJob(" in repr(job) and "shard_lines=7" in repr(job)
    # the same input cut again gives the same keys (deterministic)
    assert [s.key for s in job.shards()] == [s.key for s in shards]


def test_output_is_one_line_per_input_line_with_markers(tmp_path):
    src = make_corpus(tmp_path)
    r = run(src, tmp_path / "out", tokenizer="char")
    got = r.tokens_path.read_text(encoding="utf-8").split("\n")[:-1]
    lines = [t for s in TokenizeJob(src, tmp_path / "x", shard_lines=7).shards() for t in s.texts]
    tok = CharTokenizer()
    assert got == [" ".join(tok.tokenize(t)) for t in lines]
    assert [detokenize(g.split()) for g in got] == [tok.normalize_text(t) for t in lines]
    assert (r.lines, r.files, r.shards, r.done, r.resumed, r.bad) == (40, 2, 6, 6, 0, 0)
    assert r.empty == 8 and r.sentences == 32
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "TokenizedCorpus" and manifest["lines"] == 40
    assert manifest["config"]["tokenizer"]["class"] == "CharTokenizer"


def test_resume_skips_finished_shards_and_output_is_identical(tmp_path):
    src = make_corpus(tmp_path)
    ref = run(src, tmp_path / "ref").tokens_path.read_bytes()
    out = tmp_path / "out"
    run(src, out)
    store = PartStore(out / ".parts")
    keys = [s.key for s in TokenizeJob(src, out, shard_lines=7).shards()]
    for key in keys[2:]:  # as if the run had died after two shards
        (store.directory / f"{key}.json").unlink()
    (out / "tokens.txt").unlink()
    tok = WhitespaceTokenizer()
    r = run(src, out, tokenizer=tok)
    assert (r.resumed, r.done, r.redone) == (2, 4, {})
    assert tok.stats_["items"] == 40 - 14  # only the lines of the unfinished shards
    assert (out / "tokens.txt").read_bytes() == ref
    tok = WhitespaceTokenizer()
    r = run(src, out, tokenizer=tok)
    assert (r.resumed, r.done, tok.stats_["items"]) == (6, 0, 0)
    assert (out / "tokens.txt").read_bytes() == ref


def test_interrupted_run_resumes_to_identical_output(tmp_path, monkeypatch):
    src = make_corpus(tmp_path)
    ref = run(src, tmp_path / "ref").tokens_path.read_bytes()
    calls = []
    original = WhitespaceTokenizer._tokenize_words

    def dies_midway(self, text):
        calls.append(text)
        if len(calls) == 23:
            raise KeyboardInterrupt
        return original(self, text)

    monkeypatch.setattr(WhitespaceTokenizer, "_tokenize_words", dies_midway)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(src, out, batch_size=4)
    assert not (out / "tokens.txt").exists()
    finished = list((out / ".parts").glob("*.json"))
    assert 1 <= len(finished) < 6 and not list((out / ".parts").glob(".*.tmp"))
    monkeypatch.setattr(WhitespaceTokenizer, "_tokenize_words", original)
    r = run(src, out)
    assert r.resumed == len(finished) and r.done == 6 - len(finished)
    assert (out / "tokens.txt").read_bytes() == ref


def test_changed_input_invalidates_only_its_shards(tmp_path, caplog):
    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    run(src, out)
    lines = (src / "a.txt").read_text(encoding="utf-8").split("\n")
    lines[9] = "바뀐 줄"
    (src / "a.txt").write_text("\n".join(lines), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="hangul_dl.batch"):
        r = run(src, out)
    assert (r.resumed, r.done, r.redone) == (5, 1, {"input changed": 1})
    assert "a.txt:8-14: input changed" in caplog.text
    assert "tokenized 1 finished shard(s) again: input changed (1)" in caplog.text
    assert (out / "tokens.txt").read_bytes() == run(src, tmp_path / "ref").tokens_path.read_bytes()


def test_changed_tokenizer_invalidates_every_shard(tmp_path, caplog):
    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    run(src, out)
    with caplog.at_level(logging.WARNING, logger="hangul_dl.batch"):
        r = run(src, out, tokenizer="char")
    assert r.redone == {"tokenizer changed": 6} and r.resumed == 0
    assert "tokenizer changed (6)" in caplog.text
    r = run(src, out, tokenizer=CharTokenizer(normalizer=False))  # parameters count too
    assert r.redone == {"tokenizer changed": 6}


def test_damaged_part_is_redone_and_force_redoes_all(tmp_path):
    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    ref = run(src, out).tokens_path.read_bytes()
    part = sorted((out / ".parts").glob("*.txt"))[0]
    part.write_text("truncated", encoding="utf-8")
    (out / ".parts" / ".x.txt.123.tmp").write_text("left by a kill", encoding="utf-8")
    r = run(src, out)
    assert r.redone == {"damaged part": 1} and r.resumed == 5
    assert (out / "tokens.txt").read_bytes() == ref
    assert not list((out / ".parts").glob(".*.tmp"))
    r = run(src, out, force=True)
    assert (r.done, r.redone) == (6, {"forced": 6})


def test_bad_lines_are_counted_reported_and_keep_alignment(tmp_path):
    src = tmp_path / "bad.txt"
    src.write_bytes(b"\xec\x95\x88\xeb\x85\x95 \xed\x95\x98\xec\x84\xb8\xec\x9a\x94\n"  # 안녕 하세요
                    b"\xff\xfe cp949?\n" b"ok line\n" b"nul\x00byte\n" b"\n" b"\xb0\xa1\n")
    with pytest.raises(InputError, match=r"bad\.txt:2: invalid UTF-8"):
        run(src, tmp_path / "o1")
    r = run(src, tmp_path / "o2", errors="skip", shard_lines=2)
    assert (r.lines, r.bad, r.empty, r.sentences) == (6, 3, 1, 2)
    assert r.bad_where == ["bad.txt:2", "bad.txt:4", "bad.txt:6"]
    assert r.tokens_path.read_text(encoding="utf-8") == "▁안녕 ▁하세요\n\n▁ok ▁line\n\n\n\n"
    manifest = json.loads((tmp_path / "o2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bad_lines"] == 3 and manifest["bad_where"][0] == "bad.txt:2"
    assert "3 bad line(s) skipped" in r.report()
    r = run(src, tmp_path / "o2", errors="skip", shard_lines=2)  # resumed: still reported
    assert (r.resumed, r.bad) == (3, 3)


def test_jobs_1_and_2_give_identical_output(tmp_path):
    src = make_corpus(tmp_path, n=120)
    one = run(src, tmp_path / "one", n_jobs=1, batch_size=5)
    two = run(src, tmp_path / "two", n_jobs=2, batch_size=5)
    assert one.tokens_path.read_bytes() == two.tokens_path.read_bytes()
    assert two.done == one.done == 18


def test_ids_match_save_ids_of_encode_corpus(tmp_path):
    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    tokens = run(src, out).tokens_path
    vocab, _ = build_vocab(out, max_size=12, quiet=True)
    vocab.save_txt(tmp_path / "vocab.txt")
    r = run(src, out, vocab=tmp_path / "vocab.txt")
    token_lists = [line.split() for line in tokens.read_text(encoding="utf-8").splitlines() if line]
    save_ids(tmp_path / "ref.npy", encode_corpus(token_lists, None, vocab))
    assert r.ids_path.read_bytes() == (tmp_path / "ref.npy").read_bytes()
    ids = load_ids(r.ids_path)
    assert ids.dtype == np.int32 and ids.shape == (r.tokens + r.sentences,)
    assert (ids == vocab.eos_id).sum() == r.sentences and (ids == vocab.unk_id).any()
    r = run(src, out)  # without a vocabulary the stale ids.npy goes
    assert r.ids_path is None and not (out / "ids.npy").exists()


def test_stale_parts_removed_and_keep_parts(tmp_path):
    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    ref = run(src, out).tokens_path.read_bytes()
    r = run(src, out, shard_lines=10)
    assert r.stale_removed == 6 and len(list((out / ".parts").glob("*.json"))) == 4
    assert (out / "tokens.txt").read_bytes() == ref
    run(src, out, keep_parts=False)
    assert not (out / ".parts").exists() and (out / "tokens.txt").read_bytes() == ref


def test_empty_file_gives_empty_output(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    r = run(tmp_path / "empty.txt", tmp_path / "out")
    assert (r.files, r.lines, r.shards) == (1, 0, 0) and r.tokens_path.read_bytes() == b""


def test_single_file_and_file_list_inputs(tmp_path):
    src = make_corpus(tmp_path)
    single = run(src / "a.txt", tmp_path / "one")
    assert single.files == 1 and single.lines == 20
    both = run([src / "a.txt", src / "sub" / "b.txt.gz"], tmp_path / "two")
    whole = run(src, tmp_path / "dir")
    assert both.tokens_path.read_bytes() == whole.tokens_path.read_bytes()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"shard_lines": 0}, "shard_lines=0"),
    ({"errors": "ignore"}, "errors='ignore'"),
    ({"tokenizer": "nope"}, "unknown tokenizer 'nope'"),
])
def test_bad_arguments_fail_clearly(tmp_path, kwargs, match):
    src = make_corpus(tmp_path)
    with pytest.raises(InputError, match=match):
        run(src, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_bad_paths_fail_before_any_work(tmp_path):
    src = make_corpus(tmp_path)
    with pytest.raises(InputError, match="no such file or directory"):
        run(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(InputError, match="inside the input directory"):
        run(src, src / "sub" / "out")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        run(src, tmp_path / "file")
    with pytest.raises(FormatError):
        run(src, tmp_path / "out", vocab=tmp_path / "file")


def test_second_job_on_the_same_output_is_refused(tmp_path):
    src = make_corpus(tmp_path)
    store = PartStore(tmp_path / "out" / ".parts")
    with store.lock(), pytest.raises(InputError, match="another job is writing"):
        run(src, tmp_path / "out")
    assert run(src, tmp_path / "out").done == 6  # the lock is released


def test_build_vocab_from_tokens_and_from_raw_text(tmp_path):
    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    tokens = run(src, out, tokenizer="char").tokens_path
    expected = Vocabulary(min_count=2).fit(
        line.split() for line in tokens.read_text(encoding="utf-8").splitlines() if line)
    for source, tok in ((out, None), (tokens, None), (src, "char")):
        vocab, stats = build_vocab(source, tokenizer=tok, min_count=2, quiet=True)
        assert vocab.id_to_token_ == expected.id_to_token_
        assert vocab.counts_.tolist() == expected.counts_.tolist()
        assert vocab.n_sequences_ == 32 and stats.lines_read == 40
    with pytest.raises(InputError, match="min_count"):
        build_vocab(out, min_count=0)


def test_export_vectors_word2vec_and_tsv(tmp_path):
    from hangul_dl.embeddings.vectors import WordVectors, load_word_vectors

    words = ["한국", "서울", "탭\t단어", "😀"]
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    WordVectors(words, vectors, counts=[9, 5, 2, 1]).save(tmp_path / "wv")
    with pytest.raises(InputError, match="whitespace"):  # '탭\t단어' cannot be in word2vec files
        export_vectors(tmp_path / "wv", tmp_path / "v.txt")
    WordVectors(words[:2] + words[3:], vectors[[0, 1, 3]]).save(tmp_path / "plain")
    for name, fmt in (("v.txt", None), ("v.bin", None), ("v.vec", "word2vec-binary")):
        path, = export_vectors(tmp_path / "plain", tmp_path / name, format=fmt)
        back = load_word_vectors(path)
        assert back.index_to_key == ["한국", "서울", "😀"]
        assert np.array_equal(back.vectors, vectors[[0, 1, 3]])
    assert (tmp_path / "v.bin").read_bytes() != (tmp_path / "v.txt").read_bytes()
    paths = export_vectors(tmp_path / "wv", tmp_path / "proj", format="tsv", limit=3)
    rows = paths[0].read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and np.array_equal(
        np.array([r.split("\t") for r in rows], dtype=np.float32), vectors[:3])
    assert paths[1].read_text(encoding="utf-8") == "word\tcount\n한국\t9\n서울\t5\n탭\\t단어\t2\n"
    WordVectors(words[:2], vectors[:2]).save(tmp_path / "nocounts")
    _, meta = export_vectors(tmp_path / "nocounts", tmp_path / "p2", format="tsv")
    assert meta.read_text(encoding="utf-8") == "한국\n서울\n"
    with pytest.raises(InputError, match="unknown export format"):
        export_vectors(tmp_path / "wv", tmp_path / "x", format="glove")
    with pytest.raises(InputError, match="limit"):
        export_vectors(tmp_path / "wv", tmp_path / "x", limit=0)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00\ufeff"),
                max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_TEXT, max_size=12), shard_lines=st.integers(1, 5))
def test_any_text_any_shard_size_round_trips(tmp_path_factory, lines, shard_lines):
    root = tmp_path_factory.mktemp("rt")
    (root / "in.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    r = run(root / "in.txt", root / "out", tokenizer="char", shard_lines=shard_lines)
    got = r.tokens_path.read_text(encoding="utf-8").split("\n")[:-1]
    tok = CharTokenizer()
    assert got == [" ".join(tok.tokenize(line)) for line in lines]
    assert r.lines == len(lines) and r.shards == -(-len(lines) // shard_lines)
    shards = list(read_shards([("in.txt", root / "in.txt")], shard_lines))
    assert [t for s in shards for t in s.texts] == lines


_PIPE_SCRIPT = """
import argparse, sys
from hangul_dl.cli.script import run_script

def command(args):
    if args.other:
        raise BrokenPipeError(32, "Broken pipe")  # not stdout: a real error
    for i in range(200_000):
        print(f"{i}\\t국회 ㅋㅋ 😀")
    return 0

parser = argparse.ArgumentParser(prog="lines.py")
parser.add_argument("--other", action="store_true")
sys.exit(run_script(parser, command))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_run_script_exits_quietly_when_stdout_reader_goes_away(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", _PIPE_SCRIPT], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=tmp_path)
    assert process.stdout.readline().decode("utf-8") == "0\t국회 ㅋㅋ 😀\n"
    process.stdout.close()
    err = process.stderr.read().decode("utf-8")
    process.stderr.close()
    assert process.wait(timeout=60) == 141
    assert err == "", err

    other = subprocess.run([sys.executable, "-c", _PIPE_SCRIPT, "--other"], capture_output=True,
                           text=True, encoding="utf-8", cwd=tmp_path, timeout=60)
    assert other.returncode == 1 and "BrokenPipeError" in other.stderr


def test_refitted_subword_tokenizer_invalidates_every_shard(tmp_path):
    from hangul_dl.text.subword import SubwordTokenizer

    src = make_corpus(tmp_path)
    out = tmp_path / "out"
    korean = SubwordTokenizer(vocab_size=60).fit(LINES * 3)
    run(src, out, tokenizer=korean)
    assert run(src, out, tokenizer=SubwordTokenizer(vocab_size=60).fit(LINES * 3)).resumed == 6
    english = SubwordTokenizer(vocab_size=60).fit(["the cat sat on the mat"] * 10)
    r = run(src, out, tokenizer=english)  # equal parameters, other merges
    assert r.redone == {"tokenizer changed": 6} and r.resumed == 0
    tokens = (out / "tokens.txt").read_text(encoding="utf-8").splitlines()
    line = f"{LINES[3]} 3"  # Hanja, English and numbers
    assert tokens[3] == " ".join(english.tokenize(line)) != " ".join(korean.tokenize(line))
