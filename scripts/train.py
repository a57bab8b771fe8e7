"""Train the models of a recipe (``pipelines/*.toml`` or your own) on a corpus.

The preprocessing is fitted once (Okt runs once per sentence); each model is fitted on its
output and saved as a pipeline folder under the output folder, with ``report.md``::

    python scripts/train.py word2vec --input corpus/ -o out/w2v
    python scripts/train.py demo --models lstm --set models.lstm.max_epoch=10
    python scripts/train.py my_recipe.toml --set input.valid_every=20

Every setting problem is reported before any work. The same as ``hangul-dl run``; a thin
wrapper over :func:`hangul_dl.recipes.run_recipe`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from hangul_dl.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; returns the exit status (2 on bad input, 130 after Ctrl-C)."""
    return cli_main(["run", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
