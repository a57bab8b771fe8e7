"""Text classification (issue 15): the TextClassifier stage, its models and a review corpus.

- :mod:`.classifier` — ``TextClassifier``: text → TextEncoder → IDs → model → labels, one stage.
- :mod:`.trainer` — ``ClassifierTrainer``: the one Trainer on length-bucketed batches.

- :mod:`.models` — ``BagOfEmbeddings`` (fastText), ``RNNClassifier`` ((Bi)LSTM/GRU with max,
  mean or attention pooling), ``CNNClassifier`` (Kim 2014), one Trainer-ready interface.
- :mod:`.data` — ``sentiment_reviews``: a seeded, labelled Korean review corpus of realistic
  shape, and its ``label<TAB>text`` TSV writer.
"""

from .classifier import TextClassifier
from .data import sentiment_reviews, write_reviews_tsv
from .models import BagOfEmbeddings, ClassifierModel, CNNClassifier, RNNClassifier

__all__ = [
    "BagOfEmbeddings",
    "CNNClassifier",
    "ClassifierModel",
    "RNNClassifier",
    "TextClassifier",
    "sentiment_reviews",
    "write_reviews_tsv",
]
