"""The Markdown report of a recipe run: data, timings, and per model its numbers, nearest
neighbours, generated Korean, translations, a classifier's validation scores, confusion matrix
and most confident errors, loss curve and word map (Hangul labels).

:func:`write_report` fills the :class:`~hangul_dl.recipes.RecipeResult` it is given (so the CLI
can print the same tables) and writes ``report.md`` plus the PNG files beside it.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from .io import write_text

__all__ = ["write_report"]

log = logging.getLogger(__name__)


def write_report(result: Any, recipe: dict[str, Any], pre: Any = None) -> Path:
    """Evaluate every fitted model of ``result`` as ``[report]`` asks and write ``report.md``."""
    settings = recipe.get("report", {})
    meta = recipe.get("recipe", {})
    lines = [f"# hangul_dl 보고서: {meta.get('name', 'recipe')}", ""]
    if meta.get("description"):
        lines += [meta["description"].strip(), ""]
    if pre is not None and len(pre):
        lines += _data_section(pre)
    lines += ["## 단계별 시간", "", "| 단계 | 초 |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in result.timings.items()]
    lines.append("")
    for name, pipe in result.pipelines.items():
        lines += _model_section(name, pipe[-1], settings, result)
    path = result.output / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path


def _data_section(pre: Any) -> list[str]:
    lines = ["## 데이터와 전처리", ""]
    lines += [f"- `{name}`: `{stage!r}`" for name, stage in pre.steps]
    vocab = next((s for _, s in reversed(pre.steps) if hasattr(s, "n_tokens_")), None)
    if vocab is not None:
        lines.append(f"- 문장 {vocab.n_sequences_:,}개, 토큰 {vocab.n_tokens_:,}개, "
                     f"어휘 {len(vocab):,}개 (특수 토큰 포함)")
    return [*lines, ""]


def _model_section(name: str, model: Any, settings: dict[str, Any], result: Any) -> list[str]:
    lines = [f"## 모델 `{name}`: {type(model).__name__}", "", f"`{model!r}`", ""]
    metrics: dict[str, float] = {}
    out = result.output
    if hasattr(model, "most_similar") and hasattr(model, "wv_"):
        metrics.update({"어휘": len(model.wv_), "차원": model.wv_.vector_size})
        lines += _neighbours(name, model, settings, result)
        map_path = _word_map(model, settings, out / f"{name}_word_map.png")
        if map_path is not None:
            result.files[f"{name}_word_map"] = map_path
            lines += [f"![{name} 단어 지도]({map_path.name})", ""]
    if hasattr(model, "generate") and hasattr(model, "vocab_"):
        metrics.update(_lm_metrics(model))
        lines += _generated(name, model, settings, result)
    if hasattr(model, "translate"):
        lines += _translations(name, model, settings, result)
    if hasattr(model, "classes_") and getattr(model, "validation_", None):
        metrics.update(_classifier_metrics(model.validation_))
        lines += _classification(name, model.validation_, result)
    plot = getattr(getattr(model, "trainer_", None), "plot", None) or (
        model.plot if hasattr(model, "translate") else None)
    if plot is not None:
        try:
            loss_path = plot(out / f"{name}_loss.png")
            result.files[f"{name}_loss"] = loss_path
            lines += [f"![{name} 학습 손실]({Path(loss_path).name})", ""]
        except Exception as exc:  # a report must not fail on a plot
            log.warning("could not plot the loss of %s: %s", name, exc)
    result.metrics[name] = metrics
    if metrics:
        table = ["| 지표 | 값 |", "|---|---:|"]
        table += [f"| {k} | {v:,.2f} |" if isinstance(v, float) else f"| {k} | {v:,} |"
                  for k, v in metrics.items()]
        lines[4:4] = [*table, ""]
    return lines


def _neighbours(name: str, model: Any, settings: dict[str, Any], result: Any) -> list[str]:
    topn = settings.get("topn", 5)
    found: dict[str, list[tuple[str, float]]] = {}
    for word in settings.get("similar", []):
        key = _lookup(model.wv_, word)
        if key is None:
            log.warning("%s: %r is not in the vocabulary; left out of the report", name, word)
            continue
        found[word] = [(w, float(s)) for w, s in model.wv_.nearest_words(key, topn=topn)]
    result.neighbours[name] = found
    if not found:
        return []
    lines = [f"### 가장 가까운 단어 (상위 {topn}개, 코사인 유사도)", "",
             "| 단어 | 이웃 |", "|---|---|"]
    lines += [f"| {word} | " + ", ".join(f"{_plain(w)} ({s:.2f})" for w, s in pairs) + " |"
              for word, pairs in found.items()]
    return [*lines, ""]


def _lookup(wv: Any, word: str) -> str | None:
    """The vocabulary key for ``word``: as is, or with the word-start mark ``▁``."""
    for key in (word, "▁" + word):
        if key in wv:
            return key
    return None


def _plain(token: str) -> str:
    return token.lstrip("▁") or token


def _word_map(model: Any, settings: dict[str, Any], path: Path) -> Path | None:
    from .plotting import plot_word_map

    wv = model.wv_
    words = [k for k in (_lookup(wv, w) for w in settings.get("word_map", [])) if k]
    queries = [k for k in (_lookup(wv, w) for w in settings.get("similar", [])) if k]
    if not words:  # the query words and their neighbours
        for key in queries:
            words += [key, *(k for k in (_lookup(wv, w) for w, _ in wv.nearest_words(key, topn=4))
                             if k)]
    words = list(dict.fromkeys(words))
    if len(words) < 3:
        return None
    return plot_word_map([_plain(w) for w in words], wv[words], path,
                         queries=[_plain(k) for k in queries])


def _lm_metrics(model: Any) -> dict[str, float]:
    trainer = getattr(model, "trainer_", None)
    epochs = getattr(trainer, "epochs", None)
    if epochs is None or not len(epochs):
        return {}
    metrics = {"학습 퍼플렉서티": math.exp(min(float(epochs["loss"].iloc[-1]), 700.0))}
    if "val_perplexity" in epochs:
        metrics["검증 퍼플렉서티 (최저)"] = float(epochs["val_perplexity"].min())
    return metrics


def _generated(name: str, model: Any, settings: dict[str, Any], result: Any) -> list[str]:
    texts = {prompt: model.generate(prompt, n=settings.get("n", 2),
                                    max_tokens=settings.get("max_tokens", 40),
                                    temperature=settings.get("temperature", 0.7),
                                    top_k=settings.get("top_k", 20), seed=0)
             for prompt in settings.get("prompts", [])}
    result.generated[name] = texts
    if not texts:
        return []
    lines = ["### 생성한 문장", ""]
    for prompt, samples in texts.items():
        lines += [f"- **{prompt}** → " + " / ".join(samples)]
    return [*lines, ""]


def _translations(name: str, model: Any, settings: dict[str, Any], result: Any) -> list[str]:
    sources = settings.get("translate", [])
    outputs = dict(zip(sources, model.translate(sources))) if sources else {}
    result.translations[name] = outputs
    if not outputs:
        return []
    lines = ["### 번역 예", "", "| 입력 | 번역 |", "|---|---|"]
    lines += [f"| {src} | {tgt} |" for src, tgt in outputs.items()]
    return [*lines, ""]


def _classifier_metrics(scores: dict[str, Any]) -> dict[str, float]:
    return {"검증 정확도 (%)": 100.0 * scores["accuracy"],
            "검증 macro-F1 (%)": 100.0 * scores["macro_f1"], "검증 텍스트": scores["n"]}


def _cell(text: Any) -> str:
    """A Markdown table cell: pipes escaped, one line."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _classification(name: str, scores: dict[str, Any], result: Any) -> list[str]:
    """Per-class scores, the confusion-matrix plot and the most confident errors of the
    validation texts."""
    from .plotting import plot_confusion

    labels = scores["labels"]
    lines = ["### 검증 데이터의 라벨별 점수", "", "| 라벨 | 정밀도 | 재현율 | F1 | 개수 |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {_cell(label)} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | "
              f"{c['support']:,} |" for label, c in scores["per_class"].items()]
    lines.append("")
    try:
        path = plot_confusion(scores["confusion"], labels, result.output / f"{name}_confusion.png",
                              title=f"{name} 혼동 행렬 (검증)")
        result.files[f"{name}_confusion"] = path
        lines += [f"![{name} 혼동 행렬]({path.name})", ""]
    except Exception as exc:  # a report must not fail on a plot
        log.warning("could not plot the confusion matrix of %s: %s", name, exc)
    errors = scores.get("errors") or []
    if errors:
        lines += ["### 가장 확신했던 오답", "", "| 텍스트 | 정답 | 예측 | 확신도 |",
                  "|---|---|---|---:|"]
        lines += [f"| {_cell(e['text'])} | {_cell(e['label'])} | {_cell(e['predicted'])} | "
                  f"{e['confidence']:.3f} |" for e in errors]
        lines.append("")
    return lines
