"""Plots with a font that renders Hangul (loss curves now; attention maps and word maps later).

matplotlib is imported only when a plot is made, and never through ``pyplot``: figures are built
on the Agg canvas directly, so no GUI backend is touched and no global figure state is kept.

The font: NanumGothic, shipped as a file inside the ``koreanize-matplotlib`` wheel (a package
dependency; we register the font file and never import that module, which would change global
settings), else a Korean font found on the system (Noto Sans CJK KR, Malgun Gothic, AppleGothic…).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .io import atomic_open

__all__ = ["hangul_font", "new_figure", "plot_attention", "plot_history", "plot_word_map", "save_figure"]

log = logging.getLogger(__name__)

_SYSTEM_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                 "AppleGothic", "UnDotum", "Baekmuk Gulim", "Source Han Sans KR")


def _bundled_font_file() -> Path | None:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "fonts" / "NanumGothic.ttf"
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=1)
def hangul_font() -> str | None:
    """The family name of a Hangul-capable font, registered with matplotlib; None if none found."""
    from matplotlib import font_manager

    path = _bundled_font_file()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in _SYSTEM_FONTS:
        if name in available:
            return name
    log.warning("no Hangul font found: Korean labels will show as boxes. "
                "Reinstall hangul-dl (it depends on koreanize-matplotlib, which ships NanumGothic).")
    return None


def _rc() -> dict[str, Any]:
    font = hangul_font()
    rc: dict[str, Any] = {"axes.unicode_minus": False}
    if font:
        rc["font.family"] = [font, "DejaVu Sans"]
    return rc


def new_figure(figsize: tuple[float, float] = (6.4, 4.0)) -> Any:
    """A matplotlib ``Figure`` on the Agg canvas with the Hangul font applied to its text."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    fig._hangul_rc = _rc()  # re-applied when text is drawn and saved
    return fig


def save_figure(fig: Any, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Save a figure atomically; the format follows the suffix (``.png``, ``.svg``, ``.pdf``)."""
    import matplotlib

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with matplotlib.rc_context(getattr(fig, "_hangul_rc", _rc())), atomic_open(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=dpi)
    return path


def plot_history(history: Any, path: str | os.PathLike, epochs: Any = None,
                 columns: Sequence[str] = ("loss",), title: str = "학습 손실",
                 xlabel: str = "반복 (step)", ylabel: str = "손실 (loss)",
                 logy: bool = False) -> Path:
    """Plot training curves from a history DataFrame (one row per logging interval).

    ``epochs`` (a per-epoch DataFrame with ``step``) adds its validation columns as markers.
    """
    import matplotlib

    fig = new_figure()
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        for column in columns:
            if column in history and len(history):
                ax.plot(history["step"], history[column], label=column)
        if epochs is not None and len(epochs):
            for column in [c for c in epochs.columns if c.startswith("val_") and c.endswith("loss")]:
                ax.plot(epochs["step"], epochs[column], "o-", label=column)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    return save_figure(fig, path)


def plot_word_map(words: Sequence[str], vectors: Any, path: str | os.PathLike,
                  title: str = "단어 지도 (PCA)") -> Path:
    """Scatter ``words`` on the first two principal components of their ``vectors`` (n, D),
    with Hangul labels (book ch.2's 2-D word plot); saves to ``path`` and returns it."""
    import matplotlib
    import numpy as np

    X = np.asarray(vectors, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != len(words):
        raise ValueError(f"vectors must have shape ({len(words)}, D), got {X.shape}")
    X = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    P = X @ Vt[:2].T if X.shape[0] > 1 else np.zeros((X.shape[0], 2))  # (n, 2)
    if P.shape[1] < 2:
        P = np.hstack([P, np.zeros((P.shape[0], 2 - P.shape[1]))])
    fig = new_figure(figsize=(7.0, 6.0))
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        ax.scatter(P[:, 0], P[:, 1], s=12, alpha=0.7)
        for (x, y), word in zip(P, words, strict=True):
            ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=10)
        ax.margins(x=0.15, y=0.08)  # room for the labels of the outermost points
        ax.set_title(title)
        ax.set_xlabel("PC1")
        ax.set_ylabel("PC2")
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_attention(weights: Any, src_tokens: Sequence[str], tgt_tokens: Sequence[str],
                   path: str | os.PathLike, title: str = "어텐션 가중치",
                   xlabel: str = "입력 (source)", ylabel: str = "출력 (generated)") -> Path:
    """Save an attention heatmap: generated tokens (rows) x source tokens (columns) (book ch.8).

    ``weights`` has shape (len(tgt_tokens), len(src_tokens)) — what
    :func:`hangul_dl.seq2seq.decode.greedy_decode` returns with ``return_attention=True``.
    Hangul labels render with :func:`hangul_font`; spaces show as ``␣``.
    """
    import matplotlib
    import numpy as np

    from .backend import to_cpu
    from .errors import ShapeError

    w = np.asarray(to_cpu(weights), dtype=float)
    if w.shape != (len(tgt_tokens), len(src_tokens)):
        raise ShapeError(f"plot_attention: weights have shape {w.shape} but there are "
                         f"{len(tgt_tokens)} generated and {len(src_tokens)} source tokens; "
                         f"expected ({len(tgt_tokens)}, {len(src_tokens)})")
    label = [str(t).replace(" ", "␣") or "␣" for t in src_tokens]
    width = min(max(3.0, 0.35 * len(src_tokens) + 1.8), 24.0)
    height = min(max(2.5, 0.35 * len(tgt_tokens) + 1.5), 24.0)
    fig = new_figure(figsize=(width, height))
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        image = ax.imshow(w, cmap="Greys", vmin=0.0, vmax=max(float(w.max(initial=0.0)), 1e-12),
                          aspect="auto")
        crowded = len(src_tokens) > 12 and max(map(len, label), default=0) > 2
        ax.set_xticks(range(len(src_tokens)), label, rotation=90 if crowded else 0)
        ax.set_yticks(range(len(tgt_tokens)), [str(t).replace(" ", "␣") for t in tgt_tokens])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, shrink=0.8)
    return save_figure(fig, path)
