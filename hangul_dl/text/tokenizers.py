"""Tokenizers: Korean text -> tokens that remember where the words (eojeols) were.

One protocol for every tokenizer (a :class:`~hangul_dl.stage.Stage` that learns nothing)::

    tokenize(text) -> list[str]            tokenize_batch(texts) -> list[list[str]]
    detokenize(tokens) -> str              pipe(texts, batch_size=256, n_jobs=1) -> iterator

Implementations: :class:`KonlpyTokenizer` (Okt, Komoran, Kkma, Hannanum, Mecab morphemes),
:class:`CharTokenizer`, :class:`JamoTokenizer` and :class:`WhitespaceTokenizer`;
:func:`get_tokenizer` builds one from a name (``"okt"``, ``"char"``, ``"okt:pos=true"``).

**Round trip.** The first token of every eojeol carries the marker ``▁`` (U+2581, as in
SentencePiece), so ``detokenize(tokenize(s)) == tokenizer.normalize_text(s)`` (the
:class:`~hangul_dl.text.normalize.Normalizer` output) for surface-preserving settings::

    >>> tok = KonlpyTokenizer("okt")
    >>> tok.tokenize("아버지가방에 들어가신다 ㅋㅋ")
    ['▁아버지', '가방', '에', '▁들어가신다', '▁ㅋㅋ']
    >>> tok.detokenize(_)
    '아버지가방에 들어가신다 ㅋㅋ'

A literal ``▁`` in the text is escaped by doubling it (``▁▁``): a token that starts with an odd
run of markers begins a word, and ``▁▁`` inside a token is one literal ``▁``.

The tagger's output is *aligned* to the normalized text: characters a tagger drops or rewrites
come back as extra tokens (tag ``Unknown``), so the round trip holds even when the tagger
misbehaves. Settings that rewrite morphemes cannot round-trip: Kkma, Komoran and Hannanum
(``들어가신다`` -> ``들어가``, ``시``, ``ㄴ다``), Okt with ``stem=True`` or ``norm=True``, any
``keep_pos`` filter and ``markers=False``. For them :attr:`Tokenizer.round_trips` is False and
``detokenize`` does its best (it glues jamo endings back: ``시`` + ``ㄴ다`` -> ``신다``).
``pos=True`` (``"▁아버지/Noun"``) round-trips whenever the plain setting does.

**Batches and time limits.** ``pipe(texts, n_jobs=N)`` tokenizes in N worker processes (spawned,
each with its own JVM), keeps the input order and holds at most ``2 * N`` chunks in flight.
Java calls cannot be interrupted from Python, so the per-item time limit ``timeout`` is enforced
on worker processes: a stuck item gets its worker killed and restarted, and the item is
tokenized character by character (``on_timeout="fallback"``, logged and counted in
:attr:`Tokenizer.stats_`) or raises :class:`~hangul_dl.errors.TokenizerError`
(``on_timeout="raise"``). Long inputs are cut into pieces of at most ``max_chars`` at sentence
ends or spaces (a hard cut as a last resort) before they reach the tagger.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from ..errors import InputError, JVMError, TokenizerError
from ..progress import progress
from ..stage import Stage
from .hangul import compose_compat, compose_jamo, decompose_text, to_compat_jamo
from .normalize import Normalizer
from .workers import WorkerPool

__all__ = ["MARKER", "CharTokenizer", "JamoTokenizer", "KonlpyTokenizer", "Tokenizer",
           "WhitespaceTokenizer", "detokenize", "get_tokenizer"]

logger = logging.getLogger(__name__)

MARKER = "\u2581"  # ▁ LOWER ONE EIGHTH BLOCK, SentencePiece's word-boundary mark
_DOUBLE = MARKER * 2
UNKNOWN_TAG = "Unknown"  # tag of text the tagger dropped or never saw
_SENTENCE_END = re.compile(r"[.!?。…]+[\"')\]」』]*(?= )")


def _escape(surface: str) -> str:
    return surface.replace(MARKER, _DOUBLE) if MARKER in surface else surface


def _unmark(token: str) -> tuple[bool, str]:
    """(starts a word?, surface) of one token."""
    starts = False
    if token.startswith(MARKER):
        run = len(token) - len(token.lstrip(MARKER))
        if run % 2:
            starts, token = True, token[1:]
    if MARKER in token:
        token = token.replace(_DOUBLE, MARKER)
    return starts, token


def detokenize(tokens: Iterable[str], pos: bool = False, recompose: bool = False) -> str:
    """Join marked tokens back into text: a word-initial ``▁`` becomes a space.

    ``pos=True`` strips the ``/TAG`` suffix of each token. ``recompose=True`` glues jamo
    endings onto the previous syllable (``들어가``, ``시``, ``ㄴ다`` -> ``들어가신다``). Tokens
    without any marker are simply concatenated.
    """
    parts: list[str] = []
    for token in tokens:
        if pos and "/" in token:
            token = token.rsplit("/", 1)[0]
        starts, surface = _unmark(token)
        if starts and parts:
            parts.append(" ")
        parts.append(surface)
    text = "".join(parts)
    if recompose:
        text = " ".join(compose_compat(word) for word in text.split(" "))
    return text


def _batched(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class Tokenizer(Stage):
    """Base class: the shared protocol, normalization, markers and batch processing.

    Subclasses implement :meth:`_tokenize_words` (normalized text -> tokens). ``stats_`` counts
    ``items``, ``fallbacks`` (items tokenized character by character after a timeout or a
    tagger failure) and ``tagger_errors``.
    """

    step_name = "tokenize"

    requires_fit = False
    #: True when ``detokenize(tokenize(s)) == normalize_text(s)`` for every ``s``.
    round_trips: ClassVar[bool] = True

    # -- normalization -----------------------------------------------------------------------
    def _normalizer(self) -> Normalizer | None:
        spec = getattr(self, "normalizer", True)
        cached = getattr(self, "_normalizer_cache", None)
        if cached is not None and cached[0] is spec:
            return cached[1]
        if spec is True:
            norm = Normalizer()
        elif spec is False or spec is None:
            norm = None
        elif isinstance(spec, Normalizer):
            norm = spec
        elif isinstance(spec, dict):
            norm = Normalizer(**spec)
        else:
            raise InputError(f"{type(self).__name__}(normalizer={spec!r}): expected True, False, "
                             "a Normalizer or a dict of Normalizer parameters")
        self._normalizer_cache = (spec, norm)
        return norm

    def normalize_text(self, text: str) -> str:
        """The text tokens refer to: normalized, whitespace collapsed to single spaces.

        This is what ``detokenize(tokenize(text))`` returns when :attr:`round_trips` is True.
        """
        if not isinstance(text, str):
            raise InputError(f"{type(self).__name__} expects str, got {type(text).__name__}"
                             + (" (decode bytes with .decode('utf-8'))"
                                if isinstance(text, bytes) else ""))
        norm = self._normalizer()
        if norm is not None:
            text = norm.normalize(text)
        return " ".join(text.split())

    # -- protocol ----------------------------------------------------------------------------
    @property
    def stats_(self) -> dict[str, int]:
        """Counters: ``items``, ``fallbacks``, ``tagger_errors`` (this process and its workers)."""
        if "_stats" not in vars(self):
            self._stats = collections.Counter(items=0, fallbacks=0, tagger_errors=0)
        return self._stats

    def tokenize(self, text: str) -> list[str]:
        """Tokens of one string, word-initial ones marked with ``▁``.

        >>> CharTokenizer().tokenize("한국 어")
        ['▁한', '국', '▁어']
        """
        text = self.normalize_text(text)
        self.stats_["items"] += 1
        if not text:
            return []
        return self._tokenize_words(text)

    def tokenize_batch(self, texts: Iterable[str]) -> list[list[str]]:
        """``[tokenize(t) for t in texts]`` (in this process; see :meth:`pipe` for workers)."""
        return [self.tokenize(t) for t in texts]

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Text from tokens; the exact inverse of :meth:`tokenize` when :attr:`round_trips`."""
        return detokenize(tokens)

    def _tokenize_words(self, text: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fallback(self, text: str) -> list[str]:
        """Character tokens of normalized ``text`` (what a timed-out item becomes)."""
        return _char_tokens(text, tag=UNKNOWN_TAG if getattr(self, "pos", False) else None)

    def transform(self, data: Iterable[str]) -> Iterator[list[str]]:
        """Stage API: same as :meth:`pipe` with default arguments."""
        return self.pipe(data)

    def pipe(self, texts: Iterable[str], batch_size: int = 256, n_jobs: int = 1,
             timeout: float | None = None, on_timeout: str = "fallback",
             quiet: bool = False) -> Iterator[list[str]]:
        """Tokenize a stream lazily, in input order: an iterator of token lists.

        ``n_jobs`` > 1 (or -1 for every core) runs that many spawned worker processes, each with
        its own tagger/JVM; at most ``2 * n_jobs`` chunks of ``batch_size`` texts are in flight,
        so memory stays bounded on any input size. ``timeout`` (seconds per item) runs the work
        in killable worker processes even when ``n_jobs == 1``; a timed-out item is tokenized
        character by character and counted in ``stats_["fallbacks"]``
        (``on_timeout="fallback"``) or raises :class:`TokenizerError` (``"raise"``). A progress
        bar is shown on a terminal unless ``quiet``.
        """
        if isinstance(texts, str):
            raise InputError("pipe() expects an iterable of strings, got one str; "
                             "use tokenize(text) for a single text")
        if on_timeout not in ("fallback", "raise"):
            raise InputError(f"on_timeout={on_timeout!r}: expected 'fallback' or 'raise'")
        if batch_size < 1:
            raise InputError(f"batch_size={batch_size!r}: expected a positive integer")
        n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
        if n_jobs < 1:
            raise InputError(f"n_jobs={n_jobs!r}: expected a positive integer or -1")
        total = len(texts) if hasattr(texts, "__len__") else None
        bar = progress(total, quiet, unit="text", desc="tokenize", leave=False)
        if n_jobs == 1 and timeout is None:
            stream = (self.tokenize_batch(batch) for batch in _batched(texts, batch_size))
        else:
            pool = vars(self).get("_pool")
            if pool is not None and pool.busy:  # a second pipe() running at the same time
                pool = WorkerPool(self, n_jobs, persistent=False)
            elif (pool is None or pool.n_jobs != n_jobs
                  or pool.spec[1:] != self._spec()):
                if pool is not None:
                    pool.close()
                pool = self._pool = WorkerPool(self, n_jobs)  # kept warm for later calls
            stream = pool.run(_batched(texts, batch_size), timeout, on_timeout)
        try:
            for batch in stream:
                yield from batch
                bar.update(len(batch))
        finally:
            bar.close()

    def close(self) -> None:
        """Stop the worker processes a previous ``pipe(n_jobs>1)`` kept warm (if any).

        Workers otherwise stay alive between ``pipe`` calls, so that their JVM start-up and
        JIT warm-up (several seconds each) is paid once; they also stop when Python exits.
        """
        pool = vars(self).pop("_pool", None)
        if pool is not None:
            pool.close()

    # -- persistence ---------------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        config = self.get_params()
        for key, value in config.items():
            if isinstance(value, Normalizer):
                config[key] = value.get_params()
            elif isinstance(value, (set, frozenset, tuple)):
                config[key] = sorted(value)
        return config

    def _spec(self) -> tuple[str, dict[str, Any]]:
        """(class name, JSON-able parameters): enough to rebuild this tokenizer elsewhere."""
        return type(self).__name__, self._config()


def _mark(pieces: Iterable[tuple[str, str | None, bool]], markers: bool = True) -> list[str]:
    """Tokens from (surface, tag or None, starts a word) triples."""
    out = []
    for surface, tag, starts in pieces:
        token = _escape(surface) if markers else surface
        if markers and starts:
            token = MARKER + token
        if tag is not None:
            token = f"{token}/{tag}"
        out.append(token)
    return out


def _char_tokens(text: str, tag: str | None = None) -> list[str]:
    pieces = []
    for word in text.split(" "):
        pieces.extend((ch, tag, i == 0) for i, ch in enumerate(word))
    return _mark(pieces)


class CharTokenizer(Tokenizer):
    """One token per character (code point); round-trips exactly.

    >>> CharTokenizer().tokenize("ㅋㅋ 좋아😀")
    ['▁ㅋ', 'ㅋ', '▁좋', '아', '😀']
    """

    def __init__(self, normalizer: bool | dict | Normalizer = True):
        self.normalizer = normalizer

    def _tokenize_words(self, text: str) -> list[str]:
        return _char_tokens(text)


class JamoTokenizer(Tokenizer):
    """One token per jamo: every syllable becomes its initial, medial and final jamo.

    With ``compat=False`` (default) tokens are conjoining jamo (U+1100..), which keep initial and
    final consonants apart, so the round trip is exact. ``compat=True`` gives the familiar
    compatibility jamo (ㄱ, ㅏ) for display; detokenizing those is a best guess
    (``round_trips`` False).

    >>> JamoTokenizer(compat=True).tokenize("한글")
    ['▁ㅎ', 'ㅏ', 'ㄴ', 'ㄱ', 'ㅡ', 'ㄹ']
    """

    def __init__(self, compat: bool = False, normalizer: bool | dict | Normalizer = True):
        self.compat = compat
        self.normalizer = normalizer

    @property
    def round_trips(self) -> bool:  # type: ignore[override]
        """False for ``compat=True`` (compatibility jamo are ambiguous)."""
        return not self.compat

    def _tokenize_words(self, text: str) -> list[str]:
        split = to_compat_jamo if self.compat else decompose_text
        pieces = []
        for word in text.split(" "):
            pieces.extend((ch, None, i == 0) for i, ch in enumerate(split(word)))
        return _mark(pieces)

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Join and compose the jamo back into syllables."""
        text = detokenize(tokens)
        return compose_compat(text) if self.compat else compose_jamo(text)


class WhitespaceTokenizer(Tokenizer):
    """Split on whitespace (for pre-tokenized corpora); every token starts a word.

    >>> WhitespaceTokenizer().tokenize("아버지 가 방 에")
    ['▁아버지', '▁가', '▁방', '▁에']
    """

    def __init__(self, normalizer: bool | dict | Normalizer = True):
        self.normalizer = normalizer

    def _tokenize_words(self, text: str) -> list[str]:
        return [MARKER + _escape(word) for word in text.split(" ")]


# -- KoNLPy ---------------------------------------------------------------------------------------

_BACKENDS = ("okt", "komoran", "kkma", "hannanum", "mecab")
_ALIASES = {"twitter": "okt"}
#: Backends that keep surfaces (tokens are substrings of the text) in their plain setting.
_SURFACE_BACKENDS = {"okt", "mecab"}
#: Backends that crash on characters outside the BMP (emoji): those are kept away from them.
_BMP_ONLY = {"komoran", "kkma", "hannanum"}
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]+")
#: Longest eojeol a backend is given; longer ones (ㄷㄷㄷ... x300) are kept whole as ``Unknown``
#: because Kkma's search explodes on them (minutes, then an OutOfMemoryError).
_MAX_WORD = {"kkma": 24, "komoran": 200, "hannanum": 200, "okt": 1000, "mecab": 1000}
_TAGGERS: dict[tuple, Any] = {}  # one tagger object per process and configuration


class KonlpyTokenizer(Tokenizer):
    """Morphemes from a KoNLPy tagger, aligned to the text (see the module docstring).

    Parameters
    ----------
    backend : "okt", "komoran", "kkma", "hannanum" or "mecab"
        The tagger. Mecab needs mecab-ko and its dictionary installed (``dicpath``).
    pos : bool
        Tokens as ``"morpheme/TAG"`` (``"▁아버지/Noun"``); the round trip still holds.
    stem, norm : bool
        Okt only: reduce verbs to their dictionary form / normalize spelling (not round-trip).
    keep_pos : collection of str or None
        Keep only morphemes with these tags, e.g. ``{"Noun", "Verb"}`` (not round-trip).
    markers : bool
        Prefix word-initial tokens with ``▁``; ``False`` gives bare morphemes (not round-trip).
    normalizer : True, False, dict or Normalizer
        Normalization applied first (True: ``Normalizer()`` defaults).
    max_chars : int
        Longer inputs reach the tagger in pieces of at most this many characters.
    heap : str or None
        JVM heap (``"1g"``); default ``$HANGUL_DL_JVM_HEAP`` or 1g.
    dicpath, userdic : str or None
        Mecab dictionary folder / Komoran user dictionary file.

    The tagger (and the JVM) start on the first tokenization, never in ``__init__``.
    """

    def __init__(self, backend: str = "okt", pos: bool = False, stem: bool = False,
                 norm: bool = False, keep_pos: Iterable[str] | None = None, markers: bool = True,
                 normalizer: bool | dict | Normalizer = True, max_chars: int = 1000,
                 heap: str | None = None, dicpath: str | None = None,
                 userdic: str | None = None):
        self.backend = backend
        self.pos = pos
        self.stem = stem
        self.norm = norm
        self.keep_pos = keep_pos
        self.markers = markers
        self.normalizer = normalizer
        self.max_chars = max_chars
        self.heap = heap
        self.dicpath = dicpath
        self.userdic = userdic

    @property
    def _backend(self) -> str:
        name = str(self.backend).lower()
        name = _ALIASES.get(name, name)
        if name not in _BACKENDS:
            raise InputError(f"unknown KoNLPy backend {self.backend!r}; "
                             f"expected one of {', '.join(_BACKENDS)}")
        return name

    @property
    def surface(self) -> bool:
        """True when the tagger's morphemes are substrings of the text (Okt without
        stem/norm, Mecab): tokens are then exact slices of the normalized text."""
        backend = self._backend
        if backend == "okt":
            return not (self.stem or self.norm)
        return backend in _SURFACE_BACKENDS

    @property
    def round_trips(self) -> bool:  # type: ignore[override]
        """True when ``detokenize(tokenize(s)) == normalize_text(s)`` is guaranteed."""
        return self.surface and self.markers and not self.keep_pos

    # -- the tagger ----------------------------------------------------------------------------
    def _tagger(self):
        backend = self._backend
        key = (backend, self.dicpath, self.userdic)
        tagger = _TAGGERS.get(key)
        if tagger is not None:
            return tagger
        if backend == "mecab":
            tagger = _make_mecab(self.dicpath)
        else:
            from .jvm import start_jvm

            start_jvm(self.heap)
            from konlpy import tag

            try:
                if backend == "okt":
                    tagger = tag.Okt()
                elif backend == "komoran":
                    tagger = tag.Komoran(userdic=self.userdic)
                elif backend == "kkma":
                    tagger = tag.Kkma()
                else:
                    tagger = tag.Hannanum()
            except JVMError:
                raise
            except Exception as exc:
                raise TokenizerError(f"could not create the KoNLPy {backend!r} tagger: "
                                     f"{type(exc).__name__}: {exc}") from exc
        _TAGGERS[key] = tagger
        return tagger

    def _tag(self, tagger, text: str) -> list[tuple[str, str]]:
        if self._backend == "okt":
            return tagger.pos(text, norm=bool(self.norm), stem=bool(self.stem))
        return tagger.pos(text)

    def warm_up(self) -> KonlpyTokenizer:
        """Start the JVM and the tagger now (otherwise the first tokenization does it)."""
        self.tokenize("가")
        return self

    # -- tokenization --------------------------------------------------------------------------
    def _segments(self, text: str) -> list[tuple[int, int]]:
        """Pieces of ``text`` (start, end) for the tagger: at most ``max_chars`` long, cut at
        sentence ends, else spaces, else anywhere; never empty or whitespace-only (some taggers
        crash on those); no astral characters for the taggers that choke on them."""
        limit = self.max_chars
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InputError(f"max_chars={limit!r}: expected a positive integer")
        regions = [(0, len(text))]
        skip = []  # spans the tagger must not see
        if self._backend in _BMP_ONLY and _ASTRAL.search(text):
            skip.extend(m.span() for m in _ASTRAL.finditer(text))
        max_word = _MAX_WORD[self._backend]
        if len(text) > max_word:
            skip.extend(m.span() for m in re.finditer(rf"[^ ]{{{max_word + 1},}}", text))
        if skip:
            regions, start = [], 0
            for lo, hi in sorted(skip):
                if lo >= start:
                    regions.append((start, lo))
                    start = hi
            regions.append((start, len(text)))
        out = []
        for start, end in regions:
            while start < end:
                while start < end and text[start] == " ":
                    start += 1
                if start >= end:
                    break
                stop = end
                if end - start > limit:
                    window = text[start:start + limit]
                    cut = -1
                    for match in _SENTENCE_END.finditer(window):
                        if match.end() > limit // 4:
                            cut = match.end()
                    if cut < 0:
                        cut = window.rfind(" ")
                    stop = start + (cut if cut > 0 else limit)
                piece_end = stop
                while piece_end > start and text[piece_end - 1] == " ":
                    piece_end -= 1
                if piece_end > start:
                    out.append((start, piece_end))
                start = stop
        return out

    def _tokenize_words(self, text: str) -> list[str]:
        tagger = self._tagger()
        surface = self.surface
        aligned: list[tuple[str, str, int]] = []  # (surface, tag, char offset)
        covered = 0
        for start, end in self._segments(text):
            if start > covered:
                aligned.extend(_gap(text, covered, start))
            piece = text[start:end]
            try:
                morphs = self._tag(tagger, piece)
            except Exception as exc:
                if type(exc).__name__ == "JVMNotRunning":
                    raise TokenizerError(f"the JVM stopped while tagging {piece[:40]!r}; "
                                         "it cannot be restarted in this process") from exc
                self.stats_["tagger_errors"] += 1
                logger.warning("%s tagger failed on %r (%s: %s); keeping the text as "
                               "whole-word tokens", self._backend, piece[:40],
                               type(exc).__name__, exc)
                morphs = []
            align = _align_surface if surface else _align_rewrite
            aligned.extend(align(text, start, end, morphs))
            covered = end
        if covered < len(text):
            aligned.extend(_gap(text, covered, len(text)))
        return self._emit(text, aligned)

    def _emit(self, text: str, aligned: list[tuple[str, str, int]]) -> list[str]:
        keep = self.keep_pos
        if keep:
            keep = {keep} if isinstance(keep, str) else set(keep)
            aligned = [a for a in aligned if a[1] in keep]
        word_starts = [0] + [m.end() for m in re.finditer(" ", text)]
        pieces, last_word = [], -1
        for surface, tag, offset in aligned:
            word = bisect.bisect_right(word_starts, offset) - 1
            starts = word > last_word
            last_word = max(last_word, word)
            pieces.append((surface, tag if self.pos else None, starts))
        return _mark(pieces, markers=bool(self.markers))

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Text from tokens: exact when :attr:`round_trips`; otherwise jamo endings are glued
        back (``시`` + ``ㄴ다`` -> ``신다``) and, without markers, tokens are joined by spaces."""
        tokens = list(tokens)
        if not self.markers:
            tokens = [MARKER + _escape(t) for t in tokens]
        return detokenize(tokens, pos=bool(self.pos), recompose=not self.surface)


def _gap(text: str, start: int, end: int) -> list[tuple[str, str, int]]:
    """Uncovered text[start:end] as whole-word pieces tagged ``Unknown``."""
    out, i = [], start
    for word in text[start:end].split(" "):
        if word:
            out.append((word, UNKNOWN_TAG, i))
        i += len(word) + 1
    return out


def _align_surface(text: str, start: int, end: int,
                   morphs: Sequence[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """Map morphemes onto text[start:end] as exact slices; whatever no morpheme covers
    (dropped or rewritten characters) becomes ``Unknown`` pieces, so nothing is lost."""
    out, pos = [], start
    for surface, tag in morphs:
        if not surface or surface.isspace():
            continue
        i = text.find(surface, pos, end)
        if i < 0:
            continue  # rewritten: its characters come back in the next gap
        if i > pos:
            out.extend(_gap(text, pos, i))
        if " " in surface:
            out.extend((w, tag, o) for w, _, o in _gap(text, i, i + len(surface)))
        else:
            out.append((surface, tag, i))
        pos = i + len(surface)
    if pos < end:
        out.extend(_gap(text, pos, end))
    return out


def _align_rewrite(text: str, start: int, end: int,
                   morphs: Sequence[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """Place rewritten morphemes (``들어가/시/ㄴ다``) on text[start:end] by matching their
    compatibility jamo, within the current and next eojeol. Morphemes keep their own form;
    text skipped while no morpheme was unmatched is kept as ``Unknown`` pieces."""
    jamo, where = [], []
    for k in range(start, end):
        for ch in to_compat_jamo(text[k]):
            jamo.append(ch)
            where.append(k)
    skeleton = "".join(jamo)
    spaces = [i for i, ch in enumerate(skeleton) if ch == " "] + [len(skeleton)]
    out, jpos, unmatched = [], 0, False
    for surface, tag in morphs:
        if not surface or surface.isspace():
            continue
        needle = to_compat_jamo(surface).replace(" ", "")
        while jpos < len(skeleton) and skeleton[jpos] == " ":
            jpos += 1
        # anywhere in the current eojeol, else at the very start of the next one
        k = bisect.bisect_left(spaces, jpos)
        i = skeleton.find(needle, jpos, spaces[k]) if needle else -1
        if i < 0 and needle and k + 1 < len(spaces):
            i = spaces[k] + 1 if skeleton.startswith(needle, spaces[k] + 1) else -1
        if i < 0:
            offset = where[jpos] if jpos < len(where) else end
            out.append((surface, tag, offset))
            unmatched = True
            continue
        if i > jpos and not unmatched:
            out.extend(_gap(text, where[jpos], where[i]))
        out.append((surface, tag, where[i]))
        jpos, unmatched = i + len(needle), False
    if jpos < len(skeleton) and not unmatched:
        out.extend(_gap(text, where[jpos], end))
    return out


def _make_mecab(dicpath: str | None):
    import importlib.util

    if importlib.util.find_spec("MeCab") is None:
        raise TokenizerError(
            "backend='mecab' needs MeCab with the Korean dictionary, which is not installed. "
            "Install mecab-ko and mecab-ko-dic (e.g. `pip install mecab-python3` plus "
            "mecab-ko-dic, or `bash <(curl -s https://raw.githubusercontent.com/konlpy/konlpy/"
            "master/scripts/mecab.sh)`), pass dicpath= if the dictionary lives elsewhere, or "
            "use backend='okt' (no install needed).")
    from konlpy.tag import Mecab

    try:
        return Mecab(dicpath) if dicpath else Mecab()
    except Exception as exc:
        raise TokenizerError(f"MeCab is installed but could not load its Korean dictionary "
                             f"({exc}); pass dicpath='/path/to/mecab-ko-dic'") from exc


# -- factory ---------------------------------------------------------------------------------------

_SIMPLE = {"char": CharTokenizer, "chars": CharTokenizer, "character": CharTokenizer,
           "jamo": JamoTokenizer, "whitespace": WhitespaceTokenizer, "space": WhitespaceTokenizer,
           "pretokenized": WhitespaceTokenizer}


def _lazy(name: str) -> Any:
    """A factory for a tokenizer class of :mod:`.subword` (imported on use: it imports us)."""
    def make(**options: Any) -> Tokenizer:
        from . import subword

        return getattr(subword, name)(**options)
    return make


_SIMPLE.update(word=_lazy("WordTokenizer"), subword=_lazy("SubwordTokenizer"),
               bpe=_lazy("SubwordTokenizer"))


def get_tokenizer(spec: str | dict | Tokenizer = "okt", **params: Any) -> Tokenizer:
    """A tokenizer from a name, a ``"name:key=value,..."`` string, a dict or an instance.

    Names: ``okt`` (``twitter``), ``komoran``, ``kkma``, ``hannanum``, ``mecab``, ``char``,
    ``jamo``, ``whitespace``, ``word`` and ``subword`` (``bpe``; needs ``fit``, see
    :mod:`hangul_dl.text.subword`). Values are JSON (``true``, ``3``, ``"x"``) or bare words.

    >>> get_tokenizer("okt:pos=true")
    KonlpyTokenizer(pos=True)
    >>> get_tokenizer({"name": "jamo", "compat": True})
    JamoTokenizer(compat=True)
    """
    if isinstance(spec, Tokenizer):
        return spec.set_params(**params) if params else spec
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name", None) or spec.pop("tokenizer", None)
        if name is None:
            raise InputError(f"tokenizer spec {spec!r} needs a 'name' (e.g. 'okt', 'char')")
        return get_tokenizer(str(name), **{**spec, **params})
    if not isinstance(spec, str):
        raise InputError(f"tokenizer spec must be a name, dict or Tokenizer, got {spec!r}")
    name, _, rest = spec.strip().partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise InputError(f"tokenizer option {item!r} in {spec!r}: expected key=value")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value.strip()
    options.update(params)
    name = name.lower()
    try:
        if name in _SIMPLE:
            return _SIMPLE[name](**options)
        if name in _BACKENDS or name in _ALIASES:
            return KonlpyTokenizer(backend=_ALIASES.get(name, name), **options)
    except TypeError as exc:
        raise InputError(f"tokenizer {spec!r}: {exc}") from None
    known = sorted({*_SIMPLE, *_BACKENDS})
    raise InputError(f"unknown tokenizer {name!r}; known: {', '.join(known)}")
