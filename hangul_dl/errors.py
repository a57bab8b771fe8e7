"""Errors raised by hangul_dl.

Every error is a :class:`HangulDLError` and also subclasses the built-in error a caller would
naturally catch (``ValueError``, ``RuntimeError``, ...), so ``except ValueError`` keeps working.

Messages follow one pattern: what was expected, what was found, where (file:line, step, token,
shape) and how to fix it. Korean tokens are shown with ``!r`` so spaces and jamo stay visible.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "DivergenceError",
    "FormatError",
    "HangulDLError",
    "InputError",
    "JVMError",
    "NotFittedError",
    "ShapeError",
    "TokenizerError",
]


class HangulDLError(Exception):
    """Base class of every error hangul_dl raises on purpose."""


class InputError(HangulDLError, ValueError):
    """User data is malformed: a bad line, row, token or argument.

    ``where`` is the location (``"reviews.txt:17"``) when one is known; it is prepended to the
    message so that the user can open the file at that line.
    """

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ShapeError(HangulDLError, ValueError):
    """An array has the wrong shape or dtype for the layer or model it is given to."""


class FormatError(HangulDLError, ValueError):
    """A saved file is corrupted, truncated, foreign, pickled or from a newer format version."""


class NotFittedError(HangulDLError, AttributeError):
    """A stage was used before ``fit``: call ``fit`` first (scikit-learn's convention)."""


class BackendError(HangulDLError, RuntimeError):
    """The requested array backend (GPU/CuPy) is not available."""


class JVMError(HangulDLError, RuntimeError):
    """No usable Java VM for KoNLPy was found, or it failed to start."""


class TokenizerError(HangulDLError, RuntimeError):
    """A tokenizer failed on an input (timeout, crash of the tagger, missing backend)."""


class DivergenceError(HangulDLError, FloatingPointError):
    """Training produced a NaN or infinite loss; the message names the epoch and step."""
