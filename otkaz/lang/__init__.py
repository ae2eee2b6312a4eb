"""Languages: one package per language behind one interface, its words in a data file.

A language package (``otkaz/lang/<code>/``) gives the extractor a class with

- ``lang``: the language code; ``lexicon``: its ``extract.lexicon.Lexicon``;
- ``parse_many(texts)``: its NLP library's parses as ``extract.parsing.ParsedDoc`` (the models
  load on the first parse, not when the object is made: reading the lexicon loads none);
- ``triggers(doc)``: the rule triggers (``extract.triggers.Trigger``) of a parsed text;
- ``sentence_trigger(doc, sentence, type, strength)``: a trigger for a sentence the trained
  sentence model says reports an incident and no rule read;
- ``source_patterns``: regular expressions that name a cited source,

and keeps every word list in data files beside its code, so a linguist edits words without
touching Python:

- ``words.toml``: trigger vocabulary and the lexicon (read with ``word_lists``), and in its
  ``[fields]`` table the words of ``extract.fields`` (``lexicon.FieldWords``);
- ``counts.toml``: number words, modifiers, people nouns and units of ``extract.counts``;
- ``dates.toml``: month, weekday and season names, relative-date words and the date patterns
  of ``extract.dates``;
- ``candidates.txt``: the relevance prefilter's candidate words.

``extract.counts`` and ``extract.dates`` keep only the mechanism and read a language's
``counts.toml`` / ``dates.toml`` through ``language_data`` (loaded once, without loading the
language's parser). A language without one of these files is not read by that module. Its
trained sentence model lives in ``extract/models/<code>.npz``. Adding a language is one
package and its data files, and one line in ``LANGUAGES``.
"""
from __future__ import annotations

import importlib
import importlib.util
import tomllib
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "otkaz.lang.en:English", "ru": "otkaz.lang.ru:Russian"}


@lru_cache(maxsize=None)
def get_language(lang: str | None):
    """The language object for a language code, made once; None when no package reads it."""
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

    def get(self, key: str, default=None):
        """A value by dotted key, or ``default`` when the file has none."""
        try:
            return self._get(key)
        except KeyError:
            return default

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


def package_dir(lang: str) -> Path | None:
    """The directory of a language's package, found without importing it (no parser loads)."""
    spec = LANGUAGES.get((lang or "").lower())
    if spec is None:
        return None
    found = importlib.util.find_spec(spec.split(":")[0])
    return Path(found.origin).parent if found is not None and found.origin else None


@lru_cache(maxsize=None)
def language_data(lang: str, name: str) -> dict | None:
    """The data file ``<name>.toml`` of a language's package, read once; None when it has none."""
    directory = package_dir(lang)
    path = directory / f"{name}.toml" if directory is not None else None
    if path is None or not path.is_file():
        return None
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def languages_with(name: str) -> tuple[str, ...]:
    """The codes of the languages whose package has the data file ``<name>.toml``."""
    return tuple(lang for lang in LANGUAGES if language_data(lang, name) is not None)


def word_lists(package: str) -> WordLists:
    """The ``words.toml`` of a language package (``__name__`` of its module)."""
    module = importlib.import_module(package)
    return WordLists(Path(module.__file__).parent / "words.toml")
