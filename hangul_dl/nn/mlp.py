"""The book's chapter-1 network: Affine → Sigmoid → Affine → SoftmaxWithLoss.

``TwoLayerNet`` learns the spiral data of :func:`hangul_dl.datasets.spiral` to about 98% training
accuracy (the book's ``ch01/train.py``: hidden 10, SGD lr 1.0, batch 30, 300 epochs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, as_generator, get_array_module
from .layers import Affine, Sigmoid, SoftmaxWithLoss
from .model import Model

__all__ = ["TwoLayerNet"]


class TwoLayerNet(Model):
    """Two fully connected layers with a sigmoid between them (book ch.1).

    Args:
        input_size: features per example (2 for the spiral).
        hidden_size: hidden units (the book uses 10).
        output_size: classes.
        weight_scale: standard deviation of the initial weights (the book: 0.01).
        seed: seed of the weight initialisation.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 weight_scale: float = 0.01, seed: int | None = 0):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.weight_scale = weight_scale
        self.seed = seed
        rng = as_generator(seed)
        dtype = DEFAULT_DTYPE
        W1 = (weight_scale * rng.standard_normal((input_size, hidden_size))).astype(dtype)
        W2 = (weight_scale * rng.standard_normal((hidden_size, output_size))).astype(dtype)
        self.affine1 = Affine(W1, np.zeros(hidden_size, dtype=dtype))
        self.sigmoid = Sigmoid()
        self.affine2 = Affine(W2, np.zeros(output_size, dtype=dtype))
        self.layers = [self.affine1, self.sigmoid, self.affine2]
        self.loss_layer = SoftmaxWithLoss()

    def accuracy(self, x: Any, t: Any) -> float:
        """Share of examples whose highest score is the target class (IDs or one-hot)."""
        xp = get_array_module(x)
        y = self.predict(x).argmax(axis=1)
        if t.ndim == 2:
            t = t.argmax(axis=1)
        return float(xp.mean(y == t))
