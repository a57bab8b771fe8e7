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


# -- strict manifests ---------------------------------------------------------------------------
def _manifest(tmp_path, content):
    path = tmp_path / "manifest.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return tmp_path


GOOD = {"format": "hangul_dl", "version": 2, "kind": "Vocabulary", "config": {}}


@pytest.mark.parametrize(("change", "match"), [
    ({"kind": None}, "key 'kind' is missing"),
    ({"kind": ["Vocabulary"]}, "key 'kind' must be a class name .*found list"),
    ({"kind": 7}, "key 'kind' must be a class name .*found int"),
    ({"kind": ""}, "key 'kind' must be a class name"),
    ({"kind": "a\nb"}, "key 'kind' must be a class name"),
    ({"config": [1, 2]}, "key 'config' must be a JSON object, found list"),
    ({"version": "2"}, "invalid format version '2'"),
    ({"version": True}, "invalid format version True"),
    ({"version": 0}, "invalid format version 0"),
    ({"format": None}, "format is None"),
])
def test_malformed_manifests_name_file_and_key(tmp_path, change, match):
    manifest = {**GOOD, **change}
    manifest = {k: v for k, v in manifest.items() if not (k == "kind" and v is None)
                and not (k == "format" and v is None)}
    _manifest(tmp_path, json.dumps(manifest))
    with pytest.raises(FormatError, match=match) as info:
        io.read_manifest(tmp_path)
    assert str(tmp_path / "manifest.json") in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("text", "match"), [
    ("[" * 100_000 + "]" * 100_000, "nested deeper than 32"),
    ('{"a": ' * 40 + "1" + "}" * 40, "nested deeper than 32"),
    ('{"format": "hangul_dl", "format": "x"}', "'format' appears twice"),
    ('{"format": "hangul_dl", "version": NaN}', "NaN is not a JSON number"),
    ('{"format": "hangul_dl", "version": 1e999}', "out of range"),
    ('{"format": "hangul_dl", "version": ' + "9" * 5000 + "}", "not valid UTF-8 JSON"),
    ("[1, 2]", "expected a JSON object"),
    (b"\xff\xfe{}", "not valid UTF-8"),
])
def test_hostile_json_is_a_format_error(tmp_path, text, match):
    _manifest(tmp_path, text)
    with pytest.raises(FormatError, match=match):
        io.read_manifest(tmp_path)


def test_a_huge_manifest_is_refused_before_reading(tmp_path):
    with open(tmp_path / "manifest.json", "wb") as f:
        f.truncate(io.MAX_MANIFEST_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(FormatError, match="a manifest is at most"):
        io.read_manifest(tmp_path)


def test_format_version_2_is_written_and_version_1_still_reads(tmp_path):
    assert io.write_manifest(tmp_path, kind="X", config={})["version"] == io.FORMAT_VERSION == 2
    _manifest(tmp_path, json.dumps({**GOOD, "version": 1}))
    assert io.read_manifest(tmp_path)["version"] == 1
    _manifest(tmp_path, json.dumps({k: v for k, v in GOOD.items() if k != "config"}))
    assert io.read_manifest(tmp_path)["config"] == {}


# -- links, special files, paths a manifest names -----------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="symlinks and FIFOs")
def test_links_and_special_files_in_a_folder_are_refused(tmp_path):
    (tmp_path / "m").mkdir()
    folder = _manifest(tmp_path / "m", json.dumps(GOOD))
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    (folder / "vocab.txt").symlink_to(secret)
    with pytest.raises(FormatError, match="vocab.txt: is a symbolic link"):
        io.read_manifest(folder)
    (folder / "vocab.txt").unlink()
    os.mkfifo(folder / "vocab.txt")  # reading it would hang
    with pytest.raises(FormatError, match="not a regular file"):
        io.read_manifest(folder)
    (folder / "vocab.txt").unlink()
    link = tmp_path / "link"
    link.symlink_to(folder)  # the folder the user names may itself be a link
    assert io.read_manifest(link)["kind"] == "Vocabulary"


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "/etc", "C:\\x", "\\\\host\\share",
                                      ".", "", "./.", 3, None, "a\x00b"])
def test_safe_path_keeps_manifest_paths_inside(tmp_path, relative):
    with pytest.raises(FormatError, match="where"):
        io.safe_path(tmp_path, relative, "where")


def test_safe_path_refuses_links_and_accepts_subfolders(tmp_path):
    (tmp_path / "steps" / "00-a").mkdir(parents=True)
    assert io.safe_path(tmp_path, "steps/00-a", "k") == tmp_path / "steps" / "00-a"
    if os.name == "posix":
        (tmp_path / "out").symlink_to(tmp_path.parent)
        with pytest.raises(FormatError, match="symbolic link"):
            io.safe_path(tmp_path, "out/x", "k")


# -- array headers -------------------------------------------------------------------------------
def _forged_npz(path, shape, data=b"\x00" * 16, descr="<f4"):
    import io as pyio
    import zipfile

    from numpy.lib import format as npy_format

    buf = pyio.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                            "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W.npy", buf.getvalue() + data)
    return path


def test_array_headers_read_shapes_without_data(tmp_path):
    io.save_arrays(tmp_path / "w.npz", {"a.W": np.ones((3, 4), np.float32),
                                        "b": np.arange(5, dtype=np.int32)})
    headers = io.array_headers(tmp_path / "w.npz")
    assert {k: (s, str(d)) for k, (s, d) in headers.items()} == {
        "a.W": ((3, 4), "float32"), "b": ((5,), "int32")}


def test_a_forged_header_is_refused_before_allocating(tmp_path):
    path = _forged_npz(tmp_path / "w.npz", (10**12,))
    with pytest.raises(FormatError, match=r"declares shape \(1000000000000,\).*holds 16 bytes"):
        io.array_headers(path)
    with pytest.raises(FormatError, match="declares shape"):
        io.load_arrays(path)  # no MemoryError: the header is checked first
    with pytest.raises(FormatError, match="dtype object"):
        io.array_headers(_forged_npz(tmp_path / "o.npz", (2,), descr="|O"))
    io.save_arrays(tmp_path / "ok.npz", {"W": np.ones(2)})
    with pytest.raises(FormatError, match=r"'W' has shape \(2,\), the model expects \(3,\)"):
        io.load_arrays(tmp_path / "ok.npz", expected={"W": (3,)})


# -- crash-safe saves -----------------------------------------------------------------------------
CRASH = """
import os, signal, sys
from pathlib import Path
from hangul_dl.text.vocab import Vocabulary

target, step, when = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
real = os.replace

def replace(src, dst):
    src, dst = str(src), str(dst)
    hit = {"aside": dst.startswith(str(target.parent / f".{target.name}.old-")),
           "swap": dst == str(target),
           "trash": ".trash-" in dst}[step]
    if hit and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
    if hit and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)

os.replace = replace
Vocabulary().fit([["새", "모델"]]).save(target)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("step", ["aside", "swap", "trash"])
def test_a_save_killed_at_any_step_leaves_a_loadable_folder(tmp_path, step, when):
    import subprocess
    import sys

    from hangul_dl.text.vocab import Vocabulary

    target = tmp_path / "model"
    Vocabulary().fit([["옛", "모델"]]).save(target)
    proc = subprocess.run([sys.executable, "-c", CRASH, str(target), step, when],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    tokens = Vocabulary.load(target).id_to_token[4:]  # recovers the old folder if needed
    assert sorted(tokens) in (sorted(["옛", "모델"]), sorted(["새", "모델"]))
    if step == "aside" and when == "before":
        assert sorted(tokens) == sorted(["옛", "모델"])
    if step in ("trash",) or (step == "swap" and when == "after"):
        assert sorted(tokens) == sorted(["새", "모델"])
    Vocabulary().fit([["셋째"]]).save(target)  # the next save removes the leftovers
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert Vocabulary.load(target).id_to_token[4:] == ["셋째"]


def test_an_error_between_the_two_renames_rolls_back(tmp_path, monkeypatch):
    target = tmp_path / "model"
    with io.atomic_directory(target) as d:
        (d / "a.txt").write_text("old", encoding="utf-8")
    real = os.replace
    calls = []

    def failing(src, dst):
        if str(dst) == str(target) and not calls:  # the new folder's rename, not the roll-back
            calls.append(src)
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(io.os, "replace", failing)
    with pytest.raises(OSError, match="No space"), io.atomic_directory(target) as d:
        (d / "a.txt").write_text("new", encoding="utf-8")
    assert (target / "a.txt").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def _dead_pid():
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="process ids")
def test_leftovers_of_dead_processes_go_and_those_of_live_ones_stay(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    names = {f".model.new-{io._HOST}-{dead}-abc123": "dir",
             f".model.trash-{io._HOST}-{dead}-abc124": "dir",
             f".w.npz.new-{io._HOST}-{dead}-x1y2.tmp": "file",
             f".model.new-{io._HOST}-{live}-abc125": "dir",
             f".w.npz.new-{io._HOST}-{live}-x1y3.tmp": "file",
             f".model.new-0000beef-{dead}-abc126": "dir"}  # another host: kept until it ages
    for name, what in names.items():
        (tmp_path / name).mkdir() if what == "dir" else (tmp_path / name).write_bytes(b"x")
    old_other_host = tmp_path / f".model.new-0000beef-{dead}-abc127"
    old_other_host.mkdir()
    os.utime(old_other_host, (0, 0))  # from 1970: stale whatever its owner
    with io.atomic_directory(tmp_path / "model") as d:
        (d / "a.txt").write_text("1", encoding="utf-8")
    io.write_text(tmp_path / "w.npz", "x")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["model", "w.npz", f".model.new-{io._HOST}-{live}-abc125",
                           f".w.npz.new-{io._HOST}-{live}-x1y3.tmp",
                           f".model.new-0000beef-{dead}-abc126"])


@pytest.mark.skipif(os.name != "posix", reason="process ids")
def test_a_load_restores_a_folder_left_aside_by_a_killed_save(tmp_path):
    target = tmp_path / "model"
    io.write_manifest(tmp_path / "saved", kind="X", config={"n": 1})
    aside = tmp_path / f".model.old-{io._HOST}-{_dead_pid()}-abc123"
    os.replace(tmp_path / "saved", aside)  # the state between the two renames
    assert io.read_manifest(target)["config"] == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_a_csv_frame_is_read_at_load_and_parsed_when_first_used(tmp_path):
    """CsvFrame: the history of a loaded model is the saved DataFrame, parsed on first access
    from the bytes read at load time (so it survives the folder being removed)."""
    import shutil

    import pandas as pd

    from hangul_dl.io import CsvFrame, csv_frame, write_csv

    class Holder:
        history_ = CsvFrame()

    saved = pd.DataFrame({"epoch": [1, 2], "loss": [2.5, 1.25]})
    (tmp_path / "h").mkdir()
    write_csv(saved, tmp_path / "h" / "history.csv")
    holder = Holder()
    with pytest.raises(AttributeError, match="history_"):
        _ = holder.history_
    holder.history_ = csv_frame(tmp_path / "h" / "history.csv")
    shutil.rmtree(tmp_path / "h")
    pd.testing.assert_frame_equal(holder.history_, saved)
    assert holder.history_ is holder.history_  # parsed once
    holder.history_ = csv_frame(tmp_path / "missing.csv")
    assert holder.history_ is None
