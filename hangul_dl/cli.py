"""The ``hangul-dl`` command line.

Each subcommand is a small function over the public API. Every command accepts ``--quiet``,
``--device cpu|gpu|auto`` and ``--seed``; on bad input it prints one line starting with
``hangul-dl: error:`` and exits with status 2 (130 after Ctrl-C).
"""

from __future__ import annotations

import argparse
import logging
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
        print(f"  {name:<28} {value:.4f}")
    print("만든 파일:")
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


_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_demo]


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
