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
