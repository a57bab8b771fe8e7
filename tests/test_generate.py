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
