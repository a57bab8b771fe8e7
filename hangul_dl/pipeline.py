"""Chainable pipelines of stages: normalize → tokenize → vocab → model (scikit-learn style).

::

    pipe = Pipeline([("normalize", Normalizer()), ("tokenize", KonlpyTokenizer("okt")),
                     ("vocab", Vocabulary(min_count=5)), ("model", Word2Vec())])
    pipe = Normalizer() | KonlpyTokenizer("okt") | Vocabulary(min_count=5) | Word2Vec()  # same
    pipe.fit("corpus.txt")           # a file or directory (streamed), or any iterable of text
    pipe.most_similar("국회")         # methods of the last step are reachable from the pipeline
    pipe[:-1].transform(["문장"])     # the preprocessing alone: an iterator of ID arrays
    pipe.save("out/w2v"); Pipeline.load("out/w2v")

**Streaming.** ``transform`` chains the steps lazily: each item flows through every step before
the next is read, so a corpus larger than memory passes in constant memory. ``fit`` fits each
step on the output of the steps before it; a step's fit may read its data more than once
(a vocabulary, then IDs; word2vec epochs), so the upstream output is written once to the
package's replay store (:class:`~hangul_dl.text.replay.Replay`, in a temporary folder: token
lists as token lines, IDs memory-mapped) and read back — Okt runs once per item, not once per
pass.

**Token cache.** When ``fit`` reads a file or folder (a corpus whose ``reads_files`` is true:
:class:`~hangul_dl.text.corpus.TextCorpus`, the embedded corpus) and the
pipeline starts with normalizers and a tokenizer (``Normalizer() | KonlpyTokenizer("okt") |
...``), their output comes from the package's token cache (:mod:`hangul_dl.text.cache`, keyed
by the steps' settings and the lines read): a second fit of the same data — a recipe run again
with other model settings — skips the tagger. ``Pipeline(..., cache=False)`` turns it off.

**Context.** A step whose ``fit`` accepts ``vocab`` and/or ``tokenizer`` receives the nearest
fitted :class:`~hangul_dl.text.vocab.Vocabulary` and tokenizer before it, so a model stage can
turn IDs back into words and generate natural text.

**Errors** name the step and the item it failed on (``file:line`` when the data came from a
file): ``step 'tokenize' (KonlpyTokenizer) failed on item 1,204 (data/a.txt:1207): ...``.

Saved layout: ``DIR/manifest.json`` (kind ``Pipeline``, the step list with class names) and one
directory per step, ``DIR/steps/00-normalize/`` … each written by the step's own ``save``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import registry
from .errors import FormatError, HangulDLError, InputError
from .io import MANIFEST, atomic_directory, read_manifest, safe_path, write_manifest
from .stage import Stage, _same, fit_kwargs, loading, saved_name
from .text.ids import IdSequences
from .text.replay import Replay

__all__ = ["Pipeline", "PipelineError", "load_model"]

log = logging.getLogger(__name__)


class PipelineError(HangulDLError, RuntimeError):
    """A step of a pipeline failed; ``step`` names it and ``__cause__`` is the original error."""

    def __init__(self, message: str, step: str):
        super().__init__(message)
        self.step = step


class Pipeline(Stage):
    """A sequence of named stages applied one after another (see the module docstring).

    Args:
        steps: ``[(name, stage), ...]``; names are unique and contain no ``"__"``.
        verbose: log (and print, from the CLI) the time each step took after ``fit``.
        cache: fit the leading normalize → tokenize steps through the token cache when the
            data comes from files (module docstring).
    """

    step_name = "pipeline"

    def __init__(self, steps: Sequence[tuple[str, Stage]], verbose: bool = False,
                 cache: bool = True):
        self.steps = list(steps)
        self.verbose = verbose
        self.cache = cache

    @classmethod
    def chain(cls, *parts: Stage) -> Pipeline:
        """``a | b | c``: stages (and pipelines, flattened) in order, named by their role
        (``normalize``, ``tokenize``, ``vocab``, ``model``; ``_2``… when a name repeats)."""
        steps: list[tuple[str, Stage]] = []
        for part in parts:
            for name, stage in (part.steps if isinstance(part, Pipeline) else [(None, part)]):
                name = name or getattr(stage, "step_name", "model")
                taken = {n for n, _ in steps}
                unique, k = name, 2
                while unique in taken:
                    unique, k = f"{name}_{k}", k + 1
                steps.append((unique, stage))
        return cls(steps)

    # -- access -------------------------------------------------------------------------------
    def _validate(self) -> None:
        names = [name for name, _ in self.steps]
        for name, stage in self.steps:
            if not isinstance(name, str) or not name or "__" in name:
                raise InputError(f"step name {name!r} is invalid: use a non-empty string without "
                                 "'__' (e.g. 'tokenize')")
            if not isinstance(stage, Stage):
                raise InputError(f"step {name!r} is a {type(stage).__name__}, not a Stage; pipeline "
                                 "steps need fit/transform (Normalizer, KonlpyTokenizer, ...)")
        if len(set(names)) != len(names):
            raise InputError(f"step names must be unique, got {names}")

    @property
    def named_steps(self) -> dict[str, Stage]:
        """``{name: stage}`` in order."""
        return dict(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, key: int | str | slice) -> Any:
        """``pipe["vocab"]`` or ``pipe[2]``: a step; ``pipe[:-1]``: a pipeline of those steps."""
        if isinstance(key, slice):
            return type(self)(self.steps[key], verbose=self.verbose, cache=self.cache)
        if isinstance(key, str):
            for name, stage in self.steps:
                if name == key:
                    return stage
            raise KeyError(f"no step named {key!r}; steps: {', '.join(n for n, _ in self.steps)}")
        return self.steps[key][1]

    def __getattr__(self, name: str) -> Any:
        # Methods of the final step (generate, most_similar, translate...) are the pipeline's.
        steps = self.__dict__.get("steps")
        if name.startswith("_") or not steps:
            raise AttributeError(name)
        final = steps[-1][1]
        if hasattr(final, name):
            return getattr(final, name)
        raise AttributeError(f"neither Pipeline nor its last step {type(final).__name__} has "
                             f"an attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline) or len(other) != len(self):
            return NotImplemented if not isinstance(other, Pipeline) else False
        return all(a == b and type(s) is type(t) and _same_params(s, t)
                   for (a, s), (b, t) in zip(self.steps, other.steps))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        lines = [f"  ({name!r}, {stage!r})," for name, stage in self.steps]
        extra = (", verbose=True" if self.verbose else "") + ("" if self.cache else ", cache=False")
        return "Pipeline([\n" + "\n".join(lines) + f"\n]{extra})"

    # -- parameters ---------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """``steps``, ``verbose``, ``cache`` and, with ``deep``, each step and its
        ``step__param`` values."""
        params: dict[str, Any] = {"steps": self.steps, "verbose": self.verbose,
                                  "cache": self.cache}
        if deep:
            for name, stage in self.steps:
                params[name] = stage
                params.update({f"{name}__{k}": v for k, v in stage.get_params().items()})
        return params

    def set_params(self, **params: Any) -> Pipeline:
        """Set ``verbose`` or ``cache``, replace a step by name, or set ``step__param`` on a
        step."""
        for key, value in params.items():
            if key in ("steps", "verbose", "cache"):
                setattr(self, key, list(value) if key == "steps" else value)
            elif "__" in key:
                name, param = key.split("__", 1)
                self._step_or_error(name, key).set_params(**{param: value})
            else:
                self._step_or_error(key, key)
                self.steps = [(n, value if n == key else s) for n, s in self.steps]
        return self

    def _step_or_error(self, name: str, key: str) -> Stage:
        if name not in self.named_steps:
            raise InputError(f"invalid parameter {key!r}: no step named {name!r}; steps: "
                             f"{', '.join(n for n, _ in self.steps)}")
        return self.named_steps[name]

    # -- fitting and streaming ----------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return bool(self.steps) and all(stage.is_fitted for _, stage in self.steps)

    def fit(self, data: Iterable[Any] | str | os.PathLike, **context: Any) -> Pipeline:
        """Fit every step in order on the output of the steps before it; returns ``self``.

        ``data``: an iterable of texts (or of whatever the first step takes), or a path to a
        UTF-8 text file or directory (streamed with :class:`~hangul_dl.text.corpus.TextCorpus`).
        ``context`` (e.g. ``valid=...``) is passed on to the steps whose ``fit`` accepts it.
        """
        with tempfile.TemporaryDirectory(prefix="hangul_dl_pipe_") as spool_dir:
            self._fit(_Source(data), context, Path(spool_dir))
        return self

    def _fit(self, source: _Source, context: dict[str, Any], spool_dir: Path) -> Any:
        """Fit every step; returns the (replayable) stream that was the last step's input."""
        self._validate()
        if not self.steps:
            raise InputError("the pipeline has no steps")
        clock = _Clock(len(self.steps))
        started = time.perf_counter()
        stream: Any = source
        self._check_context(context, self.steps)
        first, cached = self._cached_prefix(source, clock)
        if cached is not None:
            stream = cached  # the output of steps 0 .. first - 1, from the token cache
        for i, (name, stage) in enumerate(self.steps):
            if i < first:
                continue
            if stage.requires_fit:
                stream = _replayable(stream, spool_dir / f"{i:02d}")
                kwargs = fit_kwargs(stage, {**context, **self._context(i)})
                with _naming_errors(name, stage, source, None):
                    clock.run(i, stage.fit, stream, **kwargs)
            if i < len(self.steps) - 1:
                replay = getattr(stage, "ids_", None) if stage.requires_fit else None
                # a TextEncoder kept the IDs of what it was fitted on: read them, don't re-tokenize
                stream = replay if replay is not None else _Lazy(i, name, stage, stream, source,
                                                                 clock)
        total = time.perf_counter() - started
        self.timings_ = dict(zip((n for n, _ in self.steps), clock.seconds))
        for k, (name, _) in enumerate(self.steps):
            message = (f"[Pipeline] ({k + 1} of {len(self.steps)}) {name}: "
                       f"{clock.seconds[k]:.2f}s")
            log.info(message) if not self.verbose else print(message)
        log.info("pipeline fitted in %.2fs", total)
        return stream

    def _cached_prefix(self, source: _Source, clock: _Clock) -> tuple[int, Replay | None]:
        """``(k, tokens)`` when steps ``0 .. k-1`` are normalizers and a ready tokenizer and
        ``source`` reads files: their output for ``source``, from the token cache (tokenized
        now unless cached). ``(0, None)`` when the prefix or the data does not qualify (or
        ``cache=False``); the steps then run as usual."""
        from .text.normalize import Normalizer
        from .text.tokenizer import Tokenizer

        # TextCorpus, the embedded corpus, a recipe's subset of one: the same lines every pass
        if not self.cache or not getattr(source.data, "reads_files", False):
            return 0, None
        k = 0  # the normalizers, then a tokenizer that some later step reads
        while k < len(self.steps) - 1 and type(self.steps[k][1]) is Normalizer:
            k += 1
        before = [stage for _, stage in self.steps[:k]]
        name, stage = self.steps[k]
        if k == len(self.steps) - 1 or not isinstance(stage, Tokenizer) or (
                stage.requires_fit and not stage.is_fitted):
            return 0, None
        from .text.cache import cached_tokenize

        counter = _Counter(source)
        with _naming_errors(name, stage, source, counter):
            # as the step's transform runs it: pipe() defaults, on the executor of an enclosing
            # tokenizing_on block (a recipe's [run] scheduler)
            path = clock.run(k, cached_tokenize, counter, stage, quiet=False, as_path=True,
                             before=before)
        return k + 1, Replay.of_token_file(path)

    def fit_final(self, transformed: Iterable[Any], **context: Any) -> Pipeline:
        """Fit only the last step, on data that already went through the other (fitted) steps.

        Several models can then share one pass of preprocessing: fit ``pipe[:-1]`` once,
        transform the corpus once, and call ``fit_final`` on each ``pre + model`` pipeline.
        """
        self._validate()
        for name, stage in self.steps[:-1]:
            if not stage.is_fitted:
                raise InputError(f"step {name!r} is not fitted; fit_final needs the steps before "
                                 "the last fitted (call fit on the pipeline instead)")
        name, stage = self.steps[-1]
        self._check_context(context, self.steps[-1:])
        kwargs = fit_kwargs(stage, {**context, **self._context(len(self.steps) - 1)})
        with _naming_errors(name, stage, _Source([]), None):
            stage.fit(transformed, **kwargs)
        return self

    @staticmethod
    def _check_context(context: dict[str, Any], steps: list[tuple[str, Stage]]) -> None:
        """Refuse a keyword of ``fit`` that no step takes (it would be silently ignored)."""
        unused = [k for k in context if not any(k in stage.fit_context for _, stage in steps)]
        if unused:
            takes = "; ".join(f"{name}: {', '.join(sorted(stage.fit_context))}"
                              for name, stage in steps if stage.fit_context)
            raise InputError(f"no step of the pipeline takes {', '.join(f'{k}=' for k in unused)} "
                             f"in fit; the steps take: {takes or 'no keyword arguments'}")

    def _context(self, i: int) -> dict[str, Any]:
        """The nearest fitted vocabulary and tokenizer before step ``i``."""
        from .text.vocab import Vocabulary

        found: dict[str, Any] = {}
        for _, stage in reversed(self.steps[:i]):
            if isinstance(getattr(stage, "vocab_", None), Vocabulary) and hasattr(
                    stage, "tokenizer_"):  # a TextEncoder: its own tokenizer and vocabulary
                found.setdefault("vocab", stage.vocab_)
                found.setdefault("tokenizer", stage.tokenizer_)
            if "vocab" not in found and isinstance(stage, Vocabulary):
                found["vocab"] = stage
            if "tokenizer" not in found and hasattr(stage, "tokenize") and hasattr(
                    stage, "detokenize"):
                found["tokenizer"] = stage
        return found

    def transform(self, data: Iterable[Any] | str | os.PathLike) -> Any:
        """Stream ``data`` through every step: what the last step's ``transform`` returns
        (an iterator for the preprocessing steps)."""
        self._validate()
        self.check_fitted()
        source = _Source(data)
        clock = _Clock(len(self.steps))
        stream: Any = source
        for i, (name, stage) in enumerate(self.steps[:-1]):
            stream = _Lazy(i, name, stage, stream, source, clock)
        name, stage = self.steps[-1]
        counter = _Counter(stream)
        with _naming_errors(name, stage, source, counter):
            result = stage.transform(counter)
        if isinstance(result, Iterator):  # keep streaming, still naming the step on errors
            return _guarded(result, len(self.steps) - 1, name, stage, source, counter, clock)
        return result

    def fit_transform(self, data: Iterable[Any] | str | os.PathLike,
                      sink: Callable[[Iterator[Any]], Any] = list, **context: Any) -> Any:
        """Fit, then transform ``data`` — without running the steps before the last fitted one
        a second time: their output, spooled during ``fit``, is replayed (Okt runs once).

        ``sink`` consumes the transformed stream while the spool still exists and its result is
        returned: ``list`` (default), or e.g. ``lambda items: IdSequences.write(DIR, items)`` to
        keep a large corpus on disk.
        """
        source = _Source(data)
        with tempfile.TemporaryDirectory(prefix="hangul_dl_pipe_") as spool_dir:
            last_input = self._fit(source, context, Path(spool_dir))
            name, stage = self.steps[-1]
            counter = _Counter(last_input)
            with _naming_errors(name, stage, source, counter):
                result = stage.transform(counter)
            if isinstance(result, Iterator):
                clock = _Clock(len(self.steps))
                result = _guarded(result, len(self.steps) - 1, name, stage, source, counter,
                                  clock)
            return sink(result)

    # -- files --------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Write the pipeline into one directory: a manifest and one sub-directory per step."""
        self._validate()
        self.check_fitted()
        entries = []
        with atomic_directory(directory) as tmp:
            for i, (name, stage) in enumerate(self.steps):
                relative = f"steps/{i:02d}-{name}"
                stage.save(tmp / relative)
                entries.append({"name": name, "class": saved_name(type(stage)),
                                "path": relative})
            write_manifest(tmp, kind=saved_name(type(self)), config={"verbose": self.verbose},
                           stages=entries)
        return Path(directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Pipeline:
        """Load a directory written by :meth:`save`; a missing step or foreign file fails clearly.

        Every step's ``path`` must stay inside the folder (:func:`~hangul_dl.io.safe_path`) and
        name a sub-folder, and every ``class`` must be a registered stage."""
        directory = Path(directory)
        manifest = read_manifest(directory, kind="Pipeline")
        where = f"{directory / MANIFEST}"
        entries = manifest.get("stages")
        if not isinstance(entries, list) or not entries:
            raise FormatError(f"{where}: no 'stages' list; the file is damaged")
        steps = []
        for i, entry in enumerate(entries):
            key = f"{where}: stages[{i}]"
            if not isinstance(entry, dict) or not all(k in entry for k in ("name", "class",
                                                                             "path")):
                raise FormatError(f"{key} is {str(entry)[:60]!r}; expected an object with "
                                  "name, class and path")
            name, class_name = entry["name"], entry["class"]
            if not isinstance(name, str) or not name:
                raise FormatError(f"{key}.name must be a non-empty string, found {name!r}")
            registry.lookup(class_name, Stage, f"{key}.class")
            path = safe_path(directory, entry["path"], f"{key}.path")
            if not path.is_dir():
                raise FormatError(f"{path}: missing; the pipeline's step {name!r} "
                                  f"({class_name}) was not saved completely")
            stage = Stage.load(path)
            if saved_name(type(stage)) != class_name:
                raise FormatError(f"{path}: holds a {saved_name(type(stage))}, but the manifest "
                                  f"says {class_name}")
            steps.append((name, stage))
        with loading(where):
            pipe = cls(steps, **manifest["config"])
            pipe._validate()
        return pipe


def load_model(directory: str | os.PathLike, expected: type | None = None,
               hint: str = "") -> Any:
    """The model saved in ``directory``: a saved stage itself, or the last step of a saved
    pipeline (what ``hangul-dl run``/``demo`` write). With ``expected`` (a class), anything
    else is an :class:`InputError` naming what the folder holds; ``hint`` says what to pass."""
    saved = Stage.load(directory)
    model = saved[-1] if isinstance(saved, Pipeline) else saved
    if expected is not None and not isinstance(model, expected):
        raise InputError(f"{directory}: holds a {type(model).__name__}, not a "
                         f"{expected.__name__}{'; ' + hint if hint else ''}")
    return model


# -- streaming machinery ---------------------------------------------------------------------
class _Source:
    """The pipeline's input, re-iterable, remembering where recent items came from."""

    def __init__(self, data: Any):
        if isinstance(data, (str, os.PathLike)):
            from .text.corpus import TextCorpus

            if not Path(data).exists():
                raise InputError(f"{data}: no such file or directory; pass a text file, a "
                                 "directory of them, or a list of texts")
            data = TextCorpus(data)
        self.data = data
        self.recent: deque[tuple[int, str]] = deque(maxlen=100_000)

    def __iter__(self) -> Iterator[Any]:
        self.recent.clear()
        locate = getattr(self.data, "location", None)
        for n, item in enumerate(self.data):
            if locate is not None:
                self.recent.append((n, self.data.location))
            yield item

    def where(self, n: int) -> str:
        """``file:line`` of item ``n`` when the data came from a file, else ``""``."""
        for k, location in reversed(self.recent):
            if k == n:
                return location
        return ""


class _Lazy:
    """``stage.transform`` over a re-iterable upstream, itself re-iterable; errors name the step."""

    def __init__(self, index: int, name: str, stage: Stage, upstream: Any, source: _Source,
                 clock: _Clock):
        self.index, self.name, self.stage, self.upstream = index, name, stage, upstream
        self.source, self.clock = source, clock

    def __iter__(self) -> Iterator[Any]:
        counter = _Counter(self.upstream)
        with _naming_errors(self.name, self.stage, self.source, counter):
            output = iter(self.clock.run(self.index, self.stage.transform, counter))
        return _guarded(output, self.index, self.name, self.stage, self.source, counter,
                        self.clock)


def _guarded(output: Iterator[Any], index: int, name: str, stage: Stage, source: _Source,
             counter: _Counter, clock: _Clock) -> Iterator[Any]:
    """Yield from a step's output, timing it and naming the step when it fails."""
    output = iter(output)
    while True:
        with _naming_errors(name, stage, source, counter):
            try:
                item = clock.run(index, next, output)
            except StopIteration:
                return
        yield item


class _Counter:
    """Counts the items a step has taken from its input (for error messages)."""

    def __init__(self, items: Iterable[Any]):
        self.items, self.taken = items, 0

    def __iter__(self) -> Iterator[Any]:
        self.taken = 0
        for item in self.items:
            self.taken += 1
            yield item


class _naming_errors:
    """Re-raise a step's exception as :class:`PipelineError` naming the step and the item."""

    def __init__(self, name: str, stage: Stage, source: _Source, counter: _Counter | None):
        self.name, self.stage, self.source, self.counter = name, stage, source, counter

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, (PipelineError, KeyboardInterrupt, GeneratorExit)):
            return False
        if not isinstance(exc, Exception):
            return False
        where = ""
        if self.counter is not None and self.counter.taken:
            n = self.counter.taken - 1
            location = self.source.where(n)
            where = f" on item {n + 1:,}" + (f" ({location})" if location else "")
        raise PipelineError(f"step {self.name!r} ({type(self.stage).__name__}) failed{where}: "
                            f"{exc}", step=self.name) from exc


def _replayable(stream: Any, directory: Path) -> Any:
    """``stream`` when reading it twice is cheap (a list, a file corpus, IDs on disk), else a
    :class:`~hangul_dl.text.replay.Replay` store in ``directory`` (written on the first pass)."""
    if isinstance(stream, (list, tuple, np.ndarray, Replay, IdSequences)):
        return stream
    if isinstance(stream, _Source) and not isinstance(stream.data, Iterator):
        return stream
    return Replay(stream, directory)


def _same_params(a: Stage, b: Stage) -> bool:
    pa, pb = a.get_params(), b.get_params()
    return pa.keys() == pb.keys() and all(_same(pa[k], pb[k]) for k in pa)


class _Clock:
    """Exclusive wall time per step: time inside a nested (upstream) call is not counted twice."""

    def __init__(self, n: int):
        self.seconds = [0.0] * n
        self._children: list[float] = []

    def run(self, index: int, fn: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        self._children.append(0.0)
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[index] += elapsed - self._children.pop()
            if self._children:
                self._children[-1] += elapsed
