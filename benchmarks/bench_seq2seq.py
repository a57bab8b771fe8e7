"""Seq2seq benchmark: hangul_dl's AttentionSeq2seq against the same model in PyTorch on the CPU.

Run:  flock /tmp/bench.lock python benchmarks/bench_seq2seq.py [--tasks dates parallel]
      [--epochs 3] [--profile] [--no-onednn] [--torch-adam]
(needs ``pip install torch==2.13.0``; a benchmark-only dependency)

Tasks:
- ``dates``: the Korean date-normalization task (:func:`hangul_dl.datasets.korean_dates`, all 21
  written forms), character level, the book's ch.8 settings: embedding 16, hidden 256, batch 128.
- ``parallel``: a generated Korean–English-like parallel corpus (below) at word/morpheme level:
  source vocabulary ~3k, target ~4k, 6-33 tokens a sentence, SOV -> SVO reordering; embedding
  128, hidden 256, batch 64.

Both sides are the book's attention seq2seq (one LSTM layer each side, dot-product attention
masked at padding, output from concat(context, h)), start from identical weights (ours copied
into PyTorch, gates reordered), see identical length-bucketed batches (padded once, before the
clock starts), use the same Adam (the book's formula, :class:`BookAdam`; lr 0.005 for dates,
0.001 for the corpus) and global-norm clipping 5.0, one thread each, epoch by epoch
interleaved. We report seconds per epoch (min and median over the epochs), the ratio, and exact
match / BLEU after the same epochs with greedy decoding (and its speed). PyTorch's CPU LSTM runs
on oneDNN's fused RNN kernel; ``--no-onednn`` turns it off (plain GEMMs, like ours).

Mind ``OPENBLAS_CORETYPE``: NumPy's OpenBLAS picks its GEMM kernel by CPU, and this variable
overrides the choice. On an AVX-512 CPU set to ``Haswell`` (AVX2), our GEMMs run at about 0.6×
the speed OpenBLAS's own ``SkylakeX`` kernel gives, while oneDNN keeps using AVX-512 — the
header line prints the setting, so compare runs made with the same one.

The synthetic corpus: a made-up lexicon (nouns, verbs, adjectives, adverbs with Zipfian
frequencies; Korean-looking and English-looking word forms paired one to one) and a small
grammar with optional modifiers and a second clause. Korean side, morpheme-like tokens:
``N1 는 ADJ N2 에서 N3 를 V 었다 .``; English side: ``the N1 V-ed the N3 in the ADJ N2 .``
It is not language, but it has the lengths, vocabulary sizes, Zipfian tails and word-order
changes of a real Korean–English corpus.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from envinfo import blas_header, torch_header

from hangul_dl.datasets import korean_dates
from hangul_dl.metrics import corpus_bleu, exact_match
from hangul_dl.nn.optimizers import Adam, clip_grads
from hangul_dl.seq2seq.batching import bucketed_batches, pad_pairs
from hangul_dl.seq2seq.decode import greedy_decode
from hangul_dl.seq2seq.models import AttentionSeq2seq
from hangul_dl.text.vocab import Vocabulary

TASKS = {
    "dates": dict(n_train=20_000, n_test=1_000, embedding_size=16, hidden_size=256, batch=128,
                  lr=0.005),
    "parallel": dict(n_train=8_000, n_test=500, embedding_size=128, hidden_size=256, batch=64,
                     lr=0.001),
}
CLIP = 5.0


# -- data -----------------------------------------------------------------------------------------
def _lexicon(rng: np.random.Generator, n: int, syllables: list[str], lo: int, hi: int) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < n:
        k = int(rng.integers(lo, hi + 1))
        words["".join(rng.choice(syllables, size=k))] = None
    return list(words)


def synthetic_parallel(n: int, seed: int = 0) -> list[tuple[list[str], list[str]]]:
    """(Korean-like morpheme tokens, English-like word tokens) pairs; see the module docstring."""
    rng = np.random.default_rng(seed)
    lex_rng = np.random.default_rng(12345)  # one lexicon for every split
    ko_syl = [chr(0xAC00 + int(i)) for i in lex_rng.choice(11172, size=400, replace=False)]
    en_syl = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
    sizes = {"noun": 2500, "verb": 600, "adj": 500, "adv": 150}
    ko = {k: _lexicon(lex_rng, m, ko_syl, 1, 3) for k, m in sizes.items()}
    en = {k: _lexicon(lex_rng, m, en_syl, 1, 3) for k, m in sizes.items()}
    zipf = {k: (1.0 / np.arange(1, m + 1)) / (1.0 / np.arange(1, m + 1)).sum()
            for k, m in sizes.items()}

    def pick(kind: str) -> int:
        return int(rng.choice(len(zipf[kind]), p=zipf[kind]))

    def noun_phrase() -> tuple[list[str], list[str]]:
        n_ = pick("noun")
        if rng.random() < 0.35:
            a = pick("adj")
            return [ko["adj"][a], "은", ko["noun"][n_]], ["the", en["adj"][a], en["noun"][n_]]
        return [ko["noun"][n_]], ["the", en["noun"][n_]]

    def clause() -> tuple[list[str], list[str]]:
        subj_k, subj_e = noun_phrase()
        obj_k, obj_e = noun_phrase()
        v = pick("verb")
        past = rng.random() < 0.5
        src = [*subj_k, "는"]
        tgt = [*subj_e, en["verb"][v] + ("ed" if past else "s"), *obj_e]
        if rng.random() < 0.5:  # place adverbial
            loc_k, loc_e = noun_phrase()
            src += [*loc_k, "에서"]
            tgt += ["in", *loc_e]
        if rng.random() < 0.3:  # possessor of the object
            pos_k, pos_e = noun_phrase()
            obj_k = [*pos_k, "의", *obj_k]
            tgt += ["of", *pos_e]
        src += [*obj_k, "를"]
        if rng.random() < 0.4:
            a = pick("adv")
            src.append(ko["adv"][a])
            tgt.append(en["adv"][a] + "ly")
        src += [ko["verb"][v], "었다" if past else "는다"]
        return src, tgt

    pairs = []
    for _ in range(n):
        src, tgt = clause()
        if rng.random() < 0.3:
            src2, tgt2 = clause()
            src, tgt = [*src[:-1], "고", *src2], [*tgt, "and", *tgt2]
        pairs.append(([*src, "."], [*tgt, "."]))
    return pairs


def load_task(name: str, n_train: int, n_test: int):
    """Token lists for training and test, and the two vocabularies."""
    if name == "dates":
        def chars(pairs):
            return [(list(s), list(t)) for s, t in pairs]
        train = chars(korean_dates(n_train, seed=1))
        test = chars(korean_dates(n_test, seed=2))
    else:
        train = synthetic_parallel(n_train, seed=1)
        test = synthetic_parallel(n_test, seed=2)
    src_vocab = Vocabulary().fit(s for s, _ in train)
    tgt_vocab = Vocabulary().fit(t for _, t in train)

    def encode(pairs):
        return ([src_vocab.encode(s) for s, _ in pairs],
                [tgt_vocab.encode(t, add_bos=True, add_eos=True) for _, t in pairs])

    return encode(train), encode(test), test, src_vocab, tgt_vocab


# -- PyTorch --------------------------------------------------------------------------------------
def torch_model(ours: AttentionSeq2seq):
    """The same architecture in PyTorch, initialised with our weights."""
    import torch
    from torch import nn

    H = ours.hidden_size

    def gates(a: np.ndarray) -> np.ndarray:  # ours f, i, o, g -> torch i, f, g, o
        f, i, o, g = (a[..., k * H:(k + 1) * H] for k in range(4))
        return np.concatenate([i, f, g, o], axis=-1)

    def copy_lstm(torch_lstm, layer) -> None:
        Wx, Wh, b = layer.params
        torch_lstm.weight_ih_l0.copy_(torch.from_numpy(gates(Wx).T.copy()))
        torch_lstm.weight_hh_l0.copy_(torch.from_numpy(gates(Wh).T.copy()))
        torch_lstm.bias_ih_l0.copy_(torch.from_numpy(gates(b)))
        torch_lstm.bias_hh_l0.zero_()  # one bias per gate, as ours
        torch_lstm.bias_hh_l0.requires_grad_(False)

    class AttentionSeq2seqTorch(nn.Module):
        def __init__(self):
            super().__init__()
            D = ours.embedding_size
            self.enc_embed = nn.Embedding(ours.src_vocab_size, D)
            self.enc_lstm = nn.LSTM(D, H, batch_first=True)
            self.dec_embed = nn.Embedding(ours.target_vocab_size, D)
            self.dec_lstm = nn.LSTM(D, H, batch_first=True)
            self.out = nn.Linear(2 * H, ours.target_vocab_size)
            with torch.no_grad():
                self.enc_embed.weight.copy_(torch.from_numpy(ours.encoder.embed.params[0]))
                self.dec_embed.weight.copy_(torch.from_numpy(ours.decoder.embed.params[0]))
                copy_lstm(self.enc_lstm, ours.encoder.lstm[0])
                copy_lstm(self.dec_lstm, ours.decoder.lstm[0])
                W, b = ours.decoder.affine.params
                self.out.weight.copy_(torch.from_numpy(W.T.copy()))
                self.out.bias.copy_(torch.from_numpy(b))

        def encode(self, src):
            mask = src != 0
            hs, _ = self.enc_lstm(self.enc_embed(src))  # (N, S, H)
            last = (mask.sum(1) - 1).clamp(min=0)
            h0 = hs[torch.arange(src.shape[0]), last]  # state at the true last token
            return hs, mask, (h0[None].contiguous(), torch.zeros_like(h0)[None])

        def decode(self, x, hs, mask, state):
            dh, state = self.dec_lstm(self.dec_embed(x), state)  # (N, T, H)
            scores = (dh @ hs.transpose(1, 2)).masked_fill(~mask[:, None, :], float("-inf"))
            context = torch.softmax(scores, dim=-1) @ hs  # (N, T, H)
            return self.out(torch.cat([context, dh], dim=-1)), state

        def forward(self, src, tgt):
            hs, mask, state = self.encode(src)
            logits, _ = self.decode(tgt[:, :-1], hs, mask, state)
            return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                               tgt[:, 1:].reshape(-1), ignore_index=0)

        @torch.no_grad()
        def greedy(self, src, max_len: int, bos: int = 2, eos: int = 3) -> list[list[int]]:
            hs, mask, state = self.encode(src)
            token = torch.full((src.shape[0], 1), bos, dtype=torch.long)
            out = []
            for _ in range(max_len):
                logits, state = self.decode(token, hs, mask, state)
                token = logits.argmax(-1)
                out.append(token)
                if bool((torch.cat(out, 1) == eos).any(1).all()):
                    break
            rows = torch.cat(out, 1).tolist()
            return [r[:r.index(eos)] if eos in r else r for r in rows]

    return AttentionSeq2seqTorch()


class BookAdam:
    """Our (the book's) Adam in PyTorch: ``lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)``,
    ``p -= lr_t * m / (sqrt(v) + 1e-7)``. ``torch.optim.Adam`` puts eps after the bias
    correction; on the date task that alone changes when training "clicks" (same weights and
    batches: loss 0.56 vs 0.04 after 8 epochs), so both sides use this one."""

    def __init__(self, params, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-7):
        import torch

        self.params = [p for p in params if p.requires_grad]
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        self.t += 1
        lr_t = self.lr * (1 - self.beta2 ** self.t) ** 0.5 / (1 - self.beta1 ** self.t)
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad
                m.add_(g - m, alpha=1 - self.beta1)
                v.add_(g * g - v, alpha=1 - self.beta2)
                p.addcdiv_(m, v.sqrt().add_(self.eps), value=-lr_t)


# -- one epoch each ------------------------------------------------------------------------------
def epoch_batches(src, tgt, batch: int, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
    src_len = np.array([len(s) for s in src])
    tgt_len = np.array([len(t) for t in tgt])
    rng = np.random.default_rng([0, epoch])
    return [pad_pairs(src, tgt, idx) for idx in bucketed_batches(src_len, tgt_len, batch, rng)]


def train_ours(model, optimizer, batches) -> tuple[float, float]:
    model.train()
    total = 0.0
    t0 = time.perf_counter()
    for bx, bt in batches:
        total += float(model.forward(bx, bt))
        model.backward()
        grads = model.grads
        clip_grads(grads, CLIP)
        optimizer.update(model.params, grads)
    return time.perf_counter() - t0, total / len(batches)


def train_torch(model, optimizer, batches) -> tuple[float, float]:
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    total = 0.0
    t0 = time.perf_counter()
    for bx, bt in batches:
        loss = model(bx, bt)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        optimizer.step()
        total += loss.item()
    return time.perf_counter() - t0, total / len(batches)


def score(hyp_ids: list[list[int]], test_pairs, tgt_vocab, task: str) -> tuple[float, float]:
    """(exact match %, BLEU) of decoded IDs against the test targets."""
    joiner = "" if task == "dates" else " "
    hyps = [joiner.join(tgt_vocab.decode(np.asarray(h, dtype=np.int32))) for h in hyp_ids]
    refs = [joiner.join(t) for _, t in test_pairs]
    tok = "char" if task == "dates" else "none"
    return 100 * exact_match(hyps, refs), corpus_bleu(hyps, refs, tokenize=tok).score


def fmt(times: list[float]) -> str:
    return f"min {min(times):7.2f} s  median {statistics.median(times):7.2f} s"


def bench_task(task: str, epochs: int, profile: bool, torch_adam: bool = False) -> None:
    import torch

    cfg = TASKS[task]
    (src, tgt), (tsrc, ttgt), test_pairs, sv, tv = load_task(task, cfg["n_train"], cfg["n_test"])
    ours = AttentionSeq2seq(len(sv), len(tv), embedding_size=cfg["embedding_size"],
                            hidden_size=cfg["hidden_size"], seed=0)
    theirs = torch_model(ours)
    opt_ours = Adam(lr=cfg["lr"])
    opt_torch = (torch.optim.Adam([p for p in theirs.parameters() if p.requires_grad],
                                  lr=cfg["lr"]) if torch_adam else BookAdam(theirs.parameters(), cfg["lr"]))
    lengths = [len(s) for s in src], [len(t) - 2 for t in tgt]
    print(f"task {task}: {len(src):,} training pairs, vocab {len(sv):,} -> {len(tv):,}, "
          f"source {np.mean(lengths[0]):.1f} tokens (max {max(lengths[0])}), target "
          f"{np.mean(lengths[1]):.1f} (max {max(lengths[1])}); embedding "
          f"{cfg['embedding_size']}, hidden {cfg['hidden_size']}, batch {cfg['batch']}, "
          f"Adam lr {cfg['lr']}")
    first = epoch_batches(src, tgt, cfg["batch"], 1)[0]
    with torch.no_grad():
        t_loss = float(theirs(torch.from_numpy(first[0].astype(np.int64)),
                              torch.from_numpy(first[1].astype(np.int64))))
    print(f"  same model check: initial loss hangul_dl {float(ours.forward(*first)):.6f}, "
          f"PyTorch {t_loss:.6f}")
    ours_t, torch_t = [], []
    for epoch in range(1, epochs + 1):
        batches = epoch_batches(src, tgt, cfg["batch"], epoch)
        tb = [(torch.from_numpy(x.astype(np.int64)), torch.from_numpy(t.astype(np.int64)))
              for x, t in batches]
        if profile and epoch == 1:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        dt, loss = train_ours(ours, opt_ours, batches)
        if profile and epoch == 1:
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(18)
        ours_t.append(dt)
        dt_t, loss_t = train_torch(theirs, opt_torch, tb)
        torch_t.append(dt_t)
        print(f"  epoch {epoch}: hangul_dl {dt:6.2f} s (loss {loss:.4f})   PyTorch {dt_t:6.2f} s "
              f"(loss {loss_t:.4f})", flush=True)
    print(f"  hangul_dl : {fmt(ours_t)} per epoch ({len(batches)} steps)")
    print(f"  PyTorch   : {fmt(torch_t)} per epoch")
    print(f"  ratio ours/PyTorch: {min(ours_t) / min(torch_t):.2f}x (min), "
          f"{statistics.median(ours_t) / statistics.median(torch_t):.2f}x (median)")
    max_len = max(len(t) for t in ttgt)
    order = np.argsort([len(s) for s in tsrc], kind="stable")
    t0 = time.perf_counter()
    ids_ours: list = [None] * len(tsrc)
    for k in range(0, len(order), 128):
        idx = order[k:k + 128]
        for i, seq in zip(idx, greedy_decode(ours, pad_pairs(tsrc, tsrc, idx)[0], max_len=max_len)):
            ids_ours[i] = seq
    dec_ours = time.perf_counter() - t0
    theirs.eval()
    t0 = time.perf_counter()
    ids_torch: list = [None] * len(tsrc)
    for k in range(0, len(order), 128):
        idx = order[k:k + 128]
        batch = torch.from_numpy(pad_pairs(tsrc, tsrc, idx)[0].astype(np.int64))
        for i, seq in zip(idx, theirs.greedy(batch, max_len)):
            ids_torch[i] = seq
    dec_torch = time.perf_counter() - t0
    em_o, bleu_o = score(ids_ours, test_pairs, tv, task)
    em_t, bleu_t = score(ids_torch, test_pairs, tv, task)
    print(f"  after {epochs} epochs, {len(tsrc)} test pairs (greedy): hangul_dl exact match "
          f"{em_o:.1f}%, BLEU {bleu_o:.2f}; PyTorch exact match {em_t:.1f}%, BLEU {bleu_t:.2f}")
    print(f"  greedy decoding, batch 128: hangul_dl {len(tsrc) / dec_ours:7.0f} sentences/s, "
          f"PyTorch {len(tsrc) / dec_torch:7.0f} sentences/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile our first epoch")
    parser.add_argument("--torch-adam", action="store_true",
                        help="torch.optim.Adam on the PyTorch side instead of the book's Adam")
    parser.add_argument("--no-onednn", action="store_true",
                        help="PyTorch without oneDNN (its fused CPU LSTM kernel): plain GEMMs")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if args.no_onednn:
        torch.backends.mkldnn.enabled = False
    torch.manual_seed(0)
    print(f"numpy {np.__version__}, torch {torch.__version__}, 1 thread each, PyTorch oneDNN "
          f"{'off' if args.no_onednn else 'on'}, OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset: OpenBLAS detects the CPU)')}")
    print(blas_header())
    print(f"{torch_header()}\n")
    for task in args.tasks:
        bench_task(task, args.epochs, args.profile, args.torch_adam)
        print()


if __name__ == "__main__":
    main()
