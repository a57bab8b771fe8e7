"""The package's public surface: every exported name resolves, lazily, without side effects."""

import subprocess
import sys

import hangul_dl


def test_every_public_name_resolves():
    for name in hangul_dl.__all__:
        assert getattr(hangul_dl, name) is not None, name
    assert set(dir(hangul_dl)) >= set(hangul_dl.__all__)


def test_import_starts_no_jvm_and_imports_nothing_heavy():
    code = ("import sys, hangul_dl; from hangul_dl import KonlpyTokenizer, LanguageModel;"
            "print(sorted(m for m in ('jpype', 'cupy', 'matplotlib', 'konlpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
