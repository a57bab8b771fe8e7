"""Recipes: a pipeline, its data and its report in one TOML file (``hangul-dl run RECIPE``).

A recipe has these tables (``pipelines/*.toml`` are documented examples)::

    [recipe]   name, description
    [input]    path ("embedded" = KoNLPy's kolaw + kobill, or a text file/directory),
               valid (a held-out text) or valid_every (every k-th sentence held out),
               src / tgt or tsv (parallel data for a translator), limit (first N items);
               for a classifier path is a labelled TSV/CSV (text_column, label_column) or
               "sentiment_reviews" (the generated review corpus, limit reviews)
    [output]   dir
    [steps.NAME]   class = "KonlpyTokenizer", and that class's constructor arguments —
                   the shared preprocessing, in order (normalize → tokenize → vocab)
    [models.NAME]  class = "Word2Vec", ... — each model is fitted on the preprocessed corpus
                   (tokenized once for all of them) and saved with the steps as one pipeline
    [report]   similar, topn, word_map, prompts, max_tokens, temperature, top_k, n, translate

:func:`load_recipe` checks everything before any work starts: an unknown table or key, an unknown
class or a value of the wrong type is reported with its key path and the allowed values.
``--set steps.vocab.min_count=2`` style overrides address the same paths. :func:`run_recipe`
fits, saves ``DIR/NAME/`` per model and writes ``DIR/report.md`` with tables and plots.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import os
import sys
import tempfile
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import registry
from .errors import FormatError, InputError
from .stage import Stage, fit_kwargs, init_param_names, stage_class

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the same parser, from PyPI
    import tomli as tomllib

__all__ = ["RecipeResult", "apply_overrides", "bundled_recipes", "check_input_path",
           "check_output_path", "find_recipe", "load_recipe", "run_recipe", "select_models",
           "validate_recipe"]

log = logging.getLogger(__name__)

_SECTIONS: dict[str, dict[str, Any]] = {
    "recipe": {"name": str, "description": str},
    "input": {"path": str, "valid": str, "valid_every": int, "src": str, "tgt": str, "tsv": str,
              "limit": int, "text_column": str, "label_column": str},
    "output": {"dir": str},
    # where tokenizing runs (--scheduler, --jobs) and whether through the token cache (--no-cache)
    "run": {"scheduler": str, "jobs": int, "cache": bool},
    "report": {"similar": list, "topn": int, "word_map": list, "prompts": list,
               "max_tokens": int, "temperature": float, "top_k": int, "n": int,
               "translate": list},
    "steps": dict,
    "models": dict,
}
#: Values that must be at least 1 or 2 wherever they appear (a [section] key or a stage parameter):
#: checked at load, so that ``max_epoch = -3`` or ``limit = 0`` fails before any work.
_AT_LEAST = {"limit": 1, "valid_every": 2, "topn": 1, "max_tokens": 1, "n": 1, "max_epoch": 1,
             "epochs": 1, "dim": 1, "window": 1, "embedding_size": 1, "hidden_size": 1,
             "num_layers": 1, "batch_size": 1, "time_size": 1, "min_count": 1, "max_vocab": 1,
             "max_size": 1, "max_length": 1, "vocab_size": 1, "n_jobs": 1, "beam": 1,
             "patience": 1, "checkpoint_every": 1, "jobs": 1}
#: Stage parameters with a closed set of values: (class, parameter) -> allowed values.
_CHOICES = {("KonlpyTokenizer", "backend"): ("okt", "komoran", "kkma", "hannanum", "mecab"),
            ("Word2Vec", "method"): ("cbow", "skipgram"),
            ("PPMISVD", "svd"): ("randomized", "arpack"),
            ("LanguageModel", "cell"): ("rnn", "lstm", "gru"),
            ("LanguageModel", "optimizer"): ("sgd", "momentum", "adagrad", "rmsprop", "adam"),
            ("Translator", "architecture"): ("attention", "peeky", "seq2seq"),
            ("TextClassifier", "model"): ("bigru", "bilstm", "gru", "lstm", "cnn", "bow"),
            ("TextClassifier", "pooling"): ("max", "mean", "attention"),
            ("TextClassifier", "optimizer"): ("sgd", "momentum", "adagrad", "rmsprop", "adam")}
#: ``input.path`` of a classifier recipe naming the generated review corpus, not a file.
GENERATED_REVIEWS = "sentiment_reviews"
#: Stage parameters naming a tokenizer (``"okt"``, ``"subword:vocab_size=8000"``).
_TOKENIZER_PARAMS = ("tokenizer", "src_tokenizer", "tgt_tokenizer")



# -- reading and checking -------------------------------------------------------------------
def recipe_folder() -> Path:
    """The folder of the bundled recipes, found the same way from an install and from a checkout.

    The recipes live in the repository's top-level ``pipelines/``; an install copies them into
    the package as ``hangul_dl/pipelines/`` (``setup.py``). Both places are relative to this
    module: the package's copy first, then the checkout's folder beside the package, which is
    what ``python -m hangul_dl`` finds when run from the repository root.
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "pipelines", package.parent / "pipelines"):
        if (folder / "demo.toml").is_file():
            return folder
    raise InputError(f"no bundled recipes in {package / 'pipelines'} or {package.parent / 'pipelines'}: "
                     "reinstall hangul-dl (python -m pip install .) from a complete checkout")


def bundled_recipes() -> dict[str, Path]:
    """``{name: path}`` of the bundled recipes (``demo``, ``word2vec``, ...)."""
    return {path.stem: path for path in sorted(recipe_folder().glob("*.toml"))}


def find_recipe(name_or_path: str | os.PathLike) -> Any:
    """A recipe file by path, or by the name of a bundled recipe (``"demo"``, ``"word2vec"``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = bundled_recipes()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    raise InputError(f"{name_or_path}: no such recipe file, and not a bundled recipe name; "
                     f"bundled: {', '.join(sorted(bundled))}")


def load_recipe(path: str | os.PathLike, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Read a TOML recipe (a path or a bundled name), apply ``--set`` overrides and validate
    it; returns the dictionary."""
    given = path
    path = find_recipe(path)
    # a bundled recipe named by name is shown by name, not by where this install keeps it
    shown = f"recipe {given!r} (pipelines/{path.name})" if path != Path(given) else str(path)
    try:
        recipe = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{shown}: not a valid UTF-8 TOML file: {exc}") from None
    apply_overrides(recipe, overrides)
    validate_recipe(recipe, shown)
    return recipe


def apply_overrides(recipe: dict[str, Any], overrides: Sequence[str]) -> None:
    """Apply ``"a.b.c=value"`` settings in place; the value is read as TOML when it parses
    (``5``, ``true``, ``["국회"]``) and as a plain string otherwise (``out/w2v``)."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise InputError(f"--set {item!r}: expected section.key=value, e.g. "
                             "--set steps.vocab.min_count=2 or --set output.dir=out")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        table = recipe
        for part in parts[:-1]:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise InputError(f"--set {item!r}: {part!r} is a value, not a table")
        table[parts[-1]] = value


def validate_recipe(recipe: dict[str, Any], source: str = "recipe") -> None:
    """Raise :class:`InputError` listing every problem (key path, what is wrong, what is allowed)."""
    problems: list[str] = []
    for section, value in recipe.items():
        spec = _SECTIONS.get(section)
        if spec is None:
            problems.append(f"[{section}]: unknown table; allowed: {', '.join(_SECTIONS)}")
        elif spec is dict:
            if not isinstance(value, dict):
                problems.append(f"{section}: must be a table of [{section}.NAME] tables")
                continue
            for name, params in value.items():
                problems += _check_stage(f"{section}.{name}", params)
        elif not isinstance(value, dict):
            problems.append(f"{section}: must be a table, got {type(value).__name__}")
        else:
            for key, item in value.items():
                if key not in spec:
                    problems.append(f"{section}.{key}: unknown key; allowed: {', '.join(spec)}")
                elif not _is_instance(item, spec[key]):
                    problems.append(f"{section}.{key}: expected {spec[key].__name__}, got "
                                    f"{item!r} ({type(item).__name__})")
                else:
                    problems += _check_range(f"{section}.{key}", key, item)
    if not recipe.get("steps") and not recipe.get("models"):
        problems.append("the recipe has neither [steps.NAME] nor [models.NAME] tables")
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))


def _recipe_stages() -> list[str]:
    """The stage classes a recipe may name: every registered stage (hangul_dl's own and those a
    user registered) but ``Pipeline``, which the recipe itself builds."""
    return [name for name in registry.registered(Stage) if name != "Pipeline"]


def _recipe_stage(name: Any) -> type[Stage] | None:
    if not isinstance(name, str) or name == "Pipeline":
        return None
    try:
        return registry.lookup(name, Stage)
    except FormatError:
        return None


def _check_stage(where: str, params: Any) -> list[str]:
    if not isinstance(params, dict):
        return [f"{where}: must be a table with class = \"...\""]
    name = params.get("class")
    klass = _recipe_stage(name)
    if klass is None:
        return [f"{where}.class: {name!r} is not a stage; allowed: {', '.join(_recipe_stages())}"]
    try:
        hints = typing.get_type_hints(klass.__init__)
    except Exception:  # an annotation that does not evaluate: check names only
        hints = {}
    allowed = init_param_names(klass)
    problems = []
    for key, value in params.items():
        if key == "class":
            continue
        if key not in allowed:
            problems.append(f"{where}.{key}: {name} has no parameter {key!r}; allowed: "
                            f"{', '.join(allowed)}")
        elif key in hints and not _is_instance(value, hints[key]):
            problems.append(f"{where}.{key}: expected {_type_name(hints[key])}, got {value!r}")
        else:
            problems += _check_value(where, name, key, value)
    return problems


def _check_range(where: str, key: str, value: Any) -> list[str]:
    """``value`` against :data:`_AT_LEAST` (numbers only; ``None`` is a default); the form of
    ``run.scheduler`` (``local:N`` or a Dask scheduler address)."""
    if where == "run.scheduler":
        from .distributed import where as where_work_runs

        try:
            where_work_runs(value)
        except InputError as exc:
            return [f"run.scheduler: {str(exc).partition(': ')[2] or exc}"]
    least = _AT_LEAST.get(key)
    if least is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return []
    if value < least:
        return [f"{where}: must be {least} or more, got {value!r}"]
    return []


def _check_value(where: str, class_name: str, key: str, value: Any) -> list[str]:
    """Ranges, closed sets of values and tokenizer names of one stage parameter."""
    problems = _check_range(f"{where}.{key}", key, value)
    if key == "lr" and isinstance(value, (int, float)) and not value > 0:
        problems.append(f"{where}.lr: must be greater than 0, got {value!r}")
    if key == "dropout" and isinstance(value, (int, float)) and not 0 <= value < 1:
        problems.append(f"{where}.dropout: must be in [0, 1), got {value!r}")
    allowed = _CHOICES.get((class_name, key))
    if allowed is not None and isinstance(value, str) and value not in allowed:
        problems.append(f"{where}.{key}: {value!r} is not one of {', '.join(allowed)}")
    if key in _TOKENIZER_PARAMS and isinstance(value, (str, dict)):
        from .text.tokenizers import get_tokenizer

        try:
            get_tokenizer(value)  # builds the object only: no JVM, no dictionary loaded
        except InputError as exc:
            problems.append(f"{where}.{key}: {exc}")
    return problems


def _is_instance(value: Any, hint: Any) -> bool:
    """``isinstance`` for the annotations recipes meet (unions, Optional, int-as-float)."""
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return any(_is_instance(value, h) for h in typing.get_args(hint))
    if origin is not None:
        hint = origin
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is os.PathLike:
        return isinstance(value, str)
    try:
        return isinstance(value, hint)
    except TypeError:
        return True


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def check_input_path(path: str | os.PathLike, what: str = "input") -> Path:
    """``path`` must be an existing, readable file or folder; raises :class:`InputError`."""
    from .io import recover

    path = Path(path)
    if not path.exists() and not recover(path):  # a folder a killed save left aside comes back
        raise InputError(f"{what} {path}: no such file or folder")
    if not os.access(path, os.R_OK):
        raise InputError(f"{what} {path}: not readable (permission denied)")
    return path


def check_output_path(path: str | os.PathLike, kind: str = "dir", what: str = "output") -> Path:
    """``path`` must be writable as a ``kind`` (``"dir"`` or ``"file"``): not an existing path of
    the other kind, and inside a folder this process may write (the nearest existing one).
    Nothing is created."""
    path = Path(path)
    if kind == "dir" and path.exists() and not path.is_dir():
        raise InputError(f"{what} {path}: is a file, but a folder is written there; remove it "
                         "or choose another path")
    if kind == "file" and path.is_dir():
        raise InputError(f"{what} {path}: is a folder, but a file is written there; name a "
                         "file inside it")
    parent = path if kind == "dir" and path.is_dir() else path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{what} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: the folder {parent} is not writable (read-only or "
                         "permission denied); choose another path")
    return path


def _check_recipe_paths(section: dict[str, Any], translator: bool, out: Path) -> None:
    """The [input] files exist and the output folder can be written, before any work."""
    keys = ("tsv",) if translator and "tsv" in section else ("src", "tgt") if translator else (
        "path", "valid")
    for key in keys:
        value = section.get(key)
        if value is not None and not (key == "path" and value in ("embedded", GENERATED_REVIEWS)):
            check_input_path(value, f"input.{key}")
    check_output_path(out, "dir", "output.dir")


def _stage_flops(stage: Stage) -> float | None:
    """Floating-point operations of one typical matrix product of a model's training, for the
    BLAS thread rule (:mod:`hangul_dl.threads`); None: small products."""
    from .threads import gemm_flops

    params = stage.get_params()
    hidden, batch = params.get("hidden_size"), params.get("batch_size")
    if isinstance(hidden, int) and isinstance(batch, int):  # one recurrent step: (N,H) @ (H,4H)
        return gemm_flops(batch, hidden, 4 * hidden)
    if type(stage).__name__ == "PPMISVD" and isinstance(params.get("dim"), int):
        return gemm_flops(10_000, params["dim"], params["dim"])  # the SVD's dense products
    return None


def select_models(recipe: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """A copy of ``recipe`` with only the ``[models.NAME]`` tables named (all when empty)."""
    models = recipe.get("models", {})
    unknown = [n for n in names if n not in models]
    if unknown:
        raise InputError(f"recipe has no model {', '.join(map(repr, unknown))}; its models: "
                         f"{', '.join(models) or '(none)'}")
    if not names:
        return recipe
    return {**recipe, "models": {n: models[n] for n in models if n in names}}


# -- running -----------------------------------------------------------------------------------
@dataclass
class RecipeResult:
    """What a recipe run produced (the CLI prints it; the report holds the same)."""

    output: Path
    pipelines: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    neighbours: dict[str, dict[str, list[tuple[str, float]]]] = field(default_factory=dict)
    generated: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def build_stage(params: dict[str, Any], defaults: dict[str, Any]) -> Stage:
    """The stage a ``[steps.NAME]``/``[models.NAME]`` table describes; ``defaults`` (quiet,
    device, seed) fill the constructor arguments the table leaves out."""
    klass = stage_class(params["class"])
    accepted = init_param_names(klass)
    kwargs = {k: v for k, v in defaults.items() if k in accepted and v is not None}
    kwargs.update({k: v for k, v in params.items() if k != "class"})
    return klass(**kwargs)


class _Subset:
    """A re-iterable view of a corpus: its first ``limit`` items, then every ``every``-th of
    them (``held_out``) or all the others. Streams; keeps the corpus's ``file:line``."""

    def __init__(self, corpus: Any, limit: int | None = None, every: int | None = None,
                 held_out: bool = False):
        self.corpus, self.limit, self.every, self.held_out = corpus, limit, every, held_out

    def __iter__(self) -> Any:
        for i, item in enumerate(itertools.islice(self.corpus, self.limit)):
            if not self.every or ((i + 1) % self.every == 0) == self.held_out:
                yield item

    @property
    def location(self) -> str:
        return getattr(self.corpus, "location", "")

    @property
    def reads_files(self) -> bool:
        """The same lines on every pass when the corpus reads files (the token cache's test)."""
        return bool(getattr(self.corpus, "reads_files", False))


def _labelled_data(section: dict[str, Any], seed: int | None) -> tuple[Any, Any]:
    """A classifier's ``(label, text)`` rows: a labelled table, or generated reviews (labels
    "긍정"/"부정", ``limit`` of them, 20,000 by default)."""
    from .text.tables import TableCorpus

    limit = section.get("limit")
    columns = {"text_column": section.get("text_column", "text"),
               "label_column": section.get("label_column", "label")}
    if section.get("path") == GENERATED_REVIEWS:
        from .classify.data import sentiment_reviews

        names = {0: "부정", 1: "긍정"}
        data: Any = [(names[y], t) for y, t in sentiment_reviews(limit or 20_000, seed or 0)]
    elif section.get("path"):
        data = list(itertools.islice(TableCorpus.labelled(section["path"], **columns), limit))
    else:
        raise InputError("input.path: a classifier needs a labelled TSV/CSV file (label, text "
                         f"columns) or \"{GENERATED_REVIEWS}\" (generated reviews)")
    valid = list(TableCorpus.labelled(section["valid"], **columns)) if section.get("valid") \
        else None
    every = section.get("valid_every")
    if every:
        valid = list(_Subset(data, None, every, held_out=True))
        data = list(_Subset(data, None, every))
    return data, valid


def _read_data(section: dict[str, Any], translator: bool) -> tuple[Any, Any]:
    """(training data, validation data or None) as the [input] table describes; a text file
    or directory is streamed, not read into memory."""
    from .text.corpus import ParallelCorpus, TextCorpus, embedded_corpus

    limit = section.get("limit")
    if translator:
        if "tsv" in section:
            data = ParallelCorpus.from_table(section["tsv"])
        elif "src" in section and "tgt" in section:
            data = ParallelCorpus(section["src"], section["tgt"])
        else:
            raise InputError("input: a translator needs input.src and input.tgt (aligned files) "
                             "or input.tsv (two columns)")
        return list(itertools.islice(data, limit)), None
    path = section.get("path", "embedded")
    corpus = embedded_corpus() if path == "embedded" else TextCorpus(path)
    every = section.get("valid_every")
    if every is not None and every < 2:
        raise InputError(f"input.valid_every must be 2 or more, got {every}")
    data = _Subset(corpus, limit, every) if limit is not None or every else corpus
    valid = TextCorpus(section["valid"]) if section.get("valid") else None
    if every:
        valid = _Subset(corpus, limit, every, held_out=True)
    return data, valid


def _keep_on_disk(directory: Path) -> Any:
    """A ``Pipeline.fit_transform`` sink: the preprocessed corpus in the replay store (ID
    arrays memory-mapped as :class:`IdSequences`, token lists or texts in a file)."""
    from .text.replay import Replay

    def sink(items: Any) -> Any:
        store = Replay.write(items, directory)
        return store.ids if store.ids is not None else store

    return sink


def _checkpoint_to_resume(name: str, model: Stage) -> str | None:
    """The ``checkpoint_dir`` a model can resume from (it has ``last/``), else None."""
    directory = getattr(model, "checkpoint_dir", None)
    if directory is None or "resume" not in model.fit_context:
        return None
    if not (Path(directory) / "last").is_dir():
        log.info("model %r: no checkpoint in %s yet; training from the start", name, directory)
        return None
    return str(directory)


def _stop_if_interrupted(name: str, model: Stage, saved: Path) -> None:
    """Ctrl-C stopped the model's trainer (which kept what it learned): stop the recipe too."""
    if not getattr(getattr(model, "trainer_", None), "interrupted", False):
        return
    directory = getattr(model, "checkpoint_dir", None)
    hint = (f"run the same command with --resume to continue from {directory}" if directory
            else f"set models.{name}.checkpoint_dir to be able to resume next time")
    raise KeyboardInterrupt(f"model {name!r} stopped; what it learned so far is saved in "
                            f"{saved}; {hint}")


def _tokenizing_where(section: dict[str, Any]) -> Any:
    """A context in which every encoder and tokenizer step tokenizes where ``[run]`` says
    (``scheduler``, ``jobs``; no ``[run]``: each stage's own ``n_jobs``); the executor is
    started here, so a missing Dask or an unreachable scheduler is one error before any work,
    and closed when the context ends."""
    import contextlib

    from .distributed import where
    from .text.encoder import tokenizing_on

    executor = where(section.get("scheduler"), jobs=section.get("jobs", 1)).start()

    @contextlib.contextmanager
    def tokenizing() -> Any:
        try:
            with tokenizing_on(executor if section else None):
                yield executor
        finally:
            executor.close()

    return tokenizing()


def run_recipe(recipe: dict[str, Any], output: str | os.PathLike | None = None,
               quiet: bool = False, device: str | None = None, seed: int | None = None,
               resume: bool = False, threads: int | str | None = None) -> RecipeResult:
    """Fit the recipe's steps once and each of its models on their output; save every model as
    a pipeline under ``output`` (default ``[output] dir``) and write ``report.md`` there.

    Ctrl-C during a model's training saves that model as it is and raises
    ``KeyboardInterrupt``. With ``resume=True`` a model with a ``checkpoint_dir`` holding a
    checkpoint continues from it (up to its ``max_epoch`` in all) instead of starting again.
    """
    import time

    from .pipeline import Pipeline
    from .report import write_report
    from .threads import blas_threads

    validate_recipe(recipe)
    out = Path(output or recipe.get("output", {}).get("dir", "hangul_dl_output"))
    defaults = {"quiet": quiet, "device": device, "seed": seed}
    steps = [(name, build_stage(p, defaults)) for name, p in recipe.get("steps", {}).items()]
    models = [(name, build_stage(p, defaults)) for name, p in recipe.get("models", {}).items()]
    translator = any(type(m).__name__ == "Translator" for _, m in models)
    _check_recipe_paths(recipe.get("input", {}), translator, out)
    if any(type(m).__name__ == "TextClassifier" for _, m in models):
        data, valid = _labelled_data(recipe.get("input", {}), seed)
    else:
        data, valid = _read_data(recipe.get("input", {}), translator)
    result = RecipeResult(output=out)
    started = time.perf_counter()
    run = dict(recipe.get("run", {}))
    # normalize → tokenize on a file through the token cache: a run again skips the tagger
    cache = run.pop("cache", True)
    pre = Pipeline(steps, cache=cache)
    tokenizing = _tokenizing_where(run)  # a cluster reached before any work
    out.mkdir(parents=True, exist_ok=True)
    with tokenizing, tempfile.TemporaryDirectory(prefix="hangul_dl_recipe_") as spool:
        if steps:  # preprocessed once for every model, kept on disk (memory-mapped IDs)
            data = pre.fit_transform(data, sink=_keep_on_disk(Path(spool) / "train"))
            if valid is not None:
                valid = _keep_on_disk(Path(spool) / "valid")(pre.transform(valid))
            result.timings.update(pre.timings_)
        for name, model in models:
            log.info("fitting model %r (%s)", name, type(model).__name__)
            tick = time.perf_counter()
            pipe = Pipeline([*steps, (name, model)], cache=cache)
            context: dict[str, Any] = {"valid": valid} if valid is not None else {}
            checkpoint = _checkpoint_to_resume(name, model) if resume else None
            if checkpoint:
                log.info("model %r: resuming from %s", name, checkpoint)
                context["resume"] = checkpoint
            context = fit_kwargs(model, context)  # held-out data only to models that validate
            with blas_threads(threads, _stage_flops(model)) as n:
                log.info("model %r: %d BLAS thread(s)", name, n)
                pipe.fit_final(data, **context) if steps else pipe.fit(data, **context)
            result.timings[name] = time.perf_counter() - tick
            pipe.save(out / name)
            _stop_if_interrupted(name, model, out / name)
            result.pipelines[name] = pipe
            result.files[name] = out / name
    result.timings["total"] = time.perf_counter() - started
    result.files["report"] = write_report(result, recipe, pre if steps else None)
    return result
