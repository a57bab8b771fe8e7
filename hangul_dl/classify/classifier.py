"""TextClassifier: Korean text → labels, as one stage (issue 15).

``TextClassifier(model="bigru").fit(texts, labels)`` tokenizes the texts once through the one
text → IDs owner (:class:`~hangul_dl.text.encoder.TextEncoder`), trains a model of
:mod:`hangul_dl.classify.models` on length-bucketed padded batches through the one
:class:`~hangul_dl.training.Trainer` (:class:`~hangul_dl.classify.trainer.ClassifierTrainer`:
validation accuracy picks the best weights and stops early) and keeps the labels, which may be
any strings (or any integers)::

    >>> clf = TextClassifier(tokenizer="okt").fit(["정말 재밌다 ㅋㅋ", "노잼... 돈 아깝다"],
    ...                                           ["긍정", "부정"])
    >>> clf.predict(["배우들 연기 최고"])          # ['긍정']
    >>> clf.predict_proba(["배우들 연기 최고"])    # array([[0.93, 0.07]]), columns = classes_
    >>> clf.evaluate(test_texts, test_labels)      # accuracy, macro_f1, confusion, errors

``fit`` also takes ``(label, text)`` pairs (what :meth:`TableCorpus.labelled
<hangul_dl.text.tables.TableCorpus.labelled>` and :func:`~hangul_dl.classify.data.sentiment_reviews`
yield) or the path of a labelled TSV/CSV file. Without ``valid`` data, ``valid_fraction`` of
the training texts is held out for validation.

Models (``model=``): ``"bigru"`` (the default: the best accuracy per second measured on
generated reviews, see ``benchmarks/bench_classify.py``), ``"bilstm"``, ``"lstm"``, ``"gru"``
(recurrent encoder with
``pooling`` max/mean/attention), ``"cnn"`` (Kim 2014, widths ``kernel_sizes``) and ``"bow"``
(fastText-style mean of embeddings, hashed bigrams with ``ngram_buckets``). ``init_vectors``
names a Word2Vec/PPMISVD folder or a word2vec file whose vectors start the embedding table.

Defaults, by measurement (``benchmarks/bench_classify.py``, generated reviews with 5% label
noise, Okt tokens, one BLAS thread, 30,000 training / 5,000 validation / 10,000 test reviews):
BiGRU 0.9425 test accuracy in 64 s of training (BiLSTM 0.9439 in 71 s, CNN 0.9383 in 40 s,
bag of embeddings 0.8266; scikit-learn TF-IDF word 1-2 + char 1-4-grams + logistic regression
0.8777; a PyTorch BiGRU of the same sizes 0.9431 in 125 s). Adam at 0.005 beat 0.002; hidden
size 128 and dropout 0.5 did not help; the bag of embeddings is as accurate with 10,000
bigram buckets as with 50,000 and four times faster (it peaks after 2 epochs). 150,000 reviews
take about 5 minutes of training plus Okt's tokenizing (about 13 minutes with ``n_jobs=1`` on a
busy 2-core machine).

Saved layout (``save(DIR)``)::

    DIR/manifest.json   kind "TextClassifier", the constructor parameters
    DIR/labels.json     the class labels in the order of the model's outputs
    DIR/encoder/        the TextEncoder (tokenizer and vocabulary)
    DIR/model/          the classifier network (manifest.json + weights.npz)
    DIR/history.csv     the training history, when trained here

Loading checks that the labels, the vocabulary and the network belong together before the
weights are read (``FormatError`` naming the file otherwise).
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, InputError
from ..io import MANIFEST, CsvFrame, csv_frame, read_manifest, write_csv, write_json
from ..nn.model import Model
from ..progress import say
from ..stage import Stage
from ..text.encoder import TextEncoder

__all__ = ["DEFAULT_LR", "MODELS", "TextClassifier"]

log = logging.getLogger(__name__)

#: ``model=`` values and what they build.
MODELS = ("bigru", "bilstm", "gru", "lstm", "cnn", "bow")
#: The learning rate ``lr=None`` means, per optimizer.
DEFAULT_LR = {"sgd": 0.5, "momentum": 0.05, "adagrad": 0.05, "rmsprop": 0.001, "adam": 0.005}
_LABELS = "labels.json"
_LABELS_FORMAT = "hangul_dl-labels"
_MAX_LABELS = 100_000
_POOLINGS = ("max", "mean", "attention")


class TextClassifier(Stage):
    """Classify Korean texts (see the module docstring).

    Args:
        model: ``"bigru"`` (default), ``"bilstm"``, ``"lstm"``, ``"gru"``, ``"cnn"``, ``"bow"``.
        tokenizer: a tokenizer name/spec (``"okt"``, ``"char"``, ``"whitespace"``, ...) or stage.
        embedding_size, hidden_size, num_layers, pooling, dropout: the network (hidden_size
            and num_layers: recurrent models; pooling ``max``/``mean``/``attention``).
        num_filters, kernel_sizes: the CNN. ngram_buckets: the bag of embeddings' bigrams.
        init_vectors: a Word2Vec/PPMISVD folder or a word2vec text/binary file; the vectors of
            the vocabulary's tokens start the embedding table (``embedding_size`` must equal
            their size). freeze_embeddings: keep the table fixed.
        min_count, max_vocab: the vocabulary (``max_vocab`` counts the specials; None: all).
        max_length: texts longer than this many tokens are cut (None: never).
        optimizer, lr, max_epoch, batch_size, max_grad: training (``lr=None``: the optimizer's
            default, :data:`DEFAULT_LR`).
        patience: stop after this many epochs without better validation accuracy (None: never).
        valid_fraction: share of the training texts held out for validation when ``fit`` gets
            no ``valid`` data (0: none; needs at least 50 texts to hold any out).
        checkpoint_dir, checkpoint_every: resumable checkpoints (see ``fit(resume=...)``).
        device, seed, quiet, n_jobs: where to compute, the seed of weights and shuffles, no
            progress output, tokenizer worker processes.

    Learned attributes: ``classes_`` (labels, in the order of ``predict_proba``'s columns),
    ``encoder_``, ``model_``, ``history_`` (DataFrame or None), ``trainer_`` (None after
    load), ``validation_`` (the evaluation of the validation texts after ``fit``, or None).
    """

    history_ = CsvFrame()  # loading reads history.csv; pandas parses it when it is used

    fit_context = frozenset({"valid", "resume"})

    step_name = "classify"

    def __init__(self, model: str = "bigru", tokenizer: Any = "okt", embedding_size: int = 64,
                 hidden_size: int = 64, num_layers: int = 1, pooling: str = "max",
                 dropout: float = 0.3, num_filters: int = 100,
                 kernel_sizes: Sequence[int] = (3, 4, 5), ngram_buckets: int = 10_000,
                 init_vectors: str | None = None, freeze_embeddings: bool = False,
                 min_count: int = 2, max_vocab: int | None = 30_000, max_length: int | None = 100,
                 optimizer: str = "adam", lr: float | None = None, max_epoch: int = 5,
                 batch_size: int = 64, max_grad: float | None = 5.0, patience: int | None = 2,
                 valid_fraction: float = 0.1, checkpoint_dir: str | None = None,
                 checkpoint_every: int | None = None, device: str | None = None,
                 seed: int = 0, quiet: bool = False, n_jobs: int = 1):
        self.model = model
        self.tokenizer = tokenizer
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.pooling = pooling
        self.dropout = dropout
        self.num_filters = num_filters
        self.kernel_sizes = kernel_sizes
        self.ngram_buckets = ngram_buckets
        self.init_vectors = init_vectors
        self.freeze_embeddings = freeze_embeddings
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.max_length = max_length
        self.optimizer = optimizer
        self.lr = lr
        self.max_epoch = max_epoch
        self.batch_size = batch_size
        self.max_grad = max_grad
        self.patience = patience
        self.valid_fraction = valid_fraction
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.device = device
        self.seed = seed
        self.quiet = quiet
        self.n_jobs = n_jobs

    # -- checks ------------------------------------------------------------------------------
    def _check_params(self) -> None:
        """Every setting in range, before any text is read or tokenized."""
        from ..training import check_settings

        name = type(self).__name__
        if self.model not in MODELS:
            raise InputError(f"{name}: model must be one of {', '.join(MODELS)}, got "
                             f"{self.model!r}")
        if self.pooling not in _POOLINGS:
            raise InputError(f"{name}: pooling must be one of {', '.join(_POOLINGS)}, got "
                             f"{self.pooling!r}")
        if not isinstance(self.optimizer, str) or self.optimizer.lower() not in DEFAULT_LR:
            raise InputError(f"{name}: optimizer must be one of {', '.join(DEFAULT_LR)}, got "
                             f"{self.optimizer!r}")
        check_settings(name, embedding_size=self.embedding_size, hidden_size=self.hidden_size,
                       num_layers=self.num_layers, dropout=self.dropout,
                       min_count=self.min_count, max_vocab=self.max_vocab,
                       max_epoch=self.max_epoch, batch_size=self.batch_size,
                       max_grad=self.max_grad, patience=self.patience,
                       valid_fraction=self.valid_fraction,
                       checkpoint_every=self.checkpoint_every)
        if self.lr is not None:
            check_settings(name, lr=self.lr)
        if self.max_vocab is not None and self.max_vocab < 5:
            raise InputError(f"{name}: max_vocab counts the 4 special tokens, so it must be >= 5 "
                             f"or None; got {self.max_vocab!r}")
        for key in ("max_length", "num_filters"):
            value = getattr(self, key)
            if key == "max_length" and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"{name}: {key} must be an integer >= 1, got {value!r}")
        if (not isinstance(self.ngram_buckets, int) or isinstance(self.ngram_buckets, bool)
                or self.ngram_buckets < 0):
            raise InputError(f"{name}: ngram_buckets must be an integer >= 0 (0: no bigrams), "
                             f"got {self.ngram_buckets!r}")
        widths = self.kernel_sizes
        if (isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths
                or any(not isinstance(k, int) or isinstance(k, bool) or k < 1 for k in widths)):
            raise InputError(f"{name}: kernel_sizes must be a list of integers >= 1 such as "
                             f"[3, 4, 5], got {widths!r}")

    def learning_rate(self) -> float:
        """``lr``, or the optimizer's default (:data:`DEFAULT_LR`) when ``lr`` is None."""
        return DEFAULT_LR[self.optimizer.lower()] if self.lr is None else float(self.lr)

    # -- training ----------------------------------------------------------------------------
    def fit(self, data: Any, labels: Sequence[Any] | None = None, valid: Any = None,
            resume: str | os.PathLike | None = None) -> TextClassifier:
        """Train on texts and their labels; returns ``self``.

        ``data`` with ``labels``: texts (strings) and one label each (strings, or integers).
        ``data`` alone: ``(texts, labels)`` (two lists), ``(label, text)`` pairs, or the path of
        a labelled TSV/CSV file with a header (``label<TAB>text``; :meth:`TableCorpus.labelled
        <hangul_dl.text.tables.TableCorpus.labelled>`). ``valid``: ``(texts, labels)``, pairs or
        a path, scored after every epoch (accuracy picks the best weights; ``patience`` stops
        early); ``None``: ``valid_fraction`` of the training texts is held out.
        ``resume``: the ``checkpoint_dir`` (or its ``last/``) of an interrupted run with the same
        data and settings.
        """
        from ..backend import resolve_device
        from ..nn.optimizers import get_optimizer
        from ..text.tokenizers import get_tokenizer
        from ..training import last_checkpoint
        from .trainer import ClassifierTrainer

        self._check_params()
        resume = None if resume is None else last_checkpoint(resume)
        if self.init_vectors is not None and not Path(self.init_vectors).exists():
            raise InputError(f"init_vectors {self.init_vectors}: no such file or folder; pass a "
                             "Word2Vec/PPMISVD folder or a word2vec text/binary file")
        texts, raw_labels = _labelled(data, labels, "training data")
        classes = _classes(raw_labels)
        if len(classes) < 2:
            raise InputError(f"the training data has only one label ({classes[0]!r}); a "
                             "classifier needs examples of at least 2 classes")
        y = _class_ids(raw_labels, classes, "training data")
        valid_texts: list[str] | None = None
        valid_y: np.ndarray | None = None
        if valid is not None:
            valid_texts, valid_raw = _labelled(valid, None, "validation data")
            valid_y = _class_ids(valid_raw, classes, "validation data")
        elif self.valid_fraction and len(texts) >= 50:
            rng = np.random.default_rng([int(self.seed), 7])
            order = rng.permutation(len(texts))
            k = max(1, round(len(texts) * self.valid_fraction))
            held, kept = np.sort(order[:k]), np.sort(order[k:])
            valid_texts, valid_y = [texts[i] for i in held], y[held]
            texts, y = [texts[i] for i in kept], y[kept]
            say(self.quiet, "validation: %s of %s training texts held out (valid_fraction=%g)",
                f"{k:,}", f"{len(texts) + k:,}", self.valid_fraction)
        tok = get_tokenizer(self.tokenizer) if isinstance(self.tokenizer, (str, dict)) \
            else self.tokenizer
        encoder = TextEncoder(tok, min_count=self.min_count, max_size=self.max_vocab,
                              n_jobs=self.n_jobs, quiet=self.quiet).fit(texts)
        vocab = encoder.vocab_
        ids = [self._cut(s) for s in encoder.ids_]
        unk = int(vocab.counts_[vocab.unk_id])
        say(self.quiet, "vocabulary: %s entries (min_count=%d, max_vocab=%s); %s of %s training "
            "tokens (%.1f%%) are rarer and read as <unk>", f"{len(vocab):,}", self.min_count,
            "None" if self.max_vocab is None else f"{self.max_vocab:,}", f"{unk:,}",
            f"{vocab.n_tokens_:,}", 100.0 * unk / max(vocab.n_tokens_, 1))
        self.encoder_, self.classes_ = encoder, classes
        valid_ids = None if valid_texts is None else self._encode(valid_texts)
        net = self._build(len(vocab), len(classes))
        if self.init_vectors is not None:
            self._init_embeddings(net, vocab)
        gpu = resolve_device(self.device) == "gpu"
        if gpu:
            net.to_gpu()
        trainer = ClassifierTrainer(net, get_optimizer(self.optimizer, lr=self.learning_rate()),
                                    quiet=self.quiet, patience=self.patience,
                                    checkpoint_dir=self.checkpoint_dir,
                                    checkpoint_every=self.checkpoint_every)
        if resume is not None:
            trainer.load_checkpoint(resume)
            log.info("resumed from %s at epoch %d, step %d", resume, trainer.epoch, trainer.step)
        validate = None
        if valid_ids is not None:
            def validate() -> dict[str, float]:
                proba = self._proba_ids(net, valid_ids)
                return _validation_metrics(proba, valid_y)
        batch_size = max(1, min(self.batch_size, len(ids)))
        say(self.quiet, "training %s: %s texts, %d classes, %s steps per epoch (batch_size %d), "
            "%d epochs, %s lr=%g", self.model, f"{len(ids):,}", len(classes),
            f"{math.ceil(len(ids) / batch_size):,}", batch_size, self.max_epoch, self.optimizer,
            trainer.optimizer.lr)
        trainer.train_texts(ids, y, self.max_epoch, batch_size=batch_size,
                            max_grad=self.max_grad, seed=self.seed, validate=validate)
        self.model_ = net.to_cpu() if gpu else net
        self.history_, self.trainer_ = trainer.history, trainer
        self.validation_ = None
        if valid_ids is not None:
            self.validation_ = self._evaluation(valid_texts, valid_ids, valid_y)
        return self

    def _build(self, vocab_size: int, num_classes: int) -> Model:
        from .models import BagOfEmbeddings, CNNClassifier, RNNClassifier

        common = {"vocab_size": vocab_size, "num_classes": num_classes,
                  "embedding_size": self.embedding_size, "dropout": self.dropout,
                  "freeze_embeddings": self.freeze_embeddings, "seed": self.seed}
        if self.model == "cnn":
            return CNNClassifier(num_filters=self.num_filters,
                                 kernel_sizes=tuple(self.kernel_sizes), **common)
        if self.model == "bow":
            return BagOfEmbeddings(ngram_buckets=self.ngram_buckets, **common)
        return RNNClassifier(hidden_size=self.hidden_size, cell=self.model.removeprefix("bi"),
                             bidirectional=self.model.startswith("bi"),
                             num_layers=self.num_layers, pooling=self.pooling, **common)

    def _init_embeddings(self, net: Any, vocab: Any) -> None:
        from ..embeddings.vectors import load_word_vectors

        wv = load_word_vectors(self.init_vectors)
        if wv.vector_size != self.embedding_size:
            raise InputError(f"init_vectors {self.init_vectors}: the vectors have "
                             f"{wv.vector_size} dimensions but embedding_size is "
                             f"{self.embedding_size}; set embedding_size={wv.vector_size}")
        found = net.init_from_word_vectors(wv, vocab.id_to_token)
        say(self.quiet, "init_vectors: %s of %s vocabulary tokens start from %s", f"{found:,}",
            f"{len(vocab) - vocab.n_specials:,}", self.init_vectors)
        if not found:
            log.warning("init_vectors %s: no token of the vocabulary has a vector; was it "
                        "trained with the same tokenizer?", self.init_vectors)

    def _cut(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int32)
        return ids[:self.max_length] if self.max_length is not None else ids

    def _encode(self, texts: Iterable[str]) -> list[np.ndarray]:
        return [self._cut(ids) for ids in self.encoder_.transform(texts)]

    # -- prediction --------------------------------------------------------------------------
    @staticmethod
    def _proba_ids(net: Any, ids: Sequence[np.ndarray], batch_size: int = 256) -> np.ndarray:
        """Probabilities (N, C) of ID sequences, batched by length (little padding)."""
        from ..backend import get_array_module, to_cpu
        from ..text.ids import pad_batch

        xp = get_array_module(net.params[0])
        out = np.zeros((len(ids), net.num_classes), dtype=np.float64)
        order = np.argsort(np.array([len(s) for s in ids], dtype=np.int64), kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            batch, lengths = pad_batch([ids[i] for i in idx])
            out[idx] = to_cpu(net.predict_proba(xp.asarray(batch), xp.asarray(lengths)))
        return out

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Class probabilities (N, C) of each text; column ``j`` is ``classes_[j]``."""
        self.check_fitted()
        texts = _texts(texts)
        return self._proba_ids(self.model_, self._encode(texts))

    def predict(self, texts: Iterable[str]) -> list[Any]:
        """The most probable label of each text (one per text, an empty text included)."""
        proba = self.predict_proba(texts)
        return [self.classes_[j] for j in proba.argmax(axis=1)] if len(proba) else []

    def transform(self, data: Iterable[str]) -> list[Any]:
        """:meth:`predict` (a classifier is the last step of a pipeline)."""
        return self.predict(data)

    def score(self, texts: Any, labels: Sequence[Any] | None = None) -> float:
        """Accuracy on texts and labels (or ``(label, text)`` pairs, or a labelled file)."""
        return self.evaluate(texts, labels, top_errors=0)["accuracy"]

    def evaluate(self, texts: Any, labels: Sequence[Any] | None = None,
                 top_errors: int = 10) -> dict[str, Any]:
        """Accuracy, macro-F1, per-class scores, the confusion matrix (rows: the truth, in the
        order of ``labels``) and the ``top_errors`` most confident mistakes as
        ``{"text", "label", "predicted", "confidence"}``; see
        :func:`hangul_dl.metrics.classification_scores`. Labels unknown to the model count as
        errors (``unknown_labels`` says how many)."""
        self.check_fitted()
        texts, raw = _labelled(texts, labels, "evaluation data")
        return self._evaluation(texts, self._encode(texts), raw, top_errors)

    def _evaluation(self, texts: Sequence[str], ids: Sequence[np.ndarray], truth: Any,
                    top_errors: int = 10) -> dict[str, Any]:
        from ..metrics import classification_scores

        proba = self._proba_ids(self.model_, ids)
        if isinstance(truth, np.ndarray):  # class IDs (validation)
            truth = [self.classes_[int(j)] for j in truth]
        truth = [_normal_label(v) for v in truth]
        if all(isinstance(v, int) for v in self.classes_):  # "1" in a file means the class 1
            truth = [int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else v
                     for v in truth]
        best = proba.argmax(axis=1)
        predicted = [self.classes_[j] for j in best]
        known = set(self.classes_)
        extra = sorted({str(v) for v in truth if v not in known})
        scores = classification_scores(truth, predicted, labels=list(self.classes_))
        # accuracy counts every example, also those whose label the model does not know
        if extra:
            scores["unknown_labels"] = sum(v not in known for v in truth)
            log.warning("labels the model was not trained on (counted as errors): %s",
                        ", ".join(map(repr, extra[:10])))
        confidence = proba[np.arange(len(best)), best]
        wrong = [i for i in np.argsort(-confidence, kind="stable") if predicted[i] != truth[i]]
        scores["errors"] = [{"text": texts[i], "label": truth[i], "predicted": predicted[i],
                             "confidence": float(confidence[i])} for i in wrong[:top_errors]]
        return scores

    # -- files -------------------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        config = self.get_params()
        if not isinstance(config["tokenizer"], str):
            config["tokenizer"] = None  # the fitted tokenizer is saved in encoder/
        config["kernel_sizes"] = [int(k) for k in config["kernel_sizes"]]
        for key in ("checkpoint_dir", "init_vectors"):
            if config[key] is not None:
                config[key] = str(config[key])
        return config

    def _save_state(self, directory: Path) -> None:
        write_json(directory / _LABELS, {"format": _LABELS_FORMAT, "version": 1,
                                         "labels": list(self.classes_)})
        self.encoder_.save(directory / "encoder")
        self.model_.save(directory / "model")
        if self.history_ is not None and len(self.history_):
            write_csv(self.history_, directory / "history.csv")

    def _load_state(self, directory: Path) -> None:
        from .models import ClassifierModel

        classes = _read_labels(directory / _LABELS)
        encoder = TextEncoder.load(directory / "encoder")
        model_dir = directory / "model"
        config = read_manifest(model_dir)["config"]  # sizes checked before the weights are read
        where = f"{model_dir / MANIFEST}"
        if config.get("num_classes") != len(classes):
            raise FormatError(f"{where}: the model has {config.get('num_classes')!r} outputs but "
                              f"{directory / _LABELS} lists {len(classes)} labels; the files do "
                              "not belong together")
        if config.get("vocab_size") != len(encoder.vocab_):
            raise FormatError(f"{where}: the model reads {config.get('vocab_size')!r} token IDs "
                              f"but encoder/ has a vocabulary of {len(encoder.vocab_)}; the "
                              "files do not belong together")
        model = ClassifierModel.load(model_dir)
        if self.tokenizer is None:
            self.tokenizer = encoder.tokenizer_
        self.kernel_sizes = tuple(self.kernel_sizes)  # JSON kept it as a list
        history = directory / "history.csv"
        self.classes_, self.encoder_, self.model_ = classes, encoder, model
        self.history_ = csv_frame(history)
        self.trainer_ = self.validation_ = None

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.is_fitted:
            text += (f"  # fitted: {len(self.classes_)} classes {self.classes_!r}, vocabulary "
                     f"{len(self.encoder_.vocab_):,}, {self.model_.num_params():,} parameters")
        return text


# -- data ------------------------------------------------------------------------------------
def _texts(texts: Any) -> list[str]:
    if isinstance(texts, str):
        raise InputError(f"expected a list of texts, got one string {texts[:30]!r}; wrap it in "
                         "a list: [text]")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"text {i} is a {type(text).__name__}, not a string")
    return texts


def _labelled(data: Any, labels: Sequence[Any] | None, what: str) -> tuple[list[str], list[Any]]:
    """(texts, labels) from texts + labels, ``(texts, labels)``, pairs, or a labelled file."""
    if labels is None and isinstance(data, (str, os.PathLike)):
        from ..text.tables import TableCorpus

        if not Path(data).exists():
            raise InputError(f"{what} {data}: no such file; pass a labelled TSV/CSV file "
                             "(label<TAB>text under a header), or texts and labels")
        rows = list(TableCorpus.labelled(data))
        data = rows
    elif labels is None and isinstance(data, tuple) and len(data) == 2 and all(
            hasattr(part, "__len__") and not isinstance(part, (tuple, str)) for part in data):
        data, labels = data  # (texts, labels) as two lists; a tuple of two tuples is 2 pairs
    if labels is None:
        rows = list(data)
        texts, found = [], []
        for i, row in enumerate(rows):
            if (isinstance(row, (str, bytes)) or not isinstance(row, (list, tuple))
                    or len(row) != 2 or not isinstance(row[1], str)):
                raise InputError(f"{what}: item {i} is {_short(row)}; expected (label, text) "
                                 "pairs, or texts with labels=[...]")
            found.append(row[0])
            texts.append(row[1])
        labels = found
    else:
        texts = _texts(data)
        labels = list(labels)
        if len(labels) != len(texts):
            raise InputError(f"{what}: {len(texts)} texts but {len(labels)} labels; give one "
                             "label per text")
    if not texts:
        raise InputError(f"{what} is empty: no texts to learn from or score")
    return texts, [_normal_label(v) for v in labels]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _normal_label(value: Any) -> Any:
    """A label as the classifier keeps it: a string, or a Python int (NumPy ints too)."""
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"label {value!r} is a boolean; use strings or integers as labels")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return value
    raise InputError(f"label {_short(value)} is a {type(value).__name__}; labels are strings "
                     "or integers")


def _classes(labels: Sequence[Any]) -> list[Any]:
    kinds = {type(v) for v in labels}
    if len(kinds) > 1:
        raise InputError("the labels mix strings and integers; give all labels as strings or "
                         "all as integers")
    return sorted(set(labels))


def _class_ids(labels: Sequence[Any], classes: list[Any], what: str) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    ids = np.empty(len(labels), dtype=np.int32)
    for i, label in enumerate(labels):
        j = index.get(label)
        if j is None:
            raise InputError(f"{what}: example {i} has the label {label!r}, which the training "
                             f"data does not have (labels: {', '.join(map(repr, classes[:20]))})")
        ids[i] = j
    return ids


def _validation_metrics(proba: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """val_loss (mean cross-entropy), val_accuracy and val_macro_f1 of probabilities (N, C)."""
    from ..metrics import classification_scores

    picked = np.clip(proba[np.arange(len(y)), y], 1e-12, None)
    predicted = proba.argmax(axis=1)
    scores = classification_scores(y.tolist(), predicted.tolist(),
                                   labels=list(range(proba.shape[1])))
    return {"val_loss": float(-np.log(picked).mean()), "val_accuracy": scores["accuracy"],
            "val_macro_f1": scores["macro_f1"]}


def _read_labels(path: Path) -> list[Any]:
    """The labels of ``labels.json``, checked strictly (FormatError naming the file)."""
    if path.is_symlink() or not path.is_file():
        raise FormatError(f"{path}: missing; the folder is not a complete saved TextClassifier")
    if path.stat().st_size > 64 << 20:
        raise FormatError(f"{path}: {path.stat().st_size:,} bytes is far too large for a list "
                          "of labels (damaged or forged)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(f"{path}: not valid UTF-8 JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict) or data.get("format") != _LABELS_FORMAT:
        raise FormatError(f"{path}: expected an object with \"format\": \"{_LABELS_FORMAT}\"")
    if data.get("version") != 1:
        raise FormatError(f"{path}: version {data.get('version')!r} is not supported (1 is); "
                          "was it written by a newer hangul_dl?")
    labels = data.get("labels")
    if not isinstance(labels, list) or not 2 <= len(labels) <= _MAX_LABELS:
        raise FormatError(f"{path}: \"labels\" must be a list of 2 to {_MAX_LABELS:,} labels, "
                          f"found {_short(labels)}")
    kinds = {type(v) for v in labels}
    if not (kinds == {str} or kinds == {int}):
        raise FormatError(f"{path}: every label must be a string, or every label an integer; "
                          f"found {', '.join(sorted(k.__name__ for k in kinds))}")
    if len(set(labels)) != len(labels):
        raise FormatError(f"{path}: a label appears twice; the labels must be distinct")
    return labels
