"""Named people are personal data: exports replace their names with pseudonyms.

A person's name is replaced wherever it appears in full (any case), and so is
each part of it that has 3 or more letters when the quote writes it
capitalized ("Smith" alone, "Ivan" alone).  Russian names inflect, so a
Cyrillic part also matches with a short case ending ("Петров" -> "Петрова",
"Петровым").  The pseudonym is "[person N]", N numbered by first appearance
within one export, so the same person is the same N throughout the export.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

MIN_PART_LETTERS = 3
# Up to this many letters of case ending after a Cyrillic name stem.
_CYRILLIC_ENDING = r"[а-яё]{0,3}"
# Final letters that inflection replaces ("Мария" -> "Марии", "Игорь" -> "Игоря").
_CYRILLIC_FINALS = "аяоеьйыи"
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")


class Pseudonymizer:
    """Replaces the names of ``people`` in texts by stable "[person N]" labels."""

    def __init__(self, people: Iterable[str]) -> None:
        names = list(dict.fromkeys(name.strip() for name in people if name and name.strip()))
        self._patterns = [(name, _name_pattern(name)) for name in names]
        self._numbers: dict[str, int] = {}

    def pseudonym(self, name: str) -> str:
        number = self._numbers.setdefault(name, len(self._numbers) + 1)
        return f"[person {number}]"

    def redact(self, text: str) -> str:
        """``text`` with every name found in it replaced; the longest match wins."""
        spans = sorted(
            (match.start(), -(match.end() - match.start()), name)
            for name, pattern in self._patterns
            for match in pattern.finditer(text)
        )
        pieces: list[str] = []
        position = 0
        for start, negative_length, name in spans:
            if start < position:  # overlaps a name already replaced
                continue
            pieces += [text[position:start], self.pseudonym(name)]
            position = start - negative_length
        pieces.append(text[position:])
        return "".join(pieces)


def _name_pattern(name: str) -> re.Pattern[str]:
    parts = name.split()
    full = r"\s+".join(_part_pattern(part, capitalized=False) for part in parts)
    alternatives = [full] + [
        _part_pattern(part, capitalized=True)
        for part in parts
        if sum(char.isalpha() for char in part) >= MIN_PART_LETTERS
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def _part_pattern(part: str, capitalized: bool) -> str:
    """One word of a name; ``capitalized``: it must start with a capital letter."""
    stem, ending = part, ""
    if _CYRILLIC.search(part):
        stem = part[:-1] if len(part) > MIN_PART_LETTERS and part[-1].lower() in _CYRILLIC_FINALS else part
        ending = _CYRILLIC_ENDING
    if not capitalized:
        return f"(?i:{re.escape(stem)}{ending})"
    head, rest = stem[0], stem[1:]
    return f"{re.escape(head.upper())}(?i:{re.escape(rest)}{ending})"
