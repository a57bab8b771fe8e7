"""The error policy of ``scripts/*.py``: :func:`~hangul_dl.cli.common.run_command` in the scripts' words.

The batch scripts (``scripts/tokenize_corpus.py``, ``build_vocab.py``, ``export_vectors.py``) are
command-line programs like ``hangul-dl``: the same one-line ``PROG: error: ...`` messages with
exit status 2, 130 after Ctrl-C, 141 when the reader of stdout went away. The library
(:mod:`hangul_dl.batch`) stays below the command line and never imports it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from .common import run_command

__all__ = ["run_script"]


def run_script(parser: argparse.ArgumentParser, command: Callable[[argparse.Namespace], int],
               argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, set up logging (``--quiet``/``-v``) and run ``command(args)`` with the
    command line's error policy (:func:`hangul_dl.cli.common.run_command`): one line
    ``PROG: error: ...`` and exit status 2 on bad input, 130 after Ctrl-C, 141 when the reader
    of stdout went away. The library's advice is reworded for scripts with ``--skip-bad``.
    """
    def reword(message: str) -> str:  # the library's advice in the script's words
        if any("--skip-bad" in action.option_strings for action in parser._actions):
            message = message.replace("pass errors='skip'", "pass --skip-bad").replace(
                "counted in corpus.stats and reported", "counted and reported")
        return message

    return run_command(parser, command, argv, reword)
