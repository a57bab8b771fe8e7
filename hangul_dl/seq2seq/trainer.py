"""Seq2seqTrainer: the :class:`~hangul_dl.training.Trainer` loop on length-bucketed pairs.

Encoder-decoder models (book ch.7-8) train on pairs of different lengths. The only hooks that
differ from minibatch training: each epoch draws new length-bucketed batches
(:func:`~hangul_dl.seq2seq.batching.bucketed_batches`, seeded by ``(seed, epoch)``, so a run
resumed mid-epoch continues with the same batches), a batch's loss is weighted by its number of
predicted tokens, and validation is a callable — the
:class:`~hangul_dl.seq2seq.translator.Translator` decodes the validation sources and scores
BLEU — whose ``score`` (``val_bleu``) is maximised. Checkpoints, resume, best weights, early
stopping (``patience``), divergence and progress are the Trainer's.

``max_epoch`` of :meth:`Seq2seqTrainer.train_pairs` counts all epochs, those of a resumed
checkpoint included: resuming an interrupted run with the same settings finishes the planned
number of epochs.
"""

from __future__ import annotations

import logging
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
from ..training import Trainer, check_settings
from .batching import bucketed_batches, pad_pairs

__all__ = ["Seq2seqTrainer"]

log = logging.getLogger(__name__)


class Seq2seqTrainer(Trainer):
    """Train a seq2seq model on ragged (source IDs, target IDs) pairs; see the module docstring.

    Args:
        model: a model whose ``forward(src, tgt)`` returns the loss (``Seq2seq`` and kin).
        optimizer: e.g. ``Adam(lr=0.001)``.
        quiet: no progress bar or progress lines.
        patience: epochs without a better validation score before stopping (None: never stop).
        score: the validation metric to maximise (a key of ``validate()``'s result); ties go
            to the lower ``val_loss``.
        checkpoint_dir, checkpoint_every, save_last, save_best: as :class:`Trainer`.

    Attributes: as :class:`Trainer` (``history``, ``epochs``, ``best_score``, ``best_epoch``,
    ``best_weights``, ``stopped_early``, ``interrupted``).
    """

    mode = "max"

    def __init__(self, model: Model, optimizer: Optimizer, quiet: bool = False,
                 patience: int | None = 3, score: str = "val_bleu",
                 checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None,
                 save_last: Callable[[Path], None] | None = None,
                 save_best: Callable[[], None] | None = None):
        self.monitor = score
        super().__init__(model, optimizer, quiet, checkpoint_dir, checkpoint_every,
                         patience=patience, save_last=save_last, save_best=save_best)
        self.score = score

    def train_pairs(self, src: Sequence[np.ndarray], tgt: Sequence[np.ndarray], max_epoch: int,
                    batch_size: int = 64, max_grad: float | None = 5.0, seed: int = 0,
                    validate: Callable[[], dict[str, float]] | None = None,
                    eval_interval: int = 20) -> pd.DataFrame:
        """Train until ``max_epoch`` epochs in all (or early stopping); returns ``history``.

        ``src[i]`` (1-D int32) and ``tgt[i]`` (``<bos>`` ... ``<eos>``) are one pair.
        ``validate()`` returns metrics such as ``{"val_loss": ..., "val_bleu": ...}``.
        """
        if len(src) != len(tgt):
            raise ShapeError(f"{len(src)} sources but {len(tgt)} targets; they must pair up")
        if not len(src):
            raise ShapeError("no training pairs")
        check_settings(type(self).__name__, max_epoch=max_epoch, batch_size=batch_size)
        done = self.epoch - (1 if self.epoch_step else 0)  # epochs fully trained
        if done >= max_epoch:
            log.warning("the checkpoint has %d epochs, max_epoch is %d: nothing left to train "
                        "(raise max_epoch to train more)", done, max_epoch)
            return self.history
        lengths = (np.array([len(s) for s in src]), np.array([len(t) for t in tgt]))
        return self._run((src, tgt, *lengths), max_epoch - done, batch_size, max_grad,
                         eval_interval, validate, seed, restore_best=False)

    def _steps_per_epoch(self, data: Any, batch_size: int) -> int:
        return math.ceil(len(data[0]) / batch_size)

    def _batches(self, data: Any, batch_size: int, rng: np.random.Generator, start: int = 0
                 ) -> Iterator[tuple[tuple[Any, ...], float]]:
        src, tgt, src_len, tgt_len = data
        xp = get_array_module(self.model.params[0])
        for idx in bucketed_batches(src_len, tgt_len, batch_size, rng)[start:]:
            bx, bt = pad_pairs(src, tgt, idx)
            n_tokens = float(tgt_len[idx].sum() - len(idx))  # predicted tokens
            yield (xp.asarray(bx), xp.asarray(bt)), n_tokens
