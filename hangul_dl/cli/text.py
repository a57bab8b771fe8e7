"""Front-end commands: ``tokenize``, ``detokenize`` and ``vocab``."""

from __future__ import annotations

import argparse
import sys

from .common import add_common, token_lines, tokenizer_options, write_lines

__all__ = ["register"]


def _cmd_tokenize(args: argparse.Namespace) -> int:
    count = write_lines((" ".join(tokens) for tokens in token_lines(args)), args.output)
    if args.output:
        print(f"토큰화 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_detokenize(args: argparse.Namespace) -> int:
    from ..text.corpus import TextCorpus
    from ..text.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(args.tokenizer)
    lines = TextCorpus(args.input, errors="raise", skip_empty=False, strip=False)
    count = write_lines((tokenizer.detokenize(line.split()) for line in lines), args.output)
    if args.output:
        print(f"복원 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_vocab(args: argparse.Namespace) -> int:
    from ..text.vocab import Vocabulary

    if args.tokenized:
        from ..text.corpus import TextCorpus

        token_lists = (line.split() for line in TextCorpus(args.input, errors="raise"))
    else:
        token_lists = (tokens for tokens in token_lines(args) if tokens)  # empty lines: no sentence
    vocab = Vocabulary(min_count=args.min_count, max_size=args.max_size).fit(token_lists)
    vocab.save_txt(args.output)
    print(f"어휘 {len(vocab):,}개 (토큰 {vocab.n_tokens_:,}개, 문장 {vocab.n_sequences_:,}개) "
          f"→ {args.output}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokenize", help="한국어 텍스트 토큰화 (한 줄 입력 → 한 줄 출력)",
                       description="입력의 각 줄을 토큰으로 나눠 공백으로 이어 씁니다. 어절 첫 토큰의 "
                                   "▁ 표시가 남아 있어 detokenize로 원문을 복원할 수 있습니다.")
    p.add_argument("input", metavar="IN", help="UTF-8 텍스트 파일 (.gz 가능)")
    p.add_argument("-o", "--output", metavar="OUT", help="출력 파일 (없으면 표준 출력)")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_tokenize)

    p = sub.add_parser("detokenize", help="tokenize 출력을 자연스러운 문장으로 복원")
    p.add_argument("input", metavar="IN")
    p.add_argument("-o", "--output", metavar="OUT")
    p.add_argument("--tokenizer", default="okt", help="토큰을 만든 토크나이저 (jamo면 자모를 합침)")
    add_common(p)
    p.set_defaults(func=_cmd_detokenize)

    p = sub.add_parser("vocab", help="어휘 사전 만들기 (token<TAB>count)")
    p.add_argument("input", metavar="IN", help="텍스트 파일, 또는 --tokenized면 tokenize 출력")
    p.add_argument("-o", "--output", required=True, metavar="VOCAB", help="어휘 파일 (vocab.txt)")
    p.add_argument("--min-count", type=int, default=1, help="최소 빈도 (기본 1)")
    p.add_argument("--max-size", type=int, default=None, help="최대 크기 (특수 토큰 포함)")
    p.add_argument("--tokenized", action="store_true", help="입력이 이미 토큰화된 파일")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_vocab)
