"""The default Korean corpus, shipped inside KoNLPy: no download, always available.

:func:`embedded_corpus` gives the Constitution of the Republic of Korea (``kolaw``) and ten
National Assembly bills (``kobill``) as lines or sentences, read by the one reader
(:mod:`.reader`).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import InputError
from .reader import CorpusStats, check_errors, decoded_lines, log_pass
from .sentences import split_sentences

__all__ = ["EMBEDDED_CORPORA", "EmbeddedCorpus", "embedded_corpus", "embedded_files"]

EMBEDDED_CORPORA = ("kolaw", "kobill")


def embedded_files(names: Sequence[str] = EMBEDDED_CORPORA) -> list[Path]:
    """Paths of the corpus files bundled with KoNLPy (found without importing KoNLPy/JPype)."""
    if isinstance(names, str):
        names = (names,)
    spec = importlib.util.find_spec("konlpy")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the embedded corpus comes with KoNLPy, which is not installed: "
                         "pip install konlpy")
    base = Path(next(iter(spec.submodule_search_locations))) / "data" / "corpus"
    files: list[Path] = []
    for name in names:
        if name not in EMBEDDED_CORPORA:
            raise InputError(f"unknown embedded corpus {name!r}; choose from {EMBEDDED_CORPORA}")
        found = sorted((base / name).glob("*.txt"))
        if not found:
            raise InputError(f"KoNLPy's {name!r} corpus is missing under {str(base)!r}; "
                             "reinstall it: pip install --force-reinstall konlpy")
        files.extend(found)
    return files


_PAGE_NUMBER = re.compile(r"-\s*\d+\s*-")


def _sentences(text: str) -> Iterator[str]:
    """Sentences of ``text`` with runs of whitespace collapsed to one space."""
    return (" ".join(s.split()) for s in split_sentences(text))


class EmbeddedCorpus:
    """The KoNLPy corpora as lines or sentences; see :func:`embedded_corpus`."""

    #: read from files, the same lines on every pass (a pipeline may cache what it tokenizes)
    reads_files = True

    def __init__(self, names: Sequence[str] = EMBEDDED_CORPORA, unit: str = "sentence",
                 errors: str = "raise"):
        self.names = names
        self.unit = unit
        self.errors = errors
        self.stats = CorpusStats()

    def __iter__(self) -> Iterator[str]:
        if self.unit not in ("line", "sentence"):
            raise InputError(f"unit must be 'line' or 'sentence', got {self.unit!r}")
        check_errors(self.errors)
        files = embedded_files(self.names)
        stats = self.stats = CorpusStats()
        try:
            for path in files:
                for item in self._file_items(path, stats):
                    stats.lines_yielded += 1
                    yield item
        finally:
            log_pass(stats, repr(self), self.errors)

    def _file_items(self, path: Path, stats: CorpusStats) -> Iterator[str]:
        wrapped = path.parent.name == "kobill"
        pieces = []
        for _, text in decoded_lines(path, stats, self.errors):
            if text is None:
                continue
            line = text.strip()
            if not line or _PAGE_NUMBER.fullmatch(line):
                stats.empty += 1
                continue
            if self.unit == "line":
                yield line
            elif wrapped:
                # Bills are hard-wrapped, even inside words ("필요" / "한 나이"); a trailing
                # space marks a word boundary, so joining with "" restores the text. An
                # indented line starts a paragraph; a line ending in . ? ! ends one.
                text = text.replace("\x0c", "")
                if pieces and text[:1].isspace():
                    pieces.append(" ")
                pieces.append(text)
                if line[-1] in ".?!":
                    yield from _sentences("".join(pieces))
                    pieces = []
            else:
                yield from _sentences(line)
        if pieces:
            yield from _sentences("".join(pieces))

    def __repr__(self) -> str:
        return f"embedded_corpus({self.names!r}, unit={self.unit!r})"


def embedded_corpus(names: Sequence[str] = EMBEDDED_CORPORA, unit: str = "sentence",
                    errors: str = "raise") -> EmbeddedCorpus:
    """The default Korean corpus, shipped inside KoNLPy: no download, always available.

    ``names``: ``"kolaw"`` (대한민국헌법, one article per line) and/or ``"kobill"`` (ten bills,
    hard-wrapped). ``unit="line"`` yields the stripped non-empty lines as they are (bill lines
    may break inside a word); ``unit="sentence"`` (default) re-joins the wrapped bill lines,
    drops page numbers (``- 1 -``), splits with :func:`split_sentences` and collapses runs of
    whitespace: about 780 sentences (2,400 lines), 11 files. Re-iterable; ``stats`` as in
    :class:`TextCorpus`. Bill tables come out as long, ragged "sentences"; it is a demo corpus.

    >>> next(iter(embedded_corpus("kolaw")))
    '대한민국헌법'
    """
    return EmbeddedCorpus(names, unit=unit, errors=errors)
