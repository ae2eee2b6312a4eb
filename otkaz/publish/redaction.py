"""One public view of the data: the single redaction step behind every text that the public
and viewers see (evidence quotes, titles, cited sources, document texts, the search index).

The people named in these reports risk prosecution, so each private person's name becomes
a pseudonym, "[person N]":

- **Who is named.** The NER of the document's language (spaCy PER for English, natasha PER
  for Russian), the people the extractor recorded and analysts added, and given names the
  NER missed ("Yuliya, the wife of ...": a capitalized proper noun that ``names`` knows as a
  given name, with the capitalized words after it). An entity is not a person when it is an
  outlet or organisation otkaz knows (``known_sources``), the document's outlet, a name the
  NER tags as an organisation elsewhere in the text, or a place the gazetteer knows used
  as a place; a given name is always a person ("Anna", a town too, unless "in Anna").
- **Every form.** Each word of a person's name is replaced wherever the text writes it
  capitalized: in any Russian case ending, in Latin or Cyrillic script (``names.name_key``),
  before a possessive; the words of one name written together become one pseudonym.
- **One person, one pseudonym.** A full name (given name and surname) has one number in
  the whole store, the same across Latin and Cyrillic spellings, documents, pages and
  exports (``Database.pseudonym_numbers``). A name written as one word only ("Ilya",
  "Petrov") cannot be told from namesakes in other articles: it is numbered per document.
- **Public offices.** A person the document names in a public office of ``data/roles.toml``
  ("Defence Minister Sergei Shoigu", "Dmitry Peskov, the Kremlin spokesman") keeps the name
  in that document. The decision is per document (two people may share a name).
- **Cited sources** keep outlets, organisations and public offices; a private person cited
  is shown as the role the document gives them ("a relative", "a lawyer"), else
  "a private source".

Where it lives: ``refresh`` (run by ``pipeline.redact_pending`` after extraction and after
analysts' decisions) parses each document once (``find_entities``; a run stores the entities
the extraction found from its own parse, ``entities_of_parsed``), then ``analyse`` +
``render`` make its ``DocumentView``: the redacted text and title, the replacements (to map
evidence offsets into the redacted text) and the people found. Views are stored
(``Database.save_redaction``) and made again only when the document's named people change
(new extraction, an analyst's correction) or its text does. ``PublicView`` reads them for
pages, the API and exports; a report whose document has no current view shows no quote.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rapidfuzz.distance import OSA

from otkaz.model import Document, Evidence, Incident, Report
from otkaz.publish.names import (
    MIN_NAME_LETTERS,
    WINDOW_WORDS,
    dictionary_form,
    is_cyrillic,
    is_common_word,
    is_given_name,
    name_key,
    normal_word,
    roles,
    same_name,
)

if TYPE_CHECKING:
    from otkaz.extract.parsing import ParsedDoc
    from otkaz.store import Database

# Bump when the rules below change: every stored view is made again (without parsing again).
REDACTION_VERSION = "1"
# Bump when find_entities changes: every document is parsed again.
ENTITIES_VERSION = "1"
REVEAL = "reveal_names"  # the audit action of showing names to an analyst or admin
PSEUDONYM = "[person {}]"
UNNUMBERED = "[person]"  # a name in free text (an analyst's note) that no document numbers
PRIVATE_SOURCE = "a private source"
UNCHECKED_SOURCE = "a source"  # a cited source read before its article's names were checked
WITHHELD_TITLE = "untitled article"
BATCH = 32
MIN_TYPO_LETTERS = 6  # a name this long still matches with two letters swapped

_TOKEN = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)*")
_INITIAL = re.compile(r"^[^\W\d_]\.?$")
_POSSESSIVE_TAIL = re.compile(r"(?:['’]s?|[\s,.;:!?\"“”«»)(\]\[-])+$")
# Words before a place name that make it a place ("in Kherson", "из Перми").
_PLACE_PREPOSITIONS = frozenset(
    "in at from to near of outside around into via through toward towards across "
    "в во из на под у до около возле к ко с со по через".split()
)
_PLACE_WORDS = frozenset("region oblast krai province district republic область край район республика округ".split())
_APPOSITION_START = re.compile(r"^\s*(?:,|\(|[—–]|\s-\s)")
_APPOSITION_END = re.compile(r"[,.;:!?()\n—–]")


# --------------------------------------------------------------------------- entities


Span = tuple[int, int]
_ENTITY_KINDS = ("people", "organisations", "places", "locations", "given")


@dataclass
class TextEntities:
    """What parsing found in one text: character spans."""

    people: list[Span] = field(default_factory=list)  # PER
    organisations: list[Span] = field(default_factory=list)  # ORG
    places: list[Span] = field(default_factory=list)  # the gazetteer's place names
    locations: list[Span] = field(default_factory=list)  # LOC
    given: list[Span] = field(default_factory=list)  # given names the NER missed (``_given_name_runs``)

    def to_dict(self) -> dict[str, Any]:
        return {name: [list(item) for item in getattr(self, name)] for name in _ENTITY_KINDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextEntities:
        return cls(**{name: [(s, e) for s, e in data[name]] for name in _ENTITY_KINDS})


@dataclass
class Entities:
    """What parsing found in a document: its text's entities and its title's (None: no title)."""

    lang: str
    text: TextEntities
    title: TextEntities | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": ENTITIES_VERSION,
            "lang": self.lang,
            "text": self.text.to_dict(),
            "title": self.title.to_dict() if self.title else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Entities | None:
        """None when ``data`` is missing or was made by an older ``find_entities``."""
        if not data or data.get("version") != ENTITIES_VERSION:
            return None
        title = TextEntities.from_dict(data["title"]) if data.get("title") else None
        return cls(data["lang"], TextEntities.from_dict(data["text"]), title)


def ner_language(document: Document) -> str:
    """The language whose NER reads the document: its own when otkaz reads it, else by script."""
    lang = (document.lang or "").lower()
    if lang in ("en", "ru"):
        return lang
    cyrillic = sum(1 for ch in document.text[:5000] if is_cyrillic(ch))
    latin = sum(1 for ch in document.text[:5000] if ch.isascii() and ch.isalpha())
    return "ru" if cyrillic > latin else "en"


def find_entities(documents: list[Document]) -> list[Entities]:
    """Parse each document's text and title with its language's NER (in batches)."""
    from otkaz.extract import get_language

    found: list[Entities | None] = [None] * len(documents)
    by_lang: dict[str, list[int]] = {}
    for n, document in enumerate(documents):
        by_lang.setdefault(ner_language(document), []).append(n)
    for lang, indices in by_lang.items():
        language = get_language(lang)
        for batch in _batches(indices, BATCH):
            texts = [documents[n].text for n in batch]
            titled = [n for n in batch if documents[n].title]
            parsed = list(language.parse_many(texts + [documents[n].title for n in titled]))
            titles = dict(zip(titled, parsed[len(batch) :], strict=True))
            for n, doc in zip(batch, parsed, strict=False):
                found[n] = Entities(
                    lang, _text_entities(doc, lang), _text_entities(titles[n], lang) if n in titles else None
                )
    return [entities for entities in found if entities is not None]


def parsed_digest(document: Document) -> str:
    """Which text and title entities were found in."""
    return hashlib.sha256(f"{document.title or ''}\0{document.text}".encode()).hexdigest()


def entities_of_parsed(document: Document, lang: str, parsed: ParsedDoc) -> Entities | None:
    """``find_entities`` of one document whose text ``lang``'s parser has read already (as the
    extractor has): only its title is parsed. The parse of a text does not depend on the texts
    parsed beside it, so the entities are those ``find_entities`` finds. None when the parse is
    not of the whole text (cut for extraction) or not by the language whose NER reads it:
    ``refresh`` parses such a document itself."""
    from otkaz.extract import get_language

    if ner_language(document) != lang or parsed.text != document.text:
        return None
    title = None
    if document.title:
        title = _text_entities(next(iter(get_language(lang).parse_many([document.title]))), lang)
    return Entities(lang, _text_entities(parsed, lang), title)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _text_entities(doc: ParsedDoc, lang: str) -> TextEntities:
    from otkaz.gazetteer import get_gazetteer

    return TextEntities(
        people=[(e.start, e.end) for e in doc.entities if e.label == "PER"],
        organisations=[(e.start, e.end) for e in doc.entities if e.label == "ORG"],
        locations=[(e.start, e.end) for e in doc.entities if e.label == "LOC"],
        places=[(m.start, m.end) for m in get_gazetteer().find(doc.text, lang)] if doc.text.strip() else [],
        given=_given_name_runs(doc),
    )


def _given_name_runs(doc: ParsedDoc) -> list[Span]:
    """A proper noun that is a given name, with the capitalized proper nouns and initials after it
    ("Vitaly Petrov", "Svetlana B."), where the NER found no person."""
    lower_words = {tok.text for tok in doc.tokens if tok.text.islower()}
    entity_of = {i: entity for entity in doc.entities for i in entity.tokens}
    runs = []
    tokens = doc.tokens
    n = 0
    while n < len(tokens):
        tok = tokens[n]
        entity = entity_of.get(n)
        if not _given_name_token(tok, entity, lower_words):
            n += 1
            continue
        end = n + 1
        while end < len(tokens) and end - n <= 3:
            nxt = tokens[end]
            if "\n" in doc.text[tokens[end - 1].end : nxt.start]:
                break
            if _INITIAL.match(nxt.text) and nxt.text[0].isupper():
                end += 1
                if end < len(tokens) and tokens[end].text == "." and tokens[end].start == nxt.end:
                    end += 1
                continue
            nxt_entity = entity_of.get(end)
            other_kind = (
                nxt_entity is not None and nxt_entity is not entity and nxt_entity.label in ("LOC", "NORP", "DATE")
            )
            if nxt.pos == "PROPN" and nxt.text[:1].isupper() and not other_kind:
                end += 1
                continue
            break
        if not (entity is not None and entity.label == "PER"):
            runs.append((tok.start, tokens[end - 1].end))
        n = end
    return runs


def _given_name_token(tok: Any, entity: Any, lower_words: set[str]) -> bool:
    if tok.pos != "PROPN" or not tok.text[:1].isupper() or tok.text.isupper():
        return False
    if entity is not None and (
        entity.label in ("NORP", "DATE") or (entity.label in ("LOC", "ORG") and tok.i != entity.tokens[0])
    ):
        return False  # inside a place's or an organisation's name; one that starts with a given name may be a person's
    # A word the text also writes in lower case is a common word ("Vera", "вера"; "Mark").
    return tok.text.lower() not in lower_words and is_given_name(tok.text)


# --------------------------------------------------------------------------- analysis


@dataclass
class Person:
    """Someone a document names. ``words``: the folded words of the name (initials one letter)."""

    words: tuple[str, ...]
    key: str  # who this is in the whole store: "surname|given" for a full name, else per document
    matchable: set[str] = field(default_factory=set)  # words searched for in the text
    office: str | None = None
    role: str | None = None

    @property
    def public(self) -> bool:
        return self.office is not None


@dataclass
class Candidate:
    """A name found in a text before persons are told apart."""

    start: int
    end: int
    words: tuple[str, ...]  # folded
    unmatchable: frozenset[str] = frozenset()  # words that are place names here ("Kazakhstan Said")


@dataclass
class Analysis:
    """The people of one document and where each is named (spans into text and title)."""

    persons: list[Person]
    text_spans: list[tuple[int, int, int]]  # start, end, person index
    title_spans: list[tuple[int, int, int]]


def analyse(document: Document, entities: Entities, recorded: Iterable[str]) -> Analysis:
    """Find every person ``document`` names (see the module's description); no parsing here."""
    known = _known_sources(entities.lang)
    texts = [(document.text, entities.text)]
    if document.title:
        texts.append((document.title, entities.title or TextEntities()))
    # words the document writes in lower case: a title's "Said" is a verb if the text says "said"
    lower_words = {word for text, _ents in texts for _s, _e, word in _words_of(text) if word.islower()}
    found = [_candidates(text, ents, known, document.outlet, lower_words) for text, ents in texts]
    every = [c for candidates in found for c in candidates]
    not_people = known[1] | ({document.outlet.casefold()} if document.outlet else set())
    named = [c for c in (_recorded_candidate(name, not_people, entities.lang) for name in recorded) if c is not None]
    persons: list[Person] = []
    owners: dict[int, int] = {}  # id(candidate) -> person
    # Full names first, so that a surname or given name alone joins the full name's person.
    for candidate in sorted([*every, *named], key=lambda c: -len(_identity(c.words))):
        owners[id(candidate)] = _person_for(candidate, persons, document.id)
    for n, person in enumerate(persons):
        unmatchable = set().union(*(c.unmatchable for c in every if owners[id(c)] == n))
        person.matchable = {w for w in person.words if len(w) >= MIN_NAME_LETTERS and w not in unmatchable}
    written = {
        text[c.start : c.end]: owners[id(c)]
        for (text, _ents), candidates in zip(texts, found, strict=True)
        for c in candidates
    }
    spans = [
        _name_spans(text, persons, [(c, owners[id(c)]) for c in candidates], written)
        for (text, _ents), candidates in zip(texts, found, strict=True)
    ]
    _decide_roles(document.text, entities.text, persons, spans[0], known)
    resolved = [_resolve(text_spans, persons) for text_spans in spans]
    return Analysis(persons, resolved[0], resolved[1] if len(resolved) > 1 else [])


def _identity(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if len(w) > 1)


@cache
def _known_sources(lang: str) -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """The outlets and organisations otkaz knows for the language: a pattern, and the names folded."""
    from otkaz.extract import get_language

    language = get_language(lang)
    names = sorted(language.lexicon.known_sources if language else (), key=len, reverse=True)
    if not names:
        return None, frozenset()
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])", re.IGNORECASE)
    return pattern, frozenset(n.casefold() for n in names)


def _words_of(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _fold(word: str) -> str:
    return name_key(dictionary_form(word)) if is_cyrillic(word) else name_key(word)


def _candidates(
    text: str,
    found: TextEntities,
    known: tuple[re.Pattern[str] | None, frozenset[str]],
    outlet: str | None,
    lower_words: set[str],
) -> list[Candidate]:
    """The names in ``text``: NER people and given-name runs, less those that are no people."""
    out = []
    for start, end in [*found.people, *found.given]:
        start, end = _clean(text, start, end)
        start, end = _trim_common_words(text, start, end, lower_words)
        words = _words_of(text[start:end])
        if not words or _not_a_person(text, start, end, found, known, outlet):
            continue
        # "Kazakhstan Said": words of a place in what is no clear name are searched nowhere else
        unmatchable = (
            frozenset()
            if is_given_name(words[0][2])
            else frozenset(
                _fold(word)
                for s, e, word in words
                if _inside(start + s, start + e, found.places) and not is_given_name(word)
            )
        )
        out.append(Candidate(start, end, tuple(_fold(word) for _s, _e, word in words), unmatchable))
    return out


def _not_a_person(
    text: str,
    start: int,
    end: int,
    found: TextEntities,
    known: tuple[re.Pattern[str] | None, frozenset[str]],
    outlet: str | None,
) -> bool:
    """An outlet or organisation otkaz knows or the document's outlet; a name the NER calls an
    organisation elsewhere (unless a given name starts it); a place used as a place; no name."""
    pattern, known_names = known
    written = text[start:end]
    words = [word for _s, _e, word in _words_of(written)]
    given = is_given_name(words[0])
    if written.casefold() in known_names or written.casefold() == (outlet or "").casefold():
        return True
    if pattern is not None and pattern.fullmatch(written):
        return True
    organisations = {text[s:e].casefold() for s, e in found.organisations}
    if not given and written.casefold() in organisations:
        return True
    return _used_as_place(text, start, end, found, given) or not _looks_like_name(words, given)


def _trim_common_words(text: str, start: int, end: int, lower_words: set[str]) -> tuple[int, int]:
    """The entity less the words at either end that the document also writes in lower case and
    that are no given names: a title-case headline puts verbs into names ("Sorokin Fled Abroad"
    -> "Sorokin"; "Mobilized Men" -> nothing). A given name stays ("Вера", though "вера" is a word)."""

    def common(word: str) -> bool:
        return word.lower() in lower_words and not is_given_name(word)

    words = _words_of(text[start:end])
    while words and common(words[0][2]):
        words = words[1:]
    while words and common(words[-1][2]):
        words = words[:-1]
    if not words:
        return start, start
    return start + words[0][0], start + words[-1][1]


def _looks_like_name(words: list[str], given: bool) -> bool:
    """Whether an entity can be a person's name: a word of three letters, not an acronym
    ("VGTRK"), not an institution ("Duma", "Garrison Military Court"), and unless it starts with
    a given name, not a Russian common noun ("Кыргызстанца")."""
    if not any(len(word) >= MIN_NAME_LETTERS and word[:1].isupper() for word in words):
        return False
    if all(word.isupper() for word in words) or any(normal_word(word) in roles().institutions for word in words):
        return False
    return given or not all(is_cyrillic(word) and is_common_word(word) for word in words)


def _clean(text: str, start: int, end: int) -> tuple[int, int]:
    """Without a possessive or punctuation at the end, nor a role word at the start ("Lawyer Anton X")."""
    tail = _POSSESSIVE_TAIL.search(text[start:end])
    if tail:
        end = start + tail.start()
    words = _words_of(text[start:end])
    while len(words) > 1 and normal_word(words[0][2]) in roles().first_words:
        start += words[1][0]
        words = _words_of(text[start:end])
    return start, end


def _inside(start: int, end: int, spans: list[Span]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _used_as_place(text: str, start: int, end: int, found: TextEntities, given: bool) -> bool:
    """Whether a name is a place here. A name the gazetteer knows is one, unless it is a given
    name not used as a place: "in Vladimir", "Vladimir region" are places; "Georgia" is one where
    the NER also reads a place and no role stands next to it ("his wife Georgia" is a person).
    A given name the NER reads as a place, after a locative preposition, is one too ("в Алматы")."""
    known, located = _inside(start, end, found.places), _inside(start, end, found.locations)
    if not (known or located):
        return False
    if any(s < start or end < e for s, e in found.places if s <= start and end <= e):
        return True  # part of a longer place name: "Don" in "Rostov-on-Don"
    if any(word.lower() in _PLACE_WORDS for _s, _e, word in _words_of(text[start:end])):
        return True  # "Stavropol Krai"
    before = _words_of(text[max(0, start - 20) : start])
    after = _words_of(text[end : end + 20])
    place_syntax = bool(before and before[-1][2].lower() in _PLACE_PREPOSITIONS) or bool(
        after and after[0][2].lower() in _PLACE_WORDS
    )
    if place_syntax or (known and not given):
        return True
    if not (known and located):
        return False
    # only a role right next to it makes it a person: "his wife Georgia", "Georgia, a nurse"
    role = roles().near(_window_before(text, 0, start, [])[-2:], _window_after(text, end, []))
    return role.office is None and role.private is None


def _recorded_candidate(name: str, not_people: frozenset[str], lang: str) -> Candidate | None:
    """A name the extractor recorded (or an analyst set), unless it is a known outlet ("Meduza's")
    or a single word that is a place and no given name (the extractor's "Kherson")."""
    from otkaz.gazetteer import get_gazetteer

    tail = _POSSESSIVE_TAIL.search(name)
    name = name[: tail.start()] if tail else name
    if name.casefold() in not_people:
        return None
    if len(name.split()) == 1 and not is_given_name(name) and get_gazetteer().lookup(name, lang) is not None:
        return None
    words = tuple(_fold(word) for _s, _e, word in _words_of(name))
    return Candidate(-1, -1, words) if _identity(words) else None


def _person_for(candidate: Candidate, persons: list[Person], document_id: str) -> int:
    """The index of the person ``candidate`` names; a new person when none fits."""
    words = candidate.words
    core = _identity(words)
    if len(words) > 1:
        for n, person in enumerate(persons):
            if (
                len(person.words) > 1
                and same_name(person.words[0], words[0])
                and same_name(person.words[-1], words[-1])
            ):
                return n
    elif core:
        word = core[0]
        surnames = [n for n, p in enumerate(persons) if len(p.words) > 1 and same_name(p.words[-1], word)]
        if surnames:
            return surnames[0]
        given = [n for n, p in enumerate(persons) if len(p.words) > 1 and same_name(p.words[0], word)]
        if len(given) == 1:
            return given[0]
        for n, person in enumerate(persons):
            if person.words == words:
                return n
    full = len(words) > 1 and len(words[0]) > 1 and len(words[-1]) > 1
    key = f"{words[-1]}|{words[0]}" if full else f"{document_id}#{' '.join(words)}"
    persons.append(Person(words, key))
    return len(persons) - 1


Owned = tuple[int, int, list[int]]  # start, end, the persons the span may name


def _name_spans(
    text: str, persons: list[Person], found: list[tuple[Candidate, int]], written: dict[str, int]
) -> list[Owned]:
    """Where each person is named: the candidates' spans, every other place the document writes
    a candidate the same way (``written``: the NER tags some mentions of a name, not all), and
    every capitalized word of a name."""
    spans: list[Owned] = [(c.start, c.end, [n]) for c, n in found]
    for phrase, owner in written.items():
        spans += [(m.start(), m.end(), [owner]) for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]
    for start, end, word in _words_of(text):
        if not word[:1].isupper():
            continue
        matching = [n for n, person in enumerate(persons) if _names_word(word, person.matchable)]
        if matching:
            spans.append((start, end, matching))
    merged: list[Owned] = []
    for start, end, owners in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged:
            last_start, last_end, last_owners = merged[-1]
            joined = start < last_end or (set(owners) & set(last_owners) and _joins(text[last_end:start]))
            if joined:
                common = [o for o in last_owners if o in owners] or last_owners
                merged[-1] = (last_start, max(last_end, end), common)
                continue
        merged.append((start, end, list(owners)))
    return merged


def _names_word(word: str, name_words: Iterable[str]) -> bool:
    """Whether a capitalized word of the text is one of a name's words: in any case form
    (Cyrillic), any script, or misspelt by one slip ("Aleskey" for "Aleksey")."""
    key, inflects = name_key(word), is_cyrillic(word)
    for name_word in name_words:
        if key == name_word or (inflects and same_name(key, name_word)):
            return True
        if len(key) >= MIN_TYPO_LETTERS and _transposed(key, name_word):
            return True
    return False


def _transposed(a: str, b: str) -> bool:
    """Two neighbouring letters swapped, the commonest slip in a name ("Aleskey", "Aleksey")."""
    return len(a) == len(b) and a[0] == b[0] and sorted(a) == sorted(b) and OSA.distance(a, b) == 1


def _joins(gap: str) -> bool:
    """One name's words stand together: only spaces between, or initials ("Svetlana B.")."""
    if "\n" in gap:
        return False
    return all(_INITIAL.match(part) for part in gap.split())


def _resolve(spans: list[Owned], persons: list[Person]) -> list[tuple[int, int, int]]:
    """Each span's person: a word several people may hold goes to a private one (it is shown only
    if all of them are public)."""
    resolved = []
    for start, end, owners in spans:
        private = [o for o in owners if not persons[o].public]
        resolved.append((start, end, (private or owners)[0]))
    return resolved


def _decide_roles(
    text: str,
    found: TextEntities,
    persons: list[Person],
    spans: list[Owned],
    known: tuple[re.Pattern[str] | None, frozenset[str]],
) -> None:
    """Each person's public office (any mention in office makes it public) and private role (the first found)."""
    pattern, _names = known
    organisations = list(found.organisations)
    if pattern is not None:
        organisations += [(m.start(), m.end()) for m in pattern.finditer(text)]
    for n, (start, end, owners) in enumerate(spans):
        floor = spans[n - 1][1] if n else 0
        role = roles().near(_window_before(text, floor, start, organisations), _window_after(text, end, organisations))
        for person in (persons[o] for o in owners):
            person.office = person.office or role.office
            person.role = person.role or role.private


def _clause_start(piece: str) -> int:
    """Where the last clause of ``piece`` starts: after the last stop (a period ends a clause
    unless it follows an abbreviation or an initial: "Sen.", "Gov.", "B.")."""
    start = 0
    for match in re.finditer(r"[!?;:\n()\[\]—–]|\.", piece):
        if match.group() == ".":
            word = re.search(r"([^\W\d_]+)$", piece[: match.start()])
            if word and word.group(1)[:1].isupper() and len(word.group(1)) <= 3:
                continue
        start = match.end()
    return start


def _window_before(text: str, floor: int, start: int, organisations: list[Span]) -> list[tuple[str, bool]]:
    piece_start = max(floor, start - 120)
    piece_start += _clause_start(text[piece_start:start])
    words = _window_words(text[piece_start:start], piece_start, organisations)
    kept: list[tuple[str, bool]] = []
    for word in reversed(words):
        kept.append(word)
        if sum(1 for w, _ in kept if w != ",") >= WINDOW_WORDS:
            break
    return list(reversed(kept))


def _window_after(text: str, end: int, organisations: list[Span]) -> list[tuple[str, bool]] | None:
    """The words of an apposition right after a name ("Dmitry Peskov, the Kremlin spokesman,"), else None."""
    rest = text[end : end + 200]
    if re.match(r"['’]", rest):
        return None  # "Ivan's lawyer": the role is someone else's
    opening = _APPOSITION_START.match(rest)
    if not opening:
        return None
    start = end + opening.end()
    rest = text[start : start + 200]
    closing = _APPOSITION_END.search(rest)
    return _window_words(rest[: closing.start()] if closing else rest, start, organisations)


def _window_words(piece: str, offset: int, organisations: list[Span]) -> list[tuple[str, bool]]:
    words = []
    for match in re.finditer(r"[^\W\d_][\w'’.‐-]*|,", piece):
        token = match.group()
        if token == ",":
            words.append((",", False))
        else:
            start, end = offset + match.start(), offset + match.end()
            words.append((normal_word(token), _inside(start, end, organisations)))
    return words


# --------------------------------------------------------------------------- the view


@dataclass
class ViewPerson:
    """A person as a stored view keeps them: no key, only what reading the view needs."""

    words: list[str]
    pseudonym: str | None  # None: named in a public office, the name stays
    office: str | None = None
    role: str | None = None

    @property
    def label(self) -> str:
        """What a cited private person is shown as."""
        return self.role or PRIVATE_SOURCE


@dataclass
class DocumentView:
    """The public form of one document: text and title with pseudonyms, and how to read evidence in it."""

    text: str
    title: str | None
    replacements: list[tuple[int, int, int, int]]  # original start, end -> redacted start, end
    persons: list[ViewPerson]
    recorded: list[str]  # the names the extractor and analysts recorded, that the view was made with

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REDACTION_VERSION,
            "text": self.text,
            "title": self.title,
            "replacements": [list(r) for r in self.replacements],
            "persons": [vars(p) for p in self.persons],
            "recorded": list(self.recorded),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentView:
        return cls(
            text=data["text"],
            title=data["title"],
            replacements=[tuple(r) for r in data["replacements"]],
            persons=[ViewPerson(**p) for p in data["persons"]],
            recorded=list(data["recorded"]),
        )

    # ---- evidence

    def position(self, offset: int, side: str) -> int:
        """An offset of the original text in the redacted one; inside a name, the name's start or end."""
        shift = 0
        for start, end, new_start, new_end in self.replacements:
            if offset <= start:
                break
            if offset < end:
                return new_start if side == "start" else new_end
            shift = new_end - end
        return offset + shift

    def evidence(self, evidence: Evidence) -> Evidence:
        """The evidence in the redacted text: the quote cut from it, its offsets pointing into it."""
        start, end = self.position(evidence.start, "start"), self.position(evidence.end, "end")
        return Evidence(evidence.field, self.text[start:end], start, end)

    # ---- people

    def _persons_of(self, word: str) -> list[ViewPerson]:
        key, inflects = name_key(word), is_cyrillic(word)
        return [
            p
            for p in self.persons
            if any(key == w or (inflects and same_name(key, w)) for w in p.words if len(w) >= MIN_NAME_LETTERS)
        ]

    def cited(self, value: str) -> str:
        """A cited source as the public sees it: outlets and offices as written, a private person as a role."""
        for _s, _e, word in _words_of(value):
            private = [p for p in self._persons_of(word) if p.pseudonym is not None]
            if private:
                return private[0].label
        words = _words_of(value)
        if words and is_given_name(words[0][2]) and not any(p.pseudonym is None for p in self._persons_of(words[0][2])):
            return PRIVATE_SOURCE
        return value

    def redact(self, text: str) -> str:
        """Free text (an analyst's note) with the names of this document's private people, and given names, replaced."""
        return redact_free_text(text, [self])

    def names_private(self, text: str) -> bool:
        """Whether ``text`` (a URL, a file name) holds a word of a private person's name."""
        words = re.findall(r"[^\W\d_]+", text)
        return any(
            name_key(word) in p.words
            for word in words
            for p in self.persons
            if p.pseudonym and len(word) >= MIN_NAME_LETTERS
        )

    def covers(self, names: Iterable[str]) -> bool:
        """Whether the view was made knowing every name in ``names`` (the people recorded now)."""
        return set(names) <= set(self.recorded)


def render(document: Document, analysis: Analysis, numbers: dict[str, int], recorded: Iterable[str]) -> DocumentView:
    """The view: each private person's spans replaced by "[person N]" (N from ``numbers``, by key);
    ``recorded``: the names ``analysis`` was made with."""
    persons = analysis.persons
    shown = [None if p.public else PSEUDONYM.format(numbers[p.key]) for p in persons]
    text, replacements = _replace(document.text, analysis.text_spans, shown)
    title = _replace(document.title, analysis.title_spans, shown)[0] if document.title else None
    view_persons = [ViewPerson(list(dict.fromkeys(p.words)), shown[n], p.office, p.role) for n, p in enumerate(persons)]
    return DocumentView(text, title, replacements, view_persons, sorted(set(recorded)))


def _replace(
    text: str, spans: list[tuple[int, int, int]], shown: list[str | None]
) -> tuple[str, list[tuple[int, int, int, int]]]:
    pieces, replacements, position, length = [], [], 0, 0
    for start, end, owner in spans:
        pseudonym = shown[owner]
        if pseudonym is None or start < position:
            continue
        pieces.append(text[position:start])
        length += start - position
        replacements.append((start, end, length, length + len(pseudonym)))
        pieces.append(pseudonym)
        length += len(pseudonym)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), replacements


def redact_free_text(text: str, views: list[DocumentView]) -> str:
    """Text no document holds (an analyst's note, a correction): the private people of ``views``
    by their pseudonyms, any other given name (and the capitalized words after it) as "[person]"."""
    words = _words_of(text)
    replaced: list[tuple[int, int, str]] = []
    n = 0
    while n < len(words):
        start, end, word = words[n]
        if not word[:1].isupper():
            n += 1
            continue
        matches = [p for view in views for p in view._persons_of(word)]
        private = [p for p in matches if p.pseudonym is not None]
        if private:
            replaced.append((start, end, private[0].pseudonym or UNNUMBERED))
        elif not matches and is_given_name(word):
            last = n
            while (
                last + 1 < len(words)
                and words[last + 1][2][:1].isupper()
                and not text[words[last][1] : words[last + 1][0]].strip()
            ):
                last += 1
            replaced.append((start, words[last][1], UNNUMBERED))
            n = last
        n += 1
    pieces, position = [], 0
    for start, end, pseudonym in replaced:
        if pieces and pieces[-1] == pseudonym and not text[position:start].strip():
            position = end
            continue
        pieces += [text[position:start], pseudonym]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


# --------------------------------------------------------------------------- refreshing the store


def names_digest(names: Iterable[str]) -> str:
    """What a view was made from, besides the text: the rules' version and the recorded names."""
    raw = REDACTION_VERSION + "\n" + "\n".join(sorted(set(names)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


CHECKED_AT_ONCE = 500  # marked documents whose names are read in one query


def refresh(db: Database, progress: Callable[[int, int], None] | None = None) -> int:
    """Make the view of every document that reports an incident (has a mention) whose text or
    named people changed; returns how many.

    Only the documents the store marked since the last refresh are looked at (the writes that
    change a document's mentions or the people of the incidents it reports mark it:
    ``Database.view_marks``), and of those only the stale views' texts are loaded, so a run or
    a review decision costs what it changed, not the store's size. A document that reports
    nothing (most of a firehose) gets no view and so is never parsed here: viewers see its text
    withheld, as any text without a view."""
    marked, last = db.view_marks(REDACTION_VERSION)
    stale_ids = {}
    for chunk in _batches(marked, CHECKED_AT_ONCE):  # every document once, after new rules
        checked = db.document_ids(with_mentions=True, among=chunk)
        names = db.recorded_names(checked) if checked else {}
        digests = db.redaction_digests(checked) if checked else {}
        for document_id in checked:
            recorded = sorted(names.get(document_id, ()))
            digest = names_digest(recorded)
            if digests.get(document_id) != digest:
                stale_ids[document_id] = (recorded, digest)
    if stale_ids and progress is not None:
        progress(0, len(stale_ids))
    made = 0
    # a batch of texts in memory at a time: a large run has views to make for thousands
    for batch in _batches(list(stale_ids), BATCH):
        items = [(document, *stale_ids[document.id]) for document in db.documents_by_id(batch)]
        stored = db.redaction_entities([document.id for document, _r, _d in items])
        known = {doc_id: entities for doc_id, data in stored.items() if (entities := Entities.from_dict(data))}
        missing = [document for document, _r, _d in items if document.id not in known]
        known.update(zip([d.id for d in missing], find_entities(missing), strict=True))
        for document, recorded, digest in items:
            entities = known[document.id]
            analysis = analyse(document, entities, recorded)
            numbers = db.pseudonym_numbers([p.key for p in analysis.persons if not p.public])
            view = render(document, analysis, numbers, recorded)
            db.save_redaction(document, entities.to_dict(), digest, view.to_dict())
        made += len(items)
        if progress is not None:
            progress(made, len(stale_ids))
    if marked:
        db.clear_view_marks(marked, last)
    return made


def views_for(documents: list[Document], recorded: dict[str, Iterable[str]]) -> dict[str, DocumentView]:
    """Views made now, without a store (numbers in order of appearance): for incidents built
    by hand, as a library user may export them."""
    numbers: dict[str, int] = {}
    views = {}
    for document, entities in zip(documents, find_entities(documents), strict=True):
        names = list(recorded.get(document.id, ()))
        analysis = analyse(document, entities, names)
        for person in analysis.persons:
            if not person.public:
                numbers.setdefault(person.key, len(numbers) + 1)
        views[document.id] = render(document, analysis, numbers, names)
    return views


# --------------------------------------------------------------------------- reading views


_LOCAL_PATH = re.compile(r"^(?:[/\\~.]|[A-Za-z]:[/\\])|[/\\]")


class PublicView:
    """What the public and viewers see of incidents and documents, read from the documents' views.

    A report whose document has no view, or one made before its named people changed, is
    shown without quotes until ``refresh`` runs (never with names)."""

    def __init__(self, views: dict[str, DocumentView]) -> None:
        self._views = views

    @classmethod
    def of_store(cls, db: Database, document_ids: Iterable[str] | None = None) -> PublicView:
        stored = db.redactions(None if document_ids is None else list(document_ids))
        # A view made by other rules is not read: its document shows no quotes until ``refresh``.
        return cls(
            {
                doc_id: DocumentView.from_dict(data)
                for doc_id, data in stored.items()
                if data.get("version") == REDACTION_VERSION
            }
        )

    @classmethod
    def computed(cls, incidents: list[Incident]) -> PublicView:
        """Views made now for the incidents' documents (no store): see ``views_for``."""
        documents: dict[str, Document] = {}
        recorded: dict[str, set[str]] = {}
        for incident in incidents:
            for report in incident.reports:
                documents[report.document.id] = report.document
                recorded.setdefault(report.document.id, set()).update([*report.mention.people, *incident.people])
        return cls(views_for(list(documents.values()), recorded))

    def view(self, document: Document, names: Iterable[str] = ()) -> DocumentView | None:
        """The document's view when it covers ``names`` (the people recorded for it), else None."""
        view = self._views.get(document.id)
        if view is None or not view.covers(names):
            return None
        return view

    def report_view(self, incident: Incident, report: Report) -> DocumentView | None:
        return self.view(report.document, [*report.mention.people, *incident.people])

    # ---- documents

    def title(self, document: Document) -> str:
        """The title shown: the redacted title, else the outlet, else the web host; never a file path."""
        view = self._views.get(document.id)
        if view is not None and view.title:
            return view.title
        if document.outlet:
            return document.outlet
        host = urlsplit(document.url).hostname if document.url and "://" in document.url else None
        return host or WITHHELD_TITLE

    def url(self, document: Document) -> str | None:
        """The article's http(s) address, unless it spells a private person's name."""
        if not document.url or urlsplit(document.url).scheme.lower() not in ("http", "https"):
            return None
        view = self._views.get(document.id)
        if view is None or view.names_private(document.url):
            return None
        return document.url

    def source(self, document: Document) -> str:
        """How a report's source is listed (CSV ``sources``): its address, else its outlet or title."""
        return self.url(document) or self.title(document)

    @staticmethod
    def document_id(document: Document) -> str:
        """The document's id, or an opaque one in place of a local file path (which may hold names)."""
        if "://" not in document.id and (
            _LOCAL_PATH.search(document.id) or (document.path and document.path in document.id)
        ):
            return "doc-" + hashlib.sha256(document.id.encode("utf-8")).hexdigest()[:16]
        return document.id

    def document_ref(self, document: Document, keep_id: bool = False) -> dict[str, str | None]:
        """``Document.export_ref`` as the public sees it: no local path, the public title and URL.
        ``keep_id``: the stored id (viewers use it to open the document)."""
        return {
            "id": document.id if keep_id else self.document_id(document),
            "url": self.url(document),
            "path": None,
            "title": self.title(document),
            "outlet": document.outlet,
            "published": document.published,
        }

    def text(self, document: Document, names: Iterable[str] = ()) -> str | None:
        view = self.view(document, names)
        return view.text if view else None

    # ---- incidents

    def evidence(self, incident: Incident, report: Report) -> list[Evidence]:
        view = self.report_view(incident, report)
        return [view.evidence(e) for e in report.mention.evidence] if view else []

    def cited_of_report(self, incident: Incident, report: Report) -> list[str]:
        view = self.report_view(incident, report)
        return _unique(self._cited(value, [view] if view else []) for value in report.mention.cited)

    def cited(self, incident: Incident) -> list[str]:
        """The incident's cited sources: each read in the view of a report that cites it, else in all."""
        views = {r.document.id: self.report_view(incident, r) for r in incident.reports}
        shown = []
        for value in incident.cited:
            citing = [views[r.document.id] for r in incident.reports if value in r.mention.cited]
            shown.append(self._cited(value, [v for v in citing if v] or [v for v in views.values() if v]))
        return _unique(shown)

    @staticmethod
    def _cited(value: str, views: list[DocumentView]) -> str:
        """A cited source as the views show it; with no current view, only an outlet otkaz knows."""
        if not views:
            known = {name for lang in ("en", "ru") for name in _known_sources(lang)[1]}
            return value if value.casefold() in known else UNCHECKED_SOURCE
        for view in views:
            shown = view.cited(value)
            if shown != value:
                return shown
        return value

    def note(self, incident: Incident, text: str) -> str:
        views = [v for r in incident.reports if (v := self.report_view(incident, r))]
        return redact_free_text(text, views)

    def search_text(self, incident: Incident) -> str:
        """What the public's word search reads: the redacted titles and texts of the reports."""
        parts = []
        for report in incident.reports:
            view = self.report_view(incident, report)
            if view is not None:
                parts += [view.title or "", view.text]
        return " ".join(parts)

    def record(self, incident: Incident) -> dict[str, Any]:
        """The export record (``Incident.to_export``) the public gets: no ``people``, names pseudonymized."""
        record = incident.to_export(include_names=False)
        record["cited"] = self.cited(incident)
        record["reports"] = [
            {
                "document": self.document_ref(report.document),
                "evidence": [e.to_dict() for e in self.evidence(incident, report)],
            }
            for report in incident.reports
        ]
        return record

    def first_quote(self, incident: Incident, field_name: str = "incident") -> str | None:
        for report in incident.reports:
            for evidence in self.evidence(incident, report):
                if evidence.field == field_name:
                    return evidence.quote
        return None


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
