"""The ``hangul-dl`` command line.

Each subcommand module (``demo``, ``text``, ``lm``, …) has ``register(sub)`` adding its
subparsers; its commands are small functions over the public API. One vocabulary: options are
named like the recipe keys (``--hidden-size`` ↔ ``hidden_size``), an option left out means the
library's default, and every command accepts ``--quiet``, ``--device cpu|gpu|auto``, ``--seed``
and ``--threads N`` (BLAS threads, :mod:`hangul_dl.threads`). Input files and output paths are
checked before any work; on bad input a command prints one line starting with
``hangul-dl: error:`` and exits with status 2 (130 after Ctrl-C; 141, silently, when the
reader of its output goes away, as in ``hangul-dl detokenize big.txt | head -1``). The
README's CLI table lists every command and option.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from .common import ArgumentParser, HelpFormatter, run_command

__all__ = ["build_parser", "main"]

#: Subcommand modules, in the order their commands appear in ``--help``.
_MODULES = ("demo", "run", "text", "lm", "vectors", "translate", "classify")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = ArgumentParser(
        prog="hangul-dl", formatter_class=HelpFormatter,
        description="hangul_dl: 밑바닥부터 만드는 한국어 NLP (KoNLPy + NumPy/CuPy)")
    parser.add_argument("--version", action="version", version=f"hangul-dl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from .translate import route

    argv = route(list(sys.argv[1:] if argv is None else argv))
    return run_command(build_parser(), lambda args: args.func(args), argv)
