"""Tests for hangul_dl.text.vocab: IDs, counts, encode/decode round trips, vocab.txt files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_dl import Vocabulary
from hangul_dl.errors import FormatError, InputError, NotFittedError, ShapeError

SENTENCES = [
    ["나", "는", "학생", "이다", "."],
    ["너", "는", "학생", "이", "아니다", "."],
    ["ㅋㅋㅋ", "진짜", "😂", "大韓民國", "Korea", "2024", "."],
    ["는", "학생"],
]


@pytest.fixture
def vocab() -> Vocabulary:
    return Vocabulary().fit(SENTENCES)


def test_specials_have_fixed_ids(vocab):
    assert vocab.id_to_token[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)
    assert vocab["<pad>"] == 0 and vocab["<eos>"] == 3
    custom = Vocabulary(specials=("[PAD]", "[UNK]", "[BOS]", "[EOS]", "[MASK]")).fit(SENTENCES)
    assert custom["[MASK]"] == 4 and custom.n_specials == 5
    assert custom.encode(["없는말"]).tolist() == [1]


def test_order_is_count_then_first_seen(vocab):
    # counts: "." 3, 는 3, 학생 3 (first seen: 는, 학생, then "."), then singletons in order
    assert vocab.id_to_token[4:7] == ["는", "학생", "."]
    assert vocab.id_to_token[7:10] == ["나", "이다", "너"]
    assert vocab.counts_[4:7].tolist() == [3, 3, 3]
    assert vocab.counts_.dtype == np.int64 and len(vocab.counts_) == len(vocab)


def test_counts_match_bincount_of_encoded_corpus():
    vocab = Vocabulary(min_count=2).fit(SENTENCES)
    ids = np.concatenate([vocab.encode(s, add_eos=True) for s in SENTENCES])
    np.testing.assert_array_equal(np.bincount(ids, minlength=len(vocab)), vocab.counts_)
    assert vocab.counts_[vocab.eos_id] == len(SENTENCES) == vocab.n_sequences_
    assert vocab.n_tokens_ == sum(map(len, SENTENCES))


def test_encode_unknown_and_dtype(vocab):
    ids = vocab.encode(["나", "는", "선생님"])
    assert ids.dtype == np.int32 and ids.tolist() == [vocab["나"], vocab["는"], 1]
    assert vocab.encode(["나"], add_bos=True, add_eos=True).tolist() == [2, vocab["나"], 3]
    assert vocab.encode([]).shape == (0,) and vocab.encode([]).dtype == np.int32
    assert vocab.get("선생님") == 1
    with pytest.raises(KeyError, match="선생님"):
        vocab["선생님"]
    assert "학생" in vocab and "선생님" not in vocab


def test_encode_refuses_a_plain_string(vocab):
    with pytest.raises(InputError, match="tokenize"):
        vocab.encode("나는 학생이다")
    with pytest.raises(InputError, match="token lists"):
        Vocabulary().fit(["나는 학생이다"])


def test_min_count_and_max_size():
    v = Vocabulary(min_count=2).fit(SENTENCES)
    assert v.id_to_token[4:] == ["는", "학생", "."]
    assert v.counts_[v.unk_id] == sum(map(len, SENTENCES)) - 9
    v = Vocabulary(max_size=6).fit(SENTENCES)
    assert len(v) == 6 and v.id_to_token[4:] == ["는", "학생"]
    v = Vocabulary(max_size=4).fit(SENTENCES)
    assert len(v) == 4
    with pytest.raises(InputError, match="max_size"):
        Vocabulary(max_size=3).fit(SENTENCES)
    with pytest.raises(InputError, match="min_count"):
        Vocabulary(min_count=0).fit(SENTENCES)
    with pytest.raises(InputError, match="distinct"):
        Vocabulary(specials=("<pad>", "<pad>", "<bos>", "<eos>")).fit(SENTENCES)


def test_decode(vocab):
    ids = vocab.encode(["나", "는", "선생님"], add_bos=True, add_eos=True)
    assert vocab.decode(ids) == ["<bos>", "나", "는", "<unk>", "<eos>"]
    assert vocab.decode(ids, skip_specials=True) == ["나", "는", "<unk>"]
    assert vocab.decode(np.array([0, 0], dtype=np.int64), skip_specials=True) == []
    with pytest.raises(InputError, match=r"ID 999 at position 1 .*0\.\.\d+"):
        vocab.decode([4, 999])
    with pytest.raises(InputError, match="ID -1"):
        vocab.decode(np.array([-1]))
    with pytest.raises(ShapeError):
        vocab.decode(np.zeros((2, 2), dtype=np.int32))
    with pytest.raises(InputError, match="integer"):
        vocab.decode(np.array([1.5]))


def test_transform_streams_arrays(vocab):
    out = vocab.transform(iter(SENTENCES))
    assert not isinstance(out, list)
    arrays = list(out)
    assert len(arrays) == len(SENTENCES) and all(a.dtype == np.int32 for a in arrays)
    assert [vocab.decode(a) for a in arrays] == SENTENCES


def test_not_fitted():
    v = Vocabulary()
    for call in (lambda: v.encode(["나"]), lambda: v.decode([1]), lambda: len(v),
                 lambda: "나" in v, lambda: list(v.transform([["나"]])), lambda: v.save_txt("x")):
        with pytest.raises(NotFittedError, match="fit"):
            call()


def test_params_and_repr(vocab):
    assert Vocabulary(min_count=3).get_params() == {
        "min_count": 3, "max_size": None, "specials": ("<pad>", "<unk>", "<bos>", "<eos>")}
    assert "min_count=3" in repr(Vocabulary(min_count=3))
    assert f"{len(vocab)} tokens" in repr(vocab)


korean_tokens = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # 가-힣
                       st.characters(min_codepoint=0x3131, max_codepoint=0x318E),  # ㄱ-ㆎ
                       st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # Hanja
                       st.sampled_from("😂👍🇰🇷abcXYZ019.,!?\\\t\n\r '\"")),
    min_size=0, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(korean_tokens, max_size=8), min_size=1, max_size=6))
def test_round_trip_in_vocab_tokens(tmp_path_factory, sentences):
    vocab = Vocabulary().fit(sentences)
    for tokens in sentences:
        ids = vocab.encode(tokens)
        # literal specials map to themselves, so the round trip holds for every token
        assert vocab.decode(ids) == tokens
    path = tmp_path_factory.mktemp("v") / "vocab.txt"
    loaded = Vocabulary.load_txt(vocab.save_txt(path))
    assert loaded.id_to_token == vocab.id_to_token
    np.testing.assert_array_equal(loaded.counts_, vocab.counts_)


def test_save_load_directory_and_txt(vocab, tmp_path):
    vocab.save(tmp_path / "v")
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == ["manifest.json", "vocab.txt"]
    loaded = Vocabulary.load(tmp_path / "v")
    assert loaded.id_to_token == vocab.id_to_token
    assert loaded.token_to_id == vocab.token_to_id
    np.testing.assert_array_equal(loaded.counts_, vocab.counts_)
    assert loaded.get_params() == vocab.get_params()
    assert loaded.n_sequences_ == vocab.n_sequences_ == 4

    path = vocab.save_txt(tmp_path / "vocab.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#hangul_dl-vocab\tversion=1\tspecials=4")
    assert lines[1:5] == ["<pad>\t0", "<unk>\t0", "<bos>\t0", "<eos>\t4"]
    assert "大韓民國\t1" in lines and "😂\t1" in lines
    again = Vocabulary.load_txt(path)
    assert again.id_to_token == vocab.id_to_token and again.min_count == 1


def test_tokens_with_tabs_and_newlines_are_escaped(tmp_path):
    vocab = Vocabulary().fit([["a\tb", "c\nd", "e\\t", "\r"]])
    path = vocab.save_txt(tmp_path / "v.txt")
    text = path.read_text(encoding="utf-8")
    assert "a\\tb\t1\n" in text and "c\\nd\t1\n" in text and "e\\\\t\t1\n" in text
    assert Vocabulary.load_txt(path).id_to_token == vocab.id_to_token


def _write(path, text: str | bytes):
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


HEADER = "#hangul_dl-vocab\tversion=1\tspecials=4\tmin_count=1\tmax_size=None\n"
SPECIALS = "<pad>\t0\n<unk>\t0\n<bos>\t0\n<eos>\t1\n"


@pytest.mark.parametrize(("content", "match"), [
    ("", "empty file"),
    ("word2vec 100 300\n", r":1: expected the header"),
    (HEADER.replace("version=1", "version=9"), r":1: .*version 9"),
    (HEADER + SPECIALS + "학생\tmany\n", r":6: count must be"),
    (HEADER + SPECIALS + "학생 3\n", r":6: expected 'token<TAB>count'"),
    (HEADER + SPECIALS + "학생\t3\n학생\t2\n", r":7: token '학생' appears twice"),
    (HEADER + SPECIALS + "학생\t3", r":6: .*truncated"),
    (HEADER + "<pad>\t0\n", r"truncated"),
    (HEADER + SPECIALS + "a\\xb\t1\n", r":6: invalid escape"),
    (HEADER.encode() + SPECIALS.encode() + b"\xc7\xd0\xbb\xfd\t3\n", r":6: not valid UTF-8"),
])
def test_corrupted_files_raise_format_error_with_line(tmp_path, content, match):
    path = _write(tmp_path / "vocab.txt", content)
    with pytest.raises(FormatError, match=match):
        Vocabulary.load_txt(path)


def test_missing_file_and_bom(tmp_path):
    with pytest.raises(FormatError, match="not found"):
        Vocabulary.load_txt(tmp_path / "none.txt")
    path = _write(tmp_path / "v.txt", "\ufeff" + HEADER + SPECIALS + "학생\t3\n")
    assert Vocabulary.load_txt(path)["학생"] == 4


def test_from_counts():
    v = Vocabulary.from_counts({"가": 3, "나": 5, "다": 3}, n_sequences=2, min_count=1)
    assert v.id_to_token[4:] == ["나", "가", "다"] and v.counts_[3] == 2


# -- vocab.txt must agree with its manifest (a swapped or widened special loses tokens) -------------
def _edit_lines(path, edit):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")


def test_a_directory_whose_vocab_txt_disagrees_with_the_manifest_is_refused(vocab, tmp_path):
    import json

    vocab.save(tmp_path / "v")
    path = tmp_path / "v" / "vocab.txt"
    good = path.read_text(encoding="utf-8")
    _edit_lines(path, lambda lines: [lines[0].replace("specials=4", "specials=99"), *lines[1:]])
    with pytest.raises(FormatError, match=r"vocab.txt:1: the header declares specials=99, "
                                          "expected 4"):
        Vocabulary.load(tmp_path / "v")
    path.write_text(good, encoding="utf-8")
    _edit_lines(path, lambda lines: [lines[0], lines[2], lines[1], *lines[3:]])
    with pytest.raises(FormatError, match=r"vocab.txt:2: ID 0 is '<unk>', expected the special "
                                          "'<pad>'"):
        Vocabulary.load(tmp_path / "v")
    path.write_text(good, encoding="utf-8")
    _edit_lines(path, lambda lines: [lines[0].replace("min_count=1", "min_count=3"), *lines[1:]])
    with pytest.raises(FormatError, match=r"vocab.txt:1: min_count=3 in the header, but "
                                          "min_count=1 in manifest.json"):
        Vocabulary.load(tmp_path / "v")
    path.write_text(good, encoding="utf-8")
    manifest = tmp_path / "v" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "config": {**data["config"], "specials": 5}}),
                        encoding="utf-8")
    with pytest.raises(FormatError, match="specials must be a sequence"):
        Vocabulary.load(tmp_path / "v")


def test_load_txt_expects_the_standard_specials_unless_told(tmp_path):
    custom = Vocabulary(specials=("[PAD]", "[UNK]", "[BOS]", "[EOS]", "[MASK]")).fit(SENTENCES)
    path = custom.save_txt(tmp_path / "custom.txt")
    with pytest.raises(FormatError, match=r"custom.txt:1: the header declares specials=5, "
                                          r"expected 4 \(<pad> <unk> <bos> <eos>\)"):
        Vocabulary.load_txt(path)
    assert Vocabulary.load_txt(path, specials=None).id_to_token == custom.id_to_token
    assert Vocabulary.load_txt(path, specials=custom.specials).specials == custom.specials
    standard = Vocabulary().fit(SENTENCES).save_txt(tmp_path / "v.txt")
    _edit_lines(standard, lambda lines: [lines[0], lines[1], lines[4], lines[3], lines[2],
                                         *lines[5:]])
    with pytest.raises(FormatError, match=r"v.txt:3: ID 1 is '<eos>', expected the special "
                                          "'<unk>'"):
        Vocabulary.load_txt(standard)


def test_fit_counts_ranks_like_fit_and_takes_literal_specials():
    """Counts in first-seen order give the IDs fit gives; a literal '<unk>' or '<eos>' in the
    data adds to that special's count."""
    data = [*SENTENCES, ["<unk>", "학생", "<eos>"]]
    fitted = Vocabulary(min_count=2).fit(data)
    seen: dict[str, int] = {}
    for tokens in data:
        for t in tokens:
            seen[t] = seen.get(t, 0) + 1
    counted = Vocabulary(min_count=2).fit_counts(list(seen), list(seen.values()), len(data))
    assert counted.id_to_token == fitted.id_to_token
    np.testing.assert_array_equal(counted.counts_, fitted.counts_)
    assert counted.counts_[1] == fitted.counts_[1] >= 1 and counted.n_tokens_ == fitted.n_tokens_
    with pytest.raises(ShapeError, match="2 types but 1 counts"):
        Vocabulary().fit_counts(["가", "나"], [1])
