"""The one table from a manifest's class name to a class (hangul_dl.registry)."""

import ast
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import hangul_dl
from hangul_dl import register, registry
from hangul_dl.errors import FormatError, InputError
from hangul_dl.nn.model import Model
from hangul_dl.stage import Stage
from hangul_dl.text.vocab import Vocabulary

PACKAGE = Path(hangul_dl.__file__).parent
ABSTRACT = {"Stage", "Model", "Tokenizer", "VectorStage"}  # bases that are never saved


def _package_classes():
    """Every Stage or Model subclass defined in a hangul_dl module (optional extras skipped)."""
    found = {}
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="hangul_dl."):
        if ".cli" in info.name or info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra (dask, matplotlib) is missing
            continue
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ \
                    and issubclass(obj, (Stage, Model)) and not name.startswith("_"):
                found[name] = obj
    return found


def test_every_public_stage_and_model_of_the_package_is_in_the_table():
    classes = _package_classes()
    missing = sorted(set(classes) - set(registry._BUILTIN) - ABSTRACT)
    assert not missing, f"add to registry._BUILTIN: {missing}"
    for name, cls in classes.items():
        if name not in ABSTRACT:
            assert registry.lookup(name) is cls
            assert registry.name_of(cls) == name
    assert set(registry.registered(Stage)) >= {"Pipeline", "Vocabulary", "LanguageModel"}
    assert "RNNLM" in registry.registered(Model) and "RNNLM" not in registry.registered(Stage)


def test_every_table_entry_resolves_to_a_class_of_that_module():
    for name, module in registry._BUILTIN.items():
        cls = registry.lookup(name)
        assert cls.__name__ == name and cls.__module__ == f"hangul_dl.{module}"


def test_defining_a_subclass_does_not_make_it_loadable(tmp_path, caplog):
    class Shout(Vocabulary):
        pass

    vocab = Shout().fit([["가", "나"]])
    vocab.save(tmp_path / "v")
    kind = json.loads((tmp_path / "v" / "manifest.json").read_text(encoding="utf-8"))["kind"]
    assert kind.endswith("Shout") and "." in kind  # never the bare name of one of ours
    assert "not registered" in caplog.text
    with pytest.raises(FormatError, match=r"unknown class .*Shout.*hangul_dl\.register"):
        Stage.load(tmp_path / "v")


def test_a_user_class_of_the_same_name_as_ours_never_loads_as_ours(tmp_path):
    class Vocabulary(Stage):  # shadows ours on purpose
        requires_fit = False

    Vocabulary().save(tmp_path / "mine")
    with pytest.raises(FormatError, match="unknown class"):
        Stage.load(tmp_path / "mine")
    with pytest.raises(InputError, match="taken by hangul_dl.text.vocab.Vocabulary"):
        register(Vocabulary, name="Vocabulary")


def test_register_makes_a_user_class_loadable_under_its_saved_name(tmp_path):
    @register
    class Loud(Vocabulary):
        pass

    Loud().fit([["가"]]).save(tmp_path / "a")
    assert isinstance(Stage.load(tmp_path / "a"), Loud)
    assert register(Loud) is Loud  # idempotent

    class Quiet(Vocabulary):
        pass

    register(Quiet, name="my-quiet-vocab")
    Quiet().fit([["가"]]).save(tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "my-quiet-vocab"
    assert type(Vocabulary.load(tmp_path / "b")) is Quiet
    with pytest.raises(InputError, match="already registered as 'my-quiet-vocab'"):
        register(Quiet, name="another-name")
    with pytest.raises(InputError, match="taken by"):
        register(Loud, name="my-quiet-vocab")
    with pytest.raises(InputError, match="expects a class"):
        register("Quiet")
    with pytest.raises(InputError, match="a name is"):
        register(Quiet, name="bad name\n")


def test_lookup_errors_name_the_known_classes_and_the_family():
    with pytest.raises(FormatError, match=r"x/manifest.json: unknown class 'Nope'; known: .*"
                                          r"Vocabulary"):
        registry.lookup("Nope", where="x/manifest.json")
    with pytest.raises(FormatError, match="holds a RNNLM, not a Stage"):
        registry.lookup("RNNLM", Stage)
    with pytest.raises(FormatError, match="must be a string, found list"):
        registry.lookup(["Vocabulary"], Stage)


def test_a_folder_cannot_make_the_loader_import_a_module(tmp_path, monkeypatch):
    (tmp_path / "evil_module_xyz.py").write_text("import sys\nsys.evil_imported = True\n"
                                                 "class Evil: pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = tmp_path / "saved"
    folder.mkdir()
    for kind in ("evil_module_xyz.Evil", "evil_module_xyz", "os.system"):
        (folder / "manifest.json").write_text(json.dumps(
            {"format": "hangul_dl", "version": 2, "kind": kind, "config": {}}), encoding="utf-8")
        with pytest.raises(FormatError, match="unknown class"):
            Stage.load(folder)
    assert "evil_module_xyz" not in sys.modules and not hasattr(sys, "evil_imported")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
            names.update("." * node.level + a.name for a in node.names if not node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_stage_never_imports_pipeline_and_registry_sits_on_layer_0():
    stage_imports = _imports(PACKAGE / "stage.py")
    assert not any("pipeline" in name for name in stage_imports), stage_imports
    assert {n for n in _imports(PACKAGE / "registry.py") if n.startswith(".")} == {".errors"}
    code = ("import sys; from hangul_dl.stage import Stage; from hangul_dl.text.normalize "
            "import Normalizer; assert 'hangul_dl.pipeline' not in sys.modules; "
            "p = Normalizer() | Normalizer(); print(type(p).__name__, len(p))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.split() == ["Pipeline", "2"]
