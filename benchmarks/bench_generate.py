"""Generation and decoding speed: hangul_dl against PyTorch on the CPU with the same weights.

Run:  python benchmarks/bench_generate.py [--parts lm translator] [--repeat 3] [--profile]
(needs ``pip install torch==2.13.0``; a benchmark-only dependency)

- **Language model** (``RNNLM``, the configs of ``bench_lm.py``: A = 100x1, B = 650x2 tied, 10k
  vocabulary): greedy and top-k 20 sampling of ``--tokens`` new tokens after a one-token prompt, at
  batch 1 and batch 32, tokens/s. Ours is :func:`hangul_dl.lm.generate.generate_ids`; PyTorch's is
  the plain loop (one ``nn.LSTM`` call per token with the carried state, ``argmax`` or
  ``topk`` + ``multinomial``) under ``torch.no_grad()``.
- **Translator** (``AttentionSeq2seq`` on the dates task of ``bench_seq2seq.py``: hidden 256,
  trained ``--train-steps`` Adam steps so that outputs stop at ``<eos>`` as a real model's do):
  greedy decoding and beam search width 5 over ``--sentences`` test sources, batch 128, sorted by
  length; sentences/s and output tokens/s. PyTorch's greedy and beam search are the same
  algorithms written straightforwardly (same banned IDs, the same 2B-candidate beam with
  ``log p / length`` ranking, finished hypotheses kept per source).

Both sides hold identical weights (ours copied into PyTorch, gates reordered) and run one thread
each, interleaved repeat by repeat; we print min and median, the ratio, and whether the greedy
outputs agree token for token (the fairness check: the same weights must give the same tokens).
``--profile`` prints where our time goes (cProfile of one run of each of ours).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lm import CONFIGS
from bench_lm import torch_model as torch_lm
from bench_seq2seq import CLIP, TASKS, epoch_batches, load_task
from bench_seq2seq import torch_model as torch_translator
from envinfo import blas_header, torch_header

from hangul_dl.lm.generate import generate_ids
from hangul_dl.lm.rnnlm import RNNLM
from hangul_dl.nn.optimizers import Adam, clip_grads
from hangul_dl.seq2seq.batching import pad_pairs
from hangul_dl.seq2seq.decode import beam_search, greedy_decode
from hangul_dl.seq2seq.models import AttentionSeq2seq

print = functools.partial(print, flush=True)  # lines appear as they are measured

VOCAB, START, BOS, EOS, BEAM = 10_000, 3, 2, 3, 5


def timed(fn, profile: bool = False):
    """(seconds, result) of ``fn()``; with ``profile``, print its cProfile top lines."""
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t0
    if profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)
    return dt, result


def report(label: str, ours: list[float], theirs: list[float], work: float, unit: str) -> None:
    """One line: ours and PyTorch as ``unit``/s (from min and median seconds) and the ratio."""
    o_min, o_med = work / min(ours), work / statistics.median(ours)
    t_min, t_med = work / min(theirs), work / statistics.median(theirs)
    print(f"  {label:<24} hangul_dl {o_min:9.0f} {unit}/s (median {o_med:9.0f})   PyTorch "
          f"{t_min:9.0f} (median {t_med:9.0f})   ours/PyTorch speed {o_min / t_min:5.2f}x "
          f"(median {o_med / t_med:5.2f}x)")


# -- language model ------------------------------------------------------------------------------
def torch_generate(model, batch: int, tokens: int, top_k: int | None, seed: int = 0):
    """PyTorch's plain generation loop; (batch, tokens) new IDs."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    x = torch.full((batch, 1), START, dtype=torch.long)
    state, out = None, []
    with torch.no_grad():
        for _ in range(tokens):
            logits, state = model(x, state)
            logits = logits[:, -1]
            if top_k is None:
                x = logits.argmax(-1, keepdim=True)
            else:
                values, index = torch.topk(logits, top_k, dim=-1)
                pick = torch.multinomial(torch.softmax(values, dim=-1), 1, generator=gen)
                x = index.gather(1, pick)
            out.append(x)
    return torch.cat(out, 1).numpy()


def bench_lm(config: str, tokens: int, repeat: int, profile: bool) -> None:
    import torch

    torch.manual_seed(0)
    ours = RNNLM(VOCAB, cell="lstm", seed=0, **CONFIGS[config])
    theirs = torch_lm(ours).eval()
    print(f"language model config {config} ({CONFIGS[config]}), V={VOCAB}, {tokens} new tokens "
          "after a 1-token prompt")
    same = generate_ids(ours, [[START]] * 4, max_tokens=tokens, temperature=0)
    ref = torch_generate(theirs, 4, tokens, None)
    agree = np.mean([np.array_equal(s[0], r) for s, r in zip(same, ref)])
    first = [int(np.argmax(s[0] != r)) if not np.array_equal(s[0], r) else tokens
             for s, r in zip(same, ref)]
    print(f"  same weights check: greedy outputs identical for {agree:.0%} of rows (first "
          f"difference at token {min(first)} of {tokens})")
    for batch in (1, 32):
        for label, top_k in (("greedy", None), ("top-k 20", 20)):
            kwargs = dict(temperature=0) if top_k is None else dict(top_k=top_k, seed=0)
            ours_t, torch_t = [], []
            for r in range(repeat):
                prompts = [[START]] * batch
                dt, _ = timed(functools.partial(generate_ids, ours, prompts, max_tokens=tokens,
                                                **kwargs), profile and r == 0)
                ours_t.append(dt)
                torch_t.append(timed(functools.partial(torch_generate, theirs, batch, tokens,
                                                       top_k))[0])
            report(f"{label} batch {batch}", ours_t, torch_t, batch * tokens, "tokens")


# -- translator ----------------------------------------------------------------------------------
def torch_greedy(model, src, max_len: int, banned: list[int]) -> list[list[int]]:
    """Greedy decoding (the same bans as ours); IDs without <eos>."""
    import torch

    with torch.no_grad():
        hs, mask, state = model.encode(src)
        token = torch.full((src.shape[0], 1), BOS, dtype=torch.long)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        out = []
        for _ in range(max_len):
            logits, state = model.decode(token, hs, mask, state)
            logits = logits[:, -1]
            logits[:, banned] = float("-inf")
            token = logits.argmax(-1, keepdim=True)
            out.append(token)
            done |= token[:, 0] == EOS
            if bool(done.all()):
                break
    rows = torch.cat(out, 1).tolist()
    return [r[:r.index(EOS)] if EOS in r else r for r in rows]


def torch_beam(model, src, max_len: int, banned: list[int], B: int = BEAM) -> list[list[int]]:
    """Beam search, the algorithm of :func:`hangul_dl.seq2seq.decode.beam_search` in PyTorch."""
    import torch

    N = src.shape[0]
    with torch.no_grad():
        hs, mask, (h, c) = model.encode(src)
        rep = torch.arange(N).repeat_interleave(B)
        hs, mask, state = hs[rep], mask[rep], (h[:, rep], c[:, rep])
        token = torch.full((N * B, 1), BOS, dtype=torch.long)
        scores = torch.full((N, B), float("-inf"), dtype=torch.float64)
        scores[:, 0] = 0.0
        history = [[[] for _ in range(B)] for _ in range(N)]
        finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(N)]
        done = [False] * N
        for t in range(max_len):
            logits, state = model.decode(token, hs, mask, state)
            logp = torch.log_softmax(logits[:, -1].double(), dim=-1)
            logp[:, banned] = float("-inf")
            V = logp.shape[1]
            flat = (scores[:, :, None] + logp.reshape(N, B, V)).reshape(N, B * V)
            vals, top = torch.topk(flat, 2 * B, dim=1)
            beam_of = torch.zeros((N, B), dtype=torch.long)
            new_tokens = torch.full((N, B), EOS, dtype=torch.long)
            new_scores = torch.full((N, B), float("-inf"), dtype=torch.float64)
            new_history = [[[] for _ in range(B)] for _ in range(N)]
            for i in range(N):
                if done[i]:
                    continue
                alive = 0
                for rank, (index, value) in enumerate(zip(top[i].tolist(), vals[i].tolist())):
                    if value == float("-inf"):
                        break
                    b, tok = divmod(index, V)
                    if tok == EOS:
                        if rank < B:
                            finished[i].append((value / (t + 1), history[i][b]))
                        continue
                    beam_of[i, alive], new_tokens[i, alive], new_scores[i, alive] = b, tok, value
                    new_history[i][alive] = history[i][b] + [tok]
                    alive += 1
                    if alive == B:
                        break
                done[i] = len(finished[i]) >= B or alive == 0
            history, scores = new_history, new_scores
            token = new_tokens.reshape(-1, 1)
            if all(done):
                break
            rows = (torch.arange(N)[:, None] * B + beam_of).reshape(-1)
            state = (state[0][:, rows], state[1][:, rows])
        for i in range(N):
            if not done[i]:
                for b in range(B):
                    if scores[i, b] > float("-inf"):
                        finished[i].append((float(scores[i, b]) / len(history[i][b]),
                                            history[i][b]))
    return [max(f, key=lambda hyp: hyp[0])[1] if f else [] for f in finished]


def bench_translator(sentences: int, train_steps: int, repeat: int, profile: bool) -> None:
    import torch

    cfg = TASKS["dates"]
    (src, tgt), (tsrc, ttgt), _, sv, tv = load_task("dates", cfg["n_train"], sentences)
    ours = AttentionSeq2seq(len(sv), len(tv), embedding_size=cfg["embedding_size"],
                            hidden_size=cfg["hidden_size"], seed=0)
    opt = Adam(lr=cfg["lr"])
    t0 = time.perf_counter()
    steps = 0
    for epoch in range(1, 100):
        for bx, bt in epoch_batches(src, tgt, cfg["batch"], epoch):
            loss = float(ours.forward(bx, bt))
            ours.backward()
            clip_grads(ours.grads, CLIP)
            opt.update(ours.params, ours.grads)
            steps += 1
            if steps == train_steps:
                break
        if steps == train_steps:
            break
    theirs = torch_translator(ours).eval()
    banned = [0, BOS]
    max_len = max(len(t) for t in ttgt)
    order = np.argsort([len(s) for s in tsrc], kind="stable")
    batches = [pad_pairs(tsrc, tsrc, order[k:k + 128])[0] for k in range(0, len(order), 128)]
    tbatches = [torch.from_numpy(b.astype(np.int64)) for b in batches]
    print(f"translator: AttentionSeq2seq dates, hidden {cfg['hidden_size']}, vocab {len(sv)} -> "
          f"{len(tv)}, trained {steps} steps ({time.perf_counter() - t0:.0f} s, loss {loss:.3f}); "
          f"{len(tsrc)} test sources, batch 128, max_len {max_len}")

    def ours_greedy():
        return [s for b in batches for s in greedy_decode(ours, b, max_len=max_len)]

    def ours_beam():
        return [s for b in batches for s in beam_search(ours, b, beam_size=BEAM, max_len=max_len)]

    def theirs_greedy():
        return [s for b in tbatches for s in torch_greedy(theirs, b, max_len, banned)]

    def theirs_beam():
        return [s for b in tbatches for s in torch_beam(theirs, b, max_len, banned)]

    for label, mine, peer in (("greedy", ours_greedy, theirs_greedy),
                              (f"beam {BEAM}", ours_beam, theirs_beam)):
        ours_t, torch_t = [], []
        for r in range(repeat):
            dt, out_ours = timed(mine, profile and r == 0)
            ours_t.append(dt)
            dt, out_torch = timed(peer)
            torch_t.append(dt)
        agree = np.mean([a == b for a, b in zip(out_ours, out_torch)])
        n_tokens = sum(len(s) + 1 for s in out_ours)  # + <eos>
        print(f"  {label}: outputs identical for {agree:.1%} of sources; "
              f"{n_tokens / len(out_ours):.1f} tokens per output")
        report(f"{label} sentences", ours_t, torch_t, len(out_ours), "sent")
        report(f"{label} tokens", ours_t, torch_t, n_tokens, "tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["lm", "translator"],
                        choices=["lm", "translator"])
    parser.add_argument("--configs", nargs="+", default=["A", "B"], choices=list(CONFIGS))
    parser.add_argument("--tokens", type=int, default=100, help="new tokens per LM sample")
    parser.add_argument("--sentences", type=int, default=512, help="translator test sources")
    parser.add_argument("--train-steps", type=int, default=150,
                        help="Adam steps of the translator before decoding")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of each of ours")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__}, 1 thread each")
    print(blas_header())
    print(f"{torch_header()}\n")
    if "lm" in args.parts:
        for config in args.configs:
            bench_lm(config, args.tokens, args.repeat, args.profile)
            print()
    if "translator" in args.parts:
        bench_translator(args.sentences, args.train_steps, args.repeat, args.profile)


if __name__ == "__main__":
    main()
