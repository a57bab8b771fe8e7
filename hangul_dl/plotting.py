"""Plots with a font that renders Hangul: loss curves, word maps, attention maps.

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

__all__ = ["best_epoch", "column_label", "hangul_font", "history_figure", "new_figure", "place_labels",
           "plot_attention", "plot_confusion", "plot_history", "plot_word_map", "save_figure",
           "word_map_figure"]

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


# Korean names for the columns a trainer writes, so that a legend speaks the axes' language.
_COLUMN_LABELS = {"loss": "학습 손실", "val_loss": "검증 손실", "perplexity": "퍼플렉서티",
                  "val_perplexity": "검증 퍼플렉서티", "accuracy": "정확도",
                  "val_accuracy": "검증 정확도", "val_bleu": "검증 BLEU", "val_chrf": "검증 chrF",
                  "val_exact_match": "검증 완전 일치", "val_macro_f1": "검증 macro-F1",
                  "lr": "학습률"}


def column_label(column: str) -> str:
    """The Korean legend label of a history column (``val_loss`` -> ``검증 손실``)."""
    if column in _COLUMN_LABELS:
        return _COLUMN_LABELS[column]
    if column.startswith("val_"):
        return "검증 " + column[4:]
    return column


def best_epoch(epochs: Any) -> tuple[int, int, str, float] | None:
    """``(epoch, step, column, value)`` of the lowest validation loss in a per-epoch frame.

    The column is the first of ``val_loss``, other ``val_*loss`` columns, ``val_perplexity``;
    None when there is no such column or fewer than two epochs (nothing to choose from)."""
    if epochs is None or len(epochs) < 2 or "step" not in epochs:
        return None
    candidates = [c for c in epochs.columns if c.startswith("val_") and c.endswith("loss")]
    candidates += [c for c in ("val_perplexity",) if c in epochs]
    for column in candidates:
        values = epochs[column].astype(float)
        if values.notna().any():
            row = epochs.loc[values.idxmin()]
            epoch = int(row["epoch"]) if "epoch" in epochs else int(values.index.get_loc(values.idxmin())) + 1
            return epoch, int(row["step"]), column, float(row[column])
    return None


def plot_history(history: Any, path: str | os.PathLike, epochs: Any = None,
                 columns: Sequence[str] = ("loss",), title: str = "학습 손실",
                 xlabel: str = "반복 (step)", ylabel: str = "손실 (loss)",
                 logy: bool = False) -> Path:
    """Plot training curves from a history DataFrame (one row per logging interval).

    ``epochs`` (a per-epoch DataFrame with ``step``) adds its validation losses as markers, and
    the epoch with the lowest validation loss gets a vertical line and a note (where an
    overfitting model was best). Every label is Korean (:func:`column_label`), like the axes.
    Saves to ``path`` and returns it.
    """
    fig = history_figure(history, epochs=epochs, columns=columns, title=title, xlabel=xlabel,
                         ylabel=ylabel, logy=logy)
    return save_figure(fig, path)


def history_figure(history: Any, epochs: Any = None, columns: Sequence[str] = ("loss",),
                   title: str = "학습 손실", xlabel: str = "반복 (step)",
                   ylabel: str = "손실 (loss)", logy: bool = False) -> Any:
    """The figure :func:`plot_history` saves."""
    import math

    import matplotlib
    import numpy as np

    fig = new_figure()
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        for column in columns:
            if column in history and len(history):
                ax.plot(history["step"], history[column], label=column_label(column))
        if epochs is not None and len(epochs):
            style = "o-" if len(epochs) <= 40 else "-"  # a dot per epoch while they stay apart
            losses = [c for c in epochs.columns if c.startswith("val_") and c.endswith("loss")]
            for column in losses:
                ax.plot(epochs["step"], epochs[column], style, label=column_label(column))
            if not losses and "val_perplexity" in epochs:  # language models: loss = ln(perplexity)
                ax.plot(epochs["step"], np.log(epochs["val_perplexity"].astype(float)), style,
                        label="검증 손실 (ln 퍼플렉서티)")
        best = best_epoch(epochs)
        if best is not None:
            epoch, step, column, value = best
            ax.axvline(step, color="tab:green", linestyle="--", linewidth=1.2,
                       label=f"최고 에폭 ({epoch})")
            low, high = ax.get_xlim()
            right = step > (low + high) / 2  # write the note on the side with room
            note = f"{column_label(column)} 최저\n에폭 {epoch}: {value:.3g}"
            if column.endswith("loss") or column == "val_perplexity":
                y = value if column.endswith("loss") else math.log(value)
                ax.annotate(note, (step, y), xytext=(-10 if right else 10, 18),
                            textcoords="offset points", ha="right" if right else "left",
                            fontsize=9, color="tab:green",
                            arrowprops={"arrowstyle": "->", "color": "tab:green"})
            else:  # not on this axis (e.g. perplexity): a note at the top of the line
                ax.annotate(note, (step, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(-4 if right else 4, -4), textcoords="offset points",
                            ha="right" if right else "left", va="top", fontsize=9,
                            color="tab:green")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    return fig


def _overlap(a: Any, b: Any) -> float:
    """Area shared by two display-space boxes (``matplotlib.transforms.Bbox``)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _candidate_offsets(max_radius: int = 9) -> list[tuple[float, float, str, str]]:
    """Label positions around a point, nearest first: (dx, dy) in points and the alignment."""
    offsets = []
    for r in range(1, max_radius + 1):
        d = 4.0 + 7.0 * (r - 1)
        for dx, dy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)):
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            offsets.append((dx * d, dy * d, ha, va))
    return offsets


def place_labels(ax: Any, points: Any, labels: Sequence[str], fontsize: float = 10,
                 order: Sequence[int] | None = None, **text_kw: Any) -> list[Any]:
    """Write ``labels`` beside ``points`` (n, 2 data coords) so that no two labels overlap.

    Greedy placement with the renderer's real text extents: each label (in ``order``) takes the
    nearest candidate offset whose box stays inside the axes and overlaps no label placed before
    it and no other point; if every candidate collides, the least-overlapping one. A label that
    ends up far from its point gets a thin leader line. Call after the axes' limits and the
    figure's layout are final (this function fixes both); returns the text artists.
    """
    import numpy as np
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.canvas.draw()  # run the layout once, then freeze it: placement needs final pixels
    fig.set_layout_engine("none")
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    renderer = fig.canvas.get_renderer()
    pixels = ax.transData.transform(np.asarray(points, dtype=float).reshape(-1, 2))
    dot = 3.0 * fig.dpi / 72.0  # half a marker's width, in pixels
    dots = [Bbox([[x - dot, y - dot], [x + dot, y + dot]]) for x, y in pixels]
    frame = ax.get_window_extent(renderer)
    pad = 1.5 * fig.dpi / 72.0
    placed: list[Any] = []
    texts: list[Any] = [None] * len(labels)
    for i in (range(len(labels)) if order is None else order):
        best = None
        for dx, dy, ha, va in _candidate_offsets():
            text = ax.annotate(labels[i], points[i], xytext=(dx, dy), textcoords="offset points",
                               ha=ha, va=va, fontsize=fontsize, **text_kw)
            box = text.get_window_extent(renderer).expanded(1.0, 1.0).padded(pad)
            outside = (max(frame.x0 - box.x0, 0) + max(box.x1 - frame.x1, 0)
                       + max(frame.y0 - box.y0, 0) + max(box.y1 - frame.y1, 0)) * box.height
            cost = outside * 10 + sum(_overlap(box, b) for b in placed) * 10
            cost += sum(_overlap(box, b) for j, b in enumerate(dots) if j != i)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, text, box, abs(dx) + abs(dy))
            else:
                text.remove()
            if cost == 0:
                break
        _, text, box, distance = best
        if distance > 20:
            text.remove()
            text = ax.annotate(labels[i], points[i], xytext=text.get_position(),
                               textcoords="offset points", ha=text.get_ha(), va=text.get_va(),
                               fontsize=fontsize, arrowprops={"arrowstyle": "-", "color": "0.6",
                                                              "linewidth": 0.6, "shrinkA": 0,
                                                              "shrinkB": 2}, **text_kw)
        placed.append(box)
        texts[i] = text
    return texts


def word_map_figure(words: Sequence[str], vectors: Any, title: str = "단어 지도 (PCA)",
                    queries: Sequence[str] = ()) -> tuple[Any, list[Any]]:
    """The word-map figure and its label artists (see :func:`plot_word_map`)."""
    import matplotlib
    import numpy as np

    from .errors import ShapeError

    X = np.asarray(vectors, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != len(words):
        raise ShapeError(f"plot_word_map: vectors have shape {X.shape} for {len(words)} words; "
                         f"expected ({len(words)}, D)")
    X = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    P = X @ Vt[:2].T if X.shape[0] > 1 else np.zeros((X.shape[0], 2))  # (n, 2)
    if P.shape[1] < 2:
        P = np.hstack([P, np.zeros((P.shape[0], 2 - P.shape[1]))])
    asked = set(queries)
    is_query = np.array([w in asked for w in words], dtype=bool)
    fig = new_figure(figsize=(7.0, 6.0))
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        others = ~is_query
        ax.scatter(P[others, 0], P[others, 1], s=16, alpha=0.8, color="tab:blue",
                   label="이웃 단어" if is_query.any() else None)
        if is_query.any():
            ax.scatter(P[is_query, 0], P[is_query, 1], s=90, marker="*", color="tab:red",
                       edgecolors="darkred", linewidths=0.5, zorder=3, label="검색한 단어")
            ax.legend(loc="best", fontsize=9)
        ax.margins(x=0.22, y=0.12)  # room for the labels of the outermost points
        ax.set_title(title)
        ax.set_xlabel("주성분 1")
        ax.set_ylabel("주성분 2")
        ax.grid(alpha=0.3)
        order = [*np.flatnonzero(is_query), *np.flatnonzero(~is_query)]  # queries choose first
        texts = place_labels(ax, P, [str(w) for w in words], order=[int(i) for i in order])
        for text, query in zip(texts, is_query):
            if query:
                text.set_color("darkred")
    return fig, texts


def plot_word_map(words: Sequence[str], vectors: Any, path: str | os.PathLike,
                  title: str = "단어 지도 (PCA)", queries: Sequence[str] = ()) -> Path:
    """Scatter ``words`` on the first two principal components of their ``vectors`` (n, D),
    with Hangul labels that do not overlap (book ch.2's 2-D word plot); the words in
    ``queries`` (the words that were looked up) are drawn as red stars, with a legend.
    Saves to ``path`` and returns it."""
    import matplotlib

    fig, _ = word_map_figure(words, vectors, title=title, queries=queries)
    with matplotlib.rc_context(fig._hangul_rc):
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


def plot_confusion(matrix: Any, labels: Sequence[Any], path: str | os.PathLike,
                   title: str = "혼동 행렬", xlabel: str = "예측", ylabel: str = "정답") -> Path:
    """Save a confusion-matrix heatmap (rows: true labels, columns: predicted), each cell with
    its count and its share of the row; labels such as "긍정"/"부정" render in the Hangul font."""
    import matplotlib
    import numpy as np

    from .errors import ShapeError

    m = np.asarray(matrix, dtype=float)
    if m.shape != (len(labels), len(labels)):
        raise ShapeError(f"plot_confusion: the matrix has shape {m.shape} but there are "
                         f"{len(labels)} labels; expected ({len(labels)}, {len(labels)})")
    rows = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    side = min(max(3.5, 0.6 * len(labels) + 2.2), 24.0)
    fig = new_figure(figsize=(side + 0.8, side))
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
        names = [str(label) for label in labels]
        ax.set_xticks(range(len(names)), names, rotation=90 if len(names) > 8 else 0)
        ax.set_yticks(range(len(names)), names)
        if len(names) <= 20:
            for i in range(len(names)):
                for j in range(len(names)):
                    ax.text(j, i, f"{int(m[i, j]):,}\n{100 * share[i, j]:.1f}%", ha="center",
                            va="center", fontsize=9,
                            color="white" if share[i, j] > 0.5 else "black")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, shrink=0.8, label="정답별 비율")
    return save_figure(fig, path)
