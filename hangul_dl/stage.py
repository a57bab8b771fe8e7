"""The stage protocol every pipeline step follows (scikit-learn's conventions).

- ``__init__`` only stores its arguments under the same names: no validation, no JVM, no I/O.
- ``fit(data) -> self``; learned state lives in attributes ending in ``_``.
- ``transform(data)`` streams: it accepts any iterable and returns an iterator or an array.
- Using a stage before ``fit`` raises :class:`~hangul_dl.errors.NotFittedError` ("call fit first").
- ``get_params()`` / ``set_params(**params)`` read and write the constructor arguments.
- ``save(directory)`` / ``Stage.load(directory)``: a manifest with the class name and the
  parameters, plus whatever files the stage writes in ``_save_state``. No pickle.
- ``fingerprint()``: a digest of the learned state (``None`` for stages that learn nothing), so
  caches keyed on a stage tell two fits with the same parameters apart.

Subclasses register themselves by class name, so a saved pipeline can name its stages in JSON.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .errors import FormatError, InputError, NotFittedError
from .io import atomic_directory, read_manifest, write_manifest

__all__ = ["Stage", "build_from_manifest", "constructor_params", "find_registered",
           "registered_stages", "stage_class"]

_REGISTRY: dict[str, type[Stage]] = {}
S = TypeVar("S", bound="Stage")
T = TypeVar("T")


def find_registered(registry: dict[str, type[T]], name: str) -> type[T] | None:
    """``registry[name]``, importing the module of a public class first if it is not loaded.

    Classes register themselves when their module is imported; a saved directory may name a
    class whose module nobody has imported yet (``hangul-dl generate`` loading a tokenizer), so
    the package's public-name map (``hangul_dl._EXPORTS``) says where to find it.
    """
    if name not in registry:
        from . import _EXPORTS

        if name in _EXPORTS:
            importlib.import_module(f"{__package__}.{_EXPORTS[name]}")
    return registry.get(name)


def stage_class(name: str) -> type[Stage]:
    """The registered stage class called ``name`` (used when loading saved pipelines)."""
    klass = find_registered(_REGISTRY, name)
    if klass is None:
        raise FormatError(
            f"unknown stage class {name!r}; known: {', '.join(sorted(_REGISTRY)) or 'none'}. "
            "Was it saved by a newer hangul_dl, or is the module defining it not imported?")
    return klass


def registered_stages() -> dict[str, type[Stage]]:
    """A copy of the registry: class name -> class."""
    return dict(_REGISTRY)


def _init_param_names(cls: type) -> list[str]:
    signature = inspect.signature(cls.__init__)
    return [p.name for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def constructor_params(obj: Any) -> dict[str, Any]:
    """``{name: getattr(obj, name)}`` for every argument of ``type(obj).__init__``.

    Objects that follow the "``__init__`` only stores its arguments" rule can be rebuilt from
    this dictionary; stages call it ``get_params`` and models ``get_config``.
    """
    return {name: getattr(obj, name) for name in _init_param_names(type(obj))}


def build_from_manifest(directory: str | os.PathLike, lookup: Callable[[str], type[T]],
                        base: type) -> T:
    """Read ``directory/manifest.json`` and construct its ``kind`` with its ``config``.

    ``lookup`` maps the saved class name to a class (a registry); the class must be ``base`` or a
    subclass. Shared by :meth:`Stage.load` and :meth:`hangul_dl.nn.model.Model.load`.
    """
    manifest = read_manifest(directory)
    klass = lookup(manifest["kind"])
    if not issubclass(klass, base):
        raise FormatError(f"{directory}: holds a {manifest['kind']}, not a {base.__name__}")
    try:
        return klass(**manifest["config"])
    except TypeError as exc:
        raise FormatError(f"{directory}/manifest.json: config does not fit "
                          f"{klass.__name__} ({exc})") from None


class Stage:
    """Base class of pipeline stages; see the module docstring for the contract."""

    #: Stages that learn nothing (a normalizer, a tokenizer) set this to False.
    requires_fit: ClassVar[bool] = True
    #: The step name ``a | b`` gives this stage in a pipeline ("normalize", "tokenize", ...).
    step_name: ClassVar[str] = "model"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    # -- parameters ----------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments as stored on the object."""
        return constructor_params(self)

    def set_params(self: S, **params: Any) -> S:
        """Set constructor arguments by name; an unknown name raises ``InputError``."""
        valid = _init_param_names(type(self))
        for name, value in params.items():
            if name not in valid:
                raise InputError(f"{type(self).__name__} has no parameter {name!r}; "
                                 f"valid parameters: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        shown = [f"{k}={v!r}" for k, v in self.get_params().items()
                 if defaults.get(k, inspect.Parameter.empty) is inspect.Parameter.empty
                 or not _same(defaults[k], v)]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __or__(self, other: Stage) -> Any:
        """``Normalizer() | KonlpyTokenizer() | Vocabulary()``: a :class:`~hangul_dl.pipeline.Pipeline`."""
        from .pipeline import Pipeline

        if not isinstance(other, Stage):
            return NotImplemented
        return Pipeline.chain(self, other)

    # -- fitting -------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        """True once ``fit`` has run (or for stages that learn nothing)."""
        if not self.requires_fit:
            return True
        return any(k.endswith("_") and not k.startswith("_") for k in vars(self))

    def check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless the stage is fitted."""
        if not self.is_fitted:
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: "
                                 "call fit(data) first, or load a saved one.")

    def fit(self: S, data: Iterable[Any] | None = None) -> S:
        """Learn from ``data`` and return ``self``. Stages that learn nothing just return."""
        return self

    def transform(self, data: Iterable[Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit_transform(self, data: Iterable[Any]) -> Any:
        """``fit(data)`` then ``transform(data)``; subclasses may do it in one pass."""
        if not isinstance(data, (list, tuple)) and not hasattr(data, "__len__"):
            data = list(data)  # an iterator would be exhausted by fit
        return self.fit(data).transform(data)

    # -- persistence ---------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Save parameters and learned state to ``directory`` (atomic, no pickle)."""
        self.check_fitted()
        with atomic_directory(directory) as tmp:
            write_manifest(tmp, kind=type(self).__name__, config=self._config())
            self._save_state(tmp)
        return Path(directory)

    @classmethod
    def load(cls: type[S], directory: str | os.PathLike) -> S:
        """Load a stage written by :meth:`save`; the directory must hold this class or a subclass
        (``Stage.load(DIR)`` loads whatever stage or pipeline ``DIR`` holds)."""
        saved = stage_class(read_manifest(directory)["kind"])
        if issubclass(saved, cls) and saved.load.__func__ is not Stage.load.__func__:
            return saved.load(directory)  # e.g. a Pipeline, which loads its steps itself
        stage = build_from_manifest(directory, stage_class, cls)
        stage._load_state(Path(directory))
        return stage

    def fingerprint(self) -> str | None:
        """SHA-256 hex digest of the learned state; ``None`` for a stage that learns nothing.

        Two fits with equal parameters but different data give different fingerprints, so a
        cache keyed on the stage (:func:`hangul_dl.text.cache.cache_key`, the shard records of
        :class:`~hangul_dl.batch.TokenizeJob`) never serves results of another fit. The digest
        covers the files :meth:`save` writes (names and bytes; the manifest included); stages
        may override it with something cheaper. Raises :class:`NotFittedError` before ``fit``.
        """
        if not self.requires_fit:
            return None
        self.check_fitted()
        digest = hashlib.sha256()
        with tempfile.TemporaryDirectory(prefix="hangul_dl-fingerprint-") as tmp:
            root = self.save(Path(tmp) / "stage")
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                data = path.read_bytes()
                name = path.relative_to(root).as_posix().encode("utf-8")
                digest.update(b"%d:%s\0%d:" % (len(name), name, len(data)))
                digest.update(data)
        return digest.hexdigest()

    def _config(self) -> dict[str, Any]:
        """JSON-serialisable parameters written to the manifest (override to convert values)."""
        return self.get_params()

    def _save_state(self, directory: Path) -> None:
        """Write learned state into ``directory`` (override in stages that learn)."""

    def _load_state(self, directory: Path) -> None:
        """Read learned state back from ``directory`` (override in stages that learn)."""


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # arrays and other objects without a plain boolean ==
        return a is b
