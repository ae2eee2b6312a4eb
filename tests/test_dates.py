"""Temporal expressions: finding them and resolving them against the publication date."""
from __future__ import annotations

import pytest

from otkaz.extract.dates import MOBILIZATION_START, WAR_START, DateMention, find_dates
from otkaz.model import DateRange, parse_published

# 2022-09-25 is a Sunday; 2022-09-27 a Tuesday.
SUNDAY, MONDAY, TUESDAY = "2022-09-25", "2022-09-26", "2022-09-27"


def mentions(text: str, lang: str, published: str | None) -> list[DateMention]:
    found = find_dates(text, lang, parse_published(published))
    for m in found:
        assert text[m.start:m.end] == m.text
    return found


def only(text: str, lang: str, published: str | None) -> DateMention:
    found = mentions(text, lang, published)
    assert len(found) == 1, [m.text for m in found]
    return found[0]


def interval(text: str, lang: str, published: str | None) -> tuple[str, str]:
    r = only(text, lang, published).range
    return r.start.isoformat(), r.end.isoformat()


# ---------------------------------------------------------------------------
# Weekdays

@pytest.mark.parametrize("text, lang", [
    ("Late Sunday night, two soldiers left the unit.", "en"),
    ("The soldiers fled on Sunday morning.", "en"),
    ("В воскресенье поздно вечером двое солдат покинули часть.", "ru"),
])
@pytest.mark.parametrize("published, expected", [
    (TUESDAY, (SUNDAY, SUNDAY)),
    (SUNDAY, (SUNDAY, SUNDAY)),  # published on that weekday itself
    (MONDAY, (SUNDAY, SUNDAY)),  # and the day after
    ("2022-09", ("2022-08-28", SUNDAY)),  # any Sunday a September article can mean
    ("2022", ("2021-12-26", "2022-12-25")),
])
def test_weekday_resolves_to_latest_such_day(text, lang, published, expected):
    m = only(text, lang, published)
    assert (m.range.start.isoformat(), m.range.end.isoformat()) == expected
    assert m.relative and m.granularity == "day"


@pytest.mark.parametrize("text, lang", [("They deserted on Sunday.", "en"), ("Они ушли в воскресенье.", "ru")])
def test_weekday_is_skipped_without_publication_date(text, lang):
    assert mentions(text, lang, None) == []


@pytest.mark.parametrize("text, lang, published, expected", [
    ("He was detained last Sunday.", "en", SUNDAY, ("2022-09-18", "2022-09-18")),
    ("He was detained last Sunday.", "en", MONDAY, (SUNDAY, SUNDAY)),
    ("Его задержали в прошлое воскресенье.", "ru", SUNDAY, ("2022-09-18", "2022-09-18")),
    ("Они ушли в ночь на понедельник.", "ru", MONDAY, (SUNDAY, MONDAY)),
    ("Они ушли в ночь на понедельник.", "ru", TUESDAY, (SUNDAY, MONDAY)),
    ("Они ушли в ночь с воскресенья на понедельник.", "ru", TUESDAY, (SUNDAY, MONDAY)),
])
def test_last_weekday_and_nights(text, lang, published, expected):
    assert interval(text, lang, published) == expected


def test_weekday_followed_by_its_date_is_one_day():
    assert interval("On Saturday, September 24, 2022, he left.", "en", TUESDAY) == ("2022-09-24", "2022-09-24")
    assert interval("В субботу, 24 сентября, он ушёл.", "ru", TUESDAY) == ("2022-09-24", "2022-09-24")


@pytest.mark.parametrize("text", [
    "Bloody Sunday is remembered every year.", "The Sunday Times reported it.", "He will leave next Monday.",
])
def test_weekday_names_that_are_not_dates(text):
    assert mentions(text, "en", TUESDAY) == []


# ---------------------------------------------------------------------------
# Days

@pytest.mark.parametrize("text, lang, published, expected", [
    ("He was caught on November 8.", "en", "2022-11", ("2022-11-08", "2022-11-08")),
    ("He was caught on 8 November.", "en", "2022-11-30", ("2022-11-08", "2022-11-08")),
    ("He was caught on Nov. 8.", "en", "2022-11-30", ("2022-11-08", "2022-11-08")),
    ("Called up on Sept. 26, he fled.", "en", TUESDAY, ("2022-09-26", "2022-09-26")),
    ("Called up on the 26th of September, he fled.", "en", TUESDAY, ("2022-09-26", "2022-09-26")),
    # Year boundary: the latest such date not after publication.
    ("He fled on December 28.", "en", "2023-01-10", ("2022-12-28", "2022-12-28")),
    ("He fled on January 8.", "en", "2023-01-10", ("2023-01-08", "2023-01-08")),
    ("He fled on January 28.", "en", "2023-01-09", ("2022-01-28", "2022-01-28")),
    ("He fled on January 28.", "en", "2023-01", ("2023-01-28", "2023-01-28")),
    ("He fled on January 28.", "en", "2023", ("2023-01-28", "2023-01-28")),
    ("8 ноября его задержали.", "ru", "2022-11-25", ("2022-11-08", "2022-11-08")),
    ("28 декабря он сбежал.", "ru", "2023-01-10", ("2022-12-28", "2022-12-28")),
    ("20 ноября 2022 года он сбежал.", "ru", "2024-03-01", ("2022-11-20", "2022-11-20")),
    ("Протокол от 01.03.2023 лежит в деле.", "ru", "2024", ("2023-03-01", "2023-03-01")),
    ("The order of 2023-03-01 was published.", "en", None, ("2023-03-01", "2023-03-01")),
])
def test_days(text, lang, published, expected):
    assert interval(text, lang, published) == expected


def test_two_days_in_one_phrase_are_two_mentions():
    found = mentions("Protests took place on April 25 and April 27.", "en", "2023-05-10")
    assert [(m.text, m.range.start.isoformat()) for m in found] == [
        ("on April 25", "2023-04-25"), ("and April 27", "2023-04-27")]
    found = mentions("Акции прошли 8 и 9 ноября.", "ru", "2022-11-25")
    assert [m.range.start.isoformat() for m in found] == ["2022-11-08", "2022-11-09"]


def test_list_takes_the_year_of_its_last_date():
    found = mentions("Protests took place on April 25, April 27 and May 3, 2021.", "en", "2023-05-10")
    assert [m.range.start.isoformat() for m in found] == ["2021-04-25", "2021-04-27", "2021-05-03"]
    assert not any(m.relative for m in found)


def test_explicit_year_is_not_relative_and_stays_in_the_future():
    m = only("A hearing is set for 20 March 2023.", "en", "2022-11-25")
    assert m.range == DateRange(parse_published("2023-03-20").start, parse_published("2023-03-20").end)
    assert not m.relative


def test_impossible_days_are_skipped():
    assert mentions("Он сбежал 30 февраля.", "ru", "2023-05-01") == []
    assert interval("Он сбежал 29 февраля.", "ru", "2023-05-01") == ("2020-02-29", "2020-02-29")


# ---------------------------------------------------------------------------
# Months and parts of months

@pytest.mark.parametrize("text, lang, published, expected", [
    ("He deserted in February.", "en", "2023-02-10", ("2023-02-01", "2023-02-10")),  # this month counts
    ("He deserted in February.", "en", "2023-01-10", ("2022-02-01", "2022-02-28")),
    ("He deserted in February last year.", "en", "2023-05-01", ("2022-02-01", "2022-02-28")),
    ("He deserted in Sept. 2022.", "en", "2024", ("2022-09-01", "2022-09-30")),
    ("He deserted last September.", "en", "2023-09-15", ("2022-09-01", "2022-09-30")),
    ("He deserted last September.", "en", "2023-10-01", ("2023-09-01", "2023-09-30")),
    ("Он дезертировал в феврале.", "ru", "2023-03-01", ("2023-02-01", "2023-02-28")),
    ("Он дезертировал в сентябре прошлого года.", "ru", "2023-03-01", ("2022-09-01", "2022-09-30")),
    ("Он дезертировал в феврале 2023 года.", "ru", None, ("2023-02-01", "2023-02-28")),
    ("He fled in mid-February.", "en", "2023-03-01", ("2023-02-11", "2023-02-20")),
    ("He fled in early October.", "en", "2022-11-07", ("2022-10-01", "2022-10-10")),
    ("He fled in late October.", "en", "2022-11-07", ("2022-10-21", "2022-10-31")),
    ("He fled in late February.", "en", "2024-03-07", ("2024-02-21", "2024-02-29")),
    ("He fled at the beginning of March.", "en", "2022-04", ("2022-03-01", "2022-03-10")),
    ("He fled at the end of March.", "en", "2022-04", ("2022-03-21", "2022-03-31")),
    ("Он сбежал в начале апреля.", "ru", "2022-05", ("2022-04-01", "2022-04-10")),
    ("Он сбежал в середине мая.", "ru", "2022-06", ("2022-05-11", "2022-05-20")),
    ("Он сбежал в конце марта.", "ru", "2022-06", ("2022-03-21", "2022-03-31")),
    ("Он сбежал в конце декабря.", "ru", "2023-01-15", ("2022-12-21", "2022-12-31")),
])
def test_months_and_their_parts(text, lang, published, expected):
    assert interval(text, lang, published) == expected


@pytest.mark.parametrize("text", ["June said she would wait.", "He may return.", "The march on Moscow failed."])
def test_month_words_outside_temporal_phrases(text):
    assert mentions(text, "en", "2023-05-10") == []


# ---------------------------------------------------------------------------
# Relative to the publication date

@pytest.mark.parametrize("text, lang, expected", [
    ("It happened yesterday.", "en", ("2022-09-27", "2022-09-27")),
    ("It happened today.", "en", ("2022-09-28", "2022-09-28")),
    ("It happened last week.", "en", ("2022-09-19", "2022-09-25")),
    ("It happened earlier this week.", "en", ("2022-09-26", "2022-09-28")),
    ("It happened last month.", "en", ("2022-08-01", "2022-08-31")),
    ("It happened this month.", "en", ("2022-09-01", "2022-09-28")),
    ("It happened last year.", "en", ("2021-01-01", "2021-12-31")),
    ("It happened this year.", "en", ("2022-01-01", "2022-09-28")),
    ("It happened two days ago.", "en", ("2022-09-26", "2022-09-26")),
    ("It happened a week ago.", "en", ("2022-09-18", "2022-09-24")),
    ("It happened over the weekend.", "en", ("2022-09-24", "2022-09-25")),
    ("It happened in the past three days.", "en", ("2022-09-25", "2022-09-28")),
    ("Это случилось вчера.", "ru", ("2022-09-27", "2022-09-27")),
    ("Это случилось позавчера.", "ru", ("2022-09-26", "2022-09-26")),
    ("Это случилось на прошлой неделе.", "ru", ("2022-09-19", "2022-09-25")),
    ("Это случилось в прошлом месяце.", "ru", ("2022-08-01", "2022-08-31")),
    ("Это случилось в прошлом году.", "ru", ("2021-01-01", "2021-12-31")),
    ("Это случилось в этом году.", "ru", ("2022-01-01", "2022-09-28")),
    ("Это случилось три дня назад.", "ru", ("2022-09-25", "2022-09-25")),
    ("Это случилось за последние две недели.", "ru", ("2022-09-14", "2022-09-28")),
])
def test_relative_to_a_publication_day(text, lang, expected):
    m = only(text, lang, "2022-09-28")  # a Wednesday
    assert (m.range.start.isoformat(), m.range.end.isoformat()) == expected
    assert m.relative


@pytest.mark.parametrize("text, lang, published, expected", [
    ("It happened yesterday.", "en", "2022-09", ("2022-08-31", "2022-09-29")),
    ("It happened last month.", "en", "2023-01", ("2022-12-01", "2022-12-31")),
    ("It happened last year.", "en", "2023", ("2022-01-01", "2022-12-31")),
    ("Это случилось на прошлой неделе.", "ru", "2022-10", ("2022-09-19", "2022-10-30")),
    ("Это случилось в прошлом году.", "ru", "2023-01-01", ("2022-01-01", "2022-12-31")),
])
def test_relative_to_a_coarse_publication_date(text, lang, published, expected):
    assert interval(text, lang, published) == expected


@pytest.mark.parametrize("text, lang", [
    ("It happened yesterday, last week and two days ago.", "en"),
    ("Это случилось вчера, на прошлой неделе и в прошлом году.", "ru"),
])
def test_relative_skipped_without_publication_date(text, lang):
    assert mentions(text, lang, None) == []


@pytest.mark.parametrize("text, lang", [
    ("He recently fled. A few days ago he was seen.", "en"),
    ("Недавно он сбежал, а накануне его видели.", "ru"),
    ("He will be sent to the front next week.", "en"),
])
def test_vague_and_future_words_are_skipped(text, lang):
    assert mentions(text, lang, TUESDAY) == []


# ---------------------------------------------------------------------------
# Seasons

@pytest.mark.parametrize("text, lang, published, expected", [
    ("It happened this fall.", "en", "2022-12-30", ("2022-09-01", "2022-11-30")),
    ("It happened in the autumn of 2022.", "en", "2024", ("2022-09-01", "2022-11-30")),
    ("It happened last summer.", "en", "2023-07-15", ("2022-06-01", "2022-08-31")),
    ("It happened last summer.", "en", "2023-09-10", ("2023-06-01", "2023-08-31")),
    ("It happened this winter.", "en", "2023-01-15", ("2022-12-01", "2023-01-15")),
    ("It happened in winter 2022-23.", "en", "2024", ("2022-12-01", "2023-02-28")),
    ("Это случилось осенью 2022 года.", "ru", "2024", ("2022-09-01", "2022-11-30")),
    ("Это случилось этой весной.", "ru", "2023-04-10", ("2023-03-01", "2023-04-10")),
    ("Это случилось прошлой осенью.", "ru", "2023-04-10", ("2022-09-01", "2022-11-30")),
    ("Это случилось зимой 2023 года.", "ru", None, ("2022-12-01", "2023-02-28")),
])
def test_seasons(text, lang, published, expected):
    assert interval(text, lang, published) == expected


@pytest.mark.parametrize("text", [
    "After the fall of Bakhmut the unit was moved.", "Prices are expected to fall.",
    "They never received the winter uniforms.",
])
def test_season_words_that_are_not_seasons(text):
    assert mentions(text, "en", "2023-05-10") == []


# ---------------------------------------------------------------------------
# Years

@pytest.mark.parametrize("text, lang, expected", [
    ("In 2022 soldiers fled.", "en", ("2022-01-01", "2022-12-31")),
    ("Он сбежал в 2023 году.", "ru", ("2023-01-01", "2023-12-31")),
    ("Он сбежал в 2022-м.", "ru", ("2022-01-01", "2022-12-31")),
    ("It was the 2022 year of the war.", "en", ("2022-01-01", "2022-12-31")),
    ("They fled in 2022-2023.", "en", ("2022-01-01", "2023-12-31")),
])
def test_years(text, lang, expected):
    m = only(text, lang, "2024-06-01")
    assert (m.range.start.isoformat(), m.range.end.isoformat()) == expected
    assert not m.relative


@pytest.mark.parametrize("text, lang", [
    ("He counted 2022 soldiers.", "en"),
    ("A total of 2000 people fled.", "en"),
    ("They paid him in 2000 rubles.", "en"),
    ("Up to 2000 soldiers refused.", "en"),
    ("From 2000 to 3000 people fled.", "en"),
    ("Колонна в 2000 человек ушла.", "ru"),
    ("Там служат 2022 солдата.", "ru"),
    ("В 1990-х он служил.", "ru"),
])
def test_numbers_that_are_not_years(text, lang):
    assert mentions(text, lang, "2024-06-01") == []


@pytest.mark.parametrize("text, lang", [("Since 2022 many have fled.", "en"), ("С 2022 года многие бежали.", "ru")])
def test_since_a_year_runs_to_publication(text, lang):
    m = only(text, lang, "2023-05-10")
    assert (m.range.start.isoformat(), m.range.end.isoformat()) == ("2022-01-01", "2023-05-10")
    assert m.granularity == "period"
    assert mentions(text, lang, None) == []


# ---------------------------------------------------------------------------
# Ranges, "since", "before", "until"

@pytest.mark.parametrize("text, lang, expected", [
    ("Raids took place from March 1 to March 5.", "en", ("2023-03-01", "2023-03-05")),
    ("Raids took place between 1 and 5 March.", "en", ("2023-03-01", "2023-03-05")),
    ("Raids took place March 1-5.", "en", ("2023-03-01", "2023-03-05")),
    ("Raids took place between February and April.", "en", ("2023-02-01", "2023-04-30")),
    ("Рейды прошли с 1 по 5 марта.", "ru", ("2023-03-01", "2023-03-05")),
    ("Рейды прошли с 1 марта по 5 апреля.", "ru", ("2023-03-01", "2023-04-05")),
    ("Рейды прошли с марта по май.", "ru", ("2023-03-01", "2023-05-10")),  # cut at publication
])
def test_ranges_are_one_mention(text, lang, expected):
    assert interval(text, lang, "2023-05-10") == expected


def test_range_across_new_year_takes_the_written_year():
    m = only("Raids took place from December 28 to January 5, 2023.", "en", None)
    assert (m.range.start.isoformat(), m.range.end.isoformat()) == ("2022-12-28", "2023-01-05")
    assert not m.relative


@pytest.mark.parametrize("text, lang, expected", [
    ("He has been hiding since March.", "en", ("2023-03-01", "2023-05-10")),
    ("Он скрывается с 24 февраля.", "ru", ("2023-02-24", "2023-05-10")),
    ("Он скрывается после 24 февраля 2022 года.", "ru", ("2022-02-24", "2023-05-10")),
    ("He hid until March 5.", "en", ("2023-03-05", "2023-03-05")),
])
def test_since_and_until(text, lang, expected):
    assert interval(text, lang, "2023-05-10") == expected


@pytest.mark.parametrize("text, lang", [("He left before March 5.", "en"), ("Он ушёл перед 5 марта.", "ru")])
def test_before_bounds_no_start_and_is_skipped(text, lang):
    assert mentions(text, lang, "2023-05-10") == []


# ---------------------------------------------------------------------------
# Event anchors

@pytest.mark.parametrize("text, lang", [
    ("He deserted at the beginning of the war.", "en"),
    ("He deserted in the first days of the war.", "en"),
    ("He deserted in the first weeks of the full-scale invasion.", "en"),
    ("Он дезертировал в начале войны.", "ru"),
    ("Он дезертировал в первые дни СВО.", "ru"),
])
def test_beginning_of_the_war(text, lang):
    m = only(text, lang, "2023-05-10")
    assert (m.range.start, m.range.end.isoformat()) == (WAR_START, "2022-03-31")
    assert m.anchor == "war_start"


@pytest.mark.parametrize("text, lang", [
    ("He deserted in the first months of the war.", "en"),
    ("Он дезертировал в первые месяцы войны.", "ru"),
])
def test_first_months_of_the_war(text, lang):
    m = only(text, lang, "2023-05-10")
    assert (m.range.start, m.range.end.isoformat()) == (WAR_START, "2022-05-31")


@pytest.mark.parametrize("text, lang", [
    ("Since the start of the full-scale invasion, thousands have fled.", "en"),
    ("Since Russia invaded Ukraine, thousands have fled.", "en"),
    ("С начала СВО тысячи бежали.", "ru"),
    ("После начала войны тысячи бежали.", "ru"),
])
def test_since_the_war_began(text, lang):
    m = only(text, lang, "2023-05-10")
    assert (m.range.start, m.range.end.isoformat()) == (WAR_START, "2023-05-10")
    assert m.anchor == "war_start" and m.relative
    assert mentions(text, lang, None) == []


@pytest.mark.parametrize("text, lang", [
    ("Since the mobilization was announced, he has been hiding.", "en"),
    ("After the mobilization, he has been hiding.", "en"),
    ("After Putin announced a partial mobilization, he fled.", "en"),
    ("После объявления мобилизации он скрывается.", "ru"),
    ("С начала частичной мобилизации он скрывается.", "ru"),
])
def test_since_the_mobilization(text, lang):
    m = only(text, lang, "2022-11-07")
    assert (m.range.start, m.range.end.isoformat()) == (MOBILIZATION_START, "2022-11-07")
    assert m.anchor == "mobilization"


@pytest.mark.parametrize("text, lang", [
    ("He fled during the mobilization.", "en"),
    ("He fled amid the partial mobilisation.", "en"),
    ("Он сбежал в ходе мобилизации.", "ru"),
    ("Он сбежал во время частичной мобилизации.", "ru"),
])
def test_during_the_mobilization(text, lang):
    assert interval(text, lang, "2023") == (MOBILIZATION_START.isoformat(), "2022-10-31")
    assert interval(text, lang, None) == (MOBILIZATION_START.isoformat(), "2022-10-31")
    # cut at an earlier publication date
    assert interval(text, lang, TUESDAY) == (MOBILIZATION_START.isoformat(), TUESDAY)


@pytest.mark.parametrize("text, lang", [
    ("He fled when mobilization was announced.", "en"),
    ("Он сбежал в первые дни мобилизации.", "ru"),
])
def test_beginning_of_the_mobilization(text, lang):
    assert interval(text, lang, "2023") == (MOBILIZATION_START.isoformat(), "2022-09-30")


def test_mobilization_offices_are_not_anchors():
    assert mentions("He went to the mobilization office after the mobilization notice came.", "en", TUESDAY) == []
    assert mentions("Он ушёл в связи с мобилизацией.", "ru", TUESDAY) == []


# ---------------------------------------------------------------------------
# Unknown or coarse publication dates

def test_unknown_publication_date_keeps_absolute_expressions():
    text = ("On Sunday soldiers fled. On November 8 they were caught in 2022. On December 3 he left. "
            "In March 2023 he was sentenced. Since 2022 many fled.")
    found = mentions(text, "en", None)
    assert [(m.text, m.range.start.isoformat(), m.range.end.isoformat()) for m in found] == [
        ("On November 8", "2022-11-08", "2022-11-08"),  # the year written in its sentence
        ("in 2022", "2022-01-01", "2022-12-31"),
        ("In March 2023", "2023-03-01", "2023-03-31"),
    ]
    assert not any(m.relative for m in found)


def test_coarse_publication_date_follows_the_story():
    text = "В августе прошлого года его отправили на фронт. В ноябре он уехал в отпуск. Его ждали 20 ноября."
    found = mentions(text, "ru", "2023")
    assert [(m.range.start.isoformat(), m.range.end.isoformat()) for m in found] == [
        ("2022-08-01", "2022-08-31"), ("2022-11-01", "2022-11-30"), ("2022-11-20", "2022-11-20")]


def test_story_does_not_cross_paragraphs_or_override_a_publication_day():
    text = "In February 2022 he signed a contract.\nIn March he fled."
    assert [m.range.start.isoformat() for m in mentions(text, "en", "2023")] == ["2022-02-01", "2023-03-01"]
    text = "In February 2022 he signed a contract. In March he fled."
    assert [m.range.start.isoformat() for m in mentions(text, "en", "2023")] == ["2022-02-01", "2022-03-01"]
    assert [m.range.start.isoformat() for m in mentions(text, "en", "2023-05-10")] == ["2022-02-01", "2023-03-01"]


# ---------------------------------------------------------------------------
# Not dates

@pytest.mark.parametrize("text, lang", [
    ("A 34-year-old man fled late at night.", "en"),
    ("He served two and a half years, 15 months of war.", "en"),
    ("The bus left at 20:22 in the morning.", "en"),
    ("Его осудили на 3 года, он заплатил 2022 рубля.", "ru"),
    ("Поздно ночью 34-летний мужчина ушёл утром.", "ru"),
])
def test_times_ages_durations_and_prices_are_not_dates(text, lang):
    assert mentions(text, lang, TUESDAY) == []


# ---------------------------------------------------------------------------
# Input errors

def test_unsupported_language_is_named():
    with pytest.raises(ValueError, match="'de'"):
        find_dates("Am Sonntag.", "de", None)


def test_published_must_be_a_date_range():
    with pytest.raises(TypeError, match="DateRange"):
        find_dates("On Sunday.", "en", "2022-09-27")  # type: ignore[arg-type]


def test_time_counted_from_the_start_of_the_war():
    from datetime import date

    found = find_dates("The unit went home after five days of hostilities.", "en", parse_published("2022-05"))
    assert [(d.range.start, d.range.end) for d in found] == [(date(2022, 3, 1), date(2022, 3, 3))]
