"""Columns of TSV/CSV files, streamed: ``TableCorpus("ratings.txt", column="document")``.

Rows are parsed by the :mod:`csv` module from the lines of the one reader (:mod:`.reader`), so
line endings, decoding and per-line error accounting are those of every other reader.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import InputError
from .reader import CorpusStats, Source, check_errors, decoded_lines, list_files, log_pass, record_problem

__all__ = ["TableCorpus"]


# -- tables --------------------------------------------------------------------------------
class TableCorpus:
    """One column (or several, as tuples) of TSV/CSV files, streamed.

    ``TableCorpus("ratings.txt", column="document")`` reads the column named ``document`` of a
    tab-separated file with a header (the NSMC layout ``id<TAB>document<TAB>label``).

    Parameters
    ----------
    source : path, directory or list of them (``.gz`` works)
    column : int, str, or a sequence of them
        Column index (0-based) or header name. A sequence yields tuples in that order.
    delimiter : str or None
        ``None``: ``","`` for ``.csv`` (and ``.csv.gz``) files, otherwise a tab.
    header : bool or None
        Whether the first row of each file is a header. ``None``: true when a column is
        chosen by name.
    quoting : int or None
        A :mod:`csv` quoting constant. ``None``: ``csv.QUOTE_NONE`` for tabs (review text often
        holds a lone ``"``), ``csv.QUOTE_MINIMAL`` otherwise (quoted CSV fields may span lines).

    required : bool
        A row whose chosen fields are not all filled is a bad row, like a malformed one: it
        raises (``errors="raise"``) or is skipped and counted (``errors="skip"``), with its
        ``file:line`` and the empty column named. For labelled data, where a row without its
        label or its text must never vanish silently (:meth:`labelled`).

    Every row must have as many fields as the header (or, without a header, as the first row
    of the file); other rows are *malformed* and raise or are skipped by ``errors``. Rows whose
    chosen fields are empty are skipped and counted as empty (or are bad rows with
    ``required``). ``stats`` as in :class:`TextCorpus`; ``lines_yielded`` counts rows.
    """

    def __init__(self, source: Source, column: int | str | Sequence[int | str] = 0,
                 delimiter: str | None = None, header: bool | None = None,
                 errors: str = "raise", skip_empty: bool = True, strip: bool = True,
                 quoting: int | None = None, pattern: str = "*", required: bool = False):
        self.source = source
        self.column = column
        self.delimiter = delimiter
        self.header = header
        self.errors = errors
        self.skip_empty = skip_empty
        self.strip = strip
        self.quoting = quoting
        self.pattern = pattern
        self.required = required
        self.stats = CorpusStats()

    @classmethod
    def labelled(cls, source: Source, text_column: int | str = "text",
                 label_column: int | str = "label", errors: str = "raise",
                 delimiter: str | None = None, header: bool = True,
                 quoting: int | None = None) -> TableCorpus:
        """``(label, text)`` rows of a labelled table: ``label<TAB>text`` under a header by
        default (``TableCorpus.labelled("ratings.txt", text_column="document")`` for NSMC).

        Every row needs both fields: a row with an empty label or text, a missing field, bad
        UTF-8 or a NUL byte raises with its ``file:line``, or with ``errors="skip"`` is
        skipped and counted in ``stats`` (``stats.skipped``, ``stats.problems``).
        """
        return cls(source, column=(label_column, text_column), delimiter=delimiter,
                   header=header, errors=errors, quoting=quoting, required=True)

    def _columns(self) -> tuple[list[int | str], bool]:
        single = isinstance(self.column, (int, str, np.integer))
        columns = [self.column] if single else list(self.column)
        if not columns or not all(isinstance(c, (int, str, np.integer)) for c in columns):
            raise InputError(f"column must be an index, a header name or a list of them, "
                             f"got {self.column!r}")
        return columns, single

    def files(self) -> list[Path]:
        return list_files(self.source, self.pattern)

    def __iter__(self) -> Iterator[str | tuple[str, ...]]:
        check_errors(self.errors)
        columns, single = self._columns()
        header = self.header if self.header is not None else any(
            isinstance(c, str) for c in columns)
        files = self.files()
        stats = self.stats = CorpusStats()
        try:
            for path in files:
                yield from self._read_file(path, columns, single, header, stats)
        finally:
            log_pass(stats, repr(self), self.errors)

    def _read_file(self, path: Path, columns: list[int | str], single: bool, header: bool,
                   stats: CorpusStats) -> Iterator[str | tuple[str, ...]]:
        name = path.name.removesuffix(".gz")
        delimiter = self.delimiter or ("," if name.endswith(".csv") else "\t")
        quoting = self.quoting if self.quoting is not None else (
            csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
        span = {"first": 0}

        def texts() -> Iterator[str]:
            for lineno, text in decoded_lines(path, stats, self.errors):
                if text is None:
                    continue
                if not span["first"]:
                    span["first"] = lineno
                yield text + "\n"

        reader = csv.reader(texts(), delimiter=delimiter, quoting=quoting)
        n_fields: int | None = None
        indices: list[int] = []
        while True:
            span["first"] = 0
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                record_problem(stats, self.errors, "malformed", f"{path}:{span['first']}",
                         f"unreadable {delimiter!r}-separated row ({exc})")
                continue
            where = f"{path}:{span['first']}"
            if not row or (len(row) == 1 and not row[0].strip()):
                stats.empty += 1
                continue
            if n_fields is None:
                n_fields = len(row)
                indices = self._resolve(columns, row if header else None, n_fields, where)
                if header:
                    continue
            if len(row) != n_fields:
                record_problem(stats, self.errors, "malformed", where,
                         f"expected {n_fields} {delimiter!r}-separated fields (like the "
                         f"{'header' if header else 'first row'}), found {len(row)}: "
                         f"{delimiter.join(row)[:60]!r}")
                continue
            fields = [row[i].strip() if self.strip else row[i] for i in indices]
            if self.required and not all(fields):
                empty = ", ".join(repr(c) for c, f in zip(columns, fields) if not f)
                record_problem(stats, self.errors, "malformed", where,
                               f"the {empty} field is empty (every row needs "
                               f"{' and '.join(map(repr, columns))})")
                continue
            if self.skip_empty and not all(fields):
                stats.empty += 1
                continue
            stats.lines_yielded += 1
            yield fields[0] if single else tuple(fields)

    @staticmethod
    def _resolve(columns: list[int | str], names: list[str] | None, n_fields: int,
                 where: str) -> list[int]:
        indices = []
        for column in columns:
            if isinstance(column, str):
                if names is None:
                    raise InputError(f"column {column!r} is a name, but header=False; pass "
                                     "header=True or a column index", where=where)
                clean = [n.strip().lstrip("\ufeff") for n in names]
                if column not in clean:
                    raise InputError(f"no column named {column!r}; the header has {clean!r}",
                                     where=where)
                indices.append(clean.index(column))
            else:
                if not -n_fields <= int(column) < n_fields:
                    raise InputError(f"column index {column} is out of range: the rows have "
                                     f"{n_fields} fields (indices 0..{n_fields - 1})", where=where)
                indices.append(int(column) % n_fields)
        return indices

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r}, column={self.column!r})"
