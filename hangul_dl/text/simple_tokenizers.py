"""Tokenizers that need no model: characters, jamo and whitespace-separated words.

All three round-trip (``detokenize(tokenize(s)) == normalize_text(s)``), except jamo shown as
compatibility jamo (``JamoTokenizer(compat=True)``)::

    >>> CharTokenizer().tokenize("ㅋㅋ 좋아😀")
    ['▁ㅋ', 'ㅋ', '▁좋', '아', '😀']
"""

from __future__ import annotations

from collections.abc import Iterable

from .hangul import compose_compat, compose_jamo, decompose_text, to_compat_jamo
from .markers import MARKER, char_tokens, detokenize, escape, mark
from .normalize import Normalizer
from .tokenizer import Tokenizer

__all__ = ["CharTokenizer", "JamoTokenizer", "WhitespaceTokenizer"]


class CharTokenizer(Tokenizer):
    """One token per character (code point); round-trips exactly.

    >>> CharTokenizer().tokenize("ㅋㅋ 좋아😀")
    ['▁ㅋ', 'ㅋ', '▁좋', '아', '😀']
    """

    def __init__(self, normalizer: bool | dict | Normalizer = True):
        self.normalizer = normalizer

    def _tokenize_words(self, text: str) -> list[str]:
        return char_tokens(text)


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
        return mark(pieces)

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
        return [MARKER + escape(word) for word in text.split(" ")]
