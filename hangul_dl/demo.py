"""The main job behind ``hangul-dl demo``, on data that needs no download.

1. The book's chapter-1 network learns the spiral data (model, history, loss curve, decision
   boundary map).
2. The Korean language model: the embedded corpus (KoNLPy's ``kolaw`` + ``kobill``) is tokenized
   with Okt (cached), a vocabulary is built, an LSTM language model is trained with truncated
   BPTT while validation perplexity is reported, and Korean passages are generated from prompts
   such as "대한민국은" and "국회는". The model directory (usable with ``hangul-dl generate``) and
   its loss curve are saved.

``quick=True`` shrinks both parts so the whole path runs in well under a minute (smoke tests).
Word vectors and the HTML report join as the pipeline work lands.
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


PROMPTS = ("대한민국은", "국회는", "대통령은")


@dataclass
class DemoResult:
    """What the demo produced: numbers to print, generated texts and the files it wrote."""

    output: Path
    metrics: dict[str, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    generated: dict[str, list[str]] = field(default_factory=dict)


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
    """Run both parts of the demo and write their outputs under ``output``."""
    device = resolve_device(device)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(output=out)
    _spiral_part(result, quick, quiet, seed, device)
    _language_model_part(result, quick, quiet, seed, device)
    return result


def _spiral_part(result: DemoResult, quick: bool, quiet: bool, seed: int, device: str) -> None:
    out = result.output
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


def _language_model_part(result: DemoResult, quick: bool, quiet: bool, seed: int,
                         device: str) -> None:
    from .lm.language_model import LanguageModel
    from .text.cache import cached_tokenize
    from .text.corpus import embedded_corpus
    from .text.tokenizers import KonlpyTokenizer

    out = result.output
    sentences = list(embedded_corpus())
    if quick:
        sentences = sentences[:200]
    # Tokenize once with Okt (cached across runs), then train on the cached tokens.
    okt = KonlpyTokenizer("okt")
    token_lists = cached_tokenize(sentences, okt, quiet=quiet)
    okt.close()
    valid_idx = set(range(0, len(sentences), 20))  # every 20th sentence is held out
    train = [t for i, t in enumerate(token_lists) if i not in valid_idx and t]
    valid = [t for i, t in enumerate(token_lists) if i in valid_idx and t]
    log.info("demo corpus: %d training and %d validation sentences", len(train), len(valid))
    lm = LanguageModel.train(
        train, okt, valid_sentences=valid, min_count=1,
        embedding_size=64 if quick else 256, hidden_size=64 if quick else 256,
        dropout=0.0 if quick else 0.3, optimizer="adam", lr=0.005,
        max_epoch=2 if quick else 25, batch_size=20,
        time_size=35, max_grad=0.25, lr_decay=2.0, device=device, seed=seed, quiet=quiet)
    epochs = lm.trainer_.epochs
    result.metrics["lm_vocabulary"] = float(len(lm.vocab_))
    result.metrics["lm_train_tokens"] = float(sum(map(len, train)))
    result.metrics["lm_valid_perplexity"] = float(epochs["val_perplexity"].min())
    result.generated = {prompt: lm.generate(prompt, n=2, temperature=0.7, top_k=20,
                                            max_tokens=40, seed=seed)
                        for prompt in PROMPTS}
    result.files["lm_model"] = lm.save(out / "korean_lm")
    result.files["lm_loss"] = lm.trainer_.plot(out / "korean_lm_loss.png",
                                              title="한국어 LSTM 언어 모델 학습 손실")

