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


@pytest.mark.parametrize("where", ["repository root", "another folder"])
def test_demo_quick_runs_from_the_repository_root_and_elsewhere(where, tmp_path):
    cwd = ROOT if where == "repository root" else tmp_path
    out = tmp_path / "demo-out"
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "demo", "--quick", "-q", "-o", str(out)],
                            cwd=cwd, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "word2vec" in report.lower()


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
