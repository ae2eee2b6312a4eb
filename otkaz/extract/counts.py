"""Counts of people in English and Russian news text.

``find_counts`` finds the number expressions of a text ("about 70 Russian
reservists", "more than 40", "шестеро мобилизованных", "41 sailors on one
ship and about 90 on the other"), resolves each to a ``Count`` by the
codebook and names the noun it counts.  Which count belongs to which incident
is the extractor's decision.  Years, ages, unit and article numbers, money,
durations, distances, dates, times and percentages are never counts.

No model is loaded: number words, people nouns and units come from curated
lexicons, and pymorphy2 (through natasha) gives the lemmas of Russian words,
only for the few words next to a number.

Every word is data: a language's ``otkaz/lang/<code>/counts.toml`` holds its number
words, modifiers, people nouns, units and the words around a number, read once per
language.  This module holds the mechanism, in two number grammars a language's data
chooses: ``composed`` (English: "two hundred and fifty", "a dozen") and ``inflected``
(Russian: number words by lemma, every case form from pymorphy).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from otkaz.lang import language_data, languages_with
from otkaz.model import Count

if TYPE_CHECKING:
    from natasha import MorphVocab

LANGS = languages_with("counts")  # the languages whose package has a counts.toml
KINDS = ("exact", "approx", "at_least", "at_most", "range", "vague", "sum")


@dataclass(frozen=True)
class CountMention:
    """A number expression: text[start:end] covers the number and its head noun."""

    start: int
    end: int
    text: str
    count: Count
    head: str | None  # lemma of the noun counted, lower case; None if none found
    people: bool  # the head is a people noun, or there is no head but a people context
    kind: str  # one of KINDS


# ---------------------------------------------------------------- tokens


class _Token(NamedTuple):
    text: str
    low: str  # lower case, folded by the language's data ("ё" to "е", "’" to "'")
    start: int
    end: int
    kind: str  # "num", "word" or "punct"
    line_start: bool  # first token of its line: a noun phrase never runs over a line break


def _fold(text: str, fold: dict[str, str]) -> str:
    text = text.lower()
    for letter, replacement in fold.items():
        text = text.replace(letter, replacement)
    return text


def _tokenize(text: str, lang: str) -> list[_Token]:
    lex = _lex(lang)
    folded = _fold(text, lex.fold)
    if len(folded) != len(text):  # a letter whose lower case is longer: fold token by token
        folded = ""
    tokens: list[_Token] = []
    previous_end = 0
    for m in lex.token.finditer(text):
        start, end = m.span()
        low = folded[start:end] if folded else _fold(m.group(), lex.fold)
        line_start = not tokens or text.find("\n", previous_end, start) >= 0
        tokens.append(_Token(m.group(), low, start, end, m.lastgroup or "punct", line_start))
        previous_end = end
    return tokens


def _digits_value(token: str, lang: str) -> float | None:
    """'1,200' (en), '1 200', '1,5' (ru), '1.5' -> the number; None when malformed."""
    lex = _lex(lang)
    raw = re.sub(r"[\s\u00a0\u202f\u2009]", "", token)
    if lex.grouped_digits.fullmatch(raw):
        return float(raw.replace(lex.group_mark, ""))
    return float(raw.replace(lex.decimal_mark, ".")) if lex.plain_digits.fullmatch(raw) else None


def _low(tokens: list[_Token], i: int) -> str:
    return tokens[i].low if 0 <= i < len(tokens) else ""


def _glued(tokens: list[_Token], i: int) -> bool:
    """Token i touches token i - 1 (no space between them)."""
    return 0 < i < len(tokens) and tokens[i - 1].end == tokens[i].start


# ---------------------------------------------------------------- a language's words

_GRAMMARS = ("composed", "inflected")  # number words read by composition (en) or by case forms (ru)
_NEVER = re.compile(r"(?!)")
# What a language's counts.toml may leave out: digits and words split like this, no digit groups.
_DEFAULT_TOKEN = r"(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+(?:[‑-][^\W\d_]+)*)|(?P<punct>\S)"


class _Data:
    """A language's counts.toml, read by dotted key; a missing list is empty, a missing pattern
    never matches, so a language's file holds only what it uses."""

    def __init__(self, data: dict) -> None:
        self._data = data

    def get(self, key: str, default=None):
        node = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def words(self, key: str) -> set[str]:
        return set(self.get(key, ()))

    def table(self, key: str) -> dict:
        return dict(self.get(key, {}))

    def pattern(self, key: str, flags: int = 0) -> re.Pattern[str]:
        found = self.get(key)
        return re.compile(found, flags) if found else _NEVER


class _Lex:
    """The words of one language for counting, from its package's ``counts.toml``."""

    def __init__(self, lang: str, raw: dict) -> None:
        self.lang = lang
        data = _Data(raw)
        self.grammar = data.get("numbers.grammar", "composed")
        if self.grammar not in _GRAMMARS:
            raise ValueError(f"{lang}/counts.toml: numbers.grammar must be one of {', '.join(_GRAMMARS)}")
        self.token = re.compile(data.get("tokens.pattern", _DEFAULT_TOKEN))
        self.fold = data.table("tokens.fold")
        self.grouped_digits = data.pattern("tokens.grouped_digits")
        self.group_mark = data.get("tokens.group_mark", ",")
        self.plain_digits = re.compile(data.get("tokens.plain_digits", r"\d+"))
        self.decimal_mark = data.get("tokens.decimal_mark", ".")
        self.follows = {None if k == "start" else k: set(v) for k, v in data.table("numbers.follows").items()}
        self.scales = data.table("numbers.scales")
        self.modifiers = {tuple(words.split()): kind for kind, phrases in data.table("modifiers").items()
                          for words in phrases}
        self.suffixes = {tuple(words.split()): kind for kind, phrases in data.table("suffixes").items()
                         for words in phrases}
        self.range_links = data.words("ranges.links")
        self.range_openers = data.table("ranges.openers")
        self.quantifiers = data.words("vague.quantifiers")
        self.people_lemmas = list(data.get("people.lemmas", ()))
        self.partitive_pronouns = data.words("people.partitive_pronouns")
        self.unit_forms = data.words("units.forms")
        self.months = data.words("context.months")
        self.id_words = data.words("context.id_words")
        self.age_words = data.words("context.age_words")
        self.determiners = data.words("context.determiners")
        self.prepositions = data.words("context.prepositions")
        self.year_prepositions = data.words("context.year_prepositions")
        self.date_links = data.words("context.date_links")
        self.number_links = data.words("context.number_links")
        self.partitive_word = data.get("context.partitive_word", "")
        self.preposition_after_modifier = data.get("context.preposition_after_modifier", False)
        self.partitive = data.pattern("context.partitive_pattern", re.IGNORECASE)
        if data.get("sums.link"):
            more, place = data.get("sums.more_before", "(?!)"), data.get("sums.place", "(?!)")
            self.sum_link = re.compile(rf"{data.get('sums.link')}(?P<more>{more})?(?P<place>{place})?$", re.IGNORECASE)
        else:
            self.sum_link = _NEVER
        self.more = data.pattern("sums.more_after", re.IGNORECASE)
        self.first_of_two = data.pattern("sums.first_of_two", re.IGNORECASE)
        self.glued_suffixes = {
            **{w: _Glue(0) for w in data.words("glued_suffixes.case_endings")},
            **{w: _Glue(0, people=True) for w in data.words("glued_suffixes.people")},
            **{w: _Glue(0, kind=kind) for kind in ("approx", "at_least") for w in data.words(f"glued_suffixes.{kind}")},
        }
        if self.grammar == "composed":
            self._composed(data)
        else:
            self._inflected(data)

    def _composed(self, data: _Data) -> None:
        self.small = {w: n for n, w in enumerate(data.get("numbers.small", ()), start=1)}
        self.tens = {w: 10 * n for n, w in enumerate(data.get("numbers.tens", ()), start=2)}
        self.digit_scales = {**data.table("numbers.digit_multipliers"), **self.scales}  # "1.5 thousand", "3 dozen"
        self.hundred, self.dozen = data.get("numbers.hundred", ""), data.get("numbers.dozen", "")
        self.couple = data.get("numbers.couple", "")
        self.articles = data.words("numbers.articles")
        self.after_article = {*data.words("numbers.after_article"), *self.scales}
        self.and_, self.half = data.get("numbers.and", ""), data.get("numbers.half", "")
        self.of = data.get("numbers.of", "")
        self.and_a_half = tuple(data.get("numbers.and_a_half", ()))
        self.vague_plurals = data.table("vague.plurals")
        self.vague_singulars = data.table("vague.singulars")
        self.article_quantifier = tuple(data.get("vague.article_quantifier", ()))
        self.only_before_scale = data.words("vague.only_before_scale")
        self.vague_words = {*self.article_quantifier, *self.vague_plurals, *self.vague_singulars}
        self.number_starts = {*self.articles, self.half, *self.quantifiers} - {""}
        self.singular_rules = [(r["ending"], r["replace"], r.get("min_length", 0)) for r in data.get("people.singular", ())]
        plural = data.get("people.plural_ending", "")  # "soldiers"
        irregular = {
            **{f"{stem}{end}": f"{stem}man" for stem in data.get("people.man_compounds", ()) for end in ("man", "men")},
            **data.table("people.irregular"),
        }
        self.people = {
            **{lemma: lemma for lemma in self.people_lemmas},
            **({lemma + plural: lemma for lemma in self.people_lemmas} if plural else {}),
            **irregular,
        }
        self.people_compounds = {tuple(words.split()): lemma for words, lemma in data.table("people.compounds").items()}
        self.demonym = data.pattern("people.demonym_pattern")
        self.demonyms = data.words("people.demonyms")
        unit_lemmas = {w: w.rstrip(plural) if plural else w for w in self.unit_forms}
        self.units = {**unit_lemmas, **data.table("units.irregular")}
        self.time_letters = data.words("units.time_letters")
        self.time_last_letter = data.get("units.time_last_letter", "")
        self.stop = data.words("context.stop")
        self.partitive_determiners = data.words("context.partitive_determiners")
        self.adjectives = data.words("context.adjectives")
        self.adjective_suffix = data.pattern("context.adjective_pattern")

    def _inflected(self, data: _Data) -> None:
        self.numerals = {
            **{w: n for n, w in enumerate(data.get("numbers.units", ()), start=1)},
            **{w: 10 * n for n, w in enumerate(data.get("numbers.tens", ()), start=2)},
            **{w: 100 * n for n, w in enumerate(data.get("numbers.hundreds", ()), start=1)},
        }
        self.collectives = {w: n for n, w in enumerate(data.get("numbers.collectives", ()), start=2)}
        self.groups = data.table("numbers.groups")
        self.half_words = data.table("numbers.half")
        self.both_words = data.table("numbers.both")
        self.same_word = data.words("numbers.same_word")
        self.fixed_forms = data.table("numbers.fixed")
        self.abbreviated_scales = data.table("numbers.abbreviated_scales")
        self.and_a_half = tuple(data.get("numbers.and_a_half", ()))
        self.genitive_governors = data.words("vague.genitive_governors")
        self.people_set = set(self.people_lemmas)


@cache
def _lex(lang: str) -> _Lex:
    data = language_data(lang, "counts")
    if data is None:
        raise ValueError(f"language {lang!r} is not supported: counts read {', '.join(languages_with('counts'))}")
    return _Lex(lang, data)


_CURRENCY_SIGNS = set("$€£₽¥₴")
# Glued before a number, only these leave it a count: "(12 soldiers", "«12 ...".
_OPENING_MARKS = set("(«\"“„'‘")
_QUOTE_MARKS = set("«»\"“”„'‘’")
_SENTENCE_BREAK = re.compile(r"[.!?]\s|\n")
_CLAUSE_BREAK = re.compile(r"[.!?;]\s|\n")  # groups of one sum are never further apart


# ---------------------------------------------------------------- Russian morphology


@cache
def _morph() -> MorphVocab:
    # natasha's MorphVocab is pymorphy2 with its Russian dictionaries, patched by natasha to run on
    # Python 3.11+ (plain pymorphy2 0.9.1 calls the removed inspect.getargspec).  Imported here so
    # that English-only use does not load natasha.
    from natasha import MorphVocab

    return MorphVocab()


class _NumberForm(NamedTuple):
    value: float
    cls: str  # unit, teen, tens, hundreds, scale, group, half, collective, both, fixed
    singular: bool
    plural: bool
    ambiguous: bool  # most often another word ("семью": family), so a count only before a people noun


def _inflected_class(lex: _Lex, lemma: str, value: float) -> str:
    if lemma in lex.half_words:
        return "half"
    if lemma in lex.both_words:
        return "both"
    if lemma in lex.collectives:
        return "collective"
    if lemma in lex.scales:
        return "scale"
    if lemma in lex.groups:
        return "group"
    if value >= 100:
        return "hundreds"
    if value >= 20:
        return "tens"
    return "teen" if value >= 10 else "unit"


@cache
def _number_forms(lang: str) -> dict[str, _NumberForm]:
    """Every case form of the number words of an inflected language, from their pymorphy lexemes."""
    lex, morph = _lex(lang), _morph()
    values: dict[str, float] = {
        **lex.numerals, **lex.collectives, **lex.scales, **lex.groups, **lex.half_words, **lex.both_words,
    }
    # pymorphy takes "десятки" for a form of "десятка" (a ten) first: still the same number word.
    same_word = set(values) | lex.same_word
    forms: dict[str, _NumberForm] = {}
    for lemma, value in values.items():
        cls = _inflected_class(lex, lemma, value)
        lexemes = [p.lexeme for p in morph.parse(lemma) if p.normal_form == lemma and p.tag.POS in ("NUMR", "NOUN", "ADJF")]
        for form in (form for lexeme in lexemes for form in lexeme):
            word = _fold(form.word, lex.fold)
            known = forms.get(word)
            forms[word] = _NumberForm(
                value,
                cls,
                singular=(known.singular if known else False) or "plur" not in form.tag,
                plural=(known.plural if known else False) or "plur" in form.tag,
                ambiguous=morph.parse(word)[0].normal_form not in same_word,
            )
    forms.update({w: _NumberForm(v, "fixed", True, False, False) for w, v in lex.fixed_forms.items()})
    forms.update({w: _NumberForm(v, "scale", True, False, False) for w, v in lex.abbreviated_scales.items()})
    return forms


class _Word(NamedTuple):
    people: str | None  # the people lemma, if the word can be a people noun
    adjectival: bool  # most likely an adjective or participle ("военных", "российских")
    noun: str | None  # the noun lemma, if most likely a noun
    unit: bool
    month: bool


@cache
def _word(lang: str, low: str) -> _Word:
    """A word of an inflected language, by its pymorphy parses."""
    lex = _lex(lang)
    parses = _morph().parse(low)
    lemmas = {_fold(p.normal_form, lex.fold) for p in parses if p.tag.POS != "PRTF"}
    # A participle's lemma is its verb; "мобилизованных" counts as "мобилизованный".
    participle = next((p for p in parses if p.tag.POS == "PRTF"), None)
    if participle is not None:
        inflected = participle.inflect({"Masc", "Sing", "Nom"})  # natasha takes Universal Dependencies features
        lemmas.add(_fold(inflected.word if inflected else participle.normal_form, lex.fold))
    top = parses[0]
    pos = top.tag.POS
    people = next((lemma for lemma in sorted(lemmas) if lemma in lex.people_set), None)
    return _Word(
        people=people,
        adjectival=pos in ("ADJF", "PRTF"),
        noun=_fold(top.normal_form, lex.fold) if pos == "NOUN" else None,
        unit=low in lex.unit_forms or bool(lemmas & lex.unit_forms),
        month=low in lex.months or top.normal_form in lex.months,
    )


# ---------------------------------------------------------------- numbers


@dataclass
class _Number:
    value: float  # the number; for a vague plural, the least it can mean
    end: int  # index of the token after the expression
    vague: bool = False
    approx: bool = False  # "a couple of"
    weak: bool = False  # "one", "both", "семью": a count only when a people noun follows
    collective: bool = False  # "шестеро": counts people even without a head noun


def _word_class(lex: _Lex, word: str) -> tuple[str, float] | None:
    """The class and value of a number word of a composed language."""
    if word in lex.small:
        return "small", lex.small[word]
    if word in lex.tens:
        return "tens", lex.tens[word]
    first, _, second = word.partition("-")
    if first in lex.tens and second in lex.small and lex.small[second] < 10:  # "twenty-one"
        return "small", lex.tens[first] + lex.small[second]
    if word == lex.hundred:
        return "hundred", lex.digit_scales[lex.hundred]
    if word in lex.scales:
        return "scale", lex.scales[word]
    if word == lex.dozen:
        return "dozen", lex.digit_scales[lex.dozen]
    if word == lex.couple:
        return "couple", 2
    return None


def _composed_words(tokens: list[_Token], i: int, lex: _Lex) -> _Number | None:
    """'twelve', 'twenty-one', 'a hundred', 'two hundred and fifty', 'two dozen', 'half a dozen'."""
    if _low(tokens, i) == lex.half and _low(tokens, i + 1) in lex.articles and _low(tokens, i + 2) == lex.dozen:
        return _Number(lex.digit_scales[lex.dozen] // 2, i + 3)
    total = current = 0.0
    last: str | None = None
    approx = False
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        word, after = tokens[j].low, _low(tokens, j + 1)
        if word in lex.articles and last is None and after in lex.after_article:
            current, last, j = 1.0, "a", j + 1
            continue
        if last is not None and lex.and_a_half \
                and tuple(_low(tokens, k) for k in range(j, j + len(lex.and_a_half))) == lex.and_a_half:
            current, last, j = current + 0.5, "half", j + len(lex.and_a_half)  # "two and a half years"
            continue
        if word == lex.and_ and last in ("hundred", "scale") and _word_class(lex, after):
            j += 1
            continue
        found = _word_class(lex, word)
        if found is None or found[0] not in lex.follows.get(last, set()):
            break
        cls, value = found
        if cls in ("small", "tens"):
            current += value
        elif cls in ("hundred", "dozen"):
            current = (current or 1) * value
        elif cls == "couple":
            current, approx = 2, True
        else:
            total, current = total + (current or 1) * value, 0.0
        last, j = cls, j + 1
        if cls == "couple" and _low(tokens, j) == lex.of:
            j += 1  # "a couple of soldiers"
        if cls in ("dozen", "couple"):
            break
    if last in (None, "a"):
        return None
    value = total + current
    weak = approx or (j == i + 1 and value == 1)
    return _Number(value, j, approx=approx, weak=weak)


def _composed_vague(tokens: list[_Token], i: int, lex: _Lex) -> _Number | None:
    """'dozens', 'hundreds', 'tens of thousands', 'several dozen', 'a few hundred'."""
    j, quantified = i, False
    n = len(lex.article_quantifier)
    if n and tuple(_low(tokens, k) for k in range(j, j + n)) == lex.article_quantifier:
        j, quantified = j + n, True
    elif _low(tokens, j) in lex.quantifiers:
        j, quantified = j + 1, True
    word = _low(tokens, j)
    if quantified and word in lex.vague_singulars:
        base = lex.vague_singulars[word]
        scale = lex.vague_singulars.get(_low(tokens, j + 1), 0)
        if scale > base:  # "several hundred thousand"
            return _Number(2 * base * scale, j + 2, vague=True)
        return _Number(2 * base, j + 1, vague=True)
    if word not in lex.vague_plurals:
        return None
    base = lex.vague_plurals[word]
    scale = lex.vague_plurals.get(_low(tokens, j + 2), 0)
    if _low(tokens, j + 1) == lex.of and scale > base:  # "tens of thousands"
        return _Number(base * scale, j + 3, vague=True)
    if word in lex.only_before_scale:
        return None
    return _Number(2 * base, j + 1, vague=True)


def _inflected_words(tokens: list[_Token], i: int, lex: _Lex) -> _Number | None:
    """'двенадцать', 'двадцати одного', 'шестеро', 'два десятка', 'полторы тысячи', 'полсотни'."""
    forms = _number_forms(lex.lang)
    first = forms.get(tokens[i].low)
    if first is None:
        return None
    if first.cls in ("collective", "fixed", "both"):
        return _Number(
            first.value, i + 1, weak=first.cls == "both" or first.ambiguous, collective=first.cls == "collective"
        )
    total = current = 0.0
    last: str | None = None
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        n = len(lex.and_a_half)
        if last is not None and n and tuple(_low(tokens, k) for k in range(j, j + n)) == lex.and_a_half:
            current, j = current + 0.5, j + n  # "два с половиной года"
            continue
        form = forms.get(tokens[j].low)
        if form is None or form.cls not in lex.follows.get(last, set()):
            break
        if form.cls in ("unit", "teen", "tens", "hundreds"):
            current += form.value
        elif form.cls == "half":
            current = form.value
        elif form.cls == "group":
            current = (current or 1) * form.value
        else:
            total, current = total + (current or 1) * form.value, 0.0
        last, j = form.cls, j + 1
        if form.cls == "group":
            break
    if last is None:
        return None
    value = total + current
    weak = j == i + 1 and (value == 1 or first.ambiguous)
    return _Number(value, j, weak=weak)


def _inflected_vague(tokens: list[_Token], i: int, lex: _Lex) -> _Number | None:
    """'десятки', 'сотни', 'тысячи', 'десятки тысяч', 'несколько сотен'."""
    forms = _number_forms(lex.lang)
    j, quantified = i, tokens[i].low in lex.quantifiers
    if quantified:
        j += 1
    form = forms.get(_low(tokens, j))
    if form is None or form.cls not in ("group", "scale") or not form.plural:
        return None
    if not quantified and form.singular and _low(tokens, i - 1) in lex.genitive_governors:
        return None  # "около тысячи": one thousand
    scale = forms.get(_low(tokens, j + 1))
    if scale is not None and scale.cls == "scale" and scale.value > form.value:  # "десятки тысяч"
        return _Number(form.value * scale.value, j + 2, vague=True)
    return _Number(2 * form.value, j + 1, vague=True)


def _digits(tokens: list[_Token], i: int, lang: str) -> _Number | None:
    """'12', '1,200', '1.5 thousand', '5 тыс.', '300 тысяч'."""
    value = _digits_value(tokens[i].text, lang)
    if value is None:
        return None
    j = i + 1
    lex = _lex(lang)
    if lex.grammar == "composed":
        scale = lex.digit_scales.get(_low(tokens, j))
    else:
        form = _number_forms(lang).get(_low(tokens, j))
        scale = form.value if form is not None and form.cls in ("scale", "group") else None
    if scale is not None:
        value, j = value * scale, j + 1
        # "5 тыс. человек": the abbreviation's dot, unless it ends the sentence.
        if _low(tokens, j) == "." and _glued(tokens, j) and j + 1 < len(tokens) and tokens[j + 1].text.islower():
            j += 1
    return _Number(value, j)


def _number_at(tokens: list[_Token], i: int, lang: str) -> _Number | None:
    token = tokens[i]
    if token.kind == "num":
        return _digits(tokens, i, lang)
    if token.kind != "word":
        return None
    lex = _lex(lang)
    if lex.grammar == "composed":
        return _composed_vague(tokens, i, lex) or _composed_words(tokens, i, lex)
    return _inflected_vague(tokens, i, lex) or _inflected_words(tokens, i, lex)


def _is_number_start(tokens: list[_Token], i: int, lang: str) -> bool:
    """A cheap test before the parsers run."""
    token = tokens[i]
    if token.kind == "num":
        return True
    if token.kind != "word":
        return False
    lex = _lex(lang)
    if lex.grammar == "inflected":
        return token.low in _number_forms(lang) or token.low in lex.quantifiers
    if token.low in lex.number_starts:
        return _low(tokens, i + 1) in lex.after_article or _low(tokens, i + 1) in lex.vague_words
    return token.low in lex.vague_plurals or _word_class(lex, token.low) is not None


# ---------------------------------------------------------------- context


class _Head(NamedTuple):
    lemma: str | None
    people: bool
    end: int  # index of the token after the head, or of where the search stopped
    not_a_count: bool = False  # a unit or a month follows: a duration, money, a date...


def _singular(lex: _Lex, word: str) -> str:
    """The singular of a noun of a composed language, by the first of its rules that fits."""
    for ending, replacement, min_length in lex.singular_rules:
        if word.endswith(ending) and len(word) >= min_length:
            return word[: len(word) - len(ending)] + replacement
    return word


def _phrase_goes_on(tokens: list[_Token], j: int) -> int | None:
    """Where the noun phrase goes on at token j (over quote marks: '40 "refuseniks"'); None if it ends."""
    while j < len(tokens) and tokens[j].text in _QUOTE_MARKS and not tokens[j].line_start:
        j += 1
    if j >= len(tokens) or tokens[j].kind != "word" or tokens[j].line_start:
        return None
    return j


def _composed_head(tokens: list[_Token], j: int, partitive_ok: bool, lex: _Lex) -> _Head:
    """The noun counted: the first noun within a few words, skipping adjectives and proper adjectives."""
    start, skipped = j, 0
    if partitive_ok and lex.partitive_word and _low(tokens, j) == lex.partitive_word:  # "dozens of", "12 of the soldiers"
        if _low(tokens, j + 1) in lex.partitive_pronouns:
            return _Head(None, True, start)  # "30 of us"
        j += 1
        if _low(tokens, j) in lex.partitive_determiners:
            j += 1
    while skipped <= 3 and (j := _phrase_goes_on(tokens, j)) is not None:
        token, word, after = tokens[j], tokens[j].low, _low(tokens, j + 1)
        if token.text in lex.months:
            return _Head("month", False, j + 1, not_a_count=True)
        if (word, after) in lex.people_compounds:
            return _Head(lex.people_compounds[word, after], True, j + 2)
        if word in lex.people and after not in lex.people:  # "conscript soldiers": the soldiers are counted
            return _Head(lex.people[word], True, j + 1)
        if word in lex.units:
            return _Head(lex.units[word], False, j + 1, not_a_count=True)
        if word in lex.time_letters and _low(tokens, j + 1) == "." and _low(tokens, j + 2) == lex.time_last_letter:
            return _Head("time", False, j + 3, not_a_count=True)  # "10 a.m."
        if lex.demonym.fullmatch(token.text) or (token.text[0].isupper() and word in lex.demonyms):
            return _Head(_singular(lex, word), True, j + 1)
        if word in lex.stop:
            break
        if word in lex.people or word in lex.adjectives or token.text[0].isupper() or "-" in word \
                or lex.adjective_suffix.fullmatch(word):
            skipped, j = skipped + 1, j + 1
            continue
        return _Head(_singular(lex, word), False, j + 1)
    return _Head(None, False, start)


def _inflected_head(tokens: list[_Token], j: int, lex: _Lex) -> _Head:
    """The noun counted, by its lemma: the first noun within a few words, skipping adjectives."""
    start, skipped = j, 0
    if lex.partitive_word and _low(tokens, j) == lex.partitive_word and _low(tokens, j + 1) in lex.partitive_pronouns:
        return _Head(None, True, start)  # "30 из нас"
    while skipped <= 3 and (j := _phrase_goes_on(tokens, j)) is not None:
        word = _word(lex.lang, tokens[j].low)
        if word.month:
            return _Head("month", False, j + 1, not_a_count=True)
        if word.people:
            after = _word(lex.lang, tokens[j + 1].low) if j + 1 < len(tokens) and tokens[j + 1].kind == "word" else None
            # "военных медиков": an adjective before the noun counted; "военных" alone: the noun.
            if not (word.adjectival and after is not None and (after.noun or after.people) and not after.adjectival):
                return _Head(word.people, True, j + 1)
        elif word.unit:
            return _Head(word.noun or tokens[j].low, False, j + 1, not_a_count=True)
        elif word.noun:
            return _Head(word.noun, False, j + 1)
        elif not word.adjectival:
            break
        skipped, j = skipped + 1, j + 1
    return _Head(None, False, start)


def _head(tokens: list[_Token], j: int, lang: str, partitive_ok: bool = False) -> _Head:
    lex = _lex(lang)
    if lex.grammar == "composed":
        return _composed_head(tokens, j, partitive_ok, lex)
    return _inflected_head(tokens, j, lex)


def _prefix(tokens: list[_Token], i: int, lang: str) -> tuple[str, int] | None:
    """A modifier right before token i ('about', 'more than', 'не менее'): its kind and first token.
    In Russian a preposition may stand between them: 'как минимум у восьми'."""
    lex = _lex(lang)
    modifiers = lex.modifiers
    between = lex.preposition_after_modifier and _low(tokens, i - 1) in lex.prepositions
    ends = (i, i - 1) if between else (i,)
    for end in ends:
        for length in (3, 2, 1):
            if end - length < 0:
                continue
            words = tuple(t.low for t in tokens[end - length:end])
            if words in modifiers and all(t.kind == "word" for t in tokens[end - length:end]):
                return modifiers[words], end - length
    return None


def _suffix(tokens: list[_Token], j: int, lang: str) -> tuple[str, int] | None:
    words = (_low(tokens, j), _low(tokens, j + 1))
    kind = _lex(lang).suffixes.get(words)
    return (kind, j + 2) if kind else None


def _previous_word(tokens: list[_Token], i: int) -> _Token | None:
    """The word before token i, over dots ("Art. 337", "ч. 2", "в/ч 12345")."""
    j = i - 1
    while j >= 0 and tokens[j].text == ".":
        j -= 1
    return tokens[j] if j >= 0 and tokens[j].kind == "word" else None


def _is_identifier(tokens: list[_Token], i: int, lang: str) -> bool:
    """'Article 337', 'military unit 12345', 'в/ч 12345', 'ч. 2 ст. 332', '№ 5'."""
    if i > 0 and tokens[i - 1].text in ("№", "#"):
        return True
    word = _previous_word(tokens, i)
    if word is None:
        return False
    lex = _lex(lang)
    if lex.grammar == "composed":
        return word.low in lex.id_words
    return word.low in lex.id_words or _word(lang, word.low).noun in lex.id_words


def _after_month(tokens: list[_Token], i: int, lang: str) -> bool:
    """'November 8', 'Sept. 26', 'November 8 and 9'."""
    lex = _lex(lang)
    while i >= 2 and tokens[i - 1].low in lex.date_links and tokens[i - 2].kind == "num":
        i -= 2
    word = _previous_word(tokens, i)
    if word is None:
        return False
    return word.text in lex.months if lex.grammar == "composed" else _word(lang, word.low).month


def _is_age(tokens: list[_Token], i: int, end: int, lang: str) -> bool:
    """'aged 25', 'в возрасте 25 лет', 'Ivanov, 24,', 'Ivanov (24)', 'the soldier, 22,'."""
    lex = _lex(lang)
    if any(_low(tokens, k) in lex.age_words for k in range(i - 4, i)):  # "between the ages of 18 and 27"
        return True
    if not (0 < end < len(tokens) and i >= 2 and tokens[i].kind == "num" and end == i + 1):
        return False
    before, name, after = tokens[i - 1].text, tokens[i - 2], tokens[end].text
    named = name.text[:1].isupper() or (
        name.low in lex.people if lex.grammar == "composed" else bool(_word(lang, name.low).people)
    )
    return (before, after) in ((",", ","), (",", ")"), ("(", ")")) and named


def _is_year(token: _Token) -> bool:
    return token.kind == "num" and bool(re.fullmatch(r"(?:19|20)\d\d", token.text))


def _left_glue_excludes(tokens: list[_Token], i: int) -> bool:
    """'T-90', 'COVID-19', 'ч.2', '+7', '$2,000', '10:30', '[1]', '?p=314'."""
    if tokens[i].kind != "num" or not _glued(tokens, i):
        return False
    return tokens[i - 1].text not in _OPENING_MARKS


class _Glue(NamedTuple):
    """What is written right after a number, with no space."""

    end: int  # index of the token after it
    exclude: bool = False  # "35th", "1990s", "50%", "10:30", "34-year-old": not a count
    kind: str | None = None  # "100+": at least; "80-odd": about
    people: bool = False  # "a 100-strong crowd": a number of people


def _right_glue(tokens: list[_Token], j: int, lang: str) -> _Glue | None:
    if j >= len(tokens) or tokens[j - 1].kind != "num" or not _glued(tokens, j):
        return None
    token = tokens[j]
    if token.text == "+":
        return _Glue(j + 1, kind="at_least")
    if token.text in ("-", "‑") and _glued(tokens, j + 1) and tokens[j + 1].kind == "word":
        suffix, lex = tokens[j + 1].low, _lex(lang)
        if suffix in lex.glued_suffixes:  # "100-strong", "80-odd", "20-ти"
            return lex.glued_suffixes[suffix]._replace(end=j + 2)
    if token.kind == "word" or token.text == "%":
        return _Glue(j, exclude=True)  # "35th", "1990s", "10am", "50%"
    if token.low in (":", "/", "-", "‑", "–", ".", "'") and _glued(tokens, j + 1) \
            and tokens[j + 1].kind in ("word", "num"):
        return _Glue(j, exclude=True)  # "10:30", "24/7", "123-45-67", "34-year-old", "74.RU", "100's"
    return None


def _range_end(tokens: list[_Token], number: _Number, i: int, lang: str) -> tuple[_Number, int] | None:
    """The second number of '20 to 30', '20-30', 'between 20 and 30', 'от 20 до 30': it and the opener."""
    j = number.end
    opener = _low(tokens, i - 1)
    closer = _lex(lang).range_openers.get(opener)
    if closer is not None and _low(tokens, j) == closer:
        start = i - 1
    elif _low(tokens, j) in _lex(lang).range_links:
        start = i
    else:
        return None
    if j + 1 >= len(tokens) or not _is_number_start(tokens, j + 1, lang):
        return None
    second = _number_at(tokens, j + 1, lang)
    if second is None or second.vague or number.vague or second.value <= number.value:
        return None
    return second, start


# ---------------------------------------------------------------- one mention


def _count_for(kind: str, low: int, high: int) -> Count:
    if kind == "at_least" or kind == "vague":
        return Count(low, None)
    if kind == "at_most":
        return Count(None, high)
    return Count(low, high)


def _mention_at(text: str, tokens: list[_Token], i: int, lang: str) -> tuple[CountMention | None, int] | None:
    """The count that starts at token i: (it, next token), (None, next token) when the number there is
    not a count, None when no number starts there."""
    number = _number_at(tokens, i, lang)
    if number is None:
        return None
    start, end = i, number.end
    kind = "vague" if number.vague else "approx" if number.approx else "exact"
    low = high = number.value
    if _left_glue_excludes(tokens, i):
        return None, end
    found_range = None if number.vague else _range_end(tokens, number, i, lang)
    if found_range is not None:
        second, start = found_range
        high, end, kind = second.value, second.end, "range"
    glue = _right_glue(tokens, end, lang) or _Glue(end)
    if glue.exclude:
        return None, end
    end, kind = glue.end, glue.kind or kind
    if kind in ("exact", "approx"):
        if prefix := _prefix(tokens, start, lang):
            kind, start = prefix
        if suffix := _suffix(tokens, end, lang):
            kind, end = suffix
    if low != int(low) or high != int(high) or low <= 0:
        return None, end  # "two and a half years", "Part 2.1": people come whole
    head = _head(tokens, end, lang, partitive_ok=not number.weak)
    after = max(end, head.end)
    year_like = _is_year(tokens[i]) and (found_range is None or _is_year(tokens[end - 1]))
    if head.not_a_count or _not_a_count(tokens, i, end, head, lang, year_like):
        return None, after
    partitive = _lex(lang).partitive_word
    if number.weak and (not head.people or (partitive and _low(tokens, end) == partitive)):
        return None, after  # "one day", "one of the soldiers", "семью"
    span_start = tokens[start].start
    span_end = tokens[head.end - 1].end if head.lemma is not None else tokens[end - 1].end
    return CountMention(
        start=span_start,
        end=span_end,
        text=text[span_start:span_end],
        count=_count_for(kind, int(low), int(high)),
        head=head.lemma,
        people=head.people or glue.people or (head.lemma is None and number.collective),
        kind=kind,
    ), after


def _not_a_count(tokens: list[_Token], i: int, end: int, head: _Head, lang: str, year_like: bool) -> bool:
    """Years, identifiers, dates, money, percentages and ages, by the words around the number."""
    if head.people:  # "В части 12 мобилизованных", "2000 soldiers"; but not "In 2022 soldiers..."
        return year_like and (
            _low(tokens, i - 1) in _lex(lang).year_prepositions or _after_month(tokens, i, lang) or tokens[end].text[0].isupper()
        )
    if year_like or re.fullmatch(r"\d{5,}", tokens[i].text):
        return True  # a year, or an identifier ("case 1234567")
    if _is_identifier(tokens, i, lang) or _after_month(tokens, i, lang) or _is_age(tokens, i, end, lang):
        return True
    if i > 0 and tokens[i - 1].text in _CURRENCY_SIGNS or _low(tokens, end) == "%":
        return True
    if head.lemma is not None:
        return _low(tokens, i - 1) in _lex(lang).determiners  # "the two countries"
    return (
        _enclosed(tokens, i, end) or _before_dated_number(tokens, end, lang) or _in_a_name(tokens, i)
        or (_low(tokens, end) == "(" and _low(tokens, end + 1).isdigit())  # a phone number: "8 (800) ..."
    )


def _in_a_name(tokens: list[_Token], i: int) -> bool:
    """'World War Two': a capitalized number word after a capitalized word."""
    return tokens[i].kind == "word" and tokens[i].text[0].isupper() and i > 0 \
        and tokens[i - 1].kind == "word" and tokens[i - 1].text[0].isupper()


def _enclosed(tokens: list[_Token], i: int, end: int) -> bool:
    """'(495)', '[3]', or a list marker '1.' at the start of a line: not counts."""
    if 0 < i and end < len(tokens) and (tokens[i - 1].text, tokens[end].text) in (("(", ")"), ("[", "]")):
        return True
    return tokens[i].line_start and end < len(tokens) and tokens[end].text in (".", ")") and _glued(tokens, end)


def _before_dated_number(tokens: list[_Token], end: int, lang: str) -> bool:
    """'8 and 10 November', '2 or 3 years': the second number's unit is the first's too."""
    if _low(tokens, end) not in _lex(lang).number_links or end + 1 >= len(tokens):
        return False
    if tokens[end + 1].kind != "num":
        return False
    following = _digits(tokens, end + 1, lang)
    if following is None:
        return False
    head = _head(tokens, following.end, lang)
    return head.not_a_count


# ---------------------------------------------------------------- sums and context

_FIRST_WORD = re.compile(r"\s*([^\W\d_]+)")


def _first_word(text: str) -> str:
    found = _FIRST_WORD.match(text)
    return found.group(1).lower() if found else ""


def _adds_to(text: str, first: CountMention, second: CountMention, lang: str) -> bool:
    """'41 sailors on one ship and about 90 on the other', '20 from X and 30 from Y',
    'N ... and M more': groups of one incident, to be added up."""
    if second.head is not None and second.head != first.head:
        return False
    gap = text[first.end:second.start]
    if len(gap) > 80 or _CLAUSE_BREAK.search(gap):
        return False
    lex = _lex(lang)
    link = lex.sum_link.search(gap)
    if link is None:
        return False
    if link.group("more") or lex.more.search(text, second.start, second.end + 12):
        return True
    prepositions = lex.prepositions
    before = text[max(0, first.start - 40):first.start]
    before = _CLAUSE_BREAK.split(before)[-1]
    first_placed = _first_word(gap) in prepositions or bool(lex.first_of_two.search(before))
    second_placed = bool(link.group("place")) or _first_word(text[second.end:second.end + 30]) in prepositions
    return first_placed and second_placed


def _sum(text: str, first: CountMention, second: CountMention) -> CountMention:
    def total(a: int | None, b: int | None) -> int | None:
        return None if a is None or b is None else a + b

    return CountMention(
        start=first.start,
        end=second.end,
        text=text[first.start:second.end],
        count=Count(total(first.count.min, second.count.min), total(first.count.max, second.count.max)),
        head=first.head,
        people=first.people or second.people,
        kind="sum",
    )


def _merge_sums(text: str, mentions: list[CountMention], lang: str) -> list[CountMention]:
    """Join the groups of one sentence into their sum; things counted between them drop out."""
    merged: list[CountMention] = []
    i = 0
    while i < len(mentions):
        current = mentions[i]
        i += 1
        while True:
            # The next candidate group, over things counted in between ("in one battalion").
            k = i
            while k < len(mentions) and mentions[k].head is not None and not mentions[k].people \
                    and mentions[k].head != current.head:
                k += 1
            if k < len(mentions) and _adds_to(text, current, mentions[k], lang):
                current, i = _sum(text, current, mentions[k]), k + 1
            else:
                break
        merged.append(current)
    return merged


def _with_context(text: str, mentions: list[CountMention], lang: str) -> list[CountMention]:
    """A number with no head counts people after a people count of the same sentence ('Of the 60 soldiers,
    12 refused'), or before one ('12 of the 60 soldiers')."""
    resolved: list[CountMention] = []
    for n, mention in enumerate(mentions):
        if mention.head is None and not mention.people:
            following = mentions[n + 1] if n + 1 < len(mentions) else None
            partitive = _lex(lang).partitive.match(text, mention.end)
            previous = resolved[-1] if resolved else None
            if following is not None and following.people and partitive and partitive.end() == following.start:
                mention = replace(mention, people=True, head=following.head)
            elif previous is not None and previous.people \
                    and not _SENTENCE_BREAK.search(text, previous.end, mention.start):
                mention = replace(mention, people=True)
        resolved.append(mention)
    return resolved


# ---------------------------------------------------------------- public API


def _check(value: object, name: str, lang: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not isinstance(lang, str) or language_data(lang, "counts") is None:
        raise ValueError(f"language {lang!r} is not supported: counts read {', '.join(languages_with('counts'))}")


def find_counts(text: str, lang: str) -> list[CountMention]:
    """Every number expression of ``text`` that may count people, in text order."""
    _check(text, "text", lang)
    tokens = _tokenize(text, lang)
    mentions: list[CountMention] = []
    i = 0
    while i < len(tokens):
        found = _mention_at(text, tokens, i, lang) if _is_number_start(tokens, i, lang) else None
        if found is None:
            i += 1
            continue
        mention, i = found
        if mention is not None:
            mentions.append(mention)
    return _with_context(text, _merge_sums(text, mentions, lang), lang)


def parse_number(words: str, lang: str) -> int | None:
    """'twelve', 'two dozen', '1,200', '1.5 thousand', 'двенадцать', 'шестеро' -> the number;
    None when ``words`` are not one whole number (vague plurals like 'hundreds' included)."""
    _check(words, "words", lang)
    tokens = _tokenize(words.strip(), lang)
    if not tokens or not _is_number_start(tokens, 0, lang):
        return None
    number = _number_at(tokens, 0, lang)
    if number is None or number.vague or number.end != len(tokens) or number.value != int(number.value):
        return None
    return int(number.value)
