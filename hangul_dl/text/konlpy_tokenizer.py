"""Morphemes from a KoNLPy tagger (Okt, Komoran, Kkma, Hannanum, Mecab), aligned to the text.

    >>> tok = KonlpyTokenizer("okt")
    >>> tok.tokenize("아버지가방에 들어가신다 ㅋㅋ")
    ['▁아버지', '가방', '에', '▁들어가신다', '▁ㅋㅋ']
    >>> tok.detokenize(_)
    '아버지가방에 들어가신다 ㅋㅋ'

The tagger's output is *aligned* to the normalized text (:mod:`.alignment`): characters a tagger
drops or rewrites come back as extra tokens (tag ``Unknown``), so the round trip holds even when
the tagger misbehaves. Settings that rewrite morphemes cannot round-trip: Kkma, Komoran and
Hannanum (``들어가신다`` -> ``들어가``, ``시``, ``ㄴ다``), Okt with ``stem=True`` or
``norm=True``, any ``keep_pos`` filter and ``markers=False``. For them
:attr:`KonlpyTokenizer.round_trips` is False and ``detokenize`` does its best (it glues jamo
endings back: ``시`` + ``ㄴ다`` -> ``신다``). ``pos=True`` (``"▁아버지/Noun"``) round-trips
whenever the plain setting does.

Long inputs are cut into pieces of at most ``max_chars`` at sentence ends or spaces (a hard cut
as a last resort) before they reach the tagger; the JVM (:mod:`.jvm`) and the tagger start on
the first tokenization, never in ``__init__``.

**A saved tokenizer is self-contained.** A Komoran user dictionary (``userdic``) is copied into
the saved folder (``userdic.txt``) and the manifest names that copy; loading reads it only from
there. A manifest whose ``userdic`` is absolute or leaves the folder (``..``, a symbolic link) is
refused with :class:`~hangul_dl.errors.FormatError`. A Mecab dictionary (``dicpath``, a folder of
this machine's install) is not saved: a loaded Mecab tokenizer uses the installed dictionary
(give ``dicpath=`` again with ``set_params`` if it lives elsewhere), and a manifest that names
one is refused, so a downloaded folder never points the tagger at a path of its choosing.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import FormatError, InputError, JVMError, TokenizerError
from .alignment import align_rewrite, align_surface, gap_pieces
from .markers import MARKER, detokenize, escape, mark
from .normalize import Normalizer
from .tokenizer import Tokenizer

__all__ = ["ALIASES", "BACKENDS", "USERDIC_FILE", "KonlpyTokenizer"]

logger = logging.getLogger(__name__)

#: The file name of the copied user dictionary inside a saved tokenizer folder.
USERDIC_FILE = "userdic.txt"
#: Backends that read a user dictionary (``userdic=``).
_USERDIC_BACKENDS = {"komoran"}
_JVM_BACKENDS = {"okt", "komoran", "kkma", "hannanum"}
_SENTENCE_END = re.compile(r"[.!?。…]+[\"')\]」』]*(?= )")

#: The KoNLPy taggers, and other names for them.
BACKENDS = ("okt", "komoran", "kkma", "hannanum", "mecab")
ALIASES = {"twitter": "okt"}
_BACKENDS, _ALIASES = BACKENDS, ALIASES
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
        Mecab dictionary folder / Komoran user dictionary file (``save`` copies the user
        dictionary into the saved folder; the loaded tokenizer reads that copy).

    The tagger (and the JVM) start on the first tokenization, never in ``__init__``; the
    settings are checked then, or earlier by ``pipe``/``save`` (an unknown backend such as
    ``"otk"`` fails there with the allowed names, before any text is read).
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
            raise InputError(f"unknown KoNLPy backend {self.backend!r}; expected one of "
                             f"{', '.join(_BACKENDS)} (or {', '.join(_ALIASES)}, another name "
                             "for okt)")
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


    # -- settings, checked before any work -------------------------------------------------------
    def _check_params(self) -> None:
        """Unknown backends, options of another backend and a missing user dictionary are
        refused here (``pipe``/``save`` call it first; so does the first tokenization)."""
        super()._check_params()
        backend = self._backend  # raises with the allowed backends
        limit = self.max_chars
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InputError(f"KonlpyTokenizer(max_chars={limit!r}): expected a positive integer")
        keep = self.keep_pos
        if keep is not None and not isinstance(keep, str) and not (
                isinstance(keep, Iterable) and all(isinstance(t, str) for t in keep)):
            raise InputError(f"KonlpyTokenizer(keep_pos={keep!r}): expected tag names such as "
                             "{'Noun', 'Verb'}")
        if self.userdic is not None:
            if backend not in _USERDIC_BACKENDS:
                raise InputError(f"KonlpyTokenizer(backend={self.backend!r}, userdic=...): only "
                                 f"{', '.join(sorted(_USERDIC_BACKENDS))} reads a user dictionary; "
                                 "use backend='komoran' or drop userdic")
            if not isinstance(self.userdic, (str, os.PathLike)) or not Path(self.userdic).is_file():
                raise InputError(f"KonlpyTokenizer(userdic={self.userdic!r}): no such file; give "
                                 "the path of a Komoran user dictionary (word<TAB>tag per line)")
        if backend in _JVM_BACKENDS:
            from .jvm import heap_bytes

            heap_bytes(self.heap)  # InputError for a size that is not understood

    # -- files: a saved tokenizer holds its own user dictionary --------------------------------
    def _config(self) -> dict[str, Any]:
        config = super()._config()
        if config.get("userdic") is not None:
            config["userdic"] = USERDIC_FILE  # the copy _save_state writes
        config["dicpath"] = None  # this machine's dictionary folder: not part of the tokenizer
        return config

    def _save_state(self, directory: Path) -> None:
        if self.userdic is not None:
            shutil.copyfile(self.userdic, directory / USERDIC_FILE)

    def _load_state(self, directory: Path) -> None:
        if self.dicpath is not None:
            raise FormatError(f"{Path(directory) / 'manifest.json'}: config.dicpath is "
                              f"{self.dicpath!r}, but a saved tokenizer names no dictionary "
                              "folder (the installed Mecab dictionary is used); remove the key "
                              "or set it to null")
        self.userdic = saved_file(directory, self.userdic, "userdic")

    def fingerprint(self) -> str | None:
        """SHA-256 of the user dictionary (it changes the tokens); None without one."""
        if self.userdic is None:
            return None
        return hashlib.sha256(Path(self.userdic).read_bytes()).hexdigest()

    # -- the tagger ----------------------------------------------------------------------------
    @property
    def parallel_threads(self) -> bool:
        """True for Okt: its tagger is one stateless Scala object over read-only dictionaries,
        and a call spends ~93% of its time inside KoNLPy's ``pos``, mostly in Java with the GIL
        released (two threads: 1.94x one).
        The other backends keep state in their tagger objects (Hannanum's workflow, Kkma's and
        Komoran's lattices) or hold the GIL (MeCab): they use worker processes."""
        return self._backend == "okt"

    def _start_tagger(self) -> None:
        self._tagger()

    def _tagger(self):
        backend = self._backend
        key = (backend, self.dicpath, self.userdic)
        tagger = _TAGGERS.get(key)
        if tagger is not None:
            return tagger
        self._check_params()
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

    def tokenize_batch(self, texts: Iterable[str]) -> list[list[str]]:
        """``[tokenize(t) for t in texts]``; for a JVM tagger with Python's collector kept off
        the older objects (:func:`~hangul_dl.text.jvm.python_gc_frozen`: JPype runs a full
        collection after every Java one)."""
        if self._backend not in _JVM_BACKENDS:
            return super().tokenize_batch(texts)
        from .jvm import python_gc_frozen

        with python_gc_frozen():
            return super().tokenize_batch(texts)

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
                aligned.extend(gap_pieces(text, covered, start))
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
            align = align_surface if surface else align_rewrite
            aligned.extend(align(text, start, end, morphs))
            covered = end
        if covered < len(text):
            aligned.extend(gap_pieces(text, covered, len(text)))
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
        return mark(pieces, markers=bool(self.markers))

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Text from tokens: exact when :attr:`round_trips`; otherwise jamo endings are glued
        back (``시`` + ``ㄴ다`` -> ``신다``) and, without markers, tokens are joined by spaces."""
        tokens = list(tokens)
        if not self.markers:
            tokens = [MARKER + escape(t) for t in tokens]
        return detokenize(tokens, pos=bool(self.pos), recompose=not self.surface)


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


def saved_file(directory: Path, name: Any, key: str) -> str | None:
    """The path of file ``name`` that a saved folder's manifest names under ``key``, checked to
    stay inside ``directory``: a relative path without ``..``, no symbolic link on the way, a
    regular file. ``None`` stays ``None``. Raises :class:`FormatError` otherwise."""
    if name is None:
        return None
    manifest = Path(directory) / "manifest.json"
    if not isinstance(name, str) or not name:
        raise FormatError(f"{manifest}: {key} must be the name of a file in the folder, "
                          f"got {name!r}")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (os.path.isabs(name) or PurePosixPath(name).is_absolute() or ".." in parts
            or re.match(r"^[A-Za-z]:", name)):
        raise FormatError(f"{manifest}: {key}={name!r} points outside the saved folder; a saved "
                          f"tokenizer reads its {key} only from its own folder. Save the "
                          "tokenizer again with save(), which copies the file in")
    root = Path(directory).resolve()
    path = Path(directory)
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise FormatError(f"{manifest}: {key}={name!r} is a symbolic link ({path}); a saved "
                              "folder must hold the file itself. Save the tokenizer again")
    if not path.is_file() or not path.resolve().is_relative_to(root):
        raise FormatError(f"{manifest}: {key}={name!r}: no such file in the folder; the saved "
                          "tokenizer is incomplete. Save it again")
    return str(path.resolve())
