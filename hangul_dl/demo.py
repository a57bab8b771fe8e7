"""The main job behind ``hangul-dl demo``.

Stage 1 (this release): the book's chapter-1 network learns the spiral data; the demo saves the
model, the training history, a loss curve and a decision-boundary map. Later stages (the Korean
language model, word vectors, the pipeline report) grow this module.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .backend import get_xp, resolve_device, to_cpu
from .datasets import spiral
from .nn.mlp import TwoLayerNet
from .nn.optimizers import SGD
from .training import Trainer

__all__ = ["DemoResult", "run_demo"]

log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    """What the demo produced: numbers to print and the files it wrote."""

    output: Path
    metrics: dict[str, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def _plot_decision_boundary(model: TwoLayerNet, x: np.ndarray, t: np.ndarray, path: Path) -> Path:
    import matplotlib

    from .plotting import new_figure, save_figure

    h = 0.01
    x_min, x_max = x[:, 0].min() - 0.1, x[:, 0].max() + 0.1
    y_min, y_max = x[:, 1].min() - 0.1, x[:, 1].max() + 0.1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    xp = get_xp(model.device)
    z = to_cpu(model.predict(xp.asarray(grid)).argmax(axis=1)).reshape(xx.shape)
    fig = new_figure((5, 5))
    with matplotlib.rc_context(fig._hangul_rc):
        ax = fig.add_subplot()
        ax.contourf(xx, yy, z, alpha=0.25, cmap="viridis")
        labels = t.argmax(axis=1)
        for c, marker in zip(range(t.shape[1]), "ox^sv"):
            ax.scatter(*x[labels == c].T, s=18, marker=marker, label=f"클래스 {c}")
        ax.set_title("나선형 데이터의 결정 경계")
        ax.legend(loc="upper right")
    return save_figure(fig, path)


def run_demo(output: str | os.PathLike = "hangul_dl_demo", quick: bool = False,
             quiet: bool = False, seed: int = 0, device: str | None = None) -> DemoResult:
    """Train the chapter-1 network on spiral data and write model, history and plots.

    ``quick`` trains fewer epochs (a smoke test of the whole path in seconds).
    """
    device = resolve_device(device)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(output=out)

    x, t = spiral(seed=1984)
    model = TwoLayerNet(input_size=2, hidden_size=10, output_size=3, seed=seed)
    xs, ts = x, t
    if device == "gpu":
        model.to_gpu()
        xp = get_xp("gpu")
        xs, ts = xp.asarray(x), xp.asarray(t)
    trainer = Trainer(model, SGD(lr=1.0), quiet=quiet)
    trainer.fit(xs, ts, max_epoch=60 if quick else 600, batch_size=30, eval_interval=10,
                seed=seed)
    result.metrics["spiral_train_accuracy"] = model.accuracy(xs, ts)
    result.metrics["spiral_final_loss"] = float(trainer.history["loss"].iloc[-1])
    result.files["spiral_model"] = model.to_cpu().save(out / "spiral_model")
    result.files["spiral_history"] = trainer.save_history(out / "spiral_history.csv")
    result.files["spiral_loss"] = trainer.plot(out / "spiral_loss.png", title="나선형 데이터 학습 손실")
    result.files["spiral_boundary"] = _plot_decision_boundary(model, x, t, out / "spiral_boundary.png")
    return result
