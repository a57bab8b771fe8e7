"""Text classification commands: ``classify train`` and ``classify predict`` (evaluation:
``hangul-dl eval DIR --labelled TEST.tsv``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import (
    add_command,
    add_common,
    check_tokenizer,
    exit_status_of_training,
    fraction,
    given,
    library_arg,
    network_options,
    non_negative_int,
    positive_float,
    positive_int,
    tokenizer_options,
    training_options,
)

__all__ = ["register"]

#: The library's default tokenizer of TextClassifier (tests/test_cli_classify.py checks it).
DEFAULT_TOKENIZER = "okt"
#: ``classify train`` options → TextClassifier parameters (recipe keys); None = library default.
_PARAMS = ("model", "embedding_size", "hidden_size", "num_layers", "pooling", "dropout",
           "num_filters", "kernel_sizes", "ngram_buckets", "init_vectors", "freeze_embeddings",
           "min_count", "max_vocab", "max_length", "optimizer", "lr", "max_epoch", "batch_size",
           "max_grad", "patience", "valid_fraction", "checkpoint_dir", "checkpoint_every")
_MODELS = ["bigru", "bilstm", "gru", "lstm", "cnn", "bow"]


def _read_table(path: str, args: argparse.Namespace) -> list[tuple[str, str]]:
    """``(label, text)`` rows of a labelled table; bad rows are fatal unless --skip-bad-lines
    (then they are counted on stderr)."""
    from ..text.tables import TableCorpus
    from .run import column_arg

    table = TableCorpus.labelled(path, text_column=column_arg(args.text_column),
                                 label_column=column_arg(args.label_column),
                                 errors="skip" if args.skip_bad_lines else "raise")
    rows = list(table)
    if table.stats.skipped:
        print(f"경고: {path}에서 잘못된 줄 {table.stats.skipped}개를 건너뛰었습니다 "
              f"(첫 위치: {table.stats.problems[0]})", file=sys.stderr)
    return rows


def _cmd_train(args: argparse.Namespace) -> int:
    from ..classify.classifier import TextClassifier

    check_tokenizer(args.tokenizer)
    train = _read_table(args.input, args)
    valid = _read_table(args.valid, args) if args.valid else None
    clf = TextClassifier(tokenizer=args.tokenizer, device=args.device, seed=args.seed,
                         quiet=args.quiet, n_jobs=args.jobs,
                         **given(args, **{name: name for name in _PARAMS}))
    clf.fit(train, valid=valid, resume=args.resume)
    clf.save(args.output)
    print(f"분류기 저장: {args.output}  (라벨 {len(clf.classes_)}개: "
          f"{', '.join(map(str, clf.classes_[:10]))}{' …' if len(clf.classes_) > 10 else ''}; "
          f"어휘 {len(clf.encoder_.vocab_):,}개, 매개변수 {clf.model_.num_params():,}개)")
    trainer = clf.trainer_
    if trainer.best_weights is not None and "val_accuracy" in trainer.epochs:
        print(f"  검증 정확도 {trainer.best_score:.4f} (에폭 {trainer.best_epoch}의 가중치)")
    return exit_status_of_training(trainer, args.checkpoint_dir)


def _load(directory: str) -> Any:
    from ..classify.classifier import TextClassifier
    from ..pipeline import load_model

    return load_model(directory, TextClassifier, "pass a folder written by 'hangul-dl classify "
                      "train' or a recipe's classifier")


def _chunks(path: str, size: int = 10_000):
    """Every line of a text file (empty ones included), ``size`` lines at a time."""
    from ..text.corpus import TextCorpus

    chunk: list[str] = []
    for line in TextCorpus(path, errors="raise", skip_empty=False, strip=False):
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cmd_predict(args: argparse.Namespace) -> int:
    from ..backend import resolve_device

    clf = _load(args.model)
    if resolve_device(args.device) == "gpu":
        clf.model_.to_gpu()

    def lines():
        if args.proba:
            yield "\t".join(["label", *map(str, clf.classes_)])
        for chunk in _chunks(args.input):
            proba = clf.predict_proba(chunk)
            for row in proba:
                label = str(clf.classes_[int(row.argmax())])
                yield (label if not args.proba else
                       "\t".join([label, *(f"{p:.4f}" for p in row)]))

    from .common import write_lines

    count = write_lines(lines(), args.output)
    if args.output and not args.quiet:
        print(f"{count - (1 if args.proba else 0):,}줄 예측 → {args.output}", file=sys.stderr)
    return 0


def _kernel_sizes(text: str) -> list[int]:
    """``type=`` for --kernel-sizes: comma-separated widths such as ``3,4,5``."""
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths such as 3,4,5, got {text!r}") from None
    if not widths or min(widths) < 1:
        raise argparse.ArgumentTypeError(f"expected widths >= 1 such as 3,4,5, got {text!r}")
    return widths


def _add_train(sub: argparse._SubParsersAction) -> None:
    from .run import column_options

    p = add_command(sub, "train", "라벨이 붙은 표로 텍스트 분류기 학습",
                    "머리글이 있는 TSV/CSV(기본: label<TAB>text)로 분류기를 학습해 DIR에 저장합니다. "
                    "라벨은 아무 문자열이나 됩니다(0/1, 긍정/부정, ...). --valid를 주지 않으면 학습 "
                    "데이터의 일부(--valid-fraction)로 검증해 가장 좋은 에폭의 가중치를 남깁니다. "
                    "옵션 이름은 레시피 키와 같고, 주지 않은 옵션은 라이브러리 기본값"
                    "(TextClassifier)을 씁니다.")
    p.add_argument("input", metavar="IN", help="학습 표 (TSV/CSV, .gz도 됨)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="분류기를 저장할 폴더")
    p.add_argument("--valid", metavar="TSV", help="검증 표 (에폭마다 정확도; 최고 에폭의 가중치를 남김)")
    column_options(p)
    lib = ("TextClassifier",)
    m = p.add_argument_group("모델")
    library_arg(m, "--model", choices=_MODELS, default_of=(*lib, "model"),
                help="모델: bigru, bilstm, gru, lstm(순환망), cnn(Kim 2014), bow(fastText식) "
                     "(기본 {default})")
    network_options(m, "TextClassifier")
    library_arg(m, "--pooling", choices=["max", "mean", "attention"],
                default_of=(*lib, "pooling"), help="순환망 출력의 풀링 (기본 {default})")
    library_arg(m, "--num-filters", type=positive_int, default_of=(*lib, "num_filters"),
                help="CNN 필터 수, 너비마다 (기본 {default})")
    library_arg(m, "--kernel-sizes", type=_kernel_sizes, default_of=(*lib, "kernel_sizes"),
                help="CNN 필터 너비들, 예: 3,4,5 (기본 {default})")
    library_arg(m, "--ngram-buckets", type=non_negative_int, default_of=(*lib, "ngram_buckets"),
                help="bow의 해시 바이그램 칸 수, 0이면 바이그램 없음 (기본 {default})")
    library_arg(m, "--max-length", type=positive_int, default_of=(*lib, "max_length"),
                none="자르지 않음", help="이보다 긴 텍스트는 이 토큰 수에서 자름 (기본 {default})")
    library_arg(m, "--init-vectors", metavar="VECS", default_of=(*lib, "init_vectors"),
                none="무작위", help="임베딩 초깃값: Word2Vec/PPMISVD 폴더 또는 word2vec 파일 "
                                  "(--embedding-size와 차원이 같아야 함; 기본 {default})")
    library_arg(m, "--freeze-embeddings", action="store_true",
                default_of=(*lib, "freeze_embeddings"), help="임베딩을 학습하지 않음 (기본 {default})")
    t = p.add_argument_group("학습")
    training_options(t, "TextClassifier")
    library_arg(t, "--optimizer", choices=["sgd", "momentum", "adagrad", "rmsprop", "adam"],
                default_of=(*lib, "optimizer"), help="옵티마이저 (기본 {default})")
    library_arg(t, "--lr", type=positive_float, default_of=(*lib, "lr"),
                none="옵티마이저별 기본값", help="학습률 (기본 {default})")
    library_arg(t, "--patience", type=positive_int, default_of=(*lib, "patience"),
                none="멈추지 않음", help="검증 정확도가 이만큼의 에폭 동안 나아지지 않으면 멈춤 "
                                     "(기본 {default})")
    library_arg(t, "--valid-fraction", type=fraction, default_of=(*lib, "valid_fraction"),
                help="--valid가 없을 때 검증용으로 떼어 둘 학습 데이터 비율, 0이면 검증 없음 "
                     "(기본 {default})")
    t.add_argument("--checkpoint-dir", metavar="DIR",
                   help="체크포인트 폴더: 에폭마다, Ctrl-C 때 last/ 저장, 검증 최고 모델은 best/")
    t.add_argument("--checkpoint-every", type=positive_int, metavar="STEPS",
                   help="이 스텝 수마다 last/ 체크포인트 저장")
    t.add_argument("--resume", metavar="CKPT", help="이 체크포인트(…/last)에서 이어서 학습")
    tokenizer_options(p, default=DEFAULT_TOKENIZER)
    add_common(p)
    p.set_defaults(func=_cmd_train, check_inputs=("input", "valid", "resume", "init_vectors"),
                   check_outputs={"output": "dir", "checkpoint_dir": "dir"})


def _add_predict(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "predict", "학습한 분류기로 한 줄에 한 텍스트씩 라벨 예측",
                    "IN의 줄마다 라벨 하나를 씁니다(빈 줄에도 한 줄; 줄 수가 늘 같음). --proba를 주면 "
                    "머리글(label<TAB>라벨들) 다음에 줄마다 라벨과 각 라벨의 확률을 탭으로 나눠 씁니다.")
    p.add_argument("model", metavar="DIR", help="hangul-dl classify train이 만든 폴더, 또는 "
                                                "레시피 결과의 분류기 폴더")
    p.add_argument("input", metavar="IN", help="한 줄에 한 텍스트인 UTF-8 파일 (.gz도 됨)")
    p.add_argument("-o", "--output", metavar="OUT", help="결과 파일 (기본: 표준 출력)")
    p.add_argument("--proba", action="store_true", help="라벨마다의 확률도 씀 (TSV, 머리글 포함)")
    add_common(p)
    p.set_defaults(func=_cmd_predict, check_inputs=("model", "input"),
                   check_outputs={"output": "file"})


def register(sub: argparse._SubParsersAction) -> None:
    c = add_command(sub, "classify", "텍스트 분류기(감성 분석 등) 학습과 예측 (평가는 hangul-dl eval "
                                     "--labelled)")
    c_sub = c.add_subparsers(dest="classify_command", metavar="SUBCOMMAND")
    c_sub.required = True
    _add_train(c_sub)
    _add_predict(c_sub)
