"""ClassifierTrainer: the :class:`~hangul_dl.training.Trainer` loop on length-bucketed texts.

The only hooks that differ from minibatch training: each epoch draws new length-bucketed
batches (texts of about the same length together, so padding stays small; the order inside a
length and the order of the batches are drawn from ``(seed, epoch)``, so a run resumed
mid-epoch sees the same batches again), a batch's loss is weighted by its number of texts, and
validation is a callable (the :class:`~hangul_dl.classify.classifier.TextClassifier` scores
its validation texts) whose ``val_accuracy`` is maximised — ties go to the lower
``val_loss``. Checkpoints, resume, best weights, early stopping (``patience``), divergence and
progress are the Trainer's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from ..backend import get_array_module
from ..errors import ShapeError
from ..nn.model import Model
from ..nn.optimizers import Optimizer
from ..text.ids import pad_batch
from ..training import Trainer, check_settings

__all__ = ["ClassifierTrainer", "length_batches"]


def length_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator
                   ) -> list[np.ndarray]:
    """Index arrays of one epoch's batches: sorted by length (random tie-break), cut into
    ``batch_size`` pieces, in a random order. Every example appears exactly once."""
    n = len(lengths)
    order = np.lexsort((rng.random(n), np.asarray(lengths)))
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class ClassifierTrainer(Trainer):
    """Train a :class:`~hangul_dl.classify.models.ClassifierModel` on ragged ID sequences.

    Args:
        model, optimizer, quiet, checkpoint_dir, checkpoint_every, save_last, save_best: as
            :class:`~hangul_dl.training.Trainer`.
        patience: epochs without a better ``val_accuracy`` before stopping (None: never).

    Attributes: as :class:`~hangul_dl.training.Trainer`.
    """

    monitor = "val_accuracy"
    mode = "max"

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 patience: int | None = 2, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None,
                 save_last: Callable[[Path], None] | None = None,
                 save_best: Callable[[], None] | None = None):
        super().__init__(model, optimizer, quiet, checkpoint_dir, checkpoint_every,
                         patience=patience, save_last=save_last, save_best=save_best)

    def train_texts(self, ids: Sequence[np.ndarray], labels: np.ndarray, max_epoch: int,
                    batch_size: int = 64, max_grad: float | None = 5.0, seed: int = 0,
                    validate: Callable[[], dict[str, float]] | None = None,
                    eval_interval: int = 50) -> pd.DataFrame:
        """Train until ``max_epoch`` epochs in all (or early stopping); returns ``history``.

        ``ids[i]`` (1-D int32, possibly empty) is text ``i`` and ``labels[i]`` its class ID.
        ``validate()`` returns metrics such as ``{"val_loss": ..., "val_accuracy": ...}``.
        """
        labels = np.asarray(labels)
        if len(ids) != len(labels):
            raise ShapeError(f"{len(ids)} texts but {len(labels)} labels; they must pair up")
        if not len(ids):
            raise ShapeError("no training texts")
        check_settings(type(self).__name__, max_epoch=max_epoch, batch_size=batch_size)
        done = self.epoch - (1 if self.epoch_step else 0)  # epochs fully trained
        if done >= max_epoch:
            return self.history
        lengths = np.array([len(s) for s in ids])
        return self._run((ids, labels, lengths), max_epoch - done, batch_size, max_grad,
                         eval_interval, validate, seed, restore_best=True)

    def _steps_per_epoch(self, data: Any, batch_size: int) -> int:
        return math.ceil(len(data[0]) / batch_size)

    def _batches(self, data: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[tuple[Any, ...], float]]:
        ids, labels, lengths = data
        xp = get_array_module(self.model.params[0])
        for idx in length_batches(lengths, batch_size, rng)[start:]:
            batch, _ = pad_batch([ids[i] for i in idx])  # (N, T), padded with 0 at the end
            yield (xp.asarray(batch), xp.asarray(labels[idx])), float(len(idx))
