"""Front-end commands: ``tokenize``, ``detokenize`` and ``vocab``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from .common import (
    add_command,
    add_common,
    check_tokenizer,
    given,
    library_arg,
    positive_int,
    read_lines,
    report_skipped,
    skip_bad_option,
    text_encoder,
    tokenizer_help,
    tokenizer_options,
    tokenizing_where,
    write_lines,
)

__all__ = ["register"]


def _token_lines(args: argparse.Namespace) -> Iterator[list[str]]:
    """Token lists of every line of ``args.input`` (empty lines kept, bad ones skipped with
    ``--skip-bad-lines``): the encoder's tokenizing step, through the token cache unless
    ``--no-cache``, on the executor of the caller's ``tokenizing_where(args)`` block."""
    tokenizer = check_tokenizer(args.tokenizer)
    encoder = text_encoder(args, tokenizer)
    try:
        yield from encoder.tokens(args.input)
        report_skipped(args.input, encoder.skipped_lines)
    finally:
        tokenizer.close()


def _cmd_tokenize(args: argparse.Namespace) -> int:
    check_tokenizer(args.tokenizer)
    with tokenizing_where(args):  # a cluster is reached before anything is read or written
        count = write_lines((" ".join(tokens) for tokens in _token_lines(args)), args.output)
    if args.output:
        print(f"토큰화 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_detokenize(args: argparse.Namespace) -> int:
    from ..text.corpus import TextCorpus

    tokenizer = check_tokenizer(args.tokenizer)
    lines = (read_lines(args.input, True, skip_empty=False) if args.skip_bad_lines else
             TextCorpus(args.input, errors="raise", skip_empty=False, strip=False))
    count = write_lines((tokenizer.detokenize(line.split()) for line in lines), args.output)
    if args.output:
        print(f"복원 완료: {count:,}줄 → {args.output}", file=sys.stderr)
    return 0


def _cmd_vocab(args: argparse.Namespace) -> int:
    from ..text.vocab import Vocabulary

    if args.tokenized:
        lines = read_lines(args.input, args.skip_bad_lines)
        token_lists = (line.split() for line in lines)
    else:
        check_tokenizer(args.tokenizer)
        token_lists = (tokens for tokens in _token_lines(args) if tokens)  # empty lines: no sentence
    vocab = Vocabulary(**given(args, min_count="min_count", max_size="max_vocab"))
    vocab._checked_params()  # a bad setting fails before tokenizing
    with tokenizing_where(args) if not args.tokenized else contextlib.nullcontext():
        vocab.fit(token_lists)  # --tokenized: nothing to tokenize, no cluster to start
    vocab.save_txt(args.output)
    print(f"어휘 {len(vocab):,}개 (토큰 {vocab.n_tokens_:,}개, 문장 {vocab.n_sequences_:,}개) "
          f"→ {args.output}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "tokenize", "한국어 텍스트 토큰화 (한 줄 입력 → 한 줄 출력)",
                    "입력의 각 줄을 토큰으로 나눠 공백으로 이어 씁니다. 어절 첫 토큰의 ▁ 표시가 남아 "
                    "있어 detokenize로 원문을 복원할 수 있습니다.")
    p.add_argument("input", metavar="IN", help="UTF-8 텍스트 파일 또는 폴더 (.gz 가능)")
    p.add_argument("-o", "--output", metavar="OUT", help="출력 파일 (없으면 표준 출력)")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_tokenize, check_inputs=("input",), check_outputs={"output": "file"})

    p = add_command(sub, "detokenize", "tokenize 출력을 자연스러운 문장으로 복원",
                    "tokenize가 쓴 토큰 줄(▁ 표시 포함)을 원래 띄어쓰기의 문장으로 되돌립니다.")
    p.add_argument("input", metavar="IN", help="tokenize의 출력 파일 (한 줄에 한 문장의 토큰)")
    p.add_argument("-o", "--output", metavar="OUT", help="출력 파일 (없으면 표준 출력)")
    p.add_argument("--tokenizer", default="okt",
                   help="토큰을 만든 " + tokenizer_help("okt") + " (jamo면 자모를 합침)")
    skip_bad_option(p)
    add_common(p)
    p.set_defaults(func=_cmd_detokenize, check_inputs=("input",), check_outputs={"output": "file"})

    p = add_command(sub, "vocab", "어휘 사전 만들기 (token<TAB>count)",
                    "텍스트(또는 --tokenized면 tokenize의 출력)에서 빈도순 어휘 파일을 만듭니다.")
    p.add_argument("input", metavar="IN", help="텍스트 파일, 또는 --tokenized면 tokenize 출력")
    p.add_argument("-o", "--output", required=True, metavar="VOCAB", help="어휘 파일 (vocab.txt)")
    library_arg(p, "--min-count", type=positive_int, default_of=("Vocabulary", "min_count"),
                help="어휘에 넣을 최소 빈도 (기본 {default})")
    library_arg(p, "--max-vocab", type=positive_int, default_of=("Vocabulary", "max_size"), none="제한 없음",
                aliases=("--max-size",), help="어휘 최대 크기, 특수 토큰 포함 (기본 {default})")
    p.add_argument("--tokenized", action="store_true", help="입력이 이미 토큰화된 파일 (공백으로 나눔)")
    tokenizer_options(p)
    add_common(p)
    p.set_defaults(func=_cmd_vocab, check_inputs=("input",), check_outputs={"output": "file"})
