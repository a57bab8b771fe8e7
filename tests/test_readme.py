"""README.ko.md's examples run as written, and the outputs it shows are what they print.

The rule (also stated in the README, and in ``scripts/readme_outputs.py``, whose code this test
uses): the ```python blocks under one heading (``##`` or ``###``) run top to bottom with fresh
variables, in the worker's README kernel (one Python process that runs the groups one after
another, so Okt starts once per worker, not once per group), from a scratch copy of the
repository root (``corpora/``, ``pipelines/``, ``scripts/``; outputs go to ``out/``); a ```bash
block runs, in its place, only when marked ``<!-- readme:run -->``. Each group gets its own
scratch root (as a fresh clone would); the groups share one token cache (the xdist workers
too) so that Okt tokenizes a corpus once per session. The first section's root also holds the
source tree, so its ``python -m hangul_dl demo`` runs as from the repository root (where the
source tree shadows the installed package: the README's first command, verbatim), and the
folder the demo writes is checked as the README describes it.

Terminal sessions (```text blocks after ``<!-- readme:transcript NAME -->``) run too: each
``$ command`` runs in bash, and the session must print what the README shows after it (the
demo's full run among them).

Not run, on purpose (``--list`` shows them): bash blocks without the marker — installs
(``pip install``), the benchmarks (minutes each), the test command (the suite itself), the
Ctrl-C/``--resume`` illustration (it needs an interrupt) and the LSTM recipe command beside the
word2vec one (the same mechanism, which does run; recipes have their own tests in
``test_recipes.py``).

Outputs: an ``exact`` block must equal what its block prints; ``approx`` (trained models)
compares numbers within a tolerance and the words exactly; ``varies`` (timings) only has to be
non-empty. One BLAS thread, as in the script, so the numbers do not depend on thread timing.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.ko.md"


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


ro = _load_script("readme_outputs")
GROUPS = [g for g in ro.parse(README.read_text(encoding="utf-8")) if g.runnable]
# groups whose examples start the JVM (Okt) or train models: over ~5 s of CPU each (the README
# test takes ~150 s of CPU in all; the fast ones, ~5 s)
SLOW = ("두 명령으로", "명령줄", "한국어 전처리", "어휘 사전", "단어 벡터", "word2vec", "순환 신경망",
        "시퀀스 투 시퀀스", "번역기", "텍스트 분류", "파이프라인", "배치 스크립트")


@pytest.fixture(scope="session")
def readme_cache(token_cache) -> Path:
    """The session's token cache (conftest), shared by the xdist workers: it is
    content-addressed and written atomically, so a worker reads what another wrote, or writes
    the same bytes."""
    return token_cache


def _params():
    for group in GROUPS:
        marks = [pytest.mark.slow] if any(key in group.heading for key in SLOW) else []
        yield pytest.param(group, id=re.sub(r"\s+", "_", group.heading.split(" (")[0].split(":")[0]),
                           marks=marks)


@pytest.fixture(scope="session")
def readme_kernel(readme_cache, tmp_path_factory, pytestconfig):
    """The Python process that runs this worker's groups one after another (fresh variables
    for each; modules and the JVM stay loaded, as in a notebook)."""
    import resource

    with ro.Kernel(ro.environment(readme_cache), tmp_path_factory.mktemp("kernel")) as kernel:
        yield kernel
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        kernel.close()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # HANGUL_DL_TEST_CPU: the kernel's CPU was counted group by group (record_property below),
    # not again for the test that happens to be running when it exits
    pytestconfig.cpu_counted_already = (after.ru_utime + after.ru_stime
                                        - before.ru_utime - before.ru_stime)


@pytest.mark.parametrize("group", list(_params()))
def test_readme_examples_run_and_print_what_the_readme_shows(group, tmp_path, readme_kernel,
                                                              record_property):
    root = ro.scratch_root(tmp_path, group)
    run = readme_kernel.run(group, root, timeout=600)
    record_property("cpu_elsewhere", run.cpu_seconds)  # the kernel's, for HANGUL_DL_TEST_CPU
    assert run.returncode == 0, (
        f"README examples under {group.heading!r} failed:\n{run.stderr[-3000:]}")
    for block, printed in zip(group.runnable, run.outputs):
        if block.output is None:
            continue
        assert ro.same_output(block.output.text, printed, block.output.mode), (
            f"README.ko.md output block {block.output.name!r} ({block.output.mode}) is stale; "
            f"run python scripts/readme_outputs.py\n--- README:\n{block.output.text}\n"
            f"--- the example prints:\n{printed}")
    if group.heading == ro.FROM_THE_CHECKOUT:
        check = ro.Group("the demo's folder", [ro.Block("python", 1, DEMO_FOLDER, "", True)])
        run = readme_kernel.run(check, root, timeout=300)  # the kernel's JVM: Okt starts once
        record_property("cpu_elsewhere", run.cpu_seconds)
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.outputs[0].splitlines()[-1] == "국회는 True", run.outputs


# What the README says below the demo's session, checked in the folder the demo wrote: a report
# with its pictures, and pipeline folders that `generate`, `similar` and Pipeline.load take.
DEMO_FOLDER = """
from pathlib import Path
from hangul_dl import Pipeline
from hangul_dl.cli import main

out = Path("hangul_dl_demo")
report = (out / "report.md").read_text(encoding="utf-8")
for name in ("ppmi_word_map.png", "word2vec_word_map.png", "lstm_loss.png"):
    assert (out / name).is_file() and f"]({name})" in report, name
assert main(["generate", str(out / "lstm"), "--prompt", "국회는", "--max-tokens", "5", "-q"]) == 0
assert main(["similar", str(out / "word2vec"), "국회", "-k", "3", "-q"]) == 0
text = Pipeline.load(out / "lstm").generate("국회는", max_tokens=5, seed=0)[0]
print(text.split()[0], len(text) > len("국회는"))
"""


def test_readme_markers_are_well_formed():
    text = README.read_text(encoding="utf-8")
    groups = ro.parse(text)  # raises on an unclosed marker or one after a non-runnable block
    outputs = [b.output for g in groups for b in g.blocks if b.output is not None]
    names = [o.name for o in outputs]
    assert len(names) == len(set(names)), f"duplicate output names: {names}"
    transcripts = len(re.findall(r"^<!-- readme:transcript ", text, flags=re.M))
    assert transcripts >= 7  # the terminal sessions are generated too, the demo's among them
    assert len(re.findall(r"^<!-- output:", text, flags=re.M)) + transcripts == len(outputs)
    assert len(re.findall(r"^<!-- /output -->$", text, flags=re.M)) + transcripts == len(outputs)
    # no terminal session is typed by hand: every ```text block with a "$ " prompt is generated
    lines = text.split("\n")
    typed = [k + 1 for k, line in enumerate(lines) if line == "```text" and k + 1 < len(lines)
             and lines[k + 1].startswith("$ ") and not lines[k - 1].startswith("<!-- readme:transcript")]
    assert not typed, f"README.ko.md lines {typed}: a terminal session not made by readme_outputs.py"
    # every example prints something the README shows, and few outputs escape the comparison
    python_blocks = [b for g in groups for b in g.blocks if b.lang == "python"]
    assert all(b.runnable for b in python_blocks), [b.line for b in python_blocks if b.skip_reason]
    assert all(b.output is not None for b in python_blocks), [b.line for b in python_blocks
                                                               if b.output is None and "print(" in b.code]
    assert sum(o.mode == "varies" for o in outputs) <= 3


def test_readme_outputs_script_lists_the_markers_without_running():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_outputs.py"), "--list"],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    for group in GROUPS:
        assert f"[{group.heading}]" in proc.stdout
    assert "output:spiral (exact)" in proc.stdout and "output:dates (exact)" in proc.stdout


def test_readme_outputs_check_mode_finds_a_stale_output(tmp_path):
    """``--check`` reruns the examples and fails on a stale output (here a cheap group)."""
    text = README.read_text(encoding="utf-8")
    group = next(g for g in GROUPS if g.heading.startswith("모델 저장"))
    out = next(b.output for b in group.runnable if b.output)
    lines = text.split("\n")
    lines[out.start + 2] = "TwoLayerNet False"  # the first line of the shown output
    stale = tmp_path / "README.ko.md"
    stale.write_text("\n".join(lines), encoding="utf-8")
    script = str(ROOT / "scripts" / "readme_outputs.py")
    args = [sys.executable, script, "--only", group.heading, "--readme"]
    fresh = subprocess.run([*args, str(README), "--check"], capture_output=True, text=True,
                           encoding="utf-8", timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    proc = subprocess.run([*args, str(stale), "--check"], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert proc.returncode == 1 and f"stale output blocks: {out.name}" in proc.stderr, proc.stderr
    subprocess.run([*args, str(stale)], check=True, capture_output=True, timeout=120)
    assert stale.read_text(encoding="utf-8") == text  # rewriting puts the real output back


def test_same_output_tolerates_only_small_numeric_differences():
    assert ro.same_output("손실 1.000 (에폭 3)", "손실 1.010 (에폭 3)", "approx")
    assert not ro.same_output("손실 1.000 (에폭 3)", "손실 1.300 (에폭 3)", "approx")
    assert not ro.same_output("국회의원 0.78", "법관 0.78", "approx")
    assert not ro.same_output("0.9833", "0.9733", "exact")
    assert ro.same_output("12.3초", "45.6초", "varies")


def test_corpora_the_readme_uses_exist_are_small_and_regenerate_identically():
    text = README.read_text(encoding="utf-8")
    used = set(re.findall(r"corpora/[A-Za-z0-9_./-]*[A-Za-z0-9_]", text))
    missing = [p for p in used if not (ROOT / p).exists()]
    assert not missing, f"README.ko.md uses {missing}; add them to scripts/make_corpora.py"
    for path in (ROOT / "corpora").rglob("*"):
        if path.is_file():
            assert path.stat().st_size < 200_000, path
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_corpora.py"), "--check"],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_readme_says_how_to_install_the_gpu_extra_from_the_checkout():
    text = README.read_text(encoding="utf-8")
    assert 'python -m pip install ".[gpu]"' in text
    assert 'pip install "hangul-dl[gpu]"' not in text


def test_kernel_gives_each_group_fresh_variables_and_survives_a_failing_group(tmp_path):
    """Groups share the kernel's process, not their variables, folders or environment; a group
    that fails reports its traceback and exit status, and the next group runs as usual."""
    text = "\n".join([
        "## 하나", "```python", "import os", "x = 41", "os.environ['README_SECRET'] = '1'",
        "print(x + 1, os.path.basename(os.getcwd()))", "```",
        "## 둘", "```python", "print('x' in globals(), os.environ.get('README_SECRET'))", "```",
        "## 셋", "```python", "import os", "print('x' in globals(), os.environ.get('README_SECRET'))",
        "```", "<!-- readme:run -->", "```bash", "echo 셸", "exit 3", "```", ""])
    groups = ro.parse(text)
    with ro.Kernel(ro.environment(tmp_path / "cache"), tmp_path) as kernel:
        runs = [kernel.run(g, ro.scratch_root(tmp_path / str(k), g), timeout=60)
                for k, g in enumerate(groups)]
    assert runs[0].returncode == 0 and runs[0].outputs == ["42 root"]
    assert runs[1].returncode == 1 and "NameError: name 'os' is not defined" in runs[1].stderr
    assert runs[1].stderr.count("README.ko.md") >= 1  # the traceback names the README's line
    assert runs[2].returncode == 1 and runs[2].outputs == ["False None", "셸"]
    assert "bash block failed (exit 3)" in runs[2].stderr


def test_a_group_past_its_time_limit_kills_the_kernel_and_the_next_group_gets_a_new_one(tmp_path):
    groups = ro.parse("\n".join(["## 느림", "```python", "import time", "time.sleep(60)", "```",
                                 "## 다음", "```python", "print('새 커널')", "```", ""]))
    with ro.Kernel(ro.environment(tmp_path / "cache"), tmp_path) as kernel:
        with pytest.raises(subprocess.TimeoutExpired):
            kernel.run(groups[0], ro.scratch_root(tmp_path / "0", groups[0]), timeout=3)
        run = kernel.run(groups[1], ro.scratch_root(tmp_path / "1", groups[1]), timeout=60)
    assert run.returncode == 0 and run.outputs == ["새 커널"]
