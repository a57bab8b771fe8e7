"""The replay store: written once, read as often as a fit needs, in the form its items call for
(token lines, memory-mapped IDs, JSON lines); the one store behind pipelines, recipes and the
encoder (issue 12, "merge the overlapping stores")."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_dl.errors import InputError
from hangul_dl.text.ids import IdSequences
from hangul_dl.text.replay import Replay, read_token_lines, write_token_lines


class Counted:
    """An iterable that counts how often it is read."""

    def __init__(self, items):
        self.items, self.reads = items, 0

    def __iter__(self):
        self.reads += 1
        yield from self.items


def test_token_lists_are_written_once_as_token_lines_and_read_many(tmp_path):
    source = Counted([[], ["▁아버지", "가방", "에"], ["▁ㅋㅋ", "😀"], []])
    store = Replay(source, tmp_path / "s")
    assert source.reads == 0  # nothing is read before the first pass
    for _ in range(3):
        assert list(store) == [[], ["▁아버지", "가방", "에"], ["▁ㅋㅋ", "😀"], []]
    assert source.reads == 1 and store.form == "tokens" and len(store) == 4
    assert (tmp_path / "s" / "tokens.txt").read_text(encoding="utf-8") == (
        "\n▁아버지 가방 에\n▁ㅋㅋ 😀\n\n")


def test_id_arrays_become_memory_mapped_id_sequences(tmp_path):
    arrays = [np.array([4, 1, 8], np.int32), np.zeros(0, np.int64), np.array([2], np.int64)]
    store = Replay.write(iter(arrays), tmp_path / "ids")
    assert store.form == "ids" and isinstance(store.ids, IdSequences)
    for got, want in zip(store, arrays, strict=True):
        assert got.dtype == np.int32 and got.tolist() == want.tolist()
    assert isinstance(store.ids.ids, np.memmap)


def test_other_items_go_to_json_lines_and_come_back_equal(tmp_path):
    rows = [("긍정", "배송빨라요"), ("부정", "별로\n예요"), "줄\r바꿈 섞인 글", {"n": 1},
            np.array([0.5, 1.0])]
    store = Replay(rows, tmp_path / "j")
    for _ in range(2):
        got = list(store)
        assert got[:4] == rows[:4] and isinstance(got[0], tuple) and got[4].tolist() == [0.5, 1.0]
    assert store.form == "json"
    texts = Replay([["배송 빨라요", "좋아요"], ["별로"]], tmp_path / "t")  # lists of texts
    assert list(texts) == [["배송 빨라요", "좋아요"], ["별로"]] and texts.form == "json"


def test_a_stream_of_only_empty_items_replays(tmp_path):
    assert list(Replay([[], []], tmp_path / "e")) == [[], []]


def test_bad_items_are_one_line_errors_naming_the_item(tmp_path):
    with pytest.raises(InputError, match=r"sentence 1: token 'a b' .*white space"):
        list(Replay([["가"], ["a b"]], tmp_path / "a"))
    with pytest.raises(InputError, match=r"sentence 0: token '' is empty"):
        write_token_lines(tmp_path / "t.txt", [["가", ""]])
    with pytest.raises(InputError, match=r"item 1 is a str, but the first items were token lists"):
        list(Replay([["가"], "나"], tmp_path / "b"))
    with pytest.raises(InputError, match=r"item 1 is a object.*JSON"):
        list(Replay(["가", object()], tmp_path / "c"))
    with pytest.raises(InputError, match=r"sentence 1 is float64"):
        list(Replay([np.array([1]), np.array([0.5])], tmp_path / "d"))


def test_token_lines_read_back_what_was_written(tmp_path):
    path = tmp_path / "t.txt"
    assert write_token_lines(path, [["▁가", "나"], [], ["다"]]) == 3
    assert list(read_token_lines(path)) == [["▁가", "나"], [], ["다"]]


def test_a_pipeline_replays_a_steps_output_from_the_store_not_from_the_tagger(tmp_path):
    """A vocabulary step's IDs reach the model memory-mapped, and the tokenizer runs once per
    sentence although the vocabulary and the model each read their input."""
    from hangul_dl import Pipeline, Vocabulary
    from hangul_dl.stage import Stage
    from hangul_dl.text.simple_tokenizers import CharTokenizer

    calls = []

    class Counting(CharTokenizer):
        def tokenize(self, text):
            calls.append(text)
            return super().tokenize(text)

    class Spy(Stage):
        def fit(self, data):
            self.kind = type(data).__name__
            self.passes = [list(map(np.ndarray.tolist, data)) for _ in range(2)]
            self.fitted_ = True
            return self

    texts = ["가나다", "나다", "다"]
    pipe = Pipeline([("tok", Counting()), ("vocab", Vocabulary(min_count=1)), ("model", Spy())])
    pipe.fit(iter(texts))
    spy = pipe["model"]
    assert spy.kind == "Replay" and spy.passes[0] == spy.passes[1] and len(spy.passes[0]) == 3
    assert calls == texts  # once each: the vocabulary and the model read the store


def test_a_token_file_written_elsewhere_is_replayed_as_it_is(tmp_path):
    """A token cache entry as a store: read on every pass, counted on demand, never rewritten."""
    path = tmp_path / "entry.txt"
    write_token_lines(path, [["▁국회", "는"], [], ["▁법률"]])
    store = Replay.of_token_file(path)
    assert list(store) == list(store) == [["▁국회", "는"], [], ["▁법률"]]
    assert len(store) == 3 and "3 items as tokens" in repr(store)
    assert store.ids is None and path.read_text(encoding="utf-8") == "▁국회 는\n\n▁법률\n"
