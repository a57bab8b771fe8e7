"""Every tokenizer by name: :func:`get_tokenizer` (``"okt"``, ``"char"``, ``"okt:pos=true"``).

The tokenizers themselves live in modules of their own: the protocol in :mod:`.tokenizer`, the
word-boundary markers in :mod:`.markers`, :class:`CharTokenizer`, :class:`JamoTokenizer` and
:class:`WhitespaceTokenizer` in :mod:`.simple_tokenizers`, :class:`KonlpyTokenizer` in
:mod:`.konlpy_tokenizer` (aligned by :mod:`.alignment`), ``WordTokenizer`` and
``SubwordTokenizer`` in :mod:`.subword`. The names imported below stay importable from here
(``from hangul_dl.text.tokenizers import Tokenizer, KonlpyTokenizer`` keeps working).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from .konlpy_tokenizer import ALIASES, BACKENDS, KonlpyTokenizer
from .markers import MARKER, UNKNOWN_TAG, detokenize
from .simple_tokenizers import CharTokenizer, JamoTokenizer, WhitespaceTokenizer
from .subword import SubwordTokenizer, WordTokenizer
from .tokenizer import Tokenizer

__all__ = ["MARKER", "UNKNOWN_TAG", "CharTokenizer", "JamoTokenizer", "KonlpyTokenizer",
           "SubwordTokenizer", "Tokenizer", "WhitespaceTokenizer", "WordTokenizer", "detokenize",
           "get_tokenizer"]

#: Short names of the tokenizers that are not KoNLPy taggers -> their registered class names
#: (the classes themselves are found in the one registry, :mod:`hangul_dl.registry`).
_SHORT_NAMES = {"char": "CharTokenizer", "chars": "CharTokenizer", "character": "CharTokenizer",
                "jamo": "JamoTokenizer", "whitespace": "WhitespaceTokenizer",
                "space": "WhitespaceTokenizer", "pretokenized": "WhitespaceTokenizer",
                "word": "WordTokenizer", "subword": "SubwordTokenizer", "bpe": "SubwordTokenizer"}


def _registered_tokenizer(name: str) -> type[Tokenizer] | None:
    """A tokenizer class by short name or by registered name (a user's own, once registered)."""
    from .. import registry
    from ..errors import FormatError

    try:
        return registry.lookup(_SHORT_NAMES.get(name.lower(), name), Tokenizer)
    except FormatError:
        return None


def get_tokenizer(spec: str | dict | Tokenizer = "okt", **params: Any) -> Tokenizer:
    """A tokenizer from a name, a ``"name:key=value,..."`` string, a dict or an instance.

    Names: ``okt`` (``twitter``), ``komoran``, ``kkma``, ``hannanum``, ``mecab``, ``char``,
    ``jamo``, ``whitespace``, ``word`` and ``subword`` (``bpe``; needs ``fit``, see
    :mod:`hangul_dl.text.subword`). Values are JSON (``true``, ``3``, ``"x"``) or bare words.
    The options are checked here (``"okt:max_chars=0"`` raises :class:`InputError`).

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
    name = name.strip()
    try:
        if name.lower() in BACKENDS or name.lower() in ALIASES:
            tokenizer = KonlpyTokenizer(backend=ALIASES.get(name.lower(), name.lower()), **options)
        elif (klass := _registered_tokenizer(name)) is not None:
            tokenizer = klass(**options)
        else:
            known = sorted({*_SHORT_NAMES, *BACKENDS})
            raise InputError(f"unknown tokenizer {name!r}; known: {', '.join(known)} (or the "
                             "registered name of a Tokenizer class)")
    except TypeError as exc:
        raise InputError(f"tokenizer {spec!r}: {exc}") from None
    tokenizer._check_params()  # a bad option fails here, before a command reads its input
    return tokenizer
