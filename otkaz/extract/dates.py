"""Temporal expressions in English and Russian news text, resolved to date intervals.

``find_dates(text, lang, published)`` finds expressions with compiled patterns
and resolves each to a ``DateRange`` that surely holds what it names, as narrow
as the words allow.  The extractor decides which one belongs to which incident.

Every word and pattern is data: a language's ``otkaz/lang/<code>/dates.toml`` holds
its month, weekday and season names, number and unit words, parts of periods,
relative-date words, the connector words ("since", "between ... and") and the rules
(a pattern and the builder that reads its match), loaded once.  This module holds
the resolution.  Connector words are read from every language's file in every text.

Resolution rules
================
The publication date ``published`` is an interval (a day, a month or a year, as
``model.parse_published`` gives it) or None when unknown.

* Relative expressions ("yesterday", "last week", "on Sunday", "two days ago",
  "в прошлом месяце") are resolved against every possible publication day and
  the answers joined.  Against a day they give its answer ("Late Sunday night"
  in an article of Tuesday 2022-09-27 is 2022-09-25); against a month the
  interval of all possible answers ("on Sunday" in an article of 2022-09 is
  2022-08-28..2022-09-25); against a year, likewise.  Unknown: skipped.
* A day, month, part of a month or season written without a year ("December
  28", "in February", "in mid-May", "this fall", "осенью") takes the latest year
  in which it starts on or before the end of the publication interval:
  "December 28" in an article of 2023-01-10 is 2022-12-28; "in February" in an
  article of February is that February (this month counts).  "last September",
  "last summer", "прошлой осенью": the latest one already over.  "February last
  year", "в сентябре прошлого года": counted from the publication year.
  Such expressions are ``relative`` (they needed the publication date)
  unless the text's own years resolved them (below).
* When the publication date is only a year, a yearless date after a dated
  one in the same paragraph continues the story: it is the first such date
  not over before the last date mentioned ("В августе прошлого года ... В
  ноябре ... 20 ноября" in an article of 2023 is November 2022).  With a day
  or month of publication, news usage wins: the latest one not after it.
* Publication date unknown: the nearest year written in the same sentence,
  else skipped.
* A yearless date before a dated one in a list or range takes its year from
  it: "on April 25 and April 27, 2023", "from December 28 to January 5, 2023".
* Intervals end at the publication date at the latest ("this week" in an
  article of Wednesday is Monday..Wednesday): articles report what happened.

Sizes of intervals
------------------
* Weekday: the latest such day on or before the publication day; "last
  Sunday", "в прошлое воскресенье": strictly before it.  Time-of-day words
  ("late at night", "утром") do not change the day.  "в ночь на понедельник",
  "в ночь на 8 ноября": that day and the day before.  "last night",
  "overnight", "прошлой ночью": the publication day and the day before.
* "last week", "на прошлой неделе": Monday..Sunday of the previous week;
  "this week": from this week's Monday.  Weekend: the latest Saturday-Sunday
  starting before the publication day.
* Parts of months: early / beginning / first days 1-10, mid / middle 11-20,
  late / end / last days 21-end, halves 1-15 / 16-end, first week 1-7, last
  week the last 7 days, декады 1-10 / 11-20 / 21-end.
* Parts of years: early / beginning January-April, mid / middle May-August,
  late / end September-December; halves; quarters.
* Seasons: spring March-May, summer June-August, autumn September-November,
  winter December-February.  "winter 2023", "зимой 2023 года" and "winter
  2022-23" are the winter that ends in 2023 (2022-12-01..2023-02-28): "winter
  2023" is ambiguous and this is a convention, not a certainty.
* "N days ago": that day; "N weeks ago": that day +-3 days; "N months ago":
  +-15 days; "N years ago": +-6 months.  "in the past N days/weeks/months",
  "за последние N дней": from N units before publication to publication.
* "since X", "after X", "from X" without a "to", "с X", "после X": from the
  start of X to the publication date (skipped when that is unknown).
  "before X", "prior to X", "перед X": skipped, nothing bounds their start.
  "until X", "by X", "до X": X itself.
* Ranges ("from March 1 to March 5", "between 1 and 5 March", "March 1-5",
  "с 1 по 5 марта", "с марта по май", "March-April 2023"): one mention from the
  start of the first to the end of the second.
* Years are years only in temporal phrases: after a preposition ("in 2022",
  "since 2022", "в 2023") or with a year word ("2022 year", "в 2023 году",
  "2022 г."); never a bare number ("2022 soldiers") nor a count ("a total of
  2000 people", "в 2000 человек", "in 2000 rubles").

Event anchors
-------------
* The war, WAR_START = 2022-02-24.  "at the beginning / in the first days or
  weeks of the war", "early in the war", "when Russia invaded Ukraine", "в
  начале войны", "в первые дни СВО": 2022-02-24..2022-03-31.  This end is a
  convention, not something the article says: the first phase of the
  invasion (the offensive on Kyiv) ended with the withdrawal announced at the
  end of March 2022, and "the beginning of the war" in reports refers to that
  phase; a looser usage can fall outside.  "in the first months": to
  2022-05-31.  "since the start of the war", "since Russia invaded", "с начала
  СВО", "после начала войны": 2022-02-24 to the publication date.
* The mobilization, MOBILIZATION_START = 2022-09-21 (the decree).  "since /
  after the mobilization (was announced)", "after Putin announced
  mobilization", "после объявления мобилизации": 2022-09-21 to the publication
  date; "during / amid the mobilization", "в ходе мобилизации": 2022-09-21 to
  2022-10-31 (the defence minister declared it complete on 2022-10-28); "at
  the start of the mobilization", "when mobilization was announced", "в первые
  дни мобилизации": 2022-09-21..2022-09-30.

Not taken: times of day, ages ("a 34-year-old"), durations ("two and a half
years", "15 months of war", "на 3 года"), prices, counts and unit numbers;
vague words ("recently", "недавно", "накануне", "a few days ago"); the future
("next week"); slashed numeric dates (day and month order is ambiguous);
"the previous day" and the like (relative to the story, not the publication).
"""
from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

from dateutil.relativedelta import relativedelta

from ..lang import language_data, languages_with
from ..model import DateRange

WAR_START = date(2022, 2, 24)
MOBILIZATION_START = date(2022, 9, 21)
LANGUAGES = languages_with("dates")  # the languages whose package has a dates.toml

# Ends of the event-anchored intervals (see the module docstring for why).
_WAR_BEGINNING_END = date(2022, 3, 31)
_WAR_FIRST_MONTHS_END = date(2022, 5, 31)
_MOBILIZATION_BEGINNING_END = date(2022, 9, 30)
_MOBILIZATION_END = date(2022, 10, 31)


@dataclass(frozen=True)
class DateMention:
    """A temporal expression, text[start:end] == text, and the interval it names."""

    start: int
    end: int
    text: str
    range: DateRange
    granularity: str  # "day", "week", "month", "season", "year", "period"
    relative: bool  # resolved against the publication date ("last week", "on Sunday")
    anchor: str | None = None  # "war_start", "mobilization" for event-anchored expressions


def find_dates(text: str, lang: str, published: DateRange | None) -> list[DateMention]:
    """Every temporal expression of ``text`` that resolves, in text order."""
    rules = _rules(lang) if isinstance(lang, str) else None
    if rules is None:
        expected = ", ".join(languages_with("dates"))
        raise ValueError(f"find_dates: unsupported language {lang!r} (expected one of {expected})")
    if published is not None and not isinstance(published, DateRange):
        raise TypeError(f"find_dates: published must be a DateRange or None, not {type(published).__name__}")
    lowered = text.lower()
    found = [expr for pattern, build, needles in rules
             if not needles or any(needle in lowered for needle in needles)  # cheap skip of unneeded patterns
             for m in pattern.finditer(text) for expr in build(m)]
    exprs = _apply_prepositions(_link(_longest_first(found), text))
    context = _Context(text, published, exprs)
    mentions = []
    for expr in exprs:
        resolved = _resolve(expr, context)
        if resolved is None:
            continue
        interval, relative = resolved
        if expr.in_year is not None or expr.pair is not None:
            context.reference = (context.paragraph(expr.start), interval.start, relative)
        if published is not None and interval.start <= published.end < interval.end:
            interval = DateRange(interval.start, published.end)
        mentions.append(DateMention(
            expr.start, expr.end, text[expr.start:expr.end], interval,
            "period" if expr.open_end else expr.granularity, relative, expr.anchor,
        ))
    return mentions


# ---------------------------------------------------------------------------
# Calendar arithmetic

def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _day(year: int, month: int, day: int) -> DateRange:
    return _one_day(date(year, month, day))  # ValueError for February 30


def _month_part(year: int, month: int, first: int = 1, last: int | None = None) -> DateRange:
    """Days first..last of a month; last None is the month's end, first < 0 counts from the end."""
    end = _last_day(year, month)
    lo = end + first + 1 if first < 0 else first
    return DateRange(date(year, month, lo), date(year, month, end if last is None else last))


def _months(year: int, first: int, last: int) -> DateRange:
    return DateRange(date(year, first, 1), date(year, last, _last_day(year, last)))


def _season(name: str, year: int) -> DateRange:
    """The season of ``year``; winter is the one that ends in ``year``."""
    if name == "winter":
        return DateRange(date(year - 1, 12, 1), date(year, 2, _last_day(year, 2)))
    first = {"spring": 3, "summer": 6, "autumn": 9}[name]
    return _months(year, first, first + 2)


def _hull(a: DateRange, b: DateRange) -> DateRange:
    return DateRange(min(a.start, b.start), max(a.end, b.end))


def _around(center: date, days: int) -> DateRange:
    return DateRange(center - timedelta(days=days), center + timedelta(days=days))


def _latest_weekday(day: date, weekday: int, strictly_before: bool) -> date:
    back = (day.weekday() - weekday) % 7
    return day - timedelta(days=7 if strictly_before and back == 0 else back)


def _week(day: date, weeks_back: int) -> DateRange:
    monday = day - timedelta(days=day.weekday() + 7 * weeks_back)
    return DateRange(monday, monday + timedelta(days=6))


def _weekend(day: date) -> DateRange:
    saturday = _latest_weekday(day - timedelta(days=1), 5, strictly_before=False)
    return DateRange(saturday, saturday + timedelta(days=1))


def _month_back(day: date, months_back: int) -> DateRange:
    d = day - relativedelta(months=months_back)
    return _month_part(d.year, d.month)


def _year_back(day: date, years_back: int) -> DateRange:
    return _months(day.year - years_back, 1, 12)


def _ago(day: date, unit: str, n: int) -> DateRange:
    if unit == "day":
        return _one_day(day - timedelta(days=n))
    if unit == "week":
        return _around(day - timedelta(weeks=n), 3)
    if unit == "month":
        return _around(day - relativedelta(months=n), 15)
    center = day - relativedelta(years=n)
    return DateRange(center - relativedelta(months=6), center + relativedelta(months=6))


def _past(day: date, unit: str, n: int) -> DateRange:
    step = {"day": relativedelta(days=n), "week": relativedelta(weeks=n),
            "month": relativedelta(months=n), "year": relativedelta(years=n)}[unit]
    return DateRange(day - step, day)


# Parts of months and years, by the key words that name them.
_MONTH_PARTS = {
    "early": (1, 10), "beginning": (1, 10), "start": (1, 10), "first days": (1, 10),
    "mid": (11, 20), "middle": (11, 20),
    "late": (21, None), "end": (21, None), "last days": (21, None),
    "first half": (1, 15), "second half": (16, None),
    "first week": (1, 7), "last week": (-7, None),
    "first decade": (1, 10), "second decade": (11, 20), "third decade": (21, None),
}
_YEAR_PARTS = {
    "early": (1, 4), "beginning": (1, 4), "start": (1, 4),
    "mid": (5, 8), "middle": (5, 8),
    "late": (9, 12), "end": (9, 12),
    "first half": (1, 6), "second half": (7, 12),
    "first quarter": (1, 3), "second quarter": (4, 6), "third quarter": (7, 9),
    "fourth quarter": (10, 12), "last quarter": (10, 12),
}


# ---------------------------------------------------------------------------
# Expressions before resolution

@dataclass
class _Expr:
    """A matched expression; exactly one of in_year, on_day, fixed, pair says how it resolves."""

    start: int
    end: int
    granularity: str
    pre: str = ""  # the preposition the match starts with, lower-case
    in_year: Callable[[int], DateRange] | None = None  # calendar: its interval in a year
    year: int | None = None  # the year written with it
    year_offset: int | None = None  # "last year" -> -1, "this year" -> 0 from the publication year
    mod: str = ""  # "last" ("last September": the latest one already over), "this" ("this fall") or ""
    year_from: _Expr | None = None  # "April 25 and April 27, 2023": the year of the next one
    on_day: Callable[[date], DateRange] | None = None  # relative to a publication day
    fixed: DateRange | None = None
    pair: tuple[_Expr, _Expr] | None = None  # a range "from A to B"
    anchor: str | None = None
    open_end: bool = False  # "since X": from X to the publication date

    @property
    def has_year(self) -> bool:
        return self.year is not None or self.year_offset is not None


def _expr(m: re.Match[str], granularity: str, look_back: bool = True, **fields) -> _Expr:
    """The expression of a match, with the preposition before it when ``look_back``."""
    pre, start = _preposition(m) if look_back else ("", m.start())
    return _Expr(start, m.end(), granularity, pre, **fields)


def _preposition(m: re.Match[str]) -> tuple[str, int]:
    """The preposition a match starts with (group "pre") or follows, lower-case, and where it starts."""
    if "pre" in m.re.groupindex:
        return " ".join((m["pre"] or "").lower().split()), m.start()
    found = _shared().preposition_before.search(m.string, max(0, m.start() - 25), m.start())
    if found is None:
        return "", m.start()
    return " ".join(found.group().lower().split()), found.start()


class _Context:
    """What resolution needs besides the expression: the publication date, the story's dates."""

    def __init__(self, text: str, published: DateRange | None, exprs: list[_Expr]):
        self.text = text
        self.published = published
        self.years = [(e.start, e.year) for e in _flatten(exprs) if e.year is not None]
        self._sentence_ends: list[re.Match[str]] | None = None
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        # The last calendar date resolved, in text order: (paragraph, its start, relative).
        self.reference: tuple[int, date, bool] | None = None
        # The publication date is only a year: the story's own dates say more.
        self.follow_story = published is not None and published.days > 31

    def paragraph(self, position: int) -> int:
        return bisect.bisect_left(self._newlines, position)

    def story_date(self, e: _Expr) -> _Resolved | None:
        """A yearless date after a dated one in its paragraph: the first one not over before it.

        "В августе прошлого года ... В ноябре ... 20 ноября" is November of last year.
        """
        if self.reference is None or self.reference[0] != self.paragraph(e.start):
            return None
        _, reference, relative = self.reference
        interval = _ending_from(e, reference)
        return (interval, relative) if self.published and interval.start <= self.published.end else None

    def sentence_year(self, position: int) -> int | None:
        """The written year nearest to ``position`` in its sentence."""
        if self._sentence_ends is None:
            self._sentence_ends = list(_shared().sentence_end.finditer(self.text))
        start = max((m.end() for m in self._sentence_ends if m.end() <= position), default=0)
        end = min((m.start() for m in self._sentence_ends if m.start() >= position), default=len(self.text))
        near = [(abs(pos - position), year) for pos, year in self.years if start <= pos < end]
        return min(near)[1] if near else None


def _flatten(exprs: list[_Expr]) -> list[_Expr]:
    return [part for e in exprs for part in (e.pair if e.pair else (e,))]


def _longest_first(found: list[_Expr]) -> list[_Expr]:
    """Drop expressions that overlap a longer one; text order."""
    kept: list[_Expr] = []
    for e in sorted(found, key=lambda e: (e.start - e.end, e.start)):
        if all(e.end <= k.start or k.end <= e.start for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: e.start)


_DASHES = {"-", "–", "—"}


def _is_calendar(e: _Expr) -> bool:
    return e.in_year is not None


def _link(exprs: list[_Expr], text: str) -> list[_Expr]:
    """Join ranges ("from A to B") into one expression; give yearless list items the next one's year."""
    linked: list[_Expr] = []
    i = 0
    while i < len(exprs):
        a = exprs[i]
        b = exprs[i + 1] if i + 1 < len(exprs) else None
        if b is not None and _is_calendar(a) and _is_calendar(b):
            link = " ".join(text[a.end:b.start].split()).lower()
            closer = b.pre if link == "" else link
            if "\n" not in text[a.end:b.start] and _is_range(a.pre, closer):
                pre = "" if a.pre in _shared().range_openers else a.pre
                linked.append(_Expr(a.start, b.end, "period", pre, pair=(a, b)))
                i += 2
                continue
        linked.append(a)
        i += 1
    # Lists: "on April 25, April 27 and May 3, 2023"; from the dated end backwards.
    for i in range(len(linked) - 2, -1, -1):
        a, b = linked[i], linked[i + 1]
        link = " ".join(text[a.end:b.start].split()).lower()
        if (_is_calendar(a) and _is_calendar(b) and not a.has_year and a.granularity == b.granularity
                and (b.year is not None or b.year_from is not None)
                and ((link in _shared().list_links and b.pre == "") or (link == "" and b.pre in _shared().list_links))):
            linked[i] = replace(a, year_from=b)
    return linked


def _is_range(first_pre: str, closer: str) -> bool:
    if closer in _DASHES:
        return True
    if closer in _shared().range_closers:
        return first_pre in _shared().range_openers or first_pre == ""
    return (first_pre, closer) in _shared().between


def _apply_prepositions(exprs: list[_Expr]) -> list[_Expr]:
    """"since X" runs to the publication date; "before X" bounds no start and is dropped."""
    out = []
    for e in exprs:
        if e.pre in _shared().before:
            continue
        out.append(replace(e, open_end=True) if e.pre in _shared().opening else e)
    return out


# ---------------------------------------------------------------------------
# Resolution

_Resolved = tuple[DateRange, bool]  # the interval, and whether it needed the publication date


def _resolve(e: _Expr, ctx: _Context) -> _Resolved | None:
    try:
        resolved = _resolve_base(e, ctx)
    except ValueError:  # a day that does not exist: "February 30", "February 29, 2023"
        return None
    if resolved is None or not e.open_end:
        return resolved
    if ctx.published is None or resolved[0].start > ctx.published.end:
        return None
    return DateRange(resolved[0].start, ctx.published.end), True


def _resolve_base(e: _Expr, ctx: _Context) -> _Resolved | None:
    if e.fixed is not None:
        return e.fixed, False
    if e.pair is not None:
        return _resolve_pair(*e.pair, ctx)
    if e.on_day is not None:
        if ctx.published is None:
            return None
        return _hull(e.on_day(ctx.published.start), e.on_day(ctx.published.end)), True
    return _resolve_calendar(e, ctx)


def _resolve_calendar(e: _Expr, ctx: _Context) -> _Resolved | None:
    assert e.in_year is not None
    if e.year is not None:
        return e.in_year(e.year), False
    pub = ctx.published
    if e.year_offset is not None:
        return (e.in_year(pub.end.year + e.year_offset), True) if pub else None
    if e.year_from is not None and (following := _resolve(e.year_from, ctx)) is not None:
        return _starting_by(e, following[0].start), following[1]
    if ctx.follow_story and not e.mod and (story := ctx.story_date(e)) is not None:
        return story
    if pub is not None:
        ref = pub.end
        fits = (lambda r: r.end < ref) if e.mod == "last" else (lambda r: r.start <= ref)
        return _first_fitting(e, fits, range(ref.year + 1, ref.year - 9, -1)), True
    year = ctx.sentence_year(e.start)
    return (e.in_year(year), False) if year is not None else None


def _resolve_pair(a: _Expr, b: _Expr, ctx: _Context) -> _Resolved | None:
    """A range: a yearless end takes its year from the other end."""
    a_yearless = _is_calendar(a) and not a.has_year
    b_yearless = _is_calendar(b) and not b.has_year
    if a_yearless or not b_yearless:
        rb = _resolve(b, ctx)
        if rb is None:
            return None
        ra = (_starting_by(a, rb[0].start), rb[1]) if a_yearless else _resolve(a, ctx)
    else:
        ra = _resolve(a, ctx)
        if ra is None:
            return None
        rb = _starting_from(b, ra[0].start), ra[1]
    if ra is None or ra[0].start > rb[0].end:
        return None
    return DateRange(ra[0].start, rb[0].end), ra[1] or rb[1]


def _starting_by(e: _Expr, limit: date) -> DateRange:
    """``e`` in the latest year in which it starts on or before ``limit``."""
    return _first_fitting(e, lambda r: r.start <= limit, range(limit.year + 1, limit.year - 9, -1))


def _starting_from(e: _Expr, limit: date) -> DateRange:
    """``e`` in the earliest year in which it starts on or after ``limit``."""
    return _first_fitting(e, lambda r: r.start >= limit, range(limit.year - 1, limit.year + 9))


def _ending_from(e: _Expr, limit: date) -> DateRange:
    """``e`` in the earliest year in which it ends on or after ``limit``."""
    return _first_fitting(e, lambda r: r.end >= limit, range(limit.year - 1, limit.year + 9))


def _first_fitting(e: _Expr, fits: Callable[[DateRange], bool], years: range) -> DateRange:
    """``e`` in the first of ``years`` where it fits; years without it (February 29) are passed over."""
    assert e.in_year is not None
    for year in years:
        try:
            interval = e.in_year(year)
        except ValueError:
            continue
        if fits(interval):
            return interval
    raise ValueError(f"no year fits {e}")


# ---------------------------------------------------------------------------
# Building expressions from matches

_Build = Callable[[re.Match[str]], list[_Expr]]

def _is_last(word: str | None) -> bool:
    return bool(word) and word.lower().startswith(_shared().last_words)


def _calendar(m: re.Match[str], granularity: str, in_year: Callable[[int], DateRange],
              look_back: bool = True) -> _Expr:
    """A calendar expression with the year, relative year or "last ..." its match carries."""
    groups = m.groupdict()
    mod = groups.get("mod")
    e = _expr(m, granularity, look_back, in_year=in_year, mod="last" if _is_last(mod) else "this" if mod else "")
    if groups.get("y"):
        e.year = int(groups["y"])
    elif groups.get("ry") or groups.get("ty"):
        e.year_offset = _shared().year_offsets[(groups.get("ry") or groups["ty"]).lower()]
    return e


def _day_builder(month_of: Callable[[str], int]) -> _Build:
    def build(m: re.Match[str]) -> list[_Expr]:
        month, day = month_of(m["mon"]), int(m["d"])
        return [_calendar(m, "day", lambda y: _day(y, month, day))]
    return build


def _numeric_day(m: re.Match[str]) -> list[_Expr]:
    if m["iy"]:
        year, month, day = int(m["iy"]), int(m["im"]), int(m["id"])
    else:
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    e = _expr(m, "day", in_year=lambda y: _day(y, month, day))
    e.year = year
    return [e]


def _day_range_builder(month_of: Callable[[str], int]) -> _Build:
    """ "March 1-5", "between 1 and 5 March", "с 1 по 5 марта": one interval."""
    def build(m: re.Match[str]) -> list[_Expr]:
        first, last = int(m["d1"]), int(m["d2"])
        connector = m["conn"].strip().lower()
        pre = _preposition(m)[0]
        if first >= last or (connector in _shared().day_range_and and pre not in _shared().day_range_and_openers):
            return []
        month = month_of(m["mon"])
        e = _calendar(m, "period", lambda y: DateRange(date(y, month, first), date(y, month, last)))
        if pre in _shared().range_openers:
            e.pre = ""
        return [e]
    return build


def _day_list_builder(month_of: Callable[[str], int]) -> _Build:
    """ "8 and 9 November", "November 8 and 9", "8 и 9 ноября": two days."""
    def build(m: re.Match[str]) -> list[_Expr]:
        month, first, second = month_of(m["mon"]), int(m["d1"]), int(m["d2"])
        days = [_calendar(m, "day", lambda y: _day(y, month, first)),
                _calendar(m, "day", lambda y: _day(y, month, second), look_back=False)]
        days[0].end, days[1].start = m.end("d1"), m.start("d2")
        return days
    return build


def _month_builder(month_of: Callable[[str], int], is_abbreviation: Callable[[str], bool]) -> _Build:
    """A month alone is a date only in a temporal phrase: "in February", "February 2023", "last May"."""
    def build(m: re.Match[str]) -> list[_Expr]:
        groups = m.groupdict()
        has_year = bool(groups.get("y") or groups.get("ry"))
        after_dash = m.string[max(0, m.start() - 1):m.start()] in _DASHES
        if not (has_year or groups.get("mod") or after_dash or _preposition(m)[0]):
            return []
        if is_abbreviation(m["mon"]) and not has_year:
            return []
        month = month_of(m["mon"])
        return [_calendar(m, "month", lambda y: _month_part(y, month))]
    return build


def _part_words(m: re.Match[str]) -> str:
    return m.groupdict().get("p1") or m["p2"]


def _month_part_builder(month_of: Callable[[str], int], part_of: Callable[[str], str]) -> _Build:
    def build(m: re.Match[str]) -> list[_Expr]:
        month = month_of(m["mon"])
        first, last = _MONTH_PARTS[part_of(_part_words(m))]
        return [_calendar(m, "period", lambda y: _month_part(y, month, first, last))]
    return build


def _year_part_builder(part_of: Callable[[str], str]) -> _Build:
    def build(m: re.Match[str]) -> list[_Expr]:
        first, last = _YEAR_PARTS[part_of(_part_words(m))]
        return [_calendar(m, "period", lambda y: _months(y, first, last))]
    return build


def _season_builder(season_of: Callable[[str], str],
                    needs_context: Callable[[re.Match[str], str], bool]) -> _Build:
    def build(m: re.Match[str]) -> list[_Expr]:
        groups = m.groupdict()
        if not (groups.get("y") or groups.get("ry") or groups.get("mod")) and needs_context(m, _preposition(m)[0]):
            return []
        season = season_of(m["s"])
        e = _calendar(m, "season", lambda y: _season(season, y))
        if e.year is not None and groups.get("y2"):
            second = _second_year(e.year, groups["y2"])
            if second != e.year + 1:
                return []
            if season == "winter":  # "winter 2022-23" ends in 2023
                e.year = second
        return [e]
    return build


def _second_year(first: int, written: str | None) -> int | None:
    """The second year of "2022-23" or "2022-2023"; None unless it follows the first."""
    if not written:
        return first
    second = int(written) if len(written) == 4 else first // 100 * 100 + int(written)
    return second if second > first else None


def _year_builder(strong: frozenset[str]) -> _Build:
    """A four-digit number is a year after a preposition or with a year word, never as a count."""
    def build(m: re.Match[str]) -> list[_Expr]:
        groups = m.groupdict()
        pre = _preposition(m)[0]
        after = m.string[m.end():m.end() + 40]
        if _shared().counted.match(after) or _shared().number_range.match(after):
            return []
        if not groups.get("suf"):
            if not pre or (pre not in strong and _shared().noun_after.match(after)):
                return []
        first = int(m["y"])
        last = _second_year(first, groups.get("y2") or groups.get("y3"))
        if last is None:
            return []
        e = _expr(m, "year" if last == first else "period",
                  in_year=lambda y: DateRange(date(y, 1, 1), date(y + last - first, 12, 31)))
        e.year = first
        if last != first and pre in _shared().range_openers:
            e.pre = ""
        return [e]
    return build


def _relative(granularity: str, on_day: Callable[[date], DateRange]) -> _Build:
    return lambda m: [_expr(m, granularity, on_day=on_day)]


def _days_back_builder(days_back: dict[str, int]) -> _Build:
    """ "yesterday", "позавчера": a number of days before publication, by the word."""
    def build(m: re.Match[str]) -> list[_Expr]:
        back = days_back[" ".join(m["w"].lower().split())]
        return [_expr(m, "day", on_day=lambda d: _one_day(d - timedelta(days=back)))]
    return build


def _unit_back_builder(units_back: dict[str, int]) -> _Build:
    """ "last week", "this month", "в прошлом году": a calendar unit counted back from publication."""
    def build(m: re.Match[str]) -> list[_Expr]:
        back = units_back[m["w"].lower()]
        unit = _shared().unit_words[m["u"].lower()]
        on_day = {"week": lambda d: _week(d, back), "month": lambda d: _month_back(d, back),
                  "year": lambda d: _year_back(d, back)}[unit]
        return [_expr(m, unit, on_day=on_day)]
    return build


def _weekday_builder(weekday_of: Callable[[str], int]) -> _Build:
    def build(m: re.Match[str]) -> list[_Expr]:
        weekday, strict = weekday_of(m["wd"]), _is_last(m.groupdict().get("mod"))
        return [_expr(m, "day", on_day=lambda d: _one_day(_latest_weekday(d, weekday, strict)))]
    return build


def _night_before_weekday_builder(weekday_of: Callable[[str], int]) -> _Build:
    """ "в ночь на понедельник": Sunday evening or Monday's small hours."""
    def build(m: re.Match[str]) -> list[_Expr]:
        weekday = weekday_of(m["wd"])
        return [_expr(m, "day", on_day=lambda d: _with_eve(_latest_weekday(d, weekday, False)))]
    return build


def _night_before_day_builder(month_of: Callable[[str], int]) -> _Build:
    def build(m: re.Match[str]) -> list[_Expr]:
        month, day = month_of(m["mon"]), int(m["d"])
        return [_calendar(m, "day", lambda y: _with_eve(date(y, month, day)))]
    return build


def _one_day(d: date) -> DateRange:
    return DateRange(d, d)


def _with_eve(d: date) -> DateRange:
    return DateRange(d - timedelta(days=1), d)


def _count_unit_builder(number_of: Callable[[str | None], int], unit_of: Callable[[str], tuple[str, int]],
                        interval: Callable[[date, str, int], DateRange], granularity: str | None) -> _Build:
    """ "two days ago", "за последние 3 месяца": a number of units back from publication."""
    def build(m: re.Match[str]) -> list[_Expr]:
        unit, per = unit_of(m["u"])
        n = number_of(m["n"]) * per
        if not 0 < n <= 100:
            return []
        return [_expr(m, granularity or unit, on_day=lambda d: interval(d, unit, n))]
    return build


def _anchor_builder(anchor: str, start: date, end_of: Callable[[re.Match[str]], date | None]) -> _Build:
    """An event-anchored interval; end None means "since": to the publication date."""
    def build(m: re.Match[str]) -> list[_Expr]:
        end = end_of(m)
        e = _expr(m, "period", look_back=False, fixed=DateRange(start, end or start), anchor=anchor)
        e.open_end = end is None
        return [e]
    return build


def _war_elapsed_builder(number_of: Callable[[str], int], unit_of: Callable[[str], tuple[str, int]]) -> _Build:
    """ "after five days of hostilities", "через месяц войны": a time counted from the start
    of the war; the interval is the unit that follows that point."""
    def build(m: re.Match[str]) -> list[_Expr]:
        unit, per = unit_of(m["u"])
        n = number_of(m["n"]) * per
        if not 0 < n <= 60:
            return []
        step = {"day": relativedelta(days=1), "week": relativedelta(weeks=1), "month": relativedelta(months=1)}[unit]
        start = WAR_START + step * n
        e = _expr(m, "period", look_back=False, fixed=DateRange(start, start + step - relativedelta(days=1) if unit != "day" else start + relativedelta(days=2)), anchor="war_start")
        return [e]
    return build


# ---------------------------------------------------------------------------
# A language's words and patterns, from its package's dates.toml

_NUMBER_END = r"(?!\d|[.,:]\d)"


def _day_group(name: str = "d") -> str:
    return rf"(?<!\d)(?P<{name}>3[01]|[12]\d|0?[1-9])"


def _year_group(name: str = "y") -> str:
    return rf"(?<![\d.,$€£₽])(?P<{name}>(?:19|20)\d\d)(?!\d)"


_PLACEHOLDER = re.compile(r"\{([a-z_]\w*)(?::(\w+))?\}")


def _expand(pattern: str, fragments: dict[str, str], depth: int = 0) -> str:
    """A pattern with its {name} placeholders replaced: the language's fragments, {day}, {year}."""
    if depth > 10:
        raise ValueError(f"dates.toml: patterns refer to each other in a loop: {pattern!r}")

    def fill(m: re.Match[str]) -> str:
        name, group = m.group(1), m.group(2)
        if name == "day":
            return _day_group(group or "d")
        if name == "year":
            return _year_group(group or "y")
        if name == "number_end":
            return _NUMBER_END
        if name not in fragments:
            raise ValueError(f"dates.toml: unknown pattern {{{name}}} in {pattern!r}")
        return _expand(fragments[name], fragments, depth + 1)

    return _PLACEHOLDER.sub(fill, pattern)


class _DateWords:
    """The words of one language for dates, from its ``dates.toml``: what a matched word means."""

    def __init__(self, lang: str, words: dict) -> None:
        self.lang = lang
        self.month_stems = dict(words.get("month_stems", {}))
        self.full_month_names = set(words.get("full_month_names", ()))
        self.weekday_stems = list(words.get("weekday_stems", ()))
        self.numbers = dict(words.get("numbers", {}))
        self.units = [(u["stem"], u["unit"], u["per"]) for u in words.get("units", ())]
        self.part_names = dict(words.get("part_names", {}))
        self.part_stems = [tuple(pair) for pair in words.get("part_stems", ())]
        self.season_stems = dict(words.get("season_stems", {}))
        self.season_prepositions = set(words.get("season_prepositions", ()))
        self.season_needs_article = set(words.get("season_needs_article", ()))
        self.season_self_endings = tuple(words.get("season_self_endings", ()))
        self.days_back = dict(words.get("days_back", {}))
        self.units_back = dict(words.get("units_back", {}))
        self.strong_year_prepositions = frozenset(words.get("strong_year_prepositions", ()))

    def month_of(self, word: str) -> int:
        low = word.lower()
        return next(n for stem, n in self.month_stems.items() if low.startswith(stem))

    def is_abbreviation(self, word: str) -> bool:
        """A month not written in full ("Sept."): a date only with a year."""
        return bool(self.full_month_names) and word not in self.full_month_names

    def weekday_of(self, word: str) -> int:
        low = word.lower()
        return next(n for n, stem in enumerate(self.weekday_stems) if low.startswith(stem))

    def number_of(self, word: str | None) -> int:
        if word is None:
            return 1
        return int(word) if word.isdigit() else self.numbers[word.lower()]

    def unit_of(self, word: str) -> tuple[str, int]:
        low = word.lower()
        return next((unit, per) for stem, unit, per in self.units if low.startswith(stem))

    def part_of(self, words: str) -> str:
        """The name of a part of a month or year ("first half", "beginning") its words say."""
        key = " ".join(words.lower().split())
        if key in self.part_names:
            return self.part_names[key]
        first, *rest = key.split()
        for pattern, name in self.part_stems:
            head, _, tail = pattern.partition("* ")
            if first.startswith(head.rstrip("*")) and (not tail or (rest and rest[0].startswith(tail))):
                return name
        raise ValueError(f"unknown part of a period: {words!r}")

    def season_of(self, word: str) -> str:
        low = word.lower()
        return next(name for stem, name in self.season_stems.items() if low.startswith(stem))

    def season_needs_context(self, m: re.Match[str], pre: str) -> bool:
        """ "осенью" is a time by itself; "in the fall", "in spring" after a preposition; "to fall",
        "the winter uniforms", "the fall of Bakhmut", "осени" alone are not."""
        season = m["s"].lower()
        if self.season_self_endings and season.endswith(self.season_self_endings):
            return False
        if not pre or (self.season_prepositions and pre not in self.season_prepositions):
            return True
        return season in self.season_needs_article and not m.groupdict().get("the")


# How a rule's match becomes expressions, by the builder name a rule of dates.toml gives.
_BUILDERS: dict[str, Callable[[_DateWords], _Build]] = {
    "day": lambda w: _day_builder(w.month_of),
    "numeric_day": lambda w: _numeric_day,
    "day_range": lambda w: _day_range_builder(w.month_of),
    "day_list": lambda w: _day_list_builder(w.month_of),
    "night_before_day": lambda w: _night_before_day_builder(w.month_of),
    "night_before_weekday": lambda w: _night_before_weekday_builder(w.weekday_of),
    "month": lambda w: _month_builder(w.month_of, w.is_abbreviation),
    "month_part": lambda w: _month_part_builder(w.month_of, w.part_of),
    "year_part": lambda w: _year_part_builder(w.part_of),
    "season": lambda w: _season_builder(w.season_of, w.season_needs_context),
    "year": lambda w: _year_builder(w.strong_year_prepositions),
    "weekday": lambda w: _weekday_builder(w.weekday_of),
    "days_back": lambda w: _days_back_builder(w.days_back),
    "today": lambda w: _relative("day", _one_day),
    "last_night": lambda w: _relative("day", _with_eve),
    "weekend": lambda w: _relative("week", _weekend),
    "units_back": lambda w: _unit_back_builder(w.units_back),
    "ago": lambda w: _count_unit_builder(w.number_of, w.unit_of, _ago, None),
    "past": lambda w: _count_unit_builder(w.number_of, w.unit_of, _past, "period"),
    "war_elapsed": lambda w: _war_elapsed_builder(w.number_of, w.unit_of),
    "war_start": lambda w: _anchor_builder("war_start", WAR_START, _war_beginning_end),
    "since_war": lambda w: _anchor_builder("war_start", WAR_START, lambda m: None),
    "since_mobilization": lambda w: _anchor_builder("mobilization", MOBILIZATION_START, lambda m: None),
    "during_mobilization": lambda w: _anchor_builder("mobilization", MOBILIZATION_START, lambda m: _MOBILIZATION_END),
    "mobilization_start": lambda w: _anchor_builder("mobilization", MOBILIZATION_START, _mobilization_beginning_end),
}
_FLAGS = {"": 0, "i": re.IGNORECASE}


@cache
def _rules(lang: str) -> list[tuple[re.Pattern[str], _Build, tuple[str, ...]]] | None:
    """A language's compiled rules: (pattern, builder, needles), in the order of its dates.toml."""
    data = language_data(lang, "dates")
    if data is None:
        return None
    words = _DateWords(lang, data["words"])
    fragments = data.get("patterns", {})
    rules = []
    for rule in data["rules"]:
        if rule["build"] not in _BUILDERS:
            raise ValueError(f"{lang}/dates.toml: unknown build {rule['build']!r} (one of {', '.join(_BUILDERS)})")
        pattern = re.compile(_expand(rule["pattern"], fragments), _FLAGS[rule.get("flags", "")])
        rules.append((pattern, _BUILDERS[rule["build"]](words), tuple(rule.get("needles", ()))))
    return rules


class _Connectors:
    """Words that join or open date expressions, of every language with a dates.toml: the
    resolution reads them in every text, as a text may quote another language."""

    def __init__(self, tables: list[dict]) -> None:
        def union(key: str) -> set[str]:
            return {word for table in tables for word in table.get(key, ())}

        self.range_openers = union("range_openers")
        self.range_closers = union("range_closers")
        self.between = {(opener, closer) for table in tables for opener, closer in table.get("between", {}).items()}
        self.list_links = union("list_links")
        self.opening = union("opening")
        self.before = union("before")
        self.day_range_and = union("day_range_and")
        self.day_range_and_openers = union("day_range_and_openers")
        self.last_words = tuple(word for table in tables for word in table.get("last_words", ()))
        self.year_offsets = {k: v for table in tables for k, v in table.get("year_offsets", {}).items()}
        self.unit_words = {k: v for table in tables for k, v in table.get("unit_words", {}).items()}
        self.war_months = tuple(word for table in tables for word in table.get("war_months", ()))
        self.mobilization_first_weeks = tuple(
            word for table in tables for word in table.get("mobilization_first_weeks", ())
        )

        def alternation(key: str) -> str:
            return "|".join(item for table in tables for item in table.get(key, ()))

        prepositions = "|".join(table["preposition"] for table in tables if "preposition" in table)
        self.preposition_before = re.compile(rf"(?<!\w)(?:{prepositions})\s+\Z")
        # A number right after a "year" that makes it a count: "in 2000 rubles", "в 2000 человек".
        self.counted = re.compile(rf"\s*(?:{alternation('counted')})", re.IGNORECASE)
        self.number_range = re.compile(
            rf"\s*(?:[-–—]\s*|\s(?:{alternation('number_range_words')})\s+)\d", re.IGNORECASE
        )
        letters = "".join(table.get("letters", "") for table in tables)
        capitals = "".join(table.get("capitals", "") for table in tables)
        self.noun_after = re.compile(rf"\s+(?!(?:{alternation('not_nouns')})\b)[{letters}]")
        self.sentence_end = re.compile(rf"[.!?…]+[\"»”)]*\s+(?=[\"«“(]*[{capitals}])|\n")


@cache
def _shared() -> _Connectors:
    return _Connectors([language_data(lang, "dates").get("connectors", {}) for lang in languages_with("dates")])


def _war_beginning_end(m: re.Match[str]) -> date:
    h = (m["h"] or "").lower()
    return _WAR_FIRST_MONTHS_END if any(word in h for word in _shared().war_months) else _WAR_BEGINNING_END


def _mobilization_beginning_end(m: re.Match[str]) -> date:
    first_weeks = (m["h"] or "").lower().startswith(_shared().mobilization_first_weeks)
    return _MOBILIZATION_END if first_weeks else _MOBILIZATION_BEGINNING_END
