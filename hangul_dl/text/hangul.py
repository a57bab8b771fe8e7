"""Hangul arithmetic: syllable ⇄ jamo decomposition/composition and script detection.

A precomposed syllable (U+AC00..U+D7A3, 11,172 of them) is ``initial * 588 + medial * 28 +
final`` above U+AC00, with 19 initials (choseong), 21 medials (jungseong) and 28 finals
(jongseong, index 0 = none). Two jamo alphabets exist in Unicode:

- *conjoining* jamo (U+1100 initials, U+1161 medials, U+11A8 finals): initial and final
  consonants are different code points, so a decomposition is unambiguous and
  :func:`compose_jamo` is its exact inverse (``compose_jamo(decompose_text(s)) == s`` for NFC
  text). :class:`~hangul_dl.text.tokenizers.JamoTokenizer` uses these.
- *compatibility* jamo (U+3131 ㄱ .. U+318E), what people type in ``ㅋㅋ`` or ``ㅠㅠ``. An
  initial ㄱ and a final ㄱ look the same, so composition from them is a best guess
  (:func:`compose_compat`, used to glue Kkma-style endings such as ``ㄴ다`` back on).

Example::

    >>> decompose("한")
    ('ㅎ', 'ㅏ', 'ㄴ')
    >>> compose("ㅎ", "ㅏ", "ㄴ")
    '한'
    >>> compose_jamo(decompose_text("한국어"))
    '한국어'
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "COMPAT_FINALS",
    "COMPAT_INITIALS",
    "COMPAT_MEDIALS",
    "compose",
    "compose_compat",
    "compose_jamo",
    "decompose",
    "decompose_text",
    "is_compat_jamo",
    "is_conjoining_jamo",
    "is_hangul",
    "is_hangul_syllable",
    "is_hanja",
    "is_jamo",
    "script_of",
    "to_compat_jamo",
]

SYLLABLE_BASE = 0xAC00
SYLLABLE_LAST = 0xD7A3
N_INITIALS, N_MEDIALS, N_FINALS = 19, 21, 28
N_SYLLABLES = N_INITIALS * N_MEDIALS * N_FINALS  # 11,172

# Conjoining jamo (Hangul Jamo block).
L_BASE, V_BASE, T_BASE = 0x1100, 0x1161, 0x11A7  # T_BASE + 0 means "no final"

#: Compatibility jamo for the 19 initials, 21 medials and 27 finals ("" = no final).
COMPAT_INITIALS = tuple("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ")
COMPAT_MEDIALS = tuple("ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ")
COMPAT_FINALS = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")

_INITIAL_INDEX = {c: i for i, c in enumerate(COMPAT_INITIALS)}
_MEDIAL_INDEX = {c: i for i, c in enumerate(COMPAT_MEDIALS)}
_FINAL_INDEX = {c: i for i, c in enumerate(COMPAT_FINALS) if c}

# conjoining -> compatibility
_CONJ_TO_COMPAT = {chr(L_BASE + i): c for i, c in enumerate(COMPAT_INITIALS)}
_CONJ_TO_COMPAT.update({chr(V_BASE + i): c for i, c in enumerate(COMPAT_MEDIALS)})
_CONJ_TO_COMPAT.update({chr(T_BASE + i): c for i, c in enumerate(COMPAT_FINALS) if c})


def is_hangul_syllable(ch: str) -> bool:
    """True for a precomposed Hangul syllable (가..힣)."""
    return len(ch) == 1 and SYLLABLE_BASE <= ord(ch) <= SYLLABLE_LAST


def is_compat_jamo(ch: str) -> bool:
    """True for a Hangul compatibility jamo (ㄱ U+3131 .. ㆎ U+318E), as in ``ㅋㅋ``."""
    return len(ch) == 1 and 0x3131 <= ord(ch) <= 0x318E


def is_conjoining_jamo(ch: str) -> bool:
    """True for a conjoining jamo (U+1100..U+11FF, U+A960..U+A97F, U+D7B0..U+D7FF)."""
    if len(ch) != 1:
        return False
    o = ord(ch)
    return 0x1100 <= o <= 0x11FF or 0xA960 <= o <= 0xA97F or 0xD7B0 <= o <= 0xD7FF


def is_jamo(ch: str) -> bool:
    """True for any jamo, compatibility or conjoining (also halfwidth ﾡ..ￜ)."""
    return is_compat_jamo(ch) or is_conjoining_jamo(ch) or (len(ch) == 1 and 0xFFA0 <= ord(ch) <= 0xFFDC)


def is_hangul(ch: str) -> bool:
    """True for a Hangul syllable or jamo."""
    return is_hangul_syllable(ch) or is_jamo(ch)


def is_hanja(ch: str) -> bool:
    """True for a CJK ideograph (Hanja), e.g. ``'漢'``: unified, extensions and compatibility."""
    if len(ch) != 1:
        return False
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x323AF
            or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F)


def script_of(ch: str) -> str:
    """The script class of one character.

    Returns one of ``"hangul"`` (syllables and jamo), ``"hanja"``, ``"latin"`` (A-Z, a-z and
    accented Latin letters), ``"digit"`` (any decimal digit), ``"space"``, ``"punct"``
    (punctuation), ``"symbol"`` (symbols and emoji) or ``"other"``.

    >>> [script_of(c) for c in "한漢a1 .😀"]
    ['hangul', 'hanja', 'latin', 'digit', 'space', 'punct', 'symbol']
    """
    if len(ch) != 1:
        raise ValueError(f"script_of expects one character, got {ch!r}")
    if is_hangul(ch):
        return "hangul"
    if is_hanja(ch):
        return "hanja"
    if ch.isdecimal():
        return "digit"
    if ch.isspace():
        return "space"
    cat = unicodedata.category(ch)
    if cat.startswith("L"):
        if "LATIN" in unicodedata.name(ch, ""):
            return "latin"
        return "other"
    if cat.startswith("P"):
        return "punct"
    if cat.startswith("S"):
        return "symbol"
    return "other"


def decompose(syllable: str) -> tuple[str, str, str]:
    """Split one syllable into compatibility jamo ``(initial, medial, final)``.

    ``final`` is ``""`` for an open syllable. A non-syllable raises ``ValueError``.

    >>> decompose("닭")
    ('ㄷ', 'ㅏ', 'ㄺ')
    """
    if not is_hangul_syllable(syllable):
        raise ValueError(f"not a precomposed Hangul syllable: {syllable!r}")
    index = ord(syllable) - SYLLABLE_BASE
    initial, rest = divmod(index, N_MEDIALS * N_FINALS)
    medial, final = divmod(rest, N_FINALS)
    return COMPAT_INITIALS[initial], COMPAT_MEDIALS[medial], COMPAT_FINALS[final]


def compose(initial: str, medial: str, final: str = "") -> str:
    """Build one syllable from compatibility jamo; the inverse of :func:`decompose`.

    >>> compose("ㄷ", "ㅏ", "ㄺ")
    '닭'
    """
    try:
        i, m = _INITIAL_INDEX[initial], _MEDIAL_INDEX[medial]
        f = _FINAL_INDEX[final] if final else 0
    except KeyError:
        raise ValueError(f"cannot compose a syllable from {initial!r}, {medial!r}, {final!r}: "
                         "expected an initial consonant, a vowel and an optional final") from None
    return chr(SYLLABLE_BASE + (i * N_MEDIALS + m) * N_FINALS + f)


def decompose_text(text: str) -> str:
    """Replace every syllable of ``text`` by its conjoining jamo (2 or 3 code points each).

    Everything else is kept as is. :func:`compose_jamo` inverts it exactly on NFC text.

    >>> [hex(ord(c)) for c in decompose_text("각")]
    ['0x1100', '0x1161', '0x11a8']
    """
    out: list[str] = []
    append = out.append
    for ch in text:
        o = ord(ch) - SYLLABLE_BASE
        if 0 <= o < N_SYLLABLES:
            initial, rest = divmod(o, N_MEDIALS * N_FINALS)
            medial, final = divmod(rest, N_FINALS)
            append(chr(L_BASE + initial))
            append(chr(V_BASE + medial))
            if final:
                append(chr(T_BASE + final))
        else:
            append(ch)
    return "".join(out)


def compose_jamo(text: str) -> str:
    """Compose conjoining jamo sequences (initial + medial [+ final]) into syllables.

    The Unicode canonical composition of Hangul, written out: a modern initial followed by a
    modern medial becomes a syllable, which absorbs a following modern final. Any other
    character (including lone jamo) is kept.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        li = ord(ch) - L_BASE
        if 0 <= li < N_INITIALS and i + 1 < n:
            vi = ord(text[i + 1]) - V_BASE
            if 0 <= vi < N_MEDIALS:
                ti = 0
                if i + 2 < n:
                    t = ord(text[i + 2]) - T_BASE
                    if 0 < t < N_FINALS:
                        ti = t
                out.append(chr(SYLLABLE_BASE + (li * N_MEDIALS + vi) * N_FINALS + ti))
                i += 3 if ti else 2
                continue
        # An open syllable already composed followed by a final jamo (NFC also joins these).
        if out and 0 < ord(ch) - T_BASE < N_FINALS:
            prev = ord(out[-1]) - SYLLABLE_BASE
            if 0 <= prev < N_SYLLABLES and prev % N_FINALS == 0:
                out[-1] = chr(ord(out[-1]) + ord(ch) - T_BASE)
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def to_compat_jamo(text: str) -> str:
    """Decompose syllables into *compatibility* jamo (for display: ``"한" -> "ㅎㅏㄴ"``).

    Conjoining jamo are mapped to their compatibility look-alikes too. Not invertible in
    general (initial and final ㄱ are the same character); use :func:`decompose_text` for that.
    """
    return "".join(_CONJ_TO_COMPAT.get(c, c) for c in decompose_text(text))


def compose_compat(text: str) -> str:
    """Best-effort composition of compatibility jamo glued onto syllables.

    A final-consonant jamo directly after an open syllable merges into it (``"가ㄴ다"`` ->
    ``"간다"``), and a consonant + vowel pair becomes a syllable. Used to put back the
    decomposed endings Kkma, Komoran and Hannanum emit (``시`` + ``ㄴ다`` -> ``신다``).
    Existing text like ``ㅋㅋ`` is left alone (no vowel follows).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _INITIAL_INDEX and i + 1 < n and text[i + 1] in _MEDIAL_INDEX:
            out.append(compose(ch, text[i + 1]))
            i += 2
            continue
        if ch in _FINAL_INDEX and out and is_hangul_syllable(out[-1]):
            if (ord(out[-1]) - SYLLABLE_BASE) % N_FINALS == 0 and not (
                    i + 1 < n and text[i + 1] in _MEDIAL_INDEX):
                out[-1] = chr(ord(out[-1]) + _FINAL_INDEX[ch])
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)
