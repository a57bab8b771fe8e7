"""Translator commands (book ch.7-8): ``translate train``, ``translate DIR [IN]``,
``translate eval DIR`` and ``translate attention DIR "문장"``.

``translate DIR`` and ``translate train`` share the first position, so ``translate`` has one
flat parser: its first positional is ``train``, ``eval``, ``attention`` or a model directory,
and each form checks the options it needs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from .common import add_common, pair_file_options, write_lines

__all__ = ["register"]

_USAGE = """
  hangul-dl translate train (--src F --tgt F | --tsv F) -o DIR [옵션]
  hangul-dl translate DIR [IN] [-o OUT] [--beam N]
  hangul-dl translate eval DIR (--src F --tgt F | --tsv F) [--beam N]
  hangul-dl translate attention DIR "문장" -o map.png"""

_ACTIONS = ("train", "eval", "attention")


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


def _cmd_train(args: argparse.Namespace) -> int:
    from ..seq2seq.translator import Translator

    if args.rest:
        raise InputError(f"translate train takes no positional arguments, got {args.rest!r}; "
                         "use --src/--tgt (or --tsv) and -o DIR")
    if not args.output:
        raise InputError("translate train needs -o DIR (where the translator is saved)")
    pairs = _pairs(args, args.src, args.tgt, args.tsv, "학습")
    if pairs is None:
        raise InputError("translate train needs training data: --src F --tgt F, or --tsv F")
    valid = _pairs(args, args.valid_src, args.valid_tgt, args.valid_tsv, "검증")
    architecture = args.model or ("attention" if args.attention else "peeky")
    translator = Translator(
        src_tokenizer=args.src_tokenizer, tgt_tokenizer=args.tgt_tokenizer,
        architecture=architecture, embedding_size=args.embedding, hidden_size=args.hidden,
        num_layers=args.layers, bidirectional=args.bidirectional, reverse_input=args.reverse,
        dropout=args.dropout, min_count=args.min_count, max_vocab=args.max_vocab,
        max_length=args.max_length, batch_size=args.batch_size, max_epoch=args.epochs,
        lr=args.lr, max_grad=args.max_grad, patience=args.patience, beam=args.beam or 1,
        bleu_tokenize=args.bleu_tokenize, valid_fraction=args.valid_fraction,
        checkpoint_dir=args.checkpoint_dir, device=args.device, seed=args.seed,
        n_jobs=args.jobs, quiet=args.quiet)
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
    if trainer.interrupted:
        hint = (f" 이어서 학습: 같은 명령에 --resume {args.checkpoint_dir}"
                if args.checkpoint_dir else "")
        print(f"학습이 중단되었습니다. 지금까지의 모델을 저장했습니다.{hint}", file=sys.stderr)
        return 130
    return 0


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

    if len(args.rest) > 1:
        raise InputError(f"translate DIR takes at most one input file, got {args.rest!r}")
    translator = _load(args.first)
    _to_device(translator, args.device)
    if args.rest:
        lines = list(TextCorpus(args.rest[0], errors="raise", skip_empty=False))
    else:
        lines = [line.strip() for line in sys.stdin]
    outputs = translator.translate(lines, beam=args.beam) if lines else []
    count = write_lines(outputs, args.output)
    if args.output:
        print(f"번역 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    if len(args.rest) != 1:
        raise InputError("usage: hangul-dl translate eval DIR (--src F --tgt F | --tsv F)")
    translator = _load(args.rest[0])
    _to_device(translator, args.device)
    pairs = _pairs(args, args.src, args.tgt, args.tsv, "평가")
    if pairs is None:
        raise InputError("translate eval needs test data: --src F --tgt F, or --tsv F")
    result = translator.evaluate([s for s, _ in pairs], [t for _, t in pairs], beam=args.beam,
                                 tokenize=args.bleu_tokenize)
    print(f"BLEU = {result['bleu']:.2f}  ({result['bleu_signature']})")
    print(f"chrF2 = {result['chrf']:.2f}")
    print(f"완전 일치 = {100 * result['exact_match']:.1f}%  ({result['n']:,}문장)")
    if args.output:
        write_lines(result["hypotheses"], args.output)
        print(f"번역 결과 → {args.output}", file=sys.stderr)
    return 0


def _cmd_attention(args: argparse.Namespace) -> int:
    if len(args.rest) != 2:
        raise InputError('usage: hangul-dl translate attention DIR "문장" -o map.png')
    if not args.output:
        raise InputError("translate attention needs -o FILE.png (where the heatmap is saved)")
    translator = _load(args.rest[0])
    amap = translator.attention(args.rest[1], beam=args.beam)
    path = amap.plot(args.output)
    print(f"{amap.source} → {amap.translation}")
    width = max(len(t) for t in amap.target_tokens) if amap.target_tokens else 1
    for token, row in zip(amap.target_tokens, amap.weights):
        j = int(row.argmax())
        print(f"  {token:<{width}}  ← {amap.source_tokens[j]} ({row[j]:.2f})")
    print(f"어텐션 지도 저장: {path}")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.first in _ACTIONS:
        return {"train": _cmd_train, "eval": _cmd_eval, "attention": _cmd_attention}[
            args.first](args)
    if not Path(args.first).is_dir():
        raise InputError(f"{args.first!r} is neither a translator directory nor one of "
                         f"{', '.join(_ACTIONS)}; see hangul-dl translate --help")
    return _cmd_run(args)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "translate", help="번역기 학습·번역·평가·어텐션 지도 (seq2seq + 어텐션)", usage=_USAGE,
        description="원문과 번역문이 줄마다 짝을 이루는 두 파일(또는 두 열의 TSV)로\n"
                    "번역기를 학습하고(train), 파일을 번역하고(DIR [IN]), BLEU와 chrF로\n"
                    "평가하고(eval), 어텐션 지도를 그립니다(attention).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("first", metavar="train|eval|attention|DIR")
    p.add_argument("rest", nargs="*", metavar="ARG", help="DIR, 입력 파일, 문장 (형식에 따라)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="train: 저장할 폴더 / DIR: 출력 파일(없으면 표준 출력) / eval: 번역 결과 "
                        "파일 / attention: 그림 파일")
    p.add_argument("--beam", type=int, default=None, help="빔 크기 (1이면 탐욕적, 기본: 모델 설정)")
    data = p.add_argument_group("데이터 (train, eval)")
    pair_file_options(data)
    data.add_argument("--valid-src", metavar="F", help="검증 원문 (에폭마다 BLEU)")
    data.add_argument("--valid-tgt", metavar="F", help="검증 번역문")
    data.add_argument("--valid-tsv", metavar="F", help="검증 TSV")
    data.add_argument("--valid-fraction", type=float, default=0.0,
                      help="검증 데이터가 없을 때 학습 쌍에서 떼어 낼 비율 (예: 0.05)")
    data.add_argument("--skip-bad-lines", action="store_true",
                      help="빈 줄·잘못된 UTF-8 줄을 오류 대신 건너뛰고 개수를 보고")
    data.add_argument("--bleu-tokenize", default="13a",
                      help="BLEU 토큰화: 13a(기본), char, none, okt ...")
    model = p.add_argument_group("모델과 학습 (train)")
    model.add_argument("--src-tokenizer", default="okt",
                       help="원문 토크나이저: okt(기본), char, jamo, word, subword:vocab_size=8000 ...")
    model.add_argument("--tgt-tokenizer", default="word",
                       help="번역문 토크나이저: word(기본), subword:vocab_size=8000, okt, char, jamo")
    model.add_argument("--attention", action=argparse.BooleanOptionalAction, default=True,
                       help="어텐션 모델 (기본). --no-attention: 책 7장의 Peeky seq2seq")
    model.add_argument("--model", choices=["attention", "peeky", "seq2seq"], default=None,
                       help="모델을 직접 지정 (--attention보다 우선)")
    model.add_argument("--bidirectional", action="store_true", help="양방향 LSTM 인코더")
    model.add_argument("--reverse", action="store_true", help="입력을 거꾸로 읽기 (책 7.4.1)")
    model.add_argument("--layers", type=int, default=1, help="LSTM 층 수 (기본 1)")
    model.add_argument("--embedding", type=int, default=64, help="임베딩 크기 (기본 64)")
    model.add_argument("--hidden", type=int, default=256, help="은닉 크기 (기본 256)")
    model.add_argument("--dropout", type=float, default=0.0)
    model.add_argument("--epochs", type=int, default=10,
                       help="전체 에폭 수 (기본 10; --resume 때도 처음부터 센 전체 수)")
    model.add_argument("--batch-size", type=int, default=64)
    model.add_argument("--lr", type=float, default=0.001, help="Adam 학습률 (기본 0.001)")
    model.add_argument("--max-grad", type=float, default=5.0, help="기울기 클리핑 노름 (기본 5)")
    model.add_argument("--patience", type=int, default=3,
                       help="검증 BLEU가 이 에폭 수만큼 나아지지 않으면 조기 종료 (기본 3)")
    model.add_argument("--min-count", type=int, default=1, help="어휘에 넣을 최소 빈도")
    model.add_argument("--max-vocab", type=int, default=None, help="쪽마다 어휘 최대 크기")
    model.add_argument("--max-length", type=int, default=100,
                       help="이보다 토큰이 많은 쌍은 학습에서 제외하고 개수를 보고 (기본 100)")
    model.add_argument("--checkpoint-dir", metavar="DIR",
                       help="에폭마다 last/, 검증 최고 모델은 best/에 저장")
    model.add_argument("--resume", metavar="DIR", help="이 --checkpoint-dir에서 이어서 학습")
    model.add_argument("--jobs", type=int, default=1, help="토큰화 프로세스 수")
    add_common(p)
    p.set_defaults(func=_dispatch)
