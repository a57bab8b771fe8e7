"""Helpers shared by the ``hangul-dl`` subcommand modules: common options and line I/O."""

from __future__ import annotations

import argparse
import logging
import os
import select
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

__all__ = ["EXIT_BROKEN_PIPE", "add_common", "pair_file_options", "read_lines", "run_command",
           "stdout_reader_gone", "token_lines", "tokenizer_options", "write_lines"]

#: Exit status after the reader of stdout went away, as a shell reports death by SIGPIPE.
EXIT_BROKEN_PIPE = 141


def run_command(parser: argparse.ArgumentParser, command: Callable[[argparse.Namespace], int],
                argv: Sequence[str] | None = None,
                reword: Callable[[str], str] | None = None) -> int:
    """Parse ``argv``, set up logging (``--quiet``/``-v``) and run ``command(args)``: the one
    error policy of ``hangul-dl`` and ``scripts/*.py``.

    A :class:`~hangul_dl.errors.HangulDLError` or a file error becomes one line
    ``PROG: error: ...`` on stderr (``reword`` may adapt its wording) and exit status 2; Ctrl-C
    gives 130 (with the interrupt's message, e.g. how to resume); a reader of stdout that went
    away (``... | head -1``) gives 141, silently.
    """
    from ..errors import HangulDLError

    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", 0)
    level = logging.ERROR if getattr(args, "quiet", False) else (
        logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    prog = parser.prog
    try:
        return command(args)
    except HangulDLError as exc:
        message = reword(str(exc)) if reword else str(exc)
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        print(f"{prog}: error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # a message says what was kept and how to go on
        print(f"{prog}: interrupted{f': {exc}' if str(exc) else ''}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not stdout_reader_gone():
            raise
        return EXIT_BROKEN_PIPE


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--quiet``, ``--device``, ``--seed`` and ``-v``: every command has them."""
    parser.add_argument("--quiet", "-q", action="store_true", help="진행 표시줄과 안내 출력 끄기")
    parser.add_argument("--device", default=None, choices=["cpu", "gpu", "auto"],
                        help="계산 장치 (기본: HANGUL_DL_DEVICE 환경 변수, 없으면 cpu)")
    parser.add_argument("--seed", type=int, default=0, help="난수 시드 (기본 0)")
    parser.add_argument("--verbose", "-v", action="count", default=0,
                        help="자세한 기록 (-v: 정보, -vv: 디버그)")


def pair_file_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--src``/``--tgt`` (aligned files) and ``--tsv`` (two columns): translator data."""
    p.add_argument("--src", metavar="F", help="원문 파일 (한 줄에 한 문장)")
    p.add_argument("--tgt", metavar="F", help="번역문 파일 (--src와 줄 수가 같아야 함)")
    p.add_argument("--tsv", metavar="F", help="두 열(원문<TAB>번역문)의 TSV 파일")


def tokenizer_options(p: argparse.ArgumentParser, default: str = "okt") -> None:
    """``--tokenizer``, ``--jobs`` and ``--no-cache`` for commands that tokenize text."""
    p.add_argument("--tokenizer", default=default,
                   help=f"{default}(기본), okt, komoran, kkma, hannanum, mecab, char, jamo, whitespace; "
                        '옵션은 "okt:pos=true"처럼')
    p.add_argument("--jobs", type=int, default=1, help="작업 프로세스 수 (각자 JVM 사용)")
    p.add_argument("--no-cache", action="store_true", help="토큰화 캐시를 쓰지 않음")


def write_lines(lines: Iterable[str], output: str | None) -> int:
    """Write lines to ``output`` atomically (or to stdout); returns how many were written."""
    from ..io import atomic_open

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


def token_lines(args: argparse.Namespace) -> Iterator[list[str]]:
    """Token lists of every line of ``args.input`` (empty lines kept), through the token cache
    unless ``args.no_cache``; uses ``args.tokenizer``, ``args.jobs`` and ``args.quiet``."""
    from ..text.cache import cached_tokenize, read_cached
    from ..text.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(args.tokenizer)
    try:
        if args.no_cache:
            from ..text.corpus import TextCorpus

            lines = TextCorpus(args.input, errors="raise", skip_empty=False, strip=False)
            yield from tokenizer.pipe(lines, n_jobs=args.jobs, quiet=args.quiet)
        else:
            path = cached_tokenize(args.input, tokenizer, n_jobs=args.jobs, quiet=args.quiet,
                                   as_path=True)
            yield from read_cached(path)
    finally:
        tokenizer.close()


def read_lines(path: str, skip_bad: bool = False) -> list[str]:
    """Sentences of a text file/directory (.gz too); bad lines are fatal unless ``skip_bad``,
    in which case the reader logs each one (file:line: reason) and their count goes to stderr."""
    from ..text.corpus import TextCorpus

    corpus = TextCorpus(path, errors="skip" if skip_bad else "raise")
    lines = list(corpus)
    if corpus.stats.skipped:
        print(f"경고: {path}에서 잘못된 줄 {corpus.stats.skipped}개를 건너뛰었습니다.",
              file=sys.stderr)
    return lines


def stdout_reader_gone() -> bool:
    """After a ``BrokenPipeError``: was it stdout's reader that went away (``... | head -1``)?

    If so, stdout is pointed at ``os.devnull`` so that the final flush at exit cannot raise
    again (the recipe of the Python docs, "Note on SIGPIPE"), and the caller should exit
    quietly with :data:`EXIT_BROKEN_PIPE`. ``False`` means the broken pipe is another one (a
    worker process died, say): a real error to raise.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an in-memory stream
        return False
    if hasattr(select, "poll"):  # not on Windows: there, trust the exception
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        events = dict(poller.poll(0)).get(fd, 0)
        if not events & (select.POLLERR | select.POLLHUP):
            return False  # stdout still has a reader
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True
