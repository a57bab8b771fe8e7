"""Tests for hangul_dl.text.normalize.Normalizer."""

import pytest

from hangul_dl.errors import InputError
from hangul_dl.text.normalize import Normalizer, normalize


def test_nfc_not_nfkc():
    decomposed = "\u1112\u1161\u11ab"  # 한 as conjoining jamo
    assert normalize(decomposed) == "한"
    assert normalize("ㅋㅋ") == "ㅋㅋ"  # NFKC would make these conjoining jamo
    assert normalize("Ａ１") == "Ａ１"  # full-width kept (NFKC would rewrite)
    with pytest.raises(InputError, match="compatibility jamo"):
        Normalizer(form="NFKC")("ㅋ")


def test_whitespace_and_controls():
    n = Normalizer()
    assert n("  한국어\t\t처리\n\u3000 ") == "한국어 처리"
    assert n("안\u200b녕\ufeff\u00ad하세요\x00\x07") == "안녕하세요"
    assert n("a\u200db") == "ab"
    family = "👨\u200d👩\u200d👧"
    assert n(family) == family
    assert n("") == ""
    assert Normalizer(whitespace="keep")(" a  b ") == " a  b "


def test_repeat():
    n = Normalizer(repeat=2)
    assert n("ㅋㅋㅋㅋㅋ") == "ㅋㅋ"
    assert n("최고!!!!!") == "최고!!"
    assert n("ㅠㅠㅠㅠ 1000000") == "ㅠㅠ 1000000"
    assert Normalizer(repeat=1)("ㅋㅋㅋ") == "ㅋ"
    assert Normalizer()("ㅋㅋㅋㅋ") == "ㅋㅋㅋㅋ"
    with pytest.raises(InputError, match="repeat"):
        Normalizer(repeat=0)("x")


def test_script_options():
    assert normalize("大韓民國은 KoNLPy 2024년", hanja="remove", latin="lower",
                     numbers="mask") == "은 konlpy 0000년"
    assert normalize("abc 가 12", latin="remove", numbers="remove") == "가"
    with pytest.raises(InputError, match="latin"):
        normalize("x", latin="upper")


def test_stage_api():
    n = Normalizer(repeat=2)
    assert repr(n) == "Normalizer(repeat=2)"
    assert not n.requires_fit
    out = n.transform(iter(["ㅋㅋㅋ", " a "]))
    assert not isinstance(out, list)
    assert list(out) == ["ㅋㅋ", "a"]
    assert n.get_params()["repeat"] == 2
    with pytest.raises(InputError, match="bytes|decode"):
        n(b"abc")


def test_save_load(tmp_path):
    n = Normalizer(repeat=3, latin="lower")
    loaded = Normalizer.load(n.save(tmp_path / "norm"))
    assert loaded.get_params() == n.get_params()
    assert loaded("ㅋㅋㅋㅋㅋ ABC") == "ㅋㅋㅋ abc"
