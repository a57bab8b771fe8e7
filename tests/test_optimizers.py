"""One step of each optimizer against values computed by hand."""

import numpy as np
import pytest

from hangul_dl.nn.optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop, clip_grads, get_optimizer


def one_step(opt, p=2.0, g=0.5, steps=1):
    params = [np.array([p])]
    grads = [np.array([g])]
    for _ in range(steps):
        opt.update(params, grads)
    return params[0][0]


def test_sgd():
    assert one_step(SGD(lr=0.1)) == pytest.approx(2.0 - 0.1 * 0.5)


def test_momentum_two_steps():
    # v1 = -0.05; p1 = 1.95; v2 = 0.9 * -0.05 - 0.05 = -0.095; p2 = 1.855
    assert one_step(Momentum(lr=0.1, momentum=0.9), steps=2) == pytest.approx(1.855)


def test_adagrad():
    # h = 0.25; p = 2 - 0.1 * 0.5 / (0.5 + 1e-7)
    assert one_step(AdaGrad(lr=0.1)) == pytest.approx(2.0 - 0.1 * 0.5 / (0.5 + 1e-7))


def test_rmsprop():
    h = 0.01 * 0.25
    assert one_step(RMSprop(lr=0.1, decay_rate=0.99)) == pytest.approx(2.0 - 0.1 * 0.5 / (np.sqrt(h) + 1e-7))


def test_adam_first_step_is_lr_times_sign():
    # m = 0.05, v = 0.00025, lr_t = lr * sqrt(0.001) / 0.1 -> step ~ lr
    lr_t = 0.001 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = 2.0 - lr_t * 0.05 / (np.sqrt(0.00025) + 1e-7)
    assert one_step(Adam(lr=0.001)) == pytest.approx(expected)
    assert expected == pytest.approx(2.0 - 0.001, rel=1e-5)


def test_updates_are_in_place():
    p = np.ones(3)
    view = p[:]
    Adam().update([p], [np.ones(3)])
    assert np.all(view < 1)


def test_clip_grads_hand_example():
    grads = [np.array([3.0]), np.array([4.0])]  # global norm 5
    norm = clip_grads(grads, max_norm=1.0)
    assert norm == pytest.approx(5.0)
    rate = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose([grads[0][0], grads[1][0]], [3 * rate, 4 * rate])
    small = [np.array([0.3]), np.array([0.4])]
    clip_grads(small, max_norm=1.0)
    np.testing.assert_array_equal(small[0], [0.3])  # untouched below the threshold


def test_get_optimizer_by_name():
    assert isinstance(get_optimizer("Adam", lr=0.01), Adam)
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        get_optimizer("adamw")
