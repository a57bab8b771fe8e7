import numpy as np
import pytest

from hangul_dl import backend
from hangul_dl.errors import BackendError


def test_cpu_is_default(monkeypatch):
    monkeypatch.delenv("HANGUL_DL_DEVICE", raising=False)
    assert backend.resolve_device() == "cpu"
    assert backend.get_xp() is np


def test_environment_variable_and_bad_names(monkeypatch):
    monkeypatch.setenv("HANGUL_DL_DEVICE", "CPU")
    assert backend.resolve_device() == "cpu"
    monkeypatch.setenv("HANGUL_DL_DEVICE", "tpu")
    with pytest.raises(BackendError, match="HANGUL_DL_DEVICE"):
        backend.resolve_device()
    with pytest.raises(BackendError, match="Unknown device 'npu'"):
        backend.resolve_device("npu")


def test_gpu_without_cupy_names_install_command():
    if backend.cupy_available():
        pytest.skip("CuPy is available here")
    with pytest.raises(BackendError, match=r"\.\[gpu\]"):
        backend.resolve_device("gpu")
    assert backend.resolve_device("auto") == "cpu"


def test_get_array_module_and_moves_on_cpu():
    x = np.arange(3)
    assert backend.get_array_module(x, 1.0) is np
    assert backend.to_cpu(x) is x
    assert not backend.is_gpu_array(x)


def test_as_generator_is_explicit_and_seeded():
    a = backend.as_generator(5).random(3)
    b = backend.as_generator(5).random(3)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(1)
    assert backend.as_generator(g) is g


def test_segment_sum_matches_add_at(rng):
    idx = rng.integers(0, 50, size=1000)
    values = rng.standard_normal((1000, 7)).astype(np.float32)
    expected = np.zeros((50, 7), np.float32)
    np.add.at(expected, idx, values)
    got = backend.segment_sum(idx, values, 50)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)  # bit-identical, not just close


def test_segment_sum_accepts_2d_ids(rng):
    idx = rng.integers(0, 5, size=(4, 3))
    values = rng.standard_normal((4, 3, 2))
    expected = np.zeros((5, 2))
    np.add.at(expected, idx.ravel(), values.reshape(-1, 2))
    np.testing.assert_allclose(backend.segment_sum(idx, values, 5), expected)


@pytest.mark.gpu
def test_gpu_round_trip():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    g = backend.to_gpu(x)
    assert backend.is_gpu_array(g)
    assert backend.get_array_module(g) is not np
    np.testing.assert_array_equal(backend.to_cpu(g), x)
    idx = np.array([0, 1, 0])
    vals = np.ones((3, 2), np.float32)
    np.testing.assert_array_equal(
        backend.to_cpu(backend.segment_sum(backend.to_gpu(idx), backend.to_gpu(vals), 2)),
        backend.segment_sum(idx, vals, 2))
