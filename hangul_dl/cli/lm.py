"""Language-model commands: ``lm train``, ``lm eval`` and ``generate``."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .common import add_common, read_lines

__all__ = ["register"]


def _text_source(path: str, skip_bad: bool) -> str | list[str]:
    """A plain file is passed on by path (tokenized once into the cache, then streamed); a
    directory, or ``--skip-bad-lines``, is read into a list of lines first."""
    if not skip_bad and Path(path).is_file():
        return path
    return read_lines(path, skip_bad)


def _cmd_lm_train(args: argparse.Namespace) -> int:
    from ..lm.language_model import LanguageModel

    sentences = _text_source(args.input, args.skip_bad_lines)
    valid = _text_source(args.valid, args.skip_bad_lines) if args.valid else None
    lm = LanguageModel.train(
        sentences, tokenizer=args.tokenizer, valid_sentences=valid, min_count=args.min_count,
        max_vocab=args.max_vocab, embedding_size=args.embedding, hidden_size=args.hidden,
        num_layers=args.layers, cell=args.cell, dropout=args.dropout, tie_weights=args.tie,
        optimizer=args.optimizer, lr=args.lr, max_epoch=args.epochs, batch_size=args.batch_size,
        time_size=args.bptt, max_grad=args.max_grad, device=args.device, seed=args.seed,
        quiet=args.quiet, checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=args.checkpoint_every, resume=args.resume,
        n_jobs=args.jobs)
    lm.save(args.output)
    epochs = lm.trainer_.epochs
    print(f"언어 모델 저장: {args.output}  (어휘 {len(lm.vocab_):,}개, 매개변수 "
          f"{lm.model_.num_params():,}개)")
    if len(epochs):
        last = epochs.iloc[-1]
        text = f"  에폭 {int(last['epoch'])}: 학습 퍼플렉서티 {math.exp(last['loss']):.2f}"
        if "val_perplexity" in epochs:
            text += f", 검증 퍼플렉서티 {last['val_perplexity']:.2f}"
        print(text)
    if lm.trainer_.interrupted:
        hint = (f" 이어서 학습: 같은 명령에 --resume {Path(args.checkpoint_dir) / 'last'}"
                if args.checkpoint_dir else "")
        print(f"학습이 중단되었습니다. 지금까지의 모델을 저장했습니다.{hint}", file=sys.stderr)
        return 130
    return 0


def _load_lm(directory: str):
    """The language model saved in ``directory``: by ``lm train`` or as the last step of a
    pipeline (``hangul-dl run``/``demo`` output)."""
    from ..lm.language_model import LanguageModel
    from ..pipeline import load_model

    return load_model(directory, LanguageModel, "pass a folder written by 'hangul-dl lm train' "
                      "or a recipe's language model")


def _cmd_lm_eval(args: argparse.Namespace) -> int:

    lm = _load_lm(args.model)
    ppl = lm.perplexity(read_lines(args.input, args.skip_bad_lines))
    print(f"퍼플렉서티 {ppl:.3f}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from ..backend import resolve_device

    lm = _load_lm(args.model)
    if resolve_device(args.device) == "gpu":
        lm.model_.to_gpu()
    texts = lm.generate(args.prompt, max_tokens=args.max_tokens, temperature=args.temperature,
                        top_k=args.top_k, top_p=args.top_p, beam=args.beam, n=args.n,
                        repetition_penalty=args.repetition_penalty,
                        no_repeat_ngram=args.no_repeat_ngram, seed=args.seed)
    for text in texts:
        print(text)
    return 0


def _add_lm(sub: argparse._SubParsersAction) -> None:
    lm = sub.add_parser("lm", help="RNN/LSTM/GRU 언어 모델 학습과 평가")
    lm_sub = lm.add_subparsers(dest="lm_command", metavar="SUBCOMMAND")
    lm_sub.required = True

    p = lm_sub.add_parser("train", help="텍스트로 언어 모델 학습",
                          description="한 줄에 한 문장인 텍스트(폴더, .gz 가능)로 언어 모델을 학습해 "
                                      "DIR에 저장합니다. 기본값은 책의 Rnnlm 설정입니다.")
    p.add_argument("input", metavar="IN", help="학습 텍스트 (파일, 폴더, .gz)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="모델을 저장할 폴더")
    p.add_argument("--tokenizer", default="okt", help="토크나이저 (okt, komoran, char, jamo, "
                                                      "whitespace ...; 기본 okt)")
    p.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    p.add_argument("--layers", type=int, default=1, help="층 수 (기본 1)")
    p.add_argument("--embedding", type=int, default=100, help="임베딩 크기 (기본 100)")
    p.add_argument("--hidden", type=int, default=100, help="은닉 크기 (기본 100)")
    p.add_argument("--dropout", type=float, default=0.0, help="드롭아웃 비율 (기본 0)")
    p.add_argument("--tie", action="store_true", help="임베딩과 출력층 가중치 공유")
    p.add_argument("--epochs", type=int, default=4,
                   help="전체 에폭 수 (기본 4; --resume 때도 처음부터 센 전체 수)")
    p.add_argument("--batch-size", type=int, default=20)
    p.add_argument("--bptt", type=int, default=35, help="BPTT 길이 (기본 35)")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "adagrad",
                                                           "rmsprop", "adam"])
    p.add_argument("--lr", type=float, default=20.0, help="학습률 (기본 20, SGD 기준)")
    p.add_argument("--max-grad", type=float, default=0.25, help="기울기 클리핑 노름 (기본 0.25)")
    p.add_argument("--min-count", type=int, default=1, help="어휘에 넣을 최소 빈도")
    p.add_argument("--max-vocab", type=int, default=None, help="어휘 최대 크기 (특수 토큰 포함)")
    p.add_argument("--valid", metavar="FILE", help="검증 텍스트 (에폭마다 퍼플렉서티)")
    p.add_argument("--checkpoint-dir", metavar="DIR",
                   help="체크포인트 폴더: 에폭마다, --checkpoint-every 스텝마다, Ctrl-C 때 last/ 저장, "
                        "검증 최고 모델은 best/")
    p.add_argument("--checkpoint-every", type=int, metavar="STEPS",
                   help="이 스텝 수마다 last/ 체크포인트 저장 (긴 에폭용)")
    p.add_argument("--resume", metavar="CKPT", help="이 체크포인트(…/last)에서 이어서 학습")
    p.add_argument("--jobs", type=int, default=1, help="토큰화 프로세스 수")
    p.add_argument("--skip-bad-lines", action="store_true",
                   help="잘못된 UTF-8 줄을 오류 대신 건너뛰고 개수를 보고")
    add_common(p)
    p.set_defaults(func=_cmd_lm_train)

    p = lm_sub.add_parser("eval", help="퍼플렉서티 평가")
    p.add_argument("model", metavar="DIR")
    p.add_argument("input", metavar="IN")
    p.add_argument("--skip-bad-lines", action="store_true")
    add_common(p)
    p.set_defaults(func=_cmd_lm_eval)


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="학습한 언어 모델로 한국어 문장 생성",
                       description="프롬프트를 모델의 토크나이저로 나눈 뒤 이어지는 문장을 생성합니다.")
    p.add_argument("model", metavar="DIR", help="hangul-dl lm train이 만든 폴더")
    p.add_argument("--prompt", default="", help='시작 문구 (예: "대한민국은")')
    p.add_argument("--max-tokens", type=int, default=50)
    p.add_argument("--temperature", type=float, default=1.0, help="0이면 탐욕적 생성")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--repetition-penalty", type=float, default=1.0)
    p.add_argument("--no-repeat-ngram", type=int, default=0)
    p.add_argument("--beam", type=int, default=1, help="빔 크기 (1이면 샘플링)")
    p.add_argument("-n", type=int, default=1, help="생성할 문장 수")
    add_common(p)
    p.set_defaults(func=_cmd_generate)


def register(sub: argparse._SubParsersAction) -> None:
    _add_lm(sub)
    _add_generate(sub)
