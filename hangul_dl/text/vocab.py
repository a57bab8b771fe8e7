"""Vocabulary: tokens ⇄ integer IDs, with counts, special tokens and a readable file format.

The bridge between the Korean front end and the models (book ch.2-3 ``preprocess``:
``word_to_id`` / ``id_to_word``)::

    >>> vocab = Vocabulary(min_count=1).fit([["나", "는", "학생", "이다"], ["너", "는", "학생"]])
    >>> vocab.encode(["나", "는", "선생님"])          # unknown -> <unk> (id 1)
    array([6, 4, 1], dtype=int32)
    >>> vocab.decode([6, 4, 1])
    ['나', '는', '<unk>']

IDs
    The special tokens come first and keep fixed IDs: ``<pad>`` = 0, ``<unk>`` = 1, ``<bos>`` = 2,
    ``<eos>`` = 3 (their names can be changed with ``specials``; extra specials such as
    ``"<mask>"`` follow at 4, 5, ...). Ordinary tokens follow, ordered by **count, descending;
    ties keep the order in which the tokens were first seen** in ``fit`` (the order of
    :meth:`collections.Counter.most_common`, and of gensim). The same data in the same order
    always gives the same vocabulary. IDs are ``int32``.

Counts
    ``counts_`` (``int64``, aligned with IDs) is the frequency of each token in the data given
    to ``fit``, so that ``np.bincount(ids, minlength=len(vocab))`` of the same corpus encoded with
    ``<eos>`` after each sentence equals ``counts_``: the ``<unk>`` count is the total count of
    the tokens dropped by ``min_count``/``max_size``, the ``<eos>`` count is the number of
    sequences, and ``<pad>``/``<bos>`` count 0 unless the data spells them literally. word2vec's
    negative sampler and subsampling read these counts.

Literal specials
    A token whose text equals a special (say the text contains ``<unk>``) is that special: it
    encodes to the special's ID. Choose other names with ``specials=`` if your text has them.

File format (``vocab.txt``, UTF-8, one token per line, readable and editable)::

    #hangul_dl-vocab\tversion=1\tspecials=4\tmin_count=1\tmax_size=None
    <pad>\t0
    <unk>\t0
    <bos>\t0
    <eos>\t2
    는\t2
    ...

The line number minus one is the ID. Backslash, tab, newline and carriage return inside a token
are written as ``\\\\``, ``\\t``, ``\\n``, ``\\r``. A corrupted, truncated or foreign file raises
:class:`~hangul_dl.errors.FormatError` naming ``file:line``.
The file must agree with what it is loaded for: :meth:`Vocabulary.load` checks the header's
``specials``, ``min_count`` and ``max_size`` and the special tokens and their IDs against
``manifest.json``, and :meth:`Vocabulary.load_txt` the specials against the expected ones
(``<pad> <unk> <bos> <eos>`` unless told otherwise) — a file with ``specials=99`` or with two
specials swapped would silently give its IDs other meanings.

Speed (measured on a 2-core CPU, 3M tokens / 250k sentences of
:func:`hangul_dl.datasets.zipf_korean_corpus`, 336k types): ``fit`` counts with
:class:`collections.Counter` (its C counting loop) and ranks once (a stable ``argsort``):
about 1.2 s, 2.5M tokens/s; ``encode`` is one dict lookup per token: about 1.1 s for the 250k
sentences, 2.8M tokens/s. For a whole corpus, :meth:`hangul_dl.text.ids.IdSequences.encode`
(what :class:`~hangul_dl.text.encoder.TextEncoder` uses) fits and encodes in one batched pass:
one dict lookup per token in a C ``map`` over a chunk, no Python call per sentence, then
:meth:`Vocabulary.fit_counts` (review-shaped 508k tokens: 0.4 s CPU for fit + IDs, where
``fit`` + ``transform`` took 1.1 s).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_cpu
from ..errors import FormatError, InputError, ShapeError
from ..io import atomic_open, escape_field, unescape_field
from ..stage import Stage

__all__ = ["DEFAULT_SPECIALS", "VOCAB_FILE", "VOCAB_VERSION", "Vocabulary"]

logger = logging.getLogger(__name__)

#: ``<pad>`` = 0, ``<unk>`` = 1, ``<bos>`` = 2, ``<eos>`` = 3.
DEFAULT_SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
VOCAB_FILE = "vocab.txt"
VOCAB_VERSION = 1
_MAGIC = "#hangul_dl-vocab"


class Vocabulary(Stage):
    """Map tokens to ``int32`` IDs and back; see the module docstring for order and format.

    Parameters
    ----------
    min_count : int
        Tokens seen fewer times than this are left out (they encode to ``<unk>``).
    max_size : int or None
        Largest vocabulary size, **specials included** (``len(vocab) <= max_size``); the most
        frequent tokens are kept. ``None``: no limit.
    specials : sequence of str
        Special tokens, in ID order. The first four play the roles pad, unk, bos, eos
        (whatever their names); further entries are extra specials that get the next IDs.

    Learned attributes: ``id_to_token_`` (list), ``token_to_id_`` (dict), ``counts_``
    (``int64`` array aligned with the IDs), ``n_sequences_`` and ``n_tokens_`` (what ``fit`` saw).
    """

    step_name = "vocab"

    def __init__(self, min_count: int = 1, max_size: int | None = None,
                 specials: Sequence[str] = DEFAULT_SPECIALS):
        self.min_count = min_count
        self.max_size = max_size
        self.specials = specials

    # -- fitting -------------------------------------------------------------------------
    def _checked_params(self) -> tuple[int, int | None, tuple[str, ...]]:
        min_count, max_size, specials = self.min_count, self.max_size, self.specials
        if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) \
                or min_count < 1:
            raise InputError(f"min_count must be an integer >= 1, got {min_count!r}")
        if isinstance(specials, str) or not isinstance(specials, Iterable):
            raise InputError(f"specials must be a sequence of strings such as {DEFAULT_SPECIALS}, "
                             f"got {specials!r}")
        specials = tuple(specials)
        if len(specials) < 4 or not all(isinstance(s, str) and s for s in specials):
            raise InputError("specials must hold at least 4 non-empty strings (pad, unk, bos, eos "
                             f"in this order), got {specials!r}")
        if len(set(specials)) != len(specials):
            raise InputError(f"specials must be distinct, got {specials!r}")
        if max_size is not None and (isinstance(max_size, bool)
                                     or not isinstance(max_size, (int, np.integer))
                                     or max_size < len(specials)):
            raise InputError(f"max_size counts the {len(specials)} specials too, so it must be "
                             f"None or an integer >= {len(specials)}; got {max_size!r}")
        return int(min_count), None if max_size is None else int(max_size), specials

    def fit(self, data: Iterable[Sequence[str]]) -> Vocabulary:
        """Count the tokens of ``data`` (an iterable of token lists, read once) and build the IDs.

        ``data`` is streamed: only the counts are kept in memory. A plain string in place of a
        token list is refused (it would be counted character by character).
        """
        self._checked_params()  # bad settings are refused before anything is counted
        counter: Counter[str] = Counter()
        update = counter.update
        n_sequences = 0
        for tokens in data:
            if isinstance(tokens, str):
                raise InputError(
                    f"fit expects token lists, got the string {tokens[:30]!r} in sequence "
                    f"{n_sequences}; tokenize first, e.g. fit(tok.pipe(lines)) or "
                    "fit(line.split() for line in lines)")
            update(tokens)
            n_sequences += 1
        return self.fit_counts(list(counter), list(counter.values()), n_sequences)

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], n_sequences: int = 0,
                    **params: Any) -> Vocabulary:
        """Build a vocabulary from ready counts ``{token: count}`` (e.g. merged from shards).

        Ties are broken by the mapping's iteration order.
        """
        return cls(**params).fit_counts(list(counts), list(counts.values()), n_sequences)

    def fit_counts(self, types: Sequence[str], counts: Any, n_sequences: int = 0) -> Vocabulary:
        """Build the IDs from ready counts: ``types[i]`` was seen ``counts[i]`` times in
        ``n_sequences`` sequences; ties keep the order of ``types`` (give them in first-seen
        order for the IDs :meth:`fit` gives). Returns ``self``.

        The batched path of :meth:`hangul_dl.text.ids.IdSequences.encode` counts with
        ``np.bincount`` and fits through here; the ranking is one stable ``argsort``.
        """
        params = self._checked_params()
        types = list(types)
        counts = np.asarray(counts, dtype=np.int64).reshape(-1)
        if counts.shape[0] != len(types):
            raise ShapeError(f"fit_counts: {len(types)} types but {counts.shape[0]} counts")
        specials = params[2]
        at = _positions_of(types, specials)  # literal specials in the data
        special_counts = [0] * len(specials)
        if at:
            for i in at:
                special_counts[specials.index(types[i])] += int(counts[i])
            drop = np.zeros(len(types), dtype=bool)
            drop[at] = True
            types = [t for t, d in zip(types, drop.tolist(), strict=True) if not d]
            counts = counts[~drop]
        self._build(types, counts, special_counts, int(n_sequences), *params)
        return self

    def _build(self, types: list[str], counts: np.ndarray, special_counts: list[int],
               n_sequences: int, min_count: int, max_size: int | None,
               specials: tuple[str, ...]) -> None:
        """IDs from the ordinary ``types`` and their ``counts`` (specials counted apart)."""
        n_tokens = int(counts.sum()) + sum(special_counts)
        special_counts[EOS_ID] += n_sequences
        # a stable sort: equal counts keep first-seen order (Counter preserves insertion)
        order = np.argsort(-counts, kind="stable")
        ranked = counts[order]
        keep = len(types)
        if min_count > 1:  # counts are sorted, so the kept ones are a prefix
            keep = int(np.count_nonzero(ranked >= min_count))
        if max_size is not None:
            keep = min(keep, max_size - len(specials))
        dropped = int(ranked[keep:].sum())
        special_counts[UNK_ID] += dropped
        self.id_to_token_ = [*specials, *map(types.__getitem__, order[:keep].tolist())]
        self.token_to_id_ = {t: i for i, t in enumerate(self.id_to_token_)}
        self.counts_ = np.concatenate([np.array(special_counts, dtype=np.int64), ranked[:keep]])
        self.n_sequences_ = int(n_sequences)
        self.n_tokens_ = int(n_tokens)
        logger.info("Vocabulary: %d types kept of %d (%d tokens in %d sequences; %d tokens "
                    "become %r)", keep, len(types), n_tokens, n_sequences, dropped,
                    specials[UNK_ID])

    # -- lookups -------------------------------------------------------------------------
    @property
    def token_to_id(self) -> dict[str, int]:
        """``{token: id}`` (do not modify)."""
        self.check_fitted()
        return self.token_to_id_

    @property
    def id_to_token(self) -> list[str]:
        """``[token of id 0, token of id 1, ...]`` (do not modify)."""
        self.check_fitted()
        return self.id_to_token_

    stoi = token_to_id
    itos = id_to_token

    @property
    def pad_id(self) -> int:
        return PAD_ID

    @property
    def unk_id(self) -> int:
        return UNK_ID

    @property
    def bos_id(self) -> int:
        return BOS_ID

    @property
    def eos_id(self) -> int:
        return EOS_ID

    @property
    def n_specials(self) -> int:
        """How many special tokens lead the vocabulary (IDs ``0 .. n_specials - 1``)."""
        return len(tuple(self.specials))

    def __len__(self) -> int:
        self.check_fitted()
        return len(self.id_to_token_)

    def __contains__(self, token: object) -> bool:
        self.check_fitted()
        return token in self.token_to_id_

    def __getitem__(self, token: str) -> int:
        """The ID of ``token``; an unknown token raises ``KeyError`` (``encode`` maps it to unk)."""
        self.check_fitted()
        try:
            return self.token_to_id_[token]
        except (KeyError, TypeError):
            raise KeyError(f"token {token!r} is not in the vocabulary ({len(self)} tokens); "
                           "use vocab.get(token) or vocab.encode([...]) to map unknown tokens "
                           "to <unk>") from None

    def get(self, token: str, default: int = UNK_ID) -> int:
        """The ID of ``token``, or ``default`` (the ``<unk>`` ID) when it is unknown."""
        self.check_fitted()
        return self.token_to_id_.get(token, default)

    def __iter__(self) -> Iterator[str]:
        """The tokens in ID order."""
        self.check_fitted()
        return iter(self.id_to_token_)

    def __repr__(self) -> str:
        base = super().__repr__()
        if not self.is_fitted:
            return base
        return f"{base} [{len(self)} tokens, {len(tuple(self.specials))} specials]"

    # -- encode / decode -----------------------------------------------------------------
    def encode(self, tokens: Sequence[str], add_bos: bool = False,
               add_eos: bool = False) -> np.ndarray:
        """Token list → 1-D ``int32`` IDs; unknown tokens become ``<unk>`` (ID 1).

        ``encode(["한국어", "를"], add_eos=True)`` → ``array([17, 5, 3])``.
        """
        self.check_fitted()
        if isinstance(tokens, str):
            raise InputError(f"encode expects a list of tokens, got the string {tokens[:30]!r}; "
                             "tokenize it first (e.g. tokenizer.tokenize(text) or text.split())")
        get = self.token_to_id_.get
        ids = [get(t, UNK_ID) for t in tokens]
        if add_bos:
            ids.insert(0, BOS_ID)
        if add_eos:
            ids.append(EOS_ID)
        return np.array(ids, dtype=np.int32)

    def transform(self, data: Iterable[Sequence[str]], add_bos: bool = False,
                  add_eos: bool = False) -> Iterator[np.ndarray]:
        """Stream: one ``int32`` array per token list of ``data`` (see :meth:`encode`)."""
        self.check_fitted()
        for tokens in data:
            yield self.encode(tokens, add_bos=add_bos, add_eos=add_eos)

    def decode(self, ids: Iterable[int] | np.ndarray, skip_specials: bool = False) -> list[str]:
        """IDs → tokens. ``skip_specials`` drops pad/bos/eos and extra specials (keeps ``<unk>``).

        An ID outside ``0 .. len(vocab) - 1`` raises :class:`InputError` naming its position.
        """
        self.check_fitted()
        arr = np.asarray(to_cpu(ids) if not isinstance(ids, (list, tuple)) else ids)
        if arr.size == 0:
            return []
        if arr.ndim != 1:
            raise ShapeError(f"decode expects a 1-D sequence of IDs, got shape {arr.shape}; "
                             "decode each row of a batch separately")
        if not np.issubdtype(arr.dtype, np.integer):
            raise InputError(f"decode expects integer IDs, got dtype {arr.dtype}")
        size = len(self.id_to_token_)
        bad = np.flatnonzero((arr < 0) | (arr >= size))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"ID {int(arr[i])} at position {i} is outside the vocabulary "
                             f"(valid IDs: 0..{size - 1}; {bad.size} bad IDs in all); were these "
                             "IDs made with another vocabulary?")
        itos = self.id_to_token_
        if skip_specials:
            n_spec = len(tuple(self.specials))
            return [itos[i] for i in arr.tolist() if i >= n_spec or i == UNK_ID]
        return [itos[i] for i in arr.tolist()]

    # -- files ---------------------------------------------------------------------------
    def save_txt(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as one readable UTF-8 text file (atomic); see the module doc."""
        self.check_fitted()
        path = Path(path)
        n_spec = len(tuple(self.specials))
        header = (f"{_MAGIC}\tversion={VOCAB_VERSION}\tspecials={n_spec}"
                  f"\tmin_count={self.min_count}\tmax_size={self.max_size}"
                  f"\tn_sequences={self.n_sequences_}\tn_tokens={self.n_tokens_}\n")
        with atomic_open(path, "w") as f:
            f.write(header)
            f.writelines(f"{escape_field(t)}\t{c}\n"
                         for t, c in zip(self.id_to_token_, self.counts_.tolist(), strict=True))
        return path

    @classmethod
    def load_txt(cls, path: str | os.PathLike,
                 specials: Sequence[str] | None = DEFAULT_SPECIALS) -> Vocabulary:
        """Read a file written by :meth:`save_txt`; problems raise FormatError with file:line.

        ``specials``: the special tokens the file must start with, in ID order (by default
        ``<pad> <unk> <bos> <eos>``, what every hangul_dl model builds); a file declaring
        another number of specials, or others, or in another order, is refused — its IDs would
        mean something else. ``None`` accepts the specials the file declares.
        """
        path = Path(path)
        header, tokens, counts = _read_vocab_file(path, specials)
        max_size = header.get("max_size", "None")
        try:
            vocab = cls(min_count=int(header.get("min_count", "1")),
                        max_size=None if max_size == "None" else int(max_size),
                        specials=tuple(tokens[:header["specials"]]))
        except ValueError:
            raise FormatError(f"{path}:1: bad min_count/max_size in the header") from None
        vocab._set_state(tokens, counts, header)
        return vocab

    def _set_state(self, tokens: list[str], counts: list[int], header: dict[str, Any]) -> None:
        self.id_to_token_ = tokens
        self.token_to_id_ = {t: i for i, t in enumerate(tokens)}
        self.counts_ = np.array(counts, dtype=np.int64)
        try:
            self.n_sequences_ = int(header.get("n_sequences", 0))
            self.n_tokens_ = int(header.get("n_tokens", 0))
        except ValueError:
            raise FormatError(f"bad n_sequences/n_tokens in the vocabulary header {header!r}"
                              ) from None

    def _config(self) -> dict[str, Any]:
        return {"min_count": int(self.min_count),
                "max_size": None if self.max_size is None else int(self.max_size),
                "specials": list(self.specials)}

    def _save_state(self, directory: Path) -> None:
        self.save_txt(directory / VOCAB_FILE)

    def _load_state(self, directory: Path) -> None:
        path = directory / VOCAB_FILE
        min_count, max_size, self.specials = self._checked_params()  # the manifest's values
        header, tokens, counts = _read_vocab_file(path, self.specials)
        for key, value in (("min_count", min_count), ("max_size", max_size)):
            if key in header and header[key] != str(value):
                raise FormatError(f"{path}:1: {key}={header[key]} in the header, but "
                                  f"{key}={value} in manifest.json; the files do not belong "
                                  "together")
        if max_size is not None and len(tokens) > max_size:
            raise FormatError(f"{path}:{max_size + 2}: {len(tokens):,} tokens, but manifest.json "
                              f"says max_size={max_size}; the files do not belong together")
        self._set_state(tokens, counts, header)


def _positions_of(types: list[str], wanted: Sequence[str]) -> list[int]:
    """Positions of the ``wanted`` strings in ``types`` (each at most once there), sorted."""
    found = []
    for t in wanted:
        try:
            found.append(types.index(t))  # a C scan: no dict of all types needed
        except ValueError:
            pass
    return sorted(found)


def _read_vocab_file(path: Path, specials: Sequence[str] | None = None
                     ) -> tuple[dict[str, Any], list[str], list[int]]:
    """Parse and check a vocab.txt; return (header fields, tokens, counts).

    With ``specials``, the file must declare exactly those special tokens, in that order.
    """
    if not path.is_file():
        raise FormatError(f"{path}: vocabulary file not found; expected a file written by "
                          "Vocabulary.save_txt (or a directory from Vocabulary.save)")
    tokens: list[str] = []
    counts: list[int] = []
    seen: dict[str, int] = {}
    header: dict[str, Any] = {}
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"{where}: not valid UTF-8 ({exc.reason} at byte "
                                  f"{exc.start}); the vocabulary file is corrupted") from None
            if not line.endswith("\n"):
                raise FormatError(f"{where}: last line has no newline; the file is truncated. "
                                  "Save the vocabulary again")
            line = line[:-1]
            if lineno == 1:
                header = _parse_header(line.lstrip("\ufeff"), where)
                continue
            token, sep, count = line.rpartition("\t")
            if not sep:
                raise FormatError(f"{where}: expected 'token<TAB>count', found {line[:50]!r}")
            token = unescape_field(token, where)
            if not count.isascii() or not count.isdigit():
                raise FormatError(f"{where}: count must be a non-negative integer, found "
                                  f"{count[:20]!r} (token {token!r})")
            if token in seen:
                raise FormatError(f"{where}: token {token!r} appears twice (first on line "
                                  f"{seen[token]}); every token must be unique")
            seen[token] = lineno
            tokens.append(token)
            counts.append(int(count))
    if not header:
        raise FormatError(f"{path}: empty file; expected a hangul_dl vocabulary")
    if specials is not None:
        _check_specials(path, header["specials"], tokens, tuple(specials))
    if len(tokens) < header["specials"]:
        raise FormatError(f"{path}: the header announces {header['specials']} specials but only "
                          f"{len(tokens)} tokens follow; the file is truncated")
    return header, tokens, counts


def _check_specials(path: Path, declared: int, tokens: list[str],
                    specials: tuple[str, ...]) -> None:
    """The file's specials must be ``specials``: same number (header), same tokens, same IDs."""
    if declared != len(specials):
        raise FormatError(f"{path}:1: the header declares specials={declared}, expected "
                          f"{len(specials)} ({' '.join(specials)}); the file does not belong to "
                          "this model (its IDs would mean other tokens)")
    for i, (found, expected) in enumerate(zip(tokens, specials)):
        if found != expected:
            raise FormatError(f"{path}:{i + 2}: ID {i} is {found!r}, expected the special "
                              f"{expected!r}; the specials are missing or out of order "
                              f"(expected {' '.join(specials)})")


def _parse_header(line: str, where: str) -> dict[str, Any]:
    fields = line.split("\t")
    if fields[0] != _MAGIC:
        raise FormatError(f"{where}: expected the header {_MAGIC!r}, found {line[:40]!r}; this "
                          "is not a hangul_dl vocabulary file (one token<TAB>count per line "
                          "after that header)")
    header: dict[str, Any] = {}
    for field in fields[1:]:
        key, sep, value = field.partition("=")
        if not sep:
            raise FormatError(f"{where}: bad header field {field!r}; expected key=value")
        header[key] = value
    try:
        version = int(header.get("version", ""))
        header["specials"] = int(header.get("specials", ""))
    except ValueError:
        raise FormatError(f"{where}: header needs integer 'version' and 'specials' fields, "
                          f"found {line!r}") from None
    if version > VOCAB_VERSION or version < 1:
        raise FormatError(f"{where}: vocabulary format version {version}; this hangul_dl reads "
                          f"versions 1..{VOCAB_VERSION}. Upgrade: pip install -U hangul-dl")
    if header["specials"] < 4:
        raise FormatError(f"{where}: 'specials' must be >= 4 (pad, unk, bos, eos), "
                          f"found {header['specials']}")
    return header
