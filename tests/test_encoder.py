"""TextEncoder: text → IDs with each sentence tokenized once, a store on disk, and a round trip."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_dl import register
from hangul_dl.errors import InputError
from hangul_dl.text.encoder import TextEncoder
from hangul_dl.text.ids import IdSequences
from hangul_dl.text.tokenizers import CharTokenizer, KonlpyTokenizer

REVIEWS = ["아버지가방에 들어가신다", "ㅋㅋㅋ 진짜 재밌다 ㅠㅠ", "", "배우 연기 최고👍 10점 만점에 10점",
           "재밌다 재밌다"]


@register  # a class of our own: loadable from a saved folder only once registered
class CountingTokenizer(CharTokenizer):
    """A char tokenizer that counts the texts it tokenizes (pipe batches call tokenize too)."""

    seen = 0

    def tokenize(self, text):
        type(self).seen += 1
        return super().tokenize(text)


def test_fit_tokenizes_each_sentence_once_and_keeps_one_sentence_per_line():
    CountingTokenizer.seen = 0
    enc = TextEncoder(CountingTokenizer()).fit(REVIEWS)
    assert CountingTokenizer.seen == len(REVIEWS)
    assert isinstance(enc.ids_, IdSequences) and len(enc.ids_) == len(REVIEWS)
    assert len(enc.ids_[2]) == 0  # the empty line stays, as an empty sentence
    for text, ids in zip(REVIEWS, enc.ids_):
        np.testing.assert_array_equal(ids, enc.encode(text))
    assert CountingTokenizer.seen == 2 * len(REVIEWS)  # encode() above, not fit, tokenized again


def test_okt_round_trip_and_unknown_words():
    enc = TextEncoder(KonlpyTokenizer("okt")).fit(REVIEWS)
    for text in REVIEWS:
        assert enc.decode(enc.encode(text)) == " ".join(text.split())
    unknown = enc.encode("완전히새로운단어")
    assert (unknown == enc.vocab_.unk_id).any()
    assert enc.decode(np.array([enc.vocab_.bos_id, *enc.encode("재밌다"), enc.vocab_.eos_id])) == "재밌다"


def test_a_file_is_tokenized_into_the_cache_and_a_second_fit_reuses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "reviews.txt"
    corpus.write_text("\n".join(REVIEWS) + "\n", encoding="utf-8")
    CountingTokenizer.seen = 0
    first = TextEncoder(CountingTokenizer()).fit(corpus)
    assert CountingTokenizer.seen == len(REVIEWS)
    second = TextEncoder(CountingTokenizer()).fit(corpus)
    assert CountingTokenizer.seen == len(REVIEWS)  # the cache served the second fit
    assert first.vocab_.id_to_token_ == second.vocab_.id_to_token_
    np.testing.assert_array_equal(first.ids_.ids, second.ids_.ids)


def test_vocabulary_settings_and_token_lists():
    tokens = [["재밌다"], ["재밌다", "ㅋㅋ"], ["최고"]]
    enc = TextEncoder("whitespace", min_count=2).fit(tokens)
    assert "재밌다" in enc.vocab_ and "최고" not in enc.vocab_
    assert enc.ids_[2].tolist() == [enc.vocab_.unk_id]


def test_save_and_load_give_the_same_encoding(tmp_path):
    enc = TextEncoder("char", max_size=30).fit(REVIEWS)
    enc.save(tmp_path / "enc")
    loaded = TextEncoder.load(tmp_path / "enc")
    assert loaded.ids_ is None and len(loaded) == len(enc)
    for text in REVIEWS:
        np.testing.assert_array_equal(loaded.encode(text), enc.encode(text))
        assert loaded.decode(loaded.encode(text)) == enc.decode(enc.encode(text))


def test_a_subword_tokenizer_is_fitted_on_the_same_texts_first():
    from hangul_dl.text.subword import SubwordTokenizer

    enc = TextEncoder(SubwordTokenizer(vocab_size=60)).fit(REVIEWS * 3)
    assert enc.tokenizer_.is_fitted
    assert enc.decode(enc.encode(REVIEWS[1])) == " ".join(REVIEWS[1].split())


@pytest.mark.parametrize("data, message", [
    ([], "empty"),
    ("한 문장", "no such file"),
    (["문장", ["토큰"]], "sentence 1"),
    ("no/such/file.txt", "no such file"),
])
def test_bad_input_is_refused_with_a_clear_message(data, message):
    with pytest.raises(InputError, match=message):
        TextEncoder("char").fit(data)


def test_bad_settings_are_refused_before_tokenizing():
    CountingTokenizer.seen = 0
    with pytest.raises(InputError, match="min_count"):
        TextEncoder(CountingTokenizer(), min_count=0).fit(REVIEWS)
    assert CountingTokenizer.seen == 0
    with pytest.raises(InputError, match="expected a tokenizer"):
        TextEncoder(42).fit(REVIEWS)


def test_use_before_fit_says_call_fit_first():
    from hangul_dl.errors import NotFittedError

    with pytest.raises(NotFittedError, match="fit"):
        TextEncoder().encode("안녕")


def test_word_vectors_fit_on_an_encoders_ids_like_on_its_token_lists():
    from hangul_dl.embeddings.count import PPMISVD

    texts = ["재밌다 진짜 재밌다", "연기 진짜 최고", "최고 재밌다 ㅋㅋ", "연기 별로"] * 5
    enc = TextEncoder("whitespace").fit(texts)
    from_ids = PPMISVD(dim=3, min_count=1).fit(enc.ids_, vocab=enc.vocab_)
    from_tokens = PPMISVD(dim=3, min_count=1).fit([enc.tokenize(t) for t in texts])
    assert from_ids.wv_.index_to_key == from_tokens.wv_.index_to_key
    np.testing.assert_allclose(np.abs(from_ids.wv_.vectors), np.abs(from_tokens.wv_.vectors),
                               atol=1e-5)
    with pytest.raises(InputError, match="vocab="):
        PPMISVD(dim=3).fit(enc.ids_)


def test_in_a_pipeline_the_encoder_tokenizes_once_and_hands_its_vocabulary_on(tmp_path):
    from hangul_dl import LanguageModel, Pipeline

    texts = ["재밌다 진짜 재밌다", "연기 진짜 최고", "최고 재밌다 ㅋㅋ", "연기 별로"] * 10
    CountingTokenizer.seen = 0
    pipe = TextEncoder(CountingTokenizer()) | LanguageModel(
        embedding_size=8, hidden_size=8, max_epoch=1, time_size=5, batch_size=2, quiet=True)
    pipe.fit(texts)
    assert CountingTokenizer.seen == len(texts)  # the model read the encoder's stored IDs
    model = pipe[-1]
    assert model.vocab_ is pipe[0].vocab_ and model.tokenizer_ is pipe[0].tokenizer_
    pipe.save(tmp_path / "p")
    assert Pipeline.load(tmp_path / "p")[-1].generate("재밌다", max_tokens=3, seed=0)
