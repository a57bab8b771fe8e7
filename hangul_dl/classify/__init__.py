"""Text classification (issue 15): models over padded ID batches and a generated review corpus.

- :mod:`.models` — ``BagOfEmbeddings`` (fastText), ``RNNClassifier`` ((Bi)LSTM/GRU with max,
  mean or attention pooling), ``CNNClassifier`` (Kim 2014), one Trainer-ready interface.
- :mod:`.data` — ``sentiment_reviews``: a seeded, labelled Korean review corpus of realistic
  shape, and its ``label<TAB>text`` TSV writer.
"""

from .data import sentiment_reviews, write_reviews_tsv
from .models import BagOfEmbeddings, ClassifierModel, CNNClassifier, RNNClassifier

__all__ = [
    "BagOfEmbeddings",
    "CNNClassifier",
    "ClassifierModel",
    "RNNClassifier",
    "sentiment_reviews",
    "write_reviews_tsv",
]
