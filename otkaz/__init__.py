"""otkaz: news reports of refusal to fight, desertion and draft evasion -> an incident dataset."""

import os

__version__ = "0.1.0"


def _name_russian_dictionaries() -> None:
    # natasha's morphology is pymorphy2, which looks its dictionaries up through
    # pkg_resources: gone from setuptools 82 on, and from a fresh venv on Python 3.12+.
    # The variable is pymorphy2's documented other way to find them; a user's own wins.
    import pymorphy2_dicts_ru

    os.environ.setdefault("PYMORPHY2_DICT_PATH", pymorphy2_dicts_ru.get_path())


_name_russian_dictionaries()
