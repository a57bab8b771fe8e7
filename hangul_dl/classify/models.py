"""Text classification models: bag of embeddings, (Bi)LSTM/GRU with pooling, Kim's CNN.

Three families, one interface (``ClassifierModel``), chosen the way the wikidocs book and the
NSMC tutorials present them ("RNN을 이용한 텍스트 분류", "NLP를 위한 합성곱 신경망"):

======================  ============================================================================
model                   text vector (then dropout → Affine → softmax over C classes)
======================  ============================================================================
``BagOfEmbeddings``     mean of the token embeddings (and of hashed bigram embeddings with
                        ``ngram_buckets``): fastText (Joulin et al. 2017, "Bag of Tricks")
``RNNClassifier``       Embedding → (Bi)LSTM or (Bi)GRU × L → max / mean / attention pooling over
                        the real tokens
``CNNClassifier``       Embedding → convolutions of widths 3, 4, 5 → ReLU → max over time,
                        concatenated (Kim 2014)
======================  ============================================================================

**Batches.** ``ids`` (N, T) are int32 token IDs padded with ``pad_id`` (0) at the end; ``lengths``
(N,) may be given, else they are counted from ``ids != pad_id``. Columns that are padding in
every row are dropped first. Every pooling is masked and the backward RNN direction starts at
each row's true last token, so a text gets the same scores alone or in any padded batch, and
what the padding holds never matters. Binary tasks are two classes.

**API** (the contract of :class:`~hangul_dl.training.Trainer`)::

    model = CNNClassifier(vocab_size=20_000, num_classes=2)
    loss = model.forward(ids, labels)        # mean cross-entropy, labels (N,) in 0..C-1
    model.backward()                         # fills model.grads
    model.accuracy(ids, labels)              # Trainer.evaluate reports it as val_accuracy
    model.predict(ids)                       # logits (N, C), in the current mode
    model.predict_proba(ids)                 # probabilities (N, C), always in evaluation mode
    model.predict_classes(ids)               # class IDs (N,), always in evaluation mode
    model.init_from_word_vectors(wv, vocab.id_to_token)  # start from trained word vectors

Shapes: N batch, T time, V vocabulary, D embedding, H hidden (per direction), C classes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..backend import DEFAULT_DTYPE, as_generator, get_array_module, to_cpu
from ..errors import InputError, ShapeError
from ..nn.bidirectional import TimeBiLSTM
from ..nn.conv import MultiWidthConv1D
from ..nn.functions import softmax
from ..nn.layers import Affine, Dropout, Embedding, Layer, SoftmaxWithLoss
from ..nn.model import Model
from ..nn.pooling import AttentionPooling, MaxOverTime, MeanOverTime, length_mask
from ..nn.recurrent import TimeGRU, TimeLSTM

__all__ = [
    "POOLINGS",
    "BagOfEmbeddings",
    "CNNClassifier",
    "ClassifierModel",
    "RNNClassifier",
    "bigram_ids",
]

POOLINGS = ("max", "mean", "attention")
_CELLS = {"lstm": (TimeLSTM, 4), "gru": (TimeGRU, 3)}


def _normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(DEFAULT_DTYPE)


def _zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype=DEFAULT_DTYPE)


def bigram_ids(ids: Any, vocab_size: int, buckets: int) -> Any:
    """Hashed bigram IDs (N, T-1) in ``[vocab_size, vocab_size + buckets)`` for IDs (N, T).

    ``(a * 1000003 + b) mod buckets`` in int64 — the same numbers on NumPy and CuPy, so a model
    trained on one device predicts the same on the other.
    """
    xp = get_array_module(ids)
    a = ids[:, :-1].astype(xp.int64)
    b = ids[:, 1:].astype(xp.int64)
    return (vocab_size + (a * 1_000_003 + b) % buckets).astype(xp.int32)


class _TimeBiGRU(TimeBiLSTM):
    """TimeBiLSTM's padded-batch bidirectional logic around two TimeGRU layers (N, T, 2H)."""

    def __init__(self, Wx1: Any, Wh1: Any, b1: Any, Wx2: Any, Wh2: Any, b2: Any):
        Layer.__init__(self)
        self.forward_lstm = TimeGRU(Wx1, Wh1, b1)
        self.backward_lstm = TimeGRU(Wx2, Wh2, b2)
        self.params = self.forward_lstm.params + self.backward_lstm.params
        self.grads = self.forward_lstm.grads + self.backward_lstm.grads
        self.rows: Any = None
        self.index: Any = None


class ClassifierModel(Model):
    """The shared part: ID checks, masks, the output layer, the loss and the predict methods.

    Subclasses build ``self.embed`` (an Embedding), ``self.drop`` (dropout before the output
    layer) and ``self.affine`` (F -> C), and implement ``_encode(ids, lengths, mask) -> (N, F)``
    and ``_encode_backward(dfeatures)``.
    """

    vocab_size: int
    num_classes: int
    pad_id: int
    freeze_embeddings: bool

    def _init_head(self, rng: np.random.Generator, features: int, dropout: float) -> None:
        if self.num_classes < 2:
            raise InputError(f"num_classes must be >= 2 (a binary task is 2 classes), got "
                             f"{self.num_classes}")
        self.drop = Dropout(dropout, seed=rng)
        self.affine = Affine(_normal(rng, (features, self.num_classes), 1 / np.sqrt(features)),
                             _zeros(self.num_classes))
        self.loss_layer = SoftmaxWithLoss(ignore_label=None)

    # -- input checks ------------------------------------------------------------------------
    @property
    def _xp(self) -> Any:
        return get_array_module(self.embed.params[0])

    def _batch(self, ids: Any, lengths: Any) -> tuple[Any, Any, Any]:
        """(ids trimmed to the longest row, lengths (N,), mask (N, T)) on the model's device."""
        xp = self._xp
        ids = xp.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ShapeError(f"ids must be a 2-D integer array (N, T) padded with {self.pad_id} "
                             f"at the end; got shape {tuple(ids.shape)} dtype {ids.dtype}")
        N, T = ids.shape
        if lengths is None:
            real = ids != self.pad_id
            lengths = real.sum(axis=1)
            if T > 1 and bool((real[:, 1:] & ~real[:, :-1]).any()):
                row = int(xp.nonzero((real[:, 1:] & ~real[:, :-1]).any(axis=1))[0][0])
                raise InputError(f"ids row {row} has padding (ID {self.pad_id}) before a real "
                                 "token; pad only at the end (hangul_dl.text.ids.pad_batch) or "
                                 "pass lengths")
        else:
            lengths = xp.asarray(lengths)
            if lengths.shape != (N,) or lengths.dtype.kind not in "iu":
                raise ShapeError(f"lengths must be {N} integers (one per row of ids), got shape "
                                 f"{tuple(lengths.shape)} dtype {lengths.dtype}")
            if N and (int(lengths.min()) < 0 or int(lengths.max()) > T):
                raise InputError(f"lengths must be in 0..{T} (the width of ids); found "
                                 f"{int(lengths.min())}..{int(lengths.max())}")
        keep = max(int(lengths.max()) if N else 0, 1)
        if T == 0:
            ids = xp.full((N, 1), self.pad_id, dtype=ids.dtype)
        ids = ids[:, :keep]
        mask = length_mask(lengths, keep, xp)
        ids = xp.where(mask, ids, self.pad_id)  # what lies beyond a length is never read
        if ids.size and (int(ids.max()) >= self.vocab_size or int(ids.min()) < 0):
            raise InputError(f"ids hold {int(ids.min())}..{int(ids.max())} but the model's "
                             f"vocabulary has {self.vocab_size} entries (0..{self.vocab_size - 1});"
                             " encode with the vocabulary the model was built for")
        return ids, lengths, mask

    def _labels(self, labels: Any, N: int) -> Any:
        xp = self._xp
        labels = xp.asarray(labels)
        if labels.shape != (N,) or labels.dtype.kind not in "iu":
            raise ShapeError(f"labels must be {N} class IDs (one per row of ids), got shape "
                             f"{tuple(labels.shape)} dtype {labels.dtype}")
        if N and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
            raise InputError(f"labels must be class IDs 0..{self.num_classes - 1}; found "
                             f"{int(labels.min())}..{int(labels.max())}")
        return labels

    # -- the encoders' hooks -------------------------------------------------------------------
    def _encode(self, ids: Any, lengths: Any, mask: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _encode_backward(self, dfeatures: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _embed_backward(self, dxs: Any) -> None:
        """Embedding gradient (skipped, and left at zero, with ``freeze_embeddings``)."""
        if self.freeze_embeddings:
            self.embed.grads[0][...] = 0
        else:
            self.embed.backward(dxs)

    # -- training ------------------------------------------------------------------------------
    def predict(self, ids: Any, lengths: Any = None) -> Any:  # type: ignore[override]
        """Logits (N, C) for padded IDs (N, T), in the current mode (dropout on in training)."""
        ids, lengths, mask = self._batch(ids, lengths)
        return self.affine.forward(self.drop.forward(self._encode(ids, lengths, mask)))

    def forward(self, ids: Any, labels: Any, lengths: Any = None) -> Any:  # type: ignore[override]
        """Mean cross-entropy of the logits against ``labels`` (N,) — what Trainer minimises."""
        scores = self.predict(ids, lengths)
        return self.loss_layer.forward(scores, self._labels(labels, scores.shape[0]))

    def backward(self, dout: Any = 1) -> None:  # type: ignore[override]
        """Gradients of the last :meth:`forward`'s loss into ``self.grads``."""
        d = self.drop.backward(self.affine.backward(self.loss_layer.backward(dout)))
        self._encode_backward(d)
        self.accumulate_tied_grads()

    # -- inference -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _evaluating(self) -> Iterator[None]:
        was_training = self.affine.training
        self.eval()
        try:
            yield
        finally:
            self.train(was_training)

    def predict_proba(self, ids: Any, lengths: Any = None) -> Any:
        """Class probabilities (N, C), computed in evaluation mode (dropout off)."""
        with self._evaluating():
            return softmax(self.predict(ids, lengths))

    def predict_classes(self, ids: Any, lengths: Any = None) -> Any:
        """The most probable class ID of each row (N,), in evaluation mode."""
        with self._evaluating():
            return self.predict(ids, lengths).argmax(axis=1)

    def accuracy(self, ids: Any, labels: Any, lengths: Any = None) -> float:
        """Share of rows whose most probable class is the label (Trainer's ``val_accuracy``)."""
        predicted = self.predict_classes(ids, lengths)
        labels = self._labels(labels, predicted.shape[0])
        return float((predicted == labels).mean()) if predicted.shape[0] else 0.0

    def set_embeddings(self, vectors: Any, rows: Sequence[int] | Any = None) -> None:
        """Start from trained word vectors: ``embed.W[rows] = vectors`` (all V rows by default).

        ``vectors`` is (len(rows), D), or (V, D) without ``rows``; row i of the table is token ID
        i of the vocabulary the model reads (map words to IDs first, e.g. with the
        ``KeyedVectors`` of a Word2Vec/PPMISVD folder). Rows not named keep their random start.
        """
        W = self.embed.params[0]
        xp = get_array_module(W)
        vectors = xp.asarray(vectors, dtype=W.dtype)
        if rows is None:
            if vectors.shape != (self.vocab_size, W.shape[1]):
                raise ShapeError(f"vectors have shape {tuple(vectors.shape)}; the embedding table "
                                 f"needs ({self.vocab_size}, {W.shape[1]}) (or pass rows=)")
            W[:self.vocab_size] = vectors
            return
        rows = xp.asarray(rows)
        if rows.ndim != 1 or vectors.shape != (rows.shape[0], W.shape[1]):
            raise ShapeError(f"vectors {tuple(vectors.shape)} do not match {rows.shape[0]} rows of "
                             f"size {W.shape[1]}")
        if rows.size and (int(rows.min()) < 0 or int(rows.max()) >= self.vocab_size):
            raise InputError(f"rows must be token IDs 0..{self.vocab_size - 1}; found "
                             f"{int(rows.min())}..{int(rows.max())}")
        W[rows] = vectors


    def init_from_word_vectors(self, word_vectors: Any, id_to_token: Sequence[str]) -> int:
        """Copy the vector of every vocabulary token that ``word_vectors`` knows; returns how many.

        ``word_vectors`` is anything with ``word in wv`` and ``wv[word]`` (the package's
        :class:`~hangul_dl.embeddings.vectors.WordVectors` from a Word2Vec or PPMISVD folder, or
        read from a word2vec text file); ``id_to_token[i]`` is the token of ID i (the
        vocabulary's ``id_to_token``); a token is looked up as is, then without the word-start
        mark ``▁``. Special tokens and unknown words keep their random start.
        """
        if len(id_to_token) > self.vocab_size:
            raise ShapeError(f"id_to_token has {len(id_to_token)} tokens but the model's vocabulary "
                             f"has {self.vocab_size}")
        rows, keys = [], []
        for i, token in enumerate(id_to_token):
            if token.startswith("<") and token.endswith(">"):
                continue
            # as is, or without the word-start mark "▁" (vectors of another tokenizer's output)
            key = next((k for k in (token, token.lstrip("▁")) if k and k in word_vectors), None)
            if key is not None:
                rows.append(i)
                keys.append(key)
        if rows:
            vectors = np.stack([np.asarray(to_cpu(word_vectors[k])) for k in keys])
            self.set_embeddings(vectors, rows=rows)
        return len(rows)


class BagOfEmbeddings(ClassifierModel):
    """fastText-style: the mean of the token (and hashed bigram) embeddings, then Affine.

    Args:
        vocab_size: V, the number of token IDs.
        num_classes: C (2 for positive/negative).
        embedding_size: D.
        ngram_buckets: 0 for unigrams only; otherwise bigrams are hashed into this many extra
            rows of the embedding table and averaged together with the tokens (fastText's
            ``-wordNgrams 2``), which lets the model see "안 좋다" apart from "좋다".
        dropout: dropout ratio on the text vector.
        freeze_embeddings: keep the embedding table fixed (e.g. pretrained vectors).
        pad_id: the padding ID.
        seed: seed of the initial weights and dropout masks.
    """

    def __init__(self, vocab_size: int, num_classes: int = 2, embedding_size: int = 64,
                 ngram_buckets: int = 0, dropout: float = 0.0, freeze_embeddings: bool = False,
                 pad_id: int = 0, seed: int | None = 0):
        self.vocab_size, self.num_classes, self.embedding_size = vocab_size, num_classes, embedding_size
        self.ngram_buckets, self.dropout, self.freeze_embeddings = ngram_buckets, dropout, freeze_embeddings
        self.pad_id, self.seed = pad_id, seed
        if ngram_buckets < 0:
            raise InputError(f"ngram_buckets must be >= 0, got {ngram_buckets}")
        rng = as_generator(seed)
        self.embed = Embedding(_normal(rng, (vocab_size + ngram_buckets, embedding_size), 0.1))
        self.pool = MeanOverTime()
        self._init_head(rng, embedding_size, dropout)

    def _encode(self, ids: Any, lengths: Any, mask: Any) -> Any:
        xp = get_array_module(ids)
        if self.ngram_buckets and ids.shape[1] > 1:
            ids = xp.concatenate([ids, bigram_ids(ids, self.vocab_size, self.ngram_buckets)], 1)
            mask = xp.concatenate([mask, mask[:, 1:]], axis=1)  # a bigram is real if its 2nd is
        return self.pool.forward(self.embed.forward(ids), mask)  # (N, D)

    def _encode_backward(self, dfeatures: Any) -> None:
        self._embed_backward(self.pool.backward(dfeatures))


class RNNClassifier(ClassifierModel):
    """Embedding → (Bi)LSTM/GRU layers → masked pooling over time → dropout → Affine.

    Args:
        vocab_size, num_classes, embedding_size: V, C, D.
        hidden_size: H per direction (a bidirectional layer outputs 2H, as in PyTorch/Keras).
        cell: ``"lstm"`` or ``"gru"``.
        bidirectional: read each text both ways (the backward direction starts at the text's
            true last token).
        num_layers: stacked recurrent layers.
        pooling: ``"max"``, ``"mean"`` or ``"attention"`` (learned query, Yang et al. 2016).
        attention_size: A of the attention scorer (default: the pooled size).
        dropout: dropout after the embedding, between recurrent layers and on the text vector.
        freeze_embeddings, pad_id, seed: as for :class:`BagOfEmbeddings`.
    """

    def __init__(self, vocab_size: int, num_classes: int = 2, embedding_size: int = 64,
                 hidden_size: int = 64, cell: str = "lstm", bidirectional: bool = True,
                 num_layers: int = 1, pooling: str = "max", attention_size: int | None = None,
                 dropout: float = 0.0, freeze_embeddings: bool = False, pad_id: int = 0,
                 seed: int | None = 0):
        self.vocab_size, self.num_classes, self.embedding_size = vocab_size, num_classes, embedding_size
        self.hidden_size, self.cell, self.bidirectional = hidden_size, cell, bidirectional
        self.num_layers, self.pooling, self.attention_size = num_layers, pooling, attention_size
        self.dropout, self.freeze_embeddings = dropout, freeze_embeddings
        self.pad_id, self.seed = pad_id, seed
        if cell not in _CELLS:
            raise InputError(f"unknown cell {cell!r}; choose one of {', '.join(_CELLS)}")
        if pooling not in POOLINGS:
            raise InputError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
        if num_layers < 1:
            raise InputError(f"num_layers must be >= 1, got {num_layers}")
        rng = as_generator(seed)
        D = embedding_size
        self.embed = Embedding(_normal(rng, (vocab_size, D), 0.1))
        self.rnn = [self._recurrent(rng, D if i == 0 else self.output_size) for i in range(num_layers)]
        self.rnn_drop = [Dropout(dropout, seed=rng) for _ in range(num_layers)]
        F = self.output_size
        if pooling == "attention":
            A = attention_size or F
            self.pool = AttentionPooling(_normal(rng, (F, A), 1 / np.sqrt(F)), _zeros(A),
                                         _normal(rng, (A,), 1 / np.sqrt(A)))
        else:
            self.pool = MaxOverTime() if pooling == "max" else MeanOverTime()
        self._init_head(rng, F, dropout)
        self._lengths: Any = None

    @property
    def output_size(self) -> int:
        """Features per time step of the recurrent layers: H, or 2H when bidirectional."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    def _recurrent(self, rng: np.random.Generator, d_in: int) -> Layer:
        layer_class, gates = _CELLS[self.cell]
        H = self.hidden_size

        def weights() -> tuple[np.ndarray, ...]:
            b = _zeros(gates * H)
            if self.cell == "lstm":
                b[:H] = 1.0  # forget-gate bias 1 (gate order f, i, o, g): remember by default
            return (_normal(rng, (d_in, gates * H), 1 / np.sqrt(d_in)),
                    _normal(rng, (H, gates * H), 1 / np.sqrt(H)), b)

        if not self.bidirectional:
            return layer_class(*weights())
        bi_class = TimeBiLSTM if self.cell == "lstm" else _TimeBiGRU
        return bi_class(*weights(), *weights())

    def _encode(self, ids: Any, lengths: Any, mask: Any) -> Any:
        self._lengths = lengths
        x = self.embed.forward(ids)  # (N, T, D)
        for rnn, drop in zip(self.rnn, self.rnn_drop):
            x = drop.forward(x)
            x = rnn.forward(x, lengths) if self.bidirectional else rnn.forward(x)  # (N, T, F)
        return self.pool.forward(x, mask)  # (N, F)

    def _encode_backward(self, dfeatures: Any) -> None:
        dx = self.pool.backward(dfeatures)
        for rnn, drop in zip(reversed(self.rnn), reversed(self.rnn_drop)):
            dx = drop.backward(rnn.backward(dx))
        self._embed_backward(dx)


class CNNClassifier(ClassifierModel):
    """Kim (2014): Embedding → convolutions of several widths → ReLU → max over time → Affine.

    Args:
        vocab_size, num_classes, embedding_size: V, C, D.
        num_filters: C of each convolution (Kim: 100).
        kernel_sizes: the window widths (Kim: 3, 4, 5).
        dropout: dropout ratio on the pooled features (Kim: 0.5).
        padding: convolution padding (``"same"``: every real token is the centre of a window, so
            a text shorter than the widest kernel still has features).
        freeze_embeddings, pad_id, seed: as for :class:`BagOfEmbeddings`.
    """

    def __init__(self, vocab_size: int, num_classes: int = 2, embedding_size: int = 64,
                 num_filters: int = 100, kernel_sizes: Sequence[int] = (3, 4, 5),
                 dropout: float = 0.5, padding: str = "same", freeze_embeddings: bool = False,
                 pad_id: int = 0, seed: int | None = 0):
        self.vocab_size, self.num_classes, self.embedding_size = vocab_size, num_classes, embedding_size
        self.num_filters, self.kernel_sizes, self.dropout = num_filters, kernel_sizes, dropout
        self.padding, self.freeze_embeddings = padding, freeze_embeddings
        self.pad_id, self.seed = pad_id, seed
        widths = list(kernel_sizes)
        if not widths or any(not isinstance(k, int) or k < 1 for k in widths):
            raise InputError(f"kernel_sizes must be positive ints such as (3, 4, 5), got "
                             f"{kernel_sizes!r}")
        rng = as_generator(seed)
        D, C = embedding_size, num_filters
        self.embed = Embedding(_normal(rng, (vocab_size, D), 0.1))
        self.conv = MultiWidthConv1D(
            [(_normal(rng, (K, D, C), np.sqrt(2.0 / (K * D))), _zeros(C)) for K in widths],
            padding)  # He initialisation for the ReLU
        self._init_head(rng, C * len(widths), dropout)

    def _encode(self, ids: Any, lengths: Any, mask: Any) -> Any:
        return self.conv.forward(self.embed.forward(ids), mask)  # (N, C * widths)

    def _encode_backward(self, dfeatures: Any) -> None:
        self._embed_backward(self.conv.backward(dfeatures))
