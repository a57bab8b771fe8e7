"""Optimizers (book ch.1 ``common/optimizer.py``) and global-norm gradient clipping.

Each optimizer's ``update(params, grads)`` changes the parameter arrays in place, so views that
share memory (tied weights) and layers holding the same arrays see the new values at once.
State (velocities, moments) is created lazily on the parameters' device.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..backend import get_array_module

__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "Optimizer", "RMSprop", "clip_grads", "get_optimizer"]


class Optimizer:
    """Base class; ``lr`` is public so schedules can change it between steps."""

    def __init__(self, lr: float):
        self.lr = lr

    def update(self, params: Sequence[Any], grads: Sequence[Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(arrays by name such as ``"m.0"``, JSON-able scalars) — everything needed to resume."""
        arrays: dict[str, Any] = {}
        scalars: dict[str, Any] = {}
        for name, value in vars(self).items():
            if isinstance(value, list):
                arrays.update({f"{name}.{i}": a for i, a in enumerate(value)})
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                scalars[name] = value
        return arrays, scalars

    def load_state_dict(self, arrays: dict[str, Any], scalars: dict[str, Any],
                        params: Sequence[Any]) -> None:
        """Restore what :meth:`state_dict` returned, on the device of ``params``."""
        xp = get_array_module(*params)
        for name, value in scalars.items():
            setattr(self, name, value)
        for name in {key.rsplit(".", 1)[0] for key in arrays}:
            count = sum(1 for key in arrays if key.rsplit(".", 1)[0] == name)
            setattr(self, name, [xp.asarray(arrays[f"{name}.{i}"]) for i in range(count)])

    def _state(self, name: str, params: Sequence[Any]) -> list[Any]:
        """Per-parameter state arrays (zeros like each parameter), created on first use."""
        state = getattr(self, name, None)
        if state is None or len(state) != len(params):
            xp = get_array_module(*params)
            state = [xp.zeros_like(p) for p in params]
            setattr(self, name, state)
        return state

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                         if not isinstance(v, list) and not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """``W -= lr * dW``."""

    def __init__(self, lr: float = 0.01):
        super().__init__(lr)

    def update(self, params: Sequence[Any], grads: Sequence[Any]) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g


class Momentum(Optimizer):
    """``v = momentum * v - lr * dW; W += v``."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        super().__init__(lr)
        self.momentum = momentum
        self.v: list[Any] | None = None

    def update(self, params: Sequence[Any], grads: Sequence[Any]) -> None:
        for p, g, v in zip(params, grads, self._state("v", params)):
            v *= self.momentum
            v -= self.lr * g
            p += v


class AdaGrad(Optimizer):
    """``h += dW²; W -= lr * dW / (sqrt(h) + eps)``."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-7):
        super().__init__(lr)
        self.eps = eps
        self.h: list[Any] | None = None

    def update(self, params: Sequence[Any], grads: Sequence[Any]) -> None:
        xp = get_array_module(*params)
        for p, g, h in zip(params, grads, self._state("h", params)):
            h += g * g
            p -= self.lr * g / (xp.sqrt(h) + self.eps)


class RMSprop(Optimizer):
    """``h = decay * h + (1 - decay) * dW²; W -= lr * dW / (sqrt(h) + eps)``."""

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7):
        super().__init__(lr)
        self.decay_rate = decay_rate
        self.eps = eps
        self.h: list[Any] | None = None

    def update(self, params: Sequence[Any], grads: Sequence[Any]) -> None:
        xp = get_array_module(*params)
        for p, g, h in zip(params, grads, self._state("h", params)):
            h *= self.decay_rate
            h += (1 - self.decay_rate) * g * g
            p -= self.lr * g / (xp.sqrt(h) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) in the book's form, bias correction folded into the step size:
    ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); W -= lr_t * m / (sqrt(v) + eps)``.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-7):
        super().__init__(lr)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.iter = 0
        self.m: list[Any] | None = None
        self.v: list[Any] | None = None

    def update(self, params: Sequence[Any], grads: Sequence[Any]) -> None:
        xp = get_array_module(*params)
        m_state, v_state = self._state("m", params), self._state("v", params)
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for p, g, m, v in zip(params, grads, m_state, v_state):
            # the same arithmetic in the same order as m += (1 - beta1) * (g - m) ... with two
            # scratch arrays instead of nine temporaries
            u = g - m
            u *= 1 - self.beta1
            m += u
            xp.multiply(g, g, out=u)
            u -= v
            u *= 1 - self.beta2
            v += u
            d = xp.sqrt(v)
            d += self.eps
            xp.multiply(m, lr_t, out=u)
            u /= d
            p -= u


_OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSprop,
               "adam": Adam}


def get_optimizer(name: str, **kwargs: Any) -> Optimizer:
    """An optimizer by name (``sgd``, ``momentum``, ``adagrad``, ``rmsprop``, ``adam``)."""
    try:
        return _OPTIMIZERS[name.lower()](**kwargs)
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of "
                         f"{', '.join(_OPTIMIZERS)}") from None


def clip_grads(grads: Sequence[Any], max_norm: float) -> float:
    """Scale all gradients in place so that their global L2 norm is at most ``max_norm``.

    Returns the norm before clipping. Uses the book's rate ``max_norm / (norm + 1e-6)``.
    """
    if not grads:
        return 0.0
    xp = get_array_module(*grads)
    # vdot: the sum of squares without a squared copy of every gradient; one device sync
    total = math.sqrt(float(sum(xp.vdot(g.ravel(), g.ravel()) for g in grads)))
    rate = max_norm / (total + 1e-6)
    if rate < 1.0:
        for g in grads:
            g *= rate
    return total
