"""Classification models: float64 gradient checks of each whole model, learning planted tasks
through the Trainer (a word-order task separates the unigram bag from the models that see
order), batch-size invariance with padding, input errors, and save/load."""

import numpy as np
import pytest

from hangul_dl.classify.models import (
    BagOfEmbeddings,
    CNNClassifier,
    RNNClassifier,
    bigram_ids,
)
from hangul_dl.errors import InputError, ShapeError
from hangul_dl.nn.gradcheck import check_model
from hangul_dl.nn.model import Model
from hangul_dl.nn.optimizers import Adam
from hangul_dl.text.ids import pad_batch
from hangul_dl.training import Trainer

V = 7
IDS = np.array([[3, 4, 5, 6, 2], [1, 2, 3, 0, 0], [5, 0, 0, 0, 0]], dtype=np.int32)
LABELS = np.array([0, 2, 1])

TINY = {
    "bow": lambda: BagOfEmbeddings(V, 3, 4),
    "bow-bigrams": lambda: BagOfEmbeddings(V, 3, 4, ngram_buckets=5),
    "bilstm-max-2layers": lambda: RNNClassifier(V, 3, 2, 2, cell="lstm", pooling="max",
                                                num_layers=2),
    "bigru-attention": lambda: RNNClassifier(V, 3, 3, 2, cell="gru", pooling="attention"),
    "lstm-uni-mean": lambda: RNNClassifier(V, 3, 3, 3, bidirectional=False, pooling="mean"),
    "cnn": lambda: CNNClassifier(V, 3, 3, 2, kernel_sizes=(2, 3), dropout=0.5),
    "cnn-valid": lambda: CNNClassifier(V, 3, 3, 2, kernel_sizes=(1, 2), padding="valid",
                                       dropout=0.0),
}


def reseed_dropout(model):
    for layer in model._all_layers():
        if hasattr(layer, "ratio"):
            layer.rng = np.random.default_rng(0)


@pytest.mark.parametrize("name", TINY)
def test_whole_model_gradcheck(name):
    model = TINY[name]()
    # eps 1e-4: the attention scorer's gradients are ~1e-5, below the noise of eps=1e-6
    errors = check_model(model, IDS, LABELS, eps=1e-4 if "attention" in name else 1e-6,
                         before_forward=reseed_dropout)
    assert errors and max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("name", TINY)
def test_batch_size_invariance(name):
    """Each text alone (no padding) scores what it scores inside a padded batch."""
    model = TINY[name]().astype(np.float64)
    rng = np.random.default_rng(1)
    texts = [rng.integers(1, V, size=n) for n in (7, 1, 4, 3, 6)]
    batch, lengths = pad_batch(texts)
    wide = np.pad(batch, ((0, 0), (0, 3)))  # more padding than any row needs
    together = model.predict_proba(wide)
    np.testing.assert_allclose(model.predict_proba(batch, lengths), together, rtol=1e-10)
    for i, text in enumerate(texts):
        alone = model.predict_proba(text[None, :].astype(np.int32))
        np.testing.assert_allclose(alone[0], together[i], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", TINY)
def test_ids_past_a_length_are_never_read(name):
    model = TINY[name]().astype(np.float64)
    lengths = np.array([5, 3, 1])
    garbage = IDS.copy()
    garbage[1, 3:] = 6
    garbage[2, 1:] = 4
    np.testing.assert_allclose(model.predict_proba(garbage, lengths),
                               model.predict_proba(IDS, lengths), rtol=1e-12)


def planted(n, seed, order=False):
    """Texts of 2-12 filler tokens (IDs 5..29) with one planted cue.

    ``order=False``: cue 3 means class 1, cue 4 class 0 (any bag of words solves it).
    ``order=True``: every text holds both 3 and 4 side by side; "3 4" is class 1, "4 3" class 0,
    so the bag of unigrams is the same for both classes.
    """
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        y = int(rng.integers(2))
        words = list(rng.integers(5, 30, size=int(rng.integers(2, 12))))
        cue = ([3, 4] if y else [4, 3]) if order else [3 if y else 4]
        pos = int(rng.integers(len(words) + 1))
        texts.append(np.array(words[:pos] + cue + words[pos:], dtype=np.int32))
        labels.append(y)
    batch, _ = pad_batch(texts)
    return batch, np.array(labels)


MODELS = {
    "bow": lambda: BagOfEmbeddings(30, 2, 16),
    "bow-bigrams": lambda: BagOfEmbeddings(30, 2, 16, ngram_buckets=256),
    "bilstm-max": lambda: RNNClassifier(30, 2, 16, 16, pooling="max"),
    "bigru-attention": lambda: RNNClassifier(30, 2, 16, 16, cell="gru", pooling="attention"),
    "cnn": lambda: CNNClassifier(30, 2, 16, 16, dropout=0.2),
}
LR = {"bow": 0.05, "bow-bigrams": 0.05}


def train(name, x, t, epochs):
    model = MODELS[name]()
    Trainer(model, Adam(lr=LR.get(name, 0.01)), quiet=True).fit(
        x, t, max_epoch=epochs, batch_size=32, seed=0)
    return model


@pytest.mark.parametrize("name", MODELS)
def test_learns_a_planted_cue(name):
    x, t = planted(400, seed=0)
    model = train(name, x, t, epochs=4)
    xv, tv = planted(300, seed=1)
    assert model.accuracy(xv, tv) > 0.9


@pytest.mark.parametrize("name", MODELS)
def test_word_order_separates_the_unigram_bag_from_the_rest(name):
    x, t = planted(600, seed=2, order=True)
    model = train(name, x, t, epochs=5)
    xv, tv = planted(300, seed=3, order=True)
    accuracy = model.accuracy(xv, tv)
    if name == "bow":
        assert accuracy < 0.65  # same unigrams in both classes: chance
    else:
        assert accuracy > 0.9


def test_trainer_reports_validation_accuracy():
    x, t = planted(200, seed=0)
    trainer = Trainer(BagOfEmbeddings(30, 2, 8), Adam(lr=0.05), quiet=True)
    trainer.fit(x, t, max_epoch=2, batch_size=32, validation=planted(64, seed=1))
    assert {"val_loss", "val_accuracy"} <= set(trainer.epochs.columns)


def test_predict_proba_is_in_eval_mode_and_restores_the_mode():
    model = CNNClassifier(V, 2, 4, 3, dropout=0.5)
    model.train()
    p1, p2 = model.predict_proba(IDS), model.predict_proba(IDS)
    np.testing.assert_array_equal(p1, p2)  # dropout off
    np.testing.assert_allclose(p1.sum(axis=1), 1.0, rtol=1e-6)
    assert model.drop.training
    assert model.predict_classes(IDS).tolist() == p1.argmax(axis=1).tolist()


def test_bigram_ids_are_in_the_bucket_range():
    b = bigram_ids(IDS, V, 5)
    assert b.shape == (3, 4) and b.dtype == np.int32
    assert b.min() >= V and b.max() < V + 5
    assert bigram_ids(np.array([[3, 4]]), V, 1000)[0, 0] != bigram_ids(np.array([[4, 3]]), V, 1000)[0, 0]


def test_empty_texts_and_empty_batches_work():
    model = RNNClassifier(V, 2, 3, 3, pooling="attention")
    p = model.predict_proba(np.zeros((2, 0), dtype=np.int32))
    assert p.shape == (2, 2) and np.isfinite(p).all()
    p = model.predict_proba(np.array([[0, 0], [3, 0]], dtype=np.int32))
    assert np.isfinite(p).all()


def test_bad_inputs_raise_clear_errors():
    model = BagOfEmbeddings(V, 2, 4)
    with pytest.raises(ShapeError, match="2-D integer"):
        model.predict(IDS.astype(float))
    with pytest.raises(InputError, match="vocabulary has 7"):
        model.predict(IDS + 5)
    with pytest.raises(InputError, match="padding .* before a real token"):
        model.predict(np.array([[3, 0, 4]], dtype=np.int32))
    with pytest.raises(InputError, match="lengths must be in 0..5"):
        model.predict(IDS, np.array([6, 1, 1]))
    with pytest.raises(InputError, match="class IDs 0..1"):
        model.forward(IDS, np.array([0, 1, 2]))
    with pytest.raises(ShapeError, match="3 class IDs"):
        model.forward(IDS, np.array([0, 1]))
    for bad in [dict(cell="rnn"), dict(pooling="last"), dict(num_layers=0)]:
        with pytest.raises(InputError):
            RNNClassifier(V, **bad)
    with pytest.raises(InputError, match="kernel_sizes"):
        CNNClassifier(V, kernel_sizes=())
    with pytest.raises(InputError, match="num_classes"):
        BagOfEmbeddings(V, num_classes=1)


def test_set_embeddings_and_freeze():
    model = CNNClassifier(V, 2, 4, 3, freeze_embeddings=True, dropout=0.0)
    vectors = np.arange(8, dtype=np.float32).reshape(2, 4)
    model.set_embeddings(vectors, rows=[3, 5])
    np.testing.assert_array_equal(model.embed.params[0][[3, 5]], vectors)
    model.forward(IDS, np.array([0, 1, 1]))
    model.backward()
    assert (model.embed.grads[0] == 0).all() and np.abs(model.conv.grads[0]).sum() > 0
    with pytest.raises(ShapeError):
        model.set_embeddings(vectors)
    with pytest.raises(InputError, match="token IDs 0..6"):
        model.set_embeddings(vectors, rows=[3, 9])


def test_init_from_word_vectors():
    from hangul_dl.embeddings.vectors import WordVectors

    wv = WordVectors(["좋다", "별로", "<pad>"], np.arange(12, dtype=np.float32).reshape(3, 4))
    model = RNNClassifier(V, 2, 4, 3)
    before = model.embed.params[0].copy()
    id_to_token = ["<pad>", "<unk>", "<bos>", "<eos>", "좋다", "재밌다", "별로"]
    assert model.init_from_word_vectors(wv, id_to_token) == 2  # specials and misses keep theirs
    W = model.embed.params[0]
    np.testing.assert_array_equal(W[4], wv["좋다"])
    np.testing.assert_array_equal(W[6], wv["별로"])
    np.testing.assert_array_equal(W[[0, 1, 2, 3, 5]], before[[0, 1, 2, 3, 5]])
    with pytest.raises(ShapeError, match="size 3"):
        RNNClassifier(V, 2, 3, 3).init_from_word_vectors(wv, id_to_token)


@pytest.mark.parametrize("name", ["bow-bigrams", "bilstm-max-2layers", "bigru-attention", "cnn"])
def test_save_and_load_give_the_same_predictions(tmp_path, name):
    model = TINY[name]()
    model.save(tmp_path / "m")
    loaded = Model.load(tmp_path / "m")
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict_proba(IDS), model.predict_proba(IDS))


@pytest.mark.gpu
@pytest.mark.parametrize("name", TINY)
def test_gpu_gives_the_cpu_numbers(name):
    """The same code on CuPy: probabilities, loss and every gradient match the CPU's."""
    from hangul_dl.backend import to_cpu

    model = TINY[name]().astype(np.float64).eval()  # dropout off: masks differ by device
    p_cpu = model.predict_proba(IDS)
    loss_cpu = float(model.forward(IDS, LABELS))
    model.backward()
    grads_cpu = [g.copy() for g in model.grads]
    model.to_gpu()
    np.testing.assert_allclose(to_cpu(model.predict_proba(IDS)), p_cpu, rtol=1e-9)
    assert float(model.forward(IDS, LABELS)) == pytest.approx(loss_cpu, rel=1e-9)
    model.backward()
    for g_gpu, g_cpu in zip(model.grads, grads_cpu):
        np.testing.assert_allclose(to_cpu(g_gpu), g_cpu, rtol=1e-7, atol=1e-12)
