"""Evaluate trained models: every model of a recipe's output folder, or one pipeline folder,
each with the test data that suits it::

    python scripts/evaluate.py out/demo --text test.txt --pairs pairs.csv --json scores.json
    python scripts/evaluate.py out/translator_ko_en --src test.ko --tgt test.en

Language models get perplexity on ``--text``; word vectors, similarity and analogy scores on
``--pairs``/``--analogies``; translators, BLEU/chrF/exact match on ``--src``/``--tgt`` or
``--tsv``. A model with no suitable data is listed with the option it needs. The same as
``hangul-dl eval``; a thin wrapper over :func:`hangul_dl.evaluate.evaluate_models`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hangul_dl.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status (1 when no model could be evaluated, 2 on bad
    input)."""
    return cli_main(["eval", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
