"""Streaming vocabulary counts and word-vector exports for the batch scripts.

- :func:`build_vocab` — book ch.2 ``preprocess`` at corpus scale: count a
  :class:`~hangul_dl.text.vocab.Vocabulary` from ``tokens.txt`` (or raw text and a tokenizer)
  in one streaming pass; only the counts stay in memory.
- :func:`export_vectors` — word vectors (book ch.2-4; our directory, a saved vector stage, or a
  word2vec file) → the word2vec text/binary format or the TSV pair of the TensorBoard
  projector (``vectors.tsv`` + ``metadata.tsv``).

The scripts' error policy (``run_script``) is a command-line concern: it lives in
:mod:`hangul_dl.cli.script`, beside the one ``run_command``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_cpu
from ..errors import InputError
from ..io import atomic_open, read_manifest
from ..progress import progress
from ..text.corpus import CorpusStats, TextCorpus
from ..text.tokenizers import Tokenizer, get_tokenizer
from ..text.vocab import Vocabulary
from ..text.workers import pipe_tokens
from .job import JOB_KIND, TOKENS_FILE

__all__ = ["EXPORT_FORMATS", "build_vocab", "export_vectors", "token_files"]

PathLike = str | os.PathLike
EXPORT_FORMATS = ("word2vec", "word2vec-binary", "tsv")
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def token_files(source: PathLike | Iterable[PathLike]) -> list[PathLike]:
    """Token inputs as files: a :class:`~.job.TokenizeJob` output directory -> its ``tokens.txt``."""
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    out: list[PathLike] = []
    for item in items:
        path = Path(item)
        if path.is_dir() and (path / "manifest.json").is_file() \
                and read_manifest(path).get("kind") == JOB_KIND:
            out.append(path / TOKENS_FILE)
        else:
            out.append(item)
    return out


def build_vocab(source: PathLike | Iterable[PathLike], tokenizer: str | Tokenizer | None = None,
                min_count: int = 1, max_size: int | None = None, n_jobs: int = 1,
                errors: str = "raise", quiet: bool = False,
                executor: Any = None) -> tuple[Vocabulary, CorpusStats]:
    """Count a vocabulary in one streaming pass; returns it and the reader's statistics.

    ``tokenizer=None``: ``source`` holds tokens, one sentence per line, separated by whitespace
    (``tokens.txt``, or a :class:`~.job.TokenizeJob` output directory). Otherwise ``source`` is
    raw text, tokenized with ``tokenizer`` (``"okt"``, a Tokenizer, ...) in ``n_jobs``
    processes, or on ``executor`` (:func:`hangul_dl.distributed.where`: a Dask cluster; the
    same counts). Empty lines are no sentence. The :class:`~hangul_dl.text.corpus.CorpusStats`
    tell how many lines were read, empty, and skipped as bad (``errors="skip"``).

    >>> vocab, stats = build_vocab("out/", min_count=5)      # the tokens of a TokenizeJob
    >>> vocab.save_txt("vocab.txt")
    """
    vocab = Vocabulary(min_count=min_count, max_size=max_size)
    vocab._checked_params()  # a bad min_count/max_size fails before the pass, not after it
    own = tokenizer is not None and not isinstance(tokenizer, Tokenizer)
    tok = None if tokenizer is None else get_tokenizer(tokenizer)
    bar = progress(None, quiet, unit="line", desc="vocab")
    try:
        if tok is None:
            corpus = TextCorpus(token_files(source), errors=errors)
            token_lists: Iterable[list[str]] = (line.split() for line in corpus)
        else:
            corpus = TextCorpus(source, errors=errors)
            token_lists = (t for t in pipe_tokens(tok, corpus, n_jobs, 256, True, executor) if t)
        vocab.fit(_counted(token_lists, bar))
    finally:
        bar.close()
        if own:
            tok.close()
    return vocab, corpus.stats


def _counted(items: Iterable[Any], bar: Any) -> Iterator[Any]:
    for item in items:
        bar.update(1)
        yield item


def export_vectors(source: PathLike, output: PathLike, format: str | None = None,
                   limit: int | None = None) -> list[Path]:
    """Write word vectors in another format; returns the files written.

    ``source``: a :class:`~hangul_dl.embeddings.vectors.WordVectors` directory, a saved vector
    stage (``PPMISVD``, ``Word2Vec``) or a word2vec text/binary file (detected by content).
    ``format``: ``"word2vec"`` (text), ``"word2vec-binary"`` or ``"tsv"``; ``None`` picks binary
    for an ``output`` ending in ``.bin``, text otherwise. ``"tsv"`` writes ``output/vectors.tsv``
    (one row of tab-separated floats per word) and ``output/metadata.tsv`` (the words; with a
    ``word<TAB>count`` header when counts are known) for https://projector.tensorflow.org.
    ``limit`` keeps the first (most frequent) ``limit`` words.
    """
    from ..embeddings.vectors import WordVectors, load_word_vectors

    if format is None:
        format = "word2vec-binary" if str(output).endswith(".bin") else "word2vec"
    if format not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {format!r}; expected one of "
                         f"{', '.join(EXPORT_FORMATS)}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InputError(f"limit={limit!r}: expected a positive number of words")
    wv = load_word_vectors(source)
    if limit is not None and limit < len(wv):
        counts = None if wv.counts is None else wv.counts[:limit]
        wv = WordVectors(wv.index_to_key[:limit], wv.vectors[:limit], counts)
    if format != "tsv":
        return [wv.save_word2vec_format(output, binary=format == "word2vec-binary")]
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; the TSV export writes a directory "
                         "(vectors.tsv + metadata.tsv)")
    vectors = np.asarray(to_cpu(wv.vectors), dtype=np.float32)  # (V, D)
    with atomic_open(out / "vectors.tsv", "w") as f:
        np.savetxt(f, vectors, fmt="%.9g", delimiter="\t")  # 9 digits: float32 round-trips
    words = ["".join(_TSV_ESCAPES.get(c, c) for c in w) for w in wv.index_to_key]
    with atomic_open(out / "metadata.tsv", "w") as f:
        if wv.counts is None:  # one column: the projector wants no header
            f.writelines(f"{w}\n" for w in words)
        else:
            f.write("word\tcount\n")
            f.writelines(f"{w}\t{c}\n" for w, c in zip(words, wv.counts.tolist(), strict=True))
    return [out / "vectors.tsv", out / "metadata.tsv"]
