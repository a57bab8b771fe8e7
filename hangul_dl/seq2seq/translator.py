"""Translator: source text -> target text end to end (book ch.7-8 on real sentences).

A pipeline :class:`~hangul_dl.stage.Stage` that owns everything between two languages: a
tokenizer per side (any front-end tokenizer by name: ``okt`` for Korean, ``word`` or
``subword:vocab_size=8000`` for English, ``char``/``jamo`` for toy tasks), a
:class:`~hangul_dl.text.vocab.Vocabulary` per side and a seq2seq model (attention by default)::

    >>> from hangul_dl.datasets import korean_dates
    >>> tr = Translator("char", "char", embedding_size=16, hidden_size=128, lr=0.005,
    ...                 max_epoch=8)
    >>> tr.fit(korean_dates(20000, seed=1), valid=korean_dates(500, seed=2))
    >>> tr.translate(["2019년 5월 1일 수요일", "오월 일일"])
    ['2019-05-01', '--05-01']
    >>> tr.evaluate(srcs, refs)      # {'bleu': 99.8, 'chrf': 99.9, 'exact_match': 0.995, ...}
    >>> tr.attention("2019년 5월 1일").plot("map.png")

Training (:class:`~hangul_dl.seq2seq.trainer.Seq2seqTrainer`): length-bucketed batches, Adam
with gradient clipping, validation BLEU/chrF/exact match after every epoch, early stopping
after ``patience`` epochs without a better BLEU, the best weights kept (and saved to
``checkpoint_dir/best``), the full state saved to ``checkpoint_dir/last`` after every epoch so
that ``fit(..., resume=checkpoint_dir)`` continues a stopped run. Outputs are detokenized with
the target tokenizer, so Korean comes out with natural spacing ("먹었다", never "먹 었 다").

``fit`` takes ``(source, target)`` string pairs: a list, a
:class:`~hangul_dl.text.corpus.ParallelCorpus` (two aligned files) or the path of a two-column
TSV. ``save(DIR)`` writes one directory (model, both vocabularies, both tokenizers, history;
see :mod:`hangul_dl.seq2seq.translator_folder`) and ``Translator.load(DIR)`` gives identical
translations.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_cpu
from ..errors import InputError
from ..io import load_arrays
from ..stage import Stage, stage_class
from ..text.encoder import TextEncoder
from .batching import pad_pairs, sorted_batches
from .pairs import read_pairs
from .translator_folder import TranslatorFolder

__all__ = ["ARCHITECTURES", "AttentionMap", "Translator", "read_pairs"]

log = logging.getLogger(__name__)

#: ``architecture`` names -> model classes of :mod:`hangul_dl.seq2seq.models`.
ARCHITECTURES = ("attention", "peeky", "seq2seq")


@dataclass
class AttentionMap:
    """Where the decoder looked: ``weights[j, i]`` = attention of output token j on source
    token i (rows sum to 1), with the tokens as labels (word markers ``▁`` removed)."""

    source: str
    translation: str
    source_tokens: list[str]
    target_tokens: list[str]
    weights: np.ndarray  # (len(target_tokens), len(source_tokens))

    def plot(self, path: str | os.PathLike, title: str | None = None) -> Path:
        """Save a heatmap (source tokens × generated tokens, Hangul labels); returns the path."""
        from ..plotting import plot_attention

        return plot_attention(self.weights, self.source_tokens, self.target_tokens, path,
                              title=title or f"{self.source}  ->  {self.translation}",
                              xlabel="원문 토큰", ylabel="생성한 토큰")

    def __repr__(self) -> str:
        return (f"AttentionMap({self.source!r} -> {self.translation!r}, weights "
                f"{self.weights.shape[0]}x{self.weights.shape[1]})")


def _label(token: str) -> str:
    return token.replace("\u2581", "") or token


class Translator(TranslatorFolder, Stage):
    """Source text -> target text; see the module docstring.

    Parameters (stored as given; checked in ``fit``)
    ----------
    src_tokenizer, tgt_tokenizer : str, dict or Tokenizer
        Front-end tokenizers (:func:`~hangul_dl.text.tokenizers.get_tokenizer`); a
        ``subword`` tokenizer is trained on the training text of its side.
    architecture : "attention", "peeky" or "seq2seq"
        The model (book ch.8 attention; ch.7 Peeky; ch.7 plain).
    embedding_size, hidden_size, num_layers, bidirectional, reverse_input, dropout
        Model settings (:class:`~hangul_dl.seq2seq.models.Seq2seq`).
    min_count, max_vocab : int, int or None
        Vocabulary limits per side (rarer tokens become ``<unk>``).
    max_length : int
        Pairs with a side longer than this many tokens are left out of training (counted and
        logged).
    batch_size, max_epoch, lr, max_grad : training (Adam, global-norm clipping).
    patience : int or None
        Early stopping: epochs without a better validation BLEU.
    beam, length_penalty : decoding defaults (``beam=1`` is greedy).
    bleu_tokenize : str
        Tokenization of BLEU (:mod:`hangul_dl.metrics`), stated in the results.
    valid_fraction : float
        Share of the training pairs held out for validation when no ``valid`` data is given.
    checkpoint_dir : path or None
        Where ``best/`` and ``last/`` are written after every epoch.
    device, seed, n_jobs, quiet : "cpu"/"gpu", seed, tokenizer processes, no progress bars.
    """

    fit_context = frozenset({"valid", "resume"})

    def __init__(self, src_tokenizer: Any = "okt", tgt_tokenizer: Any = "word",
                 architecture: str = "attention", embedding_size: int = 64,
                 hidden_size: int = 256, num_layers: int = 1, bidirectional: bool = False,
                 reverse_input: bool = False, dropout: float = 0.0, min_count: int = 1,
                 max_vocab: int | None = None, max_length: int = 100, batch_size: int = 64,
                 max_epoch: int = 10, lr: float = 0.001, max_grad: float | None = 5.0,
                 patience: int | None = 3, beam: int = 1, length_penalty: float = 1.0,
                 bleu_tokenize: str = "13a", valid_fraction: float = 0.0,
                 checkpoint_dir: str | os.PathLike | None = None, device: str | None = None,
                 seed: int = 0, n_jobs: int = 1, quiet: bool = False):
        self.src_tokenizer = src_tokenizer
        self.tgt_tokenizer = tgt_tokenizer
        self.architecture = architecture
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.reverse_input = reverse_input
        self.dropout = dropout
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.max_length = max_length
        self.batch_size = batch_size
        self.max_epoch = max_epoch
        self.lr = lr
        self.max_grad = max_grad
        self.patience = patience
        self.beam = beam
        self.length_penalty = length_penalty
        self.bleu_tokenize = bleu_tokenize
        self.valid_fraction = valid_fraction
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self.seed = seed
        self.n_jobs = n_jobs
        self.quiet = quiet

    # -- building blocks -------------------------------------------------------------------
    def _make_tokenizer(self, spec: Any, fitted: Any = None) -> Any:
        """A fresh tokenizer for ``fit``: from ``spec`` (a name or a tokenizer stage), or, for a
        loaded translator whose tokenizer was an object (saved only in its folder, ``spec``
        None), one with the settings of the ``fitted`` tokenizer it loaded."""
        from ..text.tokenizers import Tokenizer, get_tokenizer

        if spec is None and isinstance(fitted, Tokenizer):
            spec = fitted
        if isinstance(spec, Tokenizer):
            if spec.requires_fit and spec.is_fitted:
                return spec  # a trained subword model: used as it is
            return type(spec)(**spec.get_params())
        if isinstance(spec, dict) and "stage" in spec:  # how earlier versions saved an object
            return stage_class(spec["stage"])(**spec.get("params", {}))
        return get_tokenizer(spec)

    def _build_model(self, src_vocab_size: int, tgt_vocab_size: int) -> Any:
        from .models import AttentionSeq2seq, PeekySeq2seq, Seq2seq

        classes = {"attention": AttentionSeq2seq, "peeky": PeekySeq2seq, "seq2seq": Seq2seq}
        if self.architecture not in classes:
            raise InputError(f"architecture={self.architecture!r}: expected one of "
                             f"{', '.join(ARCHITECTURES)}")
        return classes[self.architecture](
            src_vocab_size, tgt_vocab_size, embedding_size=self.embedding_size,
            hidden_size=self.hidden_size, num_layers=self.num_layers, dropout=self.dropout,
            bidirectional=self.bidirectional, reverse_input=self.reverse_input, seed=self.seed)

    def _encoders(self, pairs: Sequence[tuple[str, str]], vocabs: tuple[Any, Any] = (None, None)
                  ) -> tuple[TextEncoder, TextEncoder]:
        """One :class:`~hangul_dl.text.encoder.TextEncoder` per language, fitted on its side of
        ``pairs`` (each sentence tokenized once); with ``vocabs`` they encode with those."""
        encoders = []
        for side, tok, vocab in ((0, self.src_tokenizer_, vocabs[0]),
                                 (1, self.tgt_tokenizer_, vocabs[1])):
            encoder = TextEncoder(tok, min_count=self.min_count, max_size=self.max_vocab,
                                  n_jobs=self.n_jobs, quiet=self.quiet)
            encoders.append(encoder.fit([p[side] for p in pairs], vocab=vocab))
        return encoders[0], encoders[1]

    @staticmethod
    def _ids(src: TextEncoder, tgt: TextEncoder) -> tuple[list, list]:
        """Source ID arrays, and target ID arrays framed by ``<bos>`` … ``<eos>``."""
        bos, eos = tgt.vocab_.bos_id, tgt.vocab_.eos_id
        framed = [np.concatenate([[bos], ids, [eos]]).astype(np.int32) for ids in tgt.ids_]
        return [np.array(ids) for ids in src.ids_], framed

    def _encode(self, pairs: Sequence[tuple[str, str]]) -> tuple[list, list]:
        return self._ids(*self._encoders(pairs, (self.src_vocab_, self.tgt_vocab_)))

    # -- training ----------------------------------------------------------------------------
    def fit(self, data: Any, valid: Any = None,
            resume: str | os.PathLike | None = None) -> Translator:
        """Train on ``(source, target)`` pairs (see :func:`read_pairs`); returns ``self``.

        ``valid``: validation pairs (else ``valid_fraction`` of ``data`` is held out, if > 0).
        ``resume``: a ``checkpoint_dir`` (or its ``last/``) of an earlier run with the same data
        and settings; its
        tokenizers, vocabularies, weights, optimizer state and history are restored and training
        continues up to ``max_epoch`` epochs in all.
        """
        from ..backend import resolve_device
        from ..nn.optimizers import Adam
        from ..training import BEST_WEIGHTS, last_checkpoint
        from .trainer import Seq2seqTrainer

        self._check_params()
        last = None if resume is None else last_checkpoint(resume)
        pairs = read_pairs(data, "training")
        valid_pairs = None if valid is None else read_pairs(valid, "validation")
        if valid_pairs is None and self.valid_fraction:
            order = np.random.default_rng(self.seed).permutation(len(pairs))
            n_valid = max(1, round(len(pairs) * self.valid_fraction))
            valid_pairs = [pairs[i] for i in order[:n_valid]]
            pairs = [pairs[i] for i in order[n_valid:]]
            log.info("held out %d of %d pairs for validation", n_valid, n_valid + len(pairs))
        if last is not None:
            self._load_state(last)
        else:
            self.src_tokenizer_ = self._make_tokenizer(self.src_tokenizer,
                                                       getattr(self, "src_tokenizer_", None))
            self.tgt_tokenizer_ = self._make_tokenizer(self.tgt_tokenizer,
                                                       getattr(self, "tgt_tokenizer_", None))
            src_encoder, tgt_encoder = self._encoders(pairs)
            self.src_vocab_, self.tgt_vocab_ = src_encoder.vocab_, tgt_encoder.vocab_
            self.model_ = self._build_model(len(self.src_vocab_), len(self.tgt_vocab_))
        src, tgt = self._encode(pairs) if last is not None else self._ids(src_encoder, tgt_encoder)
        keep = [i for i in range(len(src))
                if len(src[i]) <= self.max_length and len(tgt[i]) - 2 <= self.max_length]
        if len(keep) < len(src):
            log.warning("left out %d of %d training pairs longer than max_length=%d tokens",
                        len(src) - len(keep), len(src), self.max_length)
            if not keep:
                raise InputError(f"every training pair is longer than max_length="
                                 f"{self.max_length} tokens; raise max_length")
            src, tgt = [src[i] for i in keep], [tgt[i] for i in keep]
        self.max_target_length_ = max(len(t) for t in tgt) - 2
        if resolve_device(self.device) == "gpu":
            self.model_.to_gpu()

        def save_last(directory: Path) -> None:
            self.history_, self.epochs_ = trainer.history, trainer.epochs
            self._save_last(directory)

        def save_best() -> None:
            self.history_, self.epochs_ = trainer.history, trainer.epochs
            self.save(Path(self.checkpoint_dir) / "best")

        trainer = Seq2seqTrainer(self.model_, Adam(lr=self.lr), quiet=self.quiet,
                                 patience=self.patience, checkpoint_dir=self.checkpoint_dir,
                                 save_last=save_last, save_best=save_best)
        if last is not None:
            trainer.load_checkpoint(last / "trainer")
            if trainer.best_weights is None and (last / BEST_WEIGHTS).is_file():
                trainer.best_weights = load_arrays(last / BEST_WEIGHTS)  # format version 1
            log.info("resumed from %s at epoch %d, step %d", last, trainer.epoch, trainer.step)
        self.trainer_ = trainer
        validate = None
        if valid_pairs is not None:
            v_src, v_tgt = self._encode(valid_pairs)
            refs = [t for _, t in valid_pairs]

            def validate() -> dict[str, float]:
                return self._validate(v_src, v_tgt, refs)

        try:
            trainer.train_pairs(src, tgt, self.max_epoch, self.batch_size, self.max_grad,
                                seed=self.seed, validate=validate)
        finally:
            self.history_, self.epochs_ = trainer.history, trainer.epochs
        if trainer.restore_best():
            log.info("restored the weights of epoch %d (best validation BLEU %.2f)",
                     trainer.best_epoch, trainer.best_score)
        self.model_.to_cpu()
        return self

    def _check_params(self) -> None:
        """Every setting in range, before any file is read or any text tokenized."""
        from ..training import check_settings

        if self.architecture not in ARCHITECTURES:
            raise InputError(f"Translator: architecture={self.architecture!r}: expected one of "
                             f"{', '.join(ARCHITECTURES)}")
        check_settings("Translator", embedding_size=self.embedding_size,
                       hidden_size=self.hidden_size, num_layers=self.num_layers,
                       dropout=self.dropout, min_count=self.min_count, max_vocab=self.max_vocab,
                       max_length=self.max_length, batch_size=self.batch_size,
                       max_epoch=self.max_epoch, lr=self.lr, max_grad=self.max_grad,
                       patience=self.patience, beam=self.beam,
                       valid_fraction=self.valid_fraction)
        if self.bidirectional and self.hidden_size % 2:
            raise InputError(f"Translator: bidirectional=True needs an even hidden_size, got "
                             f"{self.hidden_size}")

    def _validate(self, src: list, tgt: list, refs: list[str]) -> dict[str, float]:
        """Validation loss (eval mode) and BLEU / chrF / exact match of greedy translations."""
        from ..metrics import corpus_bleu, corpus_chrf, exact_match

        model, xp = self.model_, _xp(self.model_)
        model.eval()
        total = weight = 0.0
        for idx in sorted_batches(np.array([len(s) for s in src]), 256):
            bx, bt = pad_pairs(src, tgt, idx)
            n = float((bt != 0).sum() - len(idx))
            total += float(model.forward(xp.asarray(bx), xp.asarray(bt))) * n
            weight += n
        hyps = self._decode_ids(src, beam=1)
        return {"val_loss": total / max(weight, 1.0),
                "val_bleu": corpus_bleu(hyps, refs, tokenize=self.bleu_tokenize).score,
                "val_chrf": corpus_chrf(hyps, refs).score,
                "val_exact_match": exact_match(hyps, refs)}

    # -- using it -----------------------------------------------------------------------------
    def _decode_ids(self, src: list[np.ndarray], beam: int | None = None,
                    batch_size: int = 64, max_len: int | None = None) -> list[str]:
        """Translations of encoded sources (batched by length, returned in input order)."""
        from .decode import beam_search, greedy_decode

        beam = self.beam if beam is None else beam
        max_len = max_len or int(1.5 * self.max_target_length_) + 5
        out: list[str] = [""] * len(src)
        lengths = np.array([len(s) for s in src])
        for idx in sorted_batches(lengths, batch_size):
            idx = [i for i in idx.tolist() if lengths[i] > 0]  # empty input -> empty output
            if not idx:
                continue
            bx = _xp(self.model_).asarray(pad_pairs(src, src, idx)[0])
            if beam > 1:
                ids = beam_search(self.model_, bx, beam_size=beam, max_len=max_len,
                                  length_penalty=self.length_penalty, **self._special_ids())
            else:
                ids = greedy_decode(self.model_, bx, max_len=max_len, **self._special_ids())
            for i, seq in zip(idx, ids):
                out[i] = self._detokenize(seq)
        return out

    def _special_ids(self) -> dict[str, Any]:
        """Decoder arguments: this vocabulary's ``<bos>``/``<eos>``, and ``<unk>`` never emitted."""
        vocab = self.tgt_vocab_
        return {"bos_id": vocab.bos_id, "eos_id": vocab.eos_id, "banned_ids": [vocab.unk_id]}

    def _detokenize(self, ids: Sequence[int]) -> str:
        tokens = self.tgt_vocab_.decode(np.asarray(ids, dtype=np.int32), skip_specials=True)
        return self.tgt_tokenizer_.detokenize(tokens)

    def translate(self, texts: str | Iterable[str], beam: int | None = None,
                  batch_size: int = 64, max_len: int | None = None) -> list[str] | str:
        """Translate one text (returns a str) or many (returns a list, in input order).

        ``beam``: beam size (default: the ``beam`` parameter; 1 = greedy). ``max_len``: the
        longest output in tokens (default 1.5 × the longest training target + 5).
        """
        self.check_fitted()
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"translate expects strings; item {i} is {type(text).__name__}")
        tokens = self.src_tokenizer_.pipe(texts, n_jobs=self.n_jobs, quiet=self.quiet)
        src = list(self.src_vocab_.transform(tokens))
        out = self._decode_ids(src, beam=beam, batch_size=batch_size, max_len=max_len)
        return out[0] if single else out

    def transform(self, data: Iterable[str]) -> Iterator[str]:
        """Stage API: translations of a stream of texts, in chunks of 256."""
        self.check_fitted()
        chunk: list[str] = []
        for text in data:
            chunk.append(text)
            if len(chunk) == 256:
                yield from self.translate(chunk)
                chunk = []
        if chunk:
            yield from self.translate(chunk)

    def evaluate(self, sources: Sequence[str], references: Sequence[str | Sequence[str]],
                 beam: int | None = None, tokenize: str | None = None) -> dict[str, Any]:
        """BLEU, chrF (0-100) and exact match (0-1) of translating ``sources``.

        Returns ``{"bleu", "chrf", "exact_match", "n", "bleu_signature", "hypotheses"}``;
        BLEU uses ``tokenize`` (default: the ``bleu_tokenize`` parameter).
        """
        from ..metrics import corpus_bleu, corpus_chrf, exact_match

        sources = list(sources)
        if len(sources) != len(references):
            raise InputError(f"{len(sources)} sources but {len(references)} references; "
                             "line i of one must translate line i of the other")
        hyps = self.translate(sources, beam=beam)
        bleu = corpus_bleu(hyps, references, tokenize=tokenize or self.bleu_tokenize)
        return {"bleu": bleu.score, "chrf": corpus_chrf(hyps, references).score,
                "exact_match": exact_match(hyps, references), "n": len(hyps),
                "bleu_signature": bleu.signature, "hypotheses": hyps}

    def attention(self, text: str, beam: int | None = None) -> AttentionMap:
        """Translate ``text`` and return the attention weights of each generated token."""
        from .decode import beam_search, greedy_decode

        self.check_fitted()
        if not getattr(self.model_, "has_attention", False):
            raise InputError(f"this translator's model ({self.architecture!r}) has no "
                             "attention; train with architecture='attention'")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"attention needs a non-empty source text, got {text!r}")
        tokens = self.src_tokenizer_.tokenize(text)
        src = _xp(self.model_).asarray(self.src_vocab_.encode(tokens)[None, :])
        beam = self.beam if beam is None else beam
        max_len = int(1.5 * self.max_target_length_) + 5
        if beam > 1:
            ids, att = beam_search(self.model_, src, beam_size=beam, max_len=max_len,
                                   length_penalty=self.length_penalty, return_attention=True,
                                   **self._special_ids())
        else:
            ids, att = greedy_decode(self.model_, src, max_len=max_len, return_attention=True,
                                     **self._special_ids())
        out_tokens = self.tgt_vocab_.decode(np.asarray(ids[0], dtype=np.int32))
        return AttentionMap(text, self._detokenize(ids[0]), [_label(t) for t in tokens],
                            [_label(t) for t in out_tokens], np.asarray(to_cpu(att[0])))

    def plot_attention(self, text: str, path: str | os.PathLike, beam: int | None = None,
                       title: str | None = None) -> Path:
        """Save the attention heatmap of translating ``text`` (Hangul labels); returns the path."""
        return self.attention(text, beam=beam).plot(path, title=title)

    def plot(self, path: str | os.PathLike, title: str = "번역기 학습 손실") -> Path:
        """Save the training loss curve (and validation loss per epoch) as an image."""
        from ..plotting import plot_history

        self.check_fitted()
        return plot_history(self.history_, path, epochs=self.epochs_, title=title)

    def __repr__(self) -> str:
        base = super().__repr__()
        if not self.is_fitted:
            return base
        return (f"{base} [{len(self.src_vocab_):,} -> {len(self.tgt_vocab_):,} tokens, "
                f"{self.model_.num_params():,} parameters]")


def _xp(model: Any) -> Any:
    from ..backend import get_array_module

    return get_array_module(model.params[0])
