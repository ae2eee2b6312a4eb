"""Python 3.12 and 3.13: a fresh venv there has no setuptools, so no pkg_resources, which
pymorphy2 (natasha's morphology) used to find its dictionaries (issue 11).

Here a child interpreter is denied pkg_resources, as those venvs are; .ci/run also runs the
suite and the examples on every Python 3.12 and 3.13 it finds.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

WITHOUT_PKG_RESOURCES = """
import importlib.abc, sys

class NoPkgResources(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pkg_resources":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoPkgResources())
"""

EXTRACT_RUSSIAN = """
from otkaz.extract import extract
from otkaz.model import Document

text = "Мобилизованный из Тулы отказался ехать на фронт, сообщила его жена. Против него возбудили дело."
result = extract(Document(id="ru", text=text, lang="ru", published="2023-05-04"))
assert result.processed, result.note
print(len(result.mentions))
"""


def test_russian_extraction_runs_without_pkg_resources(tmp_path: Path) -> None:
    # Before: ModuleNotFoundError: No module named 'pkg_resources', from pymorphy2.
    env = {name: value for name, value in os.environ.items() if name != "PYMORPHY2_DICT_PATH"}
    child = subprocess.run(
        [sys.executable, "-c", WITHOUT_PKG_RESOURCES + EXTRACT_RUSSIAN],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )
    assert child.returncode == 0, child.stderr
    assert int(child.stdout) >= 1
    assert child.stderr == ""


def test_a_dictionary_path_the_user_set_is_kept(tmp_path: Path) -> None:
    env = os.environ | {"PYMORPHY2_DICT_PATH": str(tmp_path)}
    child = subprocess.run(
        [sys.executable, "-c", "import os, otkaz; print(os.environ['PYMORPHY2_DICT_PATH'])"],
        capture_output=True, text=True, env=env, check=True,
    )
    assert child.stdout.strip() == str(tmp_path)
