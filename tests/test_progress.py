"""Progress without a terminal: a line at least every interval and one per epoch, as it happens;
an estimate of the epoch time after the first steps; nothing when quiet (issue 13 item 5)."""

from __future__ import annotations

import logging

import pytest

from hangul_dl.datasets import spiral
from hangul_dl.nn.mlp import TwoLayerNet
from hangul_dl.nn.optimizers import SGD
from hangul_dl.progress import PROGRESS_LOGGER, TrainingProgress, format_duration
from hangul_dl.training import Trainer


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == PROGRESS_LOGGER.name]


def test_log_lines_every_interval_and_per_epoch_without_a_terminal(caplog):
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER.name)
    clock = Clock()
    report = TrainingProgress(total_steps=200, steps_per_epoch=100, max_epoch=2, interval=30.0,
                              terminal=False, clock=clock)
    for step in range(1, 101):
        clock.now += 1.0  # one second per step
        report.update(1, step, {"loss": 2.5})
    report.epoch_end(1, {"loss": 2.5, "perplexity": 12.18})
    lines = _lines(caplog)
    assert any("an epoch (100 steps) takes about 1 min 40 s" in line for line in lines)
    heartbeat = [line for line in lines if "step " in line and "/100" in line]
    assert len(heartbeat) == 3  # at 30, 60 and 90 s
    assert "epoch 1/2, step 30/100: loss 2.5, 30 s elapsed, about 2 min 50 s remaining" \
        in heartbeat[0]
    assert lines[-1] == ("epoch 1/2: loss 2.5, perplexity 12.18; 1 min 40 s elapsed, about "
                         "1 min 40 s remaining")
    report.close()


def test_quiet_reports_nothing(caplog):
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER.name)
    clock = Clock()
    report = TrainingProgress(10, 10, 1, quiet=True, terminal=False, clock=clock)
    for step in range(1, 11):
        clock.now += 100
        report.update(1, step, {"loss": 1.0})
    report.epoch_end(1, {"loss": 1.0})
    assert _lines(caplog) == []


def test_the_progress_logger_shows_under_a_warning_level_setup():
    """The CLI configures logging at WARNING; progress lines must still get through."""
    assert PROGRESS_LOGGER.getEffectiveLevel() == logging.INFO


@pytest.mark.parametrize("seconds, text", [(5, "5 s"), (65, "1 min 05 s"), (7500, "2 h 05 min"),
                                           (float("inf"), "?")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_training_reports_each_epoch_as_it_happens(caplog):
    """Each epoch's line is logged when the epoch ends, not after training."""
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER.name)
    x, t = spiral(seed=1)
    trainer = Trainer(TwoLayerNet(2, 10, 3), SGD(lr=1.0), quiet=False)
    seen_at_step = []
    original = trainer._step

    def step(*args):
        seen_at_step.append(sum("epoch" in m and "elapsed" in m and "step" not in m
                                for m in _lines(caplog)))
        return original(*args)

    trainer._step = step
    trainer.fit(x, t, max_epoch=3, batch_size=30, validation=(x[:60], t[:60]))
    epoch_lines = [m for m in _lines(caplog) if m.startswith("epoch ") and "remaining" in m
                   and "step" not in m]
    assert len(epoch_lines) == 3
    assert epoch_lines[0].startswith("epoch 1/3: loss ") and "val_accuracy" in epoch_lines[0]
    assert seen_at_step[10] == 1 and seen_at_step[20] == 2  # logged before epoch 2 and 3 began


def test_quiet_training_logs_no_progress(caplog):
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER.name)
    x, t = spiral(seed=1)
    Trainer(TwoLayerNet(2, 10, 3), SGD(lr=1.0), quiet=True).fit(x, t, max_epoch=2, batch_size=30)
    assert _lines(caplog) == []


def test_loops_log_a_line_every_interval_without_a_terminal(caplog):
    from hangul_dl.progress import LogLines

    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER.name)
    clock = Clock()
    bar = LogLines(total=1000, desc="tokenize", unit="text", interval=30, clock=clock)
    for _ in range(10):
        clock.now += 5
        bar.update(50)
    assert _lines(caplog) == ["tokenize: 300 of 1,000 texts (30%), 10 texts/s, 30 s elapsed, "
                              "about 1 min 10 s remaining"]
    bar.close()
    assert _lines(caplog)[-1] == ("tokenize: 500 of 1,000 texts (50%), 10 texts/s, 50 s elapsed, "
                                  "about 50 s remaining")
    caplog.clear()
    with LogLines(desc="vocab", unit="line", clock=clock) as short:  # a short loop: silent
        short.update(3)
    assert _lines(caplog) == []


def test_progress_is_a_bar_on_a_terminal_log_lines_otherwise_and_nothing_when_quiet(monkeypatch):
    from hangul_dl import progress as module

    monkeypatch.setattr(module, "_is_terminal", lambda: False)
    assert isinstance(module.progress(10, desc="x"), module.LogLines)
    assert module.progress(10, quiet=True).disable
    monkeypatch.setattr(module, "_is_terminal", lambda: True)
    bar = module.progress(10, desc="x")
    assert not isinstance(bar, module.LogLines) and not bar.disable
    bar.close()


def test_a_silenced_progress_logger_turns_off_bars_and_lines_of_every_stage(caplog):
    """``--quiet`` sets the progress logger to WARNING: a stage with no ``quiet`` of its own
    (a recipe's tokenizer step) shows no bar and logs no line either."""
    from hangul_dl.progress import progress

    caplog.set_level(logging.WARNING, logger=PROGRESS_LOGGER.name)
    assert progress(100).disable
    assert TrainingProgress(100).quiet
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER.name)
    assert not TrainingProgress(100, terminal=False).quiet


def test_cli_quiet_silences_the_progress_logger_for_the_command_only(tmp_path, monkeypatch):
    import hangul_dl.cli.vectors as vectors_cli
    from hangul_dl.cli import main

    seen = []

    def similar(args):
        seen.append(PROGRESS_LOGGER.isEnabledFor(logging.INFO))
        return 0

    monkeypatch.setattr(vectors_cli, "_cmd_similar", similar)
    (tmp_path / "v.txt").write_text("1 1\n국회 0.5\n", encoding="utf-8")
    assert main(["similar", str(tmp_path / "v.txt"), "국회", "--quiet"]) == 0
    assert seen == [False]  # silenced while the command ran
    assert PROGRESS_LOGGER.isEnabledFor(logging.INFO)  # restored for the rest of the process
