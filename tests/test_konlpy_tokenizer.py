"""Tests for hangul_dl.text.konlpy_tokenizer: settings checked before work, a saved tokenizer that
holds its own user dictionary, and saved folders that point outside themselves refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hangul_dl.errors import FormatError, InputError
from hangul_dl.stage import Stage
from hangul_dl.text.konlpy_tokenizer import USERDIC_FILE, KonlpyTokenizer

WORD = "바람의나라"  # Komoran splits it (바람/의/나라) unless a user dictionary names it
OTHER = "구름의나라"  # the same make (구름/의/나라), named by no dictionary here


@pytest.fixture
def userdic(tmp_path):
    path = tmp_path / "mine.dic"
    path.write_text(f"{WORD}\tNNP\n", encoding="utf-8")
    return path


def test_unknown_backend_fails_before_any_text_is_read():
    tok = KonlpyTokenizer("otk")  # __init__ only stores (scikit-learn's rule)
    assert tok.backend == "otk"

    def texts():
        raise AssertionError("pipe() read the input before checking the backend")
        yield "가"

    with pytest.raises(InputError, match=r"unknown KoNLPy backend 'otk'; expected one of "
                                         r"okt, komoran, kkma, hannanum, mecab"):
        tok.pipe(texts())  # raised by the call itself, not by the first next()
    with pytest.raises(InputError, match="unknown KoNLPy backend 'otk'"):
        tok.tokenize("가")
    with pytest.raises(InputError, match="unknown KoNLPy backend 'otk'"):
        tok.save("never-written")
    assert not os.path.exists("never-written")


def test_other_settings_are_checked_with_their_allowed_values(tmp_path):
    with pytest.raises(InputError, match="max_chars=0"):
        KonlpyTokenizer(max_chars=0).pipe([])
    with pytest.raises(InputError, match="only komoran reads a user dictionary"):
        KonlpyTokenizer("okt", userdic=str(tmp_path / "x.dic")).pipe([])
    with pytest.raises(InputError, match="no such file"):
        KonlpyTokenizer("komoran", userdic=str(tmp_path / "missing.dic")).pipe([])
    with pytest.raises(InputError, match="heap"):
        KonlpyTokenizer(heap="lots").pipe([])
    from hangul_dl.text.tokenizers import get_tokenizer

    with pytest.raises(InputError, match="max_chars=0"):  # the factory checks at once
        get_tokenizer("okt:max_chars=0")


@pytest.mark.slow  # a Komoran tagger loads its model (~8 s of CPU)
def test_user_dictionary_is_copied_in_and_read_from_the_saved_folder(tmp_path, userdic):
    tok = KonlpyTokenizer("komoran", userdic=str(userdic))
    saved = tok.save(tmp_path / "tok")  # saving builds no tagger
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["userdic"] == USERDIC_FILE  # no path of this machine
    assert (saved / USERDIC_FILE).read_bytes() == userdic.read_bytes()
    digest = tok.fingerprint()
    userdic.unlink()  # the original is gone: the folder is self-contained
    moved = saved.rename(tmp_path / "moved")
    loaded = Stage.load(moved)
    assert os.path.dirname(loaded.userdic) == str(moved.resolve())
    # the one tagger of this test, built from the folder's copy: WORD stays whole, while a word
    # of the same make that the dictionary does not name is split (바람의나라 too, without it)
    tokens = loaded.tokenize(f"{WORD}를 했다 {OTHER}를 했다")
    assert tokens[0] == f"▁{WORD}"
    assert "▁구름" in tokens and "나라" in tokens and f"▁{OTHER}" not in tokens
    assert loaded.fingerprint() == digest is not None  # cache keys see the dictionary


def _saved_komoran(tmp_path, userdic_value):
    folder = tmp_path / "tok"
    KonlpyTokenizer("okt").save(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["config"].update(backend="komoran", userdic=userdic_value)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.mark.parametrize("value", ["/etc/shadow", "../secret.dic", "sub/../../secret.dic",
                                   "C:\\Windows\\x.dic", 3, ""])
def test_userdic_outside_the_folder_is_refused(tmp_path, value):
    (tmp_path / "secret.dic").write_text(f"{WORD}\tNNP\n", encoding="utf-8")
    folder = _saved_komoran(tmp_path, value)
    with pytest.raises(FormatError, match="userdic"):
        Stage.load(folder)


def test_userdic_symlink_is_refused(tmp_path):
    (tmp_path / "secret.dic").write_text(f"{WORD}\tNNP\n", encoding="utf-8")
    folder = _saved_komoran(tmp_path, USERDIC_FILE)
    os.symlink(tmp_path / "secret.dic", folder / USERDIC_FILE)
    with pytest.raises(FormatError, match="symbolic link"):
        Stage.load(folder)


@pytest.mark.slow  # trains a tiny model, then runs the CLI in a subprocess
def test_hostile_tokenizer_manifest_in_a_model_folder_is_one_line_error(tmp_path):
    """hangul-dl generate on a language model whose tokenizer manifest was switched to Komoran
    with userdic=/etc/shadow: exit 2, one line, and the JVM never starts (nothing is read)."""
    from hangul_dl.cli import main

    corpus = tmp_path / "tiny.txt"
    corpus.write_text("가나다 라마\n바사 아자차\n가나 다라\n", encoding="utf-8")
    model = tmp_path / "lm"
    assert main(["lm", "train", str(corpus), "-o", str(model), "--tokenizer", "char",
                 "--epochs", "1", "--embedding", "4", "--hidden", "4", "--batch-size", "1",
                 "--bptt", "2", "-q"]) == 0
    path = model / "tokenizer" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["kind"] = "KonlpyTokenizer"
    manifest["config"] = {"backend": "komoran", "userdic": "/etc/shadow"}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "generate", str(model),
                             "--prompt", "가"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hangul-dl: error: "), result.stderr
    assert "/etc/shadow" in lines[0] and "outside the saved folder" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_mecab_dictionary_path_is_neither_saved_nor_loaded(tmp_path):
    tok = KonlpyTokenizer("mecab", dicpath="/usr/local/lib/mecab/dic/mecab-ko-dic")
    saved = tok.save(tmp_path / "mecab")  # nothing starts: the tagger is built on first use
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["dicpath"] is None
    assert Stage.load(saved).dicpath is None
    manifest["config"]["dicpath"] = "/etc"
    (saved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(FormatError, match="config.dicpath is '/etc'"):
        Stage.load(saved)
