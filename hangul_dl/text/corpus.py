"""Plain-text corpora, streamed: ``for line in TextCorpus("reviews/"): ...``.

:class:`TextCorpus` reads one document (or sentence) per line from a file, a directory (walked
recursively in sorted order, hidden files skipped) or a list of both; ``.gz`` files are
decompressed on the fly. It is re-iterable: every ``for`` opens the files again, so a corpus can
be read once to ``fit`` a vocabulary and again to encode it; nothing is held in memory. Lines
come from the one reader (:mod:`.reader`: ``\\n``, ``\\r\\n`` and a lone ``\\r`` end a line;
each line decoded on its own; bad lines raise or are skipped and counted in ``corpus.stats``).

The other readers live beside it and stay importable from here: :class:`TableCorpus`
(:mod:`.tables`, TSV/CSV columns), :class:`ParallelCorpus` (:mod:`.parallel`, aligned files),
:func:`split_sentences` (:mod:`.sentences`) and :func:`embedded_corpus` (:mod:`.embedded`, the
corpora shipped inside KoNLPy). Corpus → IDs: :mod:`.ids`.

Speed (2-core CPU, 3M tokens / 250k lines of :func:`hangul_dl.datasets.zipf_korean_corpus` in
one UTF-8 file): a :class:`TextCorpus` pass reads about 1.1M lines/s (0.22 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .embedded import EMBEDDED_CORPORA, EmbeddedCorpus, embedded_corpus, embedded_files
from .parallel import ParallelCorpus
from .reader import CorpusStats, Source, check_errors, decoded_lines, list_files, log_pass
from .sentences import split_sentences
from .tables import TableCorpus

__all__ = [
    "EMBEDDED_CORPORA",
    "CorpusStats",
    "EmbeddedCorpus",
    "ParallelCorpus",
    "TableCorpus",
    "TextCorpus",
    "embedded_corpus",
    "embedded_files",
    "split_sentences",
]


class TextCorpus:
    """Lines of UTF-8 text files, streamed: ``for line in TextCorpus("reviews/"): ...``.

    Parameters
    ----------
    source : path, directory, or list of them
        Files ending in ``.gz`` are decompressed. Directories are walked recursively in sorted
        order; hidden files and folders (``.name``) are skipped; ``pattern`` filters names.
    errors : "raise" or "skip"
        What to do with a line of invalid UTF-8 or with a NUL byte (see the module docstring).
    skip_empty : bool
        Skip (and count) lines that are empty after stripping.
    strip : bool
        Strip leading/trailing whitespace (including U+3000 and form feeds) from each line.
    sentences : bool
        Yield sentences (:func:`split_sentences`) instead of whole lines.

    After (or during) a pass, ``stats`` is the :class:`CorpusStats` of that pass.
    """

    #: read from files, the same lines on every pass (a pipeline may cache what it tokenizes)
    reads_files = True

    def __init__(self, source: Source, errors: str = "raise", skip_empty: bool = True,
                 strip: bool = True, sentences: bool = False, pattern: str = "*"):
        self.source = source
        self.errors = errors
        self.skip_empty = skip_empty
        self.strip = strip
        self.sentences = sentences
        self.pattern = pattern
        self.stats = CorpusStats()
        self._position: tuple[Path | None, int] = (None, 0)

    def files(self) -> list[Path]:
        """The files one pass reads, in order."""
        return list_files(self.source, self.pattern)

    @property
    def location(self) -> str:
        """``file:line`` of the line the last item came from (during or after a pass)."""
        path, line = self._position
        return f"{path}:{line}" if path is not None else ""

    def __iter__(self) -> Iterator[str]:
        check_errors(self.errors)
        files = self.files()
        stats = self.stats = CorpusStats()
        try:
            for path in files:
                for line_no, text in decoded_lines(path, stats, self.errors):
                    self._position = (path, line_no)
                    if text is None:
                        continue
                    if self.strip:
                        text = text.strip()
                    if not text and self.skip_empty:
                        stats.empty += 1
                        continue
                    if self.sentences:
                        for sentence in split_sentences(text):
                            stats.lines_yielded += 1
                            yield sentence
                    else:
                        stats.lines_yielded += 1
                        yield text
        finally:
            log_pass(stats, repr(self), self.errors)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r}, errors={self.errors!r})"
