"""(source, target) sentence pairs for translation (book ch.7-8): from lists, aligned files or TSV.

:func:`read_pairs` is what :class:`~hangul_dl.seq2seq.translator.Translator` calls on its
training and validation data; every problem is reported with its place (``file:line`` for files)
and nothing is dropped silently.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["read_pair_files", "read_pairs"]


def read_pairs(data: Any, what: str = "training") -> list[tuple[str, str]]:
    """``(source, target)`` string pairs from a list of pairs, a corpus reader yielding pairs
    (:class:`~hangul_dl.text.corpus.ParallelCorpus`, ``ParallelCorpus.from_table``) or the path
    of a two-column TSV file.

    A malformed pair or an empty side raises :class:`InputError` naming the pair (for files:
    ``file:line``). To skip and count such lines instead, pass a reader built with
    ``errors="skip", skip_empty=True``; its ``stats`` then hold the counts.
    """
    from ..text.corpus import ParallelCorpus, TableCorpus

    if isinstance(data, (str, os.PathLike)):
        if not Path(data).is_file():
            raise InputError(f"no such file: {str(data)!r}; expected a two-column TSV "
                             "(source<TAB>target per line) or a list of (source, target) pairs")
        data = ParallelCorpus.from_table(data, skip_empty=False)

    def where(i: int) -> str:
        if isinstance(data, ParallelCorpus):
            line = data.stats.lines_read // 2  # both files are read in step
            return f"{data.src}:{line} / {data.tgt}:{line}"
        if isinstance(data, TableCorpus) and len(data.files()) == 1:
            return f"{data.files()[0]}:{data.stats.lines_read}"
        return f"{what} pair {i}"

    pairs = []
    for i, pair in enumerate(data):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and all(isinstance(s, str) for s in pair)):
            raise InputError(f"expected a (source, target) pair of strings, got {pair!r}",
                             where=where(i))
        src, tgt = pair[0].strip(), pair[1].strip()
        if not src or not tgt:
            side = "source" if not src else "target"
            raise InputError(f"empty {side} ({pair!r}); every line needs a source and its "
                             "translation. Remove the line, or skip and count such lines "
                             "(CLI: --skip-bad-lines; API: a reader with errors='skip', "
                             "skip_empty=True)", where=where(i))
        pairs.append((src, tgt))
    if not pairs:
        raise InputError(f"no {what} pairs: the data is empty")
    return pairs


def read_pair_files(src: str | os.PathLike | None = None, tgt: str | os.PathLike | None = None,
                    tsv: str | os.PathLike | None = None, what: str = "training",
                    skip_bad: bool = False) -> tuple[list[tuple[str, str]], Any] | None:
    """Pairs from aligned files (``src`` + ``tgt``) or a two-column ``tsv``, with the reader's
    ``stats`` (lines read, skipped, empty); ``None`` when no file is given.

    ``skip_bad``: bad lines (invalid UTF-8, an empty side) are skipped and counted instead of
    raising; the reader logs each one with its ``file:line``.
    """
    from ..text.corpus import ParallelCorpus

    if tsv and (src or tgt):
        raise InputError(f"{what}: give either a TSV file or --src/--tgt files, not both")
    if not tsv and not (src and tgt):
        if src or tgt:
            raise InputError(f"{what}: --src and --tgt go together (line i of one translates "
                             "line i of the other)")
        return None
    options: dict[str, Any] = {"errors": "skip" if skip_bad else "raise", "skip_empty": skip_bad}
    corpus = (ParallelCorpus.from_table(tsv, **options) if tsv
              else ParallelCorpus(src, tgt, **options))
    return read_pairs(corpus, what), corpus.stats
