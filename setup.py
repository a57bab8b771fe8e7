"""Only what pyproject.toml cannot say: the recipes in the top-level ``pipelines/`` folder are
copied into the built package as ``hangul_dl/pipelines/*.toml``.

The checkout keeps ``pipelines/`` as their one home; :func:`hangul_dl.recipes.recipe_folder` finds
the package's copy after an install and the checkout's folder when ``hangul_dl`` is imported from
the source tree (``python -m hangul_dl demo`` run from the repository root).
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


class build_py_with_recipes(build_py):
    """``build_py`` that also copies ``pipelines/*.toml`` into ``hangul_dl/pipelines/``."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "hangul_dl" / "pipelines"
        self.mkpath(str(target))
        for recipe in sorted(Path(__file__).parent.joinpath("pipelines").glob("*.toml")):
            self.copy_file(str(recipe), str(target / recipe.name))


setup(
    packages=find_packages(include=["hangul_dl", "hangul_dl.*"]),
    package_data={"hangul_dl": ["py.typed"]},
    cmdclass={"build_py": build_py_with_recipes},
)
