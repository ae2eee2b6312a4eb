"""Counts of people: number forms, head nouns, exclusions and sums, in English and Russian."""
from __future__ import annotations

import pytest

from otkaz.extract.counts import CountMention, find_counts, parse_number
from otkaz.model import Count


def only(text: str, lang: str) -> CountMention:
    mentions = find_counts(text, lang)
    assert len(mentions) == 1, mentions
    return mentions[0]


def summary(text: str, lang: str) -> list[tuple[str, int | None, int | None, str | None, bool, str]]:
    return [(m.text, m.count.min, m.count.max, m.head, m.people, m.kind) for m in find_counts(text, lang)]


# ---------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("words", "lang", "value"),
    [
        ("12", "en", 12),
        ("1,200", "en", 1200),
        ("1.5 thousand", "en", 1500),
        ("twelve", "en", 12),
        ("Twenty-one", "en", 21),
        ("twenty one", "en", 21),
        ("a hundred", "en", 100),
        ("two hundred and fifty", "en", 250),
        ("three thousand four hundred", "en", 3400),
        ("a dozen", "en", 12),
        ("two dozen", "en", 24),
        ("half a dozen", "en", 6),
        ("двенадцать", "ru", 12),
        ("двенадцати", "ru", 12),
        ("двадцати одного", "ru", 21),
        ("шестеро", "ru", 6),
        ("шестерых", "ru", 6),
        ("полсотни", "ru", 50),
        ("два десятка", "ru", 20),
        ("полторы тысячи", "ru", 1500),
        ("дюжина", "ru", 12),
        ("1 200", "ru", 1200),
        ("1,5 тысячи", "ru", 1500),
        ("пятьюстами", "ru", 500),
    ],
)
def test_parse_number_reads_digits_and_words(words: str, lang: str, value: int) -> None:
    assert parse_number(words, lang) == value


@pytest.mark.parametrize(
    ("words", "lang"),
    [("hundreds", "en"), ("soldiers", "en"), ("twelve soldiers", "en"), ("", "en"), ("2.5", "en"),
     ("десятки", "ru"), ("человек", "ru"), ("два с половиной", "ru")],
)
def test_parse_number_is_none_for_what_is_not_one_whole_number(words: str, lang: str) -> None:
    assert parse_number(words, lang) is None


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(ValueError, match="language 'de' is not supported"):
        find_counts("12 Soldaten", "de")
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        find_counts(b"12 soldiers", "en")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="language"):
        parse_number("12", "fr")


# ---------------------------------------------------------------- English forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yesterday 14 soldiers left the base.", ("14 soldiers", 14, 14, "soldier", True, "exact")),
        ("In all 1,350 reservists were called up.", ("1,350 reservists", 1350, 1350, "reservist", True, "exact")),
        ("Some 2.5 thousand men crossed the border.", ("Some 2.5 thousand men", 2500, 2500, "man", True, "approx")),
        ("Thirteen sailors refused.", ("Thirteen sailors", 13, 13, "sailor", True, "exact")),
        ("It said thirty-two marines left.", ("thirty-two marines", 32, 32, "marine", True, "exact")),
        ("a hundred recruits walked out", ("a hundred recruits", 100, 100, "recruit", True, "exact")),
        ("three hundred and forty people signed", ("three hundred and forty people", 340, 340, "person", True, "exact")),
        ("a dozen officers resigned", ("a dozen officers", 12, 12, "officer", True, "exact")),
        ("two dozen deserters hid", ("two dozen deserters", 24, 24, "deserter", True, "exact")),
        ("A couple of soldiers ran away.", ("A couple of soldiers", 2, 2, "soldier", True, "approx")),
    ],
)
def test_english_numbers(text: str, expected: tuple) -> None:
    assert summary(text, "en") == [expected]


@pytest.mark.parametrize(
    ("modifier", "kind", "low", "high"),
    [
        ("about", "approx", 70, 70), ("around", "approx", 70, 70), ("roughly", "approx", 70, 70),
        ("nearly", "approx", 70, 70), ("almost", "approx", 70, 70), ("some", "approx", 70, 70),
        ("approximately", "approx", 70, 70), ("as many as", "approx", 70, 70),
        ("more than", "at_least", 70, None), ("over", "at_least", 70, None), ("at least", "at_least", 70, None),
        ("up to", "at_most", None, 70), ("fewer than", "at_most", None, 70),
    ],
)
def test_english_modifiers(modifier: str, kind: str, low: int | None, high: int | None) -> None:
    mention = only(f"They said {modifier} 70 conscripts refused.", "en")
    assert (mention.text, mention.count, mention.kind) == (f"{modifier} 70 conscripts", Count(low, high), kind)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 to 25 fighters", ("15 to 25 fighters", 15, 25, "range")),
        ("15-25 fighters", ("15-25 fighters", 15, 25, "range")),
        ("15–25 fighters", ("15–25 fighters", 15, 25, "range")),
        ("between 15 and 25 fighters", ("between 15 and 25 fighters", 15, 25, "range")),
        ("two or three fighters", ("two or three fighters", 2, 3, "range")),
        ("40 or more fighters", ("40 or more fighters", 40, None, "at_least")),
        ("150+ fighters", ("150+ fighters", 150, None, "at_least")),
        ("a dozen or so fighters", ("a dozen or so fighters", 12, 12, "approx")),
    ],
)
def test_english_ranges_and_suffixes(text: str, expected: tuple) -> None:
    mention = only(text, "en")
    assert (mention.text, mention.count.min, mention.count.max, mention.kind) == expected
    assert mention.people


@pytest.mark.parametrize(
    ("text", "low"),
    [
        ("dozens of sailors", 24),
        ("Hundreds of young men", 200),
        ("thousands of protesters", 2000),
        ("tens of thousands of people", 10000),
        ("hundreds of thousands of men", 100000),
        ("several dozen cadets", 24),
        ("a few hundred residents", 200),
    ],
)
def test_english_vague_plurals_are_lower_bounds(text: str, low: int) -> None:
    mention = only(text, "en")
    assert (mention.count, mention.kind, mention.people) == (Count(low, None), "vague", True)


@pytest.mark.parametrize(
    "text", ["several soldiers fled", "a group of soldiers fled", "many soldiers fled", "few soldiers fled"]
)
def test_english_vague_words_that_are_not_numbers_are_not_emitted(text: str) -> None:
    assert find_counts(text, "en") == []


# ---------------------------------------------------------------- English heads


@pytest.mark.parametrize(
    ("text", "head", "people"),
    [
        ("45 Kursk paratroopers", "paratrooper", True),
        ("about 70 Bashkir conscripts", "conscript", True),
        ("9 officers of the Tula SOBR", "officer", True),
        ("some 200 North Caucasian volunteers", "volunteer", True),
        ("eight other servicemen", "serviceman", True),
        ("17 newly mobilized men", "man", True),
        ("30 mobilized from Omsk", "mobilized", True),
        ("two dozen military personnel", "military personnel", True),
        ("11 contract soldiers", "contract soldier", True),
        ("14 Chechens", "chechen", True),
        ("12 of the cadets", "cadet", True),
        ("10 tanks", "tank", False),
        ("three videos", "video", False),
    ],
)
def test_english_head_noun_through_adjectives(text: str, head: str, people: bool) -> None:
    mention = only(text, "en")
    assert (mention.head, mention.people) == (head, people)


def test_head_search_stops_at_a_line_break() -> None:
    mentions = find_counts("Photo: a rally in Perm, 14\nSoldiers at the station", "en")
    assert [m.head for m in mentions if m.text.startswith("14")] in ([], [None])


# ---------------------------------------------------------------- English exclusions


@pytest.mark.parametrize(
    "text",
    [
        "The law was passed in 2019.",
        "He moved there in 1999 with his family.",
        "a 41-year-old welder from Tver",
        "men aged 27 and older",
        "Sergei Orlov, 29, said he would not go.",
        "Sergei Orlov (29) said he would not go.",
        "the 64th Motor Rifle Brigade",
        "the 1st Guards Tank Army",
        "military unit 54321",
        "Military Unit No. 54321",
        "a fine of 240,000 rubles",
        "he paid $3,500 to a broker",
        "he owed 300 dollars",
        "a sentence of three and a half years",
        "he served seven years",
        "after 11 months in jail",
        "for four days",
        "a 20 percent rise",
        "a 20% rise",
        "400 miles from the border",
        "a convoy 40 km long",
        "on March 14 he left",
        "on 14 March he left",
        "Sept. 21 was the day",
        "at 9:45 in the evening",
        "at 7 a.m. on Monday",
        "under Article 352 of the Criminal Code",
        "call +7 (812) 555-01-23",
        "one of the men refused",
        "the two countries signed",
        "one day later",
        "the war of the 1990s",
        "COVID-19 restrictions",
        "a T-72 tank",
        "the largest call-up since World War Two, he said",
    ],
)
def test_english_never_counts(text: str) -> None:
    assert find_counts(text, "en") == []


def test_a_number_glued_to_strong_counts_people() -> None:
    mention = only("a 300-strong crowd gathered", "en")
    assert (mention.count, mention.people) == (Count(300, 300), True)


def test_a_number_after_a_date_still_counts() -> None:
    mention = only("on June 3, 16 marines refused", "en")
    assert (mention.text, mention.count) == ("16 marines", Count(16, 16))


def test_a_year_is_a_count_only_before_a_people_noun() -> None:
    assert summary("In 2021 2000 soldiers fled.", "en") == [("2000 soldiers", 2000, 2000, "soldier", True, "exact")]
    assert find_counts("In 2021 soldiers fled.", "en") == []


# ---------------------------------------------------------------- sums and context


def test_groups_of_one_incident_are_added_up() -> None:
    text = "There were 41 sailors on one ship and about 90 on the other."
    assert summary(text, "en") == [
        ("41 sailors on one ship and about 90", 131, 131, "sailor", True, "sum")
    ]


def test_groups_from_two_places_are_added_up() -> None:
    mention = only("35 conscripts from Omsk and 15 from Tomsk refused.", "en")
    assert (mention.count, mention.kind, mention.head) == (Count(50, 50), "sum", "conscript")


@pytest.mark.parametrize(
    "text", ["Nine cadets were detained and 4 more escaped.", "Nine cadets were detained and 4 more cadets escaped."]
)
def test_more_adds_to_the_first_group(text: str) -> None:
    mention = only(text, "en")
    assert (mention.count, mention.kind) == (Count(13, 13), "sum")


def test_an_open_group_makes_an_open_sum() -> None:
    mention = only("At least 20 sailors in one crew and 30 in another crew", "en")
    assert (mention.count, mention.kind) == (Count(50, None), "sum")


def test_different_people_or_a_new_clause_are_not_added_up() -> None:
    assert [m.count for m in find_counts("8 officers and 20 conscripts refused", "en")] == [Count(8, 8), Count(20, 20)]
    assert [m.count for m in find_counts("15 cadets were detained and 6 were released.", "en")] == [
        Count(15, 15), Count(6, 6)
    ]
    assert len(find_counts("35 conscripts fled. 15 from Tomsk came back.", "en")) == 2


def test_a_number_without_head_counts_people_after_people_of_the_same_sentence() -> None:
    mentions = find_counts("Of the 40 reservists, 25 refused. Later 3 were seen.", "en")
    assert [(m.count.min, m.head, m.people) for m in mentions] == [(40, "reservist", True), (25, None, True), (3, None, False)]


def test_a_partitive_takes_the_head_of_the_whole() -> None:
    first, second = find_counts("7 of the 50 conscripts fled", "en")
    assert (first.text, first.head, first.people) == ("7", "conscript", True)
    assert (second.count, second.head) == (Count(50, 50), "conscript")


# ---------------------------------------------------------------- Russian forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("сбежали 14 мобилизованных", ("14 мобилизованных", 14, 14, "мобилизованный", True, "exact")),
        ("31 мобилизованный отказался", ("31 мобилизованный", 31, 31, "мобилизованный", True, "exact")),
        ("двадцать три контрактника", ("двадцать три контрактника", 23, 23, "контрактник", True, "exact")),
        ("судили двенадцати срочников", ("двенадцати срочников", 12, 12, "срочник", True, "exact")),
        ("с тридцатью бойцами", ("тридцатью бойцами", 30, 30, "боец", True, "exact")),
        ("семеро военнослужащих", ("семеро военнослужащих", 7, 7, "военнослужащий", True, "exact")),
        ("задержали шестерых призывников", ("шестерых призывников", 6, 6, "призывник", True, "exact")),
        ("полсотни добровольцев", ("полсотни добровольцев", 50, 50, "доброволец", True, "exact")),
        ("три десятка солдат", ("три десятка солдат", 30, 30, "солдат", True, "exact")),
        ("дюжина моряков", ("дюжина моряков", 12, 12, "моряк", True, "exact")),
        ("1 500 человек", ("1 500 человек", 1500, 1500, "человек", True, "exact")),
        ("3 тыс. человек", ("3 тыс. человек", 3000, 3000, "человек", True, "exact")),
        ("более 30-ти человек", ("более 30-ти человек", 30, None, "человек", True, "at_least")),
        ("полторы тысячи человек", ("полторы тысячи человек", 1500, 1500, "человек", True, "exact")),
        ("сто отказников", ("сто отказников", 100, 100, "отказник", True, "exact")),
    ],
)
def test_russian_numbers_in_any_case(text: str, expected: tuple) -> None:
    assert summary(text, "ru") == [expected]


@pytest.mark.parametrize(
    ("modifier", "kind", "low", "high"),
    [
        ("около", "approx", 70, 70), ("порядка", "approx", 70, 70), ("примерно", "approx", 70, 70),
        ("почти", "approx", 70, 70), ("более", "at_least", 70, None), ("больше", "at_least", 70, None),
        ("свыше", "at_least", 70, None), ("не менее", "at_least", 70, None), ("как минимум", "at_least", 70, None),
        ("до", "at_most", None, 70), ("не более", "at_most", None, 70),
    ],
)
def test_russian_modifiers(modifier: str, kind: str, low: int | None, high: int | None) -> None:
    mention = only(f"По данным источника, {modifier} 70 контрактников отказались.", "ru")
    assert (mention.text, mention.count, mention.kind) == (f"{modifier} 70 контрактников", Count(low, high), kind)


@pytest.mark.parametrize(
    ("text", "count", "kind"),
    [
        ("десятки мобилизованных", Count(20, None), "vague"),
        ("сотни призывников", Count(200, None), "vague"),
        ("тысячи россиян", Count(2000, None), "vague"),
        ("десятки тысяч мужчин", Count(10000, None), "vague"),
        ("несколько сотен человек", Count(200, None), "vague"),
        ("около тысячи человек", Count(1000, 1000), "approx"),
        ("более сотни человек", Count(100, None), "at_least"),
        ("от 20 до 40 человек", Count(20, 40), "range"),
        ("20-40 человек", Count(20, 40), "range"),
        ("двое или трое солдат", Count(2, 3), "range"),
        ("120 с лишним человек", Count(120, None), "at_least"),
    ],
)
def test_russian_vague_plurals_ranges_and_suffixes(text: str, count: Count, kind: str) -> None:
    mention = only(text, "ru")
    assert (mention.count, mention.kind, mention.people) == (count, kind, True)


@pytest.mark.parametrize(
    ("text", "head", "people"),
    [
        ("45 тульских десантников", "десантник", True),
        ("около 400 российских военных", "военный", True),
        ("12 бойцов курганского ОМОНа", "боец", True),
        ("15 мобилизованных солдат", "солдат", True),
        ("9 военных медиков", "медик", True),
        ("трое детей", "ребенок", True),
        ("12 военных грузовиков", "грузовик", False),
    ],
)
def test_russian_head_noun_through_adjectives(text: str, head: str, people: bool) -> None:
    mention = only(text, "ru")
    assert (mention.head, mention.people) == (head, people)


def test_russian_collective_numeral_counts_people_without_head() -> None:
    mention = only("Их было четверо.", "ru")
    assert (mention.count, mention.head, mention.people) == (Count(4, 4), None, True)


@pytest.mark.parametrize(
    "text",
    [
        "25-летний житель Самары",
        "в возрасте 25 лет",
        "ему 19 лет",
        "в/ч 54321",
        "войсковой части № 54321",
        "войсковая часть 54321",
        "штраф 300 тысяч рублей",
        "выплата 195 000 рублей",
        "его приговорили к 3 годам колонии",
        "на 5 лет",
        "на 2 месяца",
        "в 40 км от границы",
        "8 ноября его задержали",
        "с 8 по 12 ноября",
        "статья 337 УК",
        "по ч. 2.1 ст. 332 УК РФ",
        "по статье 338",
        "в 2023 году",
        "в 2022-2023 годах",
        "рост на 15%",
        "в 10:30 утра",
        "в 7 утра",
        "один из солдат",
        "забрал семью",
        "в 3 раза больше",
        "два с половиной года",
        "155-я бригада",
        "на 3-й день",
    ],
)
def test_russian_never_counts(text: str) -> None:
    assert find_counts(text, "ru") == []


def test_russian_people_count_in_a_unit_is_not_an_identifier() -> None:
    assert summary("В части 12 мобилизованных отказались.", "ru") == [
        ("12 мобилизованных", 12, 12, "мобилизованный", True, "exact")
    ]


def test_russian_sums() -> None:
    mention = only("В одной роте было 40 военнослужащих, а в другой около 70.", "ru")
    assert (mention.count, mention.kind, mention.head) == (Count(110, 110), "sum", "военнослужащий")
    mention = only("25 мобилизованных из Омска и 15 из Томска", "ru")
    assert mention.count == Count(40, 40)
    mention = only("9 контрактников и ещё 4 сбежали", "ru")
    assert mention.count == Count(13, 13)


def test_russian_partitive_and_context() -> None:
    mentions = find_counts("12 из 60 мобилизованных отказались", "ru")
    assert [(m.count.min, m.head, m.people) for m in mentions] == [(12, "мобилизованный", True), (60, "мобилизованный", True)]


# ---------------------------------------------------------------- spans


def test_spans_point_into_the_text() -> None:
    text = "Reports said that about 70 Bashkir reservists and hundreds of men left; 41 sailors on one ship and 90 more."
    for mention in find_counts(text, "en"):
        assert text[mention.start:mention.end] == mention.text
    text = "Сообщается, что около 450 российских контрактников и десятки срочников отказались."
    for mention in find_counts(text, "ru"):
        assert text[mention.start:mention.end] == mention.text
