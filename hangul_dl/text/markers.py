"""The word-boundary marker every tokenizer writes: tokens that remember where the words were.

The first token of every eojeol (space-separated word) carries the marker ``▁`` (U+2581, as in
SentencePiece), so :func:`detokenize` turns tokens back into the text they came from::

    >>> detokenize(["▁아버지", "가방", "에", "▁들어가신다"])
    '아버지가방에 들어가신다'

A literal ``▁`` in the text is escaped by doubling it (``▁▁``): a token that starts with an odd
run of markers begins a word, and ``▁▁`` inside a token is one literal ``▁``. Tokens may carry a
part-of-speech tag after a slash (``"▁아버지/Noun"``, ``pos=True``).
"""

from __future__ import annotations

from collections.abc import Iterable

from .hangul import compose_compat

__all__ = ["MARKER", "UNKNOWN_TAG", "char_tokens", "detokenize", "escape", "mark", "unmark"]

MARKER = "\u2581"  # ▁ LOWER ONE EIGHTH BLOCK, SentencePiece's word-boundary mark
_DOUBLE = MARKER * 2
UNKNOWN_TAG = "Unknown"  # tag of text a tagger dropped or never saw


def escape(surface: str) -> str:
    """``surface`` with every literal ``▁`` doubled (``▁▁``), so it cannot start a word."""
    return surface.replace(MARKER, _DOUBLE) if MARKER in surface else surface


def unmark(token: str) -> tuple[bool, str]:
    """(starts a word?, surface) of one token: the inverse of :func:`mark` for one piece."""
    starts = False
    if token.startswith(MARKER):
        run = len(token) - len(token.lstrip(MARKER))
        if run % 2:
            starts, token = True, token[1:]
    if MARKER in token:
        token = token.replace(_DOUBLE, MARKER)
    return starts, token


def mark(pieces: Iterable[tuple[str, str | None, bool]], markers: bool = True) -> list[str]:
    """Tokens from ``(surface, tag or None, starts a word)`` triples.

    >>> mark([("아버지", "Noun", True), ("가", "Josa", False)])
    ['▁아버지/Noun', '가/Josa']
    """
    out = []
    for surface, tag, starts in pieces:
        token = escape(surface) if markers else surface
        if markers and starts:
            token = MARKER + token
        if tag is not None:
            token = f"{token}/{tag}"
        out.append(token)
    return out


def char_tokens(text: str, tag: str | None = None) -> list[str]:
    """One marked token per character of normalized ``text`` (single spaces between words).

    >>> char_tokens("한국 어")
    ['▁한', '국', '▁어']
    """
    pieces = []
    for word in text.split(" "):
        pieces.extend((ch, tag, i == 0) for i, ch in enumerate(word))
    return mark(pieces)


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
        starts, surface = unmark(token)
        if starts and parts:
            parts.append(" ")
        parts.append(surface)
    text = "".join(parts)
    if recompose:
        text = " ".join(compose_compat(word) for word in text.split(" "))
    return text
