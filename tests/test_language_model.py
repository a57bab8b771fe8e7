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


def test_unknown_prompt_tokens_are_reported_and_echoed_as_written(lm, caplog):
    out = lm.generate("뷁", temperature=0, max_tokens=3)
    assert "뷁" in caplog.text
    assert out[0].startswith("뷁") and "<unk>" not in out[0]  # the prompt as the user wrote it


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


# -- defaults a user expects (issue 13 #4) ---------------------------------------------------
def test_vocabulary_is_bounded_by_default_and_stated_in_the_first_lines(caplog):
    import logging

    assert LanguageModel().min_count == 2 and LanguageModel().max_vocab == 10_000
    caplog.set_level(logging.INFO, logger="hangul_dl.progress")
    lm = LanguageModel(CharTokenizer(), embedding_size=8, hidden_size=8, max_epoch=1,
                       batch_size=2, time_size=5).fit([*SENTENCES[:30], "뷁"])
    assert "뷁" not in lm.vocab_  # seen once: below the default min_count
    lines = [r.getMessage() for r in caplog.records if r.name == "hangul_dl.progress"]
    assert lines[0].startswith(f"vocabulary: {len(lm.vocab_)} entries (min_count=2, "
                               "max_vocab=10,000); 1 of ")
    assert lines[1].startswith("training: ") and "sgd lr=20" in lines[1]


@pytest.mark.parametrize("optimizer, lr", [("sgd", 20.0), ("adam", 0.001), ("rmsprop", 0.001),
                                           ("momentum", 2.0), ("adagrad", 0.1)])
def test_learning_rate_default_depends_on_the_optimizer(optimizer, lr):
    assert LanguageModel(optimizer=optimizer).learning_rate() == lr
    assert LanguageModel(optimizer=optimizer, lr=0.5).learning_rate() == 0.5


def test_adam_with_the_default_lr_trains_instead_of_diverging():
    lm = LanguageModel.train(SENTENCES, CharTokenizer(), optimizer="adam", embedding_size=16,
                             hidden_size=16, max_epoch=2, batch_size=4, time_size=10, quiet=True)
    assert lm.trainer_.optimizer.lr == 0.001
    epochs = lm.trainer_.epochs
    assert epochs["perplexity"].iloc[-1] < epochs["perplexity"].iloc[0] < len(lm.vocab_) * 2


def test_patience_stops_when_validation_stops_improving_and_keeps_the_best_epoch():
    lm = LanguageModel.train(SENTENCES[:40], CharTokenizer(), valid_sentences=SENTENCES[40:60],
                             optimizer="adam", lr=0.05, embedding_size=32, hidden_size=32,
                             max_epoch=40, batch_size=4, time_size=10, lr_decay=None, patience=2,
                             quiet=True)
    trainer = lm.trainer_
    epochs = trainer.epochs
    assert trainer.stopped_early and len(epochs) < 40  # it overfits 40 short lines quickly
    best = int(epochs["val_perplexity"].idxmin())
    assert len(epochs) == best + 1 + 2  # two epochs without a better validation, then stop
    assert lm.perplexity(SENTENCES[40:60]) == pytest.approx(epochs["val_perplexity"].iloc[best],
                                                            rel=1e-3)


# -- refused before any work (issue 12 #6, #7) ----------------------------------------------
@pytest.mark.parametrize("params, message", [
    ({"max_epoch": 0}, "max_epoch must be an integer >= 1, got 0"),
    ({"max_epoch": -2}, "max_epoch must be an integer >= 1, got -2"),
    ({"lr": 0}, "lr must be a number > 0, got 0"),
    ({"lr": -1.0}, "lr must be a number > 0, got -1.0"),
    ({"max_grad": -0.25}, "max_grad must be a number > 0 or None"),
    ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
    ({"dropout": -0.1}, r"dropout must be a number in \[0, 1\)"),
    ({"hidden_size": -3}, "hidden_size must be an integer >= 1, got -3"),
    ({"embedding_size": 0}, "embedding_size must be an integer >= 1"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
    ({"time_size": -5}, "time_size must be an integer >= 1"),
    ({"num_layers": 0}, "num_layers must be an integer >= 1"),
    ({"patience": 0}, "patience must be an integer >= 1 or None"),
    ({"max_vocab": 3}, "max_vocab counts the 4 special tokens"),
    ({"cell": "lsmt"}, "cell must be one of rnn, lstm, gru"),
    ({"optimizer": "adamw"}, "optimizer must be one of sgd"),
    ({"tie_weights": True, "embedding_size": 8, "hidden_size": 16}, "tie_weights needs"),
])
def test_bad_settings_are_refused_before_reading_the_text(params, message, tmp_path):
    missing = tmp_path / "nosuch.txt"  # the settings are checked before the file is opened
    with pytest.raises(InputError, match=f"^LanguageModel: {message}"):
        LanguageModel(CharTokenizer(), quiet=True, **params).fit(missing)
    assert not (tmp_path / "ck").exists()


def test_rnnlm_refuses_bad_sizes_and_dropout():
    from hangul_dl.lm.rnnlm import RNNLM

    with pytest.raises(InputError, match=r"RNNLM: dropout must be a number in \[0, 1\)"):
        RNNLM(10, dropout=1.5)
    with pytest.raises(InputError, match="RNNLM: hidden_size must be an integer >= 1"):
        RNNLM(10, hidden_size=-1)


# -- divergence (issue 12 #5) ---------------------------------------------------------------
def test_huge_learning_rate_stops_with_divergence_error():
    from hangul_dl.errors import DivergenceError

    with pytest.raises(DivergenceError, match=r"epoch 1, step \d+: .*lower the learning rate"):
        LanguageModel.train(SENTENCES, CharTokenizer(), lr=1e6, embedding_size=8, hidden_size=8,
                            max_epoch=2, batch_size=4, time_size=10, quiet=True)


def test_cli_divergence_exits_2_with_one_line_and_keeps_the_saved_model(tmp_path):
    import subprocess
    import sys

    text = tmp_path / "train.txt"
    text.write_text("\n".join(SENTENCES), encoding="utf-8")
    out = tmp_path / "model"
    LanguageModel.train(SENTENCES, CharTokenizer(), embedding_size=8, hidden_size=8,
                        max_epoch=1, batch_size=4, time_size=10, quiet=True).save(out)
    saved = (out / "model" / "weights.npz").read_bytes()
    args = [sys.executable, "-m", "hangul_dl", "lm", "train", str(text), "-o", str(out),
            "--tokenizer", "char", "--lr", "1e6", "--epochs", "2", "--embedding", "8",
            "--hidden", "8", "--batch-size", "4", "--bptt", "10"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("hangul-dl: error:")]
    assert len(errors) == 1 and "diverged at epoch 1" in errors[0]
    assert "Traceback" not in run.stderr and "OverflowError" not in run.stderr
    assert (out / "model" / "weights.npz").read_bytes() == saved  # the good model is kept


# -- best weights across a resume (issue 12 #4) ---------------------------------------------
def test_resume_with_validation_ends_with_the_best_weights_like_an_uninterrupted_run(
        tmp_path, monkeypatch):
    """``lm train --valid ... --resume`` returned the last weights (valid perplexity 813.5 vs
    727.0 uninterrupted). Validation is made to get worse after epoch 2, so the best weights
    come from before the interruption in epoch 3."""
    from hangul_dl.training import BPTTTrainer, perplexity

    real_evaluate = BPTTTrainer.evaluate

    def evaluate(self, corpus, batch_size=10):
        result = real_evaluate(self, corpus, batch_size)
        if self.epoch >= 3:  # overfitting from epoch 3 on
            result["val_perplexity"] *= 10
        return result

    monkeypatch.setattr(BPTTTrainer, "evaluate", evaluate)
    kwargs = dict(embedding_size=8, hidden_size=8, max_epoch=4, batch_size=2, time_size=5,
                  optimizer="adam", lr=0.01, quiet=True, seed=0)
    valid = SENTENCES[:6]
    uninterrupted = LanguageModel.train(SENTENCES, CharTokenizer(), valid_sentences=valid,
                                        **kwargs)
    original, calls = BPTTTrainer._step, {"n": 0}
    steps_per_epoch = int(uninterrupted.trainer_.epochs["step"].iloc[0])

    def step(self, *args):
        calls["n"] += 1
        if calls["n"] == 2 * steps_per_epoch + 3:  # in epoch 3
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(BPTTTrainer, "_step", step)
    first = LanguageModel.train(SENTENCES, CharTokenizer(), valid_sentences=valid,
                                checkpoint_dir=tmp_path / "ck", **kwargs)
    assert first.trainer_.interrupted and first.trainer_.epoch == 3
    monkeypatch.setattr(BPTTTrainer, "_step", original)
    resumed = LanguageModel.train(SENTENCES, CharTokenizer(), valid_sentences=valid,
                                  resume=tmp_path / "ck", **kwargs)
    assert list(resumed.trainer_.epochs["epoch"]) == [1, 2, 3, 4]
    assert resumed.trainer_.best_epoch == uninterrupted.trainer_.best_epoch <= 2
    from hangul_dl.text.ids import encode_corpus

    valid_ids = encode_corpus(valid, CharTokenizer(), uninterrupted.vocab_)
    assert perplexity(resumed.model_, valid_ids)[1] == pytest.approx(
        perplexity(uninterrupted.model_, valid_ids)[1], rel=1e-6)
