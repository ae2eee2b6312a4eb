"""Languages as packages: counts and dates read a language's words from its data files.

A new language is one package with its data files: the tests register a tiny made-up language
from a temporary directory and read numbers and dates in it, and check that the counting and
date code holds no word of any language.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

import otkaz.extract.counts as counts
import otkaz.extract.dates as dates
from otkaz import lang as languages
from otkaz.extract.counts import find_counts, parse_number
from otkaz.extract.dates import find_dates
from otkaz.model import DateRange

ROOT = Path(__file__).resolve().parents[1]

# A made-up language ("xx", Esperanto-like words): number words by composition, people nouns
# with the plural "-j", a "N da" modifier, two months, "hieraŭ" and "antaŭ N tagoj".
XX_COUNTS = r'''
[numbers]
grammar = "composed"
small = ["unu", "du", "tri", "kvar", "kvin", "ses", "sep", "ok", "naŭ", "dek"]
tens = ["dudek", "tridek"]
hundred = "cent"
digit_multipliers = { cent = 100 }
[numbers.follows]
start = ["small", "tens"]
small = ["hundred"]
tens = ["small"]
hundred = ["small", "tens"]
[modifiers]
approx = ["ĉirkaŭ"]
at_least = ["pli ol"]
[people]
lemmas = ["soldato", "viro"]
plural_ending = "j"
singular = [{ ending = "oj", replace = "o" }]
[units]
forms = ["jaroj", "tagoj"]
[context]
stop = ["kaj", "la"]
'''
XX_DATES = r'''
[words]
month_stems = { jan = 1, feb = 2 }
numbers = { unu = 1, du = 2, tri = 3 }
units = [{ stem = "tag", unit = "day", per = 1 }]
days_back = { "hieraŭ" = 1, "hodiaŭ" = 0 }
[patterns]
month = '(?:januaro|februaro)(?!\w)'
[[rules]]
build = "day"
pattern = '(?<!\w){day}-?a\s+de\s+(?P<mon>{month})(?:\s+{year})?'
flags = "i"
[[rules]]
build = "days_back"
pattern = '(?<!\w)(?P<w>hieraŭ|hodiaŭ)(?!\w)'
flags = "i"
[[rules]]
build = "ago"
pattern = '(?<!\w)antaŭ\s+(?P<n>\d+|unu|du|tri)\s+(?P<u>tagoj?)(?!\w)'
flags = "i"
'''


@pytest.fixture()
def made_up_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Register the package ``xxlang`` (a class and two data files) as language "xx"."""
    package = tmp_path / "xxlang"
    package.mkdir()
    (package / "__init__.py").write_text("class MadeUp:\n    lang = 'xx'\n", encoding="utf-8")
    (package / "counts.toml").write_text(XX_COUNTS, encoding="utf-8")
    (package / "dates.toml").write_text(XX_DATES, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(languages.LANGUAGES, "xx", "xxlang:MadeUp")
    _clear()
    yield "xx"
    monkeypatch.delitem(languages.LANGUAGES, "xx")
    sys.modules.pop("xxlang", None)
    _clear()


def _clear() -> None:
    languages.language_data.cache_clear()
    languages.get_language.cache_clear()
    for cached in (counts._lex, counts._number_forms, counts._word, dates._rules, dates._shared):
        cached.cache_clear()


def test_a_new_language_is_a_package_and_its_data_files(made_up_language: str) -> None:
    assert "xx" in languages.languages_with("counts") and "xx" in languages.languages_with("dates")
    assert languages.get_language("xx").lang == "xx"
    assert parse_number("dudek tri", "xx") == 23
    assert parse_number("du cent", "xx") == 200
    assert parse_number("two", "xx") is None  # English words are not the made-up language's
    [mention] = find_counts("Ĉirkaŭ dudek soldatoj forkuris.", "xx")
    assert (mention.text, mention.count.min, mention.count.max, mention.head, mention.people, mention.kind) == (
        "Ĉirkaŭ dudek soldatoj", 20, 20, "soldato", True, "approx")
    assert find_counts("Antaŭ kvin jaroj", "xx") == []  # a unit: a duration, no count
    published = DateRange(date(2023, 2, 10), date(2023, 2, 10))
    found = [(m.text, m.range.start, m.range.end) for m in find_dates(
        "Hieraŭ tri viroj foriris; la 5-a de januaro 2023 du; antaŭ tri tagoj.", "xx", published)]
    assert found == [
        ("Hieraŭ", date(2023, 2, 9), date(2023, 2, 9)),
        ("5-a de januaro 2023", date(2023, 1, 5), date(2023, 1, 5)),
        ("antaŭ tri tagoj", date(2023, 2, 7), date(2023, 2, 7)),
    ]
    # The other languages read as before, their words are not the made-up language's.
    assert parse_number("dudek", "en") is None
    assert parse_number("twenty three", "en") == 23


def test_a_language_without_data_files_is_refused() -> None:
    with pytest.raises(ValueError, match="language 'xx' is not supported"):
        parse_number("du", "xx")
    with pytest.raises(ValueError, match="unsupported language 'xx'"):
        find_dates("hieraŭ", "xx", None)


@pytest.mark.parametrize(
    ("words", "lang", "value"),
    [("two dozen", "en", 24), ("a couple", "en", 2), ("hundreds", "en", None), ("three hundred and five", "en", 305),
     ("двое", "ru", 2), ("полторы тысячи", "ru", 1500), ("сорока", "ru", 40)],
)
def test_number_words_come_from_each_language_data(words: str, lang: str, value: int | None) -> None:
    assert parse_number(words, lang) == value


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # Published Thursday 2022-09-29.
        ("He fled last Tuesday.", "en", ("last Tuesday", date(2022, 9, 27), date(2022, 9, 27))),
        ("in Sept. 2022", "en", ("in Sept. 2022", date(2022, 9, 1), date(2022, 9, 29))),  # to publication,
        ("Он уехал позавчера.", "ru", ("позавчера", date(2022, 9, 27), date(2022, 9, 27))),
        ("в середине мая 2022 года", "ru", ("в середине мая 2022 года", date(2022, 5, 11), date(2022, 5, 20))),
        ("прошлой осенью", "ru", ("прошлой осенью", date(2021, 9, 1), date(2021, 11, 30))),
    ],
)
def test_date_words_come_from_each_language_data(text: str, lang: str, expected: tuple) -> None:
    published = DateRange(date(2022, 9, 29), date(2022, 9, 29))
    [mention] = find_dates(text, lang, published)
    assert (mention.text, mention.range.start, mention.range.end) == expected


WORD_TABLES = {"irregular", "compounds", "part_names", "unit_words", "season_stems", "openers", "between", "fold"}


def _data_words(value, key: str = "") -> set[str]:
    """The words of a data file: items of its lists, and the keys (and words) of its word tables."""
    if isinstance(value, str):
        return set() if re.search(r"[\\(){}\[\]?*+|^$]", value) else {value.lower()}
    if isinstance(value, list):
        return {w for v in value for w in _data_words(v)}
    if not isinstance(value, dict):
        return set()
    words = {w for k, v in value.items() if isinstance(v, (dict, list)) for w in _data_words(v, k)}
    if value and all(isinstance(v, (int, float)) for v in value.values()) or key in WORD_TABLES:
        words |= {w for k, v in value.items() for w in _data_words(k) | _data_words(v)}
    return words


# Names the mechanism itself uses (kinds of counts and number words, units and parts of periods,
# regular-expression group names, keys of the data files), not words of a language.
MECHANISM_NAMES = {
    "day", "week", "month", "year", "season", "period", "spring", "summer", "autumn", "winter", "time",
    "early", "mid", "middle", "late", "beginning", "start", "end", "first days", "last days", "first half",
    "second half", "first week", "last week", "first quarter", "second quarter", "third quarter",
    "fourth quarter", "last quarter", "last", "this", "the", "small", "tens", "hundred", "hundreds", "dozen",
    "couple", "half", "scale", "group", "unit", "teen", "both", "fixed", "collective", "approx", "exact",
    "range", "vague", "sum", "at_least", "at_most", "composed", "inflected", "a", "mod", "more", "place",
    "pre", "man", "men", "i", "id", "per", "stem", "flags", "needles", "pattern", "build", "words",
    "patterns", "rules", "connectors", "preposition", "letters", "capitals", "counted", "between",
    "first decade", "second decade", "third decade", "mon", "before", "opening",
    # builders of dates.toml rules
    "ago", "past", "today", "weekend", "last_night", "weekday", "days_back", "units_back",
}


@pytest.mark.parametrize("module", [counts, dates])
def test_counts_and_dates_code_holds_no_word_of_a_language(module) -> None:
    """Every word of the language data files is data: none is written in the Python code."""
    data_words: set[str] = set()
    for path in (ROOT / "otkaz" / "lang").glob("*/*.toml"):
        if path.name in ("counts.toml", "dates.toml"):
            data_words |= _data_words(tomllib.loads(path.read_text(encoding="utf-8")))
    source = Path(module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
        and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    literals = {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }
    # A word list written in code would show as literals that are words of the data files.
    in_code = {literal for literal in literals if re.search(r"[^\W\d_]", literal)
               and literal.strip().lower() in data_words and literal.strip().lower() not in MECHANISM_NAMES}
    cyrillic = {literal for literal in literals if re.search("[а-яё]", literal, re.IGNORECASE)}
    assert not in_code, f"words of a language in {module.__name__}: {sorted(in_code)}"
    assert not cyrillic, f"Russian text in {module.__name__}: {sorted(cyrillic)}"


def test_fields_words_come_from_each_language_data() -> None:
    """extract.fields reads its words from the [fields] table of each language's words.toml."""
    from otkaz.lang.en import LEXICON as english

    words = english.fields
    assert {"from"} <= words.origin_prepositions and "in" in words.location_prepositions
    assert "town" in words.place_nouns and words.place_of == "of"
    assert [m.group(0) for m in words.unit_pattern.finditer("the 155th Marine Brigade and military unit 12345")] == [
        "155th Marine Brigade", "military unit 12345"]
    data = tomllib.loads((ROOT / "otkaz" / "lang" / "ru" / "words.toml").read_text(encoding="utf-8"))["fields"]
    from otkaz.extract.lexicon import FieldWords

    russian = FieldWords.from_table(data)
    assert "уроженец" in russian.origin_cues and not russian.destination_prepositions
    assert [m.group(0) for m in russian.unit_pattern.finditer("служил в в/ч 12345, потом в 64-й мотострелковой бригаде")] == [
        "в/ч 12345", "64-й мотострелковой бригаде"]
    # The words of one language are not the other's.
    assert not words.origin_cues & russian.origin_cues


# Codebook labels and names of the mechanism that fields.py writes, not words of a language.
FIELDS_NAMES = {"city", "court", "desertion", "protest", "name", "people", "mobilized"}


def test_fields_code_holds_no_word_of_the_fields_tables() -> None:
    import otkaz.extract.fields as fields

    data_words: set[str] = set()
    for lang in ("en", "ru"):
        table = tomllib.loads((ROOT / "otkaz" / "lang" / lang / "words.toml").read_text(encoding="utf-8"))["fields"]
        data_words |= {w for v in table.values() if isinstance(v, list) for w in v}
    tree = ast.parse(Path(fields.__file__).read_text(encoding="utf-8"))
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not (literals & data_words) - FIELDS_NAMES
