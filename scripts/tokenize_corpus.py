"""Tokenize a large corpus (a file or a directory of .txt/.gz files) into tokens and IDs.

Resumable: finished shards are kept in ``OUT/.parts/``; running the same command again after
an interruption (Ctrl-C, a kill, a crash) skips them and tokenizes only the rest, and the final
``OUT/tokens.txt`` / ``OUT/ids.npy`` are byte-identical to an uninterrupted run. A changed input
file or tokenizer invalidates the shards it affects (the log says which). ``--force`` redoes all.

    python scripts/tokenize_corpus.py corpus/ -o out/ --tokenizer okt --jobs 2 --vocab vocab.txt
    python scripts/tokenize_corpus.py corpus/ -o out/ --scheduler tcp://10.0.0.5:8786   # Dask

Outputs: ``OUT/tokens.txt`` (one line per input line, tokens joined by spaces with the ``▁``
word marks, so ``hangul-dl detokenize OUT/tokens.txt`` restores the text), ``OUT/ids.npy``
(with ``--vocab``: int32, ``<eos>`` after each non-empty line) and ``OUT/manifest.json``.
A thin wrapper over :class:`hangul_dl.batch.TokenizeJob`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hangul_dl.batch import TokenizeJob
from hangul_dl.cli.common import (
    positive_int,
    run_command,
    script_options,
    skip_bad_option,
    tokenizer_help,
    tokenizing_where,
    where_options,
)


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    p = argparse.ArgumentParser(
        prog="tokenize_corpus.py",
        description="큰 말뭉치(파일 또는 .txt/.gz 폴더)를 샤드 단위로 토큰화합니다. 끝난 샤드는 "
                    "OUT/.parts에 남으므로, 중단된 뒤 같은 명령을 다시 실행하면 이어서 합니다 "
                    "(기본 동작). 결과는 중단 없이 실행한 것과 바이트 단위로 같습니다.")
    p.add_argument("inputs", nargs="+", metavar="IN", help="UTF-8 텍스트 파일 또는 폴더 (.gz 가능)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="출력 폴더 (tokens.txt, ids.npy, manifest.json, .parts/)")
    p.add_argument("--tokenizer", default="okt", help=tokenizer_help("okt"))
    p.add_argument("--vocab", metavar="VOCAB", help="어휘 파일(vocab.txt): 주면 ids.npy도 씁니다")
    where_options(p)
    p.add_argument("--shard-lines", type=positive_int, default=10_000,
                   help="샤드 하나의 줄 수 (중단 시 잃는 작업 단위, 기본 10000)")
    p.add_argument("--batch-size", type=positive_int, default=256, help="스레드·작업 프로세스에 한 번에 보내는 줄 수")
    skip_bad_option(p)
    p.add_argument("--force", action="store_true", help="끝난 샤드도 모두 다시 처리")
    p.add_argument("--no-keep-parts", action="store_true",
                   help="끝나면 .parts/를 지움 (디스크 절약; 다음 실행은 처음부터)")
    script_options(p)
    p.set_defaults(check_inputs=("inputs", "vocab"), check_outputs={"output": "dir"})
    return p


def _run(args: argparse.Namespace) -> int:
    with tokenizing_where(args) as executor:  # a cluster is reached before any work
        return _run_job(args, executor)


def _run_job(args: argparse.Namespace, executor: object) -> int:
    job = TokenizeJob(args.inputs if len(args.inputs) > 1 else args.inputs[0], args.output,
                      tokenizer=args.tokenizer, vocab=args.vocab, shard_lines=args.shard_lines,
                      n_jobs=args.jobs, batch_size=args.batch_size,
                      errors="skip" if args.skip_bad_lines else "raise", force=args.force,
                      keep_parts=not args.no_keep_parts, quiet=args.quiet, executor=executor)
    try:
        r = job.run()
    except KeyboardInterrupt:
        done = len(list(job.parts_dir.glob("*.json"))) if job.parts_dir.is_dir() else 0
        print(f"중단됨: 끝난 샤드 {done}개가 {job.parts_dir}에 남아 있습니다. "
              "같은 명령을 다시 실행하면 이어서 합니다.", file=sys.stderr)
        raise
    # Each skipped line (file:line: reason) was logged once by the reader; here only the count.
    if args.quiet and r.bad:
        print(f"경고: 잘못된 줄 {r.bad:,}개를 건너뛰었습니다 (출력은 빈 줄; 줄마다의 위치와 "
              "이유는 -q 없이 실행하면 보입니다)", file=sys.stderr)
    if not args.quiet:
        redone = ", ".join(f"{_REASONS.get(k, k)} {v}" for k, v in r.redone.items())
        print(f"토큰화 완료: {r.lines:,}줄 (파일 {r.files}개) → 토큰 {r.tokens:,}개, "
              f"문장 {r.sentences:,}개 → {r.tokens_path}\n"
              f"  샤드 {r.shards}개: 새로 처리 {r.done}, 이어받음 {r.resumed}"
              + (f" (다시 처리: {redone})" if redone else "") + f"; 빈 줄 {r.empty:,}개"
              + (f", 건너뛴 잘못된 줄 {r.bad:,}개" if r.bad else "")
              + (f"\n  ID: {r.ids_path} (int32, {r.tokens + r.sentences:,}개)" if r.ids_path else ""))
    return 0


_REASONS = {"input changed": "입력 변경", "tokenizer changed": "토크나이저 변경",
            "damaged part": "손상된 샤드", "forced": "--force"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status (2 on bad input, 130 after Ctrl-C)."""
    return run_command(build_parser(), _run, argv)


if __name__ == "__main__":
    sys.exit(main())
