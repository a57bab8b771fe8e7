"""Text-classification benchmark: our TextClassifier models against scikit-learn TF-IDF +
logistic regression and a PyTorch model of our default architecture (BiGRU), on the same
generated reviews and the same tokens.

Run:  python benchmarks/bench_classify.py [--train 150000] [--test 50000] [--valid 10000]
      [--tokenizer okt] [--models bigru bilstm cnn bow] [--epochs 5] [--repeat 3]
(needs ``pip install scikit-learn torch``; benchmark-only dependencies)

The data is :func:`hangul_dl.classify.data.sentiment_reviews` (train seed 1, test seed 2,
validation seed 3). Every text is tokenized **once** with ``--tokenizer`` and its tokens joined
by spaces, so that every contender reads the same tokens (ours and PyTorch through our
vocabulary with the ``whitespace`` tokenizer; TF-IDF through word n-grams of those tokens and
character n-grams of the raw text). Each neural model trains ``--epochs`` epochs with the same
batch size and learning rate, scores the validation set after every epoch and keeps its best
epoch (ours: the Trainer's best weights; PyTorch: the same rule by hand); test accuracy is of
those weights. BLAS/OpenMP threads are pinned to 1 for everyone (``torch.set_num_threads(1)``).
Times are training seconds (min and median of ``--repeat`` runs), tokenizing excluded.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import time

import numpy as np

from hangul_dl.classify.classifier import TextClassifier
from hangul_dl.classify.data import sentiment_reviews
from hangul_dl.classify.trainer import length_batches
from hangul_dl.text.ids import pad_batch
from hangul_dl.text.tokenizers import get_tokenizer


def tokenized(reviews: list[tuple[int, str]], tokenizer: str) -> tuple[list[str], list[str], np.ndarray]:
    """(raw texts, texts of space-joined tokens, labels)."""
    tok = get_tokenizer(tokenizer)
    raw = [text for _, text in reviews]
    joined = [" ".join(tokens) for tokens in tok.pipe(raw, batch_size=512, quiet=True)]
    return raw, joined, np.array([label for label, _ in reviews])


def bench_ours(model: str, train: tuple, valid: tuple, test: tuple, params: dict) -> dict:
    clf = TextClassifier(model=model, tokenizer="whitespace", quiet=True, valid_fraction=0.0,
                         **params)
    start = time.perf_counter()
    clf.fit(train[1], train[2].tolist(), valid=(valid[1], valid[2].tolist()))
    seconds = time.perf_counter() - start
    accuracy = clf.score(test[1], test[2].tolist())
    return {"seconds": seconds, "accuracy": accuracy, "best_epoch": clf.trainer_.best_epoch,
            "clf": clf}


def bench_tfidf(train: tuple, test: tuple, C: float = 4.0) -> dict:
    """TF-IDF of word 1-2-grams (our tokens) and character 1-4-grams (raw text) + LR."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    words = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                            ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2, sublinear_tf=True)
    X = hstack([words.fit_transform(train[1]), chars.fit_transform(train[0])]).tocsr()
    lr = LogisticRegression(C=C, max_iter=1000).fit(X, train[2])
    seconds = time.perf_counter() - start
    X_test = hstack([words.transform(test[1]), chars.transform(test[0])]).tocsr()
    accuracy = float((lr.predict(X_test) == test[2]).mean())
    return {"seconds": seconds, "accuracy": accuracy}


def bench_torch(clf: TextClassifier, train: tuple, valid: tuple, test: tuple, params: dict,
                seed: int = 0) -> dict:
    """A PyTorch model of the architecture of ``clf`` (our default: Embedding → BiGRU (or
    BiLSTM) → masked max pooling → dropout → Linear), Adam, clipping, the same vocabulary,
    batches, epochs and best-epoch rule."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    encode = clf._encode
    V, C = len(clf.encoder_.vocab_), len(clf.classes_)
    D, H = params.get("embedding_size", 64), params.get("hidden_size", 64)
    p = params.get("dropout", 0.3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, D, padding_idx=0)
            self.drop_in = nn.Dropout(p)
            cell = nn.GRU if clf.model.endswith("gru") else nn.LSTM
            self.lstm = cell(D, H, batch_first=True, bidirectional=clf.model.startswith("bi"))
            self.drop = nn.Dropout(p)
            self.out = nn.Linear((2 if clf.model.startswith("bi") else 1) * H, C)

        def forward(self, ids, lengths):
            x = self.drop_in(self.embed(ids))
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths.clamp(min=1), batch_first=True,
                                                       enforce_sorted=False)
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=ids.shape[1])
            mask = (torch.arange(ids.shape[1])[None, :] < lengths[:, None])[..., None]
            h = h.masked_fill(~mask, -1e9).max(dim=1).values
            return self.out(self.drop(h))

    def batches(ids, order):
        batch, lengths = pad_batch([ids[i] for i in order])
        if batch.shape[1] == 0:
            batch = np.zeros((len(order), 1), np.int32)
        return torch.from_numpy(batch.astype(np.int64)), torch.from_numpy(lengths.astype(np.int64))

    def accuracy(net, ids, y):
        net.eval()
        hits = 0
        with torch.no_grad():
            order = np.argsort([len(s) for s in ids], kind="stable")
            for s in range(0, len(order), 256):
                idx = order[s:s + 256]
                b, n = batches(ids, idx)
                hits += int((net(b, n).argmax(1).numpy() == y[idx]).sum())
        net.train()
        return hits / len(ids)

    train_ids, valid_ids, test_ids = encode(train[1]), encode(valid[1]), encode(test[1])
    lengths = np.array([len(s) for s in train_ids])
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=clf.learning_rate())
    loss_fn = nn.CrossEntropyLoss()
    y = torch.from_numpy(train[2].astype(np.int64))
    best, best_state, best_epoch = -1.0, None, 0
    start = time.perf_counter()
    for epoch in range(1, params.get("max_epoch", 5) + 1):
        rng = np.random.default_rng([seed, epoch])
        for idx in length_batches(lengths, params.get("batch_size", 64), rng):
            b, n = batches(train_ids, idx)
            opt.zero_grad()
            loss = loss_fn(net(b, n), y[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), params.get("max_grad", 5.0))
            opt.step()
        acc = accuracy(net, valid_ids, valid[2])
        if acc > best:
            best, best_epoch = acc, epoch
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
    seconds = time.perf_counter() - start
    net.load_state_dict(best_state)
    return {"seconds": seconds, "accuracy": accuracy(net, test_ids, test[2]),
            "best_epoch": best_epoch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=150_000)
    parser.add_argument("--test", type=int, default=50_000)
    parser.add_argument("--valid", type=int, default=10_000)
    parser.add_argument("--tokenizer", default="okt")
    parser.add_argument("--models", nargs="+", default=["bigru", "bilstm", "cnn", "bow"])
    parser.add_argument("--epochs", type=int, default=None, help="default: the library's")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-sklearn", action="store_true")
    args = parser.parse_args()

    defaults = TextClassifier().get_params()
    default_model = defaults["model"]
    params = {k: defaults[k] for k in ("embedding_size", "hidden_size", "dropout", "max_epoch",
                                       "batch_size", "max_grad")}
    if args.epochs:
        params["max_epoch"] = args.epochs
    start = time.perf_counter()
    train = tokenized(sentiment_reviews(args.train, seed=1), args.tokenizer)
    test = tokenized(sentiment_reviews(args.test, seed=2), args.tokenizer)
    valid = tokenized(sentiment_reviews(args.valid, seed=3), args.tokenizer)
    print(f"data: {args.train:,} train / {args.valid:,} valid / {args.test:,} test reviews, "
          f"tokenizer {args.tokenizer!r} ({time.perf_counter() - start:.0f} s to tokenize); "
          f"settings {params}")
    rows: list[tuple[str, list[float], float, str]] = []
    last_clf = None
    for model in args.models:
        runs = [bench_ours(model, train, valid, test, {**params}) for _ in range(args.repeat)]
        last_clf = runs[-1]["clf"] if model == default_model else last_clf
        rows.append((f"hangul_dl {model}", [r["seconds"] for r in runs], runs[-1]["accuracy"],
                     f"best epoch {runs[-1]['best_epoch']}"))
        print(f"  {rows[-1][0]}: {rows[-1][2]:.4f} in {min(rows[-1][1]):.1f} s", flush=True)
    if not args.no_sklearn:
        runs = [bench_tfidf(train, test) for _ in range(args.repeat)]
        rows.append(("sklearn TF-IDF (word 1-2 + char 1-4) + LR", [r["seconds"] for r in runs],
                     runs[-1]["accuracy"], ""))
        print(f"  {rows[-1][0]}: {rows[-1][2]:.4f} in {min(rows[-1][1]):.1f} s", flush=True)
    if not args.no_torch and last_clf is not None:
        runs = [bench_torch(last_clf, train, valid, test, params) for _ in range(args.repeat)]
        rows.append((f"PyTorch {default_model} (same architecture)", [r["seconds"] for r in runs],
                     runs[-1]["accuracy"], f"best epoch {runs[-1]['best_epoch']}"))
        print(f"  {rows[-1][0]}: {rows[-1][2]:.4f} in {min(rows[-1][1]):.1f} s", flush=True)
    print()
    print("| model | test accuracy | train s (min) | train s (median) | note |")
    print("|---|---:|---:|---:|---|")
    for name, seconds, acc, note in rows:
        print(f"| {name} | {acc:.4f} | {min(seconds):.1f} | {statistics.median(seconds):.1f} | "
              f"{note} |")
    ours = next((r for r in rows if r[0] == f"hangul_dl {default_model}"), None)
    peer = next((r for r in rows if r[0].startswith("PyTorch")), None)
    if ours and peer:
        print(f"\nhangul_dl {default_model} / PyTorch time: {min(ours[1]) / min(peer[1]):.2f}x; accuracy "
              f"difference {100 * (ours[2] - peer[2]):+.2f} points")


if __name__ == "__main__":
    main()
