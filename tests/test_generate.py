import numpy as np
import pytest

from hangul_dl.errors import InputError
from hangul_dl.lm.generate import GenerationConfig, _filter_and_normalise, generate_ids, process_logits
from hangul_dl.lm.rnnlm import RNNLM
from hangul_dl.nn.optimizers import Adam
from hangul_dl.training import BPTTTrainer

PATTERN = np.array([3, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype=np.int32)  # 3 = <eos>-like start


@pytest.fixture(scope="module")
def model():
    m = RNNLM(13, 16, 32, seed=0)
    BPTTTrainer(m, Adam(0.01), quiet=True).fit(np.tile(PATTERN, 200), max_epoch=5,
                                                 batch_size=10, time_size=10)
    return m


def test_greedy_continues_the_learned_pattern(model):
    out = generate_ids(model, [[3], [7, 8]], temperature=0, max_tokens=20, stop_ids=[12])
    assert out[0][0].tolist() == [4, 5, 6, 7, 8, 9, 10, 11, 12]  # stops at (and keeps) 12
    assert out[1][0].tolist() == [9, 10, 11, 12]


def test_tiny_temperature_is_greedy(model):
    greedy = generate_ids(model, [[3, 4]], temperature=0, max_tokens=6)
    tiny = generate_ids(model, [[3, 4]], temperature=1e-9, max_tokens=6, seed=5)
    assert greedy[0][0].tolist() == tiny[0][0].tolist()


def test_same_seed_same_text_and_batch_equals_one_by_one(model):
    kwargs = dict(seed=11, n=3, max_tokens=10, temperature=3.0)
    batch = generate_ids(model, [[3], [7, 8], [5]], **kwargs)
    again = generate_ids(model, [[3], [7, 8], [5]], **kwargs)
    for p, prompt in enumerate([[3], [7, 8], [5]]):
        alone = generate_ids(model, [prompt], **kwargs)[0]
        for j in range(3):
            assert batch[p][j].tolist() == alone[j].tolist() == again[p][j].tolist()
    assert len({tuple(s) for s in batch[0]}) > 1  # the n samples differ


@pytest.mark.parametrize("top_k,top_p", [(1, None), (3, None), (None, 0.5), (2, 0.9)])
def test_sampling_never_leaves_the_allowed_set(model, top_k, top_p):
    config = GenerationConfig(temperature=5.0, top_k=top_k, top_p=top_p, max_tokens=1, n=40,
                              seed=0)
    from hangul_dl.lm.generate import _warm_up

    scores, _ = _warm_up(model, [np.array([3, 4, 5])], np)
    probs = _filter_and_normalise(process_logits(scores.copy(), [[3, 4, 5]], config), config)
    allowed = set(np.flatnonzero(probs[0] > 0).tolist())
    if top_k:
        assert len(allowed) <= top_k
    sampled = {s[0] for s in generate_ids(model, [[3, 4, 5]], config)[0]}
    assert sampled <= allowed


def test_top_p_keeps_smallest_nucleus():
    config = GenerationConfig(temperature=1.0, top_p=0.6)
    probs = _filter_and_normalise(np.log(np.array([[0.5, 0.3, 0.15, 0.05]])), config)
    np.testing.assert_allclose(probs, [[0.5 / 0.8, 0.3 / 0.8, 0, 0]])


def test_banned_ids_repetition_penalty_and_ngram_ban():
    config = GenerationConfig(banned_ids=(0,), repetition_penalty=2.0, no_repeat_ngram=2)
    logits = process_logits(np.array([[1.0, 2.0, -1.0, 4.0]]), [[3, 1, 3]], config)
    assert logits[0, 0] == -np.inf               # banned
    assert logits[0, 1] == -np.inf               # "3 1" already seen after the final 3
    assert logits[0, 3] == 2.0                   # positive logit of a seen token halved
    assert logits[0, 2] == -1.0                  # unseen token untouched


def test_beam_search(model):
    greedy = generate_ids(model, [[3]], temperature=0, max_tokens=12, stop_ids=[12])[0][0]
    beam1 = generate_ids(model, [[3]], beam=1, temperature=0, max_tokens=12, stop_ids=[12])[0][0]
    assert beam1.tolist() == greedy.tolist()
    beams = generate_ids(model, [[3]], beam=3, n=2, max_tokens=12, stop_ids=[12])[0]
    assert len(beams) == 2 and beams[0].tolist() == greedy.tolist()


def test_bad_settings_are_reported(model):
    with pytest.raises(InputError, match="top_p"):
        generate_ids(model, [[3]], top_p=1.5)
    with pytest.raises(InputError, match="empty"):
        generate_ids(model, [[]])
    with pytest.raises(InputError, match="beam"):
        generate_ids(model, [[3]], beam=2, n=3)


def _reference_probs(logits, config):
    """The out-of-place formulas of the first implementation (before the in-place rewrite)."""
    logits = logits / config.temperature
    V = logits.shape[1]
    if config.top_k is not None and config.top_k < V:
        kth = np.partition(logits, V - config.top_k, axis=1)[:, V - config.top_k][:, None]
        logits = np.where(logits < kth, -np.inf, logits)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    if config.top_p is not None and config.top_p < 1.0:
        order = np.argsort(-probs, axis=1, kind="stable")
        sorted_p = np.take_along_axis(probs, order, axis=1)
        keep_sorted = np.cumsum(sorted_p, axis=1) - sorted_p < config.top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=1)
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum(axis=1, keepdims=True)
    return probs


@pytest.mark.parametrize("settings", [dict(), dict(temperature=0.7, top_k=5),
                                      dict(temperature=1.3, top_p=0.8),
                                      dict(temperature=2.0, top_k=20, top_p=0.5)])
def test_in_place_filtering_equals_the_formulas_bit_for_bit(settings):
    config = GenerationConfig(**settings)
    logits = np.random.default_rng(0).standard_normal((7, 50)) * 4
    np.testing.assert_array_equal(_filter_and_normalise(logits.copy(), config),
                                  _reference_probs(logits, config))


def test_batched_warm_up_equals_one_prompt_at_a_time(model):
    from hangul_dl.lm.generate import _warm_up

    prompts = [np.array(p, dtype=np.int32) for p in ([3], [7, 8], [5], [4, 5, 6], [9, 10])]
    scores, states = _warm_up(model, prompts, np)
    for i, prompt in enumerate(prompts):
        alone, alone_states = _warm_up(model, [prompt], np)
        np.testing.assert_allclose(scores[i], alone[0], rtol=1e-5, atol=1e-5)
        for (h, c), (h1, c1) in zip(states[i], alone_states[0]):
            np.testing.assert_allclose(h, h1, atol=1e-6)
            np.testing.assert_allclose(c, c1, atol=1e-6)


def test_outputs_pinned_across_the_speed_work():
    """What generate_ids returned before issue 16's speed work (sampling, warm-up, beams), for a
    fixed untrained 2-layer model: the faster code must give the same tokens."""
    m = RNNLM(50, 16, 24, num_layers=2, seed=3)
    prompts = [[3], [7, 8], [5], [9, 1, 4]]
    greedy = generate_ids(m, prompts, max_tokens=8, temperature=0)
    assert [p[0].tolist() for p in greedy] == [
        [20, 35, 20, 5, 20, 20, 24, 24], [31, 31, 31, 31, 3, 3, 3, 29],
        [45, 35, 45, 35, 35, 20, 5, 20], [4, 21, 21, 35, 35, 5, 20, 20]]
    topk = generate_ids(m, prompts, max_tokens=8, seed=7, n=2, top_k=5, temperature=1.5)
    assert [s.tolist() for s in topk[0]] == [[20, 35, 26, 6, 24, 49, 8, 45],
                                             [20, 5, 0, 0, 4, 6, 26, 17]]
    assert [s.tolist() for s in topk[3]] == [[21, 35, 32, 20, 20, 39, 5, 35],
                                             [21, 4, 4, 4, 17, 21, 49, 14]]
    both = generate_ids(m, prompts, max_tokens=8, seed=7, n=2, top_k=10, top_p=0.9,
                        temperature=1.2, repetition_penalty=1.3, no_repeat_ngram=2)
    assert [s.tolist() for s in both[1]] == [[31, 40, 31, 11, 21, 39, 12, 35],
                                             [34, 13, 13, 11, 16, 35, 45, 18]]
    beam = generate_ids(m, prompts, max_tokens=8, seed=7, n=2, beam=3)
    assert [s.tolist() for s in beam[1]] == [[17, 31, 31, 31, 31, 3, 3, 3],
                                             [17, 31, 31, 31, 31, 3, 3, 29]]


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_top_k_on_candidates_draws_what_the_full_distribution_draws(temperature):
    """Top-k sampling on the k candidates only draws the same IDs as the (N, V) computation,
    also when a row is tied at the k-th value (then it falls back to the full computation)."""
    from hangul_dl.lm.generate import _sample_full, _sample_top_k

    config = GenerationConfig(top_k=7, temperature=temperature)
    rng = np.random.default_rng(1)
    for trial in range(30):
        logits = rng.standard_normal((9, 300)) * 3
        if trial % 5 == 0:
            logits[2, :10] = logits[2].max() + 1  # ten tied best tokens: more than k kept
        rngs_a = [np.random.default_rng([trial, j]) for j in range(9)]
        rngs_b = [np.random.default_rng([trial, j]) for j in range(9)]
        fast = _sample_top_k(logits.copy(), config, rngs_a)
        full = _sample_full(logits.copy(), config, rngs_b)
        np.testing.assert_array_equal(fast, full)
