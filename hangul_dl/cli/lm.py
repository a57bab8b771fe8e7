"""Language-model commands: ``lm train``, ``lm eval`` and ``generate``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import (
    add_command,
    add_common,
    check_tokenizer,
    exit_status_of_training,
    given,
    library_arg,
    network_options,
    positive_float,
    positive_int,
    read_lines,
    tokenizer_options,
    tokenizing_where,
    training_options,
)

__all__ = ["register"]


def _text_source(path: str, skip_bad: bool, no_cache: bool = False) -> str | list[str]:
    """A plain file is passed on by path (tokenized once into the cache, then streamed); a
    directory, ``--skip-bad-lines`` or ``--no-cache`` is read into a list of lines first."""
    if not skip_bad and not no_cache and Path(path).is_file():
        return path
    return read_lines(path, skip_bad)


#: ``lm train`` options → LanguageModel parameters (recipe keys); None means the library default.
_LM_PARAMS = ("cell", "embedding_size", "hidden_size", "num_layers", "dropout", "tie_weights",
              "optimizer", "lr", "lr_decay", "max_epoch", "batch_size", "time_size", "max_grad",
              "patience", "min_count", "max_vocab", "checkpoint_dir", "checkpoint_every")


def _lm_flops(args: argparse.Namespace) -> float:
    from ..threads import gemm_flops

    hidden = args.hidden_size or 100
    return gemm_flops(args.batch_size or 20, hidden, 4 * hidden)


def _cmd_lm_train(args: argparse.Namespace) -> int:
    from ..lm.language_model import LanguageModel

    check_tokenizer(args.tokenizer)
    vocab = None
    if args.vocab:  # the output of hangul-dl vocab (same tokenizer)
        from ..text.vocab import Vocabulary

        vocab = Vocabulary.load_txt(args.vocab)
    lm = LanguageModel(
        args.tokenizer, device=args.device, seed=args.seed, quiet=args.quiet, n_jobs=args.jobs,
        **given(args, **{name: name for name in _LM_PARAMS}))
    with tokenizing_where(args):  # a cluster is reached before anything is read
        sentences = _text_source(args.input, args.skip_bad_lines, args.no_cache)
        valid = _text_source(args.valid, args.skip_bad_lines, args.no_cache) if args.valid \
            else None
        # the model's TextEncoder (the one text → IDs path) tokenizes on the block's executor
        lm.fit(sentences, vocab=vocab, valid=valid, resume=args.resume)
    lm.save(args.output)
    epochs = lm.trainer_.epochs
    print(f"언어 모델 저장: {args.output}  (어휘 {len(lm.vocab_):,}개, 매개변수 "
          f"{lm.model_.num_params():,}개)")
    if len(epochs):
        last = epochs.iloc[-1]
        text = f"  에폭 {int(last['epoch'])}: 학습 퍼플렉서티 {last['perplexity']:.2f}"
        if "val_perplexity" in epochs:
            text += f", 검증 퍼플렉서티 {last['val_perplexity']:.2f}"
        print(text)
    return exit_status_of_training(
        lm.trainer_, Path(args.checkpoint_dir) / "last" if args.checkpoint_dir else None)


def _load_lm(directory: str):
    """The language model saved in ``directory``: by ``lm train`` or as the last step of a
    pipeline (``hangul-dl run``/``demo`` output)."""
    from ..lm.language_model import LanguageModel
    from ..pipeline import load_model

    return load_model(directory, LanguageModel, "pass a folder written by 'hangul-dl lm train' "
                      "or a recipe's language model")


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
    from .run import add_eval_alias

    lm = add_command(sub, "lm", "RNN/LSTM/GRU 언어 모델 학습 (평가는 hangul-dl eval)")
    lm_sub = lm.add_subparsers(dest="lm_command", metavar="SUBCOMMAND")
    lm_sub.required = True

    p = add_command(lm_sub, "train", "텍스트로 언어 모델 학습",
                    "한 줄에 한 문장인 텍스트(파일, 폴더, .gz)로 언어 모델을 학습해 DIR에 저장합니다. "
                    "옵션 이름은 레시피 키와 같고(--hidden-size = hidden_size), 주지 않은 옵션은 "
                    "라이브러리 기본값(LanguageModel)을 씁니다.")
    p.add_argument("input", metavar="IN", help="학습 텍스트 (파일, 폴더, .gz)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="모델을 저장할 폴더")
    m = p.add_argument_group("모델")
    lib = ("LanguageModel",)
    library_arg(m, "--cell", choices=["rnn", "lstm", "gru"], default_of=(*lib, "cell"),
                help="순환 셀 (기본 {default})")
    network_options(m, "LanguageModel")
    library_arg(m, "--tie-weights", action="store_true", default_of=(*lib, "tie_weights"),
                aliases=("--tie",), help="임베딩과 출력층 가중치 공유 (기본 {default})")
    t = p.add_argument_group("학습")
    training_options(t, "LanguageModel")
    library_arg(t, "--time-size", type=positive_int, default_of=(*lib, "time_size"),
                aliases=("--bptt",), help="Truncated BPTT 길이 (기본 {default})")
    library_arg(t, "--optimizer", choices=["sgd", "momentum", "adagrad", "rmsprop", "adam"],
                default_of=(*lib, "optimizer"), help="옵티마이저 (기본 {default})")
    library_arg(t, "--lr", type=positive_float, default_of=(*lib, "lr"), none="옵티마이저별 기본값",
                help="학습률 (기본 {default}; 주지 않으면 옵티마이저에 맞는 라이브러리 기본값)")
    library_arg(t, "--lr-decay", type=positive_float, default_of=(*lib, "lr_decay"), none="줄이지 않음",
                help="검증 퍼플렉서티가 나빠지면 학습률을 이 값으로 나눔 (기본 {default})")
    library_arg(t, "--patience", type=positive_int, default_of=(*lib, "patience"), none="조기 종료 없음",
                help="--valid의 퍼플렉서티가 이 에폭 수만큼 나아지지 않으면 멈추고 최고 에폭의 가중치를 씀 "
                     "(기본 {default})")
    p.add_argument("--vocab", metavar="VOCAB",
                   help="hangul-dl vocab이 만든 어휘 파일을 씀 (같은 --tokenizer로 만든 것; "
                        "주면 --min-count, --max-vocab은 쓰지 않음)")
    p.add_argument("--valid", metavar="FILE", help="검증 텍스트 (에폭마다 퍼플렉서티)")
    p.add_argument("--checkpoint-dir", metavar="DIR",
                   help="체크포인트 폴더: 에폭마다, --checkpoint-every 스텝마다, Ctrl-C 때 last/ 저장, "
                        "검증 최고 모델은 best/")
    p.add_argument("--checkpoint-every", type=positive_int, metavar="STEPS",
                   help="이 스텝 수마다 last/ 체크포인트 저장 (긴 에폭용)")
    p.add_argument("--resume", metavar="CKPT", help="이 체크포인트(…/last)에서 이어서 학습")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_lm_train, workload=_lm_flops, check_inputs=("input", "valid", "resume", "vocab"),
                   check_outputs={"output": "dir", "checkpoint_dir": "dir"})

    add_eval_alias(lm_sub, "eval", positional="text")


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "generate", "학습한 언어 모델로 한국어 문장 생성",
                    "프롬프트를 모델의 토크나이저로 나눈 뒤 이어지는 문장을 생성합니다.")
    p.add_argument("model", metavar="DIR",
                   help="hangul-dl lm train이 만든 폴더, 또는 레시피 결과의 언어 모델 폴더")
    p.add_argument("--prompt", default="", help='시작 문구 (예: "대한민국은"; 기본: 빈 문구)')
    p.add_argument("--max-tokens", type=positive_int, default=50, help="생성할 최대 토큰 수 (기본 50)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="샘플링 온도, 0이면 탐욕적 생성 (기본 1.0)")
    p.add_argument("--top-k", type=positive_int, default=None,
                   help="확률 상위 k개 토큰에서만 샘플링 (기본: 제한 없음)")
    p.add_argument("--top-p", type=float, default=None,
                   help="누적 확률 p까지의 토큰에서만 샘플링 (nucleus; 기본: 제한 없음)")
    p.add_argument("--repetition-penalty", type=float, default=1.0,
                   help="이미 나온 토큰의 확률을 이 값으로 낮춤 (기본 1.0 = 없음)")
    p.add_argument("--no-repeat-ngram", type=int, default=0,
                   help="이 길이의 n-gram이 반복되지 않게 함 (기본 0 = 끔)")
    p.add_argument("--beam", type=positive_int, default=1, help="빔 크기 (1이면 샘플링, 기본 1)")
    p.add_argument("-n", type=positive_int, default=1, help="생성할 문장 수 (기본 1)")
    add_common(p)
    p.set_defaults(func=_cmd_generate, check_inputs=("model",))


def register(sub: argparse._SubParsersAction) -> None:
    _add_lm(sub)
    _add_generate(sub)
