"""Build hook: the wheel carries the notebooks, templates and default parameters.

They live at the top of the repository (``notebooks/``, ``templates/``,
``params/``), where people edit them; a wheel built from it copies them into
``kamreport/_bundled/``, where :mod:`kamreport.paths` finds them in an
installed package. Everything else is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = ("notebooks", "templates", "params")
IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        here = Path(__file__).resolve().parent
        bundled = Path(self.build_lib) / "kamreport" / "_bundled"
        for name in RESOURCES:
            shutil.rmtree(bundled / name, ignore_errors=True)
            shutil.copytree(here / name, bundled / name, ignore=IGNORED)


setup(cmdclass={"build_py": BuildWithResources})
