"""CLI: hangul-dl vectors / similar / analogy / evaluate, through hangul_dl.cli.main."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_dl.cli import main
from hangul_dl.embeddings.vectors import load_word_vectors

FRUIT, RIDE = ["사과", "배", "포도"], ["버스", "기차", "택시"]


@pytest.fixture
def corpus(tmp_path) -> str:
    """Pre-tokenized text: fruits and vehicles, each group in its own contexts."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(2000):
        group, ctx = (FRUIT, ["맛있는", "달콤한", "먹었다"]) if rng.random() < 0.5 else \
            (RIDE, ["빠른", "타고", "내렸다"])
        words = [f"말{rng.integers(20)}", rng.choice(ctx), rng.choice(group), rng.choice(ctx),
                 f"말{rng.integers(20)}"]
        lines.append(" ".join(map(str, words)))
        if rng.random() < 0.05:
            lines.append("")  # empty lines are no sentence
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def eval_files(tmp_path) -> tuple[str, str]:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("word1,word2,score\n사과,배,9\n사과,포도,8\n버스,기차,9\n사과,버스,1\n"
                     "포도,택시,1\n사과,없는말,5\n", encoding="utf-8")
    analogies = tmp_path / "q.txt"
    analogies.write_text(": 과일-탈것\n사과 배 버스 기차\n포도 사과 택시 버스\n: 없음\n사과 배 없는말 기차\n",
                         encoding="utf-8")
    return str(pairs), str(analogies)


def test_vectors_ppmi_similar_analogy_evaluate(corpus, eval_files, tmp_path, capsys):
    out = tmp_path / "vecs"
    assert main(["vectors", corpus, "-o", str(out), "--tokenizer", "whitespace", "--dim", "8",
                 "--window", "2", "--min-count", "2", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "단어 벡터 32개 × 8차원 (ppmi, 토큰 10,000개" in printed and str(out) in printed
    wv = load_word_vectors(out)
    assert len(wv) == 32 and "<eos>" not in wv

    assert main(["similar", str(out), "사과", "-k", "2"]) == 0
    printed = capsys.readouterr().out
    assert "'사과'와 가장 비슷한 단어 2개" in printed  # the particle after a vowel
    table = printed.splitlines()[2:]
    assert {line.split()[-1] for line in table} == {"배", "포도"}
    assert table[0].split()[0] == "1"

    assert main(["analogy", str(out), "사과", "배", "버스", "-k", "3"]) == 0
    printed = capsys.readouterr().out
    assert "사과 : 배 = 버스 : ?" in printed and len(printed.splitlines()) == 5

    pairs, analogies = eval_files
    assert main(["eval", str(out), "--pairs", pairs, "--analogies", analogies]) == 0
    shown = dict(line.split() for line in capsys.readouterr().out.splitlines()[1:])
    assert -1 <= float(shown["spearman"]) <= 1
    assert shown["pairs"] == "6" and shown["pairs_oov"] == "1" and shown["analogies_oov"] == "1"
    assert main(["evaluate", str(out), "--pairs", pairs]) == 0  # the old name still works
    assert "spearman" in capsys.readouterr().out


def _is_text_row(line: bytes, dim: int) -> bool:
    """A word2vec text row: a word and ``dim`` numbers."""
    try:
        fields = line.decode("utf-8").split()
        return len(fields) == dim + 1 and all(float(x) is not None for x in fields[1:])
    except (UnicodeDecodeError, ValueError):
        return False


@pytest.mark.parametrize("name, kind", [("v.txt", "text"), ("v.bin", "binary"), ("v", "folder")])
def test_output_format_follows_the_suffix(corpus, tmp_path, capsys, name, kind):
    out = tmp_path / name
    assert main(["vectors", corpus, "-o", str(out), "--tokenizer", "whitespace", "--dim", "4",
                 "--min-count", "1", "--quiet"]) == 0
    if kind == "folder":
        assert (out / "manifest.json").is_file()
    else:
        lines = out.read_bytes().split(b"\n")
        assert lines[0].split() == [b"32", b"4"]  # the word2vec header: words, dimensions
        assert _is_text_row(lines[1], 4) == (kind == "text")
    assert main(["similar", str(out), "기차", "-k", "1", "-q"]) == 0


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary"])
def test_word2vec_formats_are_detected(corpus, tmp_path, capsys, fmt):
    out = tmp_path / f"vecs.{fmt}"
    assert main(["vectors", corpus, "-o", str(out), "--tokenizer", "whitespace", "--dim", "4",
                 "--min-count", "1", "--format", fmt, "--quiet"]) == 0
    assert out.is_file()
    capsys.readouterr()
    assert main(["similar", str(out), "기차", "-k", "1"]) == 0
    assert "기차" in capsys.readouterr().out


def test_okt_tokens_without_word_start_marks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HANGUL_DL_CACHE", str(tmp_path / "cache"))
    text = tmp_path / "reviews.txt"
    text.write_text("영화가 정말 재미있었어요 ㅋㅋ\n배우들의 연기가 좋았다\n영화 음악도 좋았어요\n"
                    "연기가 별로였다 ㅠㅠ\n", encoding="utf-8")
    out = tmp_path / "okt_vecs"
    assert main(["vectors", str(text), "-o", str(out), "--dim", "2", "--min-count", "1",
                 "--window", "2"]) == 0
    wv = load_word_vectors(out)
    assert "영화" in wv and "연기" in wv and not any(w.startswith("\u2581") for w in wv)
    assert any((tmp_path / "cache" / "tokens").glob("*.txt"))  # tokenized once, cached
    capsys.readouterr()
    assert main(["similar", str(out), "영화", "-k", "3", "--quiet"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5


def test_errors_are_one_line_with_exit_2(corpus, tmp_path, capsys):
    out = tmp_path / "vecs"
    main(["vectors", corpus, "-o", str(out), "--tokenizer", "whitespace", "--dim", "4", "--quiet"])
    capsys.readouterr()
    assert main(["similar", str(out), "없는 말"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hangul-dl: error: word '없는 말' is not in the vectors")
    assert len(err.strip().splitlines()) == 1 and "word in wv" not in err
    assert main(["eval", str(out)]) == 2
    assert "no test data given" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("word1,word2,score\n사과,배,높음\n", encoding="utf-8")
    assert main(["eval", str(out), "--pairs", str(bad)]) == 2
    assert "bad.csv:2: the score '높음' is not a number" in capsys.readouterr().err
    assert main(["similar", str(tmp_path / "nothing.txt"), "사과"]) == 2
    assert "nothing.txt: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse's check, with the one error line
        main(["vectors", corpus, "-o", str(tmp_path / "v.txt"), "--method", "skipgarm"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("hangul-dl: error: vectors: ") and len(err.splitlines()) == 1
    assert "invalid choice: 'skipgarm'" in err and "skipgram" in err
    assert main(["vectors", corpus, "-o", str(out), "--tokenizer", "whitespace", "--dim", "500",
                 "--quiet"]) == 2
    assert "dim=500 needs more than 500 words" in capsys.readouterr().err


def test_bad_lines_fail_or_are_counted(tmp_path, capsys):
    path = tmp_path / "mixed.txt"
    path.write_bytes("사과 배 포도\n".encode() * 30 + b"\xbb\xe7\xb0\xfa bad\n" + "버스 기차\n".encode() * 30)
    out = tmp_path / "v"
    args = ["vectors", str(path), "-o", str(out), "--tokenizer", "whitespace", "--dim", "2",
            "--min-count", "1", "--quiet"]
    assert main(args) == 2
    assert "mixed.txt:31" in capsys.readouterr().err
    assert main([*args, "--skip-bad-lines"]) == 0
    captured = capsys.readouterr()
    assert "잘못된 줄 1개를 건너뛰었습니다" in captured.err
    assert len(load_word_vectors(out)) == 5


@pytest.mark.parametrize("method", ["cbow", "skipgram"])
def test_word2vec_methods(corpus, tmp_path, capsys, method):
    pytest.importorskip("hangul_dl.embeddings.word2vec")
    out = tmp_path / method
    assert main(["vectors", corpus, "-o", str(out), "--method", method, "--tokenizer", "whitespace",
                 "--dim", "16", "--window", "2", "--epochs", "3", "--min-count", "1", "--quiet"]) == 0
    assert f"({method}, 토큰 10,000개" in capsys.readouterr().out
    wv = load_word_vectors(out)
    assert len(wv) == 32 and wv.vector_size == 16
