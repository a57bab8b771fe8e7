"""Decoding for encoder-decoder models: batched greedy search and beam search (book ch.7-8).

Both work with any model that offers the step API of :mod:`hangul_dl.seq2seq.models`
(``state = model.encode(src)``, ``logits, state = model.step(tokens, state)``,
``state.select(rows)``), and both return, for each source row, the generated token IDs **without**
``<bos>`` and ``<eos>`` — plus, with ``return_attention=True``, one (len(output), len(source))
array of attention weights per row (attention models only; the row of the ``<eos>`` step is left
out, padded source columns are cut off).

**Batch-size invariance** (Joey NMT's lesson): every row is decoded independently — padding gets
zero attention, the encoder reads each source up to its own last token, finished rows and beams
never influence others, and ties are broken by token ID — so a sentence gives the same output
alone or in a batch of any size, next to sentences of any length. The tests assert it.

Beam search keeps ``beam_size`` hypotheses per source. At each step the ``2 * beam_size`` best
extensions are ranked (score, then index); an ``<eos>`` among the first ``beam_size`` finishes a
hypothesis with score ``log p / length ** length_penalty`` (length counts ``<eos>``), the other
extensions fill the beam. A source is done when ``beam_size`` hypotheses have finished; after
``max_len`` steps the unfinished ones compete too. With ``beam_size=1`` this is exactly greedy
search.

Some IDs are never generated: ``<pad>`` and ``<bos>`` always, and whatever else ``banned_ids``
names (the :class:`~hangul_dl.seq2seq.translator.Translator` bans ``<unk>`` too, so a rare word
becomes the best real token instead of a hole in the output). Their logits are set to ``-inf``
before the choice, so the output never holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..backend import get_array_module, to_cpu
from ..errors import InputError, ShapeError
from ..nn.functions import log_softmax

__all__ = ["beam_search", "decoding_accuracy", "greedy_decode"]

Result = list[list[int]] | tuple[list[list[int]], list[np.ndarray]]


@contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """Dropout off while decoding; the model's previous mode is restored afterwards."""
    was_training = bool(getattr(model, "training", False))
    model.eval()
    try:
        yield
    finally:
        if was_training:
            model.train()


def _check(src: Any, max_len: int, return_attention: bool, model: Any) -> None:
    if getattr(src, "ndim", None) != 2:
        raise ShapeError(f"src must be a 2-D ID array (N, S) padded with 0; got "
                         f"{getattr(src, 'shape', type(src).__name__)}")
    if max_len < 1:
        raise InputError(f"max_len must be >= 1, got {max_len}")
    if return_attention and not getattr(model, "has_attention", False):
        raise InputError(f"{type(model).__name__} has no attention; use an AttentionSeq2seq "
                         "for attention weights")


def _banned(model: Any, bos_id: int, eos_id: int, banned_ids: Iterable[int]) -> list[int]:
    """The IDs the decoder may not emit: padding, ``<bos>`` and ``banned_ids`` (never ``<eos>``)."""
    banned = sorted({int(getattr(model, "pad_id", 0)), int(bos_id), *map(int, banned_ids)})
    if eos_id in banned:
        raise InputError(f"banned_ids {banned} include eos_id {eos_id}; decoding could never stop")
    return banned


def _source_lengths(state: Any, n: int) -> np.ndarray | None:
    return None if state.mask is None else to_cpu(state.mask.sum(axis=1))[:n]


def greedy_decode(model: Any, src: Any, max_len: int = 50, bos_id: int = 2, eos_id: int = 3,
                  return_attention: bool = False, banned_ids: Iterable[int] = ()) -> Result:
    """Decode each row of ``src`` (N, S) by taking the most likely token at every step.

    Args:
        model: a seq2seq model (``encode``/``step``).
        src: (N, S) int source IDs, padded with 0 at the end.
        max_len: at most this many steps (tokens generated, ``<eos>`` included).
        bos_id, eos_id: the IDs of ``<bos>`` (first decoder input) and ``<eos>`` (stop).
        return_attention: also return the attention weights of each output token.
        banned_ids: IDs never to emit, besides padding and ``<bos>`` (e.g. ``<unk>``).

    Returns:
        ``ids`` — a list of N lists of token IDs (no bos/eos) — or ``(ids, attentions)`` with
        ``attentions[i]`` of shape (len(ids[i]), true length of source i).
    """
    _check(src, max_len, return_attention, model)
    banned = _banned(model, bos_id, eos_id, banned_ids)
    with _eval_mode(model):
        state = model.encode(src)
        xp = get_array_module(state.h[0])
        N = state.batch_size
        tokens = xp.full(N, bos_id, dtype=np.int32)
        out = np.zeros((N, max_len), dtype=np.int64)
        lengths = np.full(N, max_len)
        done = np.zeros(N, dtype=bool)
        attention = []
        for t in range(max_len):
            logits, state = model.step(tokens, state)
            logits = logits.copy()  # the model's array is not ours to change
            logits[:, banned] = -np.inf
            tokens = logits.argmax(axis=1).astype(np.int32)
            host = to_cpu(tokens)
            out[:, t] = host
            if return_attention:
                attention.append(to_cpu(state.attention))
            newly = ~done & (host == eos_id)
            lengths[newly] = t
            done |= newly
            if done.all():
                break
    ids = [out[i, :lengths[i]].tolist() for i in range(N)]
    if not return_attention:
        return ids
    src_len = _source_lengths(state, N)
    stacked = np.stack(attention, axis=1)  # (N, steps, S)
    return ids, [stacked[i, :lengths[i], :src_len[i]] for i in range(N)]


def _top_candidates(flat: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best entries of each row of ``flat`` (N, M): indices and values, best first,
    ties broken by the lower index (deterministic, independent of the other rows)."""
    if flat.shape[1] > k:
        top = np.argpartition(-flat, k - 1, axis=1)[:, :k]
        # the k-th value may be tied with entries outside the partition: take them all, in order
        kth = np.take_along_axis(flat, top, axis=1).min(axis=1, keepdims=True)
        ties = flat >= kth
        # rows whose k-th value is tied with entries left out; -inf ties (a finished source, or
        # fewer than k live candidates) need no fixing: decoding stops at the first -inf
        tied = (ties.sum(axis=1) > k) & (kth[:, 0] > -np.inf)
        for r in np.flatnonzero(tied).tolist():
            index = np.flatnonzero(ties[r])
            top[r] = index[np.lexsort((index, -flat[r, index]))][:k]
    else:
        top = np.broadcast_to(np.arange(flat.shape[1]), flat.shape).copy()
    vals = np.take_along_axis(flat, top, axis=1)
    order = np.lexsort((top, -vals), axis=-1)
    return np.take_along_axis(top, order, axis=1), np.take_along_axis(vals, order, axis=1)


def beam_search(model: Any, src: Any, beam_size: int = 4, max_len: int = 50, bos_id: int = 2,
                eos_id: int = 3, length_penalty: float = 1.0,
                return_attention: bool = False, banned_ids: Iterable[int] = ()) -> Result:
    """Beam search for each row of ``src`` (N, S); the best finished hypothesis per row.

    Args are those of :func:`greedy_decode`, plus ``beam_size`` (hypotheses kept per source) and
    ``length_penalty`` (the score of a finished hypothesis is ``log p / length **
    length_penalty``; 0 ranks by total log-probability, which favours short outputs).

    Returns ``ids`` or ``(ids, attentions)`` as :func:`greedy_decode` does.
    """
    _check(src, max_len, return_attention, model)
    if beam_size < 1:
        raise InputError(f"beam_size must be >= 1, got {beam_size}")
    banned = _banned(model, bos_id, eos_id, banned_ids)
    B = beam_size
    with _eval_mode(model):
        state = model.encode(src)
        N = state.batch_size
        src_len = _source_lengths(state, N)
        state = state.select(np.repeat(np.arange(N), B))  # (N*B) rows, beam-major per source
        xp = get_array_module(state.h[0])
        tokens = np.full(N * B, bos_id, dtype=np.int32)
        scores = np.full((N, B), -np.inf)
        scores[:, 0] = 0.0  # one live hypothesis to start with
        history = np.zeros((N, B, 0), dtype=np.int64)
        att_hist = np.zeros((N, B, 0, 1)) if return_attention else None
        finished: list[list[tuple[float, list[int], Any]]] = [[] for _ in range(N)]
        done = np.zeros(N, dtype=bool)
        for t in range(max_len):
            logits, state = model.step(xp.asarray(tokens), state)
            logits = to_cpu(logits).astype(np.float64)
            logits[:, banned] = -np.inf
            logp = log_softmax(logits)
            V = logp.shape[1]
            flat = (scores[:, :, None] + logp.reshape(N, B, V)).reshape(N, B * V)
            top, vals = _top_candidates(flat, 2 * B)
            att = None
            if return_attention:
                att = to_cpu(state.attention).reshape(N, B, 1, -1)
                if att_hist.shape[3] != att.shape[3]:
                    att_hist = np.zeros((N, B, 0, att.shape[3]))
            beam_of = np.zeros((N, B), dtype=np.int64)
            new_tokens = np.full((N, B), eos_id, dtype=np.int32)
            new_scores = np.full((N, B), -np.inf)
            for i in np.flatnonzero(~done):
                alive = 0
                for rank, (index, value) in enumerate(zip(top[i].tolist(), vals[i].tolist())):
                    if value == -np.inf:
                        break
                    b, token = divmod(index, V)
                    if token == eos_id:
                        if rank < B:
                            rows = None if att is None else np.concatenate([att_hist[i, b],
                                                                            att[i, b]])[:-1]
                            finished[i].append((value / (t + 1) ** length_penalty,
                                                history[i, b].tolist(), rows))
                        continue
                    beam_of[i, alive], new_tokens[i, alive], new_scores[i, alive] = b, token, value
                    alive += 1
                    if alive == B:
                        break
                if len(finished[i]) >= B or alive == 0:
                    done[i] = True
            rows = np.arange(N)[:, None]
            history = np.concatenate([history[rows, beam_of], new_tokens[:, :, None]], axis=2)
            if return_attention:
                att_hist = np.concatenate([att_hist[rows, beam_of], att[rows, beam_of]], axis=2)
            scores = new_scores
            tokens = new_tokens.reshape(-1)
            if done.all():
                break
            # hypotheses move only within their source's rows: enc_hs and mask stay as they are
            state = state.select((np.arange(N)[:, None] * B + beam_of).reshape(-1), same_sources=True)
        for i in np.flatnonzero(~done):  # max_len reached: unfinished hypotheses compete too
            for b in range(B):
                if scores[i, b] > -np.inf:
                    rows = None if att_hist is None else att_hist[i, b]
                    finished[i].append((scores[i, b] / history.shape[2] ** length_penalty,
                                        history[i, b].tolist(), rows))
    ids, attentions = [], []
    for i in range(N):
        if not finished[i]:  # only possible with a vocabulary smaller than the beam
            finished[i].append((0.0, [], np.zeros((0, int(src_len[i]) if src_len is not None else 0))))
        best = max(finished[i], key=lambda hyp: hyp[0])  # first of equal scores wins
        ids.append(best[1])
        if return_attention:
            attentions.append(best[2][:, :src_len[i]])
    return (ids, attentions) if return_attention else ids


def decoding_accuracy(model: Any, src: Any, tgt: Any, batch_size: int = 256) -> float:
    """Share of rows whose greedy decoding equals the reference exactly (the book's toy tasks).

    ``tgt`` (N, T) is in training layout: ``<bos>`` first, ``<eos>`` last, padded with 0; the
    ``<bos>``/``<eos>`` IDs are read from it. For texts, use
    :func:`hangul_dl.metrics.exact_match` on the translations.
    """
    from ..metrics import exact_match

    tgt_host = np.asarray(to_cpu(tgt))
    if tgt_host.ndim != 2 or tgt_host.shape[1] < 2:
        raise ShapeError(f"tgt must be (N, T >= 2) with <bos> ... <eos>; got {tgt_host.shape}")
    lengths = (tgt_host != 0).sum(axis=1)
    bos_id, eos_id = int(tgt_host[0, 0]), int(tgt_host[0, lengths[0] - 1])
    hyps: list[list[int]] = []
    for start in range(0, len(tgt_host), batch_size):
        hyps += greedy_decode(model, src[start:start + batch_size],
                              max_len=tgt_host.shape[1] - 1, bos_id=bos_id, eos_id=eos_id)
    refs = [tgt_host[i, 1:lengths[i] - 1].tolist() for i in range(len(tgt_host))]
    return exact_match(hyps, refs) if refs else 0.0
