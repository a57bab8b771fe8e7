"""The stage protocol every pipeline step follows (scikit-learn's conventions).

- ``__init__`` only stores its arguments under the same names: no validation, no JVM, no I/O.
- ``fit(data) -> self``; learned state lives in attributes ending in ``_``.
- ``transform(data)`` streams: it accepts any iterable and returns an iterator or an array.
- Using a stage before ``fit`` raises :class:`~hangul_dl.errors.NotFittedError` ("call fit first").
- ``get_params()`` / ``set_params(**params)`` read and write the constructor arguments.
- ``save(directory)`` / ``Stage.load(directory)``: a manifest with the class name and the
  parameters, plus whatever files the stage writes in ``_save_state``. No pickle.
- ``fit_context``: the names of the keyword arguments ``fit`` takes besides the data (``vocab``,
  ``tokenizer``, ``valid``, ``resume``). A pipeline passes a step exactly these — the vocabulary
  and tokenizer fitted before it, and what the caller gave ``Pipeline.fit`` — and refuses a
  keyword no step declares instead of dropping it. Declared, never read off ``fit``'s signature.
- ``fingerprint()``: a digest of the learned state (``None`` for stages that learn nothing), so
  caches keyed on a stage tell two fits with the same parameters apart.

A saved folder names its class by the name :mod:`hangul_dl.registry` gives it; hangul_dl's own
stages are in the registry's fixed table, a stage of your own loads after
``hangul_dl.register(MyStage)``. Loading checks the folder first (:func:`~hangul_dl.io.read_manifest`)
and turns any failure into one :class:`~hangul_dl.errors.FormatError` naming it.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from . import registry
from .errors import FormatError, HangulDLError, InputError, NotFittedError, ShapeError
from .io import FORMAT_VERSION, MANIFEST, atomic_directory, read_manifest, write_manifest

__all__ = ["Stage", "build_from_manifest", "constructor_params", "fit_kwargs", "init_param_names",
           "loading", "saved_class", "stage_class"]

logger = logging.getLogger(__name__)

S = TypeVar("S", bound="Stage")
T = TypeVar("T")
_warned: set[type] = set()


def stage_class(name: str) -> type[Stage]:
    """The stage class a manifest calls ``name`` (``registry.lookup(name, Stage)``)."""
    return registry.lookup(name, Stage)


def init_param_names(cls: type) -> list[str]:
    """The names of ``cls.__init__``'s arguments (what ``get_params`` returns, in order)."""
    signature = inspect.signature(cls.__init__)
    return [p.name for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def constructor_params(obj: Any) -> dict[str, Any]:
    """``{name: getattr(obj, name)}`` for every argument of ``type(obj).__init__``.

    Objects that follow the "``__init__`` only stores its arguments" rule can be rebuilt from
    this dictionary; stages call it ``get_params`` and models ``get_config``.
    """
    return {name: getattr(obj, name) for name in init_param_names(type(obj))}


def saved_name(cls: type) -> str:
    """The class name :meth:`Stage.save` and :meth:`Model.save` write (see :mod:`.registry`);
    logs a warning, once per class, when that name cannot be loaded back yet."""
    name = registry.name_of(cls)
    if not registry.is_registered(cls) and cls not in _warned:
        _warned.add(cls)
        logger.warning("%s is not registered, so a folder saved from it (kind %r) loads only "
                       "after hangul_dl.register(%s)", cls.__qualname__, name, cls.__name__)
    return name


def saved_class(manifest: dict[str, Any], base: type[T], directory: str | os.PathLike) -> type[T]:
    """The class ``manifest["kind"]`` names, which must be ``base`` or a subclass.

    For a folder of an older format version the error also says how to save it again.
    """
    where = f"{Path(directory) / MANIFEST}"
    try:
        return registry.lookup(manifest["kind"], base, where)
    except FormatError as exc:
        version = manifest.get("version")
        if version == FORMAT_VERSION or "unknown class" not in str(exc):
            raise
        raise FormatError(f"{exc}. This folder has format version {version}, which named "
                          f"classes by their bare name: register yours under that name "
                          f"(hangul_dl.register(YourClass, name={manifest['kind']!r})), load "
                          "it, and save it again to write format version "
                          f"{FORMAT_VERSION}") from None


@contextlib.contextmanager
def loading(directory: str | os.PathLike, what: str = "") -> Iterator[None]:
    """Turn any failure while building an object from a saved folder into one
    :class:`FormatError` naming the folder (a folder is untrusted input: no tracebacks)."""
    where = f"{directory}{': ' + what if what else ''}"
    try:
        yield
    except (InputError, ShapeError) as exc:
        raise FormatError(f"{where}: {exc}") from None
    except HangulDLError:
        raise
    except (TypeError, ValueError, LookupError, AttributeError, ArithmeticError, RecursionError,
            MemoryError) as exc:
        raise FormatError(f"{where}: cannot be loaded ({type(exc).__name__}: "
                          f"{str(exc)[:200]}); the folder is damaged or was not written by "
                          "this hangul_dl (save it again)") from None


def build_from_manifest(directory: str | os.PathLike, base: type[T],
                        manifest: dict[str, Any] | None = None) -> T:
    """Construct the class ``directory/manifest.json`` names with its ``config``.

    The class comes from :mod:`hangul_dl.registry` and must be ``base`` or a subclass. Shared
    by :meth:`Stage.load` and :meth:`hangul_dl.nn.model.Model.load`.
    """
    manifest = read_manifest(directory) if manifest is None else manifest
    klass = saved_class(manifest, base, directory)
    with loading(f"{Path(directory) / MANIFEST}", f"config does not fit {klass.__name__}"):
        return klass(**manifest["config"])


class Stage:
    """Base class of pipeline stages; see the module docstring for the contract."""

    #: Stages that learn nothing (a normalizer, a tokenizer) set this to False.
    requires_fit: ClassVar[bool] = True
    #: The step name ``a | b`` gives this stage in a pipeline ("normalize", "tokenize", ...).
    step_name: ClassVar[str] = "model"
    #: The keyword arguments ``fit`` takes besides the data (see the module docstring).
    fit_context: ClassVar[frozenset[str]] = frozenset()

    # -- parameters ----------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments as stored on the object."""
        return constructor_params(self)

    def set_params(self: S, **params: Any) -> S:
        """Set constructor arguments by name; an unknown name raises ``InputError``."""
        valid = init_param_names(type(self))
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
        if not isinstance(other, Stage):
            return NotImplemented
        return registry.lookup("Pipeline", Stage).chain(self, other)  # layer 5, found by name

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
            write_manifest(tmp, kind=saved_name(type(self)), config=self._config())
            self._save_state(tmp)
        return Path(directory)

    @classmethod
    def load(cls: type[S], directory: str | os.PathLike) -> S:
        """Load a stage written by :meth:`save`; the directory must hold this class or a subclass
        (``Stage.load(DIR)`` loads whatever stage or pipeline ``DIR`` holds)."""
        manifest = read_manifest(directory)
        saved = saved_class(manifest, cls, directory)
        if saved.load.__func__ is not Stage.load.__func__:
            return saved.load(directory)  # e.g. a Pipeline, which loads its steps itself
        stage = build_from_manifest(directory, cls, manifest)
        with loading(directory):
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


def fit_kwargs(stage: Stage, context: dict[str, Any]) -> dict[str, Any]:
    """The part of ``context`` that ``stage.fit`` declares it takes (``fit_context``)."""
    return {k: v for k, v in context.items() if k in stage.fit_context}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # arrays and other objects without a plain boolean ==
        return a is b
