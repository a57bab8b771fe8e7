"""Minibatch training (book ch.1 ``common/trainer.py``), made observable and safe to stop.

``Trainer(model, optimizer).fit(x, t, ...)`` shuffles with a seeded generator, clips gradients by
global norm, logs the mean loss every ``eval_interval`` steps, evaluates validation data after
every epoch and returns the history as a pandas DataFrame. Progress shows in a tqdm bar (silent
when stderr is not a terminal or ``quiet=True``).

Safety: a NaN or infinite loss stops training with :class:`~hangul_dl.errors.DivergenceError`
naming the epoch and step; Ctrl-C stops after the current step and leaves the model and the
history usable (``trainer.interrupted`` is then True).

The loop is split into overridable pieces (``_batches``, ``_step``, ``evaluate``) so that other
trainers (truncated BPTT for language models) change only what differs.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .backend import as_generator, get_array_module
from .errors import DivergenceError, ShapeError
from .io import atomic_open
from .nn.model import Model
from .nn.optimizers import Optimizer, clip_grads

__all__ = ["Trainer", "progress"]

log = logging.getLogger(__name__)


def progress(total: int | None = None, quiet: bool = False, **kwargs: Any) -> Any:
    """A tqdm bar that is off when ``quiet`` or when stderr is not a terminal."""
    from tqdm.auto import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, disable=disable, dynamic_ncols=True, **kwargs)


class Trainer:
    """Train a model whose ``forward(x, t)`` returns a scalar loss and ``backward()`` fills grads.

    Attributes after :meth:`fit`:
        history: DataFrame, one row per logging interval (epoch, step, loss, lr, seconds).
        epochs: DataFrame, one row per epoch (loss, and val_loss / val_accuracy when validation
            data was given).
        interrupted: True when Ctrl-C stopped training.
    """

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False):
        self.model = model
        self.optimizer = optimizer
        self.quiet = quiet
        self.history = pd.DataFrame(columns=["epoch", "step", "loss", "lr", "seconds"])
        self.epochs = pd.DataFrame(columns=["epoch", "step", "loss", "lr", "seconds"])
        self.interrupted = False
        self.step = 0
        self.epoch = 0

    # -- the pieces subclasses override -----------------------------------------------------
    def _batches(self, x: Any, t: Any, batch_size: int, rng: np.random.Generator
                 ) -> Iterator[tuple[Any, Any]]:
        """Shuffled minibatches for one epoch (the last, partial batch is dropped, as in the book)."""
        xp = get_array_module(x)
        order = xp.asarray(rng.permutation(len(x)))
        for i in range(len(x) // batch_size):
            idx = order[i * batch_size:(i + 1) * batch_size]
            yield x[idx], t[idx]

    def _steps_per_epoch(self, x: Any, batch_size: int) -> int:
        return len(x) // batch_size

    def _step(self, x: Any, t: Any, max_grad: float | None) -> float:
        """One forward/backward/update; returns the loss as a Python float."""
        loss = float(self.model.forward(x, t))
        if not math.isfinite(loss):
            raise DivergenceError(
                f"loss became {loss} at epoch {self.epoch}, step {self.step} "
                f"(lr={self.optimizer.lr:g}); lower the learning rate or clip gradients "
                "with max_grad. The model keeps the parameters of the previous step.")
        self.model.backward()
        grads = self.model.grads
        if max_grad is not None:
            clip_grads(grads, max_grad)
        self.optimizer.update(self.model.params, grads)
        return loss

    def evaluate(self, x: Any, t: Any, batch_size: int = 256) -> dict[str, float]:
        """Mean loss (and accuracy, when the model has ``accuracy``) in evaluation mode."""
        self.model.eval()
        try:
            losses, accs, sizes = [], [], []
            for i in range(0, len(x), batch_size):
                bx, bt = x[i:i + batch_size], t[i:i + batch_size]
                losses.append(float(self.model.forward(bx, bt)))
                if hasattr(self.model, "accuracy"):
                    accs.append(self.model.accuracy(bx, bt))
                sizes.append(len(bx))
        finally:
            self.model.train()
        result = {"val_loss": float(np.average(losses, weights=sizes))}
        if accs:
            result["val_accuracy"] = float(np.average(accs, weights=sizes))
        return result

    # -- the loop -----------------------------------------------------------------------------
    def fit(self, x: Any, t: Any, max_epoch: int = 10, batch_size: int = 32,
            max_grad: float | None = None, eval_interval: int = 20,
            validation: tuple[Any, Any] | None = None, seed: int | None = 0) -> pd.DataFrame:
        """Train for ``max_epoch`` epochs; returns :attr:`history` (also kept on the trainer).

        Calling ``fit`` again continues from the current step with fresh shuffling.
        """
        if len(x) != len(t):
            raise ShapeError(f"x has {len(x)} examples but t has {len(t)}; they must match")
        steps = self._steps_per_epoch(x, batch_size)
        if steps < 1:
            raise ShapeError(f"batch_size {batch_size} is larger than the data ({len(x)} "
                             "examples); use a smaller batch_size")
        rng = as_generator(seed)
        self.interrupted = False
        self.model.train()
        rows: list[dict] = []
        epoch_rows: list[dict] = []
        start = time.perf_counter()
        bar = progress(total=max_epoch * steps, quiet=self.quiet, desc="train", unit="step")
        try:
            for _ in range(max_epoch):
                self.epoch += 1
                total, count, epoch_total, epoch_count = 0.0, 0, 0.0, 0
                for bx, bt in self._batches(x, t, batch_size, rng):
                    loss = self._step(bx, bt, max_grad)
                    self.step += 1
                    total, count = total + loss, count + 1
                    epoch_total, epoch_count = epoch_total + loss, epoch_count + 1
                    bar.update(1)
                    if count == eval_interval:
                        rows.append(self._row(total / count, start))
                        bar.set_postfix(epoch=self.epoch, loss=f"{total / count:.4f}")
                        total, count = 0.0, 0
                if count:
                    rows.append(self._row(total / count, start))
                summary = self._row(epoch_total / max(epoch_count, 1), start)
                if validation is not None:
                    summary.update(self.evaluate(*validation))
                epoch_rows.append(summary)
                self._on_epoch_end(summary)
        except KeyboardInterrupt:
            self.interrupted = True
            log.warning("training interrupted at epoch %d, step %d; the model and history "
                        "are kept", self.epoch, self.step)
        finally:
            bar.close()
            self.history = _append(self.history, rows)
            self.epochs = _append(self.epochs, epoch_rows)
        return self.history

    def _row(self, loss: float, start: float) -> dict[str, Any]:
        return {"epoch": self.epoch, "step": self.step, "loss": loss,
                "lr": self.optimizer.lr, "seconds": time.perf_counter() - start}

    def _on_epoch_end(self, summary: dict[str, Any]) -> None:
        """Hook after each epoch (learning-rate schedules, checkpoints)."""
        text = ", ".join(f"{k}={v:.4g}" for k, v in summary.items() if k not in ("epoch", "step"))
        log.debug("epoch %d: %s", self.epoch, text)

    # -- outputs ------------------------------------------------------------------------------
    def plot(self, path: str | os.PathLike, title: str = "학습 손실", logy: bool = False) -> Path:
        """Save the loss curve (and validation points) as an image; returns the path."""
        from .plotting import plot_history

        return plot_history(self.history, path, epochs=self.epochs, title=title, logy=logy)

    def save_history(self, path: str | os.PathLike) -> Path:
        """Write the per-interval history as UTF-8 CSV, atomically."""
        path = Path(path)
        with atomic_open(path, "w") as f:
            self.history.to_csv(f, index=False)
        return path


def _append(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return frame
    new = pd.DataFrame(rows)
    return new if frame.empty else pd.concat([frame, new], ignore_index=True)
