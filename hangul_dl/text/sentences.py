"""A deliberately simple rule-based Korean sentence splitter.

:func:`split_sentences` cuts after ``.`` that follows a letter (``다.``, ``요.``, not ``3.1`` or
``2010.``), and after ``?``, ``!``, ``…``, when whitespace follows (closing quotes/brackets stay
with the sentence). It does not know abbreviations (``Mr. Kim`` splits) nor sentences without a
space after the period. Use a real splitter (e.g. kss) upstream when it matters.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_SENTENCE_END = re.compile(
    r"(?:(?<=[가-힣ㄱ-ㅎㅏ-ㅣA-Za-z)\]\"'”’])\.|[?!…])[.?!…]*[\"'”’」』)\]]*(?=\s|$)")


def split_sentences(text: str) -> list[str]:
    """Split Korean text into sentences with a simple rule (see the module docstring).

    >>> split_sentences("대한민국은 민주공화국이다. 정말요? 네! 3.1운동은 1919. 3. 1.에 일어났다.")
    ['대한민국은 민주공화국이다.', '정말요?', '네!', '3.1운동은 1919. 3. 1.에 일어났다.']
    """
    out = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        sentence = text[start:match.end()].strip()
        if sentence:
            out.append(sentence)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
