"""A content-addressed cache of tokenized corpora: tokenize a corpus once, reuse it after.

The key is the SHA-256 of the tokenizer (class name, parameters, learned state if any,
hangul_dl version, cache format) and of the input bytes, so changing either — re-fitting a
:class:`~hangul_dl.text.subword.SubwordTokenizer` included — gives a new entry and a stale
result is never returned. An entry is two files under ``$HANGUL_DL_CACHE`` (default
``~/.cache/hangul_dl``)::

    tokens/<key>.txt    one line per input line: the tokens joined by spaces (markers kept)
    tokens/<key>.json   {"lines": N, "sha256": "<hash of the .txt>", "tokenizer": ...}

Both are written atomically; an entry whose text does not match its JSON (a truncated or
edited file) is recomputed with a warning. Example::

    >>> from hangul_dl.text.tokenizers import KonlpyTokenizer
    >>> tokens = cached_tokenize(["아버지가방에 들어가신다"], KonlpyTokenizer())
    >>> tokens
    [['▁아버지', '가방', '에', '▁들어가신다']]
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io import atomic_open, write_json
from .replay import read_token_lines as read_cached  # the replay store's token lines
from .workers import pipe_tokens

__all__ = ["CACHE_ENV", "cache_key", "cache_root", "cached_tokenize", "read_cached"]

logger = logging.getLogger(__name__)

CACHE_ENV = "HANGUL_DL_CACHE"
CACHE_FORMAT = 1


def cache_root(directory: str | os.PathLike | None = None) -> Path:
    """The cache root: the argument, else ``$HANGUL_DL_CACHE``, else ``~/.cache/hangul_dl``."""
    if directory is not None:
        return Path(directory)
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "hangul_dl"


def _stage_spec(stage: Any) -> Any:
    return stage._spec() if hasattr(stage, "_spec") else (type(stage).__name__,
                                                          stage.get_params())


def _tokenizer_identity(tokenizer: Any, before: Sequence[Any] = ()) -> str:
    """What makes two tokenizers give the same tokens, as JSON: class, parameters, learned state
    (:meth:`~hangul_dl.stage.Stage.fingerprint`; only for tokenizers that learn one, so the
    keys of the others stay as they were), hangul_dl version and cache format. Used by
    :func:`cache_key` and the shard records of :class:`~hangul_dl.batch.TokenizeJob`."""
    from .. import __version__

    spec = _stage_spec(tokenizer)
    identity: dict[str, Any] = {"class": spec[0], "params": spec[1], "version": __version__,
                                "format": CACHE_FORMAT}
    state = tokenizer.fingerprint() if hasattr(tokenizer, "fingerprint") else None
    if state is not None:
        identity["state"] = state
    if before:  # text steps run on each line first (a pipeline's normalizers)
        identity["before"] = [list(_stage_spec(stage)) for stage in before]
    return json.dumps(identity, sort_keys=True, ensure_ascii=False, default=repr)


def _lines(source: Iterable[str] | str | os.PathLike) -> Iterator[str]:
    """Input lines without their line ends.

    A path is read by :class:`~hangul_dl.text.corpus.TextCorpus` (UTF-8, BOM and CRLF handled,
    ``.gz`` too), keeping every line — empty ones included — so output line N belongs to input
    line N; a line that is not valid UTF-8 raises ``InputError`` naming ``file:line``.
    """
    if isinstance(source, (str, os.PathLike)):
        from .corpus import TextCorpus

        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: no such file; cached_tokenize expects a path or an "
                             "iterable of lines")
        yield from TextCorpus(path, errors="raise", skip_empty=False, strip=False)
    else:
        for line in source:
            if not isinstance(line, str):
                raise InputError(f"cached_tokenize expects lines of str, got "
                                 f"{type(line).__name__}")
            yield line


def _prepared(lines: Iterator[str], before: Sequence[Any]) -> Iterator[str]:
    for stage in before:
        lines = stage.transform(lines)
    return lines


def cache_key(lines: Iterable[str], tokenizer: Any, before: Sequence[Any] = ()) -> str:
    """SHA-256 hex digest of the tokenizer identity (and of the ``before`` steps) and the input
    lines."""
    digest = hashlib.sha256(_tokenizer_identity(tokenizer, before).encode("utf-8"))
    digest.update(b"\0")
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def _valid(text_path: Path, meta_path: Path) -> bool:
    if not text_path.is_file() and not meta_path.is_file():
        return False
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        digest, lines = hashlib.sha256(), 0
        with open(text_path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                lines += block.count(b"\n")
        if meta.get("sha256") == digest.hexdigest() and meta.get("lines") == lines:
            return True
        reason = "its content does not match its checksum"
    except (OSError, ValueError, AttributeError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    logger.warning("cache entry %s is corrupted (%s); tokenizing again", text_path, reason)
    return False


def cached_tokenize(source: Iterable[str] | str | os.PathLike, tokenizer: Any,
                    cache_dir: str | os.PathLike | None = None, enabled: bool = True,
                    n_jobs: int = 1, batch_size: int = 256, quiet: bool = True,
                    as_path: bool = False, executor: Any = None,
                    before: Sequence[Any] = ()) -> list[list[str]] | Path:
    """Tokenize lines (or a UTF-8 file) with ``tokenizer``, reusing a cached result.

    Returns the token lists (one per input line), or with ``as_path=True`` the path of the
    cache file (one line per input line, tokens joined by spaces), which streams any size
    with :func:`read_cached`. ``enabled=False`` tokenizes without touching the cache.
    A path input, or a re-iterable one such as a :class:`~hangul_dl.text.corpus.TextCorpus`,
    is read twice (hash, then tokenize) so that nothing is held in memory; an iterator is
    read into a list first. ``executor`` (one of :func:`hangul_dl.distributed.where`'s) runs
    the tokenizing elsewhere (``n_jobs`` is then its business); its output is the same bytes,
    so the key is the same. ``before``: text steps (:class:`~hangul_dl.text.normalize.
    Normalizer`) that each line goes through first, here in this process; they are part of
    the key (a pipeline's normalize → tokenize steps share one entry).
    """
    if not enabled:
        if as_path:
            raise InputError("as_path=True needs the cache (enabled=True)")
        return list(pipe_tokens(tokenizer, _prepared(_lines(source), before), n_jobs,
                                batch_size, quiet, executor))
    if isinstance(source, Iterator):
        source = list(source)  # an iterator is needed twice
    key = cache_key(_lines(source), tokenizer, before)
    root = cache_root(cache_dir) / "tokens"
    text_path, meta_path = root / f"{key}.txt", root / f"{key}.json"
    if _valid(text_path, meta_path):
        logger.info("tokenization cache hit: %s", text_path)
    else:
        digest, count = hashlib.sha256(), 0
        with atomic_open(text_path, "w") as out:
            for tokens in pipe_tokens(tokenizer, _prepared(_lines(source), before), n_jobs,
                                      batch_size, quiet, executor):
                line = " ".join(tokens) + "\n"
                digest.update(line.encode("utf-8"))
                out.write(line)
                count += 1
        write_json(meta_path, {"lines": count, "sha256": digest.hexdigest(),
                               "tokenizer": json.loads(_tokenizer_identity(tokenizer, before))})
        logger.info("tokenized %d lines into the cache: %s", count, text_path)
    return text_path if as_path else list(read_cached(text_path))

