import json

import pytest

from hangul_dl import register
from hangul_dl.errors import FormatError, InputError, NotFittedError
from hangul_dl.stage import Stage, stage_class


@register
class Upper(Stage):
    requires_fit = False

    def __init__(self, suffix: str = "", repeat: int = 1):
        self.suffix = suffix
        self.repeat = repeat

    def transform(self, data):
        return (s.upper() * self.repeat + self.suffix for s in data)


@register
class Counter(Stage):
    def __init__(self, min_count: int = 1):
        self.min_count = min_count

    def fit(self, data):
        self.total_ = sum(len(s) for s in data)
        return self

    def transform(self, data):
        self.check_fitted()
        return [len(s) / self.total_ for s in data]

    def _save_state(self, directory):
        (directory / "total.json").write_text(json.dumps(self.total_), encoding="utf-8")

    def _load_state(self, directory):
        self.total_ = json.loads((directory / "total.json").read_text(encoding="utf-8"))


def test_params_repr_and_set_params():
    stage = Upper(suffix="!")
    assert stage.get_params() == {"suffix": "!", "repeat": 1}
    assert repr(stage) == "Upper(suffix='!')"
    assert stage.set_params(repeat=2) is stage and stage.repeat == 2
    with pytest.raises(InputError, match="no parameter 'repet'.*valid parameters: suffix, repeat"):
        stage.set_params(repet=3)


def test_not_fitted_error_says_call_fit_first():
    with pytest.raises(NotFittedError, match="call fit"):
        Counter().transform(["가"])
    assert Upper().is_fitted


def test_fit_transform_with_a_generator():
    assert Counter().fit_transform(s for s in ["가나", "다"]) == [2 / 3, 1 / 3]


def test_save_load_round_trip_and_registry(tmp_path):
    stage = Counter(min_count=3).fit(["한국어", "문장"])
    stage.save(tmp_path / "c")
    loaded = Stage.load(tmp_path / "c")
    assert isinstance(loaded, Counter) and loaded.min_count == 3 and loaded.total_ == 5
    assert stage_class(json.loads((tmp_path / "c" / "manifest.json").read_text(
        encoding="utf-8"))["kind"]) is Counter
    with pytest.raises(FormatError, match="not a Upper"):
        Upper.load(tmp_path / "c")
    with pytest.raises(FormatError, match="unknown class 'Nope'"):
        stage_class("Nope")
    with pytest.raises(NotFittedError):
        Counter().save(tmp_path / "unfitted")


def test_a_saved_stage_loads_in_a_fresh_interpreter(tmp_path):
    """Loading finds classes whose modules nobody has imported yet (through the public names)."""
    import subprocess
    import sys

    from hangul_dl.text.tokenizers import WhitespaceTokenizer

    WhitespaceTokenizer().save(tmp_path / "tok")
    code = ("import sys; from hangul_dl.stage import Stage; "
            "assert 'hangul_dl.text.tokenizers' not in sys.modules; "
            f"print(Stage.load({str(tmp_path / 'tok')!r}).tokenize('가 나'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['▁가', '▁나']"


def test_fingerprint_is_the_learned_state():
    assert Upper(suffix="!").fingerprint() is None  # learns nothing
    with pytest.raises(NotFittedError, match="call fit"):
        Counter().fingerprint()
    a = Counter(min_count=3).fit(["한국어", "문장"])
    assert a.fingerprint() == Counter(min_count=3).fit(["가나다", "라마"]).fingerprint()  # total 5
    assert a.fingerprint() != Counter(min_count=3).fit(["한국어 ㅋㅋ 😀"]).fingerprint()
    assert len(a.fingerprint()) == 64


def test_fingerprint_of_a_pipeline_covers_its_steps():
    a = (Upper() | Counter()).fit(["한국어", "문장"])
    b = (Upper() | Counter()).fit(["한국어 ㅋㅋ 😀"])
    assert a.fingerprint() != b.fingerprint()


def test_a_version_1_folder_loads_or_says_how_to_save_it_again(tmp_path):
    from hangul_dl.text.vocab import Vocabulary

    Vocabulary().fit([["가", "나"]]).save(tmp_path / "v")
    manifest = tmp_path / "v" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert data["version"] == 2
    manifest.write_text(json.dumps({**data, "version": 1}), encoding="utf-8")
    assert Stage.load(tmp_path / "v").id_to_token[4:] == ["가", "나"]  # built-in: loads

    class Old(Stage):  # version 1 saved user classes under their bare name
        requires_fit = False

    Old().save(tmp_path / "old")
    manifest = tmp_path / "old" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "version": 1, "kind": "Old"}), encoding="utf-8")
    with pytest.raises(FormatError, match=r"format version 1.*hangul_dl.register\(YourClass, "
                                          r"name='Old'\).*save it again") as info:
        Stage.load(tmp_path / "old")
    assert "\n" not in str(info.value)
    register(Old, name="Old")
    Stage.load(tmp_path / "old").save(tmp_path / "new")
    assert json.loads((tmp_path / "new" / "manifest.json").read_text(encoding="utf-8"))[
        "version"] == 2


def test_a_failure_inside_load_state_is_one_format_error_naming_the_folder(tmp_path):
    Counter(min_count=3).fit(["한국어"]).save(tmp_path / "c")
    (tmp_path / "c" / "total.json").write_text('"not a number"', encoding="utf-8")
    Stage.load(tmp_path / "c")  # loads: total_ is whatever JSON held
    (tmp_path / "c" / "total.json").write_bytes(b"\xff")
    with pytest.raises(FormatError, match=r"c: cannot be loaded \(UnicodeDecodeError"):
        Stage.load(tmp_path / "c")


def test_every_registered_stage_declares_only_keywords_its_fit_takes():
    import inspect

    from hangul_dl import registry

    stages = registry.registered(Stage)
    assert {"LanguageModel", "Word2Vec", "TextEncoder", "Translator"} <= set(stages)
    for name, cls in stages.items():
        takes = set(inspect.signature(cls.fit).parameters)
        assert cls.fit_context <= takes, (name, cls.fit_context - takes)
