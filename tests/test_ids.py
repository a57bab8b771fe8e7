"""Tests for hangul_dl.text.ids: corpus → 1-D ID stream, .npy files, padded batches."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_dl import Vocabulary
from hangul_dl.errors import FormatError, InputError, ShapeError
from hangul_dl.text.ids import IdSequences, encode_corpus, load_ids, pad_batch, save_ids


class SplitTokenizer:
    """The tokenizer protocol (tokenize / tokenize_batch / pipe) on top of str.split."""

    def tokenize(self, text: str) -> list[str]:
        return text.split()

    def tokenize_batch(self, texts):
        return [self.tokenize(t) for t in texts]

    def pipe(self, texts, batch_size=1000, n_jobs=1):
        for text in texts:
            yield self.tokenize(text)


def write(path, data: bytes):
    path.write_bytes(data)
    return path


LINES = ["나 는 학생 이다", "너 는 학생", "처음 보는 말"]


@pytest.fixture
def vocab() -> Vocabulary:
    return Vocabulary(min_count=2).fit(line.split() for line in LINES)


@pytest.mark.parametrize("tokenizer", [SplitTokenizer(), str.split])
def test_encode_corpus_with_eos(vocab, tokenizer):
    ids = encode_corpus(iter(LINES), tokenizer, vocab)
    eos, unk = vocab.eos_id, vocab.unk_id
    assert ids.dtype == np.int32 and ids.ndim == 1
    assert ids.tolist() == [unk, vocab["는"], vocab["학생"], unk, eos,
                            unk, vocab["는"], vocab["학생"], eos, unk, unk, unk, eos]
    np.testing.assert_array_equal(np.bincount(ids, minlength=len(vocab)), vocab.counts_)
    no_eos = encode_corpus(LINES, tokenizer, vocab, add_eos=False, add_bos=True)
    assert (no_eos == eos).sum() == 0 and (no_eos == vocab.bos_id).sum() == 3


def test_encode_corpus_in_small_chunks_equals_one_chunk(vocab):
    tokens = [line.split() for line in LINES * 50]
    a = encode_corpus(tokens, None, vocab, chunk_size=7)
    b = encode_corpus(tokens, None, vocab)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(InputError, match="not a token list"):
        encode_corpus(LINES, None, vocab)


def test_save_and_load_ids_memory_mapped(tmp_path):
    ids = np.arange(1000, dtype=np.int64) % 37
    path = save_ids(tmp_path / "ids.npy", ids)
    loaded = load_ids(path)
    assert isinstance(loaded, np.memmap) and loaded.dtype == np.int32
    np.testing.assert_array_equal(loaded, ids)
    with pytest.raises(ValueError):
        loaded[0] = 5  # read-only map
    assert not isinstance(load_ids(path, mmap=False), np.memmap)
    assert load_ids(save_ids(tmp_path / "empty.npy", np.zeros(0, np.int32))).shape == (0,)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_load_ids_refuses_foreign_files(tmp_path):
    with pytest.raises(FormatError, match="not found"):
        load_ids(tmp_path / "none.npy")
    with pytest.raises(FormatError, match=r"not an \.npy"):
        load_ids(write(tmp_path / "x.npy", b"\x80\x04pickle"))
    np.save(tmp_path / "f.npy", np.ones(3))
    with pytest.raises(FormatError, match="float64"):
        load_ids(tmp_path / "f.npy")
    data = (tmp_path / "f.npy").read_bytes()
    with pytest.raises(FormatError):
        load_ids(write(tmp_path / "t.npy", data[:-8]), mmap=False)
    with pytest.raises(InputError, match="integer"):
        save_ids(tmp_path / "g.npy", np.ones(3))
    with pytest.raises(InputError, match="int32"):
        save_ids(tmp_path / "g.npy", np.array([2**40]))


def test_id_sequences_round_trip_in_small_chunks(tmp_path):
    rng = np.random.default_rng(0)
    sentences = [rng.integers(0, 500, size=n) for n in rng.integers(0, 12, size=300)]
    seqs = IdSequences.write(tmp_path / "s", iter(sentences), chunk_size=7)  # a one-shot stream
    assert len(seqs) == 300 and seqs.ids.dtype == np.int32
    for _ in range(2):  # re-iterable
        for got, expected in zip(seqs, sentences, strict=True):
            np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(seqs[-1], sentences[-1])
    reopened = IdSequences(tmp_path / "s")
    np.testing.assert_array_equal(reopened[5], sentences[5])
    assert "300 sentences" in repr(reopened)
    with pytest.raises(IndexError, match="out of range"):
        seqs[300]


def test_id_sequences_reject_bad_input_and_damaged_folders(tmp_path):
    assert len(IdSequences.write(tmp_path / "empty", [])) == 0
    with pytest.raises(InputError, match="sentence 1 is float64"):
        IdSequences.write(tmp_path / "bad", [np.array([1, 2]), np.array([0.5])])
    IdSequences.write(tmp_path / "ok", [np.array([1, 2]), np.array([3])])
    np.save(tmp_path / "ok" / "offsets.npy", np.array([0, 5], dtype=np.int64))
    with pytest.raises(FormatError, match="offsets.npy does not describe ids.npy"):
        IdSequences(tmp_path / "ok")
    with pytest.raises(FormatError, match="file not found"):
        IdSequences(tmp_path / "missing")


def test_pad_batch():
    ids, lengths = pad_batch([np.array([5, 6, 3]), [7, 3], np.array([], dtype=np.int32)])
    assert ids.dtype == np.int32 and lengths.dtype == np.int32
    assert ids.tolist() == [[5, 6, 3], [7, 3, 0], [0, 0, 0]] and lengths.tolist() == [3, 2, 0]
    ids, lengths = pad_batch([[1, 2, 3, 4], [5]], pad_id=9, max_length=2)
    assert ids.tolist() == [[1, 2], [5, 9]] and lengths.tolist() == [2, 1]
    empty, n = pad_batch([])
    assert empty.shape == (0, 0) and n.shape == (0,)
    with pytest.raises(ShapeError):
        pad_batch([np.zeros((2, 2), dtype=np.int32)])


# -- the batched encode: one pass that fits the vocabulary and writes the IDs ----------------------
BATCH = [["나", "는", "학생", "이다"], [], ["너", "는", "<unk>", "학생", "ㅋㅋ"], ["😂", "는"],
         ["大韓民國", "<eos>", "학생", "나"], ["는"]] * 3 + [["끝"]]


def _same_as_fit_then_transform(seqs, fitted, **params):
    expected = Vocabulary(**params).fit(BATCH)
    assert fitted.id_to_token == expected.id_to_token
    np.testing.assert_array_equal(fitted.counts_, expected.counts_)
    assert (fitted.n_sequences_, fitted.n_tokens_) == (expected.n_sequences_, expected.n_tokens_)
    assert len(seqs) == len(BATCH)
    for got, want in zip(seqs, expected.transform(BATCH), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("params", [{}, {"min_count": 2}, {"max_size": 6}])
@pytest.mark.parametrize("chunk_size", [1, 4, 1000])
def test_batched_encode_equals_fit_then_transform(tmp_path, params, chunk_size):
    """Same vocabulary (order, counts, literal specials) and IDs as Vocabulary.fit + transform,
    whatever the chunks, from a one-pass iterator (a generator is read once)."""
    vocab = Vocabulary(**params)
    seqs = IdSequences.encode(tmp_path / "ids", (s for s in BATCH), vocab, chunk_size=chunk_size)
    _same_as_fit_then_transform(seqs, vocab, **params)
    again = IdSequences.encode(tmp_path / "again", BATCH, vocab, chunk_size=chunk_size)  # fitted
    np.testing.assert_array_equal(again.ids, seqs.ids)
    np.testing.assert_array_equal(again.offsets, seqs.offsets)


def test_batched_encode_checks_tokens_once_and_names_the_sentence(tmp_path):
    asked = []

    def no_digits(tokens):
        asked.extend(tokens)
        return next(((i, "holds a digit") for i, t in enumerate(tokens) if t.isdigit()), None)

    sentences = [["가", "나"], ["나", "가", "다"], ["라", "7"], ["가"]]
    with pytest.raises(InputError, match=r"sentence 2: token '7' holds a digit"):
        IdSequences.encode(tmp_path / "a", sentences, Vocabulary(), check_tokens=no_digits,
                           chunk_size=2)
    assert asked == ["가", "나", "다", "라", "7"]  # each new type once
    with pytest.raises(InputError, match="sentence 1 is the string"):
        IdSequences.encode(tmp_path / "b", [["가"], "나 다"], Vocabulary())
    with pytest.raises(InputError, match="sentence 1 is a list holding the list"):
        IdSequences.encode(tmp_path / "c", [["가"], [["나"]]], Vocabulary())
    fitted = Vocabulary().fit([["가"]])  # a fitted vocabulary: its unknown tokens are checked
    with pytest.raises(InputError, match="sentence 1: token '7'"):
        IdSequences.encode(tmp_path / "d", [["가"], ["7"]], fitted, check_tokens=no_digits)
