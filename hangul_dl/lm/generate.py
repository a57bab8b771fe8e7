"""Text generation from a recurrent language model (book ch.7, first half), on token IDs.

:func:`generate_ids` continues ID prompts with greedy decoding, sampling (temperature, top-k,
top-p), a repetition penalty, an n-gram ban, or beam search. Text in and text out — tokenizing
the prompt with the model's own tokenizer and detokenizing into natural Korean — is done by
:class:`hangul_dl.lm.language_model.LanguageModel` on top of this module.

Determinism: the ``j``-th sample of every prompt draws from its own generator seeded with
``(seed, j)``, so a batch of prompts gives exactly what the prompts give one by one, and the same
seed gives the same text. ``temperature=0`` (or anything below 1e-6) is greedy decoding.

Logits are processed in float64 on the CPU (a (N, V) row per step), so sampling does not depend
on the model's device or dtype beyond the scores themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..backend import get_array_module, to_cpu
from ..errors import InputError
from ..nn.functions import log_softmax

__all__ = ["GenerationConfig", "generate_ids", "process_logits"]

GREEDY_TEMPERATURE = 1e-6


@dataclass
class GenerationConfig:
    """How to continue a prompt."""

    max_tokens: int = 50             # new tokens at most (the stop token included)
    temperature: float = 1.0         # < 1 sharper, > 1 flatter; 0 = greedy
    top_k: int | None = None         # sample only among the k most likely tokens
    top_p: float | None = None       # ... or the smallest set with probability >= p (nucleus)
    repetition_penalty: float = 1.0  # > 1 discourages tokens already in the text (CTRL, 2019)
    no_repeat_ngram: int = 0         # forbid repeating any n-gram of this size (0 = off)
    beam: int = 1                    # beam width; > 1 uses beam search (deterministic)
    length_penalty: float = 1.0      # beam score = log p / length ** length_penalty
    n: int = 1                       # samples per prompt
    seed: int | None = None          # same seed, same text
    stop_ids: Sequence[int] = ()     # end a sequence (e.g. <eos>); kept in the output
    banned_ids: Sequence[int] = field(default_factory=tuple)  # never generated (e.g. <pad>, <unk>)

    def check(self) -> None:
        """Raise :class:`InputError` for settings that cannot work."""
        if self.max_tokens < 1:
            raise InputError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.temperature < 0:
            raise InputError(f"temperature must be >= 0, got {self.temperature}")
        if self.top_k is not None and self.top_k < 1:
            raise InputError(f"top_k must be >= 1 or None, got {self.top_k}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise InputError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.repetition_penalty <= 0:
            raise InputError(f"repetition_penalty must be > 0, got {self.repetition_penalty}")
        if self.beam < 1 or self.n < 1:
            raise InputError(f"beam and n must be >= 1, got beam={self.beam}, n={self.n}")
        if self.beam > 1 and self.n > self.beam:
            raise InputError(f"beam search returns at most beam={self.beam} sequences, n={self.n}")


def process_logits(logits: np.ndarray, histories: Sequence[Sequence[int]],
                   config: GenerationConfig) -> np.ndarray:
    """Apply bans, repetition penalty and the n-gram ban to (N, V) float64 logits (in place)."""
    if config.banned_ids:
        logits[:, list(config.banned_ids)] = -np.inf
    for row, history in enumerate(histories):
        if config.repetition_penalty != 1.0 and len(history):
            seen = np.unique(np.asarray(history))
            values = logits[row, seen]
            logits[row, seen] = np.where(values > 0, values / config.repetition_penalty,
                                         values * config.repetition_penalty)
        n = config.no_repeat_ngram
        if n and len(history) >= n - 1:
            prefix = tuple(history[len(history) - n + 1:]) if n > 1 else ()
            banned = [history[i + n - 1] for i in range(len(history) - n + 1)
                      if tuple(history[i:i + n - 1]) == prefix]
            logits[row, banned] = -np.inf
    return logits


def _filter_and_normalise(logits: np.ndarray, config: GenerationConfig) -> np.ndarray:
    """Probabilities (N, V) after temperature, top-k and top-p, computed in place in ``logits``.

    Every step is done in the one (N, V) array (no temporaries of that size but the top-k
    partition), with the same arithmetic as the out-of-place formulas, so the samples are
    unchanged.
    """
    if config.temperature != 1.0:
        logits /= config.temperature
    V = logits.shape[1]
    if config.top_k is not None and config.top_k < V:
        kth = np.partition(logits, V - config.top_k, axis=1)[:, V - config.top_k][:, None]
        np.putmask(logits, logits < kth, -np.inf)
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits, out=logits)
    probs /= probs.sum(axis=1, keepdims=True)
    if config.top_p is not None and config.top_p < 1.0:
        order = np.argsort(-probs, axis=1, kind="stable")
        sorted_p = np.take_along_axis(probs, order, axis=1)
        before = np.cumsum(sorted_p, axis=1) - sorted_p  # mass of strictly more likely tokens
        keep_sorted = before < config.top_p               # always keeps the most likely one
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=1)
        probs[~keep] = 0.0
        probs /= probs.sum(axis=1, keepdims=True)
    return probs


def _draw(cdf: np.ndarray, rngs: list) -> np.ndarray:
    """Per row, the number of ``cdf`` entries <= ``u`` (a binary search: cdf is non-decreasing),
    ``u`` uniform in [0, total) from the row's own generator."""
    u = np.array([g.random() for g in rngs]) * cdf[:, -1]
    pos = np.array([np.searchsorted(row, x, side="right") for row, x in zip(cdf, u)])
    return np.minimum(pos, cdf.shape[1] - 1)


def _sample_full(logits: np.ndarray, config: GenerationConfig, rngs: list) -> np.ndarray:
    """Sample one ID per row from the filtered (N, V) distribution."""
    probs = _filter_and_normalise(logits, config)
    return _draw(np.cumsum(probs, axis=1, out=probs), rngs)


def _top_k_only(config: GenerationConfig, V: int) -> bool:
    return config.top_k is not None and config.top_k < V and (
        config.top_p is None or config.top_p >= 1.0)


def _sample_top_k(logits: np.ndarray, config: GenerationConfig, rngs: list) -> np.ndarray:
    """Top-k sampling (no top-p) computed on the k candidates of each row only.

    The candidates are the IDs whose temperature-divided logit is at least the k-th largest, in
    ID order — exactly the tokens the full (N, V) computation keeps; their probabilities and
    cumulative sums are those of the full computation (whose other entries are 0), so the same
    token is drawn, up to the rounding of the normalising sum (it matters only for a ``u``
    within an ulp of a boundary). A row tied at the k-th value keeps more than k tokens: then
    the full computation runs.
    """
    N, V = logits.shape
    k = config.top_k
    if config.temperature != 1.0:
        logits /= config.temperature
    kth = np.partition(logits, V - k, axis=1)[:, V - k][:, None]
    keep = logits >= kth
    if not bool((keep.sum(axis=1) == k).all()):
        return _sample_full(logits, replace(config, temperature=1.0), rngs)
    ids = np.nonzero(keep)[1].reshape(N, k)  # candidate IDs per row, increasing
    probs = np.take_along_axis(logits, ids, axis=1)
    probs -= probs.max(axis=1, keepdims=True)
    np.exp(probs, out=probs)
    probs /= probs.sum(axis=1, keepdims=True)
    return ids[np.arange(N), _draw(np.cumsum(probs, axis=1, out=probs), rngs)]


def _warm_up(model: Any, prompts: Sequence[np.ndarray], xp: Any) -> tuple[np.ndarray, list]:
    """Feed the prompts; return the scores for the first new token (P, V) and the states.

    Prompts of the same length are fed together, one batch per length (rows are independent,
    so this gives each prompt's own scores), instead of one model call per prompt.
    """
    scores: list[Any] = [None] * len(prompts)
    states: list[Any] = [None] * len(prompts)
    by_length: dict[int, list[int]] = {}
    for i, prompt in enumerate(prompts):
        by_length.setdefault(len(prompt), []).append(i)
    for group in by_length.values():
        model.reset_state()
        batch = np.stack([prompts[i] for i in group])
        last = np.asarray(to_cpu(model.predict(xp.asarray(batch))[:, -1]), dtype=np.float64)
        state = model.get_state()
        for row, i in enumerate(group):
            scores[i] = last[row:row + 1]
            states[i] = [(None if h is None else h[row:row + 1], None if c is None else c[row:row + 1])
                         for h, c in state]
    return np.concatenate(scores, axis=0), states


def _stack_states(states: list, rows: Sequence[int], xp: Any) -> list:
    """Combine per-prompt states into one batch state with the given prompt index per row."""
    layers = []
    for layer in range(len(states[0])):
        hs = [states[r][layer][0] for r in rows]
        cs = [states[r][layer][1] for r in rows]
        h = None if hs[0] is None else xp.concatenate(hs, axis=0)
        c = None if cs[0] is None else xp.concatenate(cs, axis=0)
        layers.append((h, c))
    return layers


def _next_scores(model: Any, last: np.ndarray, xp: Any) -> np.ndarray:
    scores = model.predict(xp.asarray(last[:, None]))[:, -1]  # (N, V)
    return np.asarray(to_cpu(scores), dtype=np.float64)


def generate_ids(model: Any, prompts: Sequence[Sequence[int]],
                 config: GenerationConfig | None = None, **overrides: Any) -> list[list[np.ndarray]]:
    """Continue each ID prompt; returns, per prompt, ``config.n`` arrays of *new* IDs.

    ``model`` is an RNNLM-like model (``predict``, ``reset_state``, ``get_state``,
    ``set_state``, ``select_state``). Prompts must be non-empty (start them with ``<eos>``: the
    training stream has ``<eos>`` between sentences, so it marks "a sentence starts here").
    Settings come from ``config`` and/or keyword overrides (``temperature=0.8, top_k=20, seed=1``).
    """
    config = config or GenerationConfig()
    if overrides:
        config = GenerationConfig(**{**config.__dict__, **overrides})
    config.check()
    arrays = [np.asarray(p, dtype=np.int32).ravel() for p in prompts]
    for i, p in enumerate(arrays):
        if p.size == 0:
            raise InputError(f"prompt {i} is empty; start it with the <bos> or <eos> ID")
    if not arrays:
        return []
    xp = get_array_module(model.params[0])
    model.eval()
    try:
        if config.beam > 1:
            return [_beam_search(model, p, config, xp) for p in arrays]
        return _sample(model, arrays, config, xp)
    finally:
        model.reset_state()


def _sample(model: Any, prompts: list[np.ndarray], config: GenerationConfig, xp: Any
            ) -> list[list[np.ndarray]]:
    first_scores, states = _warm_up(model, prompts, xp)
    rows = [p for p in range(len(prompts)) for _ in range(config.n)]   # prompt index per row
    samples = [j for _ in prompts for j in range(config.n)]            # sample index per row
    model.set_state(_stack_states(states, rows, xp))
    scores = first_scores[rows]
    histories = [list(prompts[p]) for p in rows]
    rngs = [np.random.default_rng(None if config.seed is None else [config.seed, j])
            for j in samples]
    out: list[list[int]] = [[] for _ in rows]
    done = np.zeros(len(rows), dtype=bool)
    stop = set(config.stop_ids)
    greedy = config.temperature < GREEDY_TEMPERATURE
    for step in range(config.max_tokens):
        logits = process_logits(scores, histories, config)
        if greedy:
            chosen = logits.argmax(axis=1)
        elif _top_k_only(config, logits.shape[1]):
            chosen = _sample_top_k(logits, config, rngs)
        else:
            chosen = _sample_full(logits, config, rngs)
        for r, token in enumerate(chosen.tolist()):
            if not done[r]:
                out[r].append(token)
                histories[r].append(token)
                done[r] = token in stop
        if done.all() or step == config.max_tokens - 1:
            break
        scores = _next_scores(model, chosen.astype(np.int32), xp)
    grouped: list[list[np.ndarray]] = [[] for _ in prompts]
    for r, p in enumerate(rows):
        grouped[p].append(np.array(out[r], dtype=np.int32))
    return grouped


def _beam_search(model: Any, prompt: np.ndarray, config: GenerationConfig, xp: Any
                 ) -> list[np.ndarray]:
    """Beam search for one prompt; returns the ``config.n`` best finished sequences."""
    scores, states = _warm_up(model, [prompt], xp)
    B = config.beam
    model.set_state(_stack_states(states, [0], xp))
    beams: list[tuple[list[int], float]] = [([], 0.0)]
    finished: list[tuple[float, list[int]]] = []
    stop = set(config.stop_ids)

    def final_score(tokens: list[int], logp: float) -> float:
        return logp / max(len(tokens), 1) ** config.length_penalty

    for step in range(config.max_tokens):
        logits = process_logits(scores, [list(prompt) + b for b, _ in beams], config)
        logp = log_softmax(logits) + np.array([s for _, s in beams])[:, None]  # (beams, V)
        flat = np.argsort(-logp, axis=None, kind="stable")[:2 * B]
        candidates = []
        for index in flat.tolist():
            row, token = divmod(index, logp.shape[1])
            score = float(logp[row, token])
            if not np.isfinite(score):
                continue
            tokens = beams[row][0] + [token]
            if token in stop or step == config.max_tokens - 1:
                finished.append((final_score(tokens, score), tokens))
            else:
                candidates.append((row, tokens, score))
            if len(candidates) == B:
                break
        best_finished = max((s for s, _ in finished), default=-np.inf)
        if not candidates or (len(finished) >= B and all(
                final_score(t, s) < best_finished for _, t, s in candidates)):
            break
        model.select_state([row for row, _, _ in candidates])
        beams = [(tokens, score) for _, tokens, score in candidates]
        scores = _next_scores(model, np.array([t[-1] for t, _ in beams], dtype=np.int32), xp)
    if not finished:
        finished = [(final_score(t, s), t) for t, s in beams]
    finished.sort(key=lambda item: -item[0])
    return [np.array(tokens, dtype=np.int32) for _, tokens in finished[:config.n]]
