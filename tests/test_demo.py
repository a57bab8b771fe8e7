"""The README's first command finds its recipe wherever it runs: from the repository root (where
``python -m`` imports the source tree first) and from an unrelated folder (where it imports the
installed package).

The command itself, ``python -m hangul_dl demo`` verbatim, runs in ``tests/test_readme.py``
(the README's first section) from a scratch root that holds the source tree as a checkout does;
that test also checks the folder the demo writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
