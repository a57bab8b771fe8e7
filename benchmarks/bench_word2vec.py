"""word2vec speed and quality: hangul_dl.Word2Vec against gensim (benchmark-only dependency).

Both corpus shapes of :mod:`corpora` (``zipf``: today's clean Zipf sentences; ``reviews``:
short noisy review-shaped lines with planted evaluation sets), written to a tokenized text file
(one sentence a line, tokens separated by spaces). Settings: dim 100, window 5, negative 5,
sample 1e-3, min_count 5, one BLAS thread; gensim with workers=1 and workers=2.

Speed, **end to end from the file**: ours reads the lines, splits them and calls
``Word2Vec.fit`` (vocabulary, IDs, training); gensim builds ``Word2Vec(LineSentence(path))``
(``build_vocab`` + ``train``) — the same work on both sides. The training part alone is printed
beside it (ours ``_fit_stream``, gensim ``train``). Contenders run interleaved, repeat by repeat,
in this process; min and median seconds are printed, and the ratio gensim w=1 median / ours
median (> 1: we are faster). Each row also gives the median process CPU seconds (all threads:
gensim's ``workers=1`` trains in one thread and reads in another, ours trains in one and makes
the next block of pairs in another) and the 1-minute load average when the row was measured,
so that figures from a shared machine can be judged.

Quality: the planted pair scores (Spearman) and analogies (3CosAdd accuracy) of each corpus that
has them (``reviews``), and of ``planted_word2vec_corpus`` (``planted``), trained by both at
``--quality-epochs`` and scored by the same evaluator, averaged over ``--seeds`` seeds.

    pip install gensim
    python benchmarks/bench_word2vec.py [--tokens 500000] [--epochs 5] [--repeat 3]
    python benchmarks/bench_word2vec.py --skip-quality --repeat 5   # speed only
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from envinfo import blas_header

from corpora import corpus_stats, review_corpus, zipf_corpus
from hangul_dl.datasets import planted_word2vec_corpus
from hangul_dl.embeddings.vectors import WordVectors
from hangul_dl.embeddings.word2vec import Word2Vec

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5)


def gensim_model(path, method, workers, epochs, seed):
    """gensim from the file: (model, end-to-end seconds, training seconds, CPU seconds end to
    end, CPU seconds of the training)."""
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence

    c0, t0 = time.process_time(), time.perf_counter()
    sentences = LineSentence(str(path))
    model = GensimWord2Vec(vector_size=SETTINGS["dim"], window=SETTINGS["window"],
                           negative=SETTINGS["negative"], sample=SETTINGS["sample"],
                           min_count=SETTINGS["min_count"], sg=int(method == "skipgram"),
                           workers=workers, seed=seed)
    model.build_vocab(sentences)
    c1, t1 = time.process_time(), time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    t2 = time.perf_counter()
    return model, t2 - t0, t2 - t1, time.process_time() - c0, time.process_time() - c1


def ours_model(path, method, epochs, seed, batch_size):
    """hangul_dl from the file: (model, end-to-end seconds, training seconds, CPU seconds end
    to end, CPU seconds of the training)."""
    c0, t0 = time.process_time(), time.perf_counter()
    with open(path, encoding="utf-8") as f:
        sentences = [line.split() for line in f]
    w2v = Word2Vec(method=method, epochs=epochs, seed=seed, batch_size=batch_size, quiet=True,
                   **SETTINGS)
    stream = w2v.prepare(sentences)  # vocabulary and IDs, as gensim's build_vocab
    c1, t1 = time.process_time(), time.perf_counter()
    vectors = w2v._fit_stream(stream)
    t2 = time.perf_counter()
    train_cpu = time.process_time() - c1
    w2v.wv_ = WordVectors(stream.index_to_key, vectors, stream.counts)
    return w2v, t2 - t0, t2 - t1, time.process_time() - c0, train_cpu


def write_lines(directory: Path, name: str, lines: list[str]) -> Path:
    path = directory / f"{name}.txt"
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in lines)
    return path


def speed(args, files):
    print(f"# speed, end to end from a tokenized file: epochs={args.epochs}, repeat="
          f"{args.repeat}, batch_size={args.batch_size}; seconds min / median; ratio = gensim "
          "w=1 median / ours median (train-only ratio in brackets); cpu = median process CPU "
          "seconds, end to end (training alone in brackets); load = highest 1-minute load "
          "average over the row's runs",
          flush=True)
    rows = []
    for shape, path in files.items():
        for method in args.methods:
            names = ("gensim w=1", "gensim w=2", "hangul_dl")
            e2e: dict[str, list[float]] = {k: [] for k in names}
            train: dict[str, list[float]] = {k: [] for k in names}
            cpu: dict[str, list[float]] = {k: [] for k in names}
            train_cpu: dict[str, list[float]] = {k: [] for k in names}
            load: dict[str, list[float]] = {k: [] for k in names}
            for rep in range(args.repeat):
                for name in names:
                    if name == "hangul_dl":
                        _, a, b, c, d = ours_model(path, method, args.epochs, rep + 1,
                                                   args.batch_size)
                    else:
                        _, a, b, c, d = gensim_model(path, method, int(name[-1]), args.epochs,
                                                     rep + 1)
                    e2e[name].append(a)
                    train[name].append(b)
                    cpu[name].append(c)
                    train_cpu[name].append(d)
                    load[name].append(os.getloadavg()[0])
            base, base_t = statistics.median(e2e["gensim w=1"]), statistics.median(train["gensim w=1"])
            for name in names:
                med, med_t = statistics.median(e2e[name]), statistics.median(train[name])
                rows.append((shape, method, name, min(e2e[name]), med, base / med))
                print(f"{shape:8s} {method:9s} {name:11s} end-to-end min {min(e2e[name]):6.2f} "
                      f"median {med:6.2f}   train min {min(train[name]):6.2f} median "
                      f"{med_t:6.2f}   ratio {base / med:5.2f} ({base_t / med_t:4.2f})   cpu "
                      f"{statistics.median(cpu[name]):6.2f} ({statistics.median(train_cpu[name]):5.2f})"
                      f"   load {max(load[name]):4.1f}",
                      flush=True)
    return rows


def quality(args, sets):
    print(f"# quality: epochs={args.quality_epochs}, seeds={args.seeds}; Spearman on the "
          "planted pairs, 3CosAdd analogy accuracy", flush=True)
    for shape, (path, pairs, analogies) in sets.items():
        for method in args.methods:
            scores: dict[str, list[tuple[float, float]]] = {"gensim w=1": [], "hangul_dl": []}
            for seed in range(1, args.seeds + 1):
                g, *_ = gensim_model(path, method, 1, args.quality_epochs, seed)
                gwv = WordVectors(g.wv.index_to_key, g.wv.vectors)
                ours, *_ = ours_model(path, method, args.quality_epochs, seed, args.batch_size)
                for name, wv in (("gensim w=1", gwv), ("hangul_dl", ours.wv_)):
                    scores[name].append((wv.evaluate_word_pairs(pairs).spearman,
                                         wv.evaluate_word_analogies(analogies).accuracy))
            means = {name: np.mean(s, axis=0) for name, s in scores.items()}
            for name, s in scores.items():
                sp, an = means[name]
                print(f"{shape:8s} {method:9s} {name:11s} Spearman {sp:.3f}  analogy "
                      f"{100 * an:5.1f}%  (per seed: "
                      f"{', '.join(f'{a:.3f}/{100 * b:.1f}' for a, b in s)})", flush=True)
            d = means["hangul_dl"] - means["gensim w=1"]
            print(f"{shape:8s} {method:9s} ours - gensim: Spearman {d[0]:+.3f}, analogy "
                  f"{100 * d[1]:+.1f} points", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tokens", type=int, default=500_000, help="tokens per speed corpus")
    p.add_argument("--shapes", nargs="+", default=["zipf", "reviews"])
    p.add_argument("--epochs", type=int, default=5, help="epochs per speed run")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=Word2Vec().batch_size)
    p.add_argument("--methods", nargs="+", default=["cbow", "skipgram"])
    p.add_argument("--planted-tokens", type=int, default=1_000_000,
                   help="tokens of the quality corpora (planted and reviews)")
    p.add_argument("--quality-corpora", nargs="+", default=["planted", "reviews"])
    p.add_argument("--quality-epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--skip-quality", action="store_true")
    args = p.parse_args(argv)
    print(f"# {blas_header()}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-w2v-"))
    if not args.skip_speed:
        files = {}
        for shape in args.shapes:
            lines = zipf_corpus(args.tokens) if shape == "zipf" else review_corpus(args.tokens).lines
            print(f"# {shape}: {corpus_stats(lines)}", flush=True)
            files[shape] = write_lines(tmp, shape, lines)
        speed(args, files)
    if not args.skip_quality:
        sets = {}
        for name in args.quality_corpora:
            corpus = (planted_word2vec_corpus(n_tokens=args.planted_tokens, seed=0)
                      if name == "planted" else review_corpus(args.planted_tokens))
            paths = corpus.write(tmp / name)
            sets[name] = (paths["corpus.txt"], paths["pairs.csv"], paths["analogies.txt"])
        quality(args, sets)


if __name__ == "__main__":
    main()
