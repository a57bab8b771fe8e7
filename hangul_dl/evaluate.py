"""Evaluate saved models of every family, each with the test data that suits it.

A recipe run (``hangul-dl run``) leaves one pipeline folder per model; :func:`evaluate_models`
takes that output folder (or one saved pipeline or stage) and scores every model it finds:

==================  ==============================================  ============================
model               test data                                       metrics
==================  ==============================================  ============================
word vectors        ``pairs`` (word-pair similarity CSV),            Spearman/Pearson, analogy
(PPMISVD, Word2Vec) ``analogies`` (``: section`` + ``a b c d``)      accuracy, OOV counts
LanguageModel       ``text`` (held-out sentences, one a line)         perplexity
Translator          ``src`` + ``tgt`` (aligned files) or ``tsv``      BLEU, chrF, exact match
TextClassifier      ``labelled`` (TSV/CSV with a header: label,       accuracy, macro-F1,
                    text; ``text_column``/``label_column``)           confusion matrix
==================  ==============================================  ============================

A word2vec text or binary file (``vectors.txt``, ``vectors.bin``) is evaluated as word vectors.
A model with no suitable data given is listed in ``skipped`` with the option it needs, never
dropped silently::

    >>> report = evaluate_models("out/demo", text="test.txt", pairs="pairs.csv")
    >>> report.results["lstm"]            # {'perplexity': 61.2, 'sentences': 500, ...}
    >>> report.skipped                    # {} — or {'translator': 'needs src+tgt or tsv'}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["Evaluation", "evaluate_model", "evaluate_models", "find_models"]

PathLike = str | os.PathLike


@dataclass
class Evaluation:
    """What :func:`evaluate_models` measured: metrics per model name, and the models skipped
    (name → why)."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)


def find_models(directory: PathLike) -> dict[str, Path]:
    """Model name → path: ``directory`` itself when it is a saved pipeline or stage (it has
    ``manifest.json``) or a word-vector file, else each sub-folder that is a saved model (a
    recipe's output folder)."""
    directory = Path(directory)
    if directory.is_file():
        return {directory.stem: directory}
    if not directory.is_dir():
        raise InputError(f"{directory}: no such folder or file; pass a recipe's output folder, a "
                         "saved model folder or a word-vector file")
    if (directory / "manifest.json").is_file():
        return {directory.name: directory}
    found = {p.name: p for p in sorted(directory.iterdir()) if (p / "manifest.json").is_file()}
    if not found:
        raise InputError(f"{directory}: holds no saved model (no manifest.json in it or in its "
                         "sub-folders); pass the folder 'hangul-dl run' or a train command wrote")
    return found


def _kind(model: Any) -> str:
    from .embeddings.base import VectorStage
    from .embeddings.vectors import WordVectors
    from .lm.language_model import LanguageModel
    from .seq2seq.translator import Translator

    if hasattr(model, "classes_") and hasattr(model, "predict_proba"):
        return "classifier"
    if isinstance(model, (VectorStage, WordVectors)):
        return "vectors"
    if isinstance(model, LanguageModel):
        return "lm"
    if isinstance(model, Translator):
        return "translator"
    return "other"


_NEEDS = {"vectors": "pairs (word-pair CSV) and/or analogies (analogy file)",
          "lm": "text (held-out sentences, one a line)",
          "translator": "src + tgt (aligned files) or tsv (two columns)",
          "classifier": "labelled (a TSV/CSV file with a header: label, text)",
          "other": "nothing: this stage has no evaluation"}


def evaluate_model(model: Any, text: PathLike | None = None, pairs: PathLike | None = None,
                   analogies: PathLike | None = None, src: PathLike | None = None,
                   tgt: PathLike | None = None, tsv: PathLike | None = None,
                   beam: int | None = None, skip_bad: bool = False,
                   restrict_vocab: int = 300_000, bleu_tokenize: str | None = None,
                   translations: PathLike | None = None, labelled: PathLike | None = None,
                   text_column: str | int = "text", label_column: str | int = "label",
                   ) -> dict[str, Any] | None:
    """Metrics of one fitted model stage (or saved folder, or word-vector file) on the data
    that suits its family; ``None`` when none of the given data does. ``labelled``: a
    classifier's test table (columns ``text_column`` and ``label_column``). ``restrict_vocab``:
    word vectors use their most frequent words only (gensim's default); ``bleu_tokenize``:
    sacreBLEU's tokenization of translations (default: the translator's setting);
    ``translations``: a file where a translator's outputs are written, one line per source."""
    if isinstance(model, (str, os.PathLike)):
        model = _load(Path(model))
    kind = _kind(model)
    if kind == "vectors" and (pairs or analogies):
        return _vectors(getattr(model, "wv_", model), pairs, analogies, restrict_vocab)
    if kind == "lm" and text:
        return _language_model(model, text, skip_bad)
    if kind == "translator" and (tsv or src or tgt):
        return _translator(model, src, tgt, tsv, beam, skip_bad, bleu_tokenize, translations)
    if kind == "classifier" and labelled:
        return _classifier(model, labelled, text_column, label_column, skip_bad)
    return None


def _load(path: Path) -> Any:
    """A saved model folder, or a word-vector file (word2vec text or binary)."""
    if path.is_file():
        from .embeddings.vectors import load_word_vectors

        return load_word_vectors(path)
    from .pipeline import load_model

    return load_model(path)


def evaluate_models(directory: PathLike, **data: Any) -> Evaluation:
    """Evaluate every model under ``directory`` (see :func:`find_models`) with ``data`` (the
    keyword arguments of :func:`evaluate_model`)."""
    if not any(data.get(k) for k in ("text", "pairs", "analogies", "src", "tgt", "tsv",
                                     "labelled")):
        raise InputError("no test data given: pass text (language models), pairs/analogies "
                         "(word vectors), src+tgt/tsv (translators) or labelled (classifiers)")
    report = Evaluation()
    for name, folder in find_models(directory).items():
        model = _load(folder)
        report.classes[name] = type(model).__name__
        result = evaluate_model(model, **data)
        if result is None:
            report.skipped[name] = f"{type(model).__name__} needs {_NEEDS[_kind(model)]}"
        else:
            report.results[name] = result
    return report


def _vectors(wv: Any, pairs: PathLike | None, analogies: PathLike | None,
             restrict_vocab: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if pairs:
        r = wv.evaluate_word_pairs(pairs, restrict_vocab=restrict_vocab)
        out.update(spearman=r.spearman, pearson=r.pearson, pairs=r.n_pairs, pairs_oov=r.n_oov)
    if analogies:
        r = wv.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab)
        out.update(analogy_accuracy=r.accuracy, analogies_answered=r.n_answered,
                   analogies_oov=r.n_oov)
    return out


def _language_model(lm: Any, text: PathLike, skip_bad: bool) -> dict[str, Any]:
    from .text.corpus import TextCorpus

    corpus = TextCorpus(text, errors="skip" if skip_bad else "raise")
    sentences = list(corpus)
    if not sentences:
        raise InputError(f"{text}: no sentences to evaluate the language model on")
    out = {"perplexity": lm.perplexity(sentences), "sentences": len(sentences)}
    if corpus.stats.skipped:
        out["skipped_lines"] = corpus.stats.skipped
    return out


def _translator(tr: Any, src: PathLike | None, tgt: PathLike | None, tsv: PathLike | None,
                beam: int | None, skip_bad: bool, bleu_tokenize: str | None = None,
                translations: PathLike | None = None) -> dict[str, Any]:
    from .seq2seq.pairs import read_pair_files

    read = read_pair_files(src, tgt, tsv, "evaluation", skip_bad=skip_bad)
    if read is None:  # only one of src/tgt would have raised already
        raise InputError("the translator needs src + tgt (aligned files) or tsv")
    pairs, stats = read
    result = tr.evaluate([s for s, _ in pairs], [t for _, t in pairs], beam=beam,
                         tokenize=bleu_tokenize)
    out = {k: result[k] for k in ("bleu", "chrf", "exact_match", "n", "bleu_signature")}
    if stats.skipped or stats.empty:
        out["skipped_lines"] = stats.skipped + stats.empty
    if translations is not None:
        from .io import atomic_open

        with atomic_open(translations, "w") as f:
            f.writelines(line + "\n" for line in result["hypotheses"])
        out["translations"] = str(translations)
    return out


def _classifier(clf: Any, labelled: PathLike, text_column: str | int, label_column: str | int,
                skip_bad: bool) -> dict[str, Any]:
    from .text.tables import TableCorpus

    table = TableCorpus.labelled(labelled, text_column=text_column, label_column=label_column,
                                 errors="skip" if skip_bad else "raise")
    rows = list(table)
    if not rows:
        raise InputError(f"{labelled}: no labelled rows to evaluate the classifier on")
    scores = clf.evaluate([t for _, t in rows], [y for y, _ in rows])
    out = {k: scores[k] for k in ("accuracy", "macro_f1", "macro_precision", "macro_recall", "n")}
    out.update(labels=scores["labels"], confusion=scores["confusion"])
    if "unknown_labels" in scores:
        out["unknown_labels"] = scores["unknown_labels"]
    if table.stats.skipped:
        out["skipped_lines"] = table.stats.skipped
    return out
