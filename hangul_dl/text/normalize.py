"""Normalizer: the first stage of the Korean front end (text in, cleaner text out).

What it does, in order:

1. Unicode NFC. Never NFKC: NFKC rewrites compatibility jamo (``ㅋ`` U+314B becomes the
   conjoining ``ᄏ`` U+110F) and full-width forms, which changes what Korean users typed.
2. Removes control characters (``\\x00``, ``\\x07``...), invisible format characters (zero-width
   space U+200B, BOM U+FEFF, soft hyphen U+00AD, bidi marks, word joiner) and lone surrogates.
   The zero-width joiner U+200D is kept between two emoji (👨‍👩‍👧 stays one family) and removed
   elsewhere.
3. Optional rewrites: Hanja (``hanja="remove"``), Latin letters (``latin="lower"|"remove"``),
   digits (``numbers="mask"`` turns every digit into ``0``, ``"remove"`` drops them).
4. Optional repeat reduction: ``repeat=2`` turns ``ㅋㅋㅋㅋㅋ`` into ``ㅋㅋ``, ``!!!!!`` into ``!!``
   and ``ㅠㅠㅠㅠ`` into ``ㅠㅠ``; digits are never shortened (``1000`` stays ``1000``).
5. Whitespace: every run of whitespace (tabs, newlines, U+3000 ideographic space, ...) becomes
   one ASCII space, and the ends are stripped (``whitespace="collapse"``, the default).

Tokenizers use the normalized text as their reference: ``detokenize(tokenize(s))`` equals
``normalize(s)`` for surface-preserving tokenizers.

Example::

    >>> Normalizer(repeat=2)("  진짜\\u200b웃겨ㅋㅋㅋㅋㅋ   최고!!!!  ")
    '진짜웃겨ㅋㅋ 최고!!'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import InputError
from ..stage import Stage

__all__ = ["Normalizer", "normalize"]

# Characters removed outright: C0/C1 controls that are not whitespace, invisible format
# characters, and lone surrogates (which cannot even be written as UTF-8).
_REMOVE = {c: None for c in range(0x20) if not chr(c).isspace()}
_REMOVE.update({c: None for c in range(0x7F, 0xA0) if not chr(c).isspace()})
for _lo, _hi in ((0x00AD, 0x00AD), (0x061C, 0x061C), (0x180E, 0x180E), (0x200B, 0x200C),
                 (0x200E, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
                 (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0xD800, 0xDFFF)):
    _REMOVE.update({c: None for c in range(_lo, _hi + 1)})
_REMOVE_CHARS = frozenset(chr(c) for c in _REMOVE)

_EMOJI = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\U0001F3FB-\U0001F3FF"
_STRAY_ZWJ = re.compile(f"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")
_HANJA = re.compile("[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U000323AF]+")
_LATIN = re.compile("[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]+")
_DIGIT = re.compile(r"\d")

_CHOICES = {
    "form": ("NFC", None),
    "whitespace": ("collapse", "keep"),
    "hanja": ("keep", "remove"),
    "latin": ("keep", "lower", "remove"),
    "numbers": ("keep", "mask", "remove"),
}


class Normalizer(Stage):
    """Clean Korean text: NFC, control/zero-width characters, repeats, whitespace.

    Parameters
    ----------
    form : "NFC" or None
        Unicode normalization form. ``"NFKC"``/``"NFKD"`` are refused on purpose: they rewrite
        compatibility jamo (``ㅋ``) and other characters Korean text relies on.
    whitespace : "collapse" or "keep"
        ``"collapse"`` turns each whitespace run into one space and strips both ends.
    remove_control : bool
        Remove control, zero-width and other invisible format characters (see module doc).
    repeat : int or None
        Shorten runs of one repeated non-digit character to at most ``repeat`` copies
        (``repeat=2``: ``ㅋㅋㅋㅋㅋ`` -> ``ㅋㅋ``). ``None`` keeps runs as they are.
    hanja : "keep" or "remove"
        What to do with Hanja (CJK ideographs), e.g. ``大韓民國``.
    latin : "keep", "lower" or "remove"
        What to do with Latin letters (``"lower"``: ``KoNLPy`` -> ``konlpy``).
    numbers : "keep", "mask" or "remove"
        ``"mask"`` replaces every digit by ``0`` (``2024년`` -> ``0000년``).

    ``requires_fit`` is False: ``transform`` works right away and streams (a generator).
    """

    step_name = "normalize"

    requires_fit = False

    def __init__(self, form: str | None = "NFC", whitespace: str = "collapse",
                 remove_control: bool = True, repeat: int | None = None, hanja: str = "keep",
                 latin: str = "keep", numbers: str = "keep"):
        self.form = form
        self.whitespace = whitespace
        self.remove_control = remove_control
        self.repeat = repeat
        self.hanja = hanja
        self.latin = latin
        self.numbers = numbers

    # -- configuration, checked once per parameter set (``__init__`` only stores) -------------
    def _plan(self) -> tuple:
        key = (self.form, self.whitespace, self.remove_control, self.repeat, self.hanja,
               self.latin, self.numbers)
        cached = getattr(self, "_plan_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                hint = (" NFKC/NFKD would rewrite compatibility jamo such as 'ㅋ'; use 'NFC'."
                        if name == "form" and isinstance(value, str) and "K" in value.upper()
                        else "")
                raise InputError(f"Normalizer({name}={value!r}): expected one of "
                                 f"{', '.join(map(repr, allowed))}.{hint}")
        repeat_re = None
        if self.repeat is not None:
            if isinstance(self.repeat, bool) or not isinstance(self.repeat, int) or self.repeat < 1:
                raise InputError(f"Normalizer(repeat={self.repeat!r}): expected a positive "
                                 "integer such as 2 (ㅋㅋㅋㅋ -> ㅋㅋ) or None")
            repeat_re = re.compile(r"(\D)\1{" + str(self.repeat) + ",}")
        plan = (repeat_re,)
        self._plan_cache = (key, plan)
        return plan

    # -- API ------------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """Normalize one string; see the class docstring for the steps.

        >>> Normalizer()("한국어\\u00a0 처리\\n")
        '한국어 처리'
        """
        if not isinstance(text, str):
            kind = type(text).__name__
            fix = " (decode it first: data.decode('utf-8'))" if isinstance(text, bytes) else ""
            raise InputError(f"Normalizer expects str, got {kind}{fix}")
        (repeat_re,) = self._plan()
        if self.form is not None and not unicodedata.is_normalized(self.form, text):
            text = unicodedata.normalize(self.form, text)
        if self.remove_control:
            if "\u200d" in text:
                text = _STRAY_ZWJ.sub("", text)
            if not _REMOVE_CHARS.isdisjoint(text):
                text = text.translate(_REMOVE)
        if self.hanja == "remove":
            text = _HANJA.sub("", text)
        if self.latin == "lower":
            text = _LATIN.sub(lambda m: m.group().lower(), text)
        elif self.latin == "remove":
            text = _LATIN.sub("", text)
        if self.numbers == "mask":
            text = _DIGIT.sub("0", text)
        elif self.numbers == "remove":
            text = _DIGIT.sub("", text)
        if repeat_re is not None:
            text = repeat_re.sub(r"\1" * self.repeat, text)
        if self.whitespace == "collapse":
            text = " ".join(text.split())
        return text

    __call__ = normalize

    def transform(self, data: Iterable[str]) -> Iterator[str]:
        """Normalize every string of ``data`` lazily (a generator; order kept)."""
        normalize = self.normalize
        for text in data:
            yield normalize(text)

    def _config(self) -> dict[str, Any]:
        return self.get_params()


def normalize(text: str, **params: Any) -> str:
    """Normalize one string with a default (or ``params``-configured) :class:`Normalizer`.

    >>> normalize("ㅋㅋㅋㅋㅋ  웃겨", repeat=2)
    'ㅋㅋ 웃겨'
    """
    return Normalizer(**params).normalize(text)
