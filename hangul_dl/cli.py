"""The ``hangul-dl`` command line.

Each subcommand is a small function over the public API. Every command accepts ``--quiet``,
``--device cpu|gpu|auto`` and ``--seed``; on bad input it prints one line starting with
``hangul-dl: error:`` and exits with status 2 (130 after Ctrl-C).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import HangulDLError

__all__ = ["build_parser", "main"]

log = logging.getLogger("hangul_dl")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", "-q", action="store_true", help="진행 표시줄과 안내 출력 끄기")
    parser.add_argument("--device", default=None, choices=["cpu", "gpu", "auto"],
                        help="계산 장치 (기본: HANGUL_DL_DEVICE 환경 변수, 없으면 cpu)")
    parser.add_argument("--seed", type=int, default=0, help="난수 시드 (기본 0)")
    parser.add_argument("--verbose", "-v", action="count", default=0,
                        help="자세한 기록 (-v: 정보, -vv: 디버그)")


# -- demo ------------------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    result = run_demo(output=args.output, quick=args.quick, quiet=args.quiet, seed=args.seed,
                      device=args.device)
    print(f"데모 완료: {result.output}")
    for name, value in result.metrics.items():
        print(f"  {name:<28} {value:,.4f}" if value % 1 else f"  {name:<28} {value:,.0f}")
    for prompt, texts in result.generated.items():
        print(f"\n프롬프트 {prompt!r}:")
        for text in texts:
            print(f"  - {text}")
    print("\n만든 파일:")
    for path in result.files.values():
        print(f"  {path}")
    return 0


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="기본 데모 실행 (내장 데이터)",
                       description="내장 데이터로 전체 흐름을 보여 주는 데모를 실행합니다.")
    p.add_argument("-o", "--output", default="hangul_dl_demo", help="결과 폴더 (기본 hangul_dl_demo)")
    p.add_argument("--quick", action="store_true", help="1분 안에 끝나는 축소판 (스모크 테스트용)")
    _common(p)
    p.set_defaults(func=_cmd_demo)


# -- the Korean front end --------------------------------------------------------------------------
def _write_lines(lines, output: str | None) -> int:
    """Write lines to ``output`` atomically (or to stdout); returns how many were written."""
    from .io import atomic_open

    count = 0
    if output is None:
        for line in lines:
            sys.stdout.write(line + "\n")
            count += 1
        return count
    with atomic_open(output, "w") as f:
        for line in lines:
            f.write(line + "\n")
            count += 1
    return count


def _token_lines(args: argparse.Namespace):
    """Token lists of every input line (empty lines kept), through the cache unless disabled."""
    from .text.cache import cached_tokenize, read_cached
    from .text.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(args.tokenizer)
    try:
        if args.no_cache:
            from .text.corpus import TextCorpus

            lines = TextCorpus(args.input, errors="raise", skip_empty=False, strip=False)
            yield from tokenizer.pipe(lines, n_jobs=args.jobs, quiet=args.quiet)
        else:
            path = cached_tokenize(args.input, tokenizer, n_jobs=args.jobs, quiet=args.quiet,
                                   as_path=True)
            yield from read_cached(path)
    finally:
        tokenizer.close()


def _cmd_tokenize(args: argparse.Namespace) -> int:
    count = _write_lines((" ".join(tokens) for tokens in _token_lines(args)), args.output)
    if args.output:
        print(f"토큰화 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_detokenize(args: argparse.Namespace) -> int:
    from .text.corpus import TextCorpus
    from .text.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(args.tokenizer)
    lines = TextCorpus(args.input, errors="raise", skip_empty=False, strip=False)
    count = _write_lines((tokenizer.detokenize(line.split()) for line in lines), args.output)
    if args.output:
        print(f"복원 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_vocab(args: argparse.Namespace) -> int:
    from .text.vocab import Vocabulary

    if args.tokenized:
        from .text.corpus import TextCorpus

        token_lists = (line.split() for line in TextCorpus(args.input, errors="raise"))
    else:
        token_lists = (tokens for tokens in _token_lines(args) if tokens)  # empty lines: no sentence
    vocab = Vocabulary(min_count=args.min_count, max_size=args.max_size).fit(token_lists)
    vocab.save_txt(args.output)
    print(f"어휘 {len(vocab):,}개 (토큰 {vocab.n_tokens_:,}개, 문장 {vocab.n_sequences_:,}개) "
          f"→ {args.output}")
    return 0


def _tokenizer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tokenizer", default="okt",
                   help="okt(기본), komoran, kkma, hannanum, mecab, char, jamo, whitespace; "
                        '옵션은 "okt:pos=true"처럼')
    p.add_argument("--jobs", type=int, default=1, help="작업 프로세스 수 (각자 JVM 사용)")
    p.add_argument("--no-cache", action="store_true", help="토큰화 캐시를 쓰지 않음")


def _add_text(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokenize", help="한국어 텍스트 토큰화 (한 줄 입력 → 한 줄 출력)",
                       description="입력의 각 줄을 토큰으로 나눠 공백으로 이어 씁니다. 어절 첫 토큰의 "
                                   "▁ 표시가 남아 있어 detokenize로 원문을 복원할 수 있습니다.")
    p.add_argument("input", metavar="IN", help="UTF-8 텍스트 파일 (.gz 가능)")
    p.add_argument("-o", "--output", metavar="OUT", help="출력 파일 (없으면 표준 출력)")
    _tokenizer_options(p)
    _common(p)
    p.set_defaults(func=_cmd_tokenize)

    p = sub.add_parser("detokenize", help="tokenize 출력을 자연스러운 문장으로 복원")
    p.add_argument("input", metavar="IN")
    p.add_argument("-o", "--output", metavar="OUT")
    p.add_argument("--tokenizer", default="okt", help="토큰을 만든 토크나이저 (jamo면 자모를 합침)")
    _common(p)
    p.set_defaults(func=_cmd_detokenize)

    p = sub.add_parser("vocab", help="어휘 사전 만들기 (token<TAB>count)")
    p.add_argument("input", metavar="IN", help="텍스트 파일, 또는 --tokenized면 tokenize 출력")
    p.add_argument("-o", "--output", required=True, metavar="VOCAB", help="어휘 파일 (vocab.txt)")
    p.add_argument("--min-count", type=int, default=1, help="최소 빈도 (기본 1)")
    p.add_argument("--max-size", type=int, default=None, help="최대 크기 (특수 토큰 포함)")
    p.add_argument("--tokenized", action="store_true", help="입력이 이미 토큰화된 파일")
    _tokenizer_options(p)
    _common(p)
    p.set_defaults(func=_cmd_vocab)


# -- language models -----------------------------------------------------------------------------
def _read_lines(path: str, skip_bad: bool = False) -> list[str]:
    """Sentences of a text file/directory (.gz too); bad lines fatal unless ``skip_bad``."""
    from .text.corpus import TextCorpus

    corpus = TextCorpus(path, errors="skip" if skip_bad else "raise")
    lines = list(corpus)
    if corpus.stats.skipped:
        print(f"경고: {path}에서 잘못된 줄 {corpus.stats.skipped}개를 건너뛰었습니다.\n"
              f"{corpus.stats.report()}", file=sys.stderr)
    return lines


def _cmd_lm_train(args: argparse.Namespace) -> int:
    from .lm.language_model import LanguageModel

    sentences = _read_lines(args.input, args.skip_bad_lines)
    valid = _read_lines(args.valid, args.skip_bad_lines) if args.valid else None
    lm = LanguageModel.train(
        sentences, tokenizer=args.tokenizer, valid_sentences=valid, min_count=args.min_count,
        max_vocab=args.max_vocab, embedding_size=args.embedding, hidden_size=args.hidden,
        num_layers=args.layers, cell=args.cell, dropout=args.dropout, tie_weights=args.tie,
        optimizer=args.optimizer, lr=args.lr, max_epoch=args.epochs, batch_size=args.batch_size,
        time_size=args.bptt, max_grad=args.max_grad, device=args.device, seed=args.seed,
        quiet=args.quiet, checkpoint_dir=args.checkpoint_dir, resume=args.resume,
        n_jobs=args.jobs)
    lm.save(args.output)
    epochs = lm.trainer.epochs
    print(f"언어 모델 저장: {args.output}  (어휘 {len(lm.vocab):,}개, 매개변수 "
          f"{lm.model.num_params():,}개)")
    if len(epochs):
        last = epochs.iloc[-1]
        text = f"  에폭 {int(last['epoch'])}: 학습 퍼플렉서티 {math.exp(last['loss']):.2f}"
        if "val_perplexity" in epochs:
            text += f", 검증 퍼플렉서티 {last['val_perplexity']:.2f}"
        print(text)
    if lm.trainer.interrupted:
        print("학습이 중단되었습니다. 지금까지의 모델을 저장했습니다.", file=sys.stderr)
        return 130
    return 0


def _cmd_lm_eval(args: argparse.Namespace) -> int:
    from .lm.language_model import LanguageModel

    lm = LanguageModel.load(args.model)
    ppl = lm.perplexity(_read_lines(args.input, args.skip_bad_lines))
    print(f"퍼플렉서티 {ppl:.3f}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from .backend import resolve_device
    from .lm.language_model import LanguageModel

    lm = LanguageModel.load(args.model)
    if resolve_device(args.device) == "gpu":
        lm.model.to_gpu()
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
    p.add_argument("--epochs", type=int, default=4, help="에폭 수 (기본 4)")
    p.add_argument("--batch-size", type=int, default=20)
    p.add_argument("--bptt", type=int, default=35, help="BPTT 길이 (기본 35)")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "adagrad",
                                                           "rmsprop", "adam"])
    p.add_argument("--lr", type=float, default=20.0, help="학습률 (기본 20, SGD 기준)")
    p.add_argument("--max-grad", type=float, default=0.25, help="기울기 클리핑 노름 (기본 0.25)")
    p.add_argument("--min-count", type=int, default=1, help="어휘에 넣을 최소 빈도")
    p.add_argument("--max-vocab", type=int, default=None, help="어휘 최대 크기 (특수 토큰 포함)")
    p.add_argument("--valid", metavar="FILE", help="검증 텍스트 (에폭마다 퍼플렉서티)")
    p.add_argument("--checkpoint-dir", metavar="DIR", help="에폭마다 체크포인트(best, last) 저장")
    p.add_argument("--resume", metavar="CKPT", help="이 체크포인트(…/last)에서 이어서 학습")
    p.add_argument("--jobs", type=int, default=1, help="토큰화 프로세스 수")
    p.add_argument("--skip-bad-lines", action="store_true",
                   help="잘못된 UTF-8 줄을 오류 대신 건너뛰고 개수를 보고")
    _common(p)
    p.set_defaults(func=_cmd_lm_train)

    p = lm_sub.add_parser("eval", help="퍼플렉서티 평가")
    p.add_argument("model", metavar="DIR")
    p.add_argument("input", metavar="IN")
    p.add_argument("--skip-bad-lines", action="store_true")
    _common(p)
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
    _common(p)
    p.set_defaults(func=_cmd_generate)


_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_demo, _add_text, _add_lm, _add_generate]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="hangul-dl",
        description="hangul_dl: 밑바닥부터 만드는 한국어 NLP (KoNLPy + NumPy/CuPy)")
    parser.add_argument("--version", action="version", version=f"hangul-dl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(getattr(args, "verbose", 0), logging.DEBUG)
    logging.basicConfig(level=logging.ERROR if args.quiet else level,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except HangulDLError as exc:
        print(f"hangul-dl: error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"hangul-dl: error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hangul-dl: interrupted", file=sys.stderr)
        return 130
