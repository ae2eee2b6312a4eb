"""Languages: one package per language behind one interface, its words in a data file.

A language package (``otkaz/lang/<code>/``) gives the extractor a class with

- ``lang``: the language code; ``lexicon``: its ``extract.lexicon.Lexicon``;
- ``parse_many(texts)``: its NLP library's parses as ``extract.parsing.ParsedDoc``;
- ``triggers(doc)``: the rule triggers (``extract.triggers.Trigger``) of a parsed text;
- ``sentence_trigger(doc, sentence, type, strength)``: a trigger for a sentence the trained
  sentence model says reports an incident and no rule read;
- ``source_patterns``: regular expressions that name a cited source,

and keeps every word list in ``words.toml`` beside its code (read with ``word_lists``), so a
linguist edits words without touching Python. Its trained sentence model lives in
``extract/models/<code>.npz``. Adding a language is one package and its data file, and one
line in ``LANGUAGES``.
"""
from __future__ import annotations

import importlib
import tomllib
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "otkaz.lang.en:English", "ru": "otkaz.lang.ru:Russian"}


@lru_cache(maxsize=None)
def get_language(lang: str | None):
    """The language object for a language code, loaded once; None when no package reads it."""
    spec = LANGUAGES.get((lang or "").lower())
    if spec is None:
        return None
    module_name, class_name = spec.split(":")
    return getattr(importlib.import_module(module_name), class_name)()


class WordLists:
    """The word lists of one language package, from its ``words.toml``."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self._data = tomllib.load(fh)
        self.path = path

    def _get(self, key: str):
        node = self._data
        for part in key.split("."):
            node = node[part]
        return node

    def set(self, key: str) -> set[str]:
        return set(self._get(key))

    def tuple(self, key: str) -> tuple[str, ...]:
        return tuple(self._get(key))

    def list(self, key: str) -> list[str]:
        return list(self._get(key))

    def table(self, key: str) -> dict[str, set[str]]:
        """A table of lists: label -> words."""
        return {label: set(words) for label, words in self._get(key).items()}

    def cues(self, key: str) -> dict[str, list[tuple[frozenset[str], frozenset[str]]]]:
        """Consequence cues: label -> (cue words, context words of which one must be near)."""
        return {
            label: [(frozenset(row["cues"]), frozenset(row["context"])) for row in rows]
            for label, rows in self._get(key).items()
        }


def word_lists(package: str) -> WordLists:
    """The ``words.toml`` of a language package (``__name__`` of its module)."""
    module = importlib.import_module(package)
    return WordLists(Path(module.__file__).parent / "words.toml")
