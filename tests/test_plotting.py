import pandas as pd

from hangul_dl.plotting import hangul_font, plot_history


def test_a_hangul_font_is_available():
    from matplotlib import font_manager

    name = hangul_font()
    assert name, "no Hangul font: koreanize-matplotlib (NanumGothic) should be installed"
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path)
    assert all(font.get_char_index(ord(ch)) for ch in "한국어학습손실"), "font lacks Hangul glyphs"


def test_plot_history_writes_png_with_korean_title(tmp_path, recwarn):
    history = pd.DataFrame({"step": [1, 2, 3], "loss": [3.0, 2.0, 1.5]})
    epochs = pd.DataFrame({"step": [3], "val_loss": [1.7]})
    path = plot_history(history, tmp_path / "loss.png", epochs=epochs, title="한국어 손실 곡선")
    assert path.stat().st_size > 1000
    glyph_warnings = [w for w in recwarn if "Glyph" in str(w.message)]
    assert not glyph_warnings, [str(w.message) for w in glyph_warnings]


def test_plot_attention_heatmap_with_hangul_labels(tmp_path, recwarn):
    import numpy as np
    import pytest

    from hangul_dl.errors import ShapeError
    from hangul_dl.plotting import plot_attention

    src = list("2019년 5월 1일")
    tgt = list("2019-05-01")
    weights = np.random.default_rng(0).dirichlet(np.ones(len(src)), size=len(tgt))
    path = plot_attention(weights, src, tgt, tmp_path / "attention.png", title="날짜 어텐션")
    assert path.stat().st_size > 1000 and path.read_bytes()[:4] == b"\x89PNG"
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
    with pytest.raises(ShapeError, match=r"expected \(10, 11\)"):
        plot_attention(weights[:, :3], src, tgt, tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


# -- word maps -------------------------------------------------------------------------------

def _crowded_map():
    """Four tight clusters of law words (like the demo's PPMI neighbours), one query each."""
    import numpy as np

    rng = np.random.default_rng(0)
    words = ("국회 정당 위원회 현황 비비 상당한 대통령 군인 비상계엄 법관 헌법재판소 법률 교육법 고등 "
             "행정절차법 일부 개정 국민 대법관 행정안전부 문 평화통일 모든 국회의원 의장 임시회").split()
    centres = rng.normal(size=(4, 20))
    vectors = np.vstack([centres[i % 4] + 0.03 * rng.normal(size=20) for i in range(len(words))])
    return words, vectors, ["국회", "대통령", "법률", "국민"]


def test_word_map_labels_do_not_overlap_on_a_crowded_map():
    from hangul_dl.plotting import word_map_figure

    words, vectors, queries = _crowded_map()
    from matplotlib.text import Text

    fig, texts = word_map_figure(words, vectors, queries=queries)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for t in texts:
        t.update_positions(renderer)
    # the text's own box (an annotation's extent would include its leader line)
    boxes = [Text.get_window_extent(t, renderer) for t in texts]
    assert [t.get_text() for t in texts] == words
    frame = fig.axes[0].get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1, words[i]
        for j in range(i):
            b = boxes[j]
            overlap = min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)
            assert not overlap, f"labels {words[j]!r} and {words[i]!r} overlap"


def test_word_map_marks_the_queried_words_with_a_legend(tmp_path, recwarn):
    from hangul_dl.plotting import plot_word_map, word_map_figure

    words, vectors, queries = _crowded_map()
    fig, texts = word_map_figure(words, vectors, queries=queries)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["이웃 단어", "검색한 단어"]
    stars = ax.collections[1]  # the queries' scatter, drawn apart from the neighbours'
    assert len(stars.get_offsets()) == len(queries)
    coloured = [t.get_text() for t in texts if t.get_color() == "darkred"]
    assert coloured == queries
    path = plot_word_map(words, vectors, tmp_path / "map.png", queries=queries)
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert not [w for w in recwarn if "Glyph" in str(w.message) or "findfont" in str(w.message)]
    # no queries: no legend, one colour
    fig, _ = word_map_figure(words[:5], vectors[:5])
    assert fig.axes[0].get_legend() is None


def test_word_map_rejects_vectors_of_the_wrong_shape():
    import numpy as np
    import pytest

    from hangul_dl.errors import ShapeError
    from hangul_dl.plotting import word_map_figure

    with pytest.raises(ShapeError, match=r"expected \(3, D\)"):
        word_map_figure(["가", "나", "다"], np.zeros((2, 4)))


# -- loss curves -----------------------------------------------------------------------------

def _overfitting_history():
    import numpy as np

    steps = np.arange(1, 101)
    history = pd.DataFrame({"epoch": (steps - 1) // 10 + 1, "step": steps,
                            "loss": np.exp(-steps / 30) + 0.1})
    epochs = pd.DataFrame({"epoch": range(1, 11), "step": range(10, 101, 10),
                           "val_loss": [1.0, 0.7, 0.5, 0.4, 0.35, 0.36, 0.4, 0.45, 0.5, 0.55]})
    return history, epochs


def test_loss_curve_marks_the_best_epoch_in_korean():
    from hangul_dl.plotting import best_epoch, history_figure

    history, epochs = _overfitting_history()
    assert best_epoch(epochs) == (5, 50, "val_loss", 0.35)
    fig = history_figure(history, epochs=epochs)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["학습 손실", "검증 손실", "최고 에폭 (5)"]
    assert all(any("가" <= ch <= "힣" for ch in label) for label in labels), labels
    vertical = [line for line in ax.lines if len(set(line.get_xdata())) == 1]
    assert [line.get_xdata()[0] for line in vertical] == [50]
    notes = [t.get_text() for t in ax.texts]
    assert any("에폭 5" in note and "0.35" in note for note in notes), notes


def test_best_epoch_needs_a_validation_column_and_two_epochs():
    from hangul_dl.plotting import best_epoch, column_label

    _, epochs = _overfitting_history()
    assert best_epoch(epochs.drop(columns="val_loss")) is None
    assert best_epoch(epochs.iloc[:1]) is None
    assert best_epoch(None) is None
    perplexity = epochs.rename(columns={"val_loss": "val_perplexity"})
    assert best_epoch(perplexity)[:3] == (5, 50, "val_perplexity")
    assert column_label("val_bleu") == "검증 BLEU" and column_label("val_foo") == "검증 foo"


def test_language_model_curve_shows_validation_loss_from_perplexity():
    import math

    from hangul_dl.plotting import history_figure

    history, epochs = _overfitting_history()
    epochs = epochs.assign(val_perplexity=[math.exp(v) for v in epochs.pop("val_loss")])
    ax = history_figure(history, epochs=epochs).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["학습 손실", "검증 손실 (ln 퍼플렉서티)", "최고 에폭 (5)"]
    curve = ax.lines[1]
    assert abs(min(curve.get_ydata()) - 0.35) < 1e-9  # on the loss axis, not in perplexity
    assert any("에폭 5" in t.get_text() for t in ax.texts)
