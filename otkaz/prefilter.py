"""The relevance prefilter: a cheap look for the candidate vocabulary before any parsing.

Each language with a vocabulary file ``otkaz/lang/<lang>/candidates.txt`` (stems and
phrases, see the files' headers) gets one Aho-Corasick automaton, built once, run over
the lower-cased text. A document with no candidate word is never parsed (the pipeline
stores it as processed, with no mentions and a note); within a document, the sentences
with a candidate word and their neighbours are the ones worth parsing.

    from otkaz.prefilter import get_prefilter
    prefilter = get_prefilter()
    prefilter.is_relevant(document)              # False: nothing for the parser
    prefilter.relevant_spans(text, "en")         # [(start, end), ...] of the sentences kept

Documents in a language without a vocabulary are always relevant: the extractor decides
what to do with them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

LANG_FOLDER = Path(__file__).with_name("lang")
VOCABULARY_FILE = "candidates.txt"
# Sentences kept on each side of a sentence with a candidate word: an incident is often told
# across sentences ("Ilya hobbled to his front door ... He refused to sign"). 3 keeps every
# gold quote of the development sets (tests/test_prefilter.py measures it).
NEIGHBOURS = 3
NOTE = "prefilter: no candidate word, not parsed"

# Same-length rewrites, so that offsets in the folded text are offsets in the original.
_FOLD_PAIRS = (("ё", "е"), ("’", "'"), ("‘", "'"), ("ʼ", "'"), ("\n", " "), ("\t", " "), ("\r", " "), ("\u00a0", " "))
_FOLD = str.maketrans(dict(_FOLD_PAIRS))
# A sentence ends at a line break, or at ., !, ? or … (closing quotes and brackets included)
# followed by white space.
_SENTENCE_END = re.compile(r"\n+|[.!?…]+[\"'»”’)\]]*(?=\s)")


@dataclass(frozen=True)
class _Entry:
    length: int
    whole_word: bool


def read_vocabulary(path: Path) -> list[str]:
    """The stems and phrases of a vocabulary file: one a line, ``#`` starts a comment."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip().lower().translate(_FOLD)
        if entry:
            entries.append(" ".join(entry.split()))
    return entries


def fold(text: str) -> str:
    """Lower case and the rewrites above, keeping every character at its offset."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower into two ("İ"): keep the first
        lowered = "".join(char.lower()[0] for char in text)
    # str.replace per pair: the same text as translate(_FOLD), five times faster (every
    # document of a firehose is folded)
    for char, replacement in _FOLD_PAIRS:
        if char in lowered:
            lowered = lowered.replace(char, replacement)
    return lowered


def _is_word_char(char: str) -> bool:
    return char.isalnum()


class Prefilter:
    """Candidate-word matchers, one per language, each compiled once."""

    def __init__(self, vocabularies: dict[str, list[str]]) -> None:
        self._automata: dict[str, ahocorasick.Automaton] = {}
        for lang, entries in vocabularies.items():
            automaton = ahocorasick.Automaton()
            for entry in entries:
                whole_word = entry.endswith("$")
                key = entry.rstrip("$").strip()
                if key:
                    automaton.add_word(key, _Entry(len(key), whole_word))
            automaton.make_automaton()
            self._automata[lang] = automaton

    @classmethod
    def from_folder(cls, folder: Path = LANG_FOLDER) -> Prefilter:
        """The vocabularies found under ``folder/<lang>/candidates.txt``."""
        return cls({
            path.parent.name: read_vocabulary(path)
            for path in sorted(folder.glob(f"*/{VOCABULARY_FILE}"))
        })

    @property
    def languages(self) -> list[str]:
        return sorted(self._automata)

    def matches(self, text: str, lang: str | None) -> list[tuple[int, int]]:
        """(start, end) of every candidate word in ``text``, in order of their end."""
        automaton = self._automata.get((lang or "").lower())
        if automaton is None:
            return []
        return list(self._iter_matches(automaton, text))

    def _iter_matches(self, automaton: ahocorasick.Automaton, text: str):
        folded = fold(text)
        for last, entry in automaton.iter(folded):
            start, end = last + 1 - entry.length, last + 1
            if start > 0 and _is_word_char(folded[start - 1]):
                continue  # inside a word: "redraft", "undesert"
            if entry.whole_word and end < len(folded) and _is_word_char(folded[end]):
                continue
            yield start, end

    def is_relevant_text(self, text: str, lang: str | None) -> bool:
        """Whether the text holds a candidate word; True for a language without a vocabulary."""
        automaton = self._automata.get((lang or "").lower())
        if automaton is None:
            return True
        return next(self._iter_matches(automaton, text), None) is not None

    def is_relevant(self, document) -> bool:
        """Whether the document (a ``model.Document``) is worth parsing: its text or its title
        (a headline often names what the text tells in other words) holds a candidate word."""
        return self.is_relevant_text(document.text, document.lang) or (
            bool(document.title) and self.is_relevant_text(document.title, document.lang)
        )

    def relevant_spans(self, text: str, lang: str | None, neighbours: int = NEIGHBOURS) -> list[tuple[int, int]]:
        """(start, end) of the sentences worth parsing: those with a candidate word and
        ``neighbours`` sentences on each side, adjacent ones joined. The whole text for a
        language without a vocabulary."""
        if (lang or "").lower() not in self._automata:
            return [(0, len(text))] if text else []
        sentences = split_sentences(text)
        hits = self.matches(text, lang)
        keep = [False] * len(sentences)
        ends = [end for _start, end in sentences]
        index = 0
        for start, _end in sorted(hits):
            while index < len(sentences) and ends[index] <= start:
                index += 1
            if index < len(sentences):
                for near in range(max(0, index - neighbours), min(len(sentences), index + neighbours + 1)):
                    keep[near] = True
        spans: list[tuple[int, int]] = []
        for (start, end), kept in zip(sentences, keep):
            if not kept:
                continue
            if spans and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text's sentences, covering it whole: cheap, for the prefilter only
    (an abbreviation's full stop splits a sentence in two, which only narrows a window)."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            _add_sentence(spans, text, start, match.end())
            start = match.end()
    if start < len(text):
        _add_sentence(spans, text, start, len(text))
    return spans


def _add_sentence(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    if spans and not text[start:end].strip():  # the line break after a full stop: no sentence
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


@lru_cache(maxsize=1)
def get_prefilter() -> Prefilter:
    """The prefilter of the vocabularies shipped with otkaz, built once per process."""
    return Prefilter.from_folder()
