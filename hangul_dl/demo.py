"""The main job behind ``hangul-dl demo``: the bundled recipe ``pipelines/demo.toml``.

On the embedded corpus (KoNLPy's ``kolaw`` + ``kobill``, no download) it tokenizes with Okt
once, builds the vocabulary, fits PPMI+SVD and word2vec vectors and an LSTM language model,
and writes a Markdown report (nearest neighbours, generated Korean, loss curve, word maps) with
every fitted pipeline into the output directory. ``quick=True`` shrinks the corpus and the
models so the whole path runs in well under a minute (smoke tests).
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["QUICK", "run_demo"]

#: ``--set`` overrides that make the demo a smoke test.
QUICK = ("input.limit=200", "models.ppmi.dim=30", "models.word2vec.dim=30",
         "models.word2vec.epochs=3", "models.lstm.embedding_size=64",
         "models.lstm.hidden_size=64", "models.lstm.dropout=0.0", "models.lstm.max_epoch=2")


def run_demo(output: str | os.PathLike = "hangul_dl_demo", quick: bool = False,
             quiet: bool = False, seed: int | None = None, device: str | None = None,
             threads: int | str | None = None) -> Any:
    """Run the demo recipe; returns its :class:`~hangul_dl.recipes.RecipeResult`. ``threads``:
    BLAS threads (default: :func:`hangul_dl.threads.choose_threads` per model)."""
    from .recipes import load_recipe, run_recipe

    recipe = load_recipe("demo", QUICK if quick else ())
    return run_recipe(recipe, output=output, quiet=quiet, device=device, seed=seed,
                      threads=threads)
