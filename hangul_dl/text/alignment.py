"""Aligning a tagger's morphemes to the text they came from, so that nothing is lost.

A tagger may drop characters (emoji, control characters), rewrite them (Kkma, Komoran and
Hannanum decompose ``들어가신다`` into ``들어가``, ``시``, ``ㄴ다``) or misbehave. The functions
here turn its ``(morpheme, tag)`` list for ``text[start:end]`` into pieces
``(surface, tag, character offset)`` placed on the text: whatever no morpheme covers comes back
as whole-word pieces tagged ``Unknown`` (:data:`~hangul_dl.text.markers.UNKNOWN_TAG`). The
offsets tell :class:`~hangul_dl.text.konlpy_tokenizer.KonlpyTokenizer` which eojeol each piece
belongs to, hence where the word-boundary markers go.

    >>> text = "아버지가 방에 들어가신다"
    >>> [p[0] for p in align_surface(text, 0, len(text), [("아버지", "Noun"), ("들어가신다", "Verb")])]
    ['아버지', '가', '방에', '들어가신다']
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from .hangul import to_compat_jamo
from .markers import UNKNOWN_TAG

__all__ = ["align_rewrite", "align_surface", "gap_pieces"]


def gap_pieces(text: str, start: int, end: int) -> list[tuple[str, str, int]]:
    """Uncovered text[start:end] as whole-word pieces tagged ``Unknown``."""
    out, i = [], start
    for word in text[start:end].split(" "):
        if word:
            out.append((word, UNKNOWN_TAG, i))
        i += len(word) + 1
    return out


def align_surface(text: str, start: int, end: int,
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
            out.extend(gap_pieces(text, pos, i))
        if " " in surface:
            out.extend((w, tag, o) for w, _, o in gap_pieces(text, i, i + len(surface)))
        else:
            out.append((surface, tag, i))
        pos = i + len(surface)
    if pos < end:
        out.extend(gap_pieces(text, pos, end))
    return out


def align_rewrite(text: str, start: int, end: int,
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
            out.extend(gap_pieces(text, where[jpos], where[i]))
        out.append((surface, tag, where[i]))
        jpos, unmatched = i + len(needle), False
    if jpos < len(skeleton) and not unmatched:
        out.extend(gap_pieces(text, where[jpos], end))
    return out
