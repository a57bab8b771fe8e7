"""The ``hangul-dl`` command line.

Each subcommand module (``demo``, ``text``, ``lm``, …) has ``register(sub)`` adding its
subparsers; its commands are small functions over the public API. Every command accepts
``--quiet``, ``--device cpu|gpu|auto`` and ``--seed``; on bad input it prints one line starting
with ``hangul-dl: error:`` and exits with status 2 (130 after Ctrl-C; 141, silently, when the
reader of its output goes away, as in ``hangul-dl detokenize big.txt | head -1``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import HangulDLError
from .common import EXIT_BROKEN_PIPE, stdout_reader_gone

__all__ = ["build_parser", "main"]

#: Subcommand modules, in the order their commands appear in ``--help``.
_MODULES = ("demo", "run", "text", "lm", "vectors", "translate")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="hangul-dl",
        description="hangul_dl: 밑바닥부터 만드는 한국어 NLP (KoNLPy + NumPy/CuPy)")
    parser.add_argument("--version", action="version", version=f"hangul-dl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
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
    except KeyboardInterrupt as exc:  # a message says what was kept and how to go on
        print(f"hangul-dl: interrupted{f': {exc}' if str(exc) else ''}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not stdout_reader_gone():
            raise
        return EXIT_BROKEN_PIPE
