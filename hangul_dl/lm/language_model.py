"""A language model you can talk to in Korean: tokenizer + vocabulary + RNNLM in one directory.

``LanguageModel.train(sentences, tokenizer="okt", ...)`` tokenizes, builds the vocabulary,
encodes the corpus into one ID stream with ``<eos>`` between sentences and trains an
:class:`~hangul_dl.lm.rnnlm.RNNLM` with truncated BPTT. ``generate("대한민국은")`` tokenizes the
prompt with the model's own tokenizer, continues it and detokenizes the result with the front
end's round trip, so the output reads as natural Korean ("먹었다", never "먹 었 다").

Saved layout (``save(DIR)``)::

    DIR/manifest.json     kind "LanguageModel", format version
    DIR/model/            the RNNLM (manifest.json + weights.npz)
    DIR/vocab.txt         token<TAB>count
    DIR/tokenizer/        the tokenizer stage's settings
    DIR/history.csv       training history, when trained here

``hangul-dl generate DIR --prompt "..."`` needs nothing else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, InputError
from ..io import atomic_directory, read_manifest, write_csv, write_manifest
from ..nn.model import Model
from ..stage import Stage
from .generate import GenerationConfig, generate_ids
from .rnnlm import RNNLM

__all__ = ["LanguageModel"]

log = logging.getLogger(__name__)


class LanguageModel:
    """Text in, text out around an RNNLM (see the module docstring).

    Args:
        model: the trained RNNLM.
        vocab: the fitted :class:`~hangul_dl.text.vocab.Vocabulary` the model's IDs refer to.
        tokenizer: a tokenizer stage (``tokenize`` / ``detokenize``), e.g.
            ``KonlpyTokenizer("okt")``.
        history: optional training history (a DataFrame), saved beside the model.

    After :meth:`train`, ``trainer`` is the :class:`~hangul_dl.training.BPTTTrainer` used
    (per-epoch metrics, ``interrupted``); it is None for a loaded model.
    """

    def __init__(self, model: RNNLM, vocab: Any, tokenizer: Any, history: Any = None):
        self.model = model
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.history = history
        self.trainer: Any = None

    def __repr__(self) -> str:
        return (f"LanguageModel({self.model!r}, vocab={len(self.vocab):,} tokens, "
                f"tokenizer={self.tokenizer!r})")

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def train(cls, sentences: Iterable[str | list[str]] | str | os.PathLike,
              tokenizer: Any = "okt", *,
              valid_sentences: Iterable[str | list[str]] | str | os.PathLike | None = None,
              min_count: int = 1, max_vocab: int | None = None, embedding_size: int = 100,
              hidden_size: int = 100,
              num_layers: int = 1, cell: str = "lstm", dropout: float = 0.0,
              tie_weights: bool = False, optimizer: str = "sgd", lr: float = 20.0,
              max_epoch: int = 4, batch_size: int = 20, time_size: int = 35,
              max_grad: float | None = 0.25, lr_decay: float | None = 4.0,
              checkpoint_dir: str | os.PathLike | None = None,
              checkpoint_every: int | None = None, resume: str | os.PathLike | None = None,
              device: str | None = None,
              seed: int = 0, quiet: bool = False, n_jobs: int = 1) -> LanguageModel:
        """Tokenize ``sentences``, build a vocabulary and train an RNNLM on them.

        ``sentences`` (and ``valid_sentences``) hold strings, or token lists already made by
        ``tokenizer``, or name a UTF-8 text file (one sentence per line, ``.gz`` too). A file is
        streamed: it is tokenized once into the token cache
        (:func:`hangul_dl.text.cache.cached_tokenize`; a second run, e.g. after an interruption,
        skips tokenizing) and read from there twice — for the vocabulary and for the ID array —
        so only the int32 IDs are held in memory, whatever the corpus size. Empty lines are
        sentence breaks, not sentences.

        ``tokenizer`` is a tokenizer object or a name for
        :func:`hangul_dl.text.tokenizers.get_tokenizer` (``"okt"``, ``"char"``, ``"jamo"``,
        ``"whitespace"``, ...). The defaults are the book's ``Rnnlm`` settings.

        ``checkpoint_dir`` receives ``last/`` (resumable state) after every epoch, every
        ``checkpoint_every`` steps and on Ctrl-C, and ``best/`` (best validation weights).
        ``resume`` names such a ``last/`` checkpoint of an earlier run with the same data and
        settings: weights, optimizer state, counters, read position and history are restored,
        the interrupted epoch is finished, and training goes on until ``max_epoch`` epochs are
        done in all (so the same command plus ``resume`` completes the original plan).
        """
        from ..backend import get_xp, resolve_device
        from ..nn.optimizers import get_optimizer
        from ..text.cache import cached_tokenize, read_cached
        from ..text.ids import encode_corpus
        from ..text.tokenizers import get_tokenizer
        from ..text.vocab import Vocabulary
        from ..training import BPTTTrainer

        tok = get_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer

        def token_source(items: Iterable[str | list[str]] | str | os.PathLike
                         ) -> Callable[[], Iterable[list[str]]]:
            """A function returning the token lists afresh (the corpus is read twice)."""
            if isinstance(items, (str, os.PathLike)):  # a file: tokenize once into the cache
                path = cached_tokenize(items, tok, n_jobs=n_jobs, quiet=quiet, as_path=True)
                return lambda: (tokens for tokens in read_cached(path) if tokens)
            items = list(items)
            if items and not isinstance(items[0], str):
                lists = [list(tokens) for tokens in items]
            else:
                lists = list(tok.pipe(items, n_jobs=n_jobs, quiet=quiet))
            return lambda: lists

        train_tokens = token_source(sentences)
        vocab = Vocabulary(min_count=min_count, max_size=max_vocab).fit(train_tokens())
        if not vocab.n_tokens_:
            raise InputError("the training text is empty: no tokens to learn from")
        corpus = encode_corpus(train_tokens(), None, vocab)
        valid = None
        if valid_sentences is not None:
            valid = encode_corpus(token_source(valid_sentences)(), None, vocab)
        model = RNNLM(len(vocab), embedding_size, hidden_size, num_layers, cell, dropout,
                      tie_weights, seed)
        if resolve_device(device) == "gpu":
            model.to_gpu()
            xp = get_xp("gpu")
            corpus = xp.asarray(corpus)
            valid = None if valid is None else xp.asarray(valid)
        batch_size = max(1, min(batch_size, (len(corpus) - 1) // time_size))
        trainer = BPTTTrainer(model, get_optimizer(optimizer, lr=lr), quiet=quiet,
                              lr_decay=lr_decay, checkpoint_dir=checkpoint_dir,
                              checkpoint_every=checkpoint_every)
        if resume is not None:
            trainer.load_checkpoint(resume)
            log.info("resumed from %s at epoch %d, step %d", resume, trainer.epoch, trainer.step)
        done = trainer.epoch - (1 if trainer.epoch_step else 0)  # epochs fully trained
        trainer.fit(corpus, max_epoch=max(0, max_epoch - done), batch_size=batch_size, time_size=time_size,
                    max_grad=max_grad, validation=valid, seed=seed)
        lm = cls(model.to_cpu(), vocab, tok, history=trainer.history)
        lm.trainer = trainer
        return lm

    # -- using it -----------------------------------------------------------------------------
    def encode(self, text: str) -> np.ndarray:
        """Prompt IDs: ``<eos>`` (a sentence starts) followed by the tokens of ``text``."""
        tokens = self.tokenizer.tokenize(text) if text else []
        return np.concatenate([[self.vocab.eos_id], self.vocab.encode(tokens)]).astype(np.int32)

    def decode(self, ids: Sequence[int]) -> str:
        """Natural text for IDs; special tokens (``<eos>``, ``<pad>``...) are left out."""
        tokens = self.vocab.decode(np.asarray(ids, dtype=np.int32), skip_specials=True)
        return self.tokenizer.detokenize(tokens)

    def generate(self, prompt: str | Sequence[str] = "", max_tokens: int = 50,
                 temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
                 repetition_penalty: float = 1.0, no_repeat_ngram: int = 0, beam: int = 1,
                 n: int = 1, seed: int | None = None) -> list[str] | list[list[str]]:
        """Continue ``prompt`` (one string, or a list of them) into natural Korean text.

        Returns the prompt and its continuation as one string per sample: a list of ``n``
        strings for one prompt, a list of such lists for several. Generation stops at the end of
        a sentence (``<eos>``) or after ``max_tokens``; ``<unk>`` and ``<pad>`` are never produced.
        """
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        config = GenerationConfig(
            max_tokens=max_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
            repetition_penalty=repetition_penalty, no_repeat_ngram=no_repeat_ngram, beam=beam,
            n=n, seed=seed, stop_ids=(self.vocab.eos_id,),
            banned_ids=(self.vocab.pad_id, self.vocab.unk_id, self.vocab.bos_id))
        encoded = [self.encode(p) for p in prompts]
        for text, ids in zip(prompts, encoded):
            unknown = [t for t, i in zip(self.tokenizer.tokenize(text) if text else [], ids[1:])
                       if i == self.vocab.unk_id]
            if unknown:
                log.warning("prompt tokens not in the vocabulary (read as <unk>): %s",
                            ", ".join(map(repr, unknown[:10])))
        outputs = generate_ids(self.model, encoded, config)
        texts = [[self.decode(np.concatenate([ids[1:], new])) for new in samples]
                 for ids, samples in zip(encoded, outputs)]
        return texts[0] if isinstance(prompt, str) else texts

    def perplexity(self, sentences: Iterable[str], batch_size: int = 10,
                   time_size: int = 35) -> float:
        """Perplexity on held-out sentences, tokenized and encoded like the training text."""
        from ..text.ids import encode_corpus
        from ..training import perplexity

        ids = encode_corpus(sentences, self.tokenizer, self.vocab)
        return perplexity(self.model, ids, batch_size=batch_size, time_size=time_size)[1]

    # -- files --------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Write everything :meth:`generate` needs into one directory (atomic)."""
        with atomic_directory(directory) as tmp:
            write_manifest(tmp, kind="LanguageModel", config={
                "tokenizer": type(self.tokenizer).__name__, "vocab_size": len(self.vocab)})
            self.model.save(tmp / "model")
            self.vocab.save_txt(tmp / "vocab.txt")
            self.tokenizer.save(tmp / "tokenizer")
            if self.history is not None and len(self.history):
                write_csv(self.history, tmp / "history.csv")
        return Path(directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> LanguageModel:
        """Load a directory written by :meth:`save`."""
        import pandas as pd

        from ..text.vocab import Vocabulary

        directory = Path(directory)
        read_manifest(directory, kind="LanguageModel")
        model = Model.load(directory / "model")
        vocab = Vocabulary.load_txt(directory / "vocab.txt")
        tokenizer = Stage.load(directory / "tokenizer")
        if len(vocab) != model.vocab_size:
            raise FormatError(f"{directory}: vocab.txt has {len(vocab)} tokens but the model "
                             f"expects {model.vocab_size}; the files do not belong together")
        history_path = directory / "history.csv"
        history = pd.read_csv(history_path) if history_path.is_file() else None
        return cls(model, vocab, tokenizer, history)
