"""The word list (``vocab.txt``) saved beside word vectors in our directory format.

A ``#hangul_dl-wordvectors`` header line, then one ``word<TAB>count`` line per vector row
(count ``-1`` when unknown), UTF-8; backslash, tab, newline and carriage return inside a word are
written ``\\\\ \\t \\n \\r``. A corrupted or truncated file raises
:class:`~hangul_dl.errors.FormatError` naming ``file:line``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..io import atomic_open, escape_field, unescape_field

__all__ = ["read_word_list", "write_word_list"]

_MAGIC = "#hangul_dl-wordvectors"


def write_word_list(path: Path, words: Sequence[str], counts: Any = None) -> None:
    """Write the word list atomically (``counts``: (V,) ints or None)."""
    counts = counts.tolist() if counts is not None else [-1] * len(words)
    with atomic_open(path, "w") as f:
        f.write(f"{_MAGIC}\tversion=1\tsize={len(words)}\n")
        f.writelines(f"{escape_field(w)}\t{c}\n" for w, c in zip(words, counts, strict=True))


def read_word_list(path: Path) -> list[str]:
    """The words of a file written by :func:`write_word_list`, in row order."""
    if not path.is_file():
        raise FormatError(f"{path}: missing; expected the word list written with the vectors")
    words: list[str] = []
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"{where}: not valid UTF-8 ({exc.reason}); the file is corrupted"
                                  ) from None
            if not line.endswith("\n"):
                raise FormatError(f"{where}: no newline at the end; the file is truncated")
            line = line[:-1]
            if lineno == 1:
                if not line.startswith(_MAGIC):
                    raise FormatError(f"{where}: expected the header {_MAGIC!r}, found "
                                      f"{line[:40]!r}; not a hangul_dl word list")
                continue
            word, sep, _count = line.rpartition("\t")
            if not sep or not word:
                raise FormatError(f"{where}: expected 'word<TAB>count', found {line[:50]!r}")
            words.append(unescape_field(word, where))
    return words
