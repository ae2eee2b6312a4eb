"""The gazetteer: finding places in English and Russian text, resolving and comparing them."""
from __future__ import annotations

import json
from itertools import pairwise

import pytest

from otkaz.gazetteer import DATA_DIR, PlaceMatch, distance_km, get_gazetteer, latin_key
from otkaz.model import Place

MOSCOW = "geonames:524901"
SAINT_PETERSBURG = "geonames:498817"
NOVOSIBIRSK = "geonames:1496747"
PODPOROZHYE = "geonames:508034"


@pytest.fixture(scope="module")
def gaz():
    return get_gazetteer()


def found(gaz, text: str, lang: str) -> list[PlaceMatch]:
    matches = gaz.find(text, lang)
    for m in matches:
        assert text[m.start:m.end] == m.text
    return matches


def only(gaz, text: str, lang: str) -> PlaceMatch:
    matches = found(gaz, text, lang)
    assert len(matches) == 1, [(m.text, m.place.name) for m in matches]
    return matches[0]


def admin1_key(name: str, country: str = "RU") -> str:
    return f"admin1:{country}.{name}"


# --------------------------------------------------------------------------- English


def test_city_name_before_a_noun_is_a_name_match(gaz):
    m = only(gaz, "Sixty Pskov soldiers refused to go back.", "en")
    assert (m.text, m.form, m.place.name, m.place.admin1, m.place.country) == (
        "Pskov", "name", "Pskov", "Pskov Oblast", "RU"
    )
    assert m.place.precision == "city" and m.place.key.startswith("geonames:")


@pytest.mark.parametrize("spelling", ["Podporozh'ye", "Podporozh’ye", "Podporozhye", "Podporozhe"])
def test_transliteration_and_apostrophe_variants(gaz, spelling):
    m = only(gaz, f"Men were mobilized in {spelling} last week.", "en")
    assert m.text == spelling
    assert m.place.key == PODPOROZHYE and m.place.name == "Podporozhye"
    assert m.place.admin1 == "Leningrad Oblast"


@pytest.mark.parametrize(
    "spelling", ["St. Petersburg", "St Petersburg", "Saint Petersburg", "Sankt-Peterburg", "Petersburg"]
)
def test_saint_petersburg_spellings(gaz, spelling):
    m = only(gaz, f"A protest in {spelling} was dispersed.", "en")
    assert m.text == spelling and m.place.key == SAINT_PETERSBURG


@pytest.mark.parametrize("spelling", ["Nizhny Novgorod", "Nizhniy Novgorod"])
def test_multiword_city_spellings(gaz, spelling):
    m = only(gaz, f"He was called up in {spelling}.", "en")
    assert m.text == spelling and m.place.name == "Nizhny Novgorod"


@pytest.mark.parametrize(
    ("text", "matched", "region"),
    [
        ("shelling in the Belgorod region", "Belgorod region", "Belgorod Oblast"),
        ("shelling in Belgorod Oblast", "Belgorod Oblast", "Belgorod Oblast"),
        ("shelling in Belgorod oblast", "Belgorod oblast", "Belgorod Oblast"),
        ("fighting in the Kursk region", "Kursk region", "Kursk Oblast"),
        ("conscripts from Krasnodar Krai", "Krasnodar Krai", "Krasnodar Krai"),
        ("conscripts from Krasnodar Territory", "Krasnodar Territory", "Krasnodar Krai"),
        ("the Republic of Dagestan", "Republic of Dagestan", "Dagestan"),
        ("men from Leningradskaya oblast", "Leningradskaya oblast", "Leningrad Oblast"),
        ("a unit from Sakhalin", "Sakhalin", "Sakhalin Oblast"),
        ("reservists from Kamchatka", "Kamchatka", "Kamchatka Krai"),
        ("volunteers from Bashkortostan", "Bashkortostan", "Bashkortostan"),
        ("mobilized in the Nizhny Novgorod region", "Nizhny Novgorod region", "Nizhny Novgorod Oblast"),
    ],
)
def test_english_region_forms(gaz, text, matched, region):
    m = only(gaz, text, "en")
    assert m.text == matched
    assert (m.place.precision, m.place.name, m.place.admin1, m.place.key) == (
        "admin1", region, region, admin1_key(region)
    )


def test_longest_match_wins_and_matches_are_sorted(gaz):
    matches = found(gaz, "From Nizhny Novgorod Oblast to Moscow and then Pskov.", "en")
    assert [m.text for m in matches] == ["Nizhny Novgorod Oblast", "Moscow", "Pskov"]
    assert [m.start for m in matches] == sorted(m.start for m in matches)
    assert all(a.end <= b.start for a, b in pairwise(matches))


def test_possessive_is_left_out_of_the_span(gaz):
    m = only(gaz, "Pskov's governor said nothing.", "en")
    assert m.text == "Pskov"


def test_english_city_names_must_be_capitalized(gaz):
    assert found(gaz, "the pskov paratroopers", "en") == []


@pytest.mark.parametrize(
    ("text", "demonym", "key"),
    [
        ("Buryat soldiers refused", "Buryat", admin1_key("Buryatia")),
        ("two Dagestani conscripts", "Dagestani", admin1_key("Dagestan")),
        ("Chechens and Yakuts", "Chechens", admin1_key("Chechnya")),
        ("a Tuvan contract soldier", "Tuvan", admin1_key("Tuva")),
        ("a Kamchatkan reservist", "Kamchatkan", admin1_key("Kamchatka Krai")),
        ("South Ossetian volunteers", "South Ossetian", admin1_key("South Ossetia", "GE")),
        ("Crimean Tatars fled", "Crimean Tatars", admin1_key("Crimea", "UA")),
        ("a Muscovite fled", "Muscovite", MOSCOW),
        ("Petersburgers protested", "Petersburgers", SAINT_PETERSBURG),
        ("Kazakh border guards", "Kazakh", "country:KZ"),
    ],
)
def test_english_demonyms(gaz, text, demonym, key):
    m = found(gaz, text, "en")[0]
    assert (m.text, m.form, m.place.key) == (demonym, "demonym", key)


@pytest.mark.parametrize(
    ("text", "key", "country"),
    [
        ("an attack in Crimea", admin1_key("Crimea", "UA"), "UA"),
        ("sailors in Sevastopol", None, "UA"),
        ("troops in the DPR", admin1_key("Donetsk Oblast", "UA"), "UA"),
        ("the Luhansk People's Republic", admin1_key("Luhansk Oblast", "UA"), "UA"),
        ("occupied Kherson Oblast", admin1_key("Kherson Oblast", "UA"), "UA"),
        ("occupied Zaporizhzhia Oblast", admin1_key("Zaporizhzhia Oblast", "UA"), "UA"),
        ("a base in South Ossetia", admin1_key("South Ossetia", "GE"), "GE"),
        ("a base in Abkhazia", admin1_key("Abkhazia", "GE"), "GE"),
        ("troops in Transnistria", admin1_key("Transnistria", "MD"), "MD"),
    ],
)
def test_annexed_and_breakaway_territories_keep_their_country(gaz, text, key, country):
    m = only(gaz, text, "en")
    assert m.place.country == country
    if key:
        assert m.place.key == key


def test_a_town_in_a_breakaway_region(gaz):
    m = found(gaz, "He served in Tskhinvali.", "en")[0]
    assert (m.place.name, m.place.admin1, m.place.country) == ("Tskhinvali", "South Ossetia", "GE")


@pytest.mark.parametrize(
    "text",
    [
        "Police said the man fled.",
        "May was cold, and March was colder.",
        "Most of them agreed; many did not.",
        "The Union of Committees of Soldiers' Mothers wrote.",
        "Victoria said the sale was over.",
        "Time will tell. Here they are. No one knows. Star witnesses testified.",
        "Is it over? You're right, we'll see.",
        "Ella and Ilya left the unit; Anna stayed.",  # small towns named like people
        "Uae is not an abbreviation when written so.",
    ],
)
def test_english_common_words_are_not_places(gaz, text):
    assert found(gaz, text, "en") == []


@pytest.mark.parametrize(
    "text",
    [
        "Vladimir Putin signed the decree.",
        "Mikhail Ivanov said he would not go.",
        "A poem by Alexander Pushkin was read aloud.",
        "Sergei Kirov was killed in 1934.",
    ],
)
def test_person_names_are_not_places(gaz, text):
    assert found(gaz, text, "en") == []


def test_a_town_named_like_a_person_is_found_alone(gaz):
    matches = found(gaz, "The recruits were sent to Vladimir, east of Moscow.", "en")
    assert [m.place.name for m in matches] == ["Vladimir", "Moscow"]
    assert matches[0].place.admin1 == "Vladimir Oblast"


def test_town_named_after_someone_still_found_before_a_place_noun(gaz):
    m = found(gaz, "bombers at Engels Air Base", "en")[0]
    assert (m.text, m.place.admin1) == ("Engels", "Saratov Oblast")


def test_a_former_name_of_one_city_does_not_take_another_city(gaz):
    # Tolyatti was once called Stavropol and is bigger than today's Stavropol.
    en = only(gaz, "Conscripts in Stavropol protested.", "en")
    ru = only(gaz, "Призывники в Ставрополе протестовали.", "ru")
    assert en.place.admin1 == ru.place.admin1 == "Stavropol Krai"


def test_same_named_towns_prefer_the_region_the_text_names(gaz):
    matches = found(gaz, "He came from Kamenka in the Leningrad region.", "en")
    assert matches[0].text == "Kamenka"
    assert matches[0].place.admin1 == "Leningrad Oblast"


# --------------------------------------------------------------------------- Russian


@pytest.mark.parametrize(
    "text",
    [
        "Новосибирск принял новых мобилизованных.",  # nominative
        "Мобилизованные из Новосибирска пожаловались.",  # genitive
        "Губернатор обратился к Новосибирску.",  # dative
        "Мобилизованные покинули Новосибирск вчера.",  # accusative
        "Лагерь находится под Новосибирском.",  # instrumental
        "В Новосибирске прошла акция.",  # prepositional
    ],
)
def test_six_cases_of_a_russian_city(gaz, text):
    m = only(gaz, text, "ru")
    assert (m.form, m.place.key) == ("name", NOVOSIBIRSK)


@pytest.mark.parametrize(
    "text",
    [
        "Белгородская область снова под обстрелом.",  # nominative
        "Жители Белгородской области уехали.",  # genitive
        "Губернатор обратился к Белгородской области.",  # dative
        "Обстрелы затронули Белгородскую область.",  # accusative
        "Он руководит Белгородской областью.",  # instrumental
        "В Белгородской области ввели режим.",  # prepositional
    ],
)
def test_six_cases_of_a_russian_region(gaz, text):
    m = only(gaz, text, "ru")
    assert (m.form, m.place.key) == ("name", admin1_key("Belgorod Oblast"))


@pytest.mark.parametrize(
    ("text", "matched", "key", "form"),
    [
        ("Мобилизованные из Бурятии вернулись.", "Бурятии", admin1_key("Buryatia"), "name"),
        ("Военные на Сахалине отказались.", "Сахалине", admin1_key("Sakhalin Oblast"), "name"),
        ("Жалоба новосибирских мобилизованных.", "новосибирских", NOVOSIBIRSK, "adjective"),
        ("Бои идут в ДНР.", "ДНР", admin1_key("Donetsk Oblast", "UA"), "name"),
        ("Бои идут в ЛНР.", "ЛНР", admin1_key("Luhansk Oblast", "UA"), "name"),
        ("Часть стоит в Подмосковье.", "Подмосковье", admin1_key("Moscow Oblast"), "name"),
        ("Акция прошла в Петербурге.", "Петербурге", SAINT_PETERSBURG, "name"),
        ("Беглецы пересекли границу в ЗКО.", "ЗКО", admin1_key("West Kazakhstan Region", "KZ"), "name"),
        ("Жители Усть-Илимска пожаловались.", "Усть-Илимска", None, "name"),
        ("Жители Нижнего Новгорода пожаловались.", "Нижнего Новгорода", None, "name"),
        ("Военные из Крыма отказались.", "Крыма", admin1_key("Crimea", "UA"), "name"),
        ("Он служил в Херсонской области.", "Херсонской области", admin1_key("Kherson Oblast", "UA"), "name"),
        ("Дагестанцы вышли на протест.", "Дагестанцы", admin1_key("Dagestan"), "demonym"),
        ("Москвичи уезжают.", "Москвичи", MOSCOW, "demonym"),
        ("Бурятские военные отказались.", "Бурятские", admin1_key("Buryatia"), "adjective"),
    ],
)
def test_russian_forms(gaz, text, matched, key, form):
    m = only(gaz, text, "ru")
    assert (m.text, m.form) == (matched, form)
    if key:
        assert m.place.key == key


def test_capitalized_region_adjective_standing_for_a_region(gaz):
    matches = found(gaz, "Обстрелы в Курской и Белгородской областях продолжаются.", "ru")
    assert [(m.text, m.form, m.place.key) for m in matches] == [
        ("Курской", "adjective", admin1_key("Kursk Oblast")),
        ("Белгородской областях", "name", admin1_key("Belgorod Oblast")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Мирный протест разогнали.",  # sentence start, common word
        "Это был мирный протест.",  # lower case
        "Мир изменился за год.",
        "Сотрудники «Зари» и «Победы» отказались.",
        "Бор вырубили.",
        "Центральный банк повысил ставку.",  # a district's adjective name
        "Октябрьский районный суд арестовал его.",
        "Центральный военный округ отчитался.",
        "Суд на Дальнем Востоке приговорил его.",  # part of a longer capitalized name
        "Митинг на Красной площади запретили.",  # adjective and noun
        "Родина-мать зовет.",
    ],
)
def test_russian_common_words_are_not_places(gaz, text):
    assert found(gaz, text, "ru") == []


def test_russian_common_word_town_found_mid_sentence(gaz):
    m = only(gaz, "Жители города Мирного вышли на улицу.", "ru")
    assert m.place.name == "Mirny"


@pytest.mark.parametrize(
    "text",
    ["Владимир Путин подписал указ.", "Михаил Иванов отказался служить.", "Стихи Александра Пушкина."],
)
def test_russian_person_names_are_not_places(gaz, text):
    assert found(gaz, text, "ru") == []


def test_russian_town_named_like_a_person_found_alone(gaz):
    m = only(gaz, "Мобилизованных отправили во Владимир.", "ru")
    assert (m.place.name, m.place.admin1) == ("Vladimir", "Vladimir Oblast")


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        ("soldiers from Pskov", "военные из Пскова"),
        ("in the Belgorod region", "в Белгородской области"),
        ("fled to Kazakhstan", "уехали в Казахстан"),
        ("from Dagestan", "из Дагестана"),
        ("in Crimea", "в Крыму"),
        ("in Saint Petersburg", "в Санкт-Петербурге"),
        ("in Yurga", "в Юрге"),
    ],
)
def test_english_and_russian_mentions_share_the_key(gaz, english, russian):
    en, ru = only(gaz, english, "en"), only(gaz, russian, "ru")
    assert en.place.key == ru.place.key
    assert en.place == ru.place


# --------------------------------------------------------------------------- lookup and geometry


@pytest.mark.parametrize(
    ("name", "lang", "key"),
    [
        ("Kamchatka", "en", admin1_key("Kamchatka Krai")),
        ("Ленинградская область", "ru", admin1_key("Leningrad Oblast")),
        ("Saint Petersburg", "en", SAINT_PETERSBURG),
        ("Yuzhno-Sakhalinsk", "en", None),
        ("Новосибирске", "ru", None),
        ("Республика Саха (Якутия)", "ru", admin1_key("Sakha Republic")),
        ("kamchatka", "en", admin1_key("Kamchatka Krai")),
    ],
)
def test_lookup(gaz, name, lang, key):
    place = gaz.lookup(name, lang)
    assert place is not None
    if key:
        assert place.key == key


def test_lookup_of_the_surrounding_text_is_none(gaz):
    assert gaz.lookup("Kamchatka and Sakhalin") is None
    assert gaz.lookup("Nowhere-on-earth") is None
    assert gaz.lookup("   ") is None


def test_lookup_town_with_its_region(gaz):
    place = gaz.lookup("Kamenka, Leningrad Oblast")
    assert (place.name, place.admin1, place.precision) == ("Kamenka", "Leningrad Oblast", "city")


def test_lookup_gives_back_places_by_their_own_name(gaz):
    for name in ("Podporozhye", "Yurga", "Leningrad Oblast", "North Ossetia–Alania", "West Kazakhstan Region"):
        place = gaz.lookup(name)
        assert place is not None and place.name == name


def test_every_russian_federal_subject_resolves_in_both_languages(gaz):
    regions = json.loads((DATA_DIR / "regions.json").read_text(encoding="utf-8"))
    russian = [r for r in regions if r["cc"] == "RU"]
    assert len(russian) == 83  # the annexed Ukrainian regions are counted in Ukraine
    for region in russian:
        if region["kind"] == "city":
            continue
        en = gaz.lookup(region["name"])
        ru = gaz.lookup(region["ru"][0], "ru")
        assert en is not None and ru is not None, region["name"]
        assert en.key == ru.key == admin1_key(region["name"])


def test_region_of(gaz):
    yurga = gaz.lookup("Yurga")
    region = gaz.region_of(yurga)
    assert (region.name, region.admin1, region.precision, region.country) == (
        "Kemerovo Oblast", "Kemerovo Oblast", "admin1", "RU"
    )
    kemerovo = gaz.lookup("Kemerovo")
    assert (region.lat, region.lon) == (kemerovo.lat, kemerovo.lon)  # the capital's coordinates
    assert gaz.region_of(gaz.lookup("Moscow")).key == admin1_key("Moscow")
    assert gaz.region_of(region) == region
    assert gaz.region_of(gaz.lookup("Russia")) is None


def test_contains(gaz):
    russia, ukraine = gaz.lookup("Russia"), gaz.lookup("Ukraine")
    moscow, yurga = gaz.lookup("Moscow"), gaz.lookup("Yurga")
    kemerovo_oblast, crimea = gaz.lookup("Kemerovo Oblast"), gaz.lookup("Crimea")
    assert gaz.contains(russia, moscow)
    assert gaz.contains(kemerovo_oblast, yurga)
    assert gaz.contains(russia, kemerovo_oblast)
    assert gaz.contains(ukraine, crimea) and not gaz.contains(russia, crimea)
    assert not gaz.contains(kemerovo_oblast, moscow)
    assert not gaz.contains(yurga, kemerovo_oblast)
    assert gaz.contains(yurga, yurga)
    assert not gaz.contains(gaz.lookup("Leningrad Oblast"), gaz.lookup("Saint Petersburg"))


def test_country_of(gaz):
    assert gaz.country_of(gaz.lookup("Yurga")).key == "country:RU"
    assert gaz.country_of(gaz.lookup("Sevastopol")).key == "country:UA"


def test_country_places(gaz):
    russia = gaz.lookup("Россия", "ru")
    assert (russia.key, russia.precision, russia.admin1) == ("country:RU", "country", None)
    assert russia.lat is not None and russia.lon is not None
    fallback = gaz.lookup("Portugal")
    assert fallback.country == "PT" and fallback.lat is not None


def test_distance_km(gaz):
    moscow, petersburg = gaz.lookup("Moscow"), gaz.lookup("Saint Petersburg")
    assert 620 < distance_km(moscow, petersburg) < 650
    assert distance_km(moscow, moscow) == 0
    assert distance_km(moscow, Place("Unknown", None, None, None, "RU", "country")) is None


def test_loaded_once_per_process():
    assert get_gazetteer() is get_gazetteer()


def test_unsupported_language_is_a_clear_error(gaz):
    with pytest.raises(ValueError, match="'de'"):
        gaz.find("Berlin", "de")
    with pytest.raises(ValueError, match="'de'"):
        gaz.lookup("Berlin", "de")


def test_latin_key_folds_transliteration_variants():
    assert latin_key("Podporozh'ye") == latin_key("Podporozhe") == latin_key("Podporozhye")
    assert latin_key("Nizhniy") == latin_key("Nizhny") == latin_key("Nizhnii")
    assert latin_key("Oryol") == latin_key("Orël") == latin_key("Orel")
    assert latin_key("Yekaterinburg") == latin_key("Ekaterinburg")
    assert latin_key("Moscow") != latin_key("Minsk")
