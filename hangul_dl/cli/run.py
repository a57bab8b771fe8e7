"""``hangul-dl run RECIPE``: run a TOML recipe (``pipelines/*.toml`` or a bundled name)."""

from __future__ import annotations

import argparse

from .common import add_common

__all__ = ["print_result", "register"]


def print_result(result) -> None:
    """The tables a recipe run produced, as the report has them."""
    for name, table in result.neighbours.items():
        if table:
            print(f"\n[{name}] 가장 가까운 단어")
            for word, pairs in table.items():
                shown = ", ".join(f"{w.lstrip('▁') or w}({s:.2f})" for w, s in pairs)
                print(f"  {word:<8} {shown}")
    for name, metrics in result.metrics.items():
        for key, value in metrics.items():
            print(f"[{name}] {key}: {value:,.2f}" if isinstance(value, float)
                  else f"[{name}] {key}: {value:,}")
    for name, prompts in result.generated.items():
        print(f"\n[{name}] 생성한 문장")
        for prompt, texts in prompts.items():
            for text in texts:
                print(f"  {prompt} → {text}")
    for name, pairs in result.translations.items():
        print(f"\n[{name}] 번역")
        for src, tgt in pairs.items():
            print(f"  {src} → {tgt}")
    print(f"\n결과 폴더: {result.output}  (보고서: {result.files['report']})")


def _cmd_run(args: argparse.Namespace) -> int:
    from ..recipes import load_recipe, run_recipe

    overrides = list(args.set or [])
    if args.input:
        overrides.append(f"input.path={args.input}")
    recipe = load_recipe(args.recipe, overrides)  # every problem reported before any work
    result = run_recipe(recipe, output=args.output, quiet=args.quiet, device=args.device,
                        seed=args.seed)
    print_result(result)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="TOML 레시피 실행 (pipelines/*.toml)",
                       description="레시피의 전처리 단계를 한 번 학습하고 각 모델을 학습해 파이프라인 "
                                   "폴더와 report.md를 만듭니다. 설정 오류는 작업 전에 모두 알려 줍니다.")
    p.add_argument("recipe", metavar="RECIPE",
                   help="레시피 파일, 또는 내장 레시피 이름 (demo, ppmi_svd, word2vec, lstm_lm, "
                        "translator_ko_en)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="설정 덮어쓰기, 예: --set steps.vocab.min_count=2 (여러 번 가능)")
    p.add_argument("--input", metavar="PATH", help="입력 텍스트 (input.path를 덮어씀)")
    p.add_argument("-o", "--output", metavar="DIR", help="결과 폴더 (output.dir을 덮어씀)")
    add_common(p)
    p.set_defaults(func=_cmd_run, seed=None)
