"""Language-model benchmark: hangul_dl's RNNLM against the same model in PyTorch on the CPU.

Run:  python benchmarks/bench_lm.py [--configs A B] [--steps 100] [--repeat 3]
(needs ``pip install torch==2.13.0``; a benchmark-only dependency)

- config A = the book's Rnnlm: embedding 100, hidden 100, 1 LSTM layer, batch 20, BPTT 35
- config B = BetterRnnlm: 650, 650, 2 layers, dropout 0.5, tied weights

Both sides start from identical weights (ours copied into PyTorch, gates reordered), train on
the same ID stream (a generated Zipfian Korean corpus, 10k-word vocabulary) with the same SGD
(lr 20), global-norm clipping 0.25 and truncated BPTT, one thread each, interleaved repeat by
repeat. We report seconds per ``--steps`` training steps (min and median), the ratio, the
validation perplexity after the same number of steps, and our generation speed (against
PyTorch with the same weights: ``bench_generate.py``). At lr 20 from untrained weights the
perplexity after a few dozen steps is chaotic: a change of 1e-5 in the learning rate moves it
as much as the two libraries' rounding does, so compare it after 100 steps or more.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import functools
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from envinfo import blas_header, torch_header

from corpora import corpus_lines, corpus_stats
from hangul_dl.lm.generate import generate_ids
from hangul_dl.lm.rnnlm import RNNLM
from hangul_dl.nn.optimizers import SGD
from hangul_dl.text.ids import encode_corpus
from hangul_dl.text.vocab import Vocabulary
from hangul_dl.training import BPTTTrainer, perplexity

print = functools.partial(print, flush=True)  # lines appear as they are measured

CONFIGS = {
    "A": dict(embedding_size=100, hidden_size=100, num_layers=1, dropout=0.0, tie_weights=False),
    "B": dict(embedding_size=650, hidden_size=650, num_layers=2, dropout=0.5, tie_weights=True),
}
BATCH, BPTT, LR, CLIP = 20, 35, 20.0, 0.25


def make_corpus(n_tokens: int, shape: str = "zipf", seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """Train / validation ID streams (95% / 5%) of a ``corpora`` shape, 10k-word vocabulary."""
    sentences = corpus_lines(shape, n_tokens, seed)
    print(f"corpus {shape}: {corpus_stats(sentences)}")
    tokens = [s.split() for s in sentences]
    vocab = Vocabulary(max_size=10_000).fit(tokens)
    ids = encode_corpus(tokens, None, vocab)
    cut = int(len(ids) * 0.95)
    return ids[:cut], ids[cut:], len(vocab)


def torch_model(ours: RNNLM):
    """The same architecture in PyTorch, initialised with our weights."""
    import torch
    from torch import nn

    H = ours.hidden_size

    def gates(a: np.ndarray) -> np.ndarray:  # ours f, i, o, g -> torch i, f, g, o (last axis)
        f, i, o, g = (a[..., k * H:(k + 1) * H] for k in range(4))
        return np.concatenate([i, f, g, o], axis=-1)

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            V, D = ours.vocab_size, ours.embedding_size
            self.embed = nn.Embedding(V, D)
            self.drop = nn.Dropout(ours.dropout)
            self.lstm = nn.LSTM(D, H, num_layers=ours.num_layers, batch_first=True,
                                dropout=ours.dropout if ours.num_layers > 1 else 0.0)
            self.out = nn.Linear(H, V)
            with torch.no_grad():
                self.embed.weight.copy_(torch.from_numpy(ours.embed.params[0]))
                for k, layer in enumerate(ours.rnn):
                    Wx, Wh, b = layer.params
                    getattr(self.lstm, f"weight_ih_l{k}").copy_(torch.from_numpy(gates(Wx).T.copy()))
                    getattr(self.lstm, f"weight_hh_l{k}").copy_(torch.from_numpy(gates(Wh).T.copy()))
                    getattr(self.lstm, f"bias_ih_l{k}").copy_(torch.from_numpy(gates(b)))
                    # PyTorch has a second bias with the same gradient; frozen at 0 so the model
                    # (and the clipping norm) are exactly ours: one bias per gate.
                    getattr(self.lstm, f"bias_hh_l{k}").zero_()
                    getattr(self.lstm, f"bias_hh_l{k}").requires_grad_(False)
                self.out.weight.copy_(torch.from_numpy(ours.affine.params[0].T.copy()))
                self.out.bias.copy_(torch.from_numpy(ours.affine.params[1]))
            if ours.tie_weights:
                self.out.weight = self.embed.weight

        def forward(self, x, state=None):
            h, state = self.lstm(self.drop(self.embed(x)), state)
            return self.out(self.drop(h)), state

    return LM()


def torch_batches(ids: np.ndarray, steps: int, start: int):
    xs, ts = ids[:-1], ids[1:]
    size = len(xs)
    offsets = (np.arange(BATCH) * (size // BATCH))[:, None]
    for s in range(steps):
        idx = (offsets + start + s * BPTT + np.arange(BPTT)) % size
        yield xs[idx].astype(np.int64), ts[idx].astype(np.int64)


def train_torch(model, ids: np.ndarray, steps: int, start: int) -> float:
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    state = None
    t0 = time.perf_counter()
    for bx, bt in torch_batches(ids, steps, start):
        if state is not None:
            state = tuple(s.detach() for s in state)
        scores, state = model(torch.from_numpy(bx), state)
        loss = loss_fn(scores.reshape(-1, scores.shape[-1]), torch.from_numpy(bt).reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
    return time.perf_counter() - t0


def torch_perplexity(model, ids: np.ndarray) -> float:
    import torch

    model.eval()
    n = len(ids) - 1
    jump = n // 10
    xs = torch.from_numpy(ids[:-1][:10 * jump].reshape(10, jump).astype(np.int64))
    ts = torch.from_numpy(ids[1:][:10 * jump].reshape(10, jump).astype(np.int64))
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for s in range(0, jump, BPTT):
            scores, state = model(xs[:, s:s + BPTT], state)
            bt = ts[:, s:s + BPTT]
            total += float(torch.nn.functional.cross_entropy(
                scores.reshape(-1, scores.shape[-1]), bt.reshape(-1), reduction="sum"))
            count += bt.numel()
    return math.exp(total / count)


def train_ours(trainer: BPTTTrainer, ids: np.ndarray, steps: int) -> float:
    xs, ts = ids[:-1], ids[1:]
    trainer.model.train()
    batches = trainer._batches((xs, ts), BATCH, np.random.default_rng(0))
    t0 = time.perf_counter()
    for _ in range(steps):
        (bx, bt), _ = next(batches)
        trainer._step(bx, bt, CLIP)
    return time.perf_counter() - t0


def fmt(times: list[float]) -> str:
    return f"min {min(times):7.2f} s  median {statistics.median(times):7.2f} s"


def bench_config(name: str, train: np.ndarray, valid: np.ndarray, V: int, steps: int,
                 repeat: int) -> None:
    import torch

    torch.manual_seed(0)
    ours = RNNLM(V, cell="lstm", seed=0, **CONFIGS[name])
    theirs = torch_model(ours)
    trainer = BPTTTrainer(ours, SGD(lr=LR), quiet=True)
    trainer.time_size = BPTT
    ours_t, torch_t = [], []
    for r in range(repeat):  # interleaved: both sides see the same machine load
        ours_t.append(train_ours(trainer, train, steps))
        torch_t.append(train_torch(theirs, train, steps, start=r * steps * BPTT))
    ppl_ours = perplexity(ours, valid, batch_size=10, time_size=BPTT)[1]
    ppl_torch = torch_perplexity(theirs, valid)
    print(f"config {name} ({CONFIGS[name]}), V={V}, batch {BATCH}, BPTT {BPTT}, "
          f"{steps} steps x {repeat}")
    print(f"  hangul_dl : {fmt(ours_t)}")
    print(f"  PyTorch   : {fmt(torch_t)}")
    print(f"  ratio ours/PyTorch: {min(ours_t) / min(torch_t):.2f}x (min), "
          f"{statistics.median(ours_t) / statistics.median(torch_t):.2f}x (median)")
    print(f"  validation perplexity after {steps * repeat} steps: hangul_dl {ppl_ours:.1f}, "
          f"PyTorch {ppl_torch:.1f} (ours/theirs {ppl_ours / ppl_torch:.3f})")
    for batch in (1, 32):
        for label, kwargs in (("greedy", dict(temperature=0)), ("top-k 20", dict(top_k=20, seed=0))):
            prompts = [[3]] * batch
            t0 = time.perf_counter()
            generate_ids(ours, prompts, max_tokens=100, **kwargs)
            dt = time.perf_counter() - t0
            print(f"  generation {label:<8} batch {batch:>2}: {batch * 100 / dt:8.0f} tokens/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["A", "B"], choices=list(CONFIGS))
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--corpora", nargs="+", default=["zipf", "reviews"],
                        choices=["zipf", "reviews"], help="corpus shapes (benchmarks/corpora.py)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__}, 1 thread each")
    print(blas_header())
    print(torch_header())
    for shape in args.corpora:
        train, valid, V = make_corpus(args.tokens, shape)
        print(f"corpus {shape}: {len(train):,} training and {len(valid):,} validation IDs\n")
        for name in args.configs:
            print(f"[{shape}] ", end="")
            bench_config(name, train, valid, V, args.steps, args.repeat)
            print()


if __name__ == "__main__":
    main()
