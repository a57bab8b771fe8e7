"""``hangul-dl run RECIPE`` (run a TOML recipe: ``pipelines/*.toml`` or a bundled name) and
``hangul-dl eval`` (the one evaluation command: every model family, each with its data)."""

from __future__ import annotations

import argparse

from .common import (
    add_command,
    add_common,
    alias,
    pad,
    pair_file_options,
    positive_int,
    skip_bad_option,
    where_options,
    width,
)

__all__ = ["add_eval_alias", "print_evaluation", "print_result", "register"]


def print_result(result) -> None:
    """The tables a recipe run produced, as the report has them."""
    for name, table in result.neighbours.items():
        if table:
            print(f"\n[{name}] 가장 가까운 단어")
            columns = max(width(plain(word)) for word in table) + 2
            for word, pairs in table.items():
                shown = ", ".join(f"{plain(w)}({s:.2f})" for w, s in pairs)
                print(f"  {pad(plain(word), columns)}{shown}")
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


def plain(word: str) -> str:
    """A word as users write it: without the word-start mark ``▁`` of the tokenizers."""
    return word.lstrip("▁") or word


def print_evaluation(report) -> None:
    """Metrics per model, and the models left out with the data they need."""
    for name, metrics in report.results.items():
        print(f"[{name}] {report.classes[name]}")
        for key, value in metrics.items():
            if key == "labels":
                continue
            if key == "confusion":  # rows: the true label, columns: the predicted one
                print_confusion(metrics["labels"], value)
                continue
            shown = f"{value:,.4f}" if isinstance(value, float) else (
                f"{value:,}" if isinstance(value, int) else value)
            print(f"  {key:<20} {shown}")
    for name, why in report.skipped.items():
        print(f"[{name}] 평가하지 않음: {why}")


def print_confusion(labels, matrix) -> None:
    """A confusion matrix as an aligned table (rows: true labels, columns: predicted)."""
    names = [str(label) for label in labels]
    cell = max([width(n) for n in names] + [len(f"{v:,}") for row in matrix for v in row] + [4])
    print("  혼동 행렬 (행: 정답, 열: 예측)")
    print("    " + " " * cell + " " + " ".join(pad(n, cell, ">") for n in names))
    for name, row in zip(names, matrix):
        print(f"    {pad(name, cell, '>')} " + " ".join(f"{v:>{cell},}" for v in row))


def _cmd_run(args: argparse.Namespace) -> int:
    from ..recipes import load_recipe, run_recipe, select_models

    overrides = list(args.set or [])
    if args.input:
        overrides.append(f"input.path={args.input}")
    if args.scheduler:  # the recipe's [run] table, set from the command line
        overrides.append(f"run.scheduler={args.scheduler}")
    if args.jobs is not None:
        overrides.append(f"run.jobs={args.jobs}")
    if args.no_cache:
        overrides.append("run.cache=false")
    recipe = load_recipe(args.recipe, overrides)  # every problem reported before any work
    recipe = select_models(recipe, args.models or [])
    result = run_recipe(recipe, output=args.output, quiet=args.quiet, device=args.device,
                        seed=args.seed, resume=args.resume, threads=args.threads)
    print_result(result)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate_models
    from ..io import write_json

    report = evaluate_models(args.directory, text=args.text, pairs=args.pairs,
                             analogies=args.analogies, src=args.src, tgt=args.tgt, tsv=args.tsv,
                             beam=args.beam, skip_bad=args.skip_bad_lines,
                             restrict_vocab=args.restrict_vocab,
                             bleu_tokenize=args.bleu_tokenize, translations=args.translations,
                             labelled=args.labelled, text_column=column_arg(args.text_column),
                             label_column=column_arg(args.label_column))
    print_evaluation(report)
    if args.json:
        results = {name: {k: None if isinstance(v, float) and v != v else v  # NaN -> null
                          for k, v in metrics.items()} for name, metrics in report.results.items()}
        write_json(args.json, {"results": results, "skipped": report.skipped,
                               "classes": report.classes})
        print(f"결과 → {args.json}")
    return 0 if report.results else 1


_EVAL_INPUTS = ("directory", "text", "pairs", "analogies", "src", "tgt", "tsv", "labelled")


def column_arg(text: str) -> str | int:
    """A ``--text-column``/``--label-column`` value: a header name, or a 0-based index."""
    return int(text) if text.lstrip("-").isdigit() else text


def column_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--text-column`` and ``--label-column`` of labelled tables (header name or index)."""
    p.add_argument("--text-column", default="text", metavar="C",
                   help="텍스트 열: 머리글 이름 또는 0부터 센 번호 (기본 text; NSMC는 document)")
    p.add_argument("--label-column", default="label", metavar="C",
                   help="라벨 열: 머리글 이름 또는 0부터 센 번호 (기본 label)")


def _eval_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text", metavar="F", help="언어 모델용 평가 문장 (한 줄에 한 문장): 퍼플렉서티")
    p.add_argument("--pairs", metavar="CSV",
                   help="단어 벡터용 단어 쌍 유사도 파일 (word1,word2,score): Spearman/Pearson")
    p.add_argument("--analogies", metavar="F",
                   help="단어 벡터용 유추 문항 파일 (: 구역 줄 + a b c d): 정확도")
    pair_file_options(p.add_argument_group("번역기용 데이터 (BLEU, chrF, 완전 일치)"))
    c = p.add_argument_group("분류기용 데이터 (정확도, macro-F1, 혼동 행렬)")
    c.add_argument("--labelled", metavar="TSV",
                   help="라벨이 붙은 표 (머리글 있는 TSV/CSV, 기본 열 label, text)")
    column_options(c)
    p.add_argument("--beam", type=positive_int, default=None, help="번역 빔 크기 (기본: 모델 설정)")
    p.add_argument("--bleu-tokenize", default=None,
                   help="BLEU 토큰화: 13a, char, none, okt ... (기본: 번역기에 저장된 설정)")
    p.add_argument("--translations", metavar="OUT",
                   help="번역기의 번역 결과를 이 파일에 씀 (한 줄에 한 문장)")
    p.add_argument("--restrict-vocab", type=positive_int, default=300_000,
                   help="단어 벡터: 빈도 상위 몇 단어까지 쓸지 (기본 300000, gensim과 같음)")
    skip_bad_option(p)
    p.add_argument("--json", metavar="OUT", help="결과를 JSON 파일로도 저장")
    add_common(p)
    p.set_defaults(func=_cmd_eval, check_inputs=_EVAL_INPUTS,
                   check_outputs={"json": "file", "translations": "file"})


def add_eval_alias(sub: argparse._SubParsersAction, name: str, positional: str | None = None,
                   ) -> None:
    """An older evaluation command (``evaluate``, ``lm eval``, ``translate eval``), kept
    working but left out of the help: it runs ``hangul-dl eval``. ``positional`` names the
    option an extra positional argument fills (``lm eval DIR IN`` = ``eval DIR --text IN``)."""
    p = add_command(sub, name, None, "hangul-dl eval과 같습니다 (예전 이름).")
    p.add_argument("directory", metavar="DIR", help="저장한 모델 폴더 또는 단어 벡터 파일")
    if positional:
        p.add_argument(f"_{positional}", metavar="IN", nargs="?", help=f"--{positional}와 같음")
    _eval_options(p)
    alias(p, "-o", "translations")  # translate eval -o OUT
    if positional:
        def forward(args: argparse.Namespace) -> int:
            if getattr(args, f"_{positional}") is not None:
                setattr(args, positional, getattr(args, f"_{positional}"))
            return _cmd_eval(args)

        p.set_defaults(func=forward, check_inputs=(*_EVAL_INPUTS, f"_{positional}"))


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "run", "TOML 레시피 실행 (pipelines/*.toml)",
                    "레시피의 전처리 단계를 한 번 학습하고 각 모델을 학습해 파이프라인 폴더와 "
                    "report.md를 만듭니다. 설정 오류, 없는 입력 파일, 쓸 수 없는 결과 폴더는 작업 "
                    "전에 모두 알려 줍니다.")
    p.add_argument("recipe", metavar="RECIPE",
                   help="레시피 파일, 또는 내장 레시피 이름 (demo, ppmi_svd, word2vec, lstm_lm, sentiment, "
                        "translator_ko_en)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="설정 덮어쓰기, 예: --set models.lstm.max_epoch=10 (여러 번 가능)")
    p.add_argument("--input", metavar="PATH", help="입력 텍스트 (input.path를 덮어씀)")
    p.add_argument("-o", "--output", metavar="DIR", help="결과 폴더 (output.dir을 덮어씀)")
    p.add_argument("--models", nargs="+", metavar="NAME",
                   help="이 모델만 학습 (레시피의 [models.NAME] 이름들; 기본: 전부)")
    p.add_argument("--resume", action="store_true",
                   help="checkpoint_dir이 있는 모델은 그 체크포인트에서 이어서 학습 (Ctrl-C로 멈춘 뒤)")
    where_options(p)  # --jobs / --scheduler: the recipe's [run] jobs / scheduler
    p.add_argument("--no-cache", action="store_true",
                   help="전처리(정규화 → 토큰화)를 토큰화 캐시(HANGUL_DL_CACHE) 없이 실행 (레시피의 "
                        "[run] cache = false)")
    add_common(p)
    p.set_defaults(func=_cmd_run, seed=None, jobs=None)

    p = add_command(sub, "eval", "저장한 모델 평가: 언어 모델, 단어 벡터, 번역기, 분류기 "
                    "(평가 명령은 이것 하나)",
                    "레시피 결과 폴더(모델마다 하위 폴더), 저장한 모델·파이프라인 폴더 하나, 또는 "
                    "word2vec 형식 단어 벡터 파일의 모델을 평가합니다: 언어 모델은 --text(퍼플렉서티), "
                    "단어 벡터는 --pairs/--analogies, 번역기는 --src/--tgt 또는 --tsv (BLEU, chrF), "
                    "분류기는 --labelled (정확도, macro-F1, 혼동 행렬). "
                    "맞는 데이터가 없는 모델은 이유와 함께 알려 줍니다.")
    p.add_argument("directory", metavar="DIR",
                   help="레시피 결과 폴더, 저장한 모델·파이프라인 폴더, 또는 단어 벡터 파일(.txt/.bin)")
    _eval_options(p)
    add_eval_alias(sub, "evaluate")  # the word-vector command's old name
