"""Scores that every model family reports: BLEU, chrF (chrF++), exact match; and for
classifiers accuracy, macro-F1 and the confusion matrix (:func:`classification_scores`).

Used by the translators (book ch.7-8), decoding, evaluation of saved folders and the benchmarks;
it sits beside :mod:`hangul_dl.training` in the layer map, below the model families.

The numbers match **sacrebleu** (Post, 2018) on the same tokens: ``corpus_bleu`` equals
``sacrebleu.corpus_bleu`` with the same ``tokenize``, smoothing and n-gram order; ``corpus_chrf``
equals ``sacrebleu.corpus_chrf`` (chrF2: character n-grams up to 6, no word n-grams; chrF++ with
``word_order=2``). The tests compare both on Korean and English, edge cases included.

Tokenization (BLEU counts word n-grams, so the tokenization must be stated with the score):

- ``"13a"`` (default): mteval-v13a, the WMT standard for English and other spaced languages.
- ``"none"``: the text is already tokenized; tokens are separated by spaces.
- ``"char"``: every character is a token (spaces dropped), robust for Korean without a tagger.
- a front-end tokenizer name (``"okt"``, ``"word"``, ``"jamo"``...) or a tokenizer object: its
  tokens, with the word-boundary markers ``▁`` removed. ``tokenize="okt"`` is the morpheme BLEU
  that sacrebleu offers as ``ko-mecab``.
- any callable ``str -> list[str]``.

:attr:`BLEUScore.signature` records it (``tok:13a|smooth:exp|case:mixed|nrefs:1``)::

    >>> corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"])
    BLEU = 53.73 83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)

References: ``references[i]`` is the reference of ``hypotheses[i]`` (a string), or a sequence of
several references for it (strings; ``None`` or a missing entry is allowed when the number of
references varies). This is the transpose of sacrebleu's "one list per reference stream" layout.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError

__all__ = ["BLEUScore", "CHRFScore", "classification_scores", "confusion_matrix", "corpus_bleu",
           "corpus_chrf", "exact_match", "sentence_bleu", "sentence_chrf"]

_SMOOTH_DEFAULTS = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}
_PUNCTS = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_V13A = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


# -- tokenization --------------------------------------------------------------------------
def _tok_13a(line: str) -> list[str]:
    """mteval-v13a tokenization (sacrebleu's ``Tokenizer13a``)."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                .replace("&gt;", ">"))
    line = f" {line} "
    for pattern, repl in _V13A:
        line = pattern.sub(repl, line)
    return line.split()


def _tok_char(line: str) -> list[str]:
    return [ch for ch in line if not ch.isspace()]


def _tok_none(line: str) -> list[str]:
    return line.split()


_BUILTIN = {"13a": _tok_13a, "char": _tok_char, "none": _tok_none}


def _resolve_tokenize(tokenize: Any) -> tuple[Callable[[str], list[str]], str]:
    """(function str -> tokens, name for the signature)."""
    if callable(tokenize) and not hasattr(tokenize, "tokenize"):
        return tokenize, getattr(tokenize, "__name__", "custom")
    if isinstance(tokenize, str) and tokenize in _BUILTIN:
        return _BUILTIN[tokenize], tokenize
    if isinstance(tokenize, str) or hasattr(tokenize, "tokenize"):
        from .text.markers import MARKER
        from .text.tokenizers import get_tokenizer

        try:
            tok = get_tokenizer(tokenize) if isinstance(tokenize, str) else tokenize
        except InputError as exc:
            raise InputError(f"tokenize={tokenize!r}: expected '13a', 'none', 'char', a front-end "
                             f"tokenizer name or a callable ({exc})") from None

        def front_end(line: str) -> list[str]:
            tokens = (t.replace(MARKER, "") for t in tok.tokenize(line))
            return [t for t in tokens if t and not t.isspace()]

        name = tokenize if isinstance(tokenize, str) else type(tok).__name__
        return front_end, name
    raise InputError(f"tokenize={tokenize!r}: expected '13a', 'none', 'char', a front-end "
                     "tokenizer name or a callable")


def _check_pairs(hypotheses: Sequence[str], references: Sequence[Any], metric: str
                 ) -> list[list[str]]:
    """Validate inputs; return the references of each hypothesis as a list of strings."""
    if isinstance(hypotheses, str):
        raise InputError(f"{metric}: hypotheses must be a list of strings, got one string; "
                         f"use sentence_{metric.split('_')[-1]}(hypothesis, references)")
    if isinstance(references, str):
        raise InputError(f"{metric}: references must be a list (one entry per hypothesis), "
                         "got one string")
    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise InputError(f"{metric}: {len(hypotheses)} hypotheses but {len(references)} "
                         "references; give one reference (or a list of references) per "
                         "hypothesis, in the same order")
    if not hypotheses:
        raise InputError(f"{metric}: no hypotheses to score (empty input)")
    out = []
    for i, (hyp, refs) in enumerate(zip(hypotheses, references)):
        if not isinstance(hyp, str):
            raise InputError(f"{metric}: hypothesis {i} is {type(hyp).__name__}, expected str "
                             "(detokenized text; join token lists with ' ' and use "
                             "tokenize='none')")
        refs = [refs] if isinstance(refs, str) else [r for r in refs if r is not None]
        if not refs or not all(isinstance(r, str) for r in refs):
            raise InputError(f"{metric}: references of hypothesis {i} must be a string or a "
                             f"list of strings, got {refs!r}")
        out.append(refs)
    return out


# -- BLEU ------------------------------------------------------------------------------------
@dataclass
class BLEUScore:
    """A BLEU score (0-100) and its sufficient statistics.

    ``counts[n-1]`` / ``totals[n-1]``: matched / hypothesis n-grams of order n (over the corpus);
    ``precisions`` in percent; ``bp`` the brevity penalty; ``sys_len`` / ``ref_len`` in tokens.
    ``signature`` states the tokenization and smoothing.
    """

    score: float
    counts: list[int]
    totals: list[int]
    precisions: list[float]
    bp: float
    sys_len: int
    ref_len: int
    signature: str = ""

    @property
    def ratio(self) -> float:
        """Hypothesis length / reference length."""
        return self.sys_len / self.ref_len if self.ref_len else 0.0

    def __float__(self) -> float:
        return float(self.score)

    def __str__(self) -> str:
        prec = "/".join(f"{p:.1f}" for p in self.precisions)
        return (f"BLEU = {self.score:.2f} {prec} (BP = {self.bp:.3f} ratio = {self.ratio:.3f} "
                f"hyp_len = {self.sys_len:d} ref_len = {self.ref_len:d})")

    __repr__ = __str__


def _ngrams(tokens: list[str], max_order: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for n in range(1, max_order + 1)
                   for i in range(len(tokens) - n + 1))


def _closest_ref_len(hyp_len: int, ref_lens: list[int]) -> int:
    """The reference length closest to the hypothesis length (the shorter one on ties)."""
    return min(ref_lens, key=lambda r: (abs(hyp_len - r), r))


def _bleu_stats(hyp: list[str], refs: list[list[str]], max_order: int) -> list[int]:
    """[hyp_len, ref_len, correct_1..N, total_1..N] of one segment."""
    ref_ngrams: Counter = Counter()
    for ref in refs:
        for gram, count in _ngrams(ref, max_order).items():
            if count > ref_ngrams[gram]:
                ref_ngrams[gram] = count
    correct, total = [0] * max_order, [0] * max_order
    for gram, count in _ngrams(hyp, max_order).items():
        n = len(gram) - 1
        total[n] += count
        if gram in ref_ngrams:
            correct[n] += min(count, ref_ngrams[gram])
    return [len(hyp), _closest_ref_len(len(hyp), [len(r) for r in refs]), *correct, *total]


def _bleu_from_stats(stats: list[int], max_order: int, smooth_method: str,
                     smooth_value: float | None, effective_order: bool, signature: str
                     ) -> BLEUScore:
    """sacrebleu's ``BLEU.compute_bleu`` (smoothing methods of Chen & Cherry, 2014)."""
    sys_len, ref_len = int(stats[0]), int(stats[1])
    correct = list(stats[2:2 + max_order])
    total = list(stats[2 + max_order:])
    if smooth_value is None:
        smooth_value = _SMOOTH_DEFAULTS[smooth_method]
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * max_order
    if not any(correct):
        return BLEUScore(0.0, correct, total, precisions, bp, sys_len, ref_len, signature)
    smooth_mteval, eff_order = 1.0, max_order
    for n in range(1, max_order + 1):
        if smooth_method == "add-k" and n > 1:
            correct[n - 1] += smooth_value
            total[n - 1] += smooth_value
        if total[n - 1] == 0:
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth_method == "exp":
                smooth_mteval *= 2
                precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
            elif smooth_method == "floor":
                precisions[n - 1] = 100.0 * smooth_value / total[n - 1]
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    log_sum = sum(math.log(p) if p > 0 else -9999999999 for p in precisions[:eff_order])
    return BLEUScore(bp * math.exp(log_sum / eff_order), correct, total, precisions, bp,
                     sys_len, ref_len, signature)


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str | Sequence[str]],
                tokenize: Any = "13a", smooth_method: str = "exp",
                smooth_value: float | None = None, max_order: int = 4, lowercase: bool = False,
                effective_order: bool = False) -> BLEUScore:
    """Corpus BLEU of ``hypotheses`` (list of str, length N) against ``references``.

    ``references[i]``: the reference string of hypothesis i, or a list of references.
    ``tokenize``: see the module docstring. ``smooth_method``: ``"exp"`` (default, as
    sacrebleu), ``"floor"`` (``smooth_value`` 0.1), ``"add-k"`` (1) or ``"none"``.
    ``effective_order`` leaves out n-gram orders with no hypothesis n-grams (short sentences).
    Returns a :class:`BLEUScore`; ``float(score)`` is the 0-100 number.
    """
    if smooth_method not in _SMOOTH_DEFAULTS:
        raise InputError(f"smooth_method={smooth_method!r}: expected one of "
                         f"{', '.join(_SMOOTH_DEFAULTS)}")
    if isinstance(max_order, bool) or not isinstance(max_order, int) or max_order < 1:
        raise InputError(f"max_order={max_order!r}: expected a positive integer")
    ref_lists = _check_pairs(hypotheses, references, "corpus_bleu")
    tok, tok_name = _resolve_tokenize(tokenize)

    def prep(text: str) -> list[str]:
        return tok((text.lower() if lowercase else text).rstrip())

    totals = [0] * (2 + 2 * max_order)
    for hyp, refs in zip(hypotheses, ref_lists):
        stats = _bleu_stats(prep(hyp), [prep(r) for r in refs], max_order)
        totals = [a + b for a, b in zip(totals, stats)]
    n_refs = {len(r) for r in ref_lists}
    smooth = smooth_method
    if _SMOOTH_DEFAULTS[smooth_method] is not None:
        value = _SMOOTH_DEFAULTS[smooth_method] if smooth_value is None else smooth_value
        smooth += f"[{value:.2f}]"
    signature = (f"nrefs:{n_refs.pop() if len(n_refs) == 1 else 'var'}|"
                 f"case:{'lc' if lowercase else 'mixed'}|eff:{'yes' if effective_order else 'no'}"
                 f"|tok:{tok_name}|smooth:{smooth}")
    return _bleu_from_stats(totals, max_order, smooth_method, smooth_value, effective_order,
                            signature)


def sentence_bleu(hypothesis: str, references: str | Sequence[str], tokenize: Any = "13a",
                  smooth_method: str = "exp", smooth_value: float | None = None,
                  max_order: int = 4, lowercase: bool = False,
                  effective_order: bool = True) -> BLEUScore:
    """BLEU of one hypothesis against one reference (str) or several (list of str).

    As in sacrebleu, ``effective_order`` is on by default at the sentence level.
    """
    if not isinstance(hypothesis, str):
        raise InputError(f"sentence_bleu: hypothesis must be a str, got "
                         f"{type(hypothesis).__name__}; use corpus_bleu for a list")
    return corpus_bleu([hypothesis], [references], tokenize, smooth_method, smooth_value,
                       max_order, lowercase, effective_order)


# -- chrF ------------------------------------------------------------------------------------
@dataclass
class CHRFScore:
    """A chrF score (0-100): F-beta over character n-grams (and word n-grams for chrF++)."""

    score: float
    char_order: int
    word_order: int
    beta: int
    stats: list[int] = field(default_factory=list, repr=False)

    @property
    def name(self) -> str:
        return f"chrF{self.beta}" + "+" * self.word_order

    def __float__(self) -> float:
        return float(self.score)

    def __str__(self) -> str:
        return f"{self.name} = {self.score:.2f}"

    __repr__ = __str__


def _words(sent: str) -> list[str]:
    """chrF++'s word split: punctuation at a word's end (or else start) becomes its own word."""
    out = []
    for w in sent.split():
        if len(w) == 1:
            out.append(w)
        elif w[-1] in _PUNCTS:
            out += [w[:-1], w[-1]]
        elif w[0] in _PUNCTS:
            out += [w[0], w[1:]]
        else:
            out.append(w)
    return out


def _chrf_ngrams(sent: str, char_order: int, word_order: int, whitespace: bool) -> list[Counter]:
    line = sent if whitespace else "".join(sent.split())
    grams = [Counter(line[i:i + n] for i in range(len(line) - n + 1))
             for n in range(1, char_order + 1)]
    if word_order > 0:
        words = _words(sent)
        grams += [Counter(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
                  for n in range(1, word_order + 1)]
    return grams


def _f_score(stats: list[int], order: int, beta: int, eps_smoothing: bool) -> float:
    """sacrebleu's ``CHRF._compute_f_score``: averaged precision/recall over the orders."""
    eps, factor = 1e-16, beta ** 2
    score, avg_prec, avg_rec, effective = 0.0, 0.0, 0.0, 0
    for i in range(order):
        n_hyp, n_ref, n_match = stats[3 * i:3 * i + 3]
        prec = n_match / n_hyp if n_hyp > 0 else eps
        rec = n_match / n_ref if n_ref > 0 else eps
        denom = factor * prec + rec
        score += ((1 + factor) * prec * rec / denom) if denom > 0 else eps
        if n_hyp > 0 and n_ref > 0:
            avg_prec += prec
            avg_rec += rec
            effective += 1
    if eps_smoothing:
        return 100 * score / order
    if effective == 0:
        return 0.0
    avg_prec /= effective
    avg_rec /= effective
    if avg_prec + avg_rec:
        return 100 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)
    return 0.0


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str | Sequence[str]],
                char_order: int = 6, word_order: int = 0, beta: int = 2,
                lowercase: bool = False, whitespace: bool = False,
                eps_smoothing: bool = False) -> CHRFScore:
    """Corpus chrF (Popović, 2015) of ``hypotheses`` (list of str) against ``references``.

    Defaults give chrF2 (character 6-grams, no word n-grams, recall weighted by ``beta`` = 2);
    ``word_order=2`` gives chrF++. Spaces are ignored unless ``whitespace``. With several
    references, each segment counts against its best-scoring reference. Needs no tokenizer, so
    it suits Korean: ``corpus_chrf(["나는 학교에 간다"], ["나는 학교로 간다"])``.
    """
    for name, value in (("char_order", char_order), ("word_order", word_order), ("beta", beta)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{name}={value!r}: expected a non-negative integer")
    order = char_order + word_order
    if order < 1:
        raise InputError("char_order + word_order must be at least 1")
    ref_lists = _check_pairs(hypotheses, references, "corpus_chrf")
    totals = [0] * (3 * order)
    for hyp, refs in zip(hypotheses, ref_lists):
        if lowercase:
            hyp, refs = hyp.lower(), [r.lower() for r in refs]
        hyp_grams = _chrf_ngrams(hyp, char_order, word_order, whitespace)
        best: list[int] = []
        best_f = -1.0
        for ref in refs:
            stats = []
            for h, r in zip(hyp_grams, _chrf_ngrams(ref, char_order, word_order, whitespace)):
                match = sum(min(c, r[g]) for g, c in h.items() if g in r)
                stats += [sum(h.values()) if r else 0, sum(r.values()), match]
            f = _f_score(stats, order, beta, eps_smoothing)
            if f > best_f:
                best_f, best = f, stats
        totals = [a + b for a, b in zip(totals, best)]
    return CHRFScore(_f_score(totals, order, beta, eps_smoothing), char_order, word_order, beta,
                     totals)


def sentence_chrf(hypothesis: str, references: str | Sequence[str], **kwargs: Any) -> CHRFScore:
    """chrF of one hypothesis against one reference (str) or several (list of str)."""
    if not isinstance(hypothesis, str):
        raise InputError(f"sentence_chrf: hypothesis must be a str, got "
                         f"{type(hypothesis).__name__}; use corpus_chrf for a list")
    return corpus_chrf([hypothesis], [references], **kwargs)


# -- exact match -------------------------------------------------------------------------------
def exact_match(hypotheses: Sequence[Any], references: Sequence[Any], strip: bool = True
                ) -> float:
    """Fraction (0-1) of hypotheses equal to their reference (or to any of their references).

    Works on strings (compared after ``strip()`` of surrounding whitespace unless ``strip`` is
    False) and on token lists / ID sequences (compared element by element). The book's accuracy
    for the addition and date tasks.
    """
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise InputError("exact_match expects lists of hypotheses and references, got a string")
    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise InputError(f"exact_match: {len(hypotheses)} hypotheses but {len(references)} "
                         "references; they must pair up")
    if not hypotheses:
        raise InputError("exact_match: no hypotheses to score (empty input)")

    def norm(x: Any) -> Any:
        if isinstance(x, str):
            return x.strip() if strip else x
        return tuple(int(v) if hasattr(v, "__index__") else v for v in x)

    hits = 0
    for hyp, ref in zip(hypotheses, references):
        if isinstance(ref, str) or not isinstance(hyp, str):
            options = [ref]
        else:
            options = list(ref)  # several references for one string hypothesis
        hits += any(norm(hyp) == norm(r) for r in options)
    return hits / len(hypotheses)


# -- classification --------------------------------------------------------------------------
def _label_pairs(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any] | None
                 ) -> tuple[list[Any], list[Any], list[Any]]:
    if isinstance(y_true, str) or isinstance(y_pred, str):
        raise InputError("expected lists of labels, got a string")
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise InputError(f"{len(y_true)} true labels but {len(y_pred)} predictions; they must "
                         "pair up")
    if labels is None:
        labels = sorted(set(y_true) | set(y_pred), key=lambda v: (str(type(v)), v))
    return y_true, y_pred, list(labels)


def confusion_matrix(y_true: Sequence[Any], y_pred: Sequence[Any],
                     labels: Sequence[Any] | None = None) -> list[list[int]]:
    """``C[i][j]``: how many examples of true class ``labels[i]`` were predicted ``labels[j]``
    (scikit-learn's layout: rows are the truth). ``labels`` default: every label seen, sorted;
    pairs with a label outside ``labels`` are not counted."""
    y_true, y_pred, labels = _label_pairs(y_true, y_pred, labels)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return matrix


def classification_scores(y_true: Sequence[Any], y_pred: Sequence[Any],
                          labels: Sequence[Any] | None = None) -> dict[str, Any]:
    """Accuracy, macro-averaged precision/recall/F1, per-class scores and the confusion matrix.

    The numbers equal scikit-learn's ``accuracy_score``, ``f1_score(average="macro")`` and
    ``confusion_matrix`` (a class never predicted has precision 0, one never seen recall 0,
    and F1 0 when both are 0 — sklearn's ``zero_division=0``)::

        >>> classification_scores(["긍정", "부정", "긍정"], ["긍정", "긍정", "긍정"])["macro_f1"]
        0.4

    Returns ``{"accuracy", "macro_f1", "macro_precision", "macro_recall", "n", "labels",
    "per_class": {label: {"precision", "recall", "f1", "support"}}, "confusion"}``.
    """
    y_true, y_pred, labels = _label_pairs(y_true, y_pred, labels)
    if not y_true:
        raise InputError("no examples to score (empty input)")
    matrix = confusion_matrix(y_true, y_pred, labels)
    per_class: dict[Any, dict[str, float]] = {}
    for i, label in enumerate(labels):
        tp = matrix[i][i]
        predicted = sum(row[i] for row in matrix)
        support = sum(matrix[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1,
                            "support": support}
    k = max(len(labels), 1)
    return {"accuracy": sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true),
            "macro_f1": sum(c["f1"] for c in per_class.values()) / k,
            "macro_precision": sum(c["precision"] for c in per_class.values()) / k,
            "macro_recall": sum(c["recall"] for c in per_class.values()) / k,
            "n": len(y_true), "labels": labels, "per_class": per_class, "confusion": matrix}
