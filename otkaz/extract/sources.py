"""Cited sources: the outlets and organizations an article names as its source.

Four mechanisms: the subject of a reporting verb when it is an organization or is introduced
by a source noun ("the publication X reported"), a court named as the subject of its decision
("the Pskov Garrison Military Court sentenced"), the object of "according to", "citing",
"told" (per the language's patterns), and a fallback list of well-known outlets of the field
that the statistical NER often misses.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import Lexicon
from .parsing import ParsedDoc



@lru_cache(maxsize=8)
def _known_pattern(known: tuple[str, ...]) -> re.Pattern:
    names = sorted(known, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


def find_sources(doc: ParsedDoc, lexicon: Lexicon, patterns: list[re.Pattern]) -> list[tuple[str, int, int]]:
    """(name, start, end) of every source the text cites, in text order, one per name."""
    found: list[tuple[str, int, int]] = []
    text = doc.text
    orgs = [(e.start, e.end) for e in doc.entities if e.label == "ORG"]
    for pattern in patterns:
        for m in pattern.finditer(text):
            start, end = m.span("name")
            name = clean_name(m.group("name"))
            if _plausible_outlet(name, start, end, text, orgs, lexicon):
                found.append((name, start, end))
    for tok in doc.tokens:
        if tok.lemma not in lexicon.reporting_verbs or tok.pos not in {"VERB", "AUX"}:
            continue
        for child in doc.children(tok):
            if child.dep not in {"nsubj", "nsubj:pass"}:
                continue
            ent = next((e for e in doc.entities if child.i in e.tokens), None)
            if ent is not None and ent.label == "ORG":
                found.append((clean_name(ent.text), ent.start, ent.end))
    found += _courts_deciding(doc, lexicon)
    for m in _known_pattern(lexicon.known_sources).finditer(text):
        found.append((m.group(1), m.start(1), m.end(1)))
    if lexicon.source_name is not None:
        found = [(lexicon.source_name(name), start, end) for name, start, end in found]
    return _dedupe(found, lexicon)


def _courts_deciding(doc: ParsedDoc, lexicon: Lexicon) -> list[tuple[str, int, int]]:
    """'The Pskov Garrison Military Court sentenced ...': a court named as the subject of its
    decision is where the report's facts come from (its verdict)."""
    courts = lexicon.fields.court_nouns
    out = []
    for ent in doc.entities:
        if ent.label != "ORG" or not any(doc.tokens[i].lemma in courts for i in ent.tokens):
            continue
        if any(doc.tokens[i].dep in {"nsubj", "nsubj:pass"} and doc.head(doc.tokens[i]).pos in {"VERB", "AUX"} for i in ent.tokens):
            out.append((clean_name(ent.text), ent.start, ent.end))
    return out


def _plausible_outlet(name: str, start: int, end: int, text: str, orgs, lexicon: Lexicon) -> bool:
    """A one-word name after "according to" may as well be a person ("according to
    Oksana"): take it when it is an acronym, an organization to the tagger, or introduced
    by a word like "the publication"."""
    if " " in name or name.isupper() or any(s <= start and end <= e for s, e in orgs):
        return True
    if text[start : start + 1] in "«\"“„":
        return True  # a name in quotes is a title: "сообщает «Вёрстка»"
    before = text[max(0, start - 30) : start].lower().split()
    return bool(before) and before[-1].strip("«\"“") in lexicon.source_nouns


def _nationality(name: str, lang: str) -> bool:
    """'citing Russian media' names no source: a bare nationality is not one (a place name
    may be: outlets are often named after their city)."""
    from ..gazetteer import get_gazetteer

    matches = get_gazetteer().find(name, lang)
    return len(matches) == 1 and matches[0].form != "name" and matches[0].start == 0 and matches[0].end == len(name)


def clean_name(name: str) -> str:
    name = name.strip().strip("«»\"“”'’.,:;")
    name = re.sub(r"^(?:the|The)\s+", "", name)
    return name


def _dedupe(found: list[tuple[str, int, int]], lexicon: Lexicon) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for name, start, end in sorted(found, key=lambda x: (x[1], -(x[2] - x[1]))):
        if not name or len(name) < 2 or name.lower() in lexicon.source_nouns or _nationality(name, lexicon.lang):
            continue
        if any(name.lower() == n.lower() or (start >= s and end <= e) for n, s, e in out):
            continue
        out.append((name, start, end))
    return out
