"""word2vec: the book's chapter-3 and chapter-4 models, and a trainer that scales.

Models (book ``ch03/simple_cbow.py``, ``simple_skip_gram.py``, ``ch04/cbow.py``,
``skip_gram.py``), :class:`~hangul_dl.nn.model.Model` subclasses for learning and small
vocabularies:

- :class:`SimpleCBOW`, :class:`SimpleSkipGram` — full softmax over the vocabulary (ch.3);
- :class:`CBOW`, :class:`SkipGram` — an Embedding and negative sampling (ch.4).

They follow the Layer contract (dense gradients, gradient-checked in float64); their
``word_vecs`` are the input embedding.

:class:`Word2Vec` is the trainer users call on real corpora: a stage with gensim's settings
(subsampling, dynamic window, linear learning-rate decay, ``min_count``, epochs) that trains the
same CBOW / skip-gram objective with sparse row updates
(:mod:`hangul_dl.embeddings.word2vec_training`), so a step costs the same for 10 thousand or 1 million
words::

    >>> w2v = Word2Vec(method="skipgram", dim=100, epochs=5).fit(token_lists)
    >>> w2v.most_similar("서울", topn=3)
    >>> w2v.wv_["서울"].shape
    (100,)
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, as_generator, get_xp, to_cpu
from ..errors import InputError
from ..nn.layers import Embedding, MatMul, SoftmaxWithLoss
from ..nn.model import Model
from ..nn.sampling import NegativeSamplingLoss, UnigramSampler
from ..progress import say
from .base import IdStream, VectorStage
from .vectors import WordVectors
from .word2vec_training import Word2VecTables, Word2VecTrainer, keep_probabilities

__all__ = ["CBOW", "SimpleCBOW", "SimpleSkipGram", "SkipGram", "Word2Vec"]

logger = logging.getLogger(__name__)
METHODS = ("cbow", "skipgram")


def _ids(x: Any) -> Any:
    """One-hot (..., V) → IDs (...); IDs pass through (the book feeds one-hot in ch.3)."""
    return x.argmax(axis=-1) if x.dtype.kind == "f" or x.dtype == bool else x


def _init(V: int, D: int, seed: int, scale: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    rng = as_generator(seed)
    W_in = (scale * rng.standard_normal((V, D))).astype(DEFAULT_DTYPE)
    W_out = (scale * rng.standard_normal((V, D))).astype(DEFAULT_DTYPE)
    return W_in, W_out


class SimpleCBOW(Model):
    """Chapter-3 CBOW: the mean of the context embeddings, a full-softmax output layer.

    ``forward(contexts, target)``: contexts (N, C) IDs or (N, C, V) one-hot, target (N,) IDs or
    (N, V) one-hot; returns the mean cross-entropy. ``word_vecs`` (V, H) = the input weights.
    """

    def __init__(self, vocab_size: int, hidden_size: int, seed: int = 0):
        self.vocab_size, self.hidden_size, self.seed = vocab_size, hidden_size, seed
        W_in, W_out = _init(vocab_size, hidden_size, seed)
        self.in_layer = Embedding(W_in)  # one-hot @ W_in, as a row lookup
        self.out_layer = MatMul(np.ascontiguousarray(W_out.T))  # (H, V)
        self.loss_layer = SoftmaxWithLoss(ignore_label=None)
        self._n_context = 1

    @property
    def word_vecs(self) -> Any:
        """(V, H) input embedding: the word vectors."""
        return self.in_layer.params[0]

    def forward(self, contexts: Any, target: Any) -> Any:
        contexts = _ids(contexts)  # (N, C)
        self._n_context = contexts.shape[1]
        h = self.in_layer.forward(contexts).mean(axis=1)  # (N, H)
        return self.loss_layer.forward(self.out_layer.forward(h), _ids(target))

    def backward(self, dout: Any = 1) -> None:
        dh = self.out_layer.backward(self.loss_layer.backward(dout))  # (N, H)
        C = self._n_context
        self.in_layer.backward(dh[:, None, :].repeat(C, axis=1) / C)


class SimpleSkipGram(Model):
    """Chapter-3 skip-gram: the center word's embedding predicts every context word.

    ``forward(contexts, target)``: contexts (N, C), target (N,) the center word (IDs or one-hot);
    the loss is the sum over the C context positions of the mean cross-entropy (as the book).
    """

    def __init__(self, vocab_size: int, hidden_size: int, seed: int = 0):
        self.vocab_size, self.hidden_size, self.seed = vocab_size, hidden_size, seed
        W_in, W_out = _init(vocab_size, hidden_size, seed)
        self.in_layer = Embedding(W_in)
        self.out_layer = MatMul(np.ascontiguousarray(W_out.T))
        self.loss_layer = SoftmaxWithLoss(ignore_label=None)
        self._n_context = 1

    @property
    def word_vecs(self) -> Any:
        """(V, H) input embedding: the word vectors."""
        return self.in_layer.params[0]

    def forward(self, contexts: Any, target: Any) -> Any:
        contexts = _ids(contexts)  # (N, C)
        C = contexts.shape[1]
        self._n_context = C
        s = self.out_layer.forward(self.in_layer.forward(_ids(target)))  # (N, V)
        s = s[:, None, :].repeat(C, axis=1)  # (N, C, V): one prediction per context position
        return self.loss_layer.forward(s, contexts) * C

    def backward(self, dout: Any = 1) -> None:
        ds = self.loss_layer.backward(dout * self._n_context).sum(axis=1)  # (N, V)
        self.in_layer.backward(self.out_layer.backward(ds))


class _NegativeSampling(Model):
    """What the chapter-4 CBOW and skip-gram share: an input embedding (the word vectors) and
    a negative-sampling output layer drawing from the unigram^``power`` distribution."""

    def __init__(self, vocab_size: int, hidden_size: int, counts: Any, sample_size: int = 5,
                 power: float = 0.75, seed: int = 0):
        self.vocab_size, self.hidden_size, self.seed = vocab_size, hidden_size, seed
        self.counts = [int(c) for c in np.asarray(to_cpu(counts)).tolist()]
        self.sample_size, self.power = sample_size, power
        W_in, W_out = _init(vocab_size, hidden_size, seed)
        self.in_layer = Embedding(W_in)
        self.ns_loss = NegativeSamplingLoss(W_out, self.counts, power=power,
                                            sample_size=sample_size, seed=seed + 1)
        self._n_context = 1

    @property
    def word_vecs(self) -> Any:
        """(V, H) input embedding: the word vectors."""
        return self.in_layer.params[0]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "counts": self.counts}


class CBOW(_NegativeSampling):
    """Chapter-4 CBOW: context-mean embedding, negative-sampling loss (book ``ch04/cbow.py``).

    ``counts`` (V,) word frequencies feed the unigram^0.75 sampler. ``forward(contexts (N, C),
    target (N,))`` returns the loss; :class:`Word2Vec` trains the same objective at scale.
    """

    def forward(self, contexts: Any, target: Any, negatives: Any = None) -> Any:
        self._n_context = contexts.shape[1]
        h = self.in_layer.forward(contexts).mean(axis=1)  # (N, H)
        return self.ns_loss.forward(h, target, negatives)

    def backward(self, dout: Any = 1) -> None:
        dh = self.ns_loss.backward(dout)  # (N, H)
        C = self._n_context
        self.in_layer.backward(dh[:, None, :].repeat(C, axis=1) / C)


class SkipGram(_NegativeSampling):
    """Chapter-4 skip-gram: the center embedding predicts each context with negative sampling.

    ``forward(contexts (N, C), target (N,))``: the loss is summed over the C context positions
    and averaged over the batch, as the book's ``ch04/skip_gram.py``.
    """

    def forward(self, contexts: Any, target: Any, negatives: Any = None) -> Any:
        N, C = contexts.shape
        self._n_context = C
        h = self.in_layer.forward(target)  # (N, H)
        h_rep = h[:, None, :].repeat(C, axis=1).reshape(N * C, -1)  # (N*C, H)
        if negatives is not None:
            negatives = negatives.reshape(N * C, -1)
        return self.ns_loss.forward(h_rep, contexts.reshape(-1), negatives) * C

    def backward(self, dout: Any = 1) -> None:
        C = self._n_context
        dh = self.ns_loss.backward(dout * C)  # (N*C, H)
        self.in_layer.backward(dh.reshape(-1, C, dh.shape[-1]).sum(axis=1))


class Word2Vec(VectorStage):
    """Train word2vec (CBOW or skip-gram with negative sampling) on a corpus, like gensim.

    Parameters
    ----------
    method : "cbow" or "skipgram"
    dim : int — vector size D.
    window : int — largest distance between center and context (reduced at random per center).
    negative : int — negative samples per prediction (K), drawn from unigram^0.75.
    sample : float — frequent-word subsampling threshold (0 disables).
    min_count : int — words seen fewer times get no vector and are dropped before windowing.
    max_vocab : int or None — keep at most this many (most frequent) words.
    epochs : int — passes over the corpus.
    lr, min_lr : float — learning rate, decayed linearly from ``lr`` to ``min_lr`` over all epochs.
    batch_size : int — center words per SGD step (pairs per step ≈ batch_size × window for
        skip-gram). Larger is faster per word, smaller is closer to word2vec's sequential SGD.
    seed : int — same seed, same data, same device ⇒ identical vectors (on the CPU).
    device : "cpu", "gpu", "auto" or None (``HANGUL_DL_DEVICE``).
    quiet : bool — no progress bar or progress lines.
    checkpoint_dir, checkpoint_every : ``checkpoint_dir/last`` (resumable: ``fit(...,
        resume=checkpoint_dir)``) after every epoch, every ``checkpoint_every`` steps and on
        Ctrl-C (:class:`~hangul_dl.training.Trainer`).

    Learned: ``wv_`` (:class:`~hangul_dl.embeddings.vectors.WordVectors`, on the CPU),
    ``vocab_``, ``history_`` (a DataFrame, one row per epoch: loss per prediction, lr at the
    end, words/s), ``trainer_`` (the :class:`~hangul_dl.embeddings.word2vec_training.Word2VecTrainer`:
    per-interval ``history``, ``interrupted``). A diverging run (loss non-finite or far above
    its start) stops with :class:`~hangul_dl.errors.DivergenceError` and saves nothing.
    """

    fit_context = frozenset({"vocab", "resume"})

    def __init__(self, method: str = "cbow", dim: int = 100, window: int = 5, negative: int = 5,
                 sample: float = 1e-3, min_count: int = 5, max_vocab: int | None = None,
                 epochs: int = 5, lr: float = 0.025, min_lr: float = 0.0001,
                 batch_size: int = 1024, seed: int = 0, device: str | None = None,
                 quiet: bool = False, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int | None = None):
        self.method = method
        self.dim = dim
        self.window = window
        self.negative = negative
        self.sample = sample
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.epochs = epochs
        self.lr = lr
        self.min_lr = min_lr
        self.batch_size = batch_size
        self.seed = seed
        self.device = device
        self.quiet = quiet
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every

    def _config(self) -> dict[str, Any]:
        config = super()._config()
        if config.get("checkpoint_dir") is not None:
            config["checkpoint_dir"] = str(config["checkpoint_dir"])  # JSON
        return config

    def _check_params(self) -> None:
        from ..training import check_settings

        if self.method not in METHODS:
            raise InputError(f"Word2Vec: method must be one of {', '.join(METHODS)}, got "
                             f"{self.method!r} (use PPMISVD for the count-based method)")
        check_settings("Word2Vec", dim=self.dim, window=self.window, negative=self.negative,
                       epochs=self.epochs, batch_size=self.batch_size, min_count=self.min_count,
                       max_vocab=self.max_vocab, lr=self.lr, min_lr=self.min_lr,
                       sample=self.sample, checkpoint_every=self.checkpoint_every)
        if self.min_lr > self.lr:
            raise InputError(f"Word2Vec: min_lr must be <= lr, got lr={self.lr!r}, "
                             f"min_lr={self.min_lr!r}")

    def fit(self, corpus: Any, vocab: Any = None,
            resume: str | os.PathLike | None = None) -> Word2Vec:
        """Learn vectors from ``corpus`` (token lists, ID arrays with ``vocab``, or one ID array).

        ``resume``: the ``checkpoint_dir`` (or its ``last/``) of a stopped run on the same corpus
        with the same settings; training continues at the step it reached.
        """
        self._check_params()
        stream = self.prepare(corpus, vocab)
        vectors = self._fit_stream(stream, resume=resume)
        self.wv_ = WordVectors(stream.index_to_key, vectors, stream.counts)
        return self

    def _fit_stream(self, stream: IdStream, resume: str | os.PathLike | None = None) -> Any:
        from ..training import last_checkpoint

        xp = get_xp(self.device)
        V, D = len(stream.index_to_key), int(self.dim)
        if V < 2 or stream.words.shape[0] < 2:
            raise InputError(f"Word2Vec: the corpus has {stream.words.shape[0]} token(s) of {V} "
                             f"distinct word(s) with min_count={self.min_count}; word2vec needs "
                             "context windows and negatives: give more text or lower min_count")
        say(self.quiet, "word2vec %s: %s words of %s tokens, %d dims, %d epochs", self.method,
            f"{V:,}", f"{stream.words.shape[0]:,}", D, self.epochs)
        model = Word2VecTables(V, D, seed=int(self.seed))
        if xp is not np:
            model.to_gpu()
        sampler = UnigramSampler(stream.counts, power=0.75, sample_size=int(self.negative),
                                 seed=np.random.default_rng([int(self.seed), 1]))
        trainer = Word2VecTrainer(model, self.method, sampler, int(self.window), float(self.lr),
                                  float(self.min_lr), quiet=self.quiet,
                                  checkpoint_dir=self.checkpoint_dir,
                                  checkpoint_every=self.checkpoint_every)
        if resume is not None:
            last = last_checkpoint(resume)
            trainer.load_checkpoint(last)
            logger.info("resumed from %s at epoch %d, step %d", last, trainer.epoch, trainer.step)
        words = xp.asarray(stream.words)
        sentence = xp.asarray(stream.sentence_ids())
        keep_p = xp.asarray(keep_probabilities(stream.counts, self.sample).astype(np.float32))
        self.trainer_ = trainer
        try:
            trainer.train_stream(words, sentence, keep_p, int(self.epochs), int(self.batch_size),
                                 int(self.seed))
        finally:
            self.history_ = trainer.epochs
        return to_cpu(model.syn0.params[0])

    def _lr_at(self, progress_fraction: float) -> float:
        return max(self.min_lr, self.lr - (self.lr - self.min_lr) * progress_fraction)
