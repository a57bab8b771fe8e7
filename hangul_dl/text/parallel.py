"""Aligned sentence pairs from two files: line *i* of ``train.ko`` translates line *i* of ``train.en``.

Both files are read by the one reader (:mod:`.reader`), so their lines are counted and split the
same way (``\\n``, ``\\r\\n``, a lone ``\\r``) before any pair is yielded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

from ..errors import InputError
from .reader import CorpusStats, PathLike, Source, check_errors, count_lines, decoded_lines, log_pass
from .tables import TableCorpus

__all__ = ["ParallelCorpus"]


class ParallelCorpus:
    """Aligned ``(src, tgt)`` pairs from two files: line *i* of ``src`` translates line *i* of
    ``tgt`` (``ParallelCorpus("train.ko", "train.en")``).

    The line counts are compared before the first pair is yielded; a mismatch raises
    :class:`InputError` naming both files and their counts. A bad line on either side drops
    the pair (``errors="skip"``) or raises; a pair with an empty side is skipped and counted as
    empty. ``stats.lines_read`` counts the lines of both files, ``lines_yielded`` the pairs.
    """

    def __init__(self, src: PathLike, tgt: PathLike, errors: str = "raise",
                 skip_empty: bool = True, strip: bool = True):
        self.src = src
        self.tgt = tgt
        self.errors = errors
        self.skip_empty = skip_empty
        self.strip = strip
        self.stats = CorpusStats()

    @staticmethod
    def from_table(source: Source, src_column: int | str = 0, tgt_column: int | str = 1,
                   **kwargs: Any) -> TableCorpus:
        """Pairs from two columns of a TSV/CSV (a :class:`TableCorpus` yielding 2-tuples)."""
        return TableCorpus(source, column=(src_column, tgt_column), **kwargs)

    def _mismatch(self, n_src: int, n_tgt: int) -> InputError:
        return InputError(
            f"parallel files differ in length: {str(self.src)!r} has {n_src} lines but "
            f"{str(self.tgt)!r} has {n_tgt}; line i of one must translate line i of the other. "
            "Check both files (wc -l) for missing or extra lines, or use a two-column TSV")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        check_errors(self.errors)
        src, tgt = Path(self.src), Path(self.tgt)
        for path in (src, tgt):
            if not path.is_file():
                raise InputError(f"no such file: {str(path)!r}; expected a text file with one "
                                 "sentence per line")
        try:
            n_src, n_tgt = count_lines(src), count_lines(tgt)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"cannot read {str(src)!r} / {str(tgt)!r}: {exc}") from None
        if n_src != n_tgt:
            raise self._mismatch(n_src, n_tgt)
        stats = self.stats = CorpusStats()
        end = (0, StopIteration)  # fill value of the shorter file
        try:
            pairs = zip_longest(decoded_lines(src, stats, self.errors),
                                decoded_lines(tgt, stats, self.errors), fillvalue=end)
            for (_, a), (_, b) in pairs:
                if a is StopIteration or b is StopIteration:  # the files changed meanwhile
                    raise self._mismatch(count_lines(src), count_lines(tgt))
                if a is None or b is None:
                    continue
                if self.strip:
                    a, b = a.strip(), b.strip()
                if self.skip_empty and not (a and b):
                    stats.empty += 1
                    continue
                stats.lines_yielded += 1
                yield a, b
        finally:
            log_pass(stats, repr(self), self.errors)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.src!r}, {self.tgt!r})"
