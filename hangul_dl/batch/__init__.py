"""Batch corpus jobs: resumable, sharded tokenization of large corpora, vocabularies, exports.

The library behind ``scripts/tokenize_corpus.py``, ``scripts/build_vocab.py`` and
``scripts/export_vectors.py`` (issue #7; the preprocessing of book ch.2 and ch.5 at corpus
scale):

- :class:`~.job.TokenizeJob` — corpus file/directory → ``tokens.txt`` (+ ``ids.npy``), cut into
  shards that are written atomically and reused on the next run (:mod:`.shards`), so a killed
  job resumes where it stopped and ends byte-identical to an uninterrupted one.
- :func:`~.tools.build_vocab` — tokens (or raw text + tokenizer) → :class:`Vocabulary`, streaming.
- :func:`~.tools.export_vectors` — word vectors → word2vec text/binary or TensorBoard TSV.

The scripts share the command line's error policy through :func:`hangul_dl.cli.script.run_script`.
"""

from __future__ import annotations

from .job import BatchResult, TokenizeJob
from .shards import PartStore, Shard, read_shards
from .tools import build_vocab, export_vectors, token_files

__all__ = ["BatchResult", "PartStore", "Shard", "TokenizeJob", "build_vocab", "export_vectors",
           "read_shards", "token_files"]
