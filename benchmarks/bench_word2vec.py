"""word2vec speed and quality: hangul_dl.Word2Vec against gensim (benchmark-only dependency).

Speed: CBOW and skip-gram on the same generated Zipf corpus (``zipf_korean_corpus``, 3M tokens,
30k stems -> ~57k word types at min_count 5), the same tokens and settings (dim 100, window 5,
negative 5, sample 1e-3, min_count 5), one BLAS thread; gensim with workers=1 and workers=2.
Words/s are raw corpus tokens per second of training (vocabulary building excluded on both
sides), the figure gensim logs. Each configuration runs ``--repeat`` times back to back in this
process; min and median seconds (best and median words/s) are printed, and the ratio of medians
against gensim workers=1.

Quality: the planted corpus (``planted_word2vec_corpus``, 1M tokens) trained at the same epochs
by both, scored by the same evaluator (hangul_dl's WordVectors.evaluate_word_pairs /
evaluate_word_analogies): Spearman on the planted pair scores and 3CosAdd analogy accuracy,
averaged over ``--seeds`` seeds.

    pip install gensim
    flock /tmp/bench.lock python benchmarks/bench_word2vec.py [--tokens 3000000] [--repeat 3]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import statistics
import tempfile
import time

import numpy as np

from hangul_dl.datasets import planted_word2vec_corpus, zipf_korean_corpus
from hangul_dl.embeddings.vectors import WordVectors
from hangul_dl.embeddings.word2vec import Word2Vec

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5)


def gensim_model(sentences, method, workers, epochs, seed):
    from gensim.models import Word2Vec as GensimWord2Vec

    model = GensimWord2Vec(vector_size=SETTINGS["dim"], window=SETTINGS["window"],
                           negative=SETTINGS["negative"], sample=SETTINGS["sample"],
                           min_count=SETTINGS["min_count"], sg=int(method == "skipgram"),
                           workers=workers, seed=seed)
    model.build_vocab(sentences)
    t = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    return model, time.perf_counter() - t


def ours_model(sentences, method, epochs, seed, batch_size):
    w2v = Word2Vec(method=method, epochs=epochs, seed=seed, batch_size=batch_size, quiet=True,
                   **SETTINGS)
    stream = w2v.prepare(sentences)  # vocabulary and IDs, as gensim's build_vocab
    t = time.perf_counter()
    vectors = w2v._fit_stream(stream)
    seconds = time.perf_counter() - t
    w2v.wv_ = WordVectors(stream.index_to_key, vectors, stream.counts)
    return w2v, seconds


def speed(args):
    print(f"# speed: {args.tokens:,} tokens of zipf_korean_corpus, epochs={args.epochs}, "
          f"repeat={args.repeat}, batch_size={args.batch_size}", flush=True)
    sentences = [s.split() for s in zipf_korean_corpus(n_tokens=args.tokens, vocab_size=30_000,
                                                       seed=0)]
    n = sum(map(len, sentences)) * args.epochs
    rows = []
    for method in args.methods:
        times: dict[str, list[float]] = {"gensim w=1": [], "gensim w=2": [], "hangul_dl": []}
        for rep in range(args.repeat):
            times["gensim w=1"].append(gensim_model(sentences, method, 1, args.epochs, rep + 1)[1])
            times["gensim w=2"].append(gensim_model(sentences, method, 2, args.epochs, rep + 1)[1])
            times["hangul_dl"].append(ours_model(sentences, method, args.epochs, rep + 1,
                                                 args.batch_size)[1])
        base = n / statistics.median(times["gensim w=1"])
        for name, ts in times.items():
            best, med = min(ts), statistics.median(ts)
            rows.append((method, name, best, med, n / med / base))
            print(f"{method:9s} {name:11s} seconds min {best:6.2f} median {med:6.2f}   words/s "
                  f"best {n / best:>9,.0f} median {n / med:>9,.0f}   ratio to gensim w=1 "
                  f"{n / med / base:5.2f}", flush=True)
    return rows


def quality(args):
    print(f"# quality: planted_word2vec_corpus {args.planted_tokens:,} tokens, "
          f"{args.planted_groups}x{args.planted_group_size} entities, epochs="
          f"{args.quality_epochs}, seeds={args.seeds}", flush=True)
    corpus = planted_word2vec_corpus(n_tokens=args.planted_tokens, n_groups=args.planted_groups,
                                     group_size=args.planted_group_size, seed=0)
    paths = corpus.write(tempfile.mkdtemp(prefix="planted-"))
    sentences = corpus.sentences
    for method in args.methods:
        scores: dict[str, list[tuple[float, float]]] = {"gensim w=1": [], "hangul_dl": []}
        for seed in range(1, args.seeds + 1):
            g, _ = gensim_model(sentences, method, 1, args.quality_epochs, seed)
            gwv = WordVectors(g.wv.index_to_key, g.wv.vectors)
            ours, _ = ours_model(sentences, method, args.quality_epochs, seed, args.batch_size)
            for name, wv in (("gensim w=1", gwv), ("hangul_dl", ours.wv_)):
                scores[name].append((wv.evaluate_word_pairs(paths["pairs.csv"]).spearman,
                                     wv.evaluate_word_analogies(paths["analogies.txt"]).accuracy))
        for name, s in scores.items():
            sp, an = np.mean(s, axis=0)
            print(f"{method:9s} {name:11s} Spearman {sp:.3f}  analogy {100 * an:5.1f}%  "
                  f"(per seed: {', '.join(f'{a:.3f}/{100 * b:.1f}' for a, b in s)})", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tokens", type=int, default=3_000_000)
    p.add_argument("--epochs", type=int, default=1, help="epochs per speed run")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=Word2Vec().batch_size)
    p.add_argument("--methods", nargs="+", default=["cbow", "skipgram"])
    p.add_argument("--planted-tokens", type=int, default=1_000_000)
    p.add_argument("--planted-groups", type=int, default=20)
    p.add_argument("--planted-group-size", type=int, default=10,
                   help="entities per group (30 groups x 15 makes a harder analogy set)")
    p.add_argument("--quality-epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--skip-quality", action="store_true")
    args = p.parse_args(argv)
    if not args.skip_speed:
        speed(args)
    if not args.skip_quality:
        quality(args)


if __name__ == "__main__":
    main()
