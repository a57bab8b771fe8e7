"""hangul_dl: Korean NLP from scratch on NumPy (CuPy on a GPU, same code).

Importing the package has no side effects: no JVM, no CuPy, no printing. Public names are
resolved lazily on first use, so ``import hangul_dl`` stays fast::

    from hangul_dl import Normalizer, KonlpyTokenizer, Vocabulary

(This table only serves ``from hangul_dl import NAME``. Which classes a saved folder may name
is decided by :mod:`hangul_dl.registry` alone; a class of your own becomes loadable with
``hangul_dl.register(MyStage)``.)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # errors
    "HangulDLError": "errors", "InputError": "errors", "FormatError": "errors",
    "NotFittedError": "errors", "BackendError": "errors", "JVMError": "errors",
    "TokenizerError": "errors", "DivergenceError": "errors", "ShapeError": "errors",
    # engine
    "Stage": "stage",
    "register": "registry",
    "Pipeline": "pipeline",
    "PipelineError": "pipeline",
    "Model": "nn.model",
    "Trainer": "training",
    "BPTTTrainer": "training",
    "perplexity": "training",
    # text front end
    "Normalizer": "text.normalize",
    "KonlpyTokenizer": "text.konlpy_tokenizer",
    "CharTokenizer": "text.simple_tokenizers",
    "JamoTokenizer": "text.simple_tokenizers",
    "WhitespaceTokenizer": "text.simple_tokenizers",
    "WordTokenizer": "text.subword",
    "SubwordTokenizer": "text.subword",
    "get_tokenizer": "text.tokenizers",
    "Vocabulary": "text.vocab",
    "TextEncoder": "text.encoder",
    "TextCorpus": "text.corpus",
    "TableCorpus": "text.tables",
    "ParallelCorpus": "text.parallel",
    "embedded_corpus": "text.embedded",
    "encode_corpus": "text.ids",
    "pad_batch": "text.ids",
    "cached_tokenize": "text.cache",
    "TokenizeJob": "batch",
    # language models
    "RNNLM": "lm.rnnlm",
    "LanguageModel": "lm.language_model",
    "generate_ids": "lm.generate",
    # word vectors
    "WordVectors": "embeddings.vectors",
    "load_word_vectors": "embeddings.vectors",
    "PPMISVD": "embeddings.count",
    "Word2Vec": "embeddings.word2vec",
    "SimpleCBOW": "embeddings.word2vec", "SimpleSkipGram": "embeddings.word2vec",
    "CBOW": "embeddings.word2vec", "SkipGram": "embeddings.word2vec",
    "UnigramSampler": "nn.sampling", "NegativeSamplingLoss": "nn.sampling",
    "planted_word2vec_corpus": "datasets",
    # sequence to sequence (book ch.7-8)
    "Seq2seq": "seq2seq.models",
    "PeekySeq2seq": "seq2seq.models",
    "AttentionSeq2seq": "seq2seq.models",
    "greedy_decode": "seq2seq.decode",
    "beam_search": "seq2seq.decode",
    "addition": "datasets",
    "korean_dates": "datasets",
    # text classification
    "TextClassifier": "classify.classifier",
    "BagOfEmbeddings": "classify.models",
    "RNNClassifier": "classify.models",
    "CNNClassifier": "classify.models",
    "sentiment_reviews": "classify.data",
    "write_reviews_tsv": "classify.data",
    # translation
    "Translator": "seq2seq.translator",
    "corpus_bleu": "metrics",
    "sentence_bleu": "metrics",
    "corpus_chrf": "metrics",
    "sentence_chrf": "metrics",
    "classification_scores": "metrics",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hangul_dl' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hangul_dl.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
