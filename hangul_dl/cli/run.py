"""``hangul-dl run RECIPE``: run a TOML recipe (``pipelines/*.toml`` or a bundled name)."""

from __future__ import annotations

import argparse

from .common import add_common, pair_file_options

__all__ = ["print_evaluation", "print_result", "register"]


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


def print_evaluation(report) -> None:
    """Metrics per model, and the models left out with the data they need."""
    for name, metrics in report.results.items():
        print(f"[{name}] {report.classes[name]}")
        for key, value in metrics.items():
            shown = f"{value:,.4f}" if isinstance(value, float) else (
                f"{value:,}" if isinstance(value, int) else value)
            print(f"  {key:<20} {shown}")
    for name, why in report.skipped.items():
        print(f"[{name}] 평가하지 않음: {why}")


def _cmd_run(args: argparse.Namespace) -> int:
    from ..recipes import load_recipe, run_recipe, select_models

    overrides = list(args.set or [])
    if args.input:
        overrides.append(f"input.path={args.input}")
    recipe = load_recipe(args.recipe, overrides)  # every problem reported before any work
    recipe = select_models(recipe, args.models or [])
    result = run_recipe(recipe, output=args.output, quiet=args.quiet, device=args.device,
                        seed=args.seed, resume=args.resume)
    print_result(result)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate_models
    from ..io import write_json

    report = evaluate_models(args.directory, text=args.text, pairs=args.pairs,
                             analogies=args.analogies, src=args.src, tgt=args.tgt, tsv=args.tsv,
                             beam=args.beam, skip_bad=args.skip_bad_lines)
    print_evaluation(report)
    if args.json:
        results = {name: {k: None if isinstance(v, float) and v != v else v  # NaN -> null
                          for k, v in metrics.items()} for name, metrics in report.results.items()}
        write_json(args.json, {"results": results, "skipped": report.skipped,
                               "classes": report.classes})
        print(f"결과 → {args.json}")
    return 0 if report.results else 1


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
    p.add_argument("--models", nargs="+", metavar="NAME",
                   help="이 모델만 학습 (레시피의 [models.NAME] 이름들; 기본: 전부)")
    p.add_argument("--resume", action="store_true",
                   help="checkpoint_dir이 있는 모델은 그 체크포인트에서 이어서 학습 (Ctrl-C로 멈춘 뒤)")
    add_common(p)
    p.set_defaults(func=_cmd_run, seed=None)

    p = sub.add_parser("eval", help="저장한 모델 평가 (레시피 결과 폴더의 모든 모델, 종류별 데이터로)",
                       description="레시피 결과 폴더(모델마다 하위 폴더) 또는 파이프라인 폴더 하나의 "
                                   "모델을 평가합니다: 언어 모델은 --text(퍼플렉서티), 단어 벡터는 "
                                   "--pairs/--analogies, 번역기는 --src/--tgt 또는 --tsv (BLEU, chrF). "
                                   "맞는 데이터가 없는 모델은 이유와 함께 알려 줍니다.")
    p.add_argument("directory", metavar="DIR", help="레시피 결과 폴더 또는 저장한 파이프라인 폴더")
    p.add_argument("--text", metavar="F", help="언어 모델용 평가 문장 (한 줄에 한 문장)")
    p.add_argument("--pairs", metavar="CSV", help="단어 벡터용 단어 쌍 유사도 파일")
    p.add_argument("--analogies", metavar="F", help="단어 벡터용 유추 문항 파일")
    pair_file_options(p.add_argument_group("번역기용 데이터"))
    p.add_argument("--beam", type=int, default=None, help="번역 빔 크기 (기본: 모델 설정)")
    p.add_argument("--skip-bad-lines", action="store_true", help="잘못된 줄을 세고 건너뜀")
    p.add_argument("--json", metavar="OUT", help="결과를 JSON 파일로도 저장")
    add_common(p)
    p.set_defaults(func=_cmd_eval)
