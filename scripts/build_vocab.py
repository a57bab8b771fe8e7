"""Build a vocabulary file (``vocab.txt``: token<TAB>count) from a tokenized or raw corpus.

Streaming: only the counts stay in memory. The input is the output of
``scripts/tokenize_corpus.py`` (its folder, or ``tokens.txt``: one sentence per line, tokens
separated by spaces), or raw text with ``--tokenizer``::

    python scripts/build_vocab.py out/ -o vocab.txt --min-count 5
    python scripts/build_vocab.py corpus/ --tokenizer okt --jobs 2 -o vocab.txt
    python scripts/build_vocab.py corpus/ --tokenizer okt --scheduler local:4 -o vocab.txt

A thin wrapper over :func:`hangul_dl.batch.build_vocab` and ``Vocabulary.save_txt``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hangul_dl.batch import build_vocab
from hangul_dl.cli.common import (
    alias,
    positive_int,
    run_command,
    script_options,
    skip_bad_option,
    tokenizing_where,
    where_options,
)


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    p = argparse.ArgumentParser(
        prog="build_vocab.py",
        description="토큰 파일(tokenize_corpus.py의 출력) 또는 원문+토크나이저로 어휘 파일"
                    "(vocab.txt: token<TAB>count)을 만듭니다. 빈도만 메모리에 둡니다.")
    p.add_argument("inputs", nargs="+", metavar="IN",
                   help="tokenize_corpus.py 출력 폴더나 tokens.txt, --tokenizer를 주면 원문 파일/폴더")
    p.add_argument("-o", "--output", required=True, metavar="VOCAB", help="어휘 파일 (vocab.txt)")
    p.add_argument("--tokenizer", default=None,
                   help="입력이 원문일 때 쓸 토크나이저 (okt, char, ...); 없으면 입력은 토큰")
    p.add_argument("--min-count", type=positive_int, default=1, help="최소 빈도 (기본 1)")
    p.add_argument("--max-vocab", type=positive_int, default=None,
                   help="어휘 최대 크기, 특수 토큰 4개 포함 (기본 제한 없음)")
    alias(p, "--max-size", "max_vocab", type=positive_int)
    where_options(p)  # where --tokenizer runs: --jobs N, or --scheduler ADDRESS|local:N
    skip_bad_option(p)
    script_options(p)
    p.set_defaults(check_inputs=("inputs",), check_outputs={"output": "file"})
    return p


def _run(args: argparse.Namespace) -> int:
    source = args.inputs if len(args.inputs) > 1 else args.inputs[0]
    with tokenizing_where(args) as executor:  # a cluster is reached before any work
        vocab, stats = build_vocab(source, tokenizer=args.tokenizer, min_count=args.min_count,
                                   max_size=args.max_vocab, n_jobs=args.jobs,
                                   errors="skip" if args.skip_bad_lines else "raise",
                                   quiet=args.quiet, executor=executor)
    vocab.save_txt(args.output)
    # Each skipped line (file:line: reason) was logged once by the reader; here only the count.
    if not args.quiet:
        print(f"어휘 {len(vocab):,}개 (토큰 {vocab.n_tokens_:,}개, 문장 {vocab.n_sequences_:,}개, "
              f"읽은 줄 {stats.lines_read:,}, 빈 줄 {stats.empty:,}"
              + (f", 건너뛴 잘못된 줄 {stats.skipped:,}" if stats.skipped else "")
              + f") → {args.output}")
    elif stats.skipped:
        print(f"경고: 잘못된 줄 {stats.skipped:,}개를 건너뛰었습니다 "
              "(줄마다의 위치와 이유는 -q 없이 실행하면 보입니다)", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status (2 on bad input, 130 after Ctrl-C)."""
    return run_command(build_parser(), _run, argv)


if __name__ == "__main__":
    sys.exit(main())
