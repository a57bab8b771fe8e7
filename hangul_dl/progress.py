"""Progress that reaches the user with or without a terminal.

Two tools:

- :func:`progress` — for loops over items (tokenizing, counting, BPE merges): a tqdm bar on a
  terminal; without one, a log line at least every 30 seconds once the loop runs that long
  (items done, rate, elapsed and, with a total, remaining), so a log shows a long tokenizing
  run going on;
- :class:`TrainingProgress` — what every training run reports, as it happens: on a terminal a
  tqdm bar; without one (output to a log file, a batch job) a log line at least every
  ``interval`` seconds (30 by default) with the step, the loss, the time elapsed and the time
  remaining; in both cases, after the first steps, how long an epoch will take, and one line per
  epoch with its metrics, elapsed and remaining time. ``quiet=True`` silences all of it.

The lines go to the logger ``hangul_dl.progress``, whose level is INFO, so that they show under
a logging set-up that otherwise prints only warnings (the CLI's default); ``quiet`` is the way
to turn them off, or ``logging.getLogger("hangul_dl.progress").setLevel(logging.WARNING)``,
which silences the bars as well (the CLI's ``--quiet`` does that: a stage built without a
``quiet`` setting of its own, e.g. a recipe's tokenizer step, stays quiet too).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["PROGRESS_LOGGER", "LogLines", "TrainingProgress", "format_duration", "progress",
           "say"]

#: The logger of progress lines (level INFO; see the module docstring).
PROGRESS_LOGGER = logging.getLogger("hangul_dl.progress")
if PROGRESS_LOGGER.level == logging.NOTSET:
    PROGRESS_LOGGER.setLevel(logging.INFO)


def _silenced() -> bool:
    """Whether progress is off for the whole process (the progress logger is above INFO)."""
    return not PROGRESS_LOGGER.isEnabledFor(logging.INFO)


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def progress(total: int | None = None, quiet: bool = False, **kwargs: Any) -> Any:
    """A ``tqdm`` bar on a terminal; :class:`LogLines` without one; nothing when ``quiet``.

    Both take ``update(n)``, ``close()``, ``with``, and have ``total`` and ``disable``.
    """
    from tqdm.auto import tqdm

    quiet = quiet or _silenced()
    if not quiet and not _is_terminal():
        return LogLines(total, desc=kwargs.get("desc", ""), unit=kwargs.get("unit", "it"))
    return tqdm(total=total, disable=quiet, dynamic_ncols=True, **kwargs)


class LogLines:
    """What a progress bar says, as a log line at least every ``interval`` seconds (the first
    after ``interval`` seconds: a short loop logs nothing), for runs without a terminal."""

    disable = False

    def __init__(self, total: int | None = None, desc: str = "", unit: str = "it",
                 interval: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.total, self.desc, self.unit, self.interval, self.clock = (total, desc, unit,
                                                                       interval, clock)
        self.n = 0
        self.start = self.last_line = clock()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = self.clock()
        if now - self.last_line >= self.interval:
            self.last_line = now
            self._line(now)

    def _line(self, now: float) -> None:
        elapsed = now - self.start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        done = f"{self.n:,}" + (f" of {self.total:,} {self.unit}s ({100 * self.n / self.total:.0f}%)"
                                if self.total else f" {self.unit}s")
        left = ""
        if self.total and rate > 0:
            left = f", about {format_duration((self.total - self.n) / rate)} remaining"
        PROGRESS_LOGGER.info("%s: %s, %.4g %ss/s, %s elapsed%s", self.desc or "progress", done,
                             rate, self.unit, format_duration(elapsed), left)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        """Accepted like tqdm's; a log line has no postfix."""

    def close(self) -> None:
        """Log the final count, if the loop ran long enough to have logged before."""
        if self.last_line > self.start:
            self._line(self.clock())
            self.last_line = self.start  # once

    def __enter__(self) -> LogLines:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def say(quiet: bool, message: str, *args: Any) -> None:
    """Log one progress line (``message % args``) unless ``quiet``: what a run states at its
    start (vocabulary size and limits, the number of steps)."""
    if not quiet:
        PROGRESS_LOGGER.info(message, *args)


def format_duration(seconds: float) -> str:
    """``"12 s"``, ``"3 min 05 s"``, ``"2 h 07 min"`` (``"?"`` for an unknown time)."""
    if seconds != seconds or seconds == float("inf") or seconds < 0:
        return "?"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _metrics_text(metrics: Mapping[str, Any]) -> str:
    parts = []
    for key, value in metrics.items():
        if isinstance(value, float):
            parts.append(f"{key} {value:.4g}")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts)


class TrainingProgress:
    """Progress of one training run (see the module docstring).

    Args:
        total_steps: steps this run will take (an estimate is fine; None when unknown).
        steps_per_epoch: steps of one epoch (for the "an epoch takes ..." line).
        max_epoch: the epoch number the run ends at (for "epoch 2/4").
        quiet: report nothing.
        desc: the bar's label.
        interval: seconds between log lines when there is no terminal.
        terminal: force the terminal (True) or log (False) mode; None asks stderr.
        clock: the time source (tests pass a fake one).
    """

    #: Steps (or seconds, whichever comes first) after which the epoch time is estimated.
    ESTIMATE_AFTER_STEPS = 20
    ESTIMATE_AFTER_SECONDS = 10.0

    def __init__(self, total_steps: int | None, steps_per_epoch: int | None = None,
                 max_epoch: int | None = None, quiet: bool = False, desc: str = "train",
                 interval: float = 30.0, terminal: bool | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch
        self.max_epoch = max_epoch
        self.quiet = quiet = quiet or _silenced()
        self.interval = interval
        self.clock = clock
        self.terminal = _is_terminal() if terminal is None else terminal
        self.start = clock()
        self.last_line = self.start
        self.done = 0
        self.estimated = False
        self.bar = None
        if not quiet and self.terminal:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total_steps, desc=desc, unit="step", dynamic_ncols=True)

    # -- timing ------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return self.clock() - self.start

    def remaining(self) -> float:
        """Seconds left at the rate so far (inf before the first step or with no total)."""
        if not self.done or self.total_steps is None:
            return float("inf")
        return self.elapsed() / self.done * max(self.total_steps - self.done, 0)

    # -- reporting ---------------------------------------------------------------------------
    def update(self, epoch: int, epoch_step: int, metrics: Mapping[str, Any] | None = None
               ) -> None:
        """One step done; ``metrics`` (e.g. the running loss) go on the bar or the log line."""
        self.done += 1
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.update(1)
            if metrics:
                self.bar.set_postfix({"epoch": epoch, **{k: f"{v:.4g}" if isinstance(v, float)
                                                         else v for k, v in metrics.items()}},
                                     refresh=False)
        now = self.clock()
        if not self.estimated and (self.done >= self.ESTIMATE_AFTER_STEPS
                                   or now - self.start >= self.ESTIMATE_AFTER_SECONDS):
            self.estimated = True
            self._estimate()
        if self.bar is None and now - self.last_line >= self.interval:
            self.last_line = now
            where = f"epoch {epoch}" + (f"/{self.max_epoch}" if self.max_epoch else "")
            if self.steps_per_epoch:
                where += f", step {epoch_step}/{self.steps_per_epoch}"
            text = _metrics_text(metrics or {})
            PROGRESS_LOGGER.info("%s: %s%s elapsed, about %s remaining", where,
                                 f"{text}, " if text else "", format_duration(self.elapsed()),
                                 format_duration(self.remaining()))

    def _estimate(self) -> None:
        per_step = self.elapsed() / max(self.done, 1)
        parts = []
        if self.steps_per_epoch:
            parts.append(f"an epoch ({self.steps_per_epoch:,} steps) takes about "
                         f"{format_duration(per_step * self.steps_per_epoch)}")
        if self.total_steps:
            parts.append(f"this run about {format_duration(per_step * self.total_steps)}")
        if parts:
            PROGRESS_LOGGER.info("%s (measured on the first %d steps)", "; ".join(parts),
                                 self.done)

    def epoch_end(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        """One line per epoch: its metrics, elapsed time and time remaining."""
        if self.quiet:
            return
        self.last_line = self.clock()
        where = f"epoch {epoch}" + (f"/{self.max_epoch}" if self.max_epoch else "")
        line = (f"{where}: {_metrics_text(metrics)}; {format_duration(self.elapsed())} "
                f"elapsed, about {format_duration(self.remaining())} remaining")
        if self.bar is not None:
            self.bar.set_postfix({"epoch": epoch, **{k: f"{v:.4g}" for k, v in metrics.items()
                                                     if isinstance(v, float)}}, refresh=False)
        PROGRESS_LOGGER.info(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> TrainingProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
