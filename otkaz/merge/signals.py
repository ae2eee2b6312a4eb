"""Whether two incident mentions of different documents describe the same real incident.

Each mention is reduced once to a ``Profile`` (folded names, unit keys, sources,
places, dates, counts, evidence text).  ``compare`` weighs two profiles:

- vetoes (never merged by the machine): the same document, another type, dates
  more than ``DATE_SLACK_DAYS`` apart, another country, numbers of people that
  cannot be the same, two different named individuals; and different towns or
  regions unless a named person or unit is shared;
- signals, each with a score (``SCORES``): a shared person (surname, across
  Cyrillic and Latin spellings), a shared named unit, B citing A's outlet, a shared
  cited source, near-identical evidence (same language only), narrow dates that
  overlap, the same town or region, the same or a compatible number of people.

Two mentions are merged when nothing vetoes it and the scores add up to
``MERGE_THRESHOLD``.  Broad agreement alone (same type, same region, dates of
the same month) stays below it: the rule is conservative.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz, utils

from otkaz.gazetteer import distance_km, get_gazetteer, latin_key
from otkaz.model import Count, DateRange, Document, Place, Report

MERGE_THRESHOLD = 4
SCORES = {
    "person": 4,  # a named person in both (surname, or the whole name)
    "unit": 4,  # a named military unit in both
    "given_name": 1,  # only a first name (or one bare word) in common
    "other_people": -2,  # both name people, none in common
    "cited_chain": 2,  # one cites the other's outlet
    "shared_source": 1,  # both cite the same source
    "near_copy": 3,  # evidence nearly identical (same language)
    "similar_text": 2,
    "same_days": 2,  # both dated to a few days, and those overlap
    "same_weeks": 1,  # both dated to about a week or so, overlapping
    "near_dates": -1,  # narrow dates that miss each other by a day or two
    "same_town": 2,
    "same_region": 1,
    "same_number": 2,  # the same number of people, and it is a group
    "compatible_number": 1,
}
DATE_SLACK_DAYS = 2  # reports may place an incident a day or two apart
SAME_DAYS_WIDTH = 3  # an interval this short dates the incident to "the same days"
SAME_WEEKS_WIDTH = 10
NEAR_COPY_RATIO = 90  # rapidfuzz token-set ratio of the evidence
SIMILAR_TEXT_RATIO = 75
MIN_WORDS_FOR_SIMILARITY = 6  # a token-set ratio of short quotes says little
SAME_TOWN_KM = 10.0
# Counts are compared with a margin: "about 80" and "more than 70" agree, 12 and 60 do not.
COUNT_FACTOR = 1.33
COUNT_SLACK = 2
SAME_NUMBER_FACTOR = 1.1
MIN_DISTINCTIVE_NUMBER = 5  # "one soldier" in two reports is no sign of one incident
MIN_NAME_LETTERS = 3  # shorter name parts ("A.") are initials
MAX_CASE_ENDING = 3  # Russian surnames inflect: "Зоркин", "Зоркина", "Зоркиным"
MIN_SOURCE_LETTERS = 4  # a cited source this short matches nothing by substring

# Unit kinds in English and Russian (stems), so "123rd Motor Rifle Regiment" and
# "123-го мотострелкового полка" share the key "regiment:123".
UNIT_KINDS = {
    "regiment": ("regiment", "полк"),
    "brigade": ("brigade", "бригад"),
    "division": ("division", "дивизи"),
    "battalion": ("battalion", "батальон"),
    "company": ("company", "рот"),
    "corps": ("corps", "корпус"),
    "army": ("army", "арми"),
    "detachment": ("detachment", "отряд"),
    "fleet": ("fleet", "флот"),
    "military_unit": ("unit", "в/ч", "войсков"),
}
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")
_TRAILING_VOWELS = re.compile(r"[aeiouy]+$")


@dataclass(frozen=True)
class Person:
    """A name folded to Latin: its words' keys (initials left out), in the written order."""

    words: tuple[str, ...]

    @property
    def full(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Profile:
    """What merging compares of one mention (computed once per mention)."""

    key: str
    document_id: str
    type: str
    lang: str | None
    date: DateRange | None  # None also when the date rests on no publication date
    location: Place | None
    origin: Place | None
    count: Count
    people: tuple[Person, ...]
    units: frozenset[str]
    cited: frozenset[str]
    outlet: str | None
    countries: frozenset[str]  # of the location and the origin
    text: str  # the incident evidence
    # Every evidence word, folded and stemmed like names, and their shortenings by a case ending:
    # to find names the extractor did not list.
    stems: frozenset[str]
    stem_forms: frozenset[str]


@dataclass
class Comparison:
    """The outcome of comparing two profiles: a veto, or scored signals."""

    veto: str | None = None
    signals: dict[str, int] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(self.signals.values())

    @property
    def merges(self) -> bool:
        return self.veto is None and self.score >= MERGE_THRESHOLD

    def to_dict(self) -> dict[str, object]:
        return {"score": self.score, "signals": dict(self.signals)}


# --------------------------------------------------------------------------- profiles


def profile_of(report: Report) -> Profile:
    mention, document = report.mention, report.document
    cited = frozenset(filter(None, map(fold_words, mention.cited)))
    outlet = fold_words(outlet_name(document)) or None
    # The extractor sometimes takes an outlet for a person: a "person" named like a source is not one.
    sources = cited | ({outlet} if outlet else set())
    people = dict.fromkeys(person_of(name) for name in mention.people if fold_words(name) not in sources)
    quotes = [e.quote for e in mention.evidence if e.field == "incident"] or [e.quote for e in mention.evidence]
    stems = frozenset(map(name_stem, fold_words(" ".join(e.quote for e in mention.evidence)).split()))
    return Profile(
        key=mention.key,
        document_id=mention.document_id,
        type=mention.type,
        lang=(document.lang or "").lower() or None,
        date=None if mention.date_inferred else mention.date,
        location=mention.location,
        origin=mention.origin,
        count=mention.count,
        people=tuple(person for person in people if person.words),
        units=frozenset(filter(None, map(unit_key, mention.units))),
        cited=cited,
        outlet=outlet,
        countries=frozenset(p.country for p in (mention.location, mention.origin) if p and p.country),
        text=" ".join(dict.fromkeys(quotes)),
        stems=stems,
        stem_forms=frozenset(form for stem in stems for form in _shortenings(stem)),
    )


@lru_cache(maxsize=1 << 14)
def fold_words(text: str) -> str:
    """Any script to Latin, each word folded over transliteration variants ("Юрий" = "Yury" = "Yuriy")."""
    return " ".join(latin_key(word) for word in _WORD.findall(anyascii(text).lower()))


def outlet_name(document: Document) -> str:
    """The outlet, else the name in its web address ("https://www.meduza.io/..." -> "meduza")."""
    if document.outlet:
        return document.outlet
    host = (urlsplit(document.url).hostname or "") if document.url else ""
    labels = host.split(".")
    return labels[-2] if len(labels) >= 2 else ""


def person_of(name: str) -> Person:
    return Person(tuple(word for word in fold_words(name).split() if len(word) >= MIN_NAME_LETTERS))


def unit_key(unit: str) -> str | None:
    """"kind:number" when the unit has a number, else its folded words."""
    text = unit.lower()
    number = _NUMBER.search(text)
    kind = next(
        (name for name, stems in UNIT_KINDS.items() if any(_has_stem(text, stem) for stem in stems)),
        "unit",
    )
    if number:
        return f"{kind}:{int(number.group())}"
    return fold_words(unit) or None


def _has_stem(text: str, stem: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(stem), text) is not None


# --------------------------------------------------------------------------- blocking


def blockable(a: Profile, b: Profile) -> bool:
    """The cheap conditions of every merge: other document, same type, dates and countries compatible.

    Pairs that fail it are never compared, and never end up in one incident.
    """
    return (
        a.document_id != b.document_id
        and a.type == b.type
        and date_gap(a.date, b.date) <= DATE_SLACK_DAYS
        and not (a.countries and b.countries and not a.countries & b.countries)
    )


def date_gap(a: DateRange | None, b: DateRange | None) -> int:
    """Days between two intervals (0 when they overlap or one is unknown)."""
    if a is None or b is None or a.overlaps(b):
        return 0
    return (max(a.start, b.start) - min(a.end, b.end)).days


# --------------------------------------------------------------------------- compare


def compare(a: Profile, b: Profile) -> Comparison:
    """Symmetric: compare(a, b) == compare(b, a)."""
    if a.key > b.key:
        a, b = b, a
    if a.document_id == b.document_id:
        return Comparison(veto="same document")
    if a.type != b.type:
        return Comparison(veto="different types")
    gap = date_gap(a.date, b.date)
    if gap > DATE_SLACK_DAYS:
        return Comparison(veto=f"dates {gap} days apart")
    if a.countries and b.countries and not a.countries & b.countries:
        return Comparison(veto="different countries")
    count = _count_signal(a.count, b.count)
    if count == "conflict":
        return Comparison(veto="numbers of people differ")
    result = Comparison()
    people = _people_signal(a, b)
    if people == "conflict":
        return Comparison(veto="different named people")
    _add(result, people)
    _add(result, "unit" if a.units & b.units else None)
    identity = "person" in result.signals or "unit" in result.signals
    place = _place_signal(a, b)
    if place == "conflict":
        if not identity:
            return Comparison(veto="different places")
        place = None
    _add(result, place)
    _add(result, count)
    _add(result, _dates_signal(a.date, b.date, gap))
    _add(result, _sources_signal(a, b))
    _add(result, _text_signal(a, b))
    return result


def _add(result: Comparison, signal: str | None) -> None:
    if signal is not None:
        result.signals[signal] = SCORES[signal]


def _dates_signal(a: DateRange | None, b: DateRange | None, gap: int) -> str | None:
    if a is None or b is None:
        return None
    widest = max(a.days, b.days)
    if gap:
        return "near_dates" if widest <= SAME_WEEKS_WIDTH else None
    if widest <= SAME_DAYS_WIDTH:
        return "same_days"
    return "same_weeks" if widest <= SAME_WEEKS_WIDTH else None


def _count_signal(a: Count, b: Count) -> str | None:
    """"conflict", "same_number", "compatible_number" or None (unknown, or not telling)."""
    ra, rb = _people_range(a), _people_range(b)
    if ra is None or rb is None:
        return None
    (alo, ahi), (blo, bhi) = ra, rb
    if alo > bhi * COUNT_FACTOR + COUNT_SLACK or blo > ahi * COUNT_FACTOR + COUNT_SLACK:
        return "conflict"
    if max(alo, blo) < MIN_DISTINCTIVE_NUMBER:
        return None
    exact = ahi == alo and bhi == blo
    if exact and max(alo, blo) <= min(alo, blo) * SAME_NUMBER_FACTOR:
        return "same_number"
    return "compatible_number"


def _people_range(count: Count) -> tuple[float, float] | None:
    if count.min is None and count.max is None:
        return None
    low = count.min if count.min is not None else 1
    high = count.max if count.max is not None else (float("inf") if count.min is not None else low)
    return float(low), float(high)


def _people_signal(a: Profile, b: Profile) -> str | None:
    matches = {_name_match(pa, pb) for pa in a.people for pb in b.people} - {None}
    if "person" in matches or _named_in(a.people, b) or _named_in(b.people, a):
        return "person"
    if "given_name" in matches:
        return "given_name"
    if not matches and any(p.full for p in a.people) and any(p.full for p in b.people):
        # Two named individuals who are not the same person are two incidents.
        return "conflict" if _individual(a.count) and _individual(b.count) else "other_people"
    return None  # no names, or only relatives' (same surname, another first name)


def _named_in(people: tuple[Person, ...], other: Profile) -> bool:
    """A full name of ``people`` written in the other report's evidence (its extractor did not list it)."""

    def written(word: str) -> bool:
        stem = name_stem(word)
        return stem in other.stem_forms or not _shortenings(stem).isdisjoint(other.stems)

    return any(person.full and written(person.words[0]) and written(person.words[-1]) for person in people)


def _individual(count: Count) -> bool:
    return count.max is not None and count.max <= 1


def _name_match(a: Person, b: Person) -> str | None:
    """"person": the same person; "family": the same surname only; "given_name": one bare word in common."""
    if not a.words or not b.words:
        return None
    if a.full and b.full:
        if sorted(a.words) == sorted(b.words):  # also "Петров Иван" and "Ivan Petrov"
            return "person"
        if same_name_word(a.words[-1], b.words[-1]):
            return "person" if same_name_word(a.words[0], b.words[0]) else "family"
        return None
    bare, other = (a, b) if not a.full else (b, a)
    word = bare.words[0]
    if other.full and same_name_word(word, other.words[-1]):
        return "person"  # "Zorkin" and "Pavel Zorkin"
    if any(same_name_word(word, w) for w in other.words):
        return "given_name"  # "Oleg" and "Oleg": bare first names are common
    return None


@lru_cache(maxsize=1 << 16)
def same_name_word(a: str, b: str) -> bool:
    """Folded name words equal up to a Russian case ending ("zorkin" = "zorkina" = "zorkinym")."""
    if a == b:
        return True
    a, b = name_stem(a), name_stem(b)
    return a in _shortenings(b) or b in _shortenings(a)


def name_stem(word: str) -> str:
    return _TRAILING_VOWELS.sub("", word)


@lru_cache(maxsize=1 << 16)
def _shortenings(stem: str) -> frozenset[str]:
    """The stem less a case ending of up to MAX_CASE_ENDING letters, never shorter than a name."""
    shortest = max(MIN_NAME_LETTERS + 1, len(stem) - MAX_CASE_ENDING)
    return frozenset(stem[:size] for size in range(shortest, len(stem) + 1))


def _place_signal(a: Profile, b: Profile) -> str | None:
    """Like with like (location with location, origin with origin); a mismatch across roles is no conflict."""
    found: list[str | None] = [
        _places_signal(x, y) for x, y in ((a.location, b.location), (a.origin, b.origin)) if x and y
    ]
    if "conflict" in found:
        return "conflict"
    crossed = [_places_signal(x, y) for x, y in ((a.location, b.origin), (a.origin, b.location)) if x and y]
    found += [signal for signal in crossed if signal != "conflict"]
    for signal in ("same_town", "same_region"):
        if signal in found:
            return signal
    return None


def _places_signal(a: Place, b: Place) -> str | None:
    if a.country and b.country and a.country != b.country:
        return "conflict"
    if a.precision == "city" and b.precision == "city":
        if _same_place(a, b):
            return "same_town"
        distance = distance_km(a, b)
        return "same_town" if distance is not None and distance <= SAME_TOWN_KM else "conflict"
    if "country" in (a.precision, b.precision):
        return None  # a country holds any place of it, and tells nothing
    gazetteer = get_gazetteer()
    if gazetteer.contains(a, b) or gazetteer.contains(b, a) or (a.admin1 and a.admin1 == b.admin1):
        return "same_region"
    return "conflict"


def _same_place(a: Place, b: Place) -> bool:
    if a.key and b.key:
        return a.key == b.key
    return (a.name, a.admin1, a.country) == (b.name, b.admin1, b.country)


def _sources_signal(a: Profile, b: Profile) -> str | None:
    if (a.outlet and _cites(b.cited, a.outlet)) or (b.outlet and _cites(a.cited, b.outlet)):
        return "cited_chain"
    if any(_cites(b.cited, source) for source in a.cited):
        return "shared_source"
    return None


def _cites(cited: frozenset[str], source: str) -> bool:
    """``source`` among ``cited``, one spelling inside the other ("Novaya Gazeta" in "Novaya Gazeta Europe")."""
    if len(source) < MIN_SOURCE_LETTERS:
        return source in cited
    return any(_same_source(source, name) for name in cited)


def _same_source(a: str, b: str) -> bool:
    if a.replace(" ", "") == b.replace(" ", ""):  # "Novaya Gazeta" and novayagazeta.eu
        return True
    return len(b) >= MIN_SOURCE_LETTERS and (f" {a} " in f" {b} " or f" {b} " in f" {a} ")


def _text_signal(a: Profile, b: Profile) -> str | None:
    if not a.lang or a.lang != b.lang:
        return None  # a ratio of words means nothing across languages
    if min(len(a.text.split()), len(b.text.split())) < MIN_WORDS_FOR_SIMILARITY:
        return None
    ratio = fuzz.token_set_ratio(a.text, b.text, processor=utils.default_process)
    if ratio >= NEAR_COPY_RATIO:
        return "near_copy"
    return "similar_text" if ratio >= SIMILAR_TEXT_RATIO else None
