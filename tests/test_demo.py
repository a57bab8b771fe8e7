"""The README's first command, run as a user runs it: ``python -m hangul_dl demo`` in a fresh
process, from the repository root (where ``python -m`` imports the source tree first) and from an
unrelated folder (where it imports the installed package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # the --quick demo in a fresh process (Okt, three models)
def test_demo_quick_runs_from_the_repository_root(tmp_path, monkeypatch):
    """The README's command from the root (``python -m`` imports the source tree first); from
    another folder the installed package finds the same recipes (see the ``run`` test below)."""
    out = tmp_path / "demo-out"
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "demo", "--quick", "-o", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
                                 "HANGUL_DL_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    printed = result.stdout
    assert "[ppmi] 가장 가까운 단어" in printed and "[word2vec] 가장 가까운 단어" in printed
    assert "[lstm] 생성한 문장" in printed and "  대한민국은 → 대한민국은" in printed
    assert "검증 퍼플렉서티" in printed or "학습 퍼플렉서티" in printed
    report = (out / "report.md").read_text(encoding="utf-8")
    for name in ("ppmi_word_map.png", "word2vec_word_map.png", "lstm_loss.png"):
        assert (out / name).is_file() and f"]({name})" in report, name
    for model in ("ppmi", "word2vec", "lstm"):
        assert (out / model / "manifest.json").is_file()
    # the folders it writes are what `generate` and `similar` take (as the README says)
    from hangul_dl.cli import main

    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    assert main(["generate", str(out / "lstm"), "--prompt", "국회는", "--max-tokens", "5", "-q"]) == 0
    assert main(["similar", str(out / "word2vec"), "대통령", "-k", "3", "-q"]) == 0


def test_bundled_recipes_come_from_the_top_level_pipelines_folder():
    from hangul_dl.recipes import bundled_recipes

    recipes = bundled_recipes()
    shipped = {path.stem for path in (ROOT / "pipelines").glob("*.toml")}
    assert shipped and set(recipes) == shipped
    for name, path in recipes.items():
        assert path.read_bytes() == (ROOT / "pipelines" / f"{name}.toml").read_bytes()


@pytest.mark.parametrize("where", ["repository root", "another folder"])
def test_run_names_a_bundled_recipe_from_any_folder(where, tmp_path):
    cwd = ROOT if where == "repository root" else tmp_path
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "run", "word2vec", "--help"],
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # the recipe itself is read (and found): its models are listed, nothing is written
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "run", "demo", "--models", "nosuch",
                             "-o", str(tmp_path / "out")],
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("hangul-dl: error: recipe has no model 'nosuch'; its models: "
                                     "ppmi, word2vec, lstm")
    assert not (tmp_path / "out").exists()
