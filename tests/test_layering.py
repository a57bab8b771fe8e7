"""The package's import graph follows the layer map of README.ko.md (folder section).

Every module of the installed package is parsed with ``ast`` (every import, also those inside
functions and under ``TYPE_CHECKING``; relative imports resolved) and the test fails on

- an import cycle between modules,
- an import against the layer order below (a module may import its own layer or lower ones),
- a ``cupy``/``cupyx`` import outside ``backend.py``,
- a library module importing ``hangul_dl.cli``,
- a module that the table does not place in a layer.

Violations that belong to modules still being moved are listed in ``KNOWN_VIOLATIONS``, each
with how to fix it; the test reports them as an expected failure (and fails on any other
violation). Delete an entry when it is fixed: the test then says so, so that the set only
shrinks.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

import pytest

PACKAGE = "hangul_dl"

# The layer map (module or package prefix -> layer). Imports point down only.
LAYERS: dict[str, int] = {
    # 7  the command line: argument parsing, one error policy (run_command)
    "hangul_dl.cli": 7,
    "hangul_dl.__main__": 7,
    # 6  recipes, the report, evaluation of saved folders, the demo
    "hangul_dl.recipes": 6,
    "hangul_dl.report": 6,
    "hangul_dl.evaluate": 6,
    "hangul_dl.demo": 6,
    # 5  Pipeline; resumable sharded jobs; Dask execution
    "hangul_dl.pipeline": 5,
    "hangul_dl.batch": 5,
    "hangul_dl.distributed": 5,
    # 4  model families: a Stage each, built on the spine
    "hangul_dl.embeddings": 4,
    "hangul_dl.lm": 4,
    "hangul_dl.seq2seq": 4,
    "hangul_dl.classify": 4,
    # 3  the Korean front end and TextEncoder; the one Trainer; what every family shares
    "hangul_dl.text": 3,
    "hangul_dl.training": 3,
    "hangul_dl.metrics": 3,
    "hangul_dl.plotting": 3,  # loss curves (training) and word maps (embeddings) draw with it
    "hangul_dl.datasets": 3,  # toy data (addition, dates, planted corpora) for every family
    # 2  the from-scratch engine (layers, optimizers, Model)
    "hangul_dl.nn": 2,
    # 1  Stage protocol; atomic folders and manifests; the registry and safe loading
    "hangul_dl.stage": 1,
    "hangul_dl.io": 1,
    "hangul_dl.registry": 1,
    # 0  xp (NumPy|CuPy), errors, progress and logging helpers
    "hangul_dl.backend": 0,
    "hangul_dl.errors": 0,
    "hangul_dl.progress": 0,
    "hangul_dl.threads": 0,  # BLAS threads per workload (threadpoolctl)
    # the package itself: __version__ and lazy public names (resolved by name on first use;
    # importing it imports nothing), so any module may read hangul_dl.__version__
    "hangul_dl": 0,
}

#: The only module that may import CuPy.
CUPY_HOME = "hangul_dl.backend"

#: Violations in modules still being moved (each entry: the violation as the test words it).
#: The test fails on any violation not listed here; delete entries as they are fixed.
KNOWN_VIOLATIONS: set[str] = set()


def _package_root() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    """module name -> (file, is a package ``__init__``) for every module of the package."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _imports(name: str, path: Path, is_package: bool, known: set[str]) -> set[str]:
    """Every module ``name`` imports (absolute names; ``from pkg import mod`` gives pkg.mod)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                child = f"{module}.{alias.name}"
                out.add(child if child in known else module)
    out.discard(name)
    return out


@functools.lru_cache(maxsize=4)
def _graph(root: Path) -> dict[str, set[str]]:
    """module -> the modules it imports, for the package at ``root`` (parsed once per run)."""
    modules = _modules(root)
    known = set(modules)
    return {name: _imports(name, path, is_package, known)
            for name, (path, is_package) in modules.items()}


def _layer(name: str) -> int | None:
    """The layer of the longest prefix of ``name`` in :data:`LAYERS` (the package itself only
    by its exact name, so that a new top-level module is never placed by accident)."""
    if name == PACKAGE:
        return LAYERS[PACKAGE]
    parts = name.split(".")
    for i in range(len(parts), 1, -1):
        layer = LAYERS.get(".".join(parts[:i]))
        if layer is not None:
            return layer
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle through each strongly connected component of the package's modules."""
    inner = {m: {d for d in deps if d in graph} for m, deps in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm (the graph is small: recursion is fine)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(inner[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(inner):
        if v not in index:
            visit(v)
    cycles = []
    for component in components:
        members = set(component)
        start = component[0]
        # breadth-first search for the shortest way back to start inside the component
        paths = {start: [start]}
        frontier = [start]
        found = None
        while frontier and found is None:
            nxt = []
            for v in frontier:
                for w in sorted(inner[v] & members):
                    if w == start:
                        found = [*paths[v], start]
                        break
                    if w not in paths:
                        paths[w] = [*paths[v], w]
                        nxt.append(w)
                if found:
                    break
            frontier = nxt
        cycles.append(found or [*component, start])
    return cycles


def violations() -> tuple[set[str], list[str]]:
    """(violations, modules without a layer)."""
    graph = _graph(_package_root())
    found: set[str] = set()
    unassigned = sorted(m for m in graph if _layer(m) is None)
    for module, deps in graph.items():
        mine = _layer(module)
        for dep in deps:
            top = dep.split(".")[0]
            if top in ("cupy", "cupyx") and module != CUPY_HOME:
                found.add(f"cupy: {module} imports {dep} (only {CUPY_HOME} may)")
            if top != PACKAGE:
                continue
            if dep.startswith(f"{PACKAGE}.cli") and not (mine is not None and mine >= 7):
                found.add(f"cli: {module} imports {dep} (the library never imports the CLI)")
            theirs = _layer(dep)
            if mine is not None and theirs is not None and theirs > mine:
                found.add(f"layer: {module} ({mine}) imports {dep} ({theirs})")
    for cycle in _cycles(graph):
        found.add("cycle: " + " -> ".join(cycle))
    return found, unassigned


def test_every_module_has_a_layer():
    _, unassigned = violations()
    assert not unassigned, (
        f"modules without a layer: {', '.join(unassigned)}; add each (or its package) to "
        "LAYERS in tests/test_layering.py and to the layer map in README.ko.md's folder section")


def test_imports_follow_the_layer_map():
    found, _ = violations()
    new = sorted(found - KNOWN_VIOLATIONS)
    assert not new, "imports against the layer map:\n  " + "\n  ".join(new)
    remaining = sorted(found & KNOWN_VIOLATIONS)
    if remaining:
        pytest.xfail("known violations still to fix: " + "; ".join(remaining))


def test_known_violations_are_still_real():
    """An entry of KNOWN_VIOLATIONS that no longer occurs must be deleted (the set only shrinks)."""
    found, _ = violations()
    fixed = sorted(KNOWN_VIOLATIONS - found)
    assert not fixed, "fixed, delete from KNOWN_VIOLATIONS: " + "; ".join(fixed)


def test_the_checker_sees_what_it_must(tmp_path, monkeypatch):
    """The checker itself: a cycle, an upward import inside a function, cupy outside backend and
    a library import of the CLI are all reported."""
    pkg = tmp_path / PACKAGE
    (pkg / "text").mkdir(parents=True)
    (pkg / "cli").mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "cli" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "text" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "text" / "a.py").write_text("from . import b\n", encoding="utf-8")
    (pkg / "text" / "b.py").write_text(
        "def f():\n    from ..pipeline import P\n    from .a import x\n    import cupyx.scipy\n"
        "    from ..cli import main\n", encoding="utf-8")
    (pkg / "pipeline.py").write_text("", encoding="utf-8")
    (pkg / "nowhere.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: type(
        "Spec", (), {"submodule_search_locations": [str(pkg)]})())
    found, unassigned = violations()
    assert unassigned == [f"{PACKAGE}.nowhere"]
    assert found == {
        f"layer: {PACKAGE}.text.b (3) imports {PACKAGE}.pipeline (5)",
        f"layer: {PACKAGE}.text.b (3) imports {PACKAGE}.cli (7)",
        f"cli: {PACKAGE}.text.b imports {PACKAGE}.cli (the library never imports the CLI)",
        f"cupy: {PACKAGE}.text.b imports cupyx.scipy (only {CUPY_HOME} may)",
        f"cycle: {PACKAGE}.text.a -> {PACKAGE}.text.b -> {PACKAGE}.text.a",
    }
