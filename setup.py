"""Only what pyproject.toml cannot say: the top-level ``pipelines/`` recipes ship inside the
package as ``hangul_dl.pipelines`` (``hangul-dl demo`` reads ``demo.toml`` from there)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["hangul_dl", "hangul_dl.*"]), "hangul_dl.pipelines"],
    package_dir={"hangul_dl.pipelines": "pipelines"},
    package_data={"hangul_dl": ["py.typed", "data/*"], "hangul_dl.pipelines": ["*.toml"]},
)
