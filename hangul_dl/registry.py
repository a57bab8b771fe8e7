"""The one table from a saved class name to a class: what a ``manifest.json`` ``kind`` may name.

A saved folder names the class that wrote it (``"kind": "Vocabulary"``); loading looks that name
up here and nowhere else, so a folder can only ever build

- one of hangul_dl's own classes, listed in the fixed table below (their modules are imported
  on first use, so ``Stage.load(DIR)`` works in a fresh interpreter), or
- a class the user registered explicitly::

      from hangul_dl import register

      @register                     # saved as "mypackage.stages.Shouter"
      class Shouter(Stage): ...

      register(MyModel, name="my-model")   # or under a name of your choice

Defining a subclass does **not** make it loadable, and loading never imports a module named in
a file: the only modules ever imported are hangul_dl's own, from :data:`_BUILTIN`. Names are
unambiguous: one name is one class, and a class has one name (:func:`name_of` is what ``save``
writes). A class nobody registered is saved under its qualified name ``module.QualName`` and
loads only after :func:`register`.

API: :func:`register`, :func:`lookup` (``FormatError`` naming the known classes),
:func:`name_of`, :func:`registered`. Stages and models share the table; pass ``base`` to
:func:`lookup` to accept only one family.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, TypeVar

from .errors import FormatError, InputError

__all__ = ["lookup", "name_of", "register", "registered"]

T = TypeVar("T", bound=type)

#: hangul_dl's own loadable classes: saved name -> module (relative to the package). The only
#: modules loading a folder may import. tests/test_registry.py checks that every public Stage
#: and Model subclass of the package is listed and that every entry resolves.
_BUILTIN: dict[str, str] = {
    # stages
    "Pipeline": "pipeline",
    "Normalizer": "text.normalize",
    "CharTokenizer": "text.simple_tokenizers",
    "JamoTokenizer": "text.simple_tokenizers",
    "WhitespaceTokenizer": "text.simple_tokenizers",
    "KonlpyTokenizer": "text.konlpy_tokenizer",
    "WordTokenizer": "text.subword",
    "SubwordTokenizer": "text.subword",
    "Vocabulary": "text.vocab",
    "TextEncoder": "text.encoder",
    "LanguageModel": "lm.language_model",
    "PPMISVD": "embeddings.count",
    "Word2Vec": "embeddings.word2vec",
    "Translator": "seq2seq.translator",
    "TextClassifier": "classify.classifier",
    # models
    "TwoLayerNet": "nn.mlp",
    "RNNLM": "lm.rnnlm",
    "SimpleCBOW": "embeddings.word2vec",
    "SimpleSkipGram": "embeddings.word2vec",
    "CBOW": "embeddings.word2vec",
    "SkipGram": "embeddings.word2vec",
    "Encoder": "seq2seq.encoder_decoder",
    "Decoder": "seq2seq.encoder_decoder",
    "PeekyDecoder": "seq2seq.encoder_decoder",
    "AttentionDecoder": "seq2seq.encoder_decoder",
    "Seq2seq": "seq2seq.models",
    "PeekySeq2seq": "seq2seq.models",
    "AttentionSeq2seq": "seq2seq.models",
    "Word2VecTables": "embeddings.word2vec_training",
    "ClassifierModel": "classify.models",
    "BagOfEmbeddings": "classify.models",
    "RNNClassifier": "classify.models",
    "CNNClassifier": "classify.models",
}

_PACKAGE = __name__.rpartition(".")[0]  # "hangul_dl"
_NAME = re.compile(r"[^\s]{1,200}")
_classes: dict[str, type] = {}  # name -> class (built-ins once imported, and user classes)
_names: dict[type, str] = {}  # class -> name


def register(cls: T, name: str | None = None) -> T:
    """Make ``cls`` loadable from folders whose manifest names it ``name``; returns ``cls``.

    ``name`` defaults to ``"module.QualName"`` (the name :meth:`save` writes for a class nobody
    registered, so folders saved before registering load too). Usable as a decorator. A name
    already taken by another class, or a second name for one class, raises ``InputError``;
    registering the same class under the same name again does nothing.
    """
    if not isinstance(cls, type):
        raise InputError(f"register expects a class, got {cls!r}")
    name = _default_name(cls) if name is None else name
    if not isinstance(name, str) or not _NAME.fullmatch(name) or not name.isprintable():
        raise InputError(f"cannot register {cls.__qualname__} as {name!r}: a name is 1-200 "
                         "characters without spaces, e.g. 'mypackage.MyStage'")
    taken = _classes.get(name)
    if taken is None and name in _BUILTIN:
        taken = _builtin(name)
    if taken is not None and taken is not cls:
        raise InputError(f"the name {name!r} is taken by {_qualified(taken)}; register "
                         f"{_qualified(cls)} under another name, e.g. "
                         f"register({cls.__name__}, name={_qualified(cls)!r})")
    if _names.get(cls, name) != name:
        raise InputError(f"{_qualified(cls)} is already registered as {_names[cls]!r}; a class "
                         "has one name, so folders name it unambiguously")
    _classes[name], _names[cls] = cls, name
    return cls


def lookup(name: Any, base: type | None = None, where: str = "") -> type:
    """The class registered as ``name``; with ``base``, it must be ``base`` or a subclass.

    An unknown name, a name that is not a string, or a class of another family raises
    :class:`FormatError` (prefixed with ``where``, e.g. the manifest's path) that lists the
    known names and says how to register a class of one's own.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(name, str):
        raise FormatError(f"{prefix}a class name must be a string, found "
                          f"{type(name).__name__} {_short(name)}")
    cls = _classes.get(name) or (_builtin(name) if name in _BUILTIN else None)
    if cls is None:
        known = ", ".join(sorted({*_BUILTIN, *_classes}))
        raise FormatError(f"{prefix}unknown class {_short(name)}; known: {known}. Was it saved "
                          "by a newer hangul_dl? A class of your own loads after "
                          f"hangul_dl.register(YourClass{'' if '.' in name else f', name={name!r}'})")
    if base is not None and not issubclass(cls, base):
        raise FormatError(f"{prefix}holds a {name}, not a {base.__name__}")
    return cls


def name_of(cls: type) -> str:
    """The name a manifest stores for ``cls``: its registered name, else ``module.QualName``."""
    name = _names.get(cls)
    if name is not None:
        return name
    if _BUILTIN.get(cls.__name__) and _builtin(cls.__name__) is cls:
        return cls.__name__
    return _qualified(cls)


def registered(base: type | None = None) -> dict[str, type]:
    """``{name: class}`` for every loadable class (only subclasses of ``base`` when given),
    sorted by name. Imports hangul_dl's model modules (it lists them all)."""
    for name in _BUILTIN:
        _builtin(name)
    return {name: cls for name, cls in sorted(_classes.items())
            if base is None or issubclass(cls, base)}


def is_registered(cls: type) -> bool:
    """True when a folder saved by ``cls`` can be loaded (``name_of(cls)`` finds ``cls``)."""
    name = name_of(cls)
    return _classes.get(name) is cls


# -- internals -------------------------------------------------------------------------------
def _builtin(name: str) -> type:
    cls = _classes.get(name)
    if cls is None:
        module = importlib.import_module(f"{_PACKAGE}.{_BUILTIN[name]}")
        cls = getattr(module, name, None)
        if not isinstance(cls, type):  # a bug of ours: the table and the code disagree
            raise FormatError(f"hangul_dl's class table names {name!r} in "
                              f"{module.__name__}, which does not define it; please report this")
        _classes[name], _names[cls] = cls, name
    return cls


def _default_name(cls: type) -> str:
    if cls.__module__.startswith(f"{_PACKAGE}.") and _BUILTIN.get(cls.__name__):
        return cls.__name__
    return _qualified(cls)


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 210 else text[:207] + "..."
