"""The book's ch.7-8 headline results, reproduced on our generated datasets.

Run:  flock /tmp/bench.lock python benchmarks/bench_seq2seq_book.py [--quick] [--plot PATH]

Experiments (the book's settings: embedding 16, batch 128, Adam lr 0.001, gradient clipping 5.0,
45,000 training / 5,000 test pairs, greedy decoding, exact-match accuracy on the test pairs after
every epoch):

- addition (ch.7, :func:`hangul_dl.datasets.addition`, characters, hidden 128, 25 epochs):
  ``Seq2seq``, ``Seq2seq`` with reversed input, ``PeekySeq2seq`` with reversed input;
- Korean dates (ch.8, :func:`hangul_dl.datasets.korean_dates`, all 21 written forms, characters,
  hidden 256, 10 epochs): ``AttentionSeq2seq``.

Prints one table (accuracy % per epoch, seconds per epoch) and saves a plot of the curves with
Hangul labels (``benchmarks/seq2seq_book.png`` unless ``--plot`` says otherwise). ``--quick`` runs
a reduced version (fewer pairs and epochs) to check that everything works.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import time
from pathlib import Path

import numpy as np

from hangul_dl.datasets import addition, korean_dates
from hangul_dl.nn.optimizers import Adam
from hangul_dl.seq2seq import AttentionSeq2seq, PeekySeq2seq, Seq2seq, decoding_accuracy
from hangul_dl.seq2seq.data import encode_pairs, fit_vocabularies
from hangul_dl.training import Trainer

EXPERIMENTS = [
    # name, task, model class, options
    ("Seq2seq", "addition", Seq2seq, {}),
    ("Seq2seq + 입력 반전", "addition", Seq2seq, {"reverse_input": True}),
    ("Peeky + 입력 반전", "addition", PeekySeq2seq, {"reverse_input": True}),
    ("Attention (날짜)", "dates", AttentionSeq2seq, {}),
]
HIDDEN = {"addition": 128, "dates": 256}


def run(name: str, task: str, cls: type, options: dict, data: dict, epochs: int,
        batch: int) -> dict:
    src_vocab, tgt_vocab, src, tgt, n_train = data[task]
    model = cls(len(src_vocab), len(tgt_vocab), embedding_size=16, hidden_size=HIDDEN[task],
                seed=0, **options)
    trainer = Trainer(model, Adam(lr=0.001), quiet=True)
    accuracy, seconds = [], []
    for epoch in range(epochs):
        start = time.perf_counter()
        trainer.fit(src[:n_train], tgt[:n_train], max_epoch=1, batch_size=batch, max_grad=5.0,
                    seed=epoch)
        seconds.append(time.perf_counter() - start)
        accuracy.append(decoding_accuracy(model, src[n_train:], tgt[n_train:]))
        print(f"  {name:18s} epoch {epoch + 1:2d}: loss {trainer.history['loss'].iloc[-1]:.4f}  "
              f"accuracy {100 * accuracy[-1]:5.1f}%  ({seconds[-1]:.1f} s)", flush=True)
    return {"name": name, "task": task, "accuracy": accuracy, "seconds": seconds}


def table(results: list[dict]) -> str:
    epochs = max(len(r["accuracy"]) for r in results)
    head = "| epoch | " + " | ".join(r["name"] for r in results) + " |"
    lines = [head, "| --- |" + " --- |" * len(results)]
    for e in range(epochs):
        cells = [f"{100 * r['accuracy'][e]:.1f}%" if e < len(r["accuracy"]) else ""
                 for r in results]
        lines.append(f"| {e + 1} | " + " | ".join(cells) + " |")
    cells = [f"{np.median(r['seconds']):.1f} s" for r in results]
    lines.append("| s/epoch (median) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results: list[dict], path: Path) -> Path:
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    from hangul_dl.plotting import new_figure, save_figure

    fig = new_figure(figsize=(10, 4))
    with matplotlib.rc_context(fig._hangul_rc):
        panels = (("addition", "덧셈 (7장)"), ("dates", "한국어 날짜 정규화 (8장)"))
        for k, (task, title) in enumerate(panels):
            ax = fig.add_subplot(1, 2, k + 1)
            for r in (r for r in results if r["task"] == task):
                epochs = np.arange(1, len(r["accuracy"]) + 1)
                ax.plot(epochs, 100 * np.array(r["accuracy"]), "o-", markersize=3, label=r["name"])
            ax.set_title(title)
            ax.set_xlabel("에폭")
            ax.set_ylabel("정답률 (%)")
            ax.set_ylim(-2, 102)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.legend()
    return save_figure(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pairs and epochs (a smoke run)")
    parser.add_argument("--plot", type=Path, default=Path(__file__).parent / "seq2seq_book.png")
    parser.add_argument("--only", nargs="+", choices=["addition", "dates"], default=None)
    args = parser.parse_args()
    n, n_test = (6000, 1000) if args.quick else (45_000, 5_000)
    epochs = {"addition": 3 if args.quick else 25, "dates": 2 if args.quick else 10}
    data = {}
    for task, make in (("addition", addition), ("dates", korean_dates)):
        pairs = make(n + n_test, seed=1984)
        src_vocab, tgt_vocab = fit_vocabularies(pairs)
        src, tgt = encode_pairs(pairs, src_vocab, tgt_vocab)
        data[task] = (src_vocab, tgt_vocab, src, tgt, n)
        print(f"{task}: {n:,} training / {n_test:,} test pairs, source {src.shape[1]} and target "
              f"{tgt.shape[1] - 2} characters at most, vocab {len(src_vocab)} -> {len(tgt_vocab)}; "
              f"e.g. {pairs[0]}")
    print(f"numpy {np.__version__}, 1 BLAS thread, batch 128, Adam lr 0.001, clip 5.0\n")
    results = []
    for name, task, cls, options in EXPERIMENTS:
        if args.only is None or task in args.only:
            results.append(run(name, task, cls, options, data, epochs[task], batch=128))
    print()
    print(table(results))
    print(f"\nplot: {plot(results, args.plot)}")


if __name__ == "__main__":
    main()
