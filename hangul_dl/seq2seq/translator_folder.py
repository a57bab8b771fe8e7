"""Saving and loading a :class:`~hangul_dl.seq2seq.translator.Translator` directory (book ch.7-8).

One directory holds everything a translation needs; ``Translator.load(DIR)`` gives identical
translations::

    DIR/manifest.json       kind "Translator", the constructor parameters
    DIR/model/              the seq2seq model (manifest.json + weights.npz)
    DIR/src_vocab.txt       DIR/tgt_vocab.txt            token<TAB>count
    DIR/src_tokenizer/      DIR/tgt_tokenizer/           tokenizer stages (BPE merges too)
    DIR/state.json          what fit learned besides weights (lengths, best epoch)
    DIR/history.csv         DIR/epochs.csv               training curves

A resumable checkpoint (``checkpoint_dir/last``) is the same directory plus ``trainer/`` (the
:class:`~hangul_dl.training.Trainer` checkpoint: optimizer state, counters, history and the best
weights). Every write is atomic; nothing is pickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..io import CsvFrame, atomic_directory, csv_frame, read_manifest, write_csv, write_json
from ..stage import Stage

__all__ = ["TranslatorFolder"]


class TranslatorFolder:
    """What :class:`~hangul_dl.seq2seq.translator.Translator` writes into its folder and reads back
    (a mixin: ``_config``, ``_save_state``, ``_save_last``, ``_load_state``)."""

    # loading reads history.csv and epochs.csv; pandas parses them when they are used
    history_ = CsvFrame()
    epochs_ = CsvFrame()

    def _config(self) -> dict[str, Any]:
        config = self.get_params()
        for key in ("src_tokenizer", "tgt_tokenizer"):
            if not isinstance(config[key], str):
                config[key] = None  # a tokenizer object is saved once: in src_/tgt_tokenizer/
        if config["checkpoint_dir"] is not None:
            config["checkpoint_dir"] = str(config["checkpoint_dir"])
        return config

    def _save_state(self, directory: Path) -> None:
        self.model_.save(directory / "model")
        self.src_vocab_.save_txt(directory / "src_vocab.txt")
        self.tgt_vocab_.save_txt(directory / "tgt_vocab.txt")
        self.src_tokenizer_.save(directory / "src_tokenizer")
        self.tgt_tokenizer_.save(directory / "tgt_tokenizer")
        trainer = getattr(self, "trainer_", None)
        write_json(directory / "state.json", {
            "max_target_length": int(self.max_target_length_),
            "best_epoch": None if trainer is None else int(trainer.best_epoch),
            "epochs_trained": None if trainer is None else int(trainer.epoch)})
        for name in ("history", "epochs"):
            frame = getattr(self, f"{name}_", None)
            if frame is not None and len(frame):
                write_csv(frame, directory / f"{name}.csv")

    def _save_last(self, directory: Path) -> None:
        """A resumable checkpoint: the translator, the trainer state and the best weights."""
        trainer = self.trainer_
        with atomic_directory(directory) as tmp:
            self.save(tmp / "translator")
            for item in (tmp / "translator").iterdir():
                os.replace(item, tmp / item.name)
            (tmp / "translator").rmdir()
            trainer.save_checkpoint(tmp / "trainer")  # holds the best weights too

    def _load_state(self, directory: Path) -> None:
        from ..nn.model import Model
        from ..text.vocab import Vocabulary

        directory = Path(directory)
        read_manifest(directory, kind="Translator")
        self.src_tokenizer_ = Stage.load(directory / "src_tokenizer")
        self.tgt_tokenizer_ = Stage.load(directory / "tgt_tokenizer")
        self.src_vocab_ = Vocabulary.load_txt(directory / "src_vocab.txt")
        self.tgt_vocab_ = Vocabulary.load_txt(directory / "tgt_vocab.txt")
        self.model_ = Model.load(directory / "model")
        if (self.model_.src_vocab_size, self.model_.target_vocab_size) != (
                len(self.src_vocab_), len(self.tgt_vocab_)):
            raise FormatError(f"{directory}: the vocabularies ({len(self.src_vocab_)}, "
                              f"{len(self.tgt_vocab_)} tokens) do not fit the model "
                              f"({self.model_.src_vocab_size}, {self.model_.target_vocab_size}); "
                              "the files do not belong together")
        try:
            state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
            self.max_target_length_ = int(state["max_target_length"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise FormatError(f"{directory}/state.json: missing or damaged ({exc})") from None
        self.history_ = csv_frame(directory / "history.csv")
        self.epochs_ = csv_frame(directory / "epochs.csv")
