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
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from otkaz.model import Count

if TYPE_CHECKING:
    from natasha import MorphVocab

LANGS = ("en", "ru")
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
    low: str  # lower case, "ё" folded to "е", "’" to "'"
    start: int
    end: int
    kind: str  # "num", "word" or "punct"
    line_start: bool  # first token of its line: a noun phrase never runs over a line break


# Thousands may be grouped by (narrow) no-break spaces; Russian also groups by plain spaces.
_EN_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:['’‑-][^\W\d_]+)*)|(?P<punct>\S)"
)
_RU_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:[‑-][^\W\d_]+)*)|(?P<punct>\S)"
)


def _tokenize(text: str, lang: str) -> list[_Token]:
    pattern = _EN_TOKEN if lang == "en" else _RU_TOKEN
    folded = text.lower().replace("ё", "е").replace("’", "'")
    if len(folded) != len(text):  # a letter whose lower case is longer: fold token by token
        folded = ""
    tokens: list[_Token] = []
    previous_end = 0
    for m in pattern.finditer(text):
        start, end = m.span()
        low = folded[start:end] if folded else m.group().lower().replace("ё", "е").replace("’", "'")
        line_start = not tokens or text.find("\n", previous_end, start) >= 0
        tokens.append(_Token(m.group(), low, start, end, m.lastgroup or "punct", line_start))
        previous_end = end
    return tokens


def _digits_value(token: str, lang: str) -> float | None:
    """'1,200' (en), '1 200', '1,5' (ru), '1.5' -> the number; None when malformed."""
    raw = re.sub(r"[\s\u00a0\u202f\u2009]", "", token)
    if lang == "en":
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            return float(raw.replace(",", ""))
        return float(raw) if re.fullmatch(r"\d+(?:\.\d+)?", raw) else None
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        return float(raw.replace(".", ""))
    return float(raw.replace(",", ".")) if re.fullmatch(r"\d+(?:[.,]\d+)?", raw) else None


def _low(tokens: list[_Token], i: int) -> str:
    return tokens[i].low if 0 <= i < len(tokens) else ""


def _glued(tokens: list[_Token], i: int) -> bool:
    """Token i touches token i - 1 (no space between them)."""
    return 0 < i < len(tokens) and tokens[i - 1].end == tokens[i].start


# ---------------------------------------------------------------- lexicons

_EN_SMALL = {
    w: n
    for n, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split(),
        start=1,
    )
}
_EN_TENS = {w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_EN_SCALES = {"thousand": 1000, "million": 10**6, "billion": 10**9}
_EN_DIGIT_SCALES = {"dozen": 12, "hundred": 100, **_EN_SCALES}  # "1.5 thousand", "3 dozen"
# Number words that may follow "a"/"an": "a hundred", "a dozen", "a couple of".
_EN_AFTER_A = {"hundred", "dozen", "couple", *_EN_SCALES}
# Which class of number word may follow which ("two hundred and fifty", "twenty one").
_EN_FOLLOWS = {
    None: {"small", "tens"},
    "a": {"hundred", "scale", "dozen", "couple"},
    "small": {"hundred", "scale", "dozen"},
    "tens": {"small", "scale"},
    "hundred": {"small", "tens", "scale"},
    "scale": {"small", "tens"},
    "half": {"scale", "hundred"},
}
# Plural vague numbers, each with the smallest quantity it can mean per unit.
_EN_VAGUE_PLURALS = {"tens": 10, "dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1000, "millions": 10**6}
_EN_VAGUE_SINGULARS = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 10**6}
# What may follow "a", "half", "several", "few", "many" in a number: "a few hundred", "half a dozen".
_EN_VAGUE_WORDS = {"a", "few", *_EN_VAGUE_PLURALS, *_EN_VAGUE_SINGULARS}

_EN_MODIFIERS = {
    ("about",): "approx", ("around",): "approx", ("roughly",): "approx", ("nearly",): "approx",
    ("almost",): "approx", ("some",): "approx", ("approximately",): "approx", ("approx",): "approx",
    ("an", "estimated"): "approx", ("estimated",): "approx", ("close", "to"): "approx",
    ("as", "many", "as"): "approx", ("circa",): "approx",
    ("more", "than"): "at_least", ("over",): "at_least", ("at", "least"): "at_least",
    ("no", "fewer", "than"): "at_least", ("no", "less", "than"): "at_least", ("not", "less", "than"): "at_least",
    ("upwards", "of"): "at_least", ("in", "excess", "of"): "at_least",
    ("up", "to"): "at_most", ("fewer", "than"): "at_most", ("less", "than"): "at_most",
    ("no", "more", "than"): "at_most", ("not", "more", "than"): "at_most", ("at", "most"): "at_most",
    ("under",): "at_most",
}
_RU_MODIFIERS = {
    ("около",): "approx", ("порядка",): "approx", ("примерно",): "approx", ("почти",): "approx",
    ("приблизительно",): "approx", ("где-то",): "approx", ("ориентировочно",): "approx",
    ("более",): "at_least", ("больше",): "at_least", ("свыше",): "at_least", ("не", "менее"): "at_least",
    ("не", "меньше"): "at_least", ("как", "минимум"): "at_least", ("минимум",): "at_least",
    ("по", "меньшей", "мере"): "at_least", ("по", "крайней", "мере"): "at_least", ("более", "чем"): "at_least",
    ("больше", "чем"): "at_least", ("не", "менее", "чем"): "at_least",
    ("до",): "at_most", ("не", "более"): "at_most", ("не", "больше"): "at_most", ("менее",): "at_most",
    ("меньше",): "at_most", ("максимум",): "at_most", ("не", "более", "чем"): "at_most",
    ("как", "максимум"): "at_most",
}
_MODIFIERS = {"en": _EN_MODIFIERS, "ru": _RU_MODIFIERS}
# After the number: "60 or more", "a dozen or so", "100 с лишним".
_SUFFIXES = {
    "en": {("or", "more"): "at_least", ("or", "so"): "approx"},
    "ru": {("с", "лишним"): "at_least", ("с", "небольшим"): "at_least"},
}
# "20 to 30", "20-30", "two or three"; with an opener: "between 20 and 30", "от 20 до 30".
_RANGE_LINKS = {"en": {"to", "-", "‑", "–", "—", "or"}, "ru": {"-", "‑", "–", "—", "до", "или"}}
_RANGE_OPENERS = {"en": {"between": "and", "from": "to"}, "ru": {"от": "до", "с": "по"}}

# People nouns, each form -> lemma.
_EN_PEOPLE_LEMMAS = (
    "soldier conscript reservist recruit marine officer employee deserter draftee protester protestor "
    "demonstrator resident fighter troop trooper paratrooper volunteer sailor pilot cadet student worker "
    "citizen civilian individual refusenik refuser evader dodger emigrant refugee migrant exile prisoner "
    "inmate convict detainee defendant suspect commander sergeant lieutenant colonel gunner sniper medic "
    "veteran activist mother relative son husband father brother comrade colleague friend boy guy "
    "teenager adult participant member guard contractor local villager mobik servicemember mercenary "
    "muscovite partisan kid"
).split()
_EN_PEOPLE_IRREGULAR = {
    "men": "man", "man": "man", "women": "woman", "woman": "woman", "people": "person", "persons": "person",
    "person": "person", "personnel": "personnel", "wives": "wife", "wife": "wife", "police": "police",
    "mercenaries": "mercenary", "youths": "youth", "mobilized": "mobilized", "mobilised": "mobilized",
    "staff": "staff", "child": "child", "children": "child",
    **{f"{stem}{end}": f"{stem}man" for stem in ("service", "guards", "police", "tank", "crew", "militia",
                                                 "infantry", "rifle") for end in ("man", "men")},
    "servicewoman": "servicewoman", "servicewomen": "servicewoman",
}
_EN_PEOPLE = {
    **{lemma: lemma for lemma in _EN_PEOPLE_LEMMAS},
    **{lemma + "s": lemma for lemma in _EN_PEOPLE_LEMMAS},
    **_EN_PEOPLE_IRREGULAR,
}
# Two-word people nouns: (modifier, noun form) -> lemma.
_EN_PEOPLE_COMPOUNDS = {
    ("military", "personnel"): "military personnel",
    ("service", "member"): "service member", ("service", "members"): "service member",
    ("contract", "soldier"): "contract soldier", ("contract", "soldiers"): "contract soldier",
    ("draft", "dodger"): "draft dodger", ("draft", "dodgers"): "draft dodger",
    ("draft", "evader"): "draft evader", ("draft", "evaders"): "draft evader",
    ("riot", "police"): "riot police", ("border", "guard"): "border guard", ("border", "guards"): "border guard",
    ("asylum", "seeker"): "asylum seeker", ("asylum", "seekers"): "asylum seeker",
    ("crew", "member"): "crew member", ("crew", "members"): "crew member",
    ("family", "member"): "family member", ("family", "members"): "family member",
}
# Capitalized plurals of nationalities ("12 Russians") are people nouns.
_EN_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ians|ans|ens|ites|anis)")
_EN_DEMONYMS_S = {"kazakhs", "tatars", "uzbeks", "tajiks", "buryats", "yakuts", "bashkirs", "kalmyks", "kyrgyz"}

_EN_UNITS = {
    **{w: w.rstrip("s") for w in (
        "year years yr yrs month months week weeks day days hour hours hr hrs minute minutes min mins "
        "second seconds decade decades night nights weekend weekends time times percent pct "
        "ruble rubles rouble roubles dollar dollars euro euros pound pounds hryvnia hryvnias tenge lari "
        "yuan rub usd eur km kilometer kilometers kilometre kilometres mile miles meter meters metre "
        "metres yard yards kg kilogram kilograms ton tons tonne tonnes mm cm"
    ).split()},
    "century": "century", "centuries": "century", "foot": "foot", "feet": "foot", "o'clock": "o'clock",
    "am": "am", "pm": "pm", "per": "percent", "percentage": "percent",
}
_EN_MONTHS = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
}
# Words that end a noun phrase: after them the number has no head.
_EN_STOP = set(
    "the a an this that these those his her their its our my your them they he she it we you us who whom which "
    "whose what in on at from to for with by into onto out over under about after before during since near "
    "across against among between through toward towards via without within inside outside including like "
    "and or but nor as than so yet if when while because were was are is be been being have has had will "
    "would could should can may might must did do does shall also reportedly allegedly still already then "
    "now later not never all each only just even recently ago here there others fled left went ran came "
    "gave got took made said told wrote fought sought brought began became lost hid quit sent won met held "
    "kept saw remain remained face faced".split()
)
# Determiners after "of" in "12 of the soldiers".
_EN_PARTITIVE_DETERMINERS = {"the", "his", "her", "their", "its", "these", "those", "our", "my", "your"}
_EN_ADJECTIVES = set(
    "other more additional extra further young old new former local foreign long short full whole "
    "contract military army navy naval elite serving active regular ordinary male female ethnic "
    "professional reserve service special armed unarmed fellow draft riot border crew family asylum "
    "conscript mobilized mobilised civilian volunteer marine police guard".split()
)
# Adjectives, participles and adverbs by their endings ("Caucasian", "wounded", "serving", "newly").
_EN_ADJECTIVE_SUFFIX = re.compile(r"[a-z]{2,}(?:ian|ean|ese|ish|ic|al|ive|ous|ful|less|ible|able|ary|ern|ing|ed|ly)")
# A word before a number that makes it an identifier, not a count ("Article 337", "unit 12345").
_EN_ID_WORDS = set(
    "article art part paragraph para section clause chapter subparagraph item unit no number nos flight "
    "route highway page pages vol volume building house apartment room school bus episode case code tel "
    "phone ext zone sector block".split()
)
_EN_AGE_WORDS = {"aged", "age", "ages"}
_EN_DETERMINERS = {"the", "these", "those", "this", "that", "its", "their", "his", "her", "our", "my", "your"}
_EN_PREPOSITIONS = {"in", "from", "at", "on", "near", "with", "inside", "within", "across", "of"}

_RU_NUMERALS = {
    **{w: n for n, w in enumerate(
        "один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать "
        "четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать".split(), start=1)},
    **{w: 10 * n for n, w in enumerate(
        "двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто".split(), start=2)},
    **{w: 100 * n for n, w in enumerate(
        "сто двести триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот".split(), start=1)},
}
_RU_COLLECTIVES = {
    w: n for n, w in enumerate("двое трое четверо пятеро шестеро семеро восьмеро девятеро десятеро".split(), start=2)
}
_RU_SCALES = {"тысяча": 1000, "миллион": 10**6}
_RU_GROUPS = {"десяток": 10, "сотня": 100, "дюжина": 12}
_RU_FIXED_FORMS = {
    "полсотни": 50, "полусотни": 50, "полсотне": 50, "полтысячи": 500, "полутысячи": 500,
}
_RU_ABBREVIATED_SCALES = {"тыс": 1000, "млн": 10**6, "млрд": 10**9}
_RU_FOLLOWS = {
    None: {"hundreds", "tens", "teen", "unit", "half", "scale", "group"},
    "hundreds": {"tens", "teen", "unit", "scale", "group"},
    "tens": {"unit", "scale", "group"},
    "teen": {"scale", "group"},
    "unit": {"scale", "group"},
    "half": {"scale", "group"},
    "scale": {"hundreds", "tens", "teen", "unit"},
}
# Words after which "тысячи", "сотни" are singular genitive ("около тысячи" = 1000).
_RU_GENITIVE_GOVERNORS = {"около", "порядка", "более", "больше", "свыше", "менее", "меньше", "до", "из", "от", "для"}
_RU_QUANTIFIERS = {"несколько", "нескольких", "нескольким", "несколькими", "многие", "многих", "многим", "многими"}
_RU_PEOPLE = set(
    "мобилизованный военнослужащий солдат человек боец контрактник срочник срочнослужащий призывник "
    "отказник сотрудник военный десантник морпех пехотинец моряк матрос офицер резервист доброволец "
    "дезертир житель мужчина женщина гражданин россиянин участник росгвардеец гвардеец омоновец "
    "собровец полицейский силовик наемник заключенный осужденный зек танкист артиллерист связист "
    "разведчик снайпер курсант студент рабочий активист протестующий демонстрант задержанный беглец "
    "уклонист мобик вагнеровец кадыровец родственник жена мать сын муж отец брат эмигрант релокант "
    "беженец мигрант командир сержант рядовой ефрейтор лейтенант капитан майор полковник прапорщик "
    "новобранец пограничник спецназовец сослуживец парень ребята сапер медик водитель механик "
    "стрелок пулеметчик штурмовик член служащий пленный военнопленный обвиняемый подозреваемый "
    "фигурант ополченец казак уроженец мужик подчиненный сотрудница ребенок".split()
)
_RU_UNITS = set(
    "год лето лет месяц неделя день сутки час ч минута мин секунда сек век десятилетие утро вечер ночь "
    "рубль руб р доллар долл евро тенге гривна грн лари сом юань копейка километр км метр м миля "
    "сантиметр см миллиметр мм процент раз тонна т кг килограмм г гг ук статья кодекс градус балл".split()
)
_RU_MONTHS = set(
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь "
    "янв фев февр мар апр июн июл авг сен сент окт ноя нояб дек".split()
)
_RU_ID_WORDS = set(
    "статья ст часть ч пункт п пп подпункт номер дом д квартира кв корпус корп рейс глава гл абзац".split()
)
_YEAR_PREPOSITIONS = {"in", "since", "by", "until", "during", "в", "во"}
_RU_AGE_WORDS = {"возрасте", "возраста", "возрастом", "возраст"}
_RU_DETERMINERS = {"эти", "этих", "этим", "этими", "те", "тех"}
_RU_PREPOSITIONS = {"в", "во", "из", "с", "со", "на", "от", "под", "у", "при", "возле"}
# Case endings written after digits: "20-ти", "2-х", "7-ми" (ordinal endings are not among them).
_RU_CASE_SUFFIXES = {"х", "ти", "ми", "ух", "ех", "мя", "ью"}

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


class _RuNumberForm(NamedTuple):
    value: float
    cls: str  # unit, teen, tens, hundreds, scale, group, half, collective, both, fixed
    singular: bool
    plural: bool
    ambiguous: bool  # most often another word ("семью": family), so a count only before a people noun


def _ru_class(lemma: str, value: float) -> str:
    if lemma in _RU_COLLECTIVES:
        return "collective"
    if lemma in _RU_SCALES:
        return "scale"
    if lemma in _RU_GROUPS:
        return "group"
    if value >= 100:
        return "hundreds"
    if value >= 20:
        return "tens"
    return "teen" if value >= 10 else "unit"


@cache
def _ru_number_forms() -> dict[str, _RuNumberForm]:
    """Every case form of the Russian number words, from their pymorphy lexemes."""
    morph = _morph()
    values: dict[str, float] = {
        **_RU_NUMERALS, **_RU_COLLECTIVES, **_RU_SCALES, **_RU_GROUPS, "полтора": 1.5, "оба": 2,
    }
    # pymorphy takes "десятки" for a form of "десятка" (a ten) first: still the same number word.
    same_word = set(values) | {"десятка"}
    forms: dict[str, _RuNumberForm] = {}
    for lemma, value in values.items():
        cls = {"полтора": "half", "оба": "both"}.get(lemma) or _ru_class(lemma, value)
        lexemes = [p.lexeme for p in morph.parse(lemma) if p.normal_form == lemma and p.tag.POS in ("NUMR", "NOUN", "ADJF")]
        for form in (form for lexeme in lexemes for form in lexeme):
            word = form.word.replace("ё", "е")
            known = forms.get(word)
            forms[word] = _RuNumberForm(
                value,
                cls,
                singular=(known.singular if known else False) or "plur" not in form.tag,
                plural=(known.plural if known else False) or "plur" in form.tag,
                ambiguous=morph.parse(word)[0].normal_form not in same_word,
            )
    forms.update({w: _RuNumberForm(v, "fixed", True, False, False) for w, v in _RU_FIXED_FORMS.items()})
    forms.update({w: _RuNumberForm(v, "scale", True, False, False) for w, v in _RU_ABBREVIATED_SCALES.items()})
    return forms


class _RuWord(NamedTuple):
    people: str | None  # the people lemma, if the word can be a people noun
    adjectival: bool  # most likely an adjective or participle ("военных", "российских")
    noun: str | None  # the noun lemma, if most likely a noun
    unit: bool
    month: bool


@cache
def _ru_word(low: str) -> _RuWord:
    parses = _morph().parse(low)
    lemmas = {p.normal_form.replace("ё", "е") for p in parses if p.tag.POS != "PRTF"}
    # A participle's lemma is its verb; "мобилизованных" counts as "мобилизованный".
    participle = next((p for p in parses if p.tag.POS == "PRTF"), None)
    if participle is not None:
        inflected = participle.inflect({"Masc", "Sing", "Nom"})  # natasha takes Universal Dependencies features
        lemmas.add((inflected.word if inflected else participle.normal_form).replace("ё", "е"))
    top = parses[0]
    pos = top.tag.POS
    people = next((lemma for lemma in sorted(lemmas) if lemma in _RU_PEOPLE), None)
    return _RuWord(
        people=people,
        adjectival=pos in ("ADJF", "PRTF"),
        noun=top.normal_form.replace("ё", "е") if pos == "NOUN" else None,
        unit=low in _RU_UNITS or bool(lemmas & _RU_UNITS),
        month=low in _RU_MONTHS or top.normal_form in _RU_MONTHS,
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


def _en_word_class(word: str) -> tuple[str, float] | None:
    if word in _EN_SMALL:
        return "small", _EN_SMALL[word]
    if word in _EN_TENS:
        return "tens", _EN_TENS[word]
    first, _, second = word.partition("-")
    if first in _EN_TENS and second in _EN_SMALL and _EN_SMALL[second] < 10:  # "twenty-one"
        return "small", _EN_TENS[first] + _EN_SMALL[second]
    if word == "hundred":
        return "hundred", 100
    if word in _EN_SCALES:
        return "scale", _EN_SCALES[word]
    if word == "dozen":
        return "dozen", 12
    if word == "couple":
        return "couple", 2
    return None


def _en_words(tokens: list[_Token], i: int) -> _Number | None:
    """'twelve', 'twenty-one', 'a hundred', 'two hundred and fifty', 'two dozen', 'half a dozen'."""
    if _low(tokens, i) == "half" and _low(tokens, i + 1) == "a" and _low(tokens, i + 2) == "dozen":
        return _Number(6, i + 3)
    total = current = 0.0
    last: str | None = None
    approx = False
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        word, after = tokens[j].low, _low(tokens, j + 1)
        if word in ("a", "an") and last is None and after in _EN_AFTER_A:
            current, last, j = 1.0, "a", j + 1
            continue
        if word == "and" and last is not None and after == "a" and _low(tokens, j + 2) == "half":
            current, last, j = current + 0.5, "half", j + 3  # "two and a half years"
            continue
        if word == "and" and last in ("hundred", "scale") and _en_word_class(after):
            j += 1
            continue
        found = _en_word_class(word)
        if found is None or found[0] not in _EN_FOLLOWS.get(last, set()):
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
        if cls == "couple" and _low(tokens, j) == "of":
            j += 1  # "a couple of soldiers"
        if cls in ("dozen", "couple"):
            break
    if last in (None, "a"):
        return None
    value = total + current
    weak = approx or (j == i + 1 and value == 1)
    return _Number(value, j, approx=approx, weak=weak)


def _en_vague(tokens: list[_Token], i: int) -> _Number | None:
    """'dozens', 'hundreds', 'tens of thousands', 'several dozen', 'a few hundred'."""
    j, quantified = i, False
    if _low(tokens, j) == "a" and _low(tokens, j + 1) == "few":
        j, quantified = j + 2, True
    elif _low(tokens, j) in ("several", "few", "many"):
        j, quantified = j + 1, True
    word = _low(tokens, j)
    if quantified and word in _EN_VAGUE_SINGULARS:
        base = _EN_VAGUE_SINGULARS[word]
        scale = _EN_VAGUE_SINGULARS.get(_low(tokens, j + 1), 0)
        if scale > base:  # "several hundred thousand"
            return _Number(2 * base * scale, j + 2, vague=True)
        return _Number(2 * base, j + 1, vague=True)
    if word not in _EN_VAGUE_PLURALS:
        return None
    base = _EN_VAGUE_PLURALS[word]
    scale = _EN_VAGUE_PLURALS.get(_low(tokens, j + 2), 0)
    if _low(tokens, j + 1) == "of" and scale > base:  # "tens of thousands"
        return _Number(base * scale, j + 3, vague=True)
    if word == "tens":
        return None
    return _Number(2 * base, j + 1, vague=True)


def _ru_words(tokens: list[_Token], i: int) -> _Number | None:
    """'двенадцать', 'двадцати одного', 'шестеро', 'два десятка', 'полторы тысячи', 'полсотни'."""
    forms = _ru_number_forms()
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
        if tokens[j].low == "с" and _low(tokens, j + 1) == "половиной" and last is not None:
            current, j = current + 0.5, j + 2  # "два с половиной года"
            continue
        form = forms.get(tokens[j].low)
        if form is None or form.cls not in _RU_FOLLOWS.get(last, set()):
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


def _ru_vague(tokens: list[_Token], i: int) -> _Number | None:
    """'десятки', 'сотни', 'тысячи', 'десятки тысяч', 'несколько сотен'."""
    forms = _ru_number_forms()
    j, quantified = i, tokens[i].low in _RU_QUANTIFIERS
    if quantified:
        j += 1
    form = forms.get(_low(tokens, j))
    if form is None or form.cls not in ("group", "scale") or not form.plural:
        return None
    if not quantified and form.singular and _low(tokens, i - 1) in _RU_GENITIVE_GOVERNORS:
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
    if lang == "en":
        scale = _EN_DIGIT_SCALES.get(_low(tokens, j))
    else:
        form = _ru_number_forms().get(_low(tokens, j))
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
    if lang == "en":
        return _en_vague(tokens, i) or _en_words(tokens, i)
    return _ru_vague(tokens, i) or _ru_words(tokens, i)


def _is_number_start(tokens: list[_Token], i: int, lang: str) -> bool:
    """A cheap test before the parsers run."""
    token = tokens[i]
    if token.kind == "num":
        return True
    if token.kind != "word":
        return False
    if lang == "ru":
        return token.low in _ru_number_forms() or token.low in _RU_QUANTIFIERS
    if token.low in ("a", "an", "half", "several", "few", "many"):
        return _low(tokens, i + 1) in _EN_AFTER_A or _low(tokens, i + 1) in _EN_VAGUE_WORDS
    return token.low in _EN_VAGUE_PLURALS or _en_word_class(token.low) is not None


# ---------------------------------------------------------------- context


class _Head(NamedTuple):
    lemma: str | None
    people: bool
    end: int  # index of the token after the head, or of where the search stopped
    not_a_count: bool = False  # a unit or a month follows: a duration, money, a date...


def _en_singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _phrase_goes_on(tokens: list[_Token], j: int) -> int | None:
    """Where the noun phrase goes on at token j (over quote marks: '40 "refuseniks"'); None if it ends."""
    while j < len(tokens) and tokens[j].text in _QUOTE_MARKS and not tokens[j].line_start:
        j += 1
    if j >= len(tokens) or tokens[j].kind != "word" or tokens[j].line_start:
        return None
    return j


def _en_head(tokens: list[_Token], j: int, partitive_ok: bool) -> _Head:
    """The noun counted: the first noun within a few words, skipping adjectives and proper adjectives."""
    start, skipped = j, 0
    if partitive_ok and _low(tokens, j) == "of":  # "dozens of", "12 of the soldiers"
        if _low(tokens, j + 1) in ("us", "whom"):
            return _Head(None, True, start)  # "30 of us"
        j += 1
        if _low(tokens, j) in _EN_PARTITIVE_DETERMINERS:
            j += 1
    while skipped <= 3 and (j := _phrase_goes_on(tokens, j)) is not None:
        token, word, after = tokens[j], tokens[j].low, _low(tokens, j + 1)
        if token.text in _EN_MONTHS:
            return _Head("month", False, j + 1, not_a_count=True)
        if (word, after) in _EN_PEOPLE_COMPOUNDS:
            return _Head(_EN_PEOPLE_COMPOUNDS[word, after], True, j + 2)
        if word in _EN_PEOPLE and after not in _EN_PEOPLE:  # "conscript soldiers": the soldiers are counted
            return _Head(_EN_PEOPLE[word], True, j + 1)
        if word in _EN_UNITS:
            return _Head(_EN_UNITS[word], False, j + 1, not_a_count=True)
        if word in ("a", "p") and _low(tokens, j + 1) == "." and _low(tokens, j + 2) == "m":  # "10 a.m."
            return _Head("time", False, j + 3, not_a_count=True)
        if _EN_DEMONYM.fullmatch(token.text) or (token.text[0].isupper() and word in _EN_DEMONYMS_S):
            return _Head(_en_singular(word), True, j + 1)
        if word in _EN_STOP:
            break
        if word in _EN_PEOPLE or word in _EN_ADJECTIVES or token.text[0].isupper() or "-" in word \
                or _EN_ADJECTIVE_SUFFIX.fullmatch(word):
            skipped, j = skipped + 1, j + 1
            continue
        return _Head(_en_singular(word), False, j + 1)
    return _Head(None, False, start)


def _ru_head(tokens: list[_Token], j: int) -> _Head:
    """The noun counted, by its lemma: the first noun within a few words, skipping adjectives."""
    start, skipped = j, 0
    if _low(tokens, j) == "из" and _low(tokens, j + 1) in ("нас", "которых"):
        return _Head(None, True, start)  # "30 из нас"
    while skipped <= 3 and (j := _phrase_goes_on(tokens, j)) is not None:
        word = _ru_word(tokens[j].low)
        if word.month:
            return _Head("month", False, j + 1, not_a_count=True)
        if word.people:
            after = _ru_word(tokens[j + 1].low) if j + 1 < len(tokens) and tokens[j + 1].kind == "word" else None
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


def _prefix(tokens: list[_Token], i: int, lang: str) -> tuple[str, int] | None:
    """A modifier right before token i ('about', 'more than', 'не менее'): its kind and first token.
    In Russian a preposition may stand between them: 'как минимум у восьми'."""
    modifiers = _MODIFIERS[lang]
    ends = (i, i - 1) if lang == "ru" and _low(tokens, i - 1) in _RU_PREPOSITIONS else (i,)
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
    kind = _SUFFIXES[lang].get(words)
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
    if lang == "en":
        return word.low in _EN_ID_WORDS
    return word.low in _RU_ID_WORDS or _ru_word(word.low).noun in _RU_ID_WORDS


def _after_month(tokens: list[_Token], i: int, lang: str) -> bool:
    """'November 8', 'Sept. 26', 'November 8 and 9'."""
    while i >= 2 and tokens[i - 1].low in ("and", "or", "-", "–", "to", "и") and tokens[i - 2].kind == "num":
        i -= 2
    word = _previous_word(tokens, i)
    if word is None:
        return False
    return word.text in _EN_MONTHS if lang == "en" else _ru_word(word.low).month


def _is_age(tokens: list[_Token], i: int, end: int, lang: str) -> bool:
    """'aged 25', 'в возрасте 25 лет', 'Ivanov, 24,', 'Ivanov (24)', 'the soldier, 22,'."""
    age_words = _EN_AGE_WORDS if lang == "en" else _RU_AGE_WORDS
    if any(_low(tokens, k) in age_words for k in range(i - 4, i)):  # "between the ages of 18 and 27"
        return True
    if not (0 < end < len(tokens) and i >= 2 and tokens[i].kind == "num" and end == i + 1):
        return False
    before, name, after = tokens[i - 1].text, tokens[i - 2], tokens[end].text
    named = name.text[:1].isupper() or (name.low in _EN_PEOPLE if lang == "en" else bool(_ru_word(name.low).people))
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


_EN_GLUED_SUFFIXES = {
    "strong": _Glue(0, people=True), "odd": _Glue(0, kind="approx"), "plus": _Glue(0, kind="at_least")
}


def _right_glue(tokens: list[_Token], j: int, lang: str) -> _Glue | None:
    if j >= len(tokens) or tokens[j - 1].kind != "num" or not _glued(tokens, j):
        return None
    token = tokens[j]
    if token.text == "+":
        return _Glue(j + 1, kind="at_least")
    if token.text in ("-", "‑") and _glued(tokens, j + 1) and tokens[j + 1].kind == "word":
        suffix = tokens[j + 1].low
        if lang == "en" and suffix in _EN_GLUED_SUFFIXES:
            return _EN_GLUED_SUFFIXES[suffix]._replace(end=j + 2)
        if lang == "ru" and suffix in _RU_CASE_SUFFIXES:
            return _Glue(j + 2)
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
    closer = _RANGE_OPENERS[lang].get(opener)
    if closer is not None and _low(tokens, j) == closer:
        start = i - 1
    elif _low(tokens, j) in _RANGE_LINKS[lang]:
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
    head = _en_head(tokens, end, partitive_ok=not number.weak) if lang == "en" else _ru_head(tokens, end)
    after = max(end, head.end)
    year_like = _is_year(tokens[i]) and (found_range is None or _is_year(tokens[end - 1]))
    if head.not_a_count or _not_a_count(tokens, i, end, head, lang, year_like):
        return None, after
    if number.weak and (not head.people or _low(tokens, end) in ("of", "из")):
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
            _low(tokens, i - 1) in _YEAR_PREPOSITIONS or _after_month(tokens, i, lang) or tokens[end].text[0].isupper()
        )
    if year_like or re.fullmatch(r"\d{5,}", tokens[i].text):
        return True  # a year, or an identifier ("case 1234567")
    if _is_identifier(tokens, i, lang) or _after_month(tokens, i, lang) or _is_age(tokens, i, end, lang):
        return True
    if i > 0 and tokens[i - 1].text in _CURRENCY_SIGNS or _low(tokens, end) == "%":
        return True
    if head.lemma is not None:
        determiners = _EN_DETERMINERS if lang == "en" else _RU_DETERMINERS
        return _low(tokens, i - 1) in determiners  # "the two countries"
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
    if _low(tokens, end) not in ("and", "or", ",", "и", "или") or end + 1 >= len(tokens):
        return False
    if tokens[end + 1].kind != "num":
        return False
    following = _digits(tokens, end + 1, lang)
    if following is None:
        return False
    head = _en_head(tokens, following.end, False) if lang == "en" else _ru_head(tokens, following.end)
    return head.not_a_count


# ---------------------------------------------------------------- sums and context

# What joins two groups: "and", ", and", "plus", "и", ", а"; then perhaps "another" / "ещё", or the
# second group's place before its number ("..., а в другой около 70").
_SUM_LINKS = {
    "en": re.compile(
        r"(?:,\s*(?:and\s+)?|\s+(?:and|plus|as\s+well\s+as)\s+)"
        r"(?P<more>(?:another|a\s+further|an\s+additional)\s+)?"
        r"(?P<place>(?:in|at|from|on|near)\s+(?:\w+\s+){1,2})?$",
        re.IGNORECASE,
    ),
    "ru": re.compile(
        r"(?:,\s*(?:и\s+|а\s+)?|\s+(?:и|плюс|а\s+также)\s+)"
        r"(?P<more>ещ[её]\s+)?"
        r"(?P<place>(?:в|во|на|из|с|со|у|под|возле)\s+(?:\w+\s+){1,2})?$",
        re.IGNORECASE,
    ),
}
# "4 more", "4 more cadets", "5 others", "5 других": the second group adds to the first.
_MORE = {
    "en": re.compile(r"\b(?:more(?!\s+than)|others?|additional)\b", re.IGNORECASE),
    "ru": re.compile(r"\b(?:других|другие|ещ[её])\b", re.IGNORECASE),
}
# "in one battalion ... and in the other": the first group is placed before its number.
_FIRST_OF_TWO = {
    "en": re.compile(r"\b(?:one|first)\b", re.IGNORECASE),
    "ru": re.compile(r"\b(?:одн(?:ом|ой|ого)|перв\w+)\b", re.IGNORECASE),
}
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
    link = _SUM_LINKS[lang].search(gap)
    if link is None:
        return False
    if link.group("more") or _MORE[lang].search(text, second.start, second.end + 12):
        return True
    prepositions = _EN_PREPOSITIONS if lang == "en" else _RU_PREPOSITIONS
    before = text[max(0, first.start - 40):first.start]
    before = _CLAUSE_BREAK.split(before)[-1]
    first_placed = _first_word(gap) in prepositions or bool(_FIRST_OF_TWO[lang].search(before))
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


_PARTITIVE = re.compile(r"\s+(?:of|out\s+of|из)\s+(?:the\s+)?", re.IGNORECASE)


def _with_context(text: str, mentions: list[CountMention]) -> list[CountMention]:
    """A number with no head counts people after a people count of the same sentence ('Of the 60 soldiers,
    12 refused'), or before one ('12 of the 60 soldiers')."""
    resolved: list[CountMention] = []
    for n, mention in enumerate(mentions):
        if mention.head is None and not mention.people:
            following = mentions[n + 1] if n + 1 < len(mentions) else None
            partitive = _PARTITIVE.match(text, mention.end)
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
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not supported: counts read {', '.join(LANGS)}")


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
    return _with_context(text, _merge_sums(text, mentions, lang))


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
