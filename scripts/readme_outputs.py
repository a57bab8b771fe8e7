"""Run README.ko.md's examples and write what they print into its output blocks.

    python scripts/readme_outputs.py                 # run every example, rewrite the outputs
    python scripts/readme_outputs.py --check         # run them, exit 1 if an output is stale
    python scripts/readme_outputs.py --list          # the groups, blocks and markers; runs nothing
    python scripts/readme_outputs.py --only 단어     # only the groups whose heading contains 단어

The rules (``tests/test_readme.py`` runs the same code):

- Every ```python block runs. The blocks under one heading (``##`` or ``###``) form a *group*
  and run top to bottom with one set of variables, so a block may use the variables of the
  blocks before it under the same heading; each heading starts with fresh variables. The
  groups run one after another in one Python process (a :class:`Kernel`, as a notebook runs
  its cells), so modules and the JVM load once: Okt starts once per run, not once per group.
- A ```bash block runs only when the line before it is ``<!-- readme:run -->``; it runs with
  ``bash -e`` in its group's place in the sequence (so it may use files the blocks before it
  wrote). Other bash blocks (installs, benchmarks) are illustrations.
- ``<!-- readme:skip REASON -->`` on the line before a python block excludes it, with the
  reason; exclusions are few and listed by ``--list``.
- A terminal session is a ```text block after ``<!-- readme:transcript NAME [approx|varies] -->``:
  its lines starting with ``$ `` (with the lines a final backslash continues them onto) are
  commands, the other lines what they print. The commands run in its group's place with
  ``bash -o pipefail`` one after the other (a failing command is shown as a terminal shows it:
  its error is part of the session), and the block is rewritten with each ``$ command``
  followed by what it printed (stdout and stderr together, without the progress log lines
  that stand in for a terminal's progress bar).
- Every group runs in its own scratch copy of the repository root (``corpora/``, ``pipelines/``,
  ``scripts/`` are copied; the examples write into ``out/`` there), with one BLAS thread and a
  fresh token cache shared by the groups of one run. The first section's commands are the ones
  a reader types in the checkout itself, where ``python -m hangul_dl`` imports the source tree
  before the installed package: its scratch root has ``hangul_dl/`` too (a link to the source).
- What a block prints (stdout) goes into the output block that follows it::

      <!-- output:NAME -->
      ```text
      ...
      ```
      <!-- /output -->

  ``<!-- output:NAME approx -->`` compares numbers with a tolerance (trained models: the last
  digits depend on the CPU's BLAS kernels) and ignores durations (``8.2초``, ``1.5 s``);
  ``<!-- output:NAME varies -->`` is written but not compared.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.ko.md"
COPIED = ("corpora", "pipelines", "scripts")
# the README's first section ("two commands"): run from the repository root, source tree included
FROM_THE_CHECKOUT = "두 명령으로 시작하기"
SEPARATOR = "\x1e--readme-block-{}--\x1e"
FENCE = re.compile(r"^```(\w*)\s*$")
HEADING = re.compile(r"^(#{2,3})\s+(.*\S)\s*$")
OUTPUT_OPEN = re.compile(r"^<!-- output:(\S+)(?:\s+(approx|varies))?\s*-->\s*$")
OUTPUT_CLOSE = "<!-- /output -->"
RUN = "<!-- readme:run -->"
SKIP = re.compile(r"^<!-- readme:skip\s+(.+?)\s*-->\s*$")
TRANSCRIPT = re.compile(r"^<!-- readme:transcript\s+(\S+)(?:\s+(approx|varies))?\s*-->\s*$")
PROGRESS = "INFO hangul_dl.progress:"  # progress log lines, not shown in a session
COMMANDS = "\x1f"  # between a transcript's commands in Block.code
DURATION = re.compile(r"\d+(?:\.\d+)?(?:초| ?s\b| ?ms\b)")


@dataclasses.dataclass
class Block:
    """A fenced code block of the README (``line``: 1-based line of its first code line)."""

    lang: str
    line: int
    code: str
    heading: str
    runnable: bool
    skip_reason: str | None = None
    output: Output | None = None


@dataclasses.dataclass
class Output:
    """An output block: lines ``start``..``end`` (0-based, the markers included)."""

    name: str
    mode: str  # "exact" | "approx" | "varies"
    start: int
    end: int
    text: str


@dataclasses.dataclass
class Group:
    heading: str
    blocks: list[Block]

    @property
    def runnable(self) -> list[Block]:
        return [b for b in self.blocks if b.runnable]


def parse(text: str) -> list[Group]:
    """The README's code blocks, grouped by heading, with their output blocks attached."""
    lines = text.split("\n")
    groups: list[Group] = []
    heading = "(top)"
    last_code: Block | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := HEADING.match(line):
            heading = m.group(2)
            last_code = None
        elif m := OUTPUT_OPEN.match(line):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == OUTPUT_CLOSE), None)
            if end is None:
                raise SystemExit(f"README.ko.md:{i + 1}: output block {m.group(1)!r} has no {OUTPUT_CLOSE}")
            if last_code is None or not last_code.runnable or last_code.output is not None:
                raise SystemExit(f"README.ko.md:{i + 1}: output block {m.group(1)!r} does not follow "
                                 f"a runnable code block of its own")
            body = lines[i + 1:end]
            if len(body) < 2 or body[0] != "```text" or body[-1] != "```":
                raise SystemExit(f"README.ko.md:{i + 1}: output block {m.group(1)!r} must hold one "
                                 f"```text fence")
            last_code.output = Output(m.group(1), m.group(2) or "exact", i, end,
                                      "\n".join(body[1:-1]))
            i = end
        elif (m := FENCE.match(line)) and i and (t := TRANSCRIPT.match(lines[i - 1])):
            if m.group(1) != "text":
                raise SystemExit(f"README.ko.md:{i}: a transcript marker must precede a ```text fence")
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            body = lines[i + 1:end]
            block = Block("transcript", i + 2, COMMANDS.join(commands(body)), heading, True)
            if not block.code:
                raise SystemExit(f"README.ko.md:{i}: transcript {t.group(1)!r} has no '$ ' command")
            # the output is the fence itself: lines i..end are rewritten (see ``rewrite``)
            block.output = Output(t.group(1), t.group(2) or "exact", i - 1, end + 1,
                                  "\n".join(body))
            if not groups or groups[-1].heading != heading:
                groups.append(Group(heading, []))
            groups[-1].blocks.append(block)
            last_code = None  # a transcript holds its own output
            i = end
        elif m := FENCE.match(line):
            lang = m.group(1)
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            before = lines[i - 1] if i else ""
            skip = SKIP.match(before)
            runnable = (lang == "python" and not skip) or (lang == "bash" and before == RUN)
            block = Block(lang, i + 2, "\n".join(lines[i + 1:end]), heading, runnable,
                          skip.group(1) if skip else None)
            if not groups or groups[-1].heading != heading:
                groups.append(Group(heading, []))
            groups[-1].blocks.append(block)
            last_code = block
            i = end
        i += 1
    return [g for g in groups if g.blocks]


def commands(body: Sequence[str]) -> list[str]:
    """The commands of a transcript's lines: each ``$ `` line with its ``\\``-continued lines."""
    found: list[str] = []
    continued = False
    for line in body:
        if continued:
            found[-1] += "\n" + line
        elif line.startswith("$ "):
            found.append(line[2:])
        else:
            continue
        continued = line.endswith("\\")
    return found


# The program of a kernel: it serves one request (a group) per line of its stdin and answers
# each with one JSON line on the stdout it started with. A request names the group's folder,
# its blocks and two files that take the group's stdout and stderr (file descriptors 1 and 2, so
# the JVM's and the subprocesses' output go there too).
KERNEL = r"""
import gc, json, os, resource, subprocess, sys, traceback
import numpy, hangul_dl  # loaded once, from the folder the kernel starts in (not a group's)

SEPARATOR, PROGRESS = sys.argv[1], sys.argv[2]
reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
saved = os.dup(1), os.dup(2)


def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def shown(output):  # progress lines (a bar on a terminal, log lines here) are left out
    return "".join(line for line in output.splitlines(True) if not line.startswith(PROGRESS))


def run(block, namespace):
    if block["lang"] == "python":
        source = "\n" * (block["line"] - 1) + block["code"] + "\n"
        exec(compile(source, "README.ko.md", "exec"), namespace)
    elif block["lang"] == "transcript":
        for command in block["code"].split("\x1f"):
            print("$ " + command, flush=True)
            out = subprocess.run(["bash", "-o", "pipefail", "-c", command], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True).stdout
            print(shown(out), end="")
    else:  # a shell block shows what a terminal shows: its stderr goes with its stdout
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block["code"]],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(shown(done.stdout), end="")
        if done.returncode:
            sys.exit(f"README.ko.md:{block['line']}: bash block failed (exit {done.returncode})")


for request in sys.stdin:
    request = json.loads(request)
    sys.stdout.flush(), sys.stderr.flush()
    out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, 1), os.dup2(err, 2)
    environ, start, code = dict(os.environ), cpu(), 0
    os.chdir(request["root"])
    namespace = {"__name__": "__main__"}  # fresh variables for every group
    try:
        for k, block in enumerate(request["blocks"]):
            print(SEPARATOR.format(k), flush=True)
            run(block, namespace)
            sys.stdout.flush()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        if not isinstance(exc.code, int) and exc.code is not None:
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush(), sys.stderr.flush()
    os.dup2(saved[0], 1), os.dup2(saved[1], 2), os.close(out), os.close(err)
    os.environ.clear(), os.environ.update(environ)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    del namespace
    gc.collect()
    reply.write(json.dumps({"returncode": code, "cpu": cpu() - start}) + "\n")
    reply.flush()
"""


@dataclasses.dataclass
class Run:
    group: Group
    outputs: list[str]  # stdout of each runnable block, in order
    seconds: float
    cpu_seconds: float  # user + system time of the kernel and its subprocesses for the group
    returncode: int
    stderr: str


class Kernel:
    """A Python process that runs groups one after another, as a notebook's kernel runs cells:
    each group from its own scratch folder, with fresh variables, its own stdout and stderr.
    What stays loaded between groups are modules and the JVM, so Okt starts (and warms up)
    once per kernel instead of once per group. A group that hangs past its time limit kills
    the kernel; the next group starts a new one."""

    def __init__(self, env: dict[str, str], cwd: Path):
        self.env, self.cwd = env, cwd
        self.proc: subprocess.Popen | None = None

    def _started(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-c", KERNEL, SEPARATOR, PROGRESS],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         cwd=self.cwd, env=self.env, text=True, encoding="utf-8")
        return self.proc

    def run(self, group: Group, root: Path, timeout: float = 600) -> Run:
        """Run ``group``'s runnable blocks from ``root``; raises ``TimeoutExpired`` past
        ``timeout`` seconds (the kernel is then killed)."""
        blocks = group.runnable
        proc = self._started()
        files = root.parent / "stdout.txt", root.parent / "stderr.txt"
        request = {"root": str(root), "stdout": str(files[0]), "stderr": str(files[1]),
                   "blocks": [{"lang": b.lang, "code": b.code, "line": b.line} for b in blocks]}
        start = time.perf_counter()
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        with selectors.DefaultSelector() as ready:
            ready.register(proc.stdout, selectors.EVENT_READ)
            if not ready.select(timeout):
                proc.kill()  # hung: the next group starts a new kernel
                proc.wait()
                self.proc = None
                raise subprocess.TimeoutExpired(group.heading, timeout)
        line = proc.stdout.readline()
        seconds = time.perf_counter() - start
        if line:
            answer = json.loads(line)
        else:  # the kernel died (a crash in native code, the OOM killer)
            answer = {"returncode": proc.wait() or 1, "cpu": 0.0}
        printed = files[0].read_text(encoding="utf-8", errors="replace")
        stderr = files[1].read_text(encoding="utf-8", errors="replace")
        outputs = [""] * len(blocks)
        for piece in printed.split("\x1e--readme-block-")[1:]:
            index, _, body = piece.partition("--\x1e\n")
            outputs[int(index)] = body.rstrip("\n")
        return Run(group, outputs, seconds, answer["cpu"], answer["returncode"], stderr)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scratch_root(parent: Path, group: Group | None = None) -> Path:
    """A scratch copy of the repository root that ``group``'s examples may write into; for the
    first section's, with the source tree too (``python -m hangul_dl`` then imports it first,
    as in a checkout)."""
    root = parent / "root"
    root.mkdir(parents=True)
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    if group is not None and group.heading == FROM_THE_CHECKOUT:
        (root / "hangul_dl").symlink_to(ROOT / "hangul_dl", target_is_directory=True)
    return root


def environment(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    # the examples' `hangul-dl` is the one installed beside this Python (a venv not activated)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env.update(HANGUL_DL_CACHE=str(cache), PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8",
               COLUMNS="100", NO_COLOR="1")
    return env


NUMBER = re.compile(r"[-+]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?")


def same_output(expected: str, actual: str, mode: str) -> bool:
    """Whether a fresh output matches the README's (``approx``: numbers within 3% or 0.02)."""
    if mode == "varies":
        return bool(actual.strip()) or not expected.strip()
    if mode == "exact":
        return expected == actual
    expected, actual = DURATION.sub("#s", expected), DURATION.sub("#s", actual)
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return False
    for a, b in zip(NUMBER.findall(expected), NUMBER.findall(actual)):
        try:
            x, y = float(a.replace(",", "")), float(b.replace(",", ""))
        except ValueError:
            if a != b:
                return False
            continue
        if abs(x - y) > max(0.02, 0.03 * max(abs(x), abs(y))):
            return False
    return True


def rewrite(text: str, runs: Sequence[Run]) -> str:
    """``text`` with every output block of ``runs`` replaced by what its block printed."""
    lines = text.split("\n")
    replacements = []
    for run in runs:
        for block, printed in zip(run.group.runnable, run.outputs):
            if block.output is not None:
                replacements.append((block.output, printed))
    for out, printed in sorted(replacements, key=lambda r: -r[0].start):
        lines[out.start + 1:out.end] = ["```text", *printed.split("\n"), "```"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if an output block is stale")
    parser.add_argument("--list", action="store_true", help="list groups, blocks and markers; run nothing")
    parser.add_argument("--only", metavar="TEXT", help="run only groups whose heading contains TEXT")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    groups = [g for g in parse(text) if g.runnable and (not args.only or args.only in g.heading)]
    if args.list:
        for g in groups:
            print(f"[{g.heading}]")
            for b in g.blocks:
                state = ("skip: " + b.skip_reason) if b.skip_reason else ("run" if b.runnable else "-")
                out = f"  -> output:{b.output.name} ({b.output.mode})" if b.output else ""
                print(f"  line {b.line:4d}  {b.lang:6s} {state}{out}")
        return 0
    runs = []
    with tempfile.TemporaryDirectory(prefix="readme-") as tmp, \
            Kernel(environment(Path(tmp) / "cache"), Path(tmp)) as kernel:
        for k, g in enumerate(groups):
            run = kernel.run(g, scratch_root(Path(tmp) / f"{k:02d}", g))
            print(f"{run.seconds:6.1f} s ({run.cpu_seconds:5.1f} s CPU)  {g.heading}", file=sys.stderr)
            if run.returncode:
                print(run.stderr, file=sys.stderr)
                print(f"error: the examples under {g.heading!r} failed (exit {run.returncode})",
                      file=sys.stderr)
                return 2
            runs.append(run)
    stale = [b.output.name for r in runs for b, printed in zip(r.group.runnable, r.outputs)
             if b.output is not None and not same_output(b.output.text, printed, b.output.mode)]
    if args.check:
        if stale:
            print(f"stale output blocks: {', '.join(stale)} (run python scripts/readme_outputs.py)",
                  file=sys.stderr)
            return 1
        print("README.ko.md outputs are up to date", file=sys.stderr)
        return 0
    new = rewrite(text, runs)
    if new != text:
        if args.readme.read_text(encoding="utf-8") != text:  # edited while the examples ran
            print(f"error: {args.readme} changed while the examples ran; nothing written (run "
                  "again)", file=sys.stderr)
            return 2
        args.readme.write_text(new, encoding="utf-8")
    print(f"rewrote {len(stale)} output block(s): {', '.join(stale) or '-'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
