"""TextEncoder: the one owner of text → vocabulary IDs (and back).

An encoder holds a tokenizer (which normalizes first), a :class:`~hangul_dl.text.vocab.Vocabulary`
and a replay store (:mod:`hangul_dl.text.replay`'s formats). ``fit(texts)`` tokenizes every
sentence exactly once and, in one batched pass, builds the vocabulary and writes the IDs to disk
as memory-mapped :class:`~hangul_dl.text.ids.IdSequences` (``ids_``), so a model can read its
training IDs as often as it likes in constant memory. A text file is tokenized into the token
cache (:mod:`hangul_dl.text.cache`; token lines), which is then the store: a rerun skips
tokenizing::

    >>> enc = TextEncoder("okt", min_count=1).fit(["아버지가방에 들어가신다", "ㅋㅋ 재밌다"])
    >>> enc.encode("아버지가 들어가신다")           # array([ 4, 1,  8], dtype=int32)
    >>> enc.decode(enc.encode("아버지가방에 들어가신다"))
    '아버지가방에 들어가신다'

Every input line becomes one sentence of ``ids_`` (an empty line an empty array), so sentence
``i`` is line ``i + 1`` of the input and nothing is dropped silently. Model stages take their IDs
from an encoder: ``TextEncoder(...) | LanguageModel()`` in a pipeline, or an encoder they build
themselves through this same path.

**Where the tokenizing runs** is a setting of this one step, not of each model: ``n_jobs`` local
threads (Okt) or worker processes, or an executor of :func:`hangul_dl.distributed.where` (a
Dask cluster) given to :meth:`TextEncoder.fit`/:meth:`TextEncoder.tokens` as ``executor=``, or
set for a block with :func:`tokenizing_on`, which reaches the encoders that models build
inside their ``fit``::

    >>> with where("local:2") as ex, tokenizing_on(ex):          # or where("tcp://host:8786")
    ...     LanguageModel("okt").fit("corpus.txt")               # tokenized on the cluster

The output is the same bytes wherever it runs, so the token cache serves either.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, InputError
from ..stage import Stage
from .ids import IdSequences
from .replay import TOKENS_FILE, read_token_lines, write_token_lines
from .vocab import DEFAULT_SPECIALS, Vocabulary
from .workers import current_executor, pipe_tokens, tokenizing_on

__all__ = ["TextEncoder", "current_executor", "tokenizing_on"]

log = logging.getLogger(__name__)

_TOKENIZER_DIR = "tokenizer"
_VOCAB_DIR = "vocab"

class TextEncoder(Stage):
    """Text → tokens → vocabulary IDs, tokenizing each sentence once per fit.

    Parameters
    ----------
    tokenizer : str or Tokenizer
        A tokenizer name or spec for :func:`~hangul_dl.text.tokenizers.get_tokenizer`
        (``"okt"``, ``"char"``, ``"jamo"``, ``"whitespace"``, ``"subword"``, ...) or a tokenizer
        stage. Normalization is the tokenizer's (its ``normalizer`` parameter). A tokenizer that
        learns (subword) is fitted on the same texts first.
    min_count, max_size, specials
        The :class:`~hangul_dl.text.vocab.Vocabulary` settings (``max_size`` counts the
        specials; ``None``: no limit).
    n_jobs, batch_size : int
        Tokenizer worker processes and items per batch (see ``Tokenizer.pipe``).
    cache : bool
        Tokenize a text *file* (or folder) into the token cache, so a second fit on the same
        file and tokenizer skips tokenizing.
    store_dir : str or None
        Where the replay store (tokens and ``ids_``) is written; ``None``: a temporary folder
        removed when the encoder is garbage-collected. The store is not part of a saved encoder.
    quiet : bool
        No progress bar or log lines while tokenizing.
    errors : "raise" or "skip"
        A line of a file that is not valid UTF-8 (or holds NUL): an ``InputError`` naming
        ``file:line``, or skipped, logged and counted in :attr:`skipped_lines` (as
        :class:`~hangul_dl.text.corpus.TextCorpus` reads).

    Learned attributes: ``tokenizer_``, ``vocab_``, ``ids_`` (the training sentences as
    :class:`~hangul_dl.text.ids.IdSequences`, one per input line; ``None`` after ``load``).
    """

    step_name = "encode"
    fit_context = frozenset({"vocab"})

    def __init__(self, tokenizer: Any = "okt", min_count: int = 1, max_size: int | None = None,
                 specials: Sequence[str] = DEFAULT_SPECIALS, n_jobs: int = 1,
                 batch_size: int = 256, cache: bool = True, store_dir: str | None = None,
                 quiet: bool = True, errors: str = "raise"):
        self.tokenizer = tokenizer
        self.min_count = min_count
        self.max_size = max_size
        self.specials = specials
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.cache = cache
        self.store_dir = store_dir
        self.quiet = quiet
        self.errors = errors

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, data: Iterable[Any] | str | os.PathLike,
            vocab: Vocabulary | None = None, executor: Any = None) -> TextEncoder:
        """Tokenize ``data`` once into the store, build the vocabulary, write ``ids_``.

        ``data``: texts, token lists (already tokenized; the tokenizer is then used only by
        :meth:`encode`/:meth:`decode`), or the path of a UTF-8 text file or folder (``.gz``
        too). ``vocab``: a fitted vocabulary to encode with instead of building one (a
        pipeline's). ``executor``: where the tokenizing runs (see the module docstring).
        """
        if vocab is None:
            vocab = Vocabulary(self.min_count, self.max_size, self.specials)
            vocab._checked_params()  # refuse bad settings before tokenizing anything
        else:
            vocab.check_fitted()
        tok = self._built_tokenizer()
        store = self._new_store()
        if tok.requires_fit and not tok.is_fitted:
            tok.fit(_texts_for_tokenizer(data, self.errors))
        if _is_path(data):
            tokens = read_token_lines(self._tokenize_into(store, data, tok, executor))
        else:  # straight from the tokenizer (or the token lists): no token file to read back
            self._skipped_lines = 0
            tokens = self._token_lists(data, tok, executor)
        # one batched pass: fits the vocabulary if needed and writes the IDs
        self.ids_ = IdSequences.encode(store / "ids", tokens, vocab,
                                       check_tokens=_token_problems)
        self.tokenizer_, self.vocab_ = tok, vocab
        log.info("encoded %d sentences, %d tokens, vocabulary of %d", len(self.ids_),
                 self.ids_.ids.shape[0], len(vocab))
        return self

    def fit_transform(self, data: Iterable[Any] | str | os.PathLike,
                      vocab: Vocabulary | None = None, executor: Any = None) -> IdSequences:
        """``fit(data)`` and the IDs of ``data`` from the store (no second tokenization)."""
        return self.fit(data, vocab=vocab, executor=executor).ids_

    def tokens(self, data: Iterable[str] | str | os.PathLike,
               executor: Any = None) -> Iterator[list[str]]:
        """The tokenizing step alone: the token list of every text or line, in order (an empty
        line an empty list), without building a vocabulary (``hangul-dl tokenize``, ``vocab``).

        A file or folder goes through the token cache (unless ``cache=False``), so a later
        :meth:`fit` on it skips tokenizing; ``executor``: where it runs (module docstring).
        Uses ``tokenizer_`` once fitted, else the ``tokenizer`` parameter. Streams.
        """
        tok = vars(self).get("tokenizer_") or self._built_tokenizer()
        if tok.requires_fit and not tok.is_fitted:
            raise InputError(f"{type(tok).__name__} learns its pieces from text: fit the "
                             "encoder (or the tokenizer) first")
        self._skipped_lines = 0
        if _is_path(data) and self.cache:
            yield from read_token_lines(self._cached(data, tok, executor))
            return
        if _is_path(data):
            data = self._file_lines(data)
        yield from pipe_tokens(tok, data, self.n_jobs, self.batch_size, self.quiet,
                               executor)
        self._count_skipped()

    def _built_tokenizer(self) -> Any:
        from .tokenizers import get_tokenizer

        if self.errors not in ("raise", "skip"):
            raise InputError(f"TextEncoder(errors={self.errors!r}): expected 'raise' or 'skip'")
        tok = get_tokenizer(self.tokenizer) if isinstance(self.tokenizer, (str, dict)) \
            else self.tokenizer
        if not (hasattr(tok, "pipe") and hasattr(tok, "detokenize")):
            raise InputError(f"TextEncoder(tokenizer={self.tokenizer!r}): expected a tokenizer "
                             "name such as 'okt' or 'char', or a Tokenizer stage")
        return tok

    def _file_lines(self, path: str | os.PathLike) -> Iterator[str]:
        """Every line of a UTF-8 text file or folder, empty ones included (line N → sentence
        N - 1); bad lines raise or are skipped (``errors``), counted in :attr:`skipped_lines`."""
        from .corpus import TextCorpus

        if not Path(path).exists():
            raise InputError(f"{str(path)[:60]!r}: no such file or folder; give the path of a "
                             "UTF-8 text file, or a list of sentences (one sentence: [text])")
        self._corpus = TextCorpus(path, errors=self.errors, skip_empty=False, strip=False)
        return iter(self._corpus)

    def _count_skipped(self) -> None:
        corpus = vars(self).pop("_corpus", None)
        self._skipped_lines = 0 if corpus is None else int(corpus.stats.skipped)

    def _cached(self, path: str | os.PathLike, tok: Any, executor: Any) -> Path:
        """The token cache file of a text file or folder (tokenized now unless cached)."""
        from .cache import cached_tokenize

        self._file_lines(path)  # checks the path; keeps the reader
        # a plain file is hashed and read from disk; a folder, or lines to skip, go through the
        # reader once, into a list (so that skipped lines are counted and reported once)
        source: Any = path if Path(path).is_file() and self.errors == "raise" \
            else list(self._corpus)
        try:
            return cached_tokenize(source, tok, n_jobs=self.n_jobs, batch_size=self.batch_size,
                                   quiet=self.quiet, as_path=True,
                                   executor=executor)
        finally:
            self._count_skipped()

    @property
    def skipped_lines(self) -> int:
        """Bad lines skipped (``errors="skip"``) by the last ``fit`` or ``tokens`` of a file."""
        return int(vars(self).get("_skipped_lines", 0))

    def _new_store(self) -> Path:
        if self.store_dir is not None:
            store = Path(self.store_dir)
            store.mkdir(parents=True, exist_ok=True)
            return store
        old = vars(self).get("_store_cleanup")
        if old is not None:
            old()  # the store of an earlier fit
        store = Path(tempfile.mkdtemp(prefix="hangul_dl-encoder-"))
        self._store_cleanup = weakref.finalize(self, shutil.rmtree, str(store), True)
        return store

    def _tokenize_into(self, store: Path, data: Any, tok: Any, executor: Any = None) -> Path:
        """The tokens of ``data``, one line per input line (the token cache's format)."""
        self._skipped_lines = 0
        if _is_path(data):
            if self.cache:
                return self._cached(data, tok, executor)
            data = self._file_lines(data)
        path = store / TOKENS_FILE
        write_token_lines(path, self._token_lists(data, tok, executor))
        self._count_skipped()
        return path

    def _token_lists(self, data: Iterable[Any], tok: Any,
                     executor: Any = None) -> Iterator[Sequence[str]]:
        """Token lists of texts (tokenized in batches) or of already tokenized sentences."""
        if isinstance(data, str):
            raise InputError("fit expects an iterable of sentences or a file path, got one "
                             f"string {data[:30]!r}; wrap a single sentence in a list")
        items = iter(data)
        first = next(items, None)
        if first is None:
            raise InputError("the text is empty: no sentences to build a vocabulary from")
        if isinstance(first, str):
            yield from pipe_tokens(tok, _texts([first], items), self.n_jobs, self.batch_size,
                                   self.quiet, executor)
            return
        for n, tokens in enumerate(_chain(first, items)):
            if isinstance(tokens, str) or isinstance(tokens, np.ndarray) or not all(
                    isinstance(t, str) for t in tokens):
                raise InputError(f"sentence {n} is {_kind(tokens)}, but sentence 0 was a token "
                                 "list; give every sentence as text or every one as tokens")
            yield tokens  # checked where they are stored (write_token_lines, IdSequences.encode)

    # -- encoding and decoding -------------------------------------------------------------------
    def tokenize(self, text: str) -> list[str]:
        """The tokenizer's tokens of one text."""
        self.check_fitted()
        return self.tokenizer_.tokenize(text)

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Text from tokens (the tokenizer's round trip)."""
        self.check_fitted()
        return self.tokenizer_.detokenize(tokens)

    def encode(self, text: str, add_bos: bool = False, add_eos: bool = False) -> np.ndarray:
        """One text → a 1-D ``int32`` ID array (unknown tokens are ``<unk>``)."""
        self.check_fitted()
        if not isinstance(text, str):
            raise InputError(f"encode expects one text (str), got {type(text).__name__}; use "
                             "transform(texts) for many")
        return self.vocab_.encode(self.tokenizer_.tokenize(text), add_bos=add_bos,
                                  add_eos=add_eos)

    def transform(self, data: Iterable[str] | str | os.PathLike) -> Iterator[np.ndarray]:
        """Stream: one ``int32`` ID array per text (or per line of a file)."""
        self.check_fitted()
        if isinstance(data, (str, os.PathLike)) and Path(data).is_file():
            data = self._file_lines(data)
        elif isinstance(data, str):
            raise InputError("transform expects an iterable of texts or a file path, got one "
                             f"string {data[:30]!r}; use encode(text) for one text")
        return self.vocab_.transform(self._token_lists(data, self.tokenizer_))

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """IDs → natural text: specials dropped (``<unk>`` kept), the tokenizer's round trip."""
        self.check_fitted()
        return self.tokenizer_.detokenize(self.vocab_.decode(ids, skip_specials=True))

    def __len__(self) -> int:
        """The vocabulary size (specials included)."""
        self.check_fitted()
        return len(self.vocab_)

    # -- persistence ---------------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        config = self.get_params()
        # the tokenizer is saved as its own stage beside the manifest; a name is kept for repr
        config["tokenizer"] = self.tokenizer if isinstance(self.tokenizer, str) else None
        config["specials"] = list(self.specials)
        config["store_dir"] = None
        return config

    def _save_state(self, directory: Path) -> None:
        self.tokenizer_.save(directory / _TOKENIZER_DIR)
        self.vocab_.save(directory / _VOCAB_DIR)

    def _load_state(self, directory: Path) -> None:
        from .tokenizers import Tokenizer

        tokenizer = Tokenizer.load(directory / _TOKENIZER_DIR)
        vocab = Vocabulary.load(directory / _VOCAB_DIR)
        if tuple(vocab.specials) != tuple(self.specials):
            raise FormatError(f"{directory}: vocab/ has specials {tuple(vocab.specials)!r} but "
                              f"manifest.json says {tuple(self.specials)!r}; save the encoder again")
        if self.tokenizer is None:
            self.tokenizer = tokenizer
        self.tokenizer_, self.vocab_, self.ids_ = tokenizer, vocab, None


def _is_path(data: Any) -> bool:
    """``data`` names a file or folder (a ``str`` or a ``PathLike``), not sentences."""
    return isinstance(data, (str, os.PathLike))


def _texts_for_tokenizer(data: Any, errors: str = "raise") -> Iterable[str]:
    """What a learning tokenizer (subword) is fitted on: the texts of ``data``."""
    from .corpus import TextCorpus

    if isinstance(data, (str, os.PathLike)):
        return TextCorpus(data, errors=errors, skip_empty=False, strip=False)
    if not isinstance(data, (list, tuple)):
        raise InputError("a subword tokenizer must see the texts before they are encoded: give "
                         "a list of texts or a file path (an iterator can be read only once), or "
                         "fit the tokenizer first")
    return data


def _texts(head: list[str], rest: Iterator[Any]) -> Iterator[str]:
    yield from head
    for n, text in enumerate(rest, start=len(head)):
        if not isinstance(text, str):
            raise InputError(f"sentence {n} is {_kind(text)}, but sentence 0 was text; give every "
                             "sentence as text or every one as tokens")
        yield text


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _kind(item: Any) -> str:
    if isinstance(item, str):
        return f"the string {item[:30]!r}"
    if isinstance(item, np.ndarray):
        return f"an array of {item.dtype}"
    return f"a {type(item).__name__}"


def _token_problems(tokens: list[Any]) -> tuple[int, str] | None:
    """The first bad token of ``tokens`` (distinct types, asked once each by
    :meth:`IdSequences.encode`) and what is wrong with it, or None: one join and two scans in C
    when all are good, a loop only to find the culprit. Tokens are the pieces between spaces."""
    try:
        joined = " ".join(tokens)
        if all(tokens) and "\n" not in joined and joined.count(" ") == len(tokens) - 1:
            return None
    except TypeError:
        pass
    for i, t in enumerate(tokens):
        if not isinstance(t, str):
            return i, "is not a string; give every sentence as text or every one as tokens"
        if not t or " " in t or "\n" in t:
            return i, "is empty or holds white space; tokens are the pieces between spaces"
    return None  # pragma: no cover - the fast check above failed for no reason
