"""Intrinsic evaluation of word vectors: word-pair similarity and analogies (book ch.4.5).

Two file formats, the ones gensim and the literature use:

Word pairs (``evaluate_word_pairs``): CSV ``word1,word2,score`` with a header line (a tab works
as the delimiter too; ``#`` lines are comments)::

    word1,word2,score
    사랑,애정,8.5
    자동차,바나나,0.4

Analogies (``evaluate_word_analogies``): word2vec's ``questions-words.txt``; ``: section``
lines start sections, every other line is ``a b c d`` meaning *a : b = c : d*::

    : capital-country
    서울 한국 도쿄 일본

The scores are Pearson's r and Spearman's ρ between human scores and cosine similarities, and
3CosAdd accuracy (the prediction is the nearest word to ``b - a + c`` other than a, b, c, among
the ``restrict_vocab`` most frequent words, as gensim does). Pairs or questions with a word the
vectors do not know (or outside ``restrict_vocab``) are not scored; they are counted as OOV and
reported. A malformed line raises :class:`~hangul_dl.errors.FormatError` naming ``file:line``.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..backend import get_array_module, to_cpu
from ..errors import FormatError, InputError

__all__ = ["AnalogyResult", "WordPairsResult", "evaluate_word_analogies", "evaluate_word_pairs",
           "read_analogies", "read_word_pairs"]


def _read_text(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise FormatError(f"{path}:{line}: not valid UTF-8 ({exc.reason}); save the file as "
                          "UTF-8 (Korean Windows tools often write cp949)") from None
    return text.splitlines()


def _is_number(x: str) -> bool:
    try:
        return math.isfinite(float(x))
    except ValueError:
        return False


def read_word_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Read a word-pair file into a DataFrame ``word1, word2, score, line``."""
    path = Path(path)
    rows = []
    header_seen = False
    for lineno, line in enumerate(_read_text(path), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        delimiter = "\t" if "\t" in line else ","
        fields = [f.strip() for f in next(csv.reader(io.StringIO(line), delimiter=delimiter))]
        if len(fields) < 3:
            raise FormatError(f"{path}:{lineno}: expected 'word1,word2,score', found {line[:60]!r}")
        if not _is_number(fields[2]):
            if not header_seen and not rows:
                header_seen = True  # the header line
                continue
            raise FormatError(f"{path}:{lineno}: the score {fields[2]!r} is not a number")
        if not fields[0] or not fields[1]:
            raise FormatError(f"{path}:{lineno}: an empty word in {line[:60]!r}")
        rows.append((fields[0], fields[1], float(fields[2]), lineno))
    if not rows:
        raise FormatError(f"{path}: no word pairs found; expected lines 'word1,word2,score'")
    return pd.DataFrame(rows, columns=["word1", "word2", "score", "line"])


def read_analogies(path: str | os.PathLike) -> pd.DataFrame:
    """Read a ``questions-words.txt`` file into a DataFrame ``section, a, b, c, expected, line``."""
    path = Path(path)
    rows = []
    section = "-"
    for lineno, line in enumerate(_read_text(path), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(":"):
            section = text[1:].strip() or "-"
            continue
        words = text.split()
        if len(words) != 4:
            raise FormatError(f"{path}:{lineno}: expected 4 words 'a b c d' (a : b = c : d) or "
                              f"': section', found {len(words)} words in {text[:60]!r}")
        rows.append((section, *words, lineno))
    if not rows:
        raise FormatError(f"{path}: no analogy questions found; expected lines 'a b c d'")
    return pd.DataFrame(rows, columns=["section", "a", "b", "c", "expected", "line"])


def _lookup(wv: Any, words: Any, restrict: int, lower: bool) -> np.ndarray:
    """Row of each word, or -1 when unknown or outside the first ``restrict`` rows (a word
    stored with the word-start mark ``▁`` is found by its plain spelling too)."""
    from ..text.tokenizers import MARKER

    index = wv.key_to_index
    words = [w.lower() if lower else w for w in words]
    out = np.array([index.get(w, index.get(MARKER + w, -1)) for w in words], dtype=np.int64)
    out[out >= restrict] = -1
    return out


@dataclass(frozen=True)
class WordPairsResult:
    """Scores of :func:`evaluate_word_pairs`; ``pairs`` has one row per pair (NaN similarity
    for OOV pairs)."""

    pearson: float
    pearson_pvalue: float
    spearman: float
    spearman_pvalue: float
    oov_ratio: float
    n_pairs: int
    n_oov: int
    pairs: pd.DataFrame = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """One row: pearson, spearman, oov_ratio, pairs, oov."""
        return pd.DataFrame([{"pearson": self.pearson, "spearman": self.spearman,
                              "oov_ratio": self.oov_ratio, "pairs": self.n_pairs,
                              "oov": self.n_oov}])

    def __repr__(self) -> str:
        return (f"WordPairsResult(pearson={self.pearson:.4f}, spearman={self.spearman:.4f}, "
                f"oov_ratio={self.oov_ratio:.4f}, pairs={self.n_pairs}, oov={self.n_oov})")


def evaluate_word_pairs(wv: Any, path: str | os.PathLike, restrict_vocab: int = 300_000,
                        case_insensitive: bool = False) -> WordPairsResult:
    """Correlation of cosine similarities with human scores on a word-pair CSV.

    ``wv`` is a :class:`~hangul_dl.embeddings.vectors.WordVectors`. Pairs with an unknown word
    are left out of the correlations and counted in ``oov_ratio`` (= OOV pairs / all pairs).
    """
    from scipy import stats

    pairs = read_word_pairs(path)
    restrict = min(int(restrict_vocab), len(wv))
    r1 = _lookup(wv, pairs["word1"], restrict, case_insensitive)
    r2 = _lookup(wv, pairs["word2"], restrict, case_insensitive)
    known = (r1 >= 0) & (r2 >= 0)
    u = wv.unit_vectors
    sims = np.full(len(pairs), np.nan)
    if known.any():
        xp = get_array_module(u)
        a, b = xp.asarray(r1[known]), xp.asarray(r2[known])
        sims[known] = to_cpu((u[a] * u[b]).sum(axis=1)).astype(np.float64)
    pairs = pairs.assign(similarity=sims, oov=~known)
    n_used = int(known.sum())
    if n_used >= 2 and np.ptp(sims[known]) > 0 and np.ptp(pairs["score"][known]) > 0:
        pr = stats.pearsonr(pairs["score"][known], sims[known])
        sr = stats.spearmanr(pairs["score"][known], sims[known])
        pearson, pearson_p = float(pr[0]), float(pr[1])
        spearman, spearman_p = float(sr[0]), float(sr[1])
    else:
        pearson = pearson_p = spearman = spearman_p = float("nan")
    n = len(pairs)
    return WordPairsResult(pearson, pearson_p, spearman, spearman_p, (n - n_used) / n, n,
                           n - n_used, pairs)


@dataclass(frozen=True)
class AnalogyResult:
    """Scores of :func:`evaluate_word_analogies`.

    ``accuracy`` = correct / answered (OOV questions excluded, as in gensim); ``sections`` has
    one row per section plus a final ``"total"`` row (columns section, correct, incorrect, oov,
    questions, accuracy); ``questions`` one row per question with the prediction.
    """

    accuracy: float
    n_correct: int
    n_answered: int
    n_oov: int
    n_questions: int
    sections: pd.DataFrame = field(repr=False)
    questions: pd.DataFrame = field(repr=False)

    @property
    def oov_ratio(self) -> float:
        return self.n_oov / self.n_questions if self.n_questions else float("nan")

    def __repr__(self) -> str:
        return (f"AnalogyResult(accuracy={self.accuracy:.4f}, correct={self.n_correct}/"
                f"{self.n_answered}, oov={self.n_oov}/{self.n_questions})")


def evaluate_word_analogies(wv: Any, path: str | os.PathLike, restrict_vocab: int = 300_000,
                            case_insensitive: bool = False, batch_size: int | None = None
                            ) -> AnalogyResult:
    """3CosAdd accuracy on a ``questions-words.txt`` file, per section and in total.

    Questions are answered in batches: scores (batch, R) = (u_b - u_a + u_c) · U[:R]ᵀ with the
    three query words excluded; ``R = min(restrict_vocab, V)``.
    """
    questions = read_analogies(path)
    R = min(int(restrict_vocab), len(wv))
    rows = np.stack([_lookup(wv, questions[c], R, case_insensitive)
                     for c in ("a", "b", "c", "expected")], axis=1)  # (Q, 4)
    known = (rows >= 0).all(axis=1)
    u = wv.unit_vectors
    xp = get_array_module(u)
    cand = u[:R]  # (R, D)
    predicted = np.full(len(questions), -1, dtype=np.int64)
    todo = np.flatnonzero(known)
    step = batch_size or max(1, (1 << 24) // max(R, 1))
    for start in range(0, todo.shape[0], step):
        sel = rows[todo[start:start + step]]  # (n, 4)
        a, b, c = (xp.asarray(sel[:, j]) for j in range(3))
        scores = (u[b] - u[a] + u[c]) @ cand.T  # (n, R)
        n = xp.arange(sel.shape[0])
        for q in (a, b, c):
            scores[n, q] = -xp.inf
        predicted[todo[start:start + step]] = to_cpu(scores.argmax(axis=1))
    correct = known & (predicted == rows[:, 3])
    itos = wv.index_to_key
    questions = questions.assign(
        predicted=[itos[i] if i >= 0 else None for i in predicted.tolist()],
        correct=correct, oov=~known)
    flags = pd.DataFrame({"section": questions["section"], "correct": correct.astype(int),
                          "incorrect": (known & ~correct).astype(int), "oov": (~known).astype(int),
                          "questions": 1})
    sections = flags.groupby("section", sort=False).sum().reset_index()
    total = sections[["correct", "incorrect", "oov", "questions"]].sum()
    sections.loc[len(sections)] = ["total", *total.tolist()]
    answered = sections["correct"] + sections["incorrect"]
    sections["accuracy"] = (sections["correct"] / answered.where(answered > 0)).astype(float)
    n_correct, n_answered = int(correct.sum()), int(known.sum())
    return AnalogyResult(n_correct / n_answered if n_answered else float("nan"), n_correct,
                         n_answered, int((~known).sum()), len(questions), sections, questions)
