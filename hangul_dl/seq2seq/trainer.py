"""Seq2seqTrainer: epochs over length-bucketed batches with validation and early stopping.

The :class:`~hangul_dl.training.Trainer` loop for encoder-decoder models (book ch.7-8) trained
on pairs of different lengths: each epoch draws new length-bucketed batches
(:func:`~hangul_dl.seq2seq.batching.bucketed_batches`, seeded per epoch so a resumed run sees
the same batches), then calls ``validate()`` — the :class:`~hangul_dl.seq2seq.translator.
Translator` decodes the validation sources and scores BLEU — and keeps the weights of the best
validation score. Training stops early after ``patience`` epochs without improvement. Ctrl-C
stops after the current step and leaves the model usable (``interrupted`` is then True).

``max_epoch`` counts all epochs, those of a resumed checkpoint included: resuming an
interrupted run with the same settings finishes the planned number of epochs.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..backend import get_array_module
from ..errors import ShapeError
from ..nn.model import Model
from ..nn.optimizers import Optimizer
from ..progress import progress
from ..training import Trainer
from .batching import bucketed_batches, pad_pairs

__all__ = ["Seq2seqTrainer"]

log = logging.getLogger(__name__)


class Seq2seqTrainer(Trainer):
    """Train a seq2seq model on ragged (source IDs, target IDs) pairs; see the module docstring.

    Args:
        model: a model whose ``forward(src, tgt)`` returns the loss (``Seq2seq`` and kin).
        optimizer: e.g. ``Adam(lr=0.001)``.
        quiet: no progress bar.
        patience: epochs without a better validation score before stopping (None: never stop).
        score: the validation metric to maximise (a key of ``validate()``'s result); ties go
            to the lower ``val_loss``.

    Attributes: ``history`` / ``epochs`` (DataFrames, as :class:`Trainer`), ``best_score``,
    ``best_epoch``, ``best_weights`` (a copy of the best parameters, or None), ``stopped_early``.
    """

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 patience: int | None = 3, score: str = "val_bleu"):
        super().__init__(model, optimizer, quiet)
        self.patience = patience
        self.score = score
        self.best_score = -math.inf
        self.best_loss = math.inf
        self.best_epoch = 0
        self.bad_epochs = 0
        self.stopped_early = False
        self.best_weights: dict[str, Any] | None = None

    def _counters(self) -> dict[str, Any]:
        return {**super()._counters(), "best_score": self.best_score, "best_loss": self.best_loss,
                "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def train_pairs(self, src: Sequence[np.ndarray], tgt: Sequence[np.ndarray], max_epoch: int,
                    batch_size: int = 64, max_grad: float | None = 5.0, seed: int = 0,
                    validate: Callable[[], dict[str, float]] | None = None,
                    on_epoch_end: Callable[[bool], None] | None = None,
                    eval_interval: int = 20) -> pd.DataFrame:
        """Train until ``max_epoch`` epochs in all (or early stopping); returns ``history``.

        ``src[i]`` (1-D int32) and ``tgt[i]`` (``<bos>`` ... ``<eos>``) are one pair.
        ``validate()`` returns metrics such as ``{"val_loss": ..., "val_bleu": ...}``;
        ``on_epoch_end(improved)`` runs after each epoch (checkpoints).
        """
        if len(src) != len(tgt):
            raise ShapeError(f"{len(src)} sources but {len(tgt)} targets; they must pair up")
        if not len(src):
            raise ShapeError("no training pairs")
        xp = get_array_module(self.model.params[0])
        src_len = np.array([len(s) for s in src])
        tgt_len = np.array([len(t) for t in tgt])
        n_batches = math.ceil(len(src) / batch_size)
        self.interrupted = self.stopped_early = False
        self.model.train()
        bar = progress(max(0, max_epoch - self.epoch) * n_batches, self.quiet, desc="train",
                       unit="step")
        rows: list[dict[str, Any]] = []
        start = time.perf_counter()
        try:
            while self.epoch < max_epoch:
                self.epoch += 1
                rng = np.random.default_rng([seed, self.epoch])
                total = count = weight = 0.0
                epoch_loss = 0.0
                window = 0
                for idx in bucketed_batches(src_len, tgt_len, batch_size, rng):
                    bx, bt = pad_pairs(src, tgt, idx)
                    loss = self._step(xp.asarray(bx), xp.asarray(bt), max_grad)
                    self.step += 1
                    n_tokens = float(tgt_len[idx].sum() - len(idx))  # predicted tokens
                    epoch_loss += loss * n_tokens
                    weight += n_tokens
                    total, count, window = total + loss, count + 1, window + 1
                    bar.update(1)
                    if window == eval_interval:
                        rows.append(self._row(total / count, start))
                        bar.set_postfix(epoch=self.epoch, **self._postfix(total / count))
                        total = count = window = 0
                if count:
                    rows.append(self._row(total / count, start))
                summary = self._row(epoch_loss / max(weight, 1.0), start)
                self.history, rows = _concat(self.history, rows), []
                improved = False
                if validate is not None:
                    summary.update(validate())
                    self.model.train()
                    improved = self._update_best(summary)
                    bar.set_postfix(epoch=self.epoch, **{k[4:]: f"{v:.4g}" for k, v in
                                                         summary.items() if k.startswith("val_")})
                self.epochs = _concat(self.epochs, [summary])
                log.info("epoch %d: %s", self.epoch, ", ".join(
                    f"{k}={v:.4g}" for k, v in summary.items() if k not in ("epoch", "step")))
                if on_epoch_end is not None:
                    on_epoch_end(improved)
                if (validate is not None and self.patience is not None
                        and self.bad_epochs >= self.patience and self.epoch < max_epoch):
                    self.stopped_early = True
                    log.info("early stop after epoch %d: %s has not improved for %d epochs "
                             "(best %.4g at epoch %d)", self.epoch, self.score, self.bad_epochs,
                             self.best_score, self.best_epoch)
                    break
        except KeyboardInterrupt:
            self.interrupted = True
            log.warning("training interrupted at epoch %d, step %d; the model and history are "
                        "kept", self.epoch, self.step)
        finally:
            bar.close()
            self.history = _concat(self.history, rows)
        return self.history

    def _update_best(self, summary: dict[str, Any]) -> bool:
        score = summary.get(self.score, -math.inf)
        loss = summary.get("val_loss", math.inf)
        if score > self.best_score + 1e-9 or (abs(score - self.best_score) <= 1e-9
                                              and loss < self.best_loss):
            self.best_score, self.best_loss, self.best_epoch = float(score), float(loss), self.epoch
            self.best_weights = {k: v.copy() for k, v in self.model.state_dict().items()}
            self.bad_epochs = 0
            return True
        self.bad_epochs += 1
        return False

    def restore_best(self) -> bool:
        """Load the best weights into the model (if validation found any); True if it did."""
        if self.best_weights is None:
            return False
        self.model.load_state_dict(self.best_weights, source="best weights")
        return True


def _concat(frame: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return frame
    new = pd.DataFrame(rows)
    return new if frame.empty else pd.concat([frame, new], ignore_index=True)
