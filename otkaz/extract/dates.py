"""Temporal expressions in English and Russian news text, resolved to date intervals.

``find_dates(text, lang, published)`` finds expressions with compiled patterns
and resolves each to a ``DateRange`` that surely holds what it names, as narrow
as the words allow.  The extractor decides which one belongs to which incident.

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

from dateutil.relativedelta import relativedelta

from ..model import DateRange

WAR_START = date(2022, 2, 24)
MOBILIZATION_START = date(2022, 9, 21)
LANGUAGES = ("en", "ru")

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
    rules = _RULES.get(lang)
    if rules is None:
        raise ValueError(f"find_dates: unsupported language {lang!r} (expected one of {', '.join(LANGUAGES)})")
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
    found = _PREPOSITION_BEFORE.search(m.string, max(0, m.start() - 25), m.start())
    if found is None:
        return "", m.start()
    return " ".join(found.group().lower().split()), found.start()


class _Context:
    """What resolution needs besides the expression: the publication date, the story's dates."""

    _SENTENCE_END = re.compile(r"[.!?…]+[\"»”)]*\s+(?=[\"«“(]*[A-ZА-ЯЁ])|\n")

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
            self._sentence_ends = list(self._SENTENCE_END.finditer(self.text))
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


_RANGE_OPENERS = {"from", "between", "с", "со", "начиная с", "между"}
_RANGE_CLOSERS = {"to", "until", "till", "through", "по", "до"}
_DASHES = {"-", "–", "—"}
_LIST_LINKS = {",", "and", "or", ", and", "и", "или", ", и"}
_OPENING = {"since", "ever since", "from", "after", "following", "starting", "starting in",
            "starting on", "starting from", "beginning in", "с", "со", "начиная с", "после"}
_BEFORE = {"before", "prior to", "перед"}


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
                pre = "" if a.pre in _RANGE_OPENERS else a.pre
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
                and ((link in _LIST_LINKS and b.pre == "") or (link == "" and b.pre in _LIST_LINKS))):
            linked[i] = replace(a, year_from=b)
    return linked


def _is_range(first_pre: str, closer: str) -> bool:
    if closer in _DASHES:
        return True
    if closer in _RANGE_CLOSERS:
        return first_pre in _RANGE_OPENERS or first_pre == ""
    return (first_pre, closer) in {("between", "and"), ("между", "и")}


def _apply_prepositions(exprs: list[_Expr]) -> list[_Expr]:
    """"since X" runs to the publication date; "before X" bounds no start and is dropped."""
    out = []
    for e in exprs:
        if e.pre in _BEFORE:
            continue
        out.append(replace(e, open_end=True) if e.pre in _OPENING else e)
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

_YEAR_OFFSETS = {
    "last": -1, "this": 0, "the": 0,
    "прошлого": -1, "минувшего": -1, "прошедшего": -1, "позапрошлого": -2,
    "этого": 0, "текущего": 0, "нынешнего": 0, "года": 0,
}
_LAST_WORDS = ("last", "past", "прошл", "минувш", "прошедш")


def _is_last(word: str | None) -> bool:
    return bool(word) and word.lower().startswith(_LAST_WORDS)


def _calendar(m: re.Match[str], granularity: str, in_year: Callable[[int], DateRange],
              look_back: bool = True) -> _Expr:
    """A calendar expression with the year, relative year or "last ..." its match carries."""
    groups = m.groupdict()
    mod = groups.get("mod")
    e = _expr(m, granularity, look_back, in_year=in_year, mod="last" if _is_last(mod) else "this" if mod else "")
    if groups.get("y"):
        e.year = int(groups["y"])
    elif groups.get("ry") or groups.get("ty"):
        e.year_offset = _YEAR_OFFSETS[(groups.get("ry") or groups["ty"]).lower()]
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
        if first >= last or (connector in ("and", "по", "до") and pre not in ("between", "с", "со")):
            return []
        month = month_of(m["mon"])
        e = _calendar(m, "period", lambda y: DateRange(date(y, month, first), date(y, month, last)))
        if pre in _RANGE_OPENERS:
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


# A number right after a "year" that makes it a count: "in 2000 rubles", "в 2000 человек".
_COUNTED = re.compile(
    r"\s*(?:%|per\s*cent|percent|rub|roubl|dollar|euro|hryvn|km\b|kilomet|miles?\b|tons?\b|thousand|"
    r"million|billion|руб|долл|евро|гривн|км\b|километр|тонн|человек|тыс|млн|млрд)", re.IGNORECASE)
_NUMBER_RANGE = re.compile(r"\s*(?:[-–—]\s*|\s(?:to|and|or|through|до|по|и|или)\s+)\d", re.IGNORECASE)
_NOUN_AFTER = re.compile(
    r"\s+(?!(?:onwards?|on|when|as|until|till|and|or|but|he|she|they|we|it|i|the|a|an|there|his|her|"
    r"their|was|were|is|had|has|have|в|и|а|но|он|она|они|когда|до|по)\b)[a-zа-яё]")


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
        if _COUNTED.match(after) or _NUMBER_RANGE.match(after):
            return []
        if not groups.get("suf"):
            if not pre or (pre not in strong and _NOUN_AFTER.match(after)):
                return []
        first = int(m["y"])
        last = _second_year(first, groups.get("y2") or groups.get("y3"))
        if last is None:
            return []
        e = _expr(m, "year" if last == first else "period",
                  in_year=lambda y: DateRange(date(y, 1, 1), date(y + last - first, 12, 31)))
        e.year = first
        if last != first and pre in _RANGE_OPENERS:
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
        unit = _UNIT_WORDS[m["u"].lower()]
        on_day = {"week": lambda d: _week(d, back), "month": lambda d: _month_back(d, back),
                  "year": lambda d: _year_back(d, back)}[unit]
        return [_expr(m, unit, on_day=on_day)]
    return build


_UNIT_WORDS = {"week": "week", "month": "month", "year": "year", "неделе": "week", "недели": "week",
               "месяце": "month", "месяца": "month", "году": "year", "года": "year"}


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
# English

_EN_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December")
_EN_MONTH_INDEX = {name[:3].lower(): i for i, name in enumerate(_EN_MONTH_NAMES, 1)}
_EN_MONTH = (rf"(?:{'|'.join(_EN_MONTH_NAMES)}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)(?![a-z])")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_WEEKDAY = rf"(?:{'|'.join(_EN_WEEKDAYS)})(?!\w)"
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
               "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_EN_NUMBER = rf"(?:\d{{1,3}}|(?i:{'|'.join(_EN_NUMBERS)}))"
_EN_PRE = (r"(?i:ever\s+since|since|from|between|in|on|at|to|until|till|through|by|during|throughout|of|"
           r"before|after|following|prior\s+to|as\s+of|starting(?:\s+(?:in|on|from))?|beginning\s+in|and|or)")
_EN_STRONG_YEAR_PRE = frozenset({
    "in", "since", "ever since", "during", "throughout", "until", "till", "before", "after", "by",
    "following", "prior to", "as of", "starting", "starting in", "starting from", "beginning in"})
_ORDINAL = r"(?:st|nd|rd|th)?"
_NUMBER_END = r"(?!\d|[.,:]\d)"


def _day_group(name: str = "d") -> str:
    return rf"(?<!\d)(?P<{name}>3[01]|[12]\d|0?[1-9])"


def _year_group(name: str = "y") -> str:
    return rf"(?<![\d.,$€£₽])(?P<{name}>(?:19|20)\d\d)(?!\d)"


_EN_YEAR_REF = rf"(?:{_year_group()}|(?P<ry>(?i:last|this))\s+(?i:year)(?!\w))"
_EN_LAST_THIS = r"(?:(?P<mod>(?i:last|this|past))\s+)"
_EN_MONTH_PARTS = r"(?i:beginning|start|middle|end|first\s+half|second\s+half|first\s+days|last\s+days|first\s+week|last\s+week)"
_EN_YEAR_PARTS = r"(?i:beginning|start|middle|end|first\s+half|second\s+half|(?:first|second|third|fourth|last)\s+quarter)"


def _en_month(word: str) -> int:
    return _EN_MONTH_INDEX[word[:3].lower()]


def _en_weekday(word: str) -> int:
    return [w[:3] for w in _EN_WEEKDAYS].index(word[:3])


def _en_part(words: str) -> str:
    return " ".join(words.lower().split())


def _en_season(word: str) -> str:
    word = word.lower()
    return "autumn" if word == "fall" else word


_EN_SEASON_PREPOSITIONS = {"in", "during", "since", "by", "until", "till", "through", "throughout", "from",
                           "after", "before"}


def _en_season_needs_context(m: re.Match[str], pre: str) -> bool:
    """ "in the fall", "in spring" are seasons; "to fall", "the winter uniforms", "the fall of Bakhmut" are not."""
    return pre not in _EN_SEASON_PREPOSITIONS or (m["s"].lower() == "fall" and not m["the"])


def _en_unit(word: str) -> tuple[str, int]:
    return word.lower().rstrip("s"), 1


def _en_number(word: str | None) -> int:
    if word is None:
        return 1
    return int(word) if word.isdigit() else _EN_NUMBERS[word.lower()]


_EN_RELATIVE_DAYS = {"the day before yesterday": 2, "yesterday": 1}
_EN_WAR = (r"(?:(?:russia['’]s|moscow['’]s|the|a)\s+)?(?:full[-\s]scale\s+)?"
           r"(?:war|invasion|(?:special\s+)?military\s+operation|special\s+operation)"
           r"(?:\s+(?:in|on|of|against)\s+ukraine)?(?!\s+in\s+(?!ukraine))")
_EN_WAR_BEGAN = r"(?:began|started|broke\s+out)"
_EN_INVADED = r"russia\s+(?:invaded|attacked)\s+ukraine"
_EN_STARTED_OF = r"the\s+(?:very\s+)?(?:beginning|start|outset|onset|outbreak)\s+of"
_EN_MOBILIZATION = (r"(?:(?:the|a|russia['’]s|putin['’]s)\s+)?(?:partial\s+)?mobili[sz]ation"
                    r"(?!\s+(?:offices?|cent(?:er|re)s?|notices?|summons|points?|orders?|laws?|papers|age|"
                    r"reserves?|plans?|lists?|stations?)\b)")
_EN_ANNOUNCED = r"(?:[\w.]+\s+){1,3}?(?:announced|declared|ordered|launched)"


def _war_beginning_end(m: re.Match[str]) -> date:
    return _WAR_FIRST_MONTHS_END if "month" in (m["h"] or "").lower() else _WAR_BEGINNING_END


def _mobilization_beginning_end(m: re.Match[str]) -> date:
    return _MOBILIZATION_END if (m["h"] or "").lower().startswith(("first week", "недел")) else _MOBILIZATION_BEGINNING_END


_EN_RULES: list[tuple[str, int, _Build, tuple[str, ...]]] = [
    # Days: "Sunday, Nov. 8, 2022", "the 8th of November", "08.11.2022", "2022-11-08".
    (rf"(?=[JFMASONDTW])(?<!\w)(?:(?:{_EN_WEEKDAY}),?\s+)?(?P<mon>{_EN_MONTH})\s*{_day_group()}{_ORDINAL}"
     rf"{_NUMBER_END}(?:(?:,\s*|\s+)(?:(?i:of)\s+)?{_EN_YEAR_REF})?", 0, _day_builder(_en_month), ()),
    (rf"(?=[\dtTMWFS])(?<!\w)(?:(?:{_EN_WEEKDAY}),?\s+)?(?:(?i:the)\s+)?{_day_group()}{_ORDINAL}\s+"
     rf"(?:(?i:of)\s+)?(?P<mon>{_EN_MONTH})(?:,?\s+{_EN_YEAR_REF})?", 0, _day_builder(_en_month), ()),
    (rf"(?=\d)(?<![\w.])(?:{_day_group()}\.(?P<m>0?[1-9]|1[0-2])\.(?P<y>(?:19|20)\d\d)|(?P<iy>(?:19|20)\d\d)-"
     rf"(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12]\d|3[01]))(?![\d.]\d)", 0, _numeric_day, ()),
    # Ranges and lists of days in one month: "March 1-5", "between 1 and 5 March", "November 8 and 9".
    (rf"(?=[JFMASOND])(?<!\w)(?P<mon>{_EN_MONTH})\s*{_day_group('d1')}{_ORDINAL}"
     rf"(?P<conn>[-–—]|\s+(?i:to|through|until|till|and)\s+){_day_group('d2')}{_ORDINAL}{_NUMBER_END}"
     rf"(?:,?\s+{_year_group()})?", 0, _day_range_builder(_en_month), ()),
    (rf"(?=[\dtT])(?<!\w)(?:(?i:the)\s+)?{_day_group('d1')}{_ORDINAL}"
     rf"(?P<conn>[-–—]|\s+(?i:to|through|until|till|and)\s+)(?:(?i:the)\s+)?{_day_group('d2')}{_ORDINAL}\s+"
     rf"(?:(?i:of)\s+)?(?P<mon>{_EN_MONTH})(?:,?\s+{_year_group()})?", 0, _day_range_builder(_en_month), ()),
    (rf"(?=[JFMASOND])(?<!\w)(?P<mon>{_EN_MONTH})\s*{_day_group('d1')}{_ORDINAL}\s+(?i:and|or)\s+"
     rf"{_day_group('d2')}{_ORDINAL}{_NUMBER_END}(?:,?\s+{_year_group()})?", 0, _day_list_builder(_en_month), ()),
    (rf"(?=\d)(?<!\w){_day_group('d1')}{_ORDINAL}\s+(?i:and|or)\s+{_day_group('d2')}{_ORDINAL}\s+"
     rf"(?:(?i:of)\s+)?(?P<mon>{_EN_MONTH})(?:,?\s+{_year_group()})?", 0, _day_list_builder(_en_month), ()),
    # Months and their parts: "in February", "last September", "in Sept. 2022", "in mid-February".
    (rf"(?=[JFMASONDlLtTpP])(?<!\w){_EN_LAST_THIS}?(?P<mon>{_EN_MONTH})(?:,?\s+(?:(?i:of)\s+)?{_EN_YEAR_REF})?", 0,
     _month_builder(_en_month, lambda word: word not in _EN_MONTH_NAMES), ()),
    (rf"(?=[eEmMlLtTvVbBsSfF])(?<!\w)(?:(?P<p1>(?i:early|mid|late))[-\s]+|(?:(?i:the)\s+)?(?:(?i:very)\s+)?"
     rf"(?P<p2>{_EN_MONTH_PARTS})\s+(?i:of)\s+)(?P<mon>{_EN_MONTH})(?:,?\s+(?:(?i:of)\s+)?{_EN_YEAR_REF})?", 0,
     _month_part_builder(_en_month, _en_part), ()),
    (rf"(?=[eEmMlLtTvVbBsSfF])(?<!\w)(?:(?P<p1>(?i:early|mid|late))[-\s]+|(?:(?i:the)\s+)?(?:(?i:very)\s+)?"
     rf"(?P<p2>{_EN_YEAR_PARTS})\s+(?i:of)\s+)(?:{_year_group()}|(?P<ry>(?i:last|this|the))\s+(?i:year))(?!\w)", 0,
     _year_part_builder(_en_part), ()),
    # Seasons: "this fall", "in the autumn of 2022", "last summer", "winter 2022-23".
    (rf"(?=[lLtTpPeEmMsSfFaAwW])(?<!\w){_EN_LAST_THIS}?(?P<the>(?i:the)\s+)?(?:(?i:early|late|mid)[-\s]+)?"
     rf"(?P<s>(?i:spring|summer|fall|autumn|winter))(?:\s+(?:(?i:of)\s+)?(?:{_year_group()}"
     rf"(?:\s*[-–—/]\s*(?P<y2>(?:19|20)?\d\d)(?!\d))?|(?P<ry>(?i:last|this))\s+(?i:year)))?(?!\s+of\b)(?!\w)", 0,
     _season_builder(_en_season, _en_season_needs_context), ("spring", "summer", "fall", "autumn", "winter")),
    # Years: "in 2022", "since 2022", "2022 year", "in 2022-2023".
    (rf"(?=[12])(?<!\w){_year_group()}(?:\s*[-–—/]\s*(?P<y2>(?:19|20)?\d\d)(?!\d)|\s+(?i:to|and|through)\s+"
     rf"(?P<y3>(?:19|20)\d\d)(?!\d))?(?P<suf>\s+(?i:year)(?![\w-]))?(?![\w-])", 0,
     _year_builder(_EN_STRONG_YEAR_PRE), ()),
    # Weekdays: "on Sunday", "Late Sunday night", "last Friday".
    (rf"(?=[lLtTpPeEMWFS])(?<!\w)(?<!next )(?<!Next )(?<!coming ){_EN_LAST_THIS}?(?:(?i:early|late)\s+)?"
     rf"(?<!Bloody )(?<!Black )(?<!Good )(?<!Cyber )(?<!Easter )(?<!Palm )(?P<wd>{_EN_WEEKDAY})"
     rf"(?!\s+(?:Times|Telegraph|Mirror|Express|Post|Herald)\b)", 0, _weekday_builder(_en_weekday), ("day",)),
    # Relative to the publication day.
    (r"(?=[ty])(?<!\w)(?<!Russia )(?<!USA )(?P<w>the\s+day\s+before\s+yesterday|yesterday)(?!\w)", re.I,
     _days_back_builder(_EN_RELATIVE_DAYS), ("yesterday",)),
    (r"(?=[te])(?<!\w)(?<!Russia )(?<!USA )(?:today|tonight|this\s+(?:morning|afternoon|evening)|earlier\s+today)"
     r"(?!\w)", re.I, _relative("day", _one_day), ("today", "tonight", "this ")),
    (r"(?=[lo])(?<!\w)(?:last\s+night|overnight)(?!\w)", re.I, _relative("day", _with_eve), ("night",)),
    (r"(?=[elt])(?<!\w)(?<!the\s)(?:earlier\s+)?(?P<w>last|this)\s+(?P<u>week|month|year)(?!\w)", re.I,
     _unit_back_builder({"last": 1, "this": 0}), ("last", "this")),
    (rf"(?<!\w)(?P<n>{_EN_NUMBER})\s+(?P<u>(?i:days?|weeks?|months?|years?))\s+(?i:ago)(?!\w)", 0,
     _count_unit_builder(_en_number, _en_unit, _ago, None), ("ago",)),
    (rf"(?=[iodwf])(?<!\w)(?i:(?:in|over|during|within|for)\s+the\s+(?:past|last|previous)\s+)"
     rf"(?:(?P<n>{_EN_NUMBER})\s+)?(?P<u>(?i:days?|weeks?|months?|years?))(?!\w)", re.I,
     _count_unit_builder(_en_number, _en_unit, _past, "period"), ("past", "last", "previous")),
    (r"(?=[odaltw])(?<!\w)(?:(?:over|during|at|on)\s+the\s+weekend|(?:last|this(?:\s+past)?|the\s+past)\s+weekend)"
     r"(?!\w)", re.I, _relative("week", _weekend), ("weekend",)),
    # The war and the mobilization.
    (rf"(?<!\w)(?i:after|within)\s+(?:(?P<n>{_EN_NUMBER})\s+)?(?P<u>(?i:days?|weeks?|months?))\s+of\s+"
     rf"(?i:(?:the\s+)?(?:war|invasion|hostilities|full[-\s]scale\s+war))(?!\w)", 0,
     _war_elapsed_builder(_en_number, _en_unit), ("war", "invasion", "hostilities")),
    (rf"(?=[aidew])(?<!\w)(?:(?:at|in|during)\s+the\s+(?:very\s+)?(?P<h>beginning|start|outset|onset|first\s+"
     rf"(?:days?|weeks?|months?)|early\s+(?:days|weeks|months|stages?)|opening\s+(?:days|weeks|months))\s+of\s+"
     rf"{_EN_WAR}|early\s+in\s+{_EN_WAR}|when\s+(?:{_EN_INVADED}|{_EN_WAR}\s+{_EN_WAR_BEGAN}))(?!\w)", re.I,
     _anchor_builder("war_start", WAR_START, _war_beginning_end), ("war", "invasion", "operation", "invaded")),
    (rf"(?=[esfa])(?<!\w)(?:(?:ever\s+since|since)\s+(?:{_EN_STARTED_OF}\s+)?{_EN_WAR}(?:\s+{_EN_WAR_BEGAN})?|"
     rf"(?:from|after|following)\s+(?:{_EN_STARTED_OF}\s+{_EN_WAR}|{_EN_WAR}\s+{_EN_WAR_BEGAN})|"
     rf"(?:ever\s+since|since|after|following)\s+(?:{_EN_INVADED}|russia\s+(?:launched|began|started)\s+"
     rf"(?:its|the|a)\s+(?:full[-\s]scale\s+)?(?:invasion|war)))(?!\w)", re.I,
     _anchor_builder("war_start", WAR_START, lambda m: None), ("war", "invasion", "operation", "invaded")),
    (rf"(?=[esaf])(?<!\w)(?:ever\s+since|since|after|following)\s+(?:(?:the\s+)?(?:announcement|declaration|start|"
     rf"beginning|launch)\s+of\s+{_EN_MOBILIZATION}|{_EN_MOBILIZATION}(?:\s+(?:was|had\s+been)\s+(?:announced|"
     rf"declared|launched))?|{_EN_ANNOUNCED}\s+{_EN_MOBILIZATION})(?!\w)", re.I,
     _anchor_builder("mobilization", MOBILIZATION_START, lambda m: None), ("mobili",)),
    (rf"(?=[dati])(?<!\w)(?:during|amid|amidst|throughout|in\s+the\s+course\s+of)\s+{_EN_MOBILIZATION}(?!\w)", re.I,
     _anchor_builder("mobilization", MOBILIZATION_START, lambda m: _MOBILIZATION_END), ("mobili",)),
    (rf"(?=[aiw])(?<!\w)(?:(?:at|in)\s+the\s+(?:very\s+)?(?P<h>beginning|start|outset|first\s+days?|first\s+weeks?|"
     rf"early\s+days)\s+of\s+{_EN_MOBILIZATION}|when\s+{_EN_MOBILIZATION}\s+(?:was\s+(?:announced|declared)|began|"
     rf"started)|when\s+{_EN_ANNOUNCED}\s+{_EN_MOBILIZATION})(?!\w)", re.I,
     _anchor_builder("mobilization", MOBILIZATION_START, _mobilization_beginning_end), ("mobili",)),
]


# ---------------------------------------------------------------------------
# Russian

_RU_MONTH_INDEX = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "мае": 5, "маю": 5, "июн": 6,
                   "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12}
_RU_MONTH = (r"(?:январ[ьяею]|феврал[ьяею]|март[аеу]?|апрел[ьяею]|ма[йяею]|июн[ьяею]|июл[ьяею]|август[аеу]?|"
             r"сентябр[ьяею]|октябр[ьяею]|ноябр[ьяею]|декабр[ьяею])(?!\w)")
_RU_MONTH_GENITIVE = (r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
                      r"(?!\w)")
_RU_WEEKDAY_STEMS = ("пон", "вто", "сре", "чет", "пят", "суб", "вос")
_RU_WEEKDAY_ACCUSATIVE = r"(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)(?!\w)"
_RU_WEEKDAY_GENITIVE = r"(?:понедельника|вторника|среды|четверга|пятницы|субботы|воскресенья)(?!\w)"
_RU_WEEKDAY_ANY = r"(?:понедельник\w*|вторник\w*|сред[аыуе]|четверг\w*|пятниц\w+|суббот\w+|воскресень\w+)"
_RU_NUMBERS = {"один": 1, "одну": 1, "одна": 1, "пару": 2, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
               "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
               "двенадцать": 12}
_RU_NUMBER = rf"(?:\d{{1,3}}|{'|'.join(_RU_NUMBERS)})"
_RU_UNIT = r"(?:дн(?:я|ей)|день|сутки|суток|недел[юиь]|месяц(?:а|ев)?|год(?:а)?|лет|полгода)"
_RU_PRE = r"(?:начиная\s+с|с|со|в|во|до|по|к|ко|после|перед|между|и|или|от)"
_RU_STRONG_YEAR_PRE = frozenset({"в", "во", "с", "со", "до", "после", "к", "ко", "начиная с", "перед"})
_RU_YEAR_WORD = r"(?:\s*(?:года|году|год|г\.|-?го)(?!\w))"
_RU_YEAR_REF = (rf"(?:{_year_group()}{_RU_YEAR_WORD}?|(?P<ry>прошлого|этого|текущего|нынешнего|минувшего|"
                rf"прошедшего|позапрошлого)\s+года)")
_RU_PARTS = (r"(?:сам(?:ом|ого|ый|ое)\s+)?(?P<p1>начал[еоау]|середин[еыу]|конц[еау]|перв(?:ой|ую)\s+половин[еыу]|"
             r"втор(?:ой|ую)\s+половин[еыу]|первых\s+числах|последних\s+числах|(?:перв|втор)(?:ой|ую)\s+декад[еыу]|"
             r"треть(?:ей|ю)\s+декад[еыу]|перв(?:ой|ую)\s+недел[еиюя]|последн(?:ей|юю)\s+недел[еиюя]|"
             r"(?:перв|втор)(?:ом|ый|ого|ой)\s+квартал[еа]?|треть(?:ем|ий|его)\s+квартал[еа]?|"
             r"четв[её]рт(?:ом|ый|ого)\s+квартал[еа]?)")
_RU_PART_NAMES = (
    ("начал", "beginning"), ("середин", "middle"), ("конц", "end"), ("первых", "first days"),
    ("последних", "last days"), ("перв* половин", "first half"), ("втор* половин", "second half"),
    ("перв* декад", "first decade"), ("втор* декад", "second decade"), ("трет* декад", "third decade"),
    ("перв* недел", "first week"), ("последн* недел", "last week"), ("перв* квартал", "first quarter"),
    ("втор* квартал", "second quarter"), ("трет* квартал", "third quarter"), ("четв* квартал", "fourth quarter"),
)
_RU_DAYS_BACK = {"позавчера": 2, "вчера": 1, "сегодня": 0}
_RU_THIS_OR_LAST = ("прошлой", "минувшей", "прошедшей", "позапрошлой", "этой", "текущей", "нынешней",
                    "прошлом", "минувшем", "прошедшем", "позапрошлом", "этом", "текущем", "нынешнем",
                    "прошлого", "минувшего", "прошедшего", "позапрошлого", "этого", "текущего", "нынешнего")
_RU_UNITS_BACK = {w: 2 if w.startswith("позапрошл") else 1 if _is_last(w) else 0 for w in _RU_THIS_OR_LAST}


def _ru_month(word: str) -> int:
    return _RU_MONTH_INDEX[word[:3].lower()]


def _ru_weekday(word: str) -> int:
    return _RU_WEEKDAY_STEMS.index(word[:3].lower())


def _ru_part(words: str) -> str:
    first, *rest = words.lower().split()
    for pattern, name in _RU_PART_NAMES:
        head, _, tail = pattern.partition("* ")
        if first.startswith(head.rstrip("*")) and (not tail or (rest and rest[0].startswith(tail))):
            return name
    raise ValueError(f"unknown part of a period: {words!r}")


def _ru_season(word: str) -> str:
    stems = {"весн": "spring", "лет": "summer", "осен": "autumn", "зим": "winter"}
    return next(name for stem, name in stems.items() if word.lower().startswith(stem))


def _ru_season_needs_context(m: re.Match[str], pre: str) -> bool:
    """ "осенью" is a time by itself; "осени", "лета" only after a preposition."""
    return not m["s"].lower().endswith(("ой", "ом", "ью")) and not pre


def _ru_unit(word: str) -> tuple[str, int]:
    word = word.lower()
    if word == "полгода":
        return "month", 6
    for stem, unit in (("дн", "day"), ("ден", "day"), ("сут", "day"), ("нед", "week"), ("мес", "month")):
        if word.startswith(stem):
            return unit, 1
    return "year", 1


def _ru_number(word: str | None) -> int:
    if word is None:
        return 1
    return int(word) if word.isdigit() else _RU_NUMBERS[word.lower()]


_RU_WAR = (r"(?:полномасштабн\w+\s+)?(?:войн[аыуе]|вторжени[еяю]|СВО|спецоперации|специальн\w+\s+военн\w+\s+"
           r"операции|военн\w+\s+операции)(?:\s+(?:в|на|против)\s+Украин[аеуы])?")
_RU_WAR_BEGAN = (r"(?:началась\s+(?:войн[аы]|СВО|спецоперация)|началось\s+(?:полномасштабное\s+)?вторжение|"
                 r"Россия\s+вторглась\s+в\s+Украину)")
_RU_MOBILIZATION = r"(?:частичн(?:ой|ая|ую)\s+)?мобилизаци(?:я|и|ю)(?!\w)"
_RU_MOBILIZATION_GENITIVE = r"(?:частичной\s+)?мобилизации(?!\w)"
_RU_WAR_WORDS = ("войн", "вторж", "сво", "спецоперац", "операц")
_RU_ANNOUNCED = r"(?:\w+\s+){0,3}?(?:объявил[аи]?|была\s+объявлена|началась)\s+(?:\w+\s+){0,2}?"

_RU_RULES: list[tuple[str, int, _Build, tuple[str, ...]]] = [
    # Days: "8 ноября", "воскресенье, 25 сентября", "20 ноября 2022 года", "8-го ноября прошлого года".
    (rf"(?=[\dпвсч])(?<!\w)(?:{_RU_WEEKDAY_ANY},?\s+)?{_day_group()}(?:-?го|-е|-ое)?\s+"
     rf"(?P<mon>{_RU_MONTH_GENITIVE})(?:\s+{_RU_YEAR_REF})?", re.I, _day_builder(_ru_month), ()),
    (rf"(?=\d)(?<![\w.])(?:{_day_group()}\.(?P<m>0?[1-9]|1[0-2])\.(?P<y>(?:19|20)\d\d)|(?P<iy>(?:19|20)\d\d)-"
     rf"(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12]\d|3[01]))(?![\d.]\d)", re.I, _numeric_day, ()),
    (rf"(?=\d)(?<!\w){_day_group('d1')}(?:-?го)?(?P<conn>[-–—]|\s+(?:по|до)\s+){_day_group('d2')}(?:-?го|-е)?\s+"
     rf"(?P<mon>{_RU_MONTH_GENITIVE})(?:\s+{_RU_YEAR_REF})?", re.I, _day_range_builder(_ru_month), ()),
    (rf"(?=\d)(?<!\w){_day_group('d1')}(?:-?го)?\s+(?:и|или)\s+{_day_group('d2')}(?:-?го)?\s+"
     rf"(?P<mon>{_RU_MONTH_GENITIVE})(?:\s+{_RU_YEAR_REF})?", re.I, _day_list_builder(_ru_month), ()),
    # Nights: "в ночь на 8 ноября", "в ночь с 7 на 8 ноября", "в ночь на понедельник".
    (rf"(?=в)(?<!\w)в\s+ночь\s+(?:с\s+{_day_group('d1')}(?:\s+{_RU_MONTH_GENITIVE})?\s+)?на\s+{_day_group()}\s+"
     rf"(?P<mon>{_RU_MONTH_GENITIVE})(?:\s+{_RU_YEAR_REF})?", re.I, _night_before_day_builder(_ru_month), ("ночь",)),
    (rf"(?=в)(?<!\w)в\s+ночь\s+(?:с\s+{_RU_WEEKDAY_GENITIVE}\s+)?на\s+(?P<wd>{_RU_WEEKDAY_ACCUSATIVE})", re.I,
     _night_before_weekday_builder(_ru_weekday), ("ночь",)),
    # Months and their parts: "в феврале", "в сентябре прошлого года", "в середине мая", "в конце 2022 года".
    (rf"(?=[яфмаисонд])(?<!\w)(?P<mon>{_RU_MONTH})(?:\s+{_RU_YEAR_REF})?", re.I,
     _month_builder(_ru_month, lambda word: False), ()),
    (rf"(?=[снкпвтч])(?<!\w){_RU_PARTS}\s+(?P<mon>{_RU_MONTH_GENITIVE})(?:\s+{_RU_YEAR_REF})?", re.I,
     _month_part_builder(_ru_month, _ru_part), ()),
    (rf"(?=[снкпвтч])(?<!\w){_RU_PARTS}\s+(?:{_RU_YEAR_REF}|(?P<ty>года)(?!\w))", re.I,
     _year_part_builder(_ru_part), ()),
    # Seasons: "осенью 2022 года", "этой весной", "прошлым летом", "зимой 2022-2023 годов".
    (rf"(?=[эпмнтвлоз])(?<!\w)(?:(?P<mod>эт(?:ой|им)|прошл(?:ой|ым)|минувш(?:ей|им)|прошедш(?:ей|им)|"
     rf"нынешн(?:ей|им)|текущ(?:ей|им))\s+)?(?P<s>весн(?:ой|ы|у|а)|лет(?:ом|а|о)|осен(?:ью|и|ь)|зим(?:ой|ы|у|а))"
     rf"(?:\s+{_year_group()}(?:\s*[-–—/]\s*(?P<y2>(?:19|20)?\d\d)(?!\d))?(?:\s*(?:-?го|года|годов|гг?\.))?|"
     rf"\s+(?P<ry>прошлого|этого|текущего|нынешнего|минувшего|позапрошлого)\s+года)?(?!\w)", re.I,
     _season_builder(_ru_season, _ru_season_needs_context), ("весн", "лет", "осен", "зим")),
    # Years: "в 2023 году", "с 2022 года", "2022 г.", "в 2022-м", "в 2022-2023 годах".
    (rf"(?=[12])(?<!\w){_year_group()}(?:\s*[-–—/]\s*(?P<y2>(?:19|20)?\d\d)(?!\d)|\s+(?:по|и|или|до)\s+"
     rf"(?P<y3>(?:19|20)\d\d)(?!\d))?(?P<suf>\s*(?:-?м|-?го|-?й|год(?:ами|ах|ов|ом|а|у)?|гг?\.))?(?!\w|-?(?:х|е|ые|ых)(?!\w))",
     re.I,
     _year_builder(_RU_STRONG_YEAR_PRE), ()),
    # Weekdays: "в воскресенье", "в прошлую пятницу", "во вторник".
    (rf"(?=в)(?<!\w)(?P<pre>в|во)\s+(?:(?P<mod>прошл\w*|минувш\w*|прошедш\w*|эт\w*|нынешн\w*)\s+)?"
     rf"(?P<wd>{_RU_WEEKDAY_ACCUSATIVE})", re.I, _weekday_builder(_ru_weekday), ()),
    # Relative to the publication day.
    (r"(?=[пвс])(?<!\w)(?P<w>позавчера|вчера|сегодня)(?!\w)", re.I, _days_back_builder(_RU_DAYS_BACK),
     ("вчера", "сегодня")),
    (r"(?=[пэмс])(?<!\w)(?:(?:прошлой|этой|минувшей|сегодняшней)\s+ночью|сегодня\s+ночью)(?!\w)", re.I,
     _relative("day", _with_eve), ("ночью",)),
    (rf"(?=[нв])(?<!\w)(?:на|в)\s+(?P<w>{'|'.join(_RU_THIS_OR_LAST[:14])})\s+(?P<u>неделе|месяце|году)(?!\w)", re.I,
     _unit_back_builder(_RU_UNITS_BACK), ()),
    (rf"(?=[спнд])(?<!\w)(?P<pre>с|со|после|начиная\s+с|до)\s+(?P<w>{'|'.join(_RU_THIS_OR_LAST)})\s+"
     rf"(?P<u>недели|месяца|года)(?!\w)", re.I, _unit_back_builder(_RU_UNITS_BACK), ()),
    (rf"(?<!\w)(?:(?P<n>{_RU_NUMBER})\s+)?(?P<u>{_RU_UNIT})\s+назад(?!\w)", re.I,
     _count_unit_builder(_ru_number, _ru_unit, _ago, None), ("назад",)),
    (rf"(?=з)(?<!\w)за\s+(?:последн|прошедш|минувш)\w*\s+(?:(?P<n>{_RU_NUMBER})\s+)?(?P<u>{_RU_UNIT})(?!\w)", re.I,
     _count_unit_builder(_ru_number, _ru_unit, _past, "period"), ("последн", "прошедш", "минувш")),
    (r"(?=[вн])(?<!\w)(?:(?:в|на)\s+(?:минувшие|прошлые|прошедшие|эти)\s+выходные|на\s+(?:(?:минувших|прошлых|"
     r"прошедших|этих)\s+)?выходных)(?!\w)", re.I, _relative("week", _weekend), ("выходн",)),
    # The war and the mobilization.
    (rf"(?=[вк])(?<!\w)(?:(?:в\s+(?:самом\s+)?начале|в\s+первые\s+(?P<h>дни|недели|месяцы)|в\s+первый\s+"
     rf"(?:день|месяц))\s+{_RU_WAR}|когда\s+{_RU_WAR_BEGAN})(?!\w)", re.I,
     _anchor_builder("war_start", WAR_START, _war_beginning_end), _RU_WAR_WORDS),
    (rf"(?=[сп])(?<!\w)(?:(?:с|со|после)\s+(?:самого\s+)?(?:начала|первых\s+дней|старта)\s+{_RU_WAR}|с\s+момента\s+"
     rf"(?:начала\s+)?{_RU_WAR}|после\s+(?:полномасштабного\s+)?вторжения|с\s+тех\s+пор,?\s+как\s+{_RU_WAR_BEGAN})"
     rf"(?!\w)", re.I, _anchor_builder("war_start", WAR_START, lambda m: None), _RU_WAR_WORDS),
    (rf"(?=[сп])(?<!\w)(?:(?:с|со|после|с\s+момента)\s+(?:объявлени[яе]\s+(?:\w+\s+)?|начала\s+|старта\s+)?"
     rf"{_RU_MOBILIZATION_GENITIVE}|(?:после\s+того,?|с\s+тех\s+пор,?)\s+как\s+{_RU_ANNOUNCED}{_RU_MOBILIZATION})",
     re.I, _anchor_builder("mobilization", MOBILIZATION_START, lambda m: None), ("мобилизац",)),
    (rf"(?=[вн])(?<!\w)(?:в\s+ходе|во\s+время|в\s+период|в\s+разгар|на\s+фоне|в\s+рамках)\s+"
     rf"{_RU_MOBILIZATION_GENITIVE}", re.I,
     _anchor_builder("mobilization", MOBILIZATION_START, lambda m: _MOBILIZATION_END), ("мобилизац",)),
    (rf"(?=[вк])(?<!\w)(?:(?:в\s+(?:самом\s+)?начале|в\s+первые\s+дни|в\s+первую\s+неделю|в\s+первые\s+(?P<h>недели))"
     rf"\s+(?:объявленной\s+)?{_RU_MOBILIZATION_GENITIVE}|когда\s+{_RU_ANNOUNCED}{_RU_MOBILIZATION})", re.I,
     _anchor_builder("mobilization", MOBILIZATION_START, _mobilization_beginning_end), ("мобилизац",)),
]

_PREPOSITION_BEFORE = re.compile(rf"(?<!\w)(?:{_EN_PRE}|(?i:{_RU_PRE}))\s+\Z")

_RULES: dict[str, list[tuple[re.Pattern[str], _Build, tuple[str, ...]]]] = {
    lang: [(re.compile(pattern, flags), build, needles) for pattern, flags, build, needles in rules]
    for lang, rules in (("en", _EN_RULES), ("ru", _RU_RULES))
}
