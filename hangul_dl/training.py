"""The one training loop (book ch.1 ``common/trainer.py``, ch.5-6 ``RnnlmTrainer``), made
observable, resumable and safe to stop.

:class:`Trainer` owns everything every model family needs from a training loop:

- epochs of batches from a hook (:meth:`Trainer._batches`), each epoch's order derived from
  ``(seed, epoch)`` so that a resumed run sees the same batches again;
- one step per batch (:meth:`Trainer._step`: forward, backward, global-norm clipping, update;
  word2vec overrides it with its sparse update);
- history as pandas DataFrames: ``history`` (one row per ``eval_interval`` steps) and
  ``epochs`` (one row per epoch, with the validation metrics);
- validation after every epoch, the best weights by a metric (``monitor``, ``mode``), an
  optional learning-rate decay when the metric does not improve (``lr_decay``) and early
  stopping (``patience``);
- checkpoints: ``checkpoint_dir/last`` (model, optimizer state, counters, history and the best
  weights: one copy) after every epoch, every ``checkpoint_every`` steps and on Ctrl-C, and
  ``checkpoint_dir/best`` (the best model, for use); :meth:`Trainer.load_checkpoint` resumes
  mid-epoch at the step reached, with the best weights, so that ``restore_best`` at the end
  gives the best of the whole run, before and after the interruption;
- divergence: a non-finite loss or parameter, a step's loss above ``divergence_factor`` (100)
  times the loss of the run's first step, or an epoch's mean loss above 10 times it, stops
  training with
  :class:`~hangul_dl.errors.DivergenceError` naming the epoch and the step; nothing is saved
  from a diverged state (the last good checkpoint stays as it was);
- progress (:class:`~hangul_dl.progress.TrainingProgress`): a tqdm bar on a terminal, log
  lines at least every 30 s without one, the time an epoch takes after the first steps, one
  line per epoch; ``quiet`` silences it. Ctrl-C stops after the current step and leaves the
  model and the history usable (``interrupted`` is then True).

The families differ only in their hooks: :class:`Trainer` itself trains on minibatches of
``(x, t)`` arrays; :class:`BPTTTrainer` (here) on one ID stream with truncated BPTT;
:class:`~hangul_dl.seq2seq.trainer.Seq2seqTrainer` on length-bucketed pairs;
:class:`~hangul_dl.embeddings.word2vec_training.Word2VecTrainer` on word2vec windows.

Settings are checked before any work (:func:`check_settings`): ``max_epoch``/``epochs`` >= 1,
``lr`` > 0, ``max_grad`` > 0 or None, ``dropout`` in [0, 1), sizes >= 1.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

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
from .progress import TrainingProgress

if TYPE_CHECKING:  # pandas takes ~0.4 s to import: only training and resuming need it
    import pandas as pd

__all__ = ["DIVERGENCE_FACTOR", "BPTTTrainer", "Trainer", "check_settings", "last_checkpoint",
           "perplexity", "safe_exp"]

log = logging.getLogger(__name__)

#: A step's loss above this many times the run's first loss (at least 1) counts as divergence.
DIVERGENCE_FACTOR = 100.0
#: An epoch's mean loss above this many times the run's first loss (at least 1) does too: the
#: model then predicts far worse than it did untrained (e.g. a language model at lr=1000).
EPOCH_DIVERGENCE_FACTOR = 10.0

BEST_WEIGHTS = "best_weights.npz"


def safe_exp(x: float) -> float:
    """``exp(x)`` that gives ``inf`` instead of raising OverflowError (perplexity of a huge loss)."""
    x = float(x)
    if x != x:
        return math.nan
    return math.exp(x) if x < 709.0 else math.inf


# -- settings checked before any work ------------------------------------------------------------
_POSITIVE_INTS = frozenset({
    "max_epoch", "epochs", "batch_size", "time_size", "embedding_size", "hidden_size",
    "num_layers", "dim", "window", "negative", "min_count", "max_length", "beam",
    "eval_interval", "vocab_size", "src_vocab_size", "target_vocab_size"})
_OPTIONAL_POSITIVE_INTS = frozenset({"max_vocab", "checkpoint_every", "patience"})
_POSITIVE_FLOATS = frozenset({"lr"})
_OPTIONAL_POSITIVE_FLOATS = frozenset({"max_grad"})
_UNIT_INTERVAL = frozenset({"dropout", "valid_fraction", "sample"})  # [0, 1)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)) and math.isfinite(float(value)))


def check_settings(owner: str, **values: Any) -> None:
    """Refuse out-of-range training settings with one-line :class:`InputError` messages.

    Known names: sizes and counts (``max_epoch``, ``epochs``, ``batch_size``, ``time_size``,
    ``embedding_size``, ``hidden_size``, ``num_layers``, ``dim``, ``window``, ``negative``,
    ``min_count``, ``max_length``, ``beam``, ``eval_interval``, ...: integers >= 1);
    ``max_vocab``, ``checkpoint_every``, ``patience`` (the same, or None); ``lr`` (a number
    > 0); ``max_grad`` (> 0, or None for no clipping); ``dropout``, ``valid_fraction``,
    ``sample`` (in [0, 1)); ``lr_decay`` (>= 1, or None); ``min_lr`` (>= 0).
    """
    for name, value in values.items():
        problem = None
        if name in _POSITIVE_INTS or name in _OPTIONAL_POSITIVE_INTS:
            if value is None and name in _OPTIONAL_POSITIVE_INTS:
                continue
            if not _is_int(value) or value < 1:
                problem = "an integer >= 1" + (" or None" if name in _OPTIONAL_POSITIVE_INTS
                                                else "")
        elif name in _POSITIVE_FLOATS or name in _OPTIONAL_POSITIVE_FLOATS:
            if value is None and name in _OPTIONAL_POSITIVE_FLOATS:
                continue
            if not _is_number(value) or value <= 0:
                problem = "a number > 0" + (" or None (no clipping)"
                                            if name in _OPTIONAL_POSITIVE_FLOATS else "")
        elif name in _UNIT_INTERVAL:
            if not _is_number(value) or not 0 <= value < 1:
                problem = "a number in [0, 1)"
        elif name == "lr_decay":
            if value is None:
                continue
            if not _is_number(value) or value < 1:
                problem = "a number >= 1 (the divisor of lr on a plateau) or None"
        elif name == "min_lr":
            if not _is_number(value) or value < 0:
                problem = "a number >= 0"
        else:  # pragma: no cover - a programming error, not a user error
            raise KeyError(f"check_settings: no rule for {name!r}")
        if problem:
            raise InputError(f"{owner}: {name} must be {problem}, got {value!r}")


# -- the loop -------------------------------------------------------------------------------------
class Trainer:
    """Train a model whose ``forward(x, t)`` returns a scalar loss and ``backward()`` fills grads.

    Args:
        model, optimizer: what to train and how (``optimizer.lr`` may be changed between steps).
        quiet: no progress bar, no progress lines.
        checkpoint_dir: receives ``last/`` (resumable) after every epoch, every
            ``checkpoint_every`` steps and on Ctrl-C, and ``best/`` when validation improves.
        patience: stop after this many epochs without a better validation ``monitor``.
        lr_decay: divide the learning rate by this when validation does not improve.
        save_last, save_best: callables replacing how ``last/`` and ``best/`` are written (a
            stage that saves more than the model: the translator saves its vocabularies too);
            ``save_last(directory)`` must call :meth:`save_checkpoint` for the trainer's part.
        divergence_factor: a loss above this many times the run's first loss (at least 1)
            stops training with :class:`~hangul_dl.errors.DivergenceError`.
        log_interval: seconds between progress lines when stderr is not a terminal.

    Attributes after :meth:`fit`:
        history: DataFrame, one row per logging interval (epoch, step, loss, lr, seconds).
        epochs: DataFrame, one row per epoch (loss, and val_* metrics with validation data).
        interrupted: True when Ctrl-C stopped training; stopped_early: True after ``patience``.
        epoch, step: the current epoch (1-based once training started) and the global step;
            epoch_step: steps done in the current epoch (0 between epochs).
        best_score, best_epoch, best_weights: the best validation ``monitor`` value so far, its
            epoch and a copy of those weights (None without validation).
    """

    #: The validation metric that decides the best weights, and whether lower or higher is better.
    monitor: str | None = "val_loss"
    mode: str = "min"
    #: What a DivergenceError suggests besides a lower learning rate.
    divergence_hint = " or clip gradients harder (a smaller max_grad)"

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None, *, patience: int | None = None,
                 lr_decay: float | None = None,
                 save_last: Callable[[Path], None] | None = None,
                 save_best: Callable[[], None] | None = None,
                 divergence_factor: float = DIVERGENCE_FACTOR, log_interval: float = 30.0):
        self.model = model
        self.optimizer = optimizer
        self.quiet = quiet
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.patience = patience
        self.lr_decay = lr_decay
        self.save_last = save_last
        self.save_best = save_best
        self.divergence_factor = divergence_factor
        self.log_interval = log_interval
        import pandas as pd

        self.history = pd.DataFrame(columns=["epoch", "step", "loss", "lr", "seconds"])
        self.epochs = pd.DataFrame(columns=["epoch", "step", "loss", "lr", "seconds"])
        self.interrupted = False
        self.stopped_early = False
        self.step = 0
        self.epoch = 0
        self.epoch_step = 0
        self.epoch_loss_sum = 0.0
        self.epoch_weight = 0.0
        self.loss_reference: float | None = None
        self.best_score = math.inf if self.mode == "min" else -math.inf
        self.best_loss = math.inf
        self.best_epoch = 0
        self.bad_epochs = 0
        self.best_weights: dict[str, Any] | None = None

    # -- the pieces subclasses override -----------------------------------------------------
    def _batches(self, data: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[tuple[Any, ...], float]]:
        """``(step arguments, weight)`` for each batch of one epoch from batch ``start`` on.

        Minibatches: shuffled ``(x, t)`` batches (the last, partial batch is dropped, as in the
        book), weight 1 each.
        """
        x, t = data
        xp = get_array_module(x)
        order = xp.asarray(rng.permutation(len(x)))
        for i in range(start, len(x) // batch_size):
            idx = order[i * batch_size:(i + 1) * batch_size]
            yield (x[idx], t[idx]), 1.0

    def _steps_per_epoch(self, data: Any, batch_size: int) -> int:
        return len(data[0]) // batch_size

    def _step(self, x: Any, t: Any, max_grad: float | None) -> float:
        """One forward/backward/update; returns the loss as a Python float.

        The loss is checked before the update, so a non-finite loss changes no parameter.
        """
        loss = float(self.model.forward(x, t))
        self._check_loss(loss)
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

    def _postfix(self, loss: float) -> dict[str, Any]:
        """What the progress bar and the progress lines show during an epoch."""
        return {"loss": loss}

    def _row(self, loss: float, start: float) -> dict[str, Any]:
        return {"epoch": self.epoch, "step": self.step, "loss": loss,
                "lr": self.optimizer.lr, "seconds": time.perf_counter() - start}

    def _epoch_extra(self) -> dict[str, Any]:
        """Extra columns of an epoch's row (word2vec: words per second)."""
        return {}

    def _on_epoch_end(self, summary: dict[str, Any]) -> None:
        """Hook after each epoch's row is recorded (before checkpoints are written)."""
        text = ", ".join(f"{k}={v:.4g}" for k, v in summary.items()
                         if k not in ("epoch", "step") and isinstance(v, (int, float)))
        log.debug("epoch %d: %s", self.epoch, text)

    # -- the loop -----------------------------------------------------------------------------
    def fit(self, x: Any, t: Any, max_epoch: int = 10, batch_size: int = 32,
            max_grad: float | None = None, eval_interval: int = 20,
            validation: tuple[Any, Any] | None = None, seed: int | None = 0,
            restore_best: bool = False) -> pd.DataFrame:
        """Train for ``max_epoch`` more epochs; returns :attr:`history` (kept on the trainer).

        Calling ``fit`` again (or after :meth:`load_checkpoint`) continues from the current step;
        an epoch that was interrupted is finished first and counts as one of the ``max_epoch``.
        ``validation``: ``(x, t)`` scored after every epoch; with ``restore_best`` the model
        ends with the weights of the best validation loss.
        """
        if len(x) != len(t):
            raise ShapeError(f"x has {len(x)} examples but t has {len(t)}; they must match")
        check_settings(type(self).__name__, batch_size=batch_size)
        if len(x) // batch_size < 1:
            raise ShapeError(f"batch_size {batch_size} is larger than the data ({len(x)} "
                             "examples); use a smaller batch_size")
        return self._run((x, t), max_epoch, batch_size, max_grad, eval_interval,
                         None if validation is None else (lambda: self.evaluate(*validation)),
                         seed, restore_best)

    def _run(self, data: Any, max_epoch: int, batch_size: int, max_grad: float | None,
             eval_interval: int, validate: Callable[[], dict[str, float]] | None,
             seed: int | None, restore_best: bool) -> pd.DataFrame:
        """The loop every family shares; ``data`` is whatever :meth:`_batches` reads."""
        check_settings(type(self).__name__, max_epoch=max_epoch, batch_size=batch_size,
                       max_grad=max_grad, eval_interval=eval_interval, lr=self.optimizer.lr,
                       checkpoint_every=self.checkpoint_every, patience=self.patience,
                       lr_decay=self.lr_decay)
        steps = self._steps_per_epoch(data, batch_size)
        if steps < 1:
            raise ShapeError(f"batch_size {batch_size} gives no complete batch of the data; "
                             "use a smaller batch_size")
        shared_rng = None if isinstance(seed, (int, np.integer)) else as_generator(seed)
        self.interrupted = self.stopped_early = False
        self.model.train()
        rows: list[dict] = []
        start = time.perf_counter()
        resumed = min(self.epoch_step, steps)
        report = TrainingProgress(
            max_epoch * steps - resumed, steps, self.epoch + max_epoch - (1 if resumed else 0),
            quiet=self.quiet, interval=self.log_interval)
        in_epoch = False  # an epoch begun whose row is not recorded yet
        try:
            for i in range(max_epoch):
                resumed_at = self.epoch_step
                if not resumed_at:
                    self.epoch += 1
                    self.epoch_loss_sum, self.epoch_weight = 0.0, 0.0
                in_epoch = True
                rng = shared_rng or np.random.default_rng([int(seed), self.epoch])
                total, weight_sum, count = 0.0, 0.0, 0
                for args, weight in self._batches(data, batch_size, rng, resumed_at):
                    loss = self._step(*args, max_grad)
                    self._check_loss(loss)
                    self.step += 1
                    self.epoch_step += 1
                    total, weight_sum, count = total + loss * weight, weight_sum + weight, count + 1
                    self.epoch_loss_sum += loss * weight
                    self.epoch_weight += weight
                    report.update(self.epoch, self.epoch_step,
                                  self._postfix(total / weight_sum if weight_sum else loss))
                    if count == eval_interval:
                        rows.append(self._row(total / max(weight_sum, 1e-300), start))
                        total, weight_sum, count = 0.0, 0.0, 0
                    if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                        self.history, rows = _append(self.history, rows), []
                        self._save_last()
                if count:
                    rows.append(self._row(total / max(weight_sum, 1e-300), start))
                self.history, rows = _append(self.history, rows), []
                mean = self.epoch_loss_sum / max(self.epoch_weight, 1e-300)
                self._check_epoch_loss(mean)
                self._check_weights()
                summary = self._row(mean, start)
                summary.update(self._epoch_extra())
                if validate is not None:
                    summary.update(validate())
                    self.model.train()
                self.epochs = _append(self.epochs, [summary])
                improved = self._track_best(summary)
                self.epoch_step, in_epoch = 0, False  # the epoch is complete from here on
                self._on_epoch_end(summary)
                report.epoch_end(self.epoch, {k: v for k, v in summary.items()
                                              if k not in ("epoch", "step", "seconds")})
                if improved:
                    self._save_best()
                self._save_last()
                if (validate is not None and self.patience is not None
                        and self.bad_epochs >= self.patience and i < max_epoch - 1):
                    self.stopped_early = True
                    log.info("early stop after epoch %d: %s has not improved for %d epochs "
                             "(best %.4g at epoch %d)", self.epoch, self.monitor,
                             self.bad_epochs, self.best_score, self.best_epoch)
                    break
        except KeyboardInterrupt:
            self.interrupted = True
            if in_epoch and self.epoch_step == 0:
                self.epoch -= 1  # stopped before the epoch's first step: it has not begun
            log.warning("training interrupted at epoch %d, step %d; the model and history "
                        "are kept", max(self.epoch, 1), self.step)
        finally:
            report.close()
            self.history = _append(self.history, rows)
        if self.interrupted and self._save_last():
            log.warning("resume with the checkpoint %s", Path(self.checkpoint_dir) / "last")
        if restore_best and self.restore_best():
            log.info("restored the weights of epoch %d (best %s %.4g)", self.best_epoch,
                     self.monitor, self.best_score)
        return self.history

    # -- divergence ---------------------------------------------------------------------------
    def _diverged(self, what: str, step: int | None = None) -> DivergenceError:
        """The error naming the epoch and the step (default: the step being taken)."""
        lr = self.optimizer.lr
        return DivergenceError(
            f"training diverged at epoch {self.epoch}, step {step or self.step + 1}: {what} "
            f"(lr={lr:g}); lower the learning rate (e.g. lr={lr / 10:g}){self.divergence_hint}; "
            "nothing from this step on was saved")

    def _check_loss(self, loss: float) -> None:
        """A non-finite loss, or one far above the run's first loss, is divergence."""
        if not math.isfinite(loss):
            raise self._diverged(f"the loss became {loss}")
        if self.loss_reference is None:
            self.loss_reference = float(loss)
            return
        bound = self.divergence_factor * max(self.loss_reference, 1.0)
        if loss > bound:
            raise self._diverged(f"the loss {loss:.4g} is more than {self.divergence_factor:g} "
                                 f"times the first loss ({self.loss_reference:.4g})")

    def _check_epoch_loss(self, loss: float) -> None:
        """An epoch whose mean loss is far above the run's start has diverged as well."""
        bound = EPOCH_DIVERGENCE_FACTOR * max(self.loss_reference or 0.0, 1.0)
        if self.loss_reference is not None and loss > bound:
            raise self._diverged(f"the epoch's mean loss {loss:.4g} is more than "
                                 f"{EPOCH_DIVERGENCE_FACTOR:g} times the first loss "
                                 f"({self.loss_reference:.4g})", step=self.step)

    def _check_weights(self) -> None:
        """Every parameter finite (checked before anything is saved and after each epoch)."""
        for name, param, _ in self.model.named_params():
            if param.size and not (math.isfinite(float(param.max()))
                                   and math.isfinite(float(param.min()))):
                raise self._diverged(f"parameter {name!r} is no longer finite after it",
                                     step=self.step)

    # -- the best weights ---------------------------------------------------------------------
    def _track_best(self, summary: dict[str, Any]) -> bool:
        """Keep the weights when the validation ``monitor`` improved; else count a bad epoch
        (and divide the learning rate by ``lr_decay``). Returns True on improvement."""
        if self.monitor is None or self.monitor not in summary:
            return False
        score = float(summary[self.monitor])
        loss = float(summary.get("val_loss", math.inf))
        tol = 1e-9
        if self.mode == "min":
            better = score < self.best_score - tol
        else:
            better = score > self.best_score + tol
        tie = abs(score - self.best_score) <= tol and loss < self.best_loss
        if better or tie:
            self.best_score, self.best_loss, self.best_epoch = score, loss, self.epoch
            self.best_weights = {k: v.copy() for k, v in self.model.state_dict().items()}
            self.bad_epochs = 0
            return True
        self.bad_epochs += 1
        if self.lr_decay:
            self.optimizer.lr /= self.lr_decay
            log.info("%s %.4g did not improve on %.4g: lr -> %g", self.monitor, score,
                     self.best_score, self.optimizer.lr)
        return False

    def restore_best(self) -> bool:
        """Load the best weights into the model (if validation found any); True if it did."""
        if self.best_weights is None:
            return False
        self.model.load_state_dict(self.best_weights, source="best weights")
        return True

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
        """Trainer state saved in checkpoints (subclasses add their own); JSON: no inf."""
        def finite(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {"epoch": self.epoch, "step": self.step, "epoch_step": self.epoch_step,
                "epoch_loss_sum": finite(self.epoch_loss_sum), "epoch_weight": self.epoch_weight,
                "loss_reference": finite(self.loss_reference),
                "best_score": finite(self.best_score), "best_loss": finite(self.best_loss),
                "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def _save_last(self) -> bool:
        """Save the resumable state to ``checkpoint_dir/last`` when a directory was given."""
        if self.checkpoint_dir is None:
            return False
        self._check_weights()  # a diverged model never replaces a good checkpoint
        last = Path(self.checkpoint_dir) / "last"
        if self.save_last is not None:
            self.save_last(last)
        else:
            self.save_checkpoint(last)
        return True

    def _save_best(self) -> None:
        """Write ``checkpoint_dir/best`` (the best model, for use) when a directory was given."""
        if self.checkpoint_dir is None:
            return
        if self.save_best is not None:
            self.save_best()
        else:
            self.model.save(Path(self.checkpoint_dir) / "best")

    def save_checkpoint(self, directory: str | os.PathLike) -> Path:
        """Save model, optimizer state, counters, history and best weights to ``directory``
        (atomic)."""
        arrays, scalars = self.optimizer.state_dict()
        with atomic_directory(directory) as tmp:
            self.model.save(tmp / "model")
            save_arrays(tmp / "optimizer.npz", arrays)
            if self.best_weights is not None:
                save_arrays(tmp / BEST_WEIGHTS, self.best_weights)
            write_csv(self.history, tmp / "history.csv")
            write_csv(self.epochs, tmp / "epochs.csv")
            write_manifest(tmp, kind="checkpoint", config={
                "trainer": type(self).__name__, "optimizer": type(self.optimizer).__name__,
                "optimizer_state": scalars, "counters": self._counters()})
        return Path(directory)

    def load_checkpoint(self, directory: str | os.PathLike) -> None:
        """Resume from :meth:`save_checkpoint`: weights, optimizer state, counters, history and
        the best weights. The trainer's model and optimizer must be built with the same
        configuration."""
        directory = Path(directory)
        config = read_manifest(directory, kind="checkpoint")["config"]
        if config.get("optimizer") != type(self.optimizer).__name__:
            raise FormatError(f"{directory}: checkpoint was trained with {config.get('optimizer')}, "
                              f"this trainer uses {type(self.optimizer).__name__}; resume with "
                              "the same optimizer")
        model_dir = directory / "model"
        read_manifest(model_dir, kind=type(self.model).__name__)
        self.model.load_state_dict(load_arrays(model_dir / WEIGHTS), source=str(model_dir))
        self.optimizer.load_state_dict(load_arrays(directory / "optimizer.npz"),
                                       config.get("optimizer_state", {}), self.model.params)
        counters = dict(config.get("counters", {}))
        if "best_perplexity" in counters:  # checkpoints of format version 1 (BPTTTrainer)
            counters.setdefault("best_score", counters.pop("best_perplexity"))
        worst = math.inf if self.mode == "min" else -math.inf
        defaults = {"best_score": worst, "best_loss": math.inf, "epoch_loss_sum": 0.0,
                    "epoch_weight": 0.0}
        for name, value in counters.items():
            setattr(self, name, defaults.get(name) if value is None and name in defaults
                    else value)
        import pandas as pd

        self.history = pd.read_csv(directory / "history.csv")
        self.epochs = pd.read_csv(directory / "epochs.csv")
        best = directory / BEST_WEIGHTS
        if best.is_file():
            self.best_weights = load_arrays(best)


def _append(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return frame
    import pandas as pd

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
    ones before it, in evaluation mode (perplexity ``inf`` for a loss beyond float range).

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
    return loss, safe_exp(loss)


class BPTTTrainer(Trainer):
    """Truncated-BPTT training of a language model on one 1-D ID stream (book ch.5-6).

    The stream is read as ``batch_size`` parallel rows starting at evenly spaced offsets
    (the book's ``RnnlmTrainer``), ``time_size`` steps per update, with the recurrent state
    carried between updates. After each epoch with validation data: if validation perplexity
    improved, the weights are kept as the best (in the checkpoint, and saved to
    ``checkpoint_dir/best`` when given); otherwise the learning rate is divided by ``lr_decay``
    (the book divides by 4). The read position in the stream is part of the checkpoint, so a
    resumed run reads on where it stopped (the recurrent state starts again from zeros).
    """

    monitor = "val_perplexity"
    mode = "min"

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 lr_decay: float | None = 4.0, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None, **kwargs: Any):
        super().__init__(model, optimizer, quiet, checkpoint_dir, checkpoint_every,
                         lr_decay=lr_decay, **kwargs)
        self.time_size = 35
        self.time_idx = 0

    @property
    def best_perplexity(self) -> float:
        """The best validation perplexity so far (inf before the first validation)."""
        return self.best_score

    @best_perplexity.setter
    def best_perplexity(self, value: float | None) -> None:
        self.best_score = math.inf if value is None else value

    def fit(self, corpus: Any, max_epoch: int = 10, batch_size: int = 20, time_size: int = 35,
            max_grad: float | None = 0.25, eval_interval: int = 20, validation: Any = None,
            seed: int | None = 0, restore_best: bool = True) -> pd.DataFrame:  # type: ignore[override]
        """Train on ``corpus`` (1-D IDs); ``validation`` is another 1-D ID array or None.

        With validation data and ``restore_best``, the model ends with the weights of its best
        validation perplexity (of the whole run, a resumed one included).
        """
        corpus = _check_stream(corpus, "corpus")
        if validation is not None:
            validation = _check_stream(validation, "validation")
        check_settings(type(self).__name__, batch_size=batch_size, time_size=time_size)
        if len(corpus) - 1 < batch_size * time_size:
            raise ShapeError(f"corpus has {len(corpus)} IDs, fewer than batch_size * time_size + 1 "
                             f"= {batch_size * time_size + 1}; use a smaller batch or BPTT length")
        self.time_size = time_size
        history = self._run((corpus[:-1], corpus[1:]), max_epoch, batch_size, max_grad,
                            eval_interval,
                            None if validation is None else (lambda: self.evaluate(validation)),
                            seed, restore_best)
        self.model.reset_state()
        return history

    def _steps_per_epoch(self, data: Any, batch_size: int) -> int:
        return len(data[0]) // (batch_size * self.time_size)

    def _batches(self, data: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[tuple[Any, ...], float]]:
        xs, ts = data
        xp = get_array_module(xs)
        data_size = len(xs)
        offsets = (xp.arange(batch_size) * (data_size // batch_size))[:, None]
        steps = xp.arange(self.time_size)[None, :]
        for _ in range(start, self._steps_per_epoch(data, batch_size)):
            idx = (offsets + (self.time_idx + steps)) % data_size  # (N, T)
            self.time_idx = (self.time_idx + self.time_size) % data_size
            yield (xs[idx], ts[idx]), 1.0

    def evaluate(self, corpus: Any, batch_size: int = 10) -> dict[str, float]:  # type: ignore[override]
        loss, ppl = perplexity(self.model, corpus, batch_size=batch_size, time_size=self.time_size)
        return {"val_loss": loss, "val_perplexity": ppl}

    def _postfix(self, loss: float) -> dict[str, Any]:
        return {"loss": loss, "ppl": safe_exp(loss)}

    def _row(self, loss: float, start: float) -> dict[str, Any]:
        row = super()._row(loss, start)
        row["perplexity"] = safe_exp(loss)
        return row

    def _counters(self) -> dict[str, Any]:
        return {**super()._counters(), "time_idx": self.time_idx}
