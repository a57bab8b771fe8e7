import numpy as np
import pytest

from hangul_dl.errors import FormatError, InputError
from hangul_dl.lm.language_model import LanguageModel
from hangul_dl.text.tokenizers import CharTokenizer

SENTENCES = ["대한민국은 민주공화국이다.", "국회는 법률을 제정한다.", "대통령은 국가를 대표한다."] * 40


@pytest.fixture(scope="module")
def lm():
    return LanguageModel.train(SENTENCES, CharTokenizer(), embedding_size=32, hidden_size=48,
                               optimizer="adam", lr=0.02, max_epoch=6, batch_size=8,
                               time_size=10, quiet=True, seed=1)


def test_generates_natural_korean_continuations(lm):
    assert lm.generate("국회는", temperature=0) == ["국회는 법률을 제정한다."]
    assert lm.generate("대통", temperature=0)[0] == "대통령은 국가를 대표한다."
    texts = lm.generate(["대한", "국회"], temperature=0)
    assert [t[0] for t in texts] == ["대한민국은 민주공화국이다.", "국회는 법률을 제정한다."]


def test_sampling_is_seeded_and_never_emits_specials(lm):
    a = lm.generate("대", n=4, seed=3, temperature=1.5)
    assert a == lm.generate("대", n=4, seed=3, temperature=1.5)
    assert all("<" not in text for text in a)


def test_perplexity_and_history(lm):
    assert lm.perplexity(SENTENCES[:3]) < 2.0
    assert len(lm.history_) > 0


def test_save_load_same_generation(lm, tmp_path):
    lm.save(tmp_path / "m")
    loaded = LanguageModel.load(tmp_path / "m")
    assert loaded.generate("국회", n=2, seed=0) == lm.generate("국회", n=2, seed=0)
    np.testing.assert_array_equal(loaded.encode("국회는"), lm.encode("국회는"))
    (tmp_path / "m" / "vocab.txt").write_text("garbage\n", encoding="utf-8")
    with pytest.raises(FormatError):
        LanguageModel.load(tmp_path / "m")


def test_unknown_prompt_tokens_are_reported(lm, caplog):
    lm.generate("뷁", temperature=0, max_tokens=3)
    assert "뷁" in caplog.text


def test_training_from_a_file_streams_through_the_cache_and_matches_a_list(tmp_path, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "train.txt"
    path.write_text("\n".join(SENTENCES[:30]) + "\n\n", encoding="utf-8")  # empty line: no sentence
    kwargs = dict(embedding_size=8, hidden_size=8, max_epoch=1, batch_size=2, time_size=5,
                  quiet=True, seed=0)
    from_file = LanguageModel.train(path, CharTokenizer(), **kwargs)
    from_list = LanguageModel.train(SENTENCES[:30], CharTokenizer(), **kwargs)
    assert from_file.vocab_.token_to_id == from_list.vocab_.token_to_id
    for (name, a), (_, b) in zip(from_file.model_.state_dict().items(),
                                 from_list.model_.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert list((tmp_path / "cache" / "tokens").glob("*.txt"))  # tokenized once, cached


def test_empty_training_text_is_refused(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        LanguageModel.train(path, CharTokenizer(), quiet=True)


def test_interrupted_training_resumes_mid_epoch_and_completes_the_plan(tmp_path, monkeypatch):
    from hangul_dl.training import BPTTTrainer

    kwargs = dict(embedding_size=8, hidden_size=8, max_epoch=2, batch_size=2, time_size=5,
                  quiet=True, seed=0, checkpoint_dir=tmp_path / "ck")
    original, calls = BPTTTrainer._step, {"n": 0}

    def step(self, *args):
        calls["n"] += 1
        if calls["n"] == 40:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(BPTTTrainer, "_step", step)
    first = LanguageModel.train(SENTENCES, CharTokenizer(), **kwargs)
    assert first.trainer_.interrupted and (first.trainer_.epoch, first.trainer_.step) == (1, 39)
    monkeypatch.setattr(BPTTTrainer, "_step", original)
    resumed = LanguageModel.train(SENTENCES, CharTokenizer(), resume=tmp_path / "ck" / "last",
                                  **kwargs)
    trainer = resumed.trainer_
    assert not trainer.interrupted and (trainer.epoch, trainer.epoch_step) == (2, 0)
    kwargs.pop("checkpoint_dir")
    uninterrupted = LanguageModel.train(SENTENCES, CharTokenizer(), **kwargs).trainer_
    assert trainer.step == uninterrupted.step  # the same steps in all, none repeated or lost
    assert list(trainer.epochs["epoch"]) == [1, 2]


def test_is_a_stage_fitted_from_vocabulary_ids(tmp_path):
    from hangul_dl.stage import Stage
    from hangul_dl.text.vocab import Vocabulary

    tok = CharTokenizer()
    token_lists = [tok.tokenize(s) for s in SENTENCES]
    vocab = Vocabulary().fit(token_lists)
    ids = list(vocab.transform(token_lists))
    stage = LanguageModel(embedding_size=8, hidden_size=8, max_epoch=1, batch_size=4,
                          time_size=5, quiet=True)
    assert not stage.is_fitted and stage.get_params()["hidden_size"] == 8
    with pytest.raises(InputError, match="vocab"):
        stage.fit(ids)
    stage.fit(ids, vocab=vocab, tokenizer=tok)
    assert stage.vocab_ is vocab and stage.tokenizer_ is tok
    assert len(stage.transform(SENTENCES[:2])) == 2
    stage.save(tmp_path / "lm")
    loaded = Stage.load(tmp_path / "lm")
    assert isinstance(loaded, LanguageModel) and loaded.get_params() == stage.get_params()
    assert isinstance(loaded.tokenizer_, CharTokenizer)  # the one fit used, not the parameter
    assert loaded.generate("국", seed=1) == stage.generate("국", seed=1)
