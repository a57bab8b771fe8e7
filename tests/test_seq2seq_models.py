"""Seq2seq models (book ch.7-8): gradient checks, padding invariance, batch = items one by one,
the step API, save/load, errors, and learning the book's toy tasks."""

import numpy as np
import pytest

from hangul_dl.datasets import addition
from hangul_dl.errors import InputError, ShapeError
from hangul_dl.nn.gradcheck import check_model
from hangul_dl.nn.model import Model
from hangul_dl.nn.optimizers import Adam
from hangul_dl.seq2seq.data import encode_pairs, fit_vocabularies
from hangul_dl.seq2seq.decode import decoding_accuracy, greedy_decode
from hangul_dl.seq2seq.models import (
    AttentionSeq2seq,
    DecoderState,
    PeekySeq2seq,
    Seq2seq,
)
from hangul_dl.training import Trainer

MODELS = [Seq2seq, PeekySeq2seq, AttentionSeq2seq]
OPTIONS = [{}, {"reverse_input": True}, {"bidirectional": True, "num_layers": 2}]
SRC_V, TGT_V = 9, 7


def small(cls, **kw):
    """A tiny model whose weights are all O(1), so that every gradient is large enough for a
    meaningful numerical check (the book's 0.01 embeddings give gradients near 1e-5)."""
    model = cls(SRC_V, TGT_V, embedding_size=3, hidden_size=4, seed=1, **kw)
    rng = np.random.default_rng(7)
    for p in model.params:
        p[...] = rng.standard_normal(p.shape) * 0.7
    return model


def pad(rows, width):
    out = np.zeros((len(rows), width), dtype=np.int32)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


# three pairs of different lengths; tgt = <bos>=2 ... <eos>=3
SRC = [[4, 5, 6, 7], [8, 4], [5]]
TGT = [[2, 4, 5, 3], [2, 6, 5, 4, 6, 3], [2, 3]]


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("options", OPTIONS, ids=["plain", "reversed", "bi2"])
def test_gradcheck_with_padding(cls, options):
    model = small(cls, **options)
    errors = check_model(model, pad(SRC, 5), pad(TGT, 7), eps=1e-5)
    assert errors and max(errors.values()) < 1e-6, errors


def test_peeky_gradcheck_stacked_with_reversal():
    model = small(PeekySeq2seq, num_layers=2, reverse_input=True, bidirectional=True)
    errors = check_model(model, pad(SRC, 4), pad(TGT, 6), eps=1e-5)
    assert max(errors.values()) < 1e-6, errors


def loss_and_grads(model, src, tgt):
    loss = float(model.forward(src, tgt))
    model.backward()
    return loss, {name: g.copy() for name, _, g in model.named_params()}


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("options", OPTIONS, ids=["plain", "reversed", "bi2"])
def test_padding_does_not_change_loss_or_gradients(cls, options):
    """Extra padding columns change nothing (within-batch padding: the batch-equals-items test)."""
    model = small(cls, **options).astype(np.float64)
    loss, grads = loss_and_grads(model, pad(SRC, 4), pad(TGT, 6))
    loss2, grads2 = loss_and_grads(model, pad(SRC, 9), pad(TGT, 11))
    assert loss == pytest.approx(loss2, rel=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads2[name], grads[name], rtol=1e-10, atol=1e-14,
                                   err_msg=name)


@pytest.mark.parametrize("cls", MODELS)
def test_batch_equals_items_one_by_one(cls):
    """The batch loss is the token-weighted mean of the items' losses; gradients likewise."""
    model = small(cls, bidirectional=True, reverse_input=True).astype(np.float64)
    loss, grads = loss_and_grads(model, pad(SRC, 4), pad(TGT, 6))
    counts = [len(t) - 1 for t in TGT]
    total_loss, total_grads = 0.0, {k: 0.0 for k in grads}
    for s, t, c in zip(SRC, TGT, counts):
        item_loss, item_grads = loss_and_grads(model, pad([s], len(s)), pad([t], len(t)))
        total_loss += item_loss * c / sum(counts)
        for k in grads:
            total_grads[k] = total_grads[k] + item_grads[k] * c / sum(counts)
    assert loss == pytest.approx(total_loss, rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads[k], total_grads[k], rtol=1e-9, atol=1e-14, err_msg=k)


def test_params_are_the_layers_arrays_and_named():
    model = small(AttentionSeq2seq, bidirectional=True)
    names = [n for n, _, _ in model.named_params()]
    assert names[:2] == ["encoder.embed.W", "encoder.lstm.0.Wx1"]
    assert "decoder.affine.W" in names
    assert model.params[0] is model.encoder.embed.params[0]
    assert model.grads[0] is model.encoder.embed.grads[0]
    assert model.decoder.affine.params[0].shape == (8, TGT_V)  # concat(context, h)
    assert "AttentionSeq2seq(src_vocab_size=9" in repr(model) and "parameters" in repr(model)


@pytest.mark.parametrize("cls", MODELS)
def test_step_api_matches_teacher_forcing(cls):
    """Running step() over tgt[:, :-1] gives the scores of the training forward pass."""
    model = small(cls, num_layers=2).astype(np.float64).eval()
    src, tgt = pad(SRC, 4), pad(TGT, 6)
    model.forward(src, tgt)
    full = model.decoder.affine.forward(model.decoder.affine.x.reshape(3, 5, -1))
    state = model.encode(src)
    assert isinstance(state, DecoderState) and state.batch_size == 3
    for t in range(5):
        logits, state = model.step(tgt[:, t], state)
        np.testing.assert_allclose(logits, full[:, t], atol=1e-12)
    if cls is AttentionSeq2seq:
        assert state.attention.shape == (3, 4) and (state.attention[2, 1:] == 0).all()
    else:
        assert state.attention is None


def test_state_select_reorders_and_repeats_rows():
    model = small(AttentionSeq2seq).eval()
    state = model.encode(pad(SRC, 4))
    picked = state.select([2, 2, 0])
    assert picked.batch_size == 3 and picked.enc_hs.shape == (3, 4, 4)
    np.testing.assert_array_equal(picked.h[0][1], state.h[0][2])
    np.testing.assert_array_equal(picked.mask[2], state.mask[0])
    assert "DecoderState(N=3" in repr(picked)


@pytest.mark.parametrize("cls", MODELS)
def test_save_load_identical_outputs(cls, tmp_path):
    model = small(cls, bidirectional=True, num_layers=2, reverse_input=True)
    src, tgt = pad(SRC, 4), pad(TGT, 6)
    model.forward(src, tgt)
    model.backward()
    for p, g in zip(model.params, model.grads):
        p -= 0.5 * g  # not the initial weights
    model.save(tmp_path / "m")
    loaded = Model.load(tmp_path / "m")
    assert type(loaded) is cls and loaded.get_config() == model.get_config()
    assert float(loaded.forward(src, tgt)) == float(model.forward(src, tgt))
    assert greedy_decode(loaded, src, max_len=6) == greedy_decode(model, src, max_len=6)


def test_dropout_only_in_training():
    model = small(AttentionSeq2seq, dropout=0.5)
    src, tgt = pad(SRC, 4), pad(TGT, 6)
    assert model.training
    assert float(model.forward(src, tgt)) != float(model.forward(src, tgt))
    model.eval()
    assert not model.training
    assert float(model.forward(src, tgt)) == float(model.forward(src, tgt))
    greedy_decode(model, src, max_len=3)
    assert not model.training  # decoding restores the mode it found
    model.train()
    greedy_decode(model, src, max_len=3)
    assert model.training


def test_bad_input_errors():
    model = small(Seq2seq)
    with pytest.raises(InputError, match="row 1 has padding"):
        model.forward(np.array([[4, 5], [0, 4]], dtype=np.int32), pad(TGT[:2], 6))
    with pytest.raises(InputError, match="vocabulary has 7 entries"):
        model.forward(pad(SRC, 4), pad([[2, 9, 3]] * 3, 3))
    with pytest.raises(ShapeError, match="at least 2 columns"):
        model.forward(pad(SRC, 4), np.full((3, 1), 2, dtype=np.int32))
    with pytest.raises(ShapeError, match="2-D integer"):
        model.forward(np.ones((3, 4)), pad(TGT, 6))
    with pytest.raises(ShapeError, match="rows"):
        model.forward(pad(SRC[:2], 4), pad(TGT, 6))
    with pytest.raises(InputError, match="even hidden_size"):
        Seq2seq(5, hidden_size=5, bidirectional=True)
    with pytest.raises(InputError, match="num_layers"):
        Seq2seq(5, num_layers=0)


def test_empty_source_gives_zero_state():
    model = small(AttentionSeq2seq).eval()
    state = model.encode(pad([[4, 5], []], 2))
    assert (state.h[0][1] == 0).all()
    logits, state = model.step(np.array([2, 2]), state)
    assert np.isfinite(logits).all() and (state.attention[1] == 0).all()


@pytest.mark.slow  # ~40 s on a quiet 2-core machine: the suite's longest test
def test_addition_with_reversal_and_peeky_learns():
    """The book's ch.7 result on 2-digit addition: reversed input + Peeky decoder reach near-perfect
    exact match (Trainer with validation accuracy, then a lower learning rate). Batches of 128 at
    lr 0.02 take 9 epochs of 47 steps, a third of the steps of the book's batch 32 at lr 0.01
    (which needs 10 epochs of 188 steps here), for the same result."""
    pairs = addition(7000, seed=0, max_digits=2)
    src_vocab, tgt_vocab = fit_vocabularies(pairs)
    src, tgt = encode_pairs(pairs, src_vocab, tgt_vocab)
    model = PeekySeq2seq(len(src_vocab), len(tgt_vocab), embedding_size=16, hidden_size=128,
                         reverse_input=True)
    optimizer = Adam(lr=0.02)
    trainer = Trainer(model, optimizer, quiet=True)
    trainer.fit(src[:6000], tgt[:6000], max_epoch=7, batch_size=128, max_grad=5.0,
                validation=(src[6000:6200], tgt[6000:6200]))
    assert trainer.epochs["val_accuracy"].iloc[-1] > trainer.epochs["val_accuracy"].iloc[0]
    optimizer.lr = 0.004
    trainer.fit(src[:6000], tgt[:6000], max_epoch=2, batch_size=128, max_grad=5.0, seed=1)
    assert decoding_accuracy(model, src[6000:], tgt[6000:]) >= 0.95
    question = "".join(src_vocab.decode(src[6000]))
    answer = "".join(tgt_vocab.decode(greedy_decode(model, src[6000:6001], max_len=4)[0]))
    assert int(answer) == sum(map(int, question.split("+")))


def _pairs_trainer(tmp_path=None, seed=0):
    from hangul_dl.seq2seq.trainer import Seq2seqTrainer

    pairs = addition(300, seed=0, max_digits=2)
    src_vocab, tgt_vocab = fit_vocabularies(pairs)
    src, tgt = encode_pairs(pairs, src_vocab, tgt_vocab)
    model = AttentionSeq2seq(len(src_vocab), len(tgt_vocab), embedding_size=8, hidden_size=16,
                             seed=seed)
    trainer = Seq2seqTrainer(model, Adam(lr=0.01), quiet=True, patience=None,
                             checkpoint_dir=tmp_path)
    vs, vt = pad([s.tolist() for s in src[:20]], 6), pad([t.tolist() for t in tgt[:20]], 6)

    def validate():
        model.eval()
        loss = float(model.forward(vs, vt))
        model.train()
        return {"val_loss": loss, "val_bleu": -loss}

    return trainer, src, tgt, validate


def test_seq2seq_trainer_resumes_mid_epoch_to_the_same_weights_and_best(tmp_path):
    """The shared Trainer loop: Ctrl-C in the middle of epoch 2, resume, and the result is the
    uninterrupted run's, best weights included (kept in the checkpoint)."""
    reference, src, tgt, validate = _pairs_trainer()
    reference.train_pairs(src, tgt, max_epoch=3, batch_size=32, validate=validate)

    first, _, _, validate = _pairs_trainer(tmp_path / "ck")
    original, calls = first._step, {"n": 0}

    def step(*args):
        calls["n"] += 1
        if calls["n"] == 15:  # 10 batches per epoch
            raise KeyboardInterrupt
        return original(*args)

    first._step = step
    first.train_pairs(src, tgt, max_epoch=3, batch_size=32, validate=validate)
    assert first.interrupted and (first.epoch, first.epoch_step) == (2, 4)

    resumed, _, _, validate = _pairs_trainer(seed=9)
    resumed.load_checkpoint(tmp_path / "ck" / "last")
    resumed.train_pairs(src, tgt, max_epoch=3, batch_size=32, validate=validate)
    assert list(resumed.epochs["epoch"]) == [1, 2, 3] and resumed.step == reference.step == 30
    for a, b in zip(resumed.model.params, reference.model.params):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert resumed.best_epoch == reference.best_epoch
    for name, value in resumed.best_weights.items():
        np.testing.assert_allclose(value, reference.best_weights[name], rtol=1e-6, atol=1e-7)


def test_seq2seq_trainer_refuses_bad_settings_and_reports_divergence():
    from hangul_dl.errors import DivergenceError

    trainer, src, tgt, _ = _pairs_trainer()
    with pytest.raises(InputError, match="max_epoch must be an integer >= 1, got 0"):
        trainer.train_pairs(src, tgt, max_epoch=0)
    with pytest.raises(InputError, match="max_grad must be a number > 0 or None"):
        trainer.train_pairs(src, tgt, max_epoch=1, max_grad=-5.0)
    assert trainer.step == 0
    trainer.optimizer.lr = 1e4
    with pytest.raises(DivergenceError, match=r"diverged at epoch 1, step \d+"):
        trainer.train_pairs(src, tgt, max_epoch=3, batch_size=32, max_grad=None)
