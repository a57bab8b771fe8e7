"""Minibatch training (book ch.1 ``common/trainer.py``), made observable and safe to stop.

``Trainer(model, optimizer).fit(x, t, ...)`` shuffles with a seeded generator, clips gradients by
global norm, logs the mean loss every ``eval_interval`` steps, evaluates validation data after
every epoch and returns the history as a pandas DataFrame. Progress shows in a tqdm bar (silent
when stderr is not a terminal or ``quiet=True``).

Safety: a NaN or infinite loss stops training with :class:`~hangul_dl.errors.DivergenceError`
naming the epoch and step; Ctrl-C stops after the current step and leaves the model and the
history usable (``trainer.interrupted`` is then True).

The loop is split into overridable pieces (``_batches``, ``_step``, ``evaluate``) so that other
trainers change only what differs: :class:`BPTTTrainer` (book ch.5-6) trains language models on
one long ID stream with truncated backpropagation through time, reports perplexity, divides the
learning rate when validation perplexity stops improving, and keeps the best weights.

Checkpoints (``save_checkpoint`` / ``load_checkpoint``) hold the model, the optimizer state, the
counters and the history, so a stopped run resumes where it was. With ``checkpoint_dir`` the
trainer writes ``checkpoint_dir/last`` after every epoch, every ``checkpoint_every`` steps, and
when Ctrl-C stops it; a run resumed from there continues the interrupted epoch at the step it
reached (each epoch's shuffle is derived from ``(seed, epoch)``, so it is the same order again).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .backend import as_generator, get_array_module
from .errors import DivergenceError, FormatError, InputError, ShapeError
from .io import (
    atomic_directory,
    load_arrays,
    read_manifest,
    save_arrays,
    write_csv,
    write_manifest,
)
from .nn.model import WEIGHTS, Model
from .nn.optimizers import Optimizer, clip_grads
from .progress import progress

__all__ = ["BPTTTrainer", "Trainer", "last_checkpoint", "perplexity"]

log = logging.getLogger(__name__)


class Trainer:
    """Train a model whose ``forward(x, t)`` returns a scalar loss and ``backward()`` fills grads.

    Attributes after :meth:`fit`:
        history: DataFrame, one row per logging interval (epoch, step, loss, lr, seconds).
        epochs: DataFrame, one row per epoch (loss, and val_loss / val_accuracy when validation
            data was given).
        interrupted: True when Ctrl-C stopped training.
        epoch, step: the current epoch (1-based once training started) and the global step.
        epoch_step: steps done in the current epoch; 0 between epochs.

    ``checkpoint_dir`` (optional) receives ``last/`` after every epoch, every ``checkpoint_every``
    steps and on Ctrl-C, for :meth:`load_checkpoint` to resume from.
    """

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None):
        self.model = model
        self.optimizer = optimizer
        self.quiet = quiet
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.history = pd.DataFrame(columns=["epoch", "step", "loss", "lr", "seconds"])
        self.epochs = pd.DataFrame(columns=["epoch", "step", "loss", "lr", "seconds"])
        self.interrupted = False
        self.step = 0
        self.epoch = 0
        self.epoch_step = 0

    # -- the pieces subclasses override -----------------------------------------------------
    def _batches(self, x: Any, t: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[Any, Any]]:
        """Shuffled minibatches for one epoch from batch ``start`` on (the last, partial batch is
        dropped, as in the book)."""
        xp = get_array_module(x)
        order = xp.asarray(rng.permutation(len(x)))
        for i in range(start, len(x) // batch_size):
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

        Calling ``fit`` again (or after :meth:`load_checkpoint`) continues from the current step;
        an epoch that was interrupted is finished first and counts as one of the ``max_epoch``.
        """
        if len(x) != len(t):
            raise ShapeError(f"x has {len(x)} examples but t has {len(t)}; they must match")
        steps = self._steps_per_epoch(x, batch_size)
        if steps < 1:
            raise ShapeError(f"batch_size {batch_size} is larger than the data ({len(x)} "
                             "examples); use a smaller batch_size")
        shared_rng = None if isinstance(seed, int) else as_generator(seed)
        self.interrupted = False
        self.model.train()
        rows: list[dict] = []
        start = time.perf_counter()
        bar = progress(total=max_epoch * steps - min(self.epoch_step, steps), quiet=self.quiet,
                       desc="train", unit="step")
        try:
            for _ in range(max_epoch):
                resumed_at = self.epoch_step
                if not resumed_at:
                    self.epoch += 1
                rng = shared_rng or np.random.default_rng([seed, self.epoch])
                total, count, epoch_total, epoch_count = 0.0, 0, 0.0, 0
                for bx, bt in self._batches(x, t, batch_size, rng, resumed_at):
                    loss = self._step(bx, bt, max_grad)
                    self.step += 1
                    self.epoch_step += 1
                    if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                        self._save_last()
                    total, count = total + loss, count + 1
                    epoch_total, epoch_count = epoch_total + loss, epoch_count + 1
                    bar.update(1)
                    if count == eval_interval:
                        rows.append(self._row(total / count, start))
                        bar.set_postfix(epoch=self.epoch, **self._postfix(total / count))
                        total, count = 0.0, 0
                if count:
                    rows.append(self._row(total / count, start))
                self.epoch_step = 0
                summary = self._row(epoch_total / max(epoch_count, 1), start)
                if validation is not None:
                    summary.update(self.evaluate(*validation))
                    bar.set_postfix(epoch=self.epoch, **{k: f"{v:.4g}" for k, v in summary.items()
                                                         if k.startswith("val_")})
                self.history, rows = _append(self.history, rows), []
                self.epochs = _append(self.epochs, [summary])
                self._on_epoch_end(summary)
                self._save_last()
        except KeyboardInterrupt:
            self.interrupted = True
            log.warning("training interrupted at epoch %d, step %d; the model and history "
                        "are kept", self.epoch, self.step)
        finally:
            bar.close()
            self.history = _append(self.history, rows)
        if self.interrupted and self._save_last():
            log.warning("resume with the checkpoint %s", Path(self.checkpoint_dir) / "last")
        return self.history

    def _postfix(self, loss: float) -> dict[str, str]:
        """What the progress bar shows after each logging interval."""
        return {"loss": f"{loss:.4f}"}

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
        return write_csv(self.history, path)

    # -- checkpoints --------------------------------------------------------------------------
    def _counters(self) -> dict[str, Any]:
        """Trainer state saved in checkpoints (subclasses add their own)."""
        return {"epoch": self.epoch, "step": self.step, "epoch_step": self.epoch_step}

    def _save_last(self) -> bool:
        """Save the resumable state to ``checkpoint_dir/last`` when a directory was given."""
        if self.checkpoint_dir is None:
            return False
        self.save_checkpoint(Path(self.checkpoint_dir) / "last")
        return True

    def save_checkpoint(self, directory: str | os.PathLike) -> Path:
        """Save model, optimizer state, counters and history to ``directory`` (atomic)."""
        arrays, scalars = self.optimizer.state_dict()
        with atomic_directory(directory) as tmp:
            self.model.save(tmp / "model")
            save_arrays(tmp / "optimizer.npz", arrays)
            write_csv(self.history, tmp / "history.csv")
            write_csv(self.epochs, tmp / "epochs.csv")
            write_manifest(tmp, kind="checkpoint", config={
                "trainer": type(self).__name__, "optimizer": type(self.optimizer).__name__,
                "optimizer_state": scalars, "counters": self._counters()})
        return Path(directory)

    def load_checkpoint(self, directory: str | os.PathLike) -> None:
        """Resume from :meth:`save_checkpoint`: weights, optimizer state, counters, history.

        The trainer's model and optimizer must be built with the same configuration.
        """
        directory = Path(directory)
        config = read_manifest(directory, kind="checkpoint")["config"]
        if config.get("optimizer") != type(self.optimizer).__name__:
            raise FormatError(f"{directory}: checkpoint was trained with {config.get('optimizer')}, "
                              f"this trainer uses {type(self.optimizer).__name__}")
        model_dir = directory / "model"
        read_manifest(model_dir, kind=type(self.model).__name__)
        self.model.load_state_dict(load_arrays(model_dir / WEIGHTS), source=str(model_dir))
        self.optimizer.load_state_dict(load_arrays(directory / "optimizer.npz"),
                                       config.get("optimizer_state", {}), self.model.params)
        for name, value in config.get("counters", {}).items():
            setattr(self, name, value)
        self.history = pd.read_csv(directory / "history.csv")
        self.epochs = pd.read_csv(directory / "epochs.csv")


def _append(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return frame
    new = pd.DataFrame(rows)
    return new if frame.empty else pd.concat([frame, new], ignore_index=True)


# -- language models: truncated BPTT (book ch.5-6) ---------------------------------------------
def _check_stream(corpus: Any, name: str) -> Any:
    if getattr(corpus, "ndim", None) != 1 or corpus.dtype.kind not in "iu":
        raise ShapeError(f"{name} must be a 1-D integer ID array (see text.ids.encode_corpus); "
                         f"got {getattr(corpus, 'shape', type(corpus))} "
                         f"{getattr(corpus, 'dtype', '')}")
    if len(corpus) < 2:
        raise ShapeError(f"{name} has {len(corpus)} IDs; a language model needs at least 2")
    return corpus


def last_checkpoint(path: str | os.PathLike) -> Path:
    """The checkpoint to resume from, given a ``checkpoint_dir`` (its ``last/``) or that
    ``last/`` folder itself — both spellings work wherever ``resume=`` is accepted."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such checkpoint; pass the checkpoint_dir of the stopped run "
                         "(or its last/ folder)")
    return path / "last" if (path / "last").is_dir() else path


def perplexity(model: Any, corpus: Any, batch_size: int = 10, time_size: int = 35
               ) -> tuple[float, float]:
    """(mean cross-entropy, perplexity) of ``model`` predicting each ID of ``corpus`` from the
    ones before it, in evaluation mode.

    The stream is cut into ``batch_size`` parallel rows read ``time_size`` steps at a time, with
    the state carried along each row; every ID is scored except at most ``batch_size - 1`` at
    the very end. The model's recurrent state is reset before and after.
    """
    corpus = _check_stream(corpus, "corpus")
    xp = get_array_module(corpus)
    n = len(corpus) - 1
    batch_size = max(1, min(batch_size, n))
    jump = n // batch_size
    xs = corpus[:-1][:batch_size * jump].reshape(batch_size, jump)
    ts = corpus[1:][:batch_size * jump].reshape(batch_size, jump)
    model.eval()
    model.reset_state()
    total, count = 0.0, 0
    try:
        for start in range(0, jump, time_size):
            bx, bt = xs[:, start:start + time_size], ts[:, start:start + time_size]
            total += float(model.forward(xp.asarray(bx), xp.asarray(bt))) * bt.size
            count += bt.size
    finally:
        model.reset_state()
        model.train()
    loss = total / max(count, 1)
    return loss, math.exp(min(loss, 700.0))


class BPTTTrainer(Trainer):
    """Truncated-BPTT training of a language model on one 1-D ID stream (book ch.5-6).

    The stream is read as ``batch_size`` parallel rows starting at evenly spaced offsets
    (the book's ``RnnlmTrainer``), ``time_size`` steps per update, with the recurrent state
    carried between updates. After each epoch with validation data: if validation perplexity
    improved, the weights are kept as the best (and saved to ``checkpoint_dir/best`` when given);
    otherwise the learning rate is divided by ``lr_decay`` (the book divides by 4).
    ``checkpoint_dir``/``checkpoint_every`` work as in :class:`Trainer`; the read position in
    the stream is part of the checkpoint, so a resumed run reads on where it stopped (the
    recurrent state starts again from zeros).
    """

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 lr_decay: float | None = 4.0, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None):
        super().__init__(model, optimizer, quiet, checkpoint_dir, checkpoint_every)
        self.lr_decay = lr_decay
        self.time_size = 35
        self.time_idx = 0
        self.best_perplexity = math.inf
        self._best_weights: dict[str, Any] | None = None

    def fit(self, corpus: Any, max_epoch: int = 10, batch_size: int = 20, time_size: int = 35,
            max_grad: float | None = 0.25, eval_interval: int = 20, validation: Any = None,
            seed: int | None = 0, restore_best: bool = True) -> pd.DataFrame:  # type: ignore[override]
        """Train on ``corpus`` (1-D IDs); ``validation`` is another 1-D ID array or None.

        With validation data and ``restore_best``, the model ends with the weights of its best
        validation perplexity.
        """
        corpus = _check_stream(corpus, "corpus")
        if validation is not None:
            validation = _check_stream(validation, "validation")
        if len(corpus) - 1 < batch_size * time_size:
            raise ShapeError(f"corpus has {len(corpus)} IDs, fewer than batch_size * time_size + 1 "
                             f"= {batch_size * time_size + 1}; use a smaller batch or BPTT length")
        self.time_size = time_size
        history = super().fit(corpus[:-1], corpus[1:], max_epoch=max_epoch, batch_size=batch_size,
                              max_grad=max_grad, eval_interval=eval_interval, seed=seed,
                              validation=None if validation is None else (validation,))
        if restore_best and self._best_weights is not None:
            self.model.load_state_dict(self._best_weights, source="best weights")
        self.model.reset_state()
        return history

    def _steps_per_epoch(self, x: Any, batch_size: int) -> int:
        return len(x) // (batch_size * self.time_size)

    def _batches(self, xs: Any, ts: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[Any, Any]]:
        xp = get_array_module(xs)
        data_size = len(xs)
        offsets = (xp.arange(batch_size) * (data_size // batch_size))[:, None]
        steps = xp.arange(self.time_size)[None, :]
        for _ in range(start, self._steps_per_epoch(xs, batch_size)):
            idx = (offsets + (self.time_idx + steps)) % data_size  # (N, T)
            self.time_idx = (self.time_idx + self.time_size) % data_size
            yield xs[idx], ts[idx]

    def evaluate(self, corpus: Any, batch_size: int = 10) -> dict[str, float]:  # type: ignore[override]
        loss, ppl = perplexity(self.model, corpus, batch_size=batch_size, time_size=self.time_size)
        return {"val_loss": loss, "val_perplexity": ppl}

    def _postfix(self, loss: float) -> dict[str, str]:
        return {"loss": f"{loss:.3f}", "ppl": f"{math.exp(min(loss, 700.0)):.1f}"}

    def _row(self, loss: float, start: float) -> dict[str, Any]:
        row = super()._row(loss, start)
        row["perplexity"] = math.exp(min(loss, 700.0))
        return row

    def _counters(self) -> dict[str, Any]:
        best = self.best_perplexity if math.isfinite(self.best_perplexity) else None  # JSON
        return {**super()._counters(), "time_idx": self.time_idx, "best_perplexity": best}

    def load_checkpoint(self, directory: str | os.PathLike) -> None:
        super().load_checkpoint(directory)
        if self.best_perplexity is None:
            self.best_perplexity = math.inf

    def _on_epoch_end(self, summary: dict[str, Any]) -> None:
        super()._on_epoch_end(summary)
        ppl = summary.get("val_perplexity")
        if ppl is not None:
            if ppl < self.best_perplexity:
                self.best_perplexity = ppl
                self._best_weights = {k: v.copy() for k, v in self.model.state_dict().items()}
                if self.checkpoint_dir is not None:
                    self.model.save(Path(self.checkpoint_dir) / "best")
            elif self.lr_decay:
                self.optimizer.lr /= self.lr_decay
                log.info("validation perplexity %.2f did not improve on %.2f: lr -> %g",
                         ppl, self.best_perplexity, self.optimizer.lr)
