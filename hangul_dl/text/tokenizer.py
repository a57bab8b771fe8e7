"""The tokenizer protocol: one base class every tokenizer follows (a Stage that learns nothing).

::

    tokenize(text) -> list[str]            tokenize_batch(texts) -> list[list[str]]
    detokenize(tokens) -> str              pipe(texts, batch_size=256, n_jobs=1) -> iterator

Tokens carry the word-boundary marker of :mod:`hangul_dl.text.markers`, so
``detokenize(tokenize(s)) == tokenizer.normalize_text(s)`` (the
:class:`~hangul_dl.text.normalize.Normalizer` output) for surface-preserving settings
(:attr:`Tokenizer.round_trips`).

**Batches and time limits.** ``pipe(texts, n_jobs=N)`` tokenizes in N worker processes
(:mod:`hangul_dl.text.workers`: spawned, each with its own JVM), keeps the input order and holds
at most ``2 * N`` chunks in flight. Java calls cannot be interrupted from Python, so the
per-item time limit ``timeout`` is enforced on worker processes: a stuck item gets its worker
killed and restarted, and the item is tokenized character by character
(``on_timeout="fallback"``, logged and counted in :attr:`Tokenizer.stats_`) or raises
:class:`~hangul_dl.errors.TokenizerError` (``on_timeout="raise"``).

**Settings are checked before any work.** ``__init__`` only stores its arguments;
:meth:`Tokenizer._check_params` (run by ``pipe``, ``tokenize_batch`` and ``save`` before they
start, and by each tokenizer before it loads a tagger) refuses unknown values with the allowed
ones, so a typo fails before the first line is read.

Implementations: :mod:`.simple_tokenizers` (characters, jamo, whitespace),
:mod:`.konlpy_tokenizer` (KoNLPy morphemes), :mod:`.subword` (words, BPE); :mod:`.tokenizers`
builds any of them from a name.
"""

from __future__ import annotations

import collections
import copy
import itertools
import os
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from ..errors import InputError
from ..progress import progress
from ..stage import Stage
from .markers import UNKNOWN_TAG, char_tokens, detokenize
from .normalize import Normalizer
from .threads import pipe_threads
from .workers import WorkerPool, current_executor

__all__ = ["Tokenizer"]


def _batched(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class Tokenizer(Stage):
    """Base class: the shared protocol, normalization, markers and batch processing.

    Subclasses implement :meth:`_tokenize_words` (normalized text -> tokens). ``stats_`` counts
    ``items``, ``fallbacks`` (items tokenized character by character after a timeout or a
    tagger failure) and ``tagger_errors``.
    """

    step_name = "tokenize"

    requires_fit = False
    #: True when ``detokenize(tokenize(s)) == normalize_text(s)`` for every ``s``.
    round_trips: ClassVar[bool] = True

    # -- normalization -----------------------------------------------------------------------
    def _normalizer(self) -> Normalizer | None:
        spec = getattr(self, "normalizer", True)
        cached = getattr(self, "_normalizer_cache", None)
        if cached is not None and cached[0] is spec:
            return cached[1]
        if spec is True:
            norm = Normalizer()
        elif spec is False or spec is None:
            norm = None
        elif isinstance(spec, Normalizer):
            norm = spec
        elif isinstance(spec, dict):
            norm = Normalizer(**spec)
        else:
            raise InputError(f"{type(self).__name__}(normalizer={spec!r}): expected True, False, "
                             "a Normalizer or a dict of Normalizer parameters")
        self._normalizer_cache = (spec, norm)
        return norm

    def normalize_text(self, text: str) -> str:
        """The text tokens refer to: normalized, whitespace collapsed to single spaces.

        This is what ``detokenize(tokenize(text))`` returns when :attr:`round_trips` is True.
        """
        if not isinstance(text, str):
            raise InputError(f"{type(self).__name__} expects str, got {type(text).__name__}"
                             + (" (decode bytes with .decode('utf-8'))"
                                if isinstance(text, bytes) else ""))
        norm = self._normalizer()
        if norm is not None:
            text = norm.normalize(text)
        return " ".join(text.split())

    # -- protocol ----------------------------------------------------------------------------
    @property
    def stats_(self) -> dict[str, int]:
        """Counters: ``items``, ``fallbacks``, ``tagger_errors`` (this process and its workers)."""
        if "_stats" not in vars(self):
            self._stats = collections.Counter(items=0, fallbacks=0, tagger_errors=0)
        return self._stats

    @property
    def parallel_threads(self) -> bool:
        """True when :meth:`tokenize` spends its time outside Python's GIL and one tokenizer may
        run on several threads at once (a JVM tagger): ``pipe(n_jobs>1)`` without a time limit
        then tags on threads of this process (:mod:`hangul_dl.text.threads`: one JVM), not in
        worker processes. False here: pure-Python tokenizers would only take turns."""
        return False

    def _start_tagger(self) -> None:
        """Load what :meth:`tokenize` needs (a JVM and its tagger) in the calling thread."""

    def _copy_for_thread(self) -> Tokenizer:
        """A shallow copy for another thread: the same settings and tagger, counters of its own
        (``stats_``) and no worker pool."""
        mine = copy.copy(self)
        vars(mine).pop("_stats", None)
        vars(mine).pop("_pool", None)
        return mine

    def tokenize(self, text: str) -> list[str]:
        """Tokens of one string, word-initial ones marked with ``▁``.

        >>> CharTokenizer().tokenize("한국 어")
        ['▁한', '국', '▁어']
        """
        text = self.normalize_text(text)
        self.stats_["items"] += 1
        if not text:
            return []
        return self._tokenize_words(text)

    def tokenize_batch(self, texts: Iterable[str]) -> list[list[str]]:
        """``[tokenize(t) for t in texts]`` (in this process; see :meth:`pipe` for workers)."""
        self._check_params()
        return [self.tokenize(t) for t in texts]

    def _check_params(self) -> None:
        """Refuse settings that cannot work, naming the allowed values (before any work).

        Subclasses extend it (and call ``super()._check_params()``).
        """
        self._normalizer()

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Text from tokens; the exact inverse of :meth:`tokenize` when :attr:`round_trips`."""
        return detokenize(tokens)

    def _tokenize_words(self, text: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fallback(self, text: str) -> list[str]:
        """Character tokens of normalized ``text`` (what a timed-out item becomes)."""
        return char_tokens(text, tag=UNKNOWN_TAG if getattr(self, "pos", False) else None)

    def transform(self, data: Iterable[str]) -> Iterator[list[str]]:
        """Stage API: same as :meth:`pipe` with default arguments; within a
        :func:`~hangul_dl.text.workers.tokenizing_on` block, on its executor (a pipeline's
        tokenizer step on a Dask cluster: the same tokens)."""
        executor = current_executor()
        return self.pipe(data) if executor is None else executor.pipe(self, data)

    def pipe(self, texts: Iterable[str], batch_size: int = 256, n_jobs: int = 1,
             timeout: float | None = None, on_timeout: str = "fallback",
             quiet: bool = False) -> Iterator[list[str]]:
        """Tokenize a stream lazily, in input order: an iterator of token lists.

        ``n_jobs`` > 1 (or -1 for every core) tags on that many threads of this process when the
        tokenizer's :attr:`parallel_threads` is true (Okt: one JVM for every core), else on that
        many spawned worker processes, each with its own tagger/JVM; at most ``2 * n_jobs``
        chunks of ``batch_size`` texts are in flight, so memory stays bounded on any input size.
        ``timeout`` (seconds per item) runs the work in killable worker processes even when
        ``n_jobs == 1`` (and for Okt too); a timed-out item is tokenized
        character by character and counted in ``stats_["fallbacks"]``
        (``on_timeout="fallback"``) or raises :class:`TokenizerError` (``"raise"``). A progress
        bar is shown on a terminal unless ``quiet``.

        The arguments and the tokenizer's settings are checked here, when ``pipe`` is called,
        before the first text is read.
        """
        if isinstance(texts, str):
            raise InputError("pipe() expects an iterable of strings, got one str; "
                             "use tokenize(text) for a single text")
        if on_timeout not in ("fallback", "raise"):
            raise InputError(f"on_timeout={on_timeout!r}: expected 'fallback' or 'raise'")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InputError(f"batch_size={batch_size!r}: expected a positive integer")
        n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
            raise InputError(f"n_jobs={n_jobs!r}: expected a positive integer or -1")
        self._check_params()
        return self._pipe(texts, batch_size, n_jobs, timeout, on_timeout, quiet)

    def _pipe(self, texts: Iterable[str], batch_size: int, n_jobs: int, timeout: float | None,
              on_timeout: str, quiet: bool) -> Iterator[list[str]]:
        total = len(texts) if hasattr(texts, "__len__") else None
        bar = progress(total, quiet, unit="text", desc="tokenize", leave=False)
        if n_jobs == 1 and timeout is None:
            stream = (self.tokenize_batch(batch) for batch in _batched(texts, batch_size))
        elif timeout is None and self.parallel_threads:
            stream = pipe_threads(self, _batched(texts, batch_size), n_jobs)
        else:
            pool = vars(self).get("_pool")
            if pool is not None and pool.busy:  # a second pipe() running at the same time
                pool = WorkerPool(self, n_jobs, persistent=False)
            elif (pool is None or pool.n_jobs != n_jobs
                  or pool.spec[1:] != self._spec()):
                if pool is not None:
                    pool.close()
                pool = self._pool = WorkerPool(self, n_jobs)  # kept warm for later calls
            stream = pool.run(_batched(texts, batch_size), timeout, on_timeout)
        try:
            for batch in stream:
                yield from batch
                bar.update(len(batch))
        finally:
            bar.close()

    def close(self) -> None:
        """Stop the worker processes a previous ``pipe(n_jobs>1)`` kept warm (if any).

        Workers otherwise stay alive between ``pipe`` calls, so that their JVM start-up and
        JIT warm-up (several seconds each) is paid once; they also stop when Python exits.
        """
        pool = vars(self).pop("_pool", None)
        if pool is not None:
            pool.close()

    # -- persistence ---------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Any:
        """Save the settings (and learned state) to ``directory``; checked first."""
        self._check_params()
        return super().save(directory)

    def _params(self) -> dict[str, Any]:
        """The parameters as JSON values (a Normalizer as its parameters, sets as sorted lists)."""
        config = self.get_params()
        for key, value in config.items():
            if isinstance(value, Normalizer):
                config[key] = value.get_params()
            elif isinstance(value, (set, frozenset, tuple)):
                config[key] = sorted(value)
        return config

    def _config(self) -> dict[str, Any]:
        """The manifest's ``config``: :meth:`_params`, with paths as the saved folder holds them."""
        return self._params()

    def _spec(self) -> tuple[str, dict[str, Any]]:
        """(class name, JSON-able parameters): enough to rebuild this tokenizer elsewhere, in
        this process's file system (worker processes, cache keys)."""
        return type(self).__name__, self._params()
