"""tqdm progress bars that stay out of the way: off when stderr is not a terminal or when the
caller says ``quiet=True`` (a disabled bar accepts ``update``/``close`` and prints nothing)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["progress"]


def progress(total: int | None = None, quiet: bool = False, **kwargs: Any) -> Any:
    """A ``tqdm`` bar, disabled when ``quiet`` or when stderr is not a terminal."""
    from tqdm.auto import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, disable=disable, dynamic_ncols=True, **kwargs)
