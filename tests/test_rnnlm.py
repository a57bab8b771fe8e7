import numpy as np
import pytest

from hangul_dl.errors import InputError
from hangul_dl.lm.rnnlm import RNNLM
from hangul_dl.nn.gradcheck import check_model
from hangul_dl.nn.model import Model
from hangul_dl.nn.optimizers import SGD, Adam
from hangul_dl.training import BPTTTrainer, perplexity


@pytest.mark.parametrize("config", [
    dict(cell="rnn"),
    dict(cell="lstm", num_layers=2, tie_weights=True),
    dict(cell="gru", num_layers=2),
])
def test_rnnlm_gradcheck(rng, config):
    model = RNNLM(9, embedding_size=4, hidden_size=4, **config)
    model.embed.params[0][...] = rng.standard_normal((9, 4))  # the 0.01 init is too small for eps
    xs, ts = rng.integers(0, 9, (2, 4)), rng.integers(0, 9, (2, 4))
    errors = check_model(model, xs, ts, before_forward=lambda m: m.reset_state())
    assert max(errors.values()) < 1e-6, errors
    if config.get("tie_weights"):
        assert "affine.W" not in errors


def test_book_configurations():
    better = RNNLM(1000, 650, 650, num_layers=2, dropout=0.5, tie_weights=True)
    names = [type(layer).__name__ for layer in better.layers]
    assert names == ["TimeEmbedding", "TimeDropout", "TimeLSTM", "TimeDropout", "TimeLSTM",
                     "TimeDropout", "TimeAffine"]
    assert np.shares_memory(better.affine.params[0], better.embed.params[0])
    simple = RNNLM(50, cell="rnn")
    assert [type(layer).__name__ for layer in simple.layers] == ["TimeEmbedding", "TimeRNN", "TimeAffine"]
    with pytest.raises(InputError, match="embedding_size == hidden_size"):
        RNNLM(10, 8, 16, tie_weights=True)
    with pytest.raises(InputError, match="unknown cell 'transformer'"):
        RNNLM(10, cell="transformer")


def test_untrained_perplexity_is_about_vocabulary_size(rng):
    V = 200
    corpus = rng.integers(0, V, size=5000).astype(np.int32)
    _, ppl = perplexity(RNNLM(V, 32, 32), corpus)
    assert 0.9 * V < ppl < 1.1 * V


def test_lstm_learns_long_range_structure_a_unigram_model_cannot():
    """Matching brackets: after '(' '[' ... the closer must match the opener seen several steps
    earlier; a unigram model cannot know which closer comes next."""
    rng = np.random.default_rng(0)
    opens, closes, fill = [4, 5], [6, 7], [8, 9, 10]
    seq = []
    for _ in range(800):
        k = rng.integers(2)
        seq += [opens[k], *rng.choice(fill, size=rng.integers(1, 4)).tolist(), closes[k], 3]
    corpus = np.array(seq, dtype=np.int32)
    model = RNNLM(11, 24, 48, seed=1)
    trainer = BPTTTrainer(model, Adam(lr=0.01), quiet=True)
    trainer.fit(corpus, max_epoch=12, batch_size=10, time_size=20)
    model.eval()
    model.reset_state()
    scores = model.predict(corpus[None, :-1])[0]
    # positions whose next ID is a closer: the model must pick the matching one
    closer_pos = np.flatnonzero(np.isin(corpus[1:], closes))[20:]
    correct = (scores[closer_pos][:, closes].argmax(axis=1) == (corpus[1:][closer_pos] - 6)).mean()
    assert correct > 0.95
    counts = np.bincount(corpus, minlength=11) / len(corpus)
    unigram_loss = -np.log(counts[corpus[1:]]).mean()
    assert perplexity(model, corpus)[0] < unigram_loss / 2


def test_bptt_trainer_lr_decay_best_weights_and_resume(tmp_path):
    pattern = np.array([4, 5, 6, 7, 8, 9, 10, 11, 12, 13], dtype=np.int32)
    corpus = np.tile(pattern, 100)
    model = RNNLM(14, 8, 16, seed=0)
    trainer = BPTTTrainer(model, SGD(lr=1.0), quiet=True, checkpoint_dir=tmp_path / "ck")
    trainer.fit(corpus, max_epoch=3, batch_size=5, time_size=10, validation=corpus[:200])
    assert {"perplexity"} <= set(trainer.history.columns)
    assert {"val_loss", "val_perplexity"} <= set(trainer.epochs.columns)
    assert trainer.epochs["val_perplexity"].iloc[-1] < 14
    assert (tmp_path / "ck" / "best" / "weights.npz").is_file()
    best = Model.load(tmp_path / "ck" / "best")
    np.testing.assert_allclose(perplexity(best, corpus[:200])[1], trainer.best_perplexity, rtol=1e-5)

    # resume: a fresh trainer picks up step, lr, optimizer and history, then continues
    resumed = BPTTTrainer(RNNLM(14, 8, 16, seed=99), SGD(lr=123.0), quiet=True)
    resumed.load_checkpoint(tmp_path / "ck" / "last")
    assert resumed.step == trainer.step and resumed.optimizer.lr == trainer.optimizer.lr
    assert resumed.time_idx == trainer.time_idx and len(resumed.history) == len(trainer.history)
    resumed.fit(corpus, max_epoch=1, batch_size=5, time_size=10)
    assert resumed.epoch == 4


def test_plateau_divides_learning_rate():
    corpus = np.random.default_rng(0).integers(4, 30, size=3000).astype(np.int32)  # no structure
    trainer = BPTTTrainer(RNNLM(30, 8, 8), SGD(lr=20.0), quiet=True)
    trainer.fit(corpus, max_epoch=4, batch_size=5, time_size=10, validation=corpus[:300])
    assert trainer.optimizer.lr < 20.0


def test_rnnlm_save_load_identical_logits(tmp_path, rng):
    model = RNNLM(30, 8, 8, num_layers=2, cell="gru", dropout=0.3, tie_weights=True, seed=5)
    model.save(tmp_path / "lm")
    loaded = Model.load(tmp_path / "lm")
    xs = rng.integers(0, 30, (3, 7))
    model.eval().reset_state()
    loaded.eval().reset_state()
    np.testing.assert_array_equal(loaded.predict(xs), model.predict(xs))


def test_state_selection_for_reordered_batches(rng):
    model = RNNLM(20, 6, 6).eval()
    xs = rng.integers(0, 20, (3, 5))
    model.predict(xs)
    model.select_state([2, 2, 0])
    h, _ = model.get_state()[0]
    assert h.shape == (3, 6) and np.array_equal(h[0], h[1])
