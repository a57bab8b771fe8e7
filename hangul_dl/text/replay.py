"""The replay store: a stream written to disk once and read back as often as a fit needs.

"Tokenize once, read many": a model reads its training data once per epoch, but the steps
before it (a tagger above all) should run once. Every store of that kind in the package is this
one, in one of three forms chosen by what the stream holds (its first item):

- **token lists** → ``tokens.txt``, one line per item, the tokens joined by single spaces (the
  token cache's and the batch jobs' format; an empty list is an empty line);
- **integer ID arrays** → an :class:`~hangul_dl.text.ids.IdSequences` folder (memory-mapped,
  read without a per-item Python loop);
- anything else JSON can hold (texts, ``(label, text)`` rows and pairs, which are tuples) →
  ``items.jsonl`` (tuples come back as tuples, arrays as arrays).

Who uses it: :class:`~hangul_dl.pipeline.Pipeline` (the input of every fitted step that is not
cheap to read twice), :func:`~hangul_dl.recipes.run_recipe` (the preprocessed corpus its models
share) and :class:`~hangul_dl.text.encoder.TextEncoder` (its tokens, beside the IDs).

    >>> seen = Replay(step.transform(texts), "spool/03")   # nothing is read yet
    >>> for epoch in range(5):
    ...     for ids in seen: ...                           # the first pass writes, every pass reads
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .ids import IdSequences

__all__ = ["Replay", "read_token_lines", "write_token_lines"]

TOKENS_FILE = "tokens.txt"
ITEMS_FILE = "items.jsonl"


def write_token_lines(path: str | os.PathLike, token_lists: Iterable[Sequence[str]]) -> int:
    """Write token lists one per line (tokens joined by a space); returns the number of lines.

    A token must be a non-empty string without a space or line break (tokens are the pieces
    between spaces); another raises :class:`InputError` naming the sentence."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for n, tokens in enumerate(token_lists, start=1):
            try:
                line = " ".join(tokens)
            except TypeError:
                line = None
            if line is None or "\n" in line or "" in tokens or (
                    tokens and line.count(" ") != len(tokens) - 1):
                bad = next((t for t in tokens if not isinstance(t, str) or not t or " " in t
                            or "\n" in t), tokens)
                raise InputError(f"sentence {n - 1}: token {bad!r} is empty, not text or holds "
                                 "white space; tokens are the pieces between spaces")
            out.write(line + "\n")
    return n


def read_token_lines(path: str | os.PathLike) -> Iterator[list[str]]:
    """Stream the token lists of a :func:`write_token_lines` file (one per line)."""
    with open(path, encoding="utf-8", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n")
            yield line.split(" ") if line else []


def _is_ids(item: Any) -> bool:
    return isinstance(item, np.ndarray) and item.ndim == 1 and item.dtype.kind in "iu"


def _is_tokens(item: Any) -> bool:
    """A token list: a list of strings without spaces (a tuple is a row, e.g. ``(label, text)``)."""
    return (isinstance(item, list) and bool(item)
            and all(isinstance(t, str) and t and " " not in t and "\n" not in t for t in item))


def _to_json(n: int, item: Any) -> str:
    if isinstance(item, np.ndarray):
        item = {"array": item.tolist(), "dtype": str(item.dtype)}
    elif isinstance(item, tuple):  # rows and pairs come back as tuples
        item = {"tuple": list(item)}
    try:
        return json.dumps(item, ensure_ascii=False)
    except (TypeError, ValueError):
        raise InputError(f"item {n} is a {type(item).__name__}; a step's output is kept on disk "
                         "between passes, so it must be text, token lists, ID arrays or "
                         "JSON values") from None


def _from_json(line: str) -> Any:
    value = json.loads(line)
    if isinstance(value, dict) and set(value) == {"array", "dtype"}:
        return np.asarray(value["array"], dtype=value["dtype"])
    if isinstance(value, dict) and set(value) == {"tuple"}:
        return tuple(value["tuple"])
    return value


class Replay:
    """Items of ``items`` kept in ``directory`` on the first pass, read from there on every pass.

    The first iteration consumes ``items`` completely (so a tagger runs once), then every
    iteration reads the store. Memory stays bounded: nothing is held in a list. Empty
    token lists may appear anywhere; the form is chosen by the first non-empty item.
    """

    def __init__(self, items: Iterable[Any], directory: str | os.PathLike):
        self.items = items
        self.directory = Path(directory)
        self.form: str | None = None  # "tokens", "ids" or "json" once written
        self._ids: IdSequences | None = None

    @classmethod
    def write(cls, items: Iterable[Any], directory: str | os.PathLike) -> Replay:
        """Write ``items`` now; returns the store (re-iterable, and a ``Sequence`` of IDs as
        :attr:`ids` when it holds ID arrays)."""
        store = cls(items, directory)
        store._write()
        return store

    @classmethod
    def of_token_file(cls, path: str | os.PathLike) -> Replay:
        """A store over a token-lines file written elsewhere (a token cache entry): read on
        every pass, never written."""
        store = cls((), Path(path).parent)
        store.form, store._tokens_file, store._n = "tokens", Path(path), None  # counted on demand
        return store

    @property
    def ids(self) -> IdSequences | None:
        """The memory-mapped :class:`IdSequences` when the store holds ID arrays."""
        return self._ids

    def __iter__(self) -> Iterator[Any]:
        if self.form is None:
            self._write()
        if self.form == "ids":
            yield from self._ids
        elif self.form == "tokens":
            yield from read_token_lines(self._tokens_file)
        else:
            with open(self.directory / ITEMS_FILE, encoding="utf-8") as f:
                for line in f:
                    yield _from_json(line)

    def __len__(self) -> int:
        if self.form is None:
            self._write()
        if self._n is None:  # a token file written elsewhere
            with open(self._tokens_file, "rb") as f:
                self._n = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
        return self._n

    def _write(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        items = iter(self.items)
        head: list[Any] = []
        for item in items:  # empty token lists or arrays say nothing about the form
            head.append(item)
            if not (isinstance(item, (list, tuple, np.ndarray)) and len(item) == 0):
                break
        first = head[-1] if head else None
        rest = _chain(head, items)
        if _is_ids(first):
            self._ids = IdSequences.write(self.directory, rest)
            self.form, self._n = "ids", len(self._ids)
        elif _is_tokens(first):
            self._tokens_file = self.directory / TOKENS_FILE
            self.form, self._n = "tokens", write_token_lines(self._tokens_file,
                                                             _token_lists(rest))
        else:
            n = 0
            with open(self.directory / ITEMS_FILE, "w", encoding="utf-8", newline="\n") as out:
                for n, item in enumerate(rest, start=1):
                    out.write(_to_json(n - 1, item) + "\n")
            self.form, self._n = "json", n
        self.items = ()  # the upstream is not read again

    def __repr__(self) -> str:
        state = f"{len(self):,} items as {self.form}" if self.form else "not written yet"
        return f"Replay({state}, {self.directory})"


def _chain(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


def _token_lists(items: Iterable[Any]) -> Iterator[Sequence[str]]:
    for n, item in enumerate(items):
        if not isinstance(item, list):
            raise InputError(f"item {n} is a {type(item).__name__}, but the first items were "
                             "token lists; a step must give token lists for every item")
        yield item
