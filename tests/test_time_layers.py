import numpy as np

from hangul_dl.nn.gradcheck import check_layer
from hangul_dl.nn.time_layers import TimeAffine, TimeDropout, TimeEmbedding, TimeSoftmaxWithLoss


def ok(errors):
    assert errors and max(errors.values()) < 1e-6, errors


def test_time_embedding_gradcheck(rng):
    ok(check_layer(TimeEmbedding(rng.standard_normal((9, 4))), rng.integers(0, 9, size=(3, 5))))


def test_time_affine_gradcheck_and_matches_per_step(rng):
    layer = TimeAffine(rng.standard_normal((4, 6)), rng.standard_normal(6))
    xs = rng.standard_normal((2, 3, 4))
    out = layer.forward(xs)
    for t in range(3):
        np.testing.assert_allclose(out[:, t], xs[:, t] @ layer.params[0] + layer.params[1])
    ok(check_layer(TimeAffine(rng.standard_normal((4, 6)), rng.standard_normal(6)), xs))


def test_time_softmax_with_loss_mask(rng):
    xs = rng.standard_normal((2, 4, 5))
    ts = np.array([[1, 2, 3, 0], [4, 0, 0, 0]])
    layer = TimeSoftmaxWithLoss(ignore_label=0)
    ok(check_layer(layer, xs, ts))
    loss = layer.forward(xs, ts)
    logp = xs - np.log(np.exp(xs).sum(-1, keepdims=True))
    manual = -(logp[0, 0, 1] + logp[0, 1, 2] + logp[0, 2, 3] + logp[1, 0, 4]) / 4
    assert np.isclose(loss, manual)


def test_time_dropout_gradcheck(rng):
    ok(check_layer(TimeDropout(0.4), rng.standard_normal((2, 3, 4)),
                   before_forward=lambda l: setattr(l, "rng", np.random.default_rng(1))))
