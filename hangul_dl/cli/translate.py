"""Translator commands (book ch.7-8): ``translate train``, ``translate DIR [IN]`` and
``translate attention DIR "문장"`` (evaluation is ``hangul-dl eval``; ``translate eval`` is
kept as its old name).

Each is a subcommand with its own ``--help``. ``translate DIR [IN]`` has no subcommand word:
:func:`route` puts the hidden one (``file``) in when the first argument names none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from .common import (
    add_command,
    add_common,
    check_tokenizer,
    exit_status_of_training,
    fraction,
    given,
    library_arg,
    network_options,
    pad,
    pair_file_options,
    positive_float,
    positive_int,
    skip_bad_option,
    tokenizing_where,
    training_options,
    where_options,
    width,
    write_lines,
)

__all__ = ["register"]

#: The subcommand words of ``translate``; anything else first is a model folder (``file``).
_ACTIONS = ("train", "attention", "eval", "file")


def route(argv: list[str]) -> list[str]:
    """``translate DIR [IN] ...`` → ``translate file DIR [IN] ...``: the hidden subcommand is put
    in when the first argument after ``translate`` is not a subcommand word or ``--help``."""
    if len(argv) < 2 or argv[0] != "translate":
        return argv
    first = next((a for a in argv[1:] if not a.startswith("-")), None)
    if first in _ACTIONS or argv[1] in ("-h", "--help") or first is None:
        return argv
    return ["translate", "file", *argv[1:]]


def _pairs(args: argparse.Namespace, src: str | None, tgt: str | None, tsv: str | None,
           what: str) -> list[tuple[str, str]] | None:
    """Pairs from aligned files or a TSV; bad lines raise, or are skipped and reported."""
    from ..seq2seq.pairs import read_pair_files

    read = read_pair_files(src, tgt, tsv, what, skip_bad=args.skip_bad_lines)
    if read is None:
        return None
    pairs, stats = read
    if stats.skipped or stats.empty:  # each bad line (file:line: reason) was logged by the reader
        print(f"경고: {what} 데이터에서 빈 줄 {stats.empty}개, 잘못된 줄 {stats.skipped}개를 "
              f"건너뛰었습니다 (사용한 쌍 {len(pairs):,}개).", file=sys.stderr)
    return pairs


#: ``translate train`` options → Translator parameters (recipe keys); None: library default.
_PARAMS = ("embedding_size", "hidden_size", "num_layers", "dropout", "min_count", "max_vocab",
           "max_length", "batch_size", "max_epoch", "lr", "max_grad", "patience",
           "bleu_tokenize", "valid_fraction", "checkpoint_dir")


def _flops(args: argparse.Namespace) -> float:
    from ..threads import gemm_flops

    hidden = args.hidden_size or 256
    return gemm_flops(args.batch_size or 64, hidden, 4 * hidden)


def _cmd_train(args: argparse.Namespace) -> int:
    from ..seq2seq.translator import Translator

    check_tokenizer(args.src_tokenizer, "--src-tokenizer")
    check_tokenizer(args.tgt_tokenizer, "--tgt-tokenizer")
    pairs = _pairs(args, args.src, args.tgt, args.tsv, "학습")
    if pairs is None:
        raise InputError("translate train needs training data: --src F --tgt F, or --tsv F")
    valid = _pairs(args, args.valid_src, args.valid_tgt, args.valid_tsv, "검증")
    architecture = args.model or ("attention" if args.attention else "peeky")
    translator = Translator(
        src_tokenizer=args.src_tokenizer, tgt_tokenizer=args.tgt_tokenizer,
        architecture=architecture, bidirectional=args.bidirectional,
        reverse_input=args.reverse, beam=args.beam or 1, device=args.device, seed=args.seed,
        n_jobs=args.jobs, quiet=args.quiet, **given(args, **{k: k for k in _PARAMS}))
    with tokenizing_where(args):  # its two TextEncoders tokenize on --jobs/--scheduler
        translator.fit(pairs, valid=valid, resume=args.resume)
    translator.save(args.output)
    translator.plot(Path(args.output) / "loss.png")
    print(f"번역기 저장: {args.output}  (원문 어휘 {len(translator.src_vocab_):,}개, 번역문 어휘 "
          f"{len(translator.tgt_vocab_):,}개, 매개변수 {translator.model_.num_params():,}개)")
    for row in translator.epochs_.to_dict("records"):
        text = f"  에폭 {int(row['epoch'])}: 손실 {row['loss']:.4f}"
        if "val_bleu" in row:
            text += (f"  검증 BLEU {row['val_bleu']:.2f}  chrF {row['val_chrf']:.2f}  "
                     f"완전 일치 {100 * row['val_exact_match']:.1f}%")
        print(text)
    trainer = translator.trainer_
    if trainer.best_weights is not None:
        print(f"  최고 검증 BLEU {trainer.best_score:.2f} (에폭 {trainer.best_epoch}) 가중치로 저장"
              + ("; 조기 종료" if trainer.stopped_early else ""))
    return exit_status_of_training(trainer, args.checkpoint_dir)


def _load(path: str) -> Any:
    """The translator saved in ``path``: by ``translate train`` or as a recipe's model."""
    from ..pipeline import load_model
    from ..seq2seq.translator import Translator

    return load_model(path, Translator, "make one with hangul-dl translate train or the "
                      "translator_ko_en recipe")


def _to_device(translator: Any, device: str | None) -> None:
    from ..backend import resolve_device

    if resolve_device(device) == "gpu":
        translator.model_.to_gpu()


def _cmd_run(args: argparse.Namespace) -> int:
    from ..text.corpus import TextCorpus

    translator = _load(args.model_dir)
    _to_device(translator, args.device)
    if args.input:
        errors = "skip" if args.skip_bad_lines else "raise"
        lines = list(TextCorpus(args.input, errors=errors, skip_empty=False))
    else:
        lines = [line.strip() for line in sys.stdin]
    outputs = translator.translate(lines, beam=args.beam) if lines else []
    count = write_lines(outputs, args.output)
    if args.output:
        print(f"번역 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_attention(args: argparse.Namespace) -> int:
    translator = _load(args.model_dir)
    amap = translator.attention(args.sentence, beam=args.beam)
    path = amap.plot(args.output)
    print(f"{amap.source} → {amap.translation}")
    shown = [token.lstrip("▁") or token for token in amap.target_tokens]
    columns = max(map(width, shown), default=1)
    for token, row in zip(shown, amap.weights):
        j = int(row.argmax())
        print(f"  {pad(token, columns)}  ← "
              f"{amap.source_tokens[j].lstrip('▁') or amap.source_tokens[j]} ({row[j]:.2f})")
    print(f"어텐션 지도 저장: {path}")
    return 0


def _beam(p: argparse.ArgumentParser) -> None:
    p.add_argument("--beam", type=positive_int, default=None,
                   help="빔 크기 (1이면 탐욕적; 기본: 모델에 저장된 설정)")


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "train", "번역기 학습 (원문·번역문 쌍)",
                    "원문과 번역문이 줄마다 짝을 이루는 두 파일(또는 두 열의 TSV)로 번역기를 학습해 "
                    "DIR에 저장합니다. 옵션 이름은 레시피 키와 같고, 주지 않은 옵션은 라이브러리 "
                    "기본값(Translator)을 씁니다.")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="번역기를 저장할 폴더")
    data = p.add_argument_group("데이터")
    pair_file_options(data)
    data.add_argument("--valid-src", metavar="F", help="검증 원문 (에폭마다 BLEU)")
    data.add_argument("--valid-tgt", metavar="F", help="검증 번역문 (--valid-src와 줄 수가 같아야 함)")
    data.add_argument("--valid-tsv", metavar="F", help="검증 TSV (원문<TAB>번역문)")
    lib = ("Translator",)
    library_arg(data, "--valid-fraction", type=fraction, default_of=(*lib, "valid_fraction"),
                help="검증 데이터가 없을 때 학습 쌍에서 떼어 낼 비율, 예: 0.05 (기본 {default})")
    skip_bad_option(data)
    library_arg(data, "--bleu-tokenize", default_of=(*lib, "bleu_tokenize"),
                help="검증 BLEU 토큰화: 13a, char, none, okt ... (기본 {default})")
    model = p.add_argument_group("모델")
    model.add_argument("--src-tokenizer", default="okt",
                       help="원문 토크나이저: okt(기본), komoran, kkma, hannanum, mecab, char, jamo, "
                            "whitespace, word, subword:vocab_size=8000")
    model.add_argument("--tgt-tokenizer", default="word",
                       help="번역문 토크나이저: word(기본), subword:vocab_size=8000, okt, komoran, "
                            "kkma, hannanum, mecab, char, jamo, whitespace")
    model.add_argument("--attention", action=argparse.BooleanOptionalAction, default=True,
                       help="어텐션 모델 (기본). --no-attention: 책 7장의 Peeky seq2seq")
    model.add_argument("--model", choices=["attention", "peeky", "seq2seq"], default=None,
                       help="모델을 직접 지정 (recipe: architecture; --attention보다 우선)")
    model.add_argument("--bidirectional", action="store_true", help="양방향 LSTM 인코더")
    model.add_argument("--reverse", action="store_true",
                       help="입력을 거꾸로 읽기 (책 7.4.1; recipe: reverse_input)")
    network_options(model, "Translator")
    library_arg(model, "--max-length", type=positive_int, default_of=(*lib, "max_length"),
                help="이보다 토큰이 많은 쌍은 학습에서 제외하고 개수를 보고 (기본 {default})")
    train = p.add_argument_group("학습")
    training_options(train, "Translator")
    library_arg(train, "--lr", type=positive_float, default_of=(*lib, "lr"), none="옵티마이저별 기본값",
                help="Adam 학습률 (기본 {default})")
    library_arg(train, "--patience", type=positive_int, default_of=(*lib, "patience"), none="조기 종료 없음",
                help="검증 BLEU가 이 에폭 수만큼 나아지지 않으면 조기 종료 (기본 {default})")
    _beam(train)
    train.add_argument("--checkpoint-dir", metavar="DIR",
                       help="에폭마다 last/, 검증 최고 모델은 best/에 저장")
    train.add_argument("--resume", metavar="DIR", help="이 --checkpoint-dir에서 이어서 학습")
    where_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_train, workload=_flops,
                   check_inputs=("src", "tgt", "tsv", "valid_src", "valid_tgt", "valid_tsv", "resume"),
                   check_outputs={"output": "dir", "checkpoint_dir": "dir"})


def register(sub: argparse._SubParsersAction) -> None:
    from .run import add_eval_alias

    p = add_command(sub, "translate", "번역기 학습·번역·어텐션 지도 (seq2seq + 어텐션)",
                    "원문과 번역문이 줄마다 짝을 이루는 두 파일(또는 두 열의 TSV)로 번역기를 "
                    "학습하고(train), 파일을 번역하고(DIR [IN]), 어텐션 지도를 그립니다(attention). "
                    "평가(BLEU, chrF)는 hangul-dl eval DIR --src F --tgt F. 형식: "
                    "translate train (--src F --tgt F | --tsv F) -o DIR; "
                    "translate DIR [IN] [-o OUT]; translate attention DIR \"문장\" -o map.png. "
                    "각 형식의 옵션은 translate train --help처럼 보세요.")
    actions = p.add_subparsers(dest="translate_command", metavar="train|attention|DIR")
    actions.required = True
    _add_train(actions)

    q = add_command(actions, "attention", "어텐션 지도 그리기",
                    "문장 하나를 번역하며 출력 토큰마다 가장 주목한 입력 토큰을 보이고 히트맵을 "
                    "그림 파일로 저장합니다.")
    q.add_argument("model_dir", metavar="DIR", help="translate train이 만든 번역기 폴더")
    q.add_argument("sentence", metavar="문장", help="번역할 문장 하나")
    q.add_argument("-o", "--output", required=True, metavar="FILE.png", help="히트맵 그림 파일")
    _beam(q)
    add_common(q)
    q.set_defaults(func=_cmd_attention, check_inputs=("model_dir",), check_outputs={"output": "file"})

    q = add_command(actions, "file", None,
                    "번역기 DIR로 IN(없으면 표준 입력)의 각 줄을 번역합니다: "
                    "hangul-dl translate DIR [IN] [-o OUT].")
    q.add_argument("model_dir", metavar="DIR", help="translate train이 만든 번역기 폴더")
    q.add_argument("input", metavar="IN", nargs="?", help="번역할 텍스트 파일 (없으면 표준 입력)")
    q.add_argument("-o", "--output", metavar="OUT", help="출력 파일 (없으면 표준 출력)")
    _beam(q)
    skip_bad_option(q)
    add_common(q)
    q.set_defaults(func=_cmd_run, check_inputs=("model_dir", "input"), check_outputs={"output": "file"})

    add_eval_alias(actions, "eval")  # the old name of hangul-dl eval for translators
