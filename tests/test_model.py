import numpy as np
import pytest

from hangul_dl import register
from hangul_dl.errors import FormatError
from hangul_dl.nn.gradcheck import check_model
from hangul_dl.nn.layers import Affine, Embedding, SoftmaxWithLoss
from hangul_dl.nn.mlp import TwoLayerNet
from hangul_dl.nn.model import Model


@register
class TiedLM(Model):
    """Embedding -> Affine whose weight is the embedding transposed (book ch.6 weight tying)."""

    def __init__(self, vocab_size: int = 7, dim: int = 3, seed: int = 0):
        self.vocab_size, self.dim, self.seed = vocab_size, dim, seed
        rng = np.random.default_rng(seed)
        self.embed = Embedding(rng.standard_normal((vocab_size, dim)).astype(np.float32))
        self.affine = Affine(rng.standard_normal((dim, vocab_size)).astype(np.float32),
                             np.zeros(vocab_size, np.float32))
        self.layers = [self.embed, self.affine]
        self.loss_layer = SoftmaxWithLoss()
        self.tie("affine.W", "embed.W", transpose=True)


def test_params_are_the_layers_own_objects():
    model = TwoLayerNet(2, 4, 3)
    layer_params = [p for layer in model.layers for p in layer.params]
    layer_grads = [g for layer in model.layers for g in layer.grads]
    assert [id(p) for p in model.params] == [id(p) for p in layer_params]
    assert [id(g) for g in model.grads] == [id(g) for g in layer_grads]
    assert [n for n, _, _ in model.named_params()] == ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]


def test_two_layer_net_gradcheck(rng):
    model = TwoLayerNet(2, 5, 3, weight_scale=1.0)
    errors = check_model(model, rng.standard_normal((4, 2)), np.array([0, 1, 2, 1]))
    assert max(errors.values()) < 1e-6, errors


def test_tied_weights_share_memory_and_list_once():
    model = TiedLM()
    names = [n for n, _, _ in model.named_params()]
    assert names == ["embed.W", "affine.b"]  # the follower is not listed, under any name
    assert np.shares_memory(model.affine.params[0], model.embed.params[0])
    model.embed.params[0][2, 1] = 42.0
    assert model.affine.params[0][1, 2] == 42.0


def test_tied_gradients_accumulate_once(rng):
    model = TiedLM()
    ids = rng.integers(0, 7, size=5)
    t = rng.integers(0, 7, size=5)
    errors = check_model(model, ids, t)
    assert set(errors) == {"embed.W", "affine.b"}
    assert max(errors.values()) < 1e-6, errors


def test_tie_rejects_wrong_shapes():
    model = TiedLM()
    with pytest.raises(Exception, match="cannot tie"):
        model.tie("affine.b", "embed.W")


def test_save_load_identical_predictions(tmp_path, rng):
    model = TwoLayerNet(2, 6, 3, seed=3)
    x = rng.standard_normal((5, 2)).astype(np.float32)
    model.save(tmp_path / "m")
    loaded = Model.load(tmp_path / "m")
    assert isinstance(loaded, TwoLayerNet)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert TwoLayerNet.load(tmp_path / "m").hidden_size == 6


def test_save_load_tied_model_keeps_tie(tmp_path):
    model = TiedLM(seed=1)
    model.save(tmp_path / "tied")
    loaded = TiedLM.load(tmp_path / "tied")
    assert np.shares_memory(loaded.affine.params[0], loaded.embed.params[0])
    np.testing.assert_array_equal(loaded.embed.params[0], model.embed.params[0])


def test_load_refuses_corrupted_and_mismatched(tmp_path):
    model = TwoLayerNet(2, 6, 3)
    model.save(tmp_path / "m")
    weights = tmp_path / "m" / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(FormatError, match="weights.npz"):
        Model.load(tmp_path / "m")
    TwoLayerNet(2, 6, 3).save(tmp_path / "m2")
    with pytest.raises(FormatError, match="missing"):
        TwoLayerNet(2, 6, 3).load_state_dict({"affine1.W": np.zeros((2, 6))})
    with pytest.raises(FormatError, match="shape"):
        TwoLayerNet(2, 7, 3).load_state_dict(TwoLayerNet(2, 6, 3).state_dict())
    with pytest.raises(FormatError, match="holds a 'TwoLayerNet', not a 'TiedLM'|not a TiedLM"):
        TiedLM.load(tmp_path / "m2")


def test_eval_mode_reaches_all_layers():
    model = TwoLayerNet(2, 3, 2).eval()
    assert all(not layer.training for layer in model._all_layers())
    assert all(layer.training for layer in model.train()._all_layers())


def test_astype_float64_keeps_identity_between_model_and_layers():
    model = TwoLayerNet(2, 3, 2).astype(np.float64)
    assert model.params[0].dtype == np.float64
    assert model.params[0] is model.affine1.params[0] is model.layers[0].params[0]


def test_repr_shows_config_and_size():
    text = repr(TwoLayerNet(2, 10, 3))
    assert "hidden_size=10" in text and "63 parameters" in text


# -- a forged manifest is refused before the model is built ------------------------------------------
def _set_config(folder, **changes):
    import json

    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["config"].update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(("changes", "match"), [
    ({"vocab_size": 10_000_000}, r"config 'vocab_size' = 10,000,000, but the largest array "
                                 r"dimension in weights.npz is 7"),
    ({"dim": 10**6}, "config 'dim'"),
    ({"vocab_size": 8}, r"'embed.W' has shape \(7, 3\), the model expects \(8, 3\)"),
    ({"vocab_size": -1}, "cannot be loaded|negative"),
    ({"vocab_size": "7"}, "cannot be loaded"),
    ({"colour": "red"}, "config does not fit TiedLM.*colour"),
])
def test_config_that_the_weights_cannot_back_is_refused_fast(tmp_path, changes, match):
    import time

    TiedLM().save(tmp_path / "m")
    _set_config(tmp_path / "m", **changes)
    start = time.process_time()  # CPU time: a busy machine does not make it fail
    with pytest.raises(FormatError, match=match):
        Model.load(tmp_path / "m")
    assert time.process_time() - start < 1.0


def test_layer_counts_are_bounded_by_the_number_of_arrays(tmp_path):
    from hangul_dl.lm.rnnlm import RNNLM

    RNNLM(vocab_size=11, embedding_size=4, hidden_size=4, num_layers=2).save(tmp_path / "lm")
    _set_config(tmp_path / "lm", num_layers=10**6)
    with pytest.raises(FormatError, match=r"config 'num_layers' = 1,000,000, but weights.npz "
                                          r"holds 9 arrays"):
        Model.load(tmp_path / "lm")
    _set_config(tmp_path / "lm", num_layers=3)  # plausible, but the weights have two layers
    with pytest.raises(FormatError, match="missing.*rnn.2"):
        Model.load(tmp_path / "lm")


def test_an_unregistered_model_saves_but_loads_only_once_registered(tmp_path):
    class Mine(TwoLayerNet):
        pass

    Mine(2, 3, 2).save(tmp_path / "m")
    with pytest.raises(FormatError, match="unknown class .*Mine.*register"):
        Model.load(tmp_path / "m")
    register(Mine)
    assert type(Model.load(tmp_path / "m")) is Mine


def test_tied_follower_gradient_is_kept_in_the_owner_layout(rng):
    """A transposed tie keeps the follower's gradient as the transpose of a contiguous (V, D)
    array, so summing it into the owner's is a contiguous add; both are still the right sums."""
    model = TiedLM()
    follower = model.affine.grads[0]
    assert follower.T.flags.c_contiguous and follower.shape == model.affine.params[0].shape
    ids = rng.integers(0, 7, size=5)
    t = rng.integers(0, 7, size=5)
    model.forward(ids, t)
    model.backward()
    dscore = model.loss_layer.backward()
    x = model.affine.x
    np.testing.assert_allclose(model.affine.grads[0], x.T @ dscore, rtol=1e-5, atol=1e-6)
    embed_part = np.zeros((7, 3), np.float32)
    np.add.at(embed_part, ids, dscore @ model.embed.params[0])
    np.testing.assert_allclose(model.embed.grads[0], embed_part + (x.T @ dscore).T,
                               rtol=1e-5, atol=1e-6)
