"""cli/common: the helpers the subcommands share for tables and Korean wording."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hangul_dl.cli.common import and_particle, pad, width
from hangul_dl.cli.run import print_confusion, print_result


@pytest.mark.parametrize("text, columns", [("국회", 4), ("GPU", 3), ("대통령은", 8), ("ㅋㅋ", 4),
                                           ("😀", 2), ("e\u0301", 1), ("", 0)])
def test_width_counts_terminal_columns(text, columns):
    assert width(text) == columns


def test_pad_fills_to_columns_on_either_side():
    assert pad("국회", 7) == "국회   " and pad("국회", 7, ">") == "   국회"
    assert pad("대통령", 4) == "대통령"  # never cut


@pytest.mark.parametrize("word, particle", [("대통령", "과"), ("국회", "와"), ("법률", "과"),
                                            ("사과", "와"), ("GPU", "와(과)"), ("2019", "와(과)")])
def test_and_particle_follows_the_last_syllable(word, particle):
    assert and_particle(word) == particle


def test_neighbour_tables_line_up_on_a_terminal(capsys):
    result = SimpleNamespace(
        neighbours={"ppmi": {"▁국회": [("정당", 0.58)], "▁대통령": [("군인", 0.7)],
                             "▁headquarters": [("본부", 0.5)]}},
        metrics={}, generated={}, translations={}, output="out", files={"report": "out/report.md"})
    print_result(result)
    rows = [line for line in capsys.readouterr().out.splitlines() if "(0." in line]
    starts = {width(line[:line.index(word)]) for line, word in zip(rows, ["정당", "군인", "본부"])}
    assert len(rows) == 3 and len(starts) == 1  # the neighbours start in one column


def test_confusion_matrix_columns_line_up_with_korean_labels(capsys):
    print_confusion(["부정", "긍정"], [[12, 3], [1, 1234]])
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len({width(row) for row in rows}) == 1  # every row ends in the same column
    assert rows[2].split() == ["긍정", "1", "1,234"]
