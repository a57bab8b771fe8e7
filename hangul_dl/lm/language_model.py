"""A language model you can talk to in Korean: tokenizer + vocabulary + RNNLM as one stage.

``LanguageModel(tokenizer="okt", cell="lstm", ...).fit(sentences)`` tokenizes, builds the
vocabulary, encodes the corpus into one ID stream with ``<eos>`` between sentences and trains an
:class:`~hangul_dl.lm.rnnlm.RNNLM` with truncated BPTT (book ch.5-6). ``generate("대한민국은")``
tokenizes the prompt with the model's own tokenizer, continues it (ch.7) and detokenizes the
result with the front end's round trip, so the output reads as natural Korean ("먹었다", never
"먹 었 다"). ``LanguageModel.train(sentences, tokenizer, **params)`` is the one-call shortcut.

In a pipeline (``Normalizer() | KonlpyTokenizer() | Vocabulary() | LanguageModel()``) the stage
receives the pipeline's fitted ``vocab`` and ``tokenizer`` in ``fit`` and the ID arrays of the
vocabulary step as data.

Saved layout (``save(DIR)``)::

    DIR/manifest.json     kind "LanguageModel", the constructor parameters, format version
    DIR/model/            the RNNLM (manifest.json + weights.npz)
    DIR/vocab.txt         token<TAB>count
    DIR/tokenizer/        the tokenizer stage's settings
    DIR/history.csv       training history, when trained here

``hangul-dl generate DIR --prompt "..."`` needs nothing else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, InputError
from ..io import CsvFrame, csv_frame, write_csv
from ..nn.model import Model
from ..progress import say
from ..stage import Stage
from ..text.encoder import TextEncoder
from ..text.ids import IdSequences
from .generate import GenerationConfig, generate_ids
from .rnnlm import CELLS, RNNLM

__all__ = ["DEFAULT_LR", "LanguageModel"]

log = logging.getLogger(__name__)

#: The learning rate ``lr=None`` means, per optimizer (clipped gradients, max_grad 0.25).
DEFAULT_LR = {"sgd": 20.0, "momentum": 2.0, "adagrad": 0.1, "rmsprop": 0.001, "adam": 0.001}

Sentences = Iterable[str] | Iterable[Sequence[str]] | Iterable[np.ndarray] | str | os.PathLike


class LanguageModel(Stage):
    """Train and use an RNN language model on Korean text (see the module docstring).

    Args:
        tokenizer: a tokenizer stage or a name for
            :func:`~hangul_dl.text.tokenizers.get_tokenizer` (``"okt"``, ``"char"``, ``"jamo"``,
            ``"whitespace"``, ...); a pipeline passes its own tokenizer to ``fit`` instead.
        cell, embedding_size, hidden_size, num_layers, dropout, tie_weights: the
            :class:`~hangul_dl.lm.rnnlm.RNNLM` (defaults: the book's ``Rnnlm``).
        min_count, max_vocab: the vocabulary built when ``fit`` is given no ``vocab``; bounded
            by default (tokens seen at least twice, at most 10,000 entries with the specials —
            the size of the book's PTB vocabulary), so that the softmax over the vocabulary
            stays affordable on real text; ``max_vocab=None`` keeps every token seen
            ``min_count`` times. Both are stated in the run's first log lines.
        optimizer, lr, max_epoch, batch_size, time_size, max_grad, lr_decay: training
            (:class:`~hangul_dl.training.BPTTTrainer`); ``max_epoch`` counts all epochs, also
            across a resumed run. ``lr=None`` takes the optimizer's default for language models
            (:data:`DEFAULT_LR`: SGD 20 as in the book, Adam and RMSprop 0.001, Momentum 2,
            AdaGrad 0.1).
        patience: with validation text, stop after this many epochs without a lower
            validation perplexity and keep the best epoch's weights (None: train ``max_epoch``).
        checkpoint_dir, checkpoint_every: ``last/`` (resumable) after every epoch, every
            ``checkpoint_every`` steps and on Ctrl-C; ``best/`` (best validation weights).
        device: ``"cpu"``, ``"gpu"`` or None (``HANGUL_DL_DEVICE``); seed, quiet, n_jobs
            (tokenizer processes).

    Learned: ``model_`` (RNNLM, on the CPU), ``vocab_``, ``tokenizer_``, ``history_`` (per
    logging interval) and, after training here, ``trainer_`` (per-epoch metrics in
    ``trainer_.epochs``, ``trainer_.interrupted``).
    """

    history_ = CsvFrame()  # loading reads history.csv; pandas parses it when it is used

    fit_context = frozenset({"vocab", "tokenizer", "valid", "resume"})

    def __init__(self, tokenizer: Any = "okt", cell: str = "lstm", embedding_size: int = 100,
                 hidden_size: int = 100, num_layers: int = 1, dropout: float = 0.0,
                 tie_weights: bool = False, min_count: int = 2, max_vocab: int | None = 10_000,
                 optimizer: str = "sgd", lr: float | None = None, max_epoch: int = 4,
                 batch_size: int = 20, time_size: int = 35, max_grad: float | None = 0.25,
                 lr_decay: float | None = 4.0, patience: int | None = None,
                 checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None, device: str | None = None, seed: int = 0,
                 quiet: bool = False, n_jobs: int = 1):
        self.tokenizer = tokenizer
        self.cell = cell
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.tie_weights = tie_weights
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.optimizer = optimizer
        self.lr = lr
        self.max_epoch = max_epoch
        self.batch_size = batch_size
        self.time_size = time_size
        self.max_grad = max_grad
        self.lr_decay = lr_decay
        self.patience = patience
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.device = device
        self.seed = seed
        self.quiet = quiet
        self.n_jobs = n_jobs

    @classmethod
    def train(cls, sentences: Sentences, tokenizer: Any = "okt", *,
              valid_sentences: Sentences | None = None, resume: str | os.PathLike | None = None,
              **params: Any) -> LanguageModel:
        """``LanguageModel(tokenizer, **params).fit(sentences, valid=..., resume=...)``."""
        return cls(tokenizer, **params).fit(sentences, valid=valid_sentences, resume=resume)

    # -- training ---------------------------------------------------------------------------
    def fit(self, data: Sentences, vocab: Any = None, tokenizer: Any = None,
            valid: Sentences | None = None, resume: str | os.PathLike | None = None
            ) -> LanguageModel:
        """Train on ``data``; returns ``self``.

        ``data`` (and ``valid``) hold sentences as strings, as token lists made by the
        tokenizer, or as vocabulary-ID arrays (then ``vocab`` is required) — or name a UTF-8
        text file (one sentence per line, ``.gz`` too). A file is streamed: tokenized once into
        the token cache (:func:`hangul_dl.text.cache.cached_tokenize`; a rerun, e.g. after an
        interruption, skips tokenizing) and read from there twice — for the vocabulary and for
        the IDs — so only the int32 IDs are held in memory, whatever the corpus size. Empty
        lines are sentence breaks, not sentences.

        ``vocab`` / ``tokenizer``: fitted stages to use instead of building a vocabulary and
        instead of the ``tokenizer`` parameter (a pipeline passes its own). ``resume`` names the
        ``checkpoint_dir`` (or its ``last/``) of an earlier run with the same data and settings: weights,
        optimizer state, counters, read position and history are restored, the interrupted
        epoch is finished, and training goes on until ``max_epoch`` epochs are done in all.
        """
        from ..backend import get_xp, resolve_device
        from ..nn.optimizers import get_optimizer
        from ..text.tokenizers import get_tokenizer
        from ..training import BPTTTrainer, last_checkpoint

        self._check_params()
        resume = None if resume is None else last_checkpoint(resume)
        tok = tokenizer if tokenizer is not None else self.tokenizer
        tok = get_tokenizer(tok) if isinstance(tok, str) else tok
        data, holds_ids = _peek_ids(data)
        if holds_ids:  # a pipeline's vocabulary step already encoded the text
            if vocab is None:
                raise InputError("the training data holds ID arrays but no vocab was given; pass "
                                 "the fitted Vocabulary (fit(ids, vocab=...)) or token lists")
            corpus = _ids_stream(data, vocab)
        else:  # the one text → IDs path: tokenized once, vocabulary built, IDs on disk
            built = vocab is None
            encoder = TextEncoder(tok, min_count=self.min_count, max_size=self.max_vocab,
                                  n_jobs=self.n_jobs, quiet=self.quiet).fit(data, vocab=vocab)
            vocab, tok = encoder.vocab_, encoder.tokenizer_
            corpus = encoder.ids_.joined(vocab.eos_id, skip_empty=True)
            if built:
                unk = int(vocab.counts_[vocab.unk_id])
                say(self.quiet, "vocabulary: %s entries (min_count=%d, max_vocab=%s); %s of %s "
                    "training tokens (%.1f%%) are rarer and read as <unk>", f"{len(vocab):,}",
                    self.min_count, "None" if self.max_vocab is None else f"{self.max_vocab:,}",
                    f"{unk:,}", f"{vocab.n_tokens_:,}", 100.0 * unk / max(vocab.n_tokens_, 1))
        if len(corpus) == np.count_nonzero(corpus == vocab.eos_id):
            raise InputError("the training text is empty: no tokens to learn from")
        valid_ids = None if valid is None else self._valid_ids(valid, tok, vocab)
        model = RNNLM(len(vocab), self.embedding_size, self.hidden_size, self.num_layers,
                      self.cell, self.dropout, self.tie_weights, self.seed)
        if resolve_device(self.device) == "gpu":
            model.to_gpu()
            xp = get_xp("gpu")
            corpus = xp.asarray(corpus)
            valid_ids = None if valid_ids is None else xp.asarray(valid_ids)
        batch_size = max(1, min(self.batch_size, (len(corpus) - 1) // self.time_size))
        lr = self.learning_rate()
        trainer = BPTTTrainer(model, get_optimizer(self.optimizer, lr=lr), quiet=self.quiet,
                              lr_decay=self.lr_decay, checkpoint_dir=self.checkpoint_dir,
                              checkpoint_every=self.checkpoint_every, patience=self.patience)
        if resume is not None:
            trainer.load_checkpoint(resume)
            log.info("resumed from %s at epoch %d, step %d", resume, trainer.epoch, trainer.step)
        done = trainer.epoch - (1 if trainer.epoch_step else 0)  # epochs fully trained
        say(self.quiet, "training: %s IDs, %s steps per epoch (batch_size %d x time_size %d), "
            "epochs %d to %d, %s lr=%g", f"{len(corpus):,}",
            f"{(len(corpus) - 1) // (batch_size * self.time_size):,}", batch_size,
            self.time_size, done + 1, self.max_epoch, self.optimizer, trainer.optimizer.lr)
        if done < self.max_epoch:
            trainer.fit(corpus, max_epoch=self.max_epoch - done, batch_size=batch_size,
                        time_size=self.time_size, max_grad=self.max_grad, validation=valid_ids,
                        seed=self.seed)
        else:
            log.warning("the checkpoint has %d epochs, max_epoch is %d: nothing left to train "
                        "(raise max_epoch to train more)", done, self.max_epoch)
            trainer.restore_best()
        self.model_, self.vocab_, self.tokenizer_ = model.to_cpu(), vocab, tok
        self.history_, self.trainer_ = trainer.history, trainer
        return self

    def learning_rate(self) -> float:
        """``lr``, or the optimizer's default (:data:`DEFAULT_LR`) when ``lr`` is None."""
        return DEFAULT_LR[self.optimizer.lower()] if self.lr is None else self.lr

    def _check_params(self) -> None:
        """Every setting in range, before any text is read or tokenized."""
        from ..training import check_settings

        if self.cell not in CELLS:
            raise InputError(f"LanguageModel: cell must be one of {', '.join(CELLS)}, got "
                             f"{self.cell!r}")
        if not isinstance(self.optimizer, str) or self.optimizer.lower() not in DEFAULT_LR:
            raise InputError(f"LanguageModel: optimizer must be one of {', '.join(DEFAULT_LR)}, "
                             f"got {self.optimizer!r}")
        check_settings("LanguageModel", embedding_size=self.embedding_size,
                       hidden_size=self.hidden_size, num_layers=self.num_layers,
                       dropout=self.dropout, min_count=self.min_count, max_vocab=self.max_vocab,
                       max_epoch=self.max_epoch, batch_size=self.batch_size,
                       time_size=self.time_size, max_grad=self.max_grad, lr_decay=self.lr_decay,
                       checkpoint_every=self.checkpoint_every, patience=self.patience)
        if self.lr is not None:
            check_settings("LanguageModel", lr=self.lr)
        if self.max_vocab is not None and self.max_vocab < 5:
            raise InputError(f"LanguageModel: max_vocab counts the 4 special tokens, so it must "
                             f"be >= 5 or None; got {self.max_vocab!r}")
        if self.tie_weights and self.embedding_size != self.hidden_size:
            raise InputError(f"LanguageModel: tie_weights needs embedding_size == hidden_size "
                             f"(got {self.embedding_size} and {self.hidden_size})")

    def _valid_ids(self, valid: Sentences, tok: Any, vocab: Any) -> np.ndarray:
        """Held-out sentences as one ID stream, encoded like the training text."""
        valid, holds_ids = _peek_ids(valid)
        if holds_ids:
            return _ids_stream(valid, vocab)
        encoder = TextEncoder(tok, n_jobs=self.n_jobs, quiet=self.quiet).fit(valid, vocab=vocab)
        return encoder.ids_.joined(vocab.eos_id, skip_empty=True)

    def transform(self, data: Iterable[str | Sequence[str] | np.ndarray]) -> list[float]:
        """Per-sentence perplexity (lower: more typical text) of sentences given as strings,
        token lists or vocabulary-ID arrays (what a pipeline's vocabulary step yields)."""
        from ..training import perplexity

        self.check_fitted()
        vocab, scores = self.vocab_, []
        for item in data:
            if isinstance(item, str):
                item = self.tokenizer_.tokenize(item)
            ids = item if isinstance(item, np.ndarray) else vocab.encode(list(item))
            stream = np.concatenate([[vocab.eos_id], ids, [vocab.eos_id]]).astype(np.int32)
            scores.append(perplexity(self.model_, stream, batch_size=1,
                                     time_size=self.time_size)[1])
        return scores

    # -- using it -----------------------------------------------------------------------------
    def encode(self, text: str) -> np.ndarray:
        """Prompt IDs: ``<eos>`` (a sentence starts) followed by the tokens of ``text``."""
        self.check_fitted()
        tokens = self.tokenizer_.tokenize(text) if text else []
        vocab = self.vocab_
        return np.concatenate([[vocab.eos_id], vocab.encode(tokens)]).astype(np.int32)

    def decode(self, ids: Sequence[int]) -> str:
        """Natural text for IDs; special tokens (``<eos>``, ``<pad>``...) are left out."""
        tokens = self.vocab_.decode(np.asarray(ids, dtype=np.int32), skip_specials=True)
        return self.tokenizer_.detokenize(tokens)

    def generate(self, prompt: str | Sequence[str] = "", max_tokens: int = 50,
                 temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
                 repetition_penalty: float = 1.0, no_repeat_ngram: int = 0, beam: int = 1,
                 n: int = 1, seed: int | None = None) -> list[str] | list[list[str]]:
        """Continue ``prompt`` (one string, or a list of them) into natural Korean text.

        Returns the prompt and its continuation as one string per sample: a list of ``n``
        strings for one prompt, a list of such lists for several. Generation stops at the end of
        a sentence (``<eos>``) or after ``max_tokens``; ``<unk>`` and ``<pad>`` are never produced.
        """
        self.check_fitted()
        vocab = self.vocab_
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        config = GenerationConfig(
            max_tokens=max_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
            repetition_penalty=repetition_penalty, no_repeat_ngram=no_repeat_ngram, beam=beam,
            n=n, seed=seed, stop_ids=(vocab.eos_id,),
            banned_ids=(vocab.pad_id, vocab.unk_id, vocab.bos_id))
        tokenized = [self.tokenizer_.tokenize(p) if p else [] for p in prompts]
        encoded = [np.concatenate([[vocab.eos_id], vocab.encode(tokens)]).astype(np.int32)
                   for tokens in tokenized]
        for tokens, ids in zip(tokenized, encoded):
            unknown = [t for t, i in zip(tokens, ids[1:]) if i == vocab.unk_id]
            if unknown:
                log.warning("prompt tokens not in the vocabulary (read as <unk>): %s",
                            ", ".join(map(repr, unknown[:10])))
        outputs = generate_ids(self.model_, encoded, config)
        # the prompt is given back as the user wrote it (its own tokens, not <unk> for a word
        # the vocabulary lacks), followed by the continuation
        texts = [[self.tokenizer_.detokenize(
                      [*tokens, *vocab.decode(np.asarray(new, dtype=np.int32), skip_specials=True)])
                  for new in samples] for tokens, samples in zip(tokenized, outputs)]
        return texts[0] if isinstance(prompt, str) else texts

    def perplexity(self, sentences: Iterable[str], batch_size: int = 10,
                   time_size: int = 35) -> float:
        """Perplexity on held-out sentences, tokenized and encoded like the training text."""
        from ..text.ids import encode_corpus
        from ..training import perplexity

        self.check_fitted()
        ids = encode_corpus(sentences, self.tokenizer_, self.vocab_)
        return perplexity(self.model_, ids, batch_size=batch_size, time_size=time_size)[1]

    # -- files --------------------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        config = self.get_params()
        if not isinstance(config["tokenizer"], str):
            config["tokenizer"] = None  # the fitted tokenizer is saved in tokenizer/
        if config["checkpoint_dir"] is not None:
            config["checkpoint_dir"] = str(config["checkpoint_dir"])
        return config

    def _save_state(self, directory: Path) -> None:
        self.model_.save(directory / "model")
        self.vocab_.save_txt(directory / "vocab.txt")
        self.tokenizer_.save(directory / "tokenizer")
        if self.history_ is not None and len(self.history_):
            write_csv(self.history_, directory / "history.csv")

    def _load_state(self, directory: Path) -> None:
        from ..text.vocab import Vocabulary

        model = Model.load(directory / "model")
        vocab = Vocabulary.load_txt(directory / "vocab.txt")
        if len(vocab) != model.vocab_size:
            raise FormatError(f"{directory}: vocab.txt has {len(vocab)} tokens but the model "
                              f"expects {model.vocab_size}; the files do not belong together")
        history_path = directory / "history.csv"
        self.model_, self.vocab_ = model, vocab
        self.tokenizer_ = Stage.load(directory / "tokenizer")
        self.history_ = csv_frame(history_path)
        self.trainer_ = None

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.is_fitted:
            text += f"  # fitted: {self.model_!r}, vocabulary {len(self.vocab_):,}"
        return text


def _peek_ids(data: Any) -> tuple[Any, bool]:
    """``(data, True)`` when ``data`` holds vocabulary-ID arrays (an iterator is re-chained)."""
    if isinstance(data, (str, os.PathLike)):
        return data, False
    if isinstance(data, IdSequences):
        return data, True
    items = data if isinstance(data, (list, tuple)) else list(data)
    first = items[0] if items else None
    return items, isinstance(first, np.ndarray) and first.dtype.kind in "iu"


def _ids_stream(sentences: Iterable[np.ndarray], vocab: Any) -> np.ndarray:
    """ID arrays → one int32 stream with ``<eos>`` after every non-empty sentence."""
    if isinstance(sentences, IdSequences):
        return sentences.joined(vocab.eos_id, skip_empty=True)
    eos = np.array([vocab.eos_id], dtype=np.int32)
    parts = [part for ids in sentences if len(ids)
             for part in (np.asarray(ids, dtype=np.int32), eos)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int32)
