import json
import os
import pickle
import stat

import numpy as np
import pytest

from hangul_dl import io
from hangul_dl.errors import FormatError


def test_atomic_open_replaces_only_on_success(tmp_path):
    path = tmp_path / "a.txt"
    io.write_text(path, "첫 번째\n")
    with pytest.raises(RuntimeError), io.atomic_open(path) as f:
        f.write("절반만")
        raise RuntimeError("crash mid-write")
    assert path.read_text(encoding="utf-8") == "첫 번째\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temp file left behind


def test_write_json_keeps_korean_readable(tmp_path):
    io.write_json(tmp_path / "m.json", {"단어": "국회"})
    assert "국회" in (tmp_path / "m.json").read_text(encoding="utf-8")


def test_save_load_arrays_round_trip(tmp_path):
    arrays = {"encoder.lstm.Wx": np.arange(6, dtype=np.float32).reshape(2, 3),
              "ids": np.array([1, 2, 3], dtype=np.int32)}
    io.save_arrays(tmp_path / "w.npz", arrays)
    loaded = io.load_arrays(tmp_path / "w.npz")
    assert loaded.keys() == arrays.keys()
    for k in arrays:
        np.testing.assert_array_equal(loaded[k], arrays[k])
        assert loaded[k].dtype == arrays[k].dtype


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "w.npz"
    path.write_bytes(pickle.dumps({"W": [1, 2]}))
    with pytest.raises(FormatError, match="pickle"):
        io.load_arrays(path)


def test_object_arrays_are_refused(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(FormatError, match="pickle"):
        io.load_arrays(path)
    with pytest.raises(TypeError, match="pickle"):
        io.save_arrays(tmp_path / "x.npz", {"x": np.array([None], dtype=object)})


def test_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "w.npz"
    io.save_arrays(path, {"W": np.ones((100, 100))})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="corrupted"):
        io.load_arrays(path)
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(FormatError, match="not an .npz"):
        io.load_arrays(path)
    with pytest.raises(FormatError, match="not found"):
        io.load_arrays(tmp_path / "missing.npz")


def test_manifest_checks(tmp_path):
    io.write_manifest(tmp_path, kind="TwoLayerNet", config={"hidden_size": 10})
    m = io.read_manifest(tmp_path, kind="TwoLayerNet")
    assert m["version"] == io.FORMAT_VERSION and m["config"] == {"hidden_size": 10}
    with pytest.raises(FormatError, match="holds a 'TwoLayerNet'"):
        io.read_manifest(tmp_path, kind="RNNLM")

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"format": "hangul_dl", "version": 99, "kind": "X"}),
                        encoding="utf-8")
    with pytest.raises(FormatError, match="newer hangul_dl"):
        io.read_manifest(tmp_path)
    manifest.write_text(json.dumps({"format": "gensim"}), encoding="utf-8")
    with pytest.raises(FormatError, match="not written by hangul_dl"):
        io.read_manifest(tmp_path)
    manifest.write_text("{ not json", encoding="utf-8")
    with pytest.raises(FormatError, match="not valid UTF-8 JSON"):
        io.read_manifest(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FormatError, match="missing"):
        io.read_manifest(empty)
    with pytest.raises(FormatError, match="not a directory"):
        io.read_manifest(tmp_path / "nowhere")


def test_atomic_directory_swaps_and_keeps_old_on_failure(tmp_path):
    target = tmp_path / "model"
    with io.atomic_directory(target) as d:
        (d / "a.txt").write_text("1", encoding="utf-8")
    with pytest.raises(ValueError), io.atomic_directory(target) as d:
        (d / "a.txt").write_text("2", encoding="utf-8")
        raise ValueError("boom")
    assert (target / "a.txt").read_text(encoding="utf-8") == "1"
    with io.atomic_directory(target) as d:
        (d / "b.txt").write_text("3", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_atomic_writes_get_the_mode_of_a_plain_open(tmp_path, umask_027):
    plain = tmp_path / "plain.txt"
    with open(plain, "w", encoding="utf-8") as f:
        f.write("x")
    expected = stat.S_IMODE(plain.stat().st_mode)
    assert expected == 0o640
    io.write_text(tmp_path / "a.txt", "국회\n")
    io.save_arrays(tmp_path / "w.npz", {"W": np.ones(2)})
    for name in ("a.txt", "w.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name

    plain_dir = tmp_path / "plain_dir"
    plain_dir.mkdir()
    with io.atomic_directory(tmp_path / "model") as d:
        (d / "a.txt").write_text("1", encoding="utf-8")
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == stat.S_IMODE(
        plain_dir.stat().st_mode) == 0o750


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_atomic_writes_keep_the_mode_of_an_existing_target(tmp_path, umask_027):
    path = tmp_path / "a.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o604)
    io.write_text(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o604

    target = tmp_path / "model"
    target.mkdir()
    target.chmod(0o755)
    with io.atomic_directory(target) as d:
        (d / "a.txt").write_text("1", encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
