"""Hostile folders and files against the CLI: each must end in exit status 2 and one
``hangul-dl: error:`` line, within bounded time and memory (issue 12, failures 1-3, 7, 8).

The folders are real ones (a language model, a pipeline, word vectors) with one thing forged.
Every case runs ``python -m hangul_dl ...`` in a subprocess under ``RLIMIT_AS`` and a timeout;
the CPU time the child used is checked too (wall-clock time depends on the machine's load).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from hangul_dl import io

pytestmark = pytest.mark.skipif(os.name != "posix", reason="RLIMIT_AS, symlinks, FIFOs")

MEMORY = 1 << 30  # 1 GiB of address space: the forged sizes below would need several
CPU_SECONDS = 20.0
TEXTS = ["나는 밥을 먹었다", "너는 밥을 먹었다", "우리는 학교에 갔다"] * 5


def run_cli(*args: str, memory: int = MEMORY) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "HANGUL_DL_DEVICE": "cpu"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "hangul_dl", *map(str, args)],
                          capture_output=True, text=True, timeout=180, preexec_fn=limit,
                          env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < CPU_SECONDS, f"the command used {cpu:.1f} s of CPU"
    return proc


def assert_refused(proc: subprocess.CompletedProcess, match: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1 and lines[0].startswith("hangul-dl: error: "), proc.stderr[-2000:]
    assert re.search(match, lines[0]), lines[0]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """Good folders: an LM (``lm``), a pipeline ending in one (``pipe``), word vectors."""
    from hangul_dl.embeddings.vectors import WordVectors
    from hangul_dl.lm.language_model import LanguageModel
    from hangul_dl.text.tokenizers import WhitespaceTokenizer
    from hangul_dl.text.vocab import Vocabulary

    root = tmp_path_factory.mktemp("good")
    small = dict(embedding_size=8, hidden_size=8, max_epoch=1, batch_size=2, time_size=4,
                 quiet=True)
    LanguageModel(tokenizer="char", **small).fit(TEXTS).save(root / "lm")
    (WhitespaceTokenizer() | Vocabulary() | LanguageModel(**small)).fit(TEXTS).save(root / "pipe")
    rng = np.random.default_rng(0)
    WordVectors(["서울", "부산", "한국"], rng.standard_normal((3, 4))).save(root / "wv")
    return root


@pytest.fixture
def folder(saved, tmp_path):
    """A fresh copy of the good folders to forge."""
    for name in ("lm", "pipe", "wv"):
        shutil.copytree(saved / name, tmp_path / name)
    return tmp_path


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def edit_json(path: Path, edit) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_the_good_folders_work(folder):
    assert run_cli("generate", folder / "lm", "--prompt", "나는", "--max-tokens", "3"
                   ).returncode == 0
    assert run_cli("generate", folder / "pipe", "--max-tokens", "3").returncode == 0
    assert run_cli("similar", folder / "wv", "서울", "-k", "1").returncode == 0


# -- 1. a forged folder cannot exhaust memory or hang the loader ------------------------------
def test_a_huge_vocab_size_over_small_weights(folder):
    edit_json(folder / "lm" / "model" / "manifest.json",
              lambda m: m["config"].update(vocab_size=10_000_000))
    assert_refused(run_cli("generate", folder / "lm"), r"config 'vocab_size' = 10,000,000")


def test_a_million_layers(folder):
    edit_json(folder / "lm" / "model" / "manifest.json",
              lambda m: m["config"].update(num_layers=10**6))
    assert_refused(run_cli("generate", folder / "lm"), r"config 'num_layers' = 1,000,000")


def test_an_npy_header_declaring_a_trillion_elements(folder):
    from numpy.lib import format as npy_format

    weights = folder / "lm" / "model" / "weights.npz"
    arrays = io.load_arrays(weights)
    with zipfile.ZipFile(weights, "w") as archive:
        for name, array in arrays.items():
            buf = BytesIO()
            shape = (10**12, array.shape[1]) if name == "embed.W" else array.shape
            npy_format.write_array_header_1_0(buf, {"descr": npy_format.dtype_to_descr(
                array.dtype), "fortran_order": False, "shape": shape})
            archive.writestr(f"{name}.npy", buf.getvalue() + array.tobytes())
    assert_refused(run_cli("generate", folder / "lm"),
                   r"weights.npz: array 'embed.W' declares shape \(1000000000000, 8\)")


# -- 2. paths and files the manifest names stay inside the folder ------------------------------
@pytest.mark.parametrize(("path", "match"), [
    ("../lm", r"stages\[2\].path is '../lm', which leaves the folder"),
    ("ABSOLUTE", r"stages\[2\].path is '/.*', which leaves the folder"),
    (".", r"stages\[2\].path is '.', the folder itself"),
    ("", r"stages\[2\].path must be a relative path"),
])
def test_a_pipeline_step_path_outside_the_folder_or_itself(folder, path, match):
    path = str(folder / "lm") if path == "ABSOLUTE" else path
    edit_json(folder / "pipe" / "manifest.json", lambda m: m["stages"][2].update(path=path))
    assert_refused(run_cli("generate", folder / "pipe"), match)


def test_a_symlink_inside_the_folder(folder):
    tokenizer = folder / "pipe" / "steps" / "02-model" / "tokenizer"
    shutil.rmtree(tokenizer)
    tokenizer.symlink_to(folder / "lm" / "tokenizer")
    assert_refused(run_cli("generate", folder / "pipe"), r"tokenizer: is a symbolic link")


def test_a_fifo_in_place_of_a_file(folder):
    (folder / "lm" / "vocab.txt").unlink()
    os.mkfifo(folder / "lm" / "vocab.txt")  # reading it would block for ever
    assert_refused(run_cli("generate", folder / "lm"), r"vocab.txt: not a regular file")


# -- 7. malformed manifests of any shape ---------------------------------------------------------
@pytest.mark.parametrize(("edit", "match"), [
    (lambda m: m.pop("kind"), r"lm/manifest.json: key 'kind' is missing"),
    (lambda m: m.update(kind=["LanguageModel"]), r"key 'kind' must be a class name .*list"),
    (lambda m: m.update(kind="os.system"), r"unknown class 'os.system'"),
    (lambda m: m.update(config={"x": _nested(40)}),
     r"nested deeper than 32"),
    (lambda m: m.update(version=99), r"newer hangul_dl"),
])
def test_malformed_manifests(folder, edit, match):
    edit_json(folder / "lm" / "manifest.json", edit)
    assert_refused(run_cli("generate", folder / "lm"), match)


def test_json_nested_beyond_the_recursion_limit(folder):
    (folder / "lm" / "manifest.json").write_text("[" * 200_000 + "]" * 200_000,
                                                 encoding="utf-8")
    assert_refused(run_cli("generate", folder / "lm"), r"nested deeper than 32")


# -- 8. vocab.txt inconsistent with the model; NaN in word vectors ------------------------------
def test_vocab_txt_with_more_specials_than_the_model_uses(folder):
    path = folder / "lm" / "vocab.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("specials=4", "specials=9", 1),
                    encoding="utf-8")
    assert_refused(run_cli("generate", folder / "lm"),
                   r"vocab.txt:1: the header declares specials=9, expected 4")


def test_vocab_txt_with_swapped_specials(folder):
    path = folder / "lm" / "vocab.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    assert_refused(run_cli("generate", folder / "lm"),
                   r"vocab.txt:2: ID 0 is '<unk>', expected the special '<pad>'")


def test_nan_in_a_word2vec_text_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("2 3\n서울 0.1 0.2 0.3\n부산 nan 0.5 0.5\n", encoding="utf-8")
    assert_refused(run_cli("similar", path, "서울"), r"v.txt:3: the vector of '부산' holds NaN")


def test_nan_in_a_word2vec_binary_file(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"2 2\n" + "서울".encode() + b" " + struct.pack("<2f", 1, 2) + b"\n"
                     + "부산".encode() + b" " + struct.pack("<2f", np.nan, 2) + b"\n")
    assert_refused(run_cli("similar", path, "서울"), r"record 2: the vector of '부산' holds NaN")


def test_nan_in_our_vectors_folder(folder):
    from hangul_dl.embeddings.vectors import WordVectors

    wv = WordVectors.load(folder / "wv")
    wv.vectors[2, 0] = np.nan
    wv.save(folder / "wv")
    assert_refused(run_cli("similar", folder / "wv", "서울"),
                   r"row 2: the vector of '한국' holds NaN")


# -- 3. a save killed between its two renames; folders of format version 1 ----------------------
def test_a_folder_left_aside_by_a_killed_save_is_restored_on_the_next_run(folder):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    aside = folder / f".lm.old-{io._HOST}-{dead.pid}-abc123"
    os.replace(folder / "lm", aside)  # the state between the two renames of a save
    (folder / f".lm.new-{io._HOST}-{dead.pid}-abc123").mkdir()  # its half-written new folder
    proc = run_cli("generate", folder / "lm", "--max-tokens", "3")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["lm", "pipe", "wv"]


def test_a_version_1_folder_loads(folder):
    for manifest in (folder / "pipe").rglob("manifest.json"):
        edit_json(manifest, lambda m: m.update(version=1))
    assert run_cli("generate", folder / "pipe", "--max-tokens", "3").returncode == 0
