"""Filtering, sorting, paging and counting incidents for the pages and the API.

One ``IncidentFilter`` is read from the URL and drives the map, the timeline, the
totals and the list alike, so every view of the dashboard shows the same incidents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from otkaz.model import Incident
from otkaz.store import Database, IncidentQuery
from otkaz.store.codec import fold

STATUSES = ("unreviewed", "confirmed", "rejected")
PUBLISHED_STATUS = "confirmed"  # what the public sees
SORTS = {
    "-date": "newest first",
    "date": "oldest first",
    "confidence": "least confident first",
    "-confidence": "most confident first",
    "-reports": "most reports first",
}
DEFAULT_SORT = "-date"
UNITS = ("week", "month")
MAX_PER_PAGE = 500

# URL parameter -> IncidentFilter attribute, for the list-valued filters.
LIST_PARAMS = {
    "type": "types",
    "actor": "actors",
    "consequence": "consequences",
    "country": "countries",
    "region": "regions",
    "lang": "langs",
    "outlet": "outlets",
    "status": "statuses",
}


class FilterError(ValueError):
    """A filter parameter that cannot be read; the message names it and says why."""


def _date_param(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name}={value!r}: not a date like 2023-05-31") from None


def since_param(value: str | None) -> str | None:
    """``since``: a day or a time (ISO; without a zone: UTC) -> the store's timestamp form."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(f"since={value!r}: not a time like 2026-12-05T14:00:00Z or a day like 2026-12-05") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class IncidentFilter:
    types: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    # Only incidents with reports that arrived (were stored) after this time: see Database.arrivals_since.
    since: str | None = None

    @classmethod
    def from_params(cls, params: Any) -> IncidentFilter:
        """From a Starlette ``QueryParams`` (or any mapping with ``getlist``)."""
        lists = {
            attr: [v for v in params.getlist(name) if v] for name, attr in LIST_PARAMS.items()
        }
        unknown = sorted(set(lists["statuses"]) - set(STATUSES))
        if unknown:
            raise FilterError(f"status={unknown[0]!r}: expected one of {', '.join(STATUSES)}")
        date_from = _date_param("from", params.get("from"))
        date_to = _date_param("to", params.get("to"))
        if date_from and date_to and date_to < date_from:
            raise FilterError(f"to={date_to}: before from={date_from}")
        return cls(
            **lists,
            date_from=date_from,
            date_to=date_to,
            q=(params.get("q") or "").strip(),
            since=since_param(params.get("since")),
        )

    def params(self) -> list[tuple[str, str]]:
        """The URL parameters that give this filter back."""
        pairs = [(name, v) for name, attr in LIST_PARAMS.items() for v in getattr(self, attr)]
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        if self.q:
            pairs.append(("q", self.q))
        if self.since:
            pairs.append(("since", self.since))
        return pairs

    def query(self, **extra: str | int | None) -> str:
        """The query string of this filter plus ``extra`` parameters (None values left out)."""
        pairs = self.params() + [(k, str(v)) for k, v in extra.items() if v is not None]
        return urlencode(pairs)

    def without(self, name: str, value: str | None = None) -> IncidentFilter:
        """This filter less one parameter (or one value of a list parameter)."""
        copy = IncidentFilter(**{f.name: _copy(getattr(self, f.name)) for f in fields(self)})
        if name in LIST_PARAMS:
            attr = LIST_PARAMS[name]
            setattr(copy, attr, [v for v in getattr(copy, attr) if value is not None and v != value])
        elif name == "from":
            copy.date_from = None
        elif name == "to":
            copy.date_to = None
        elif name == "q":
            copy.q = ""
        elif name == "since":
            copy.since = None
        return copy

    @property
    def active(self) -> bool:
        return bool(self.params())


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def store_query(flt: IncidentFilter, statuses: list[str], public_version: str | None) -> IncidentQuery:
    """The store's query for ``flt``: ``statuses`` (those the reader may see) when the filter
    names none; words searched in the public views of ``public_version``, else the originals."""
    return IncidentQuery(
        statuses=tuple(flt.statuses or statuses),
        types=tuple(flt.types),
        actors=tuple(flt.actors),
        consequences=tuple(flt.consequences),
        countries=tuple(flt.countries),
        regions=tuple(flt.regions),
        langs=tuple(flt.langs),
        outlets=tuple(flt.outlets),
        date_from=flt.date_from.isoformat() if flt.date_from else None,
        date_to=flt.date_to.isoformat() if flt.date_to else None,
        words=tuple(fold(flt.q).split()),
        public_version=public_version,
        arrived_since=flt.since,
    )


def people_of(incident: Incident) -> int | None:
    """How many people at least (as ``otkaz.publish.stats`` counts them): None when unknown."""
    return incident.count.min


def check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise FilterError(f"sort={sort!r}: expected one of {', '.join(SORTS)}")
    return sort


@dataclass(frozen=True)
class Page:
    items: list[Incident]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.per_page, self.total)


def page_of(db: Database, query: IncidentQuery, sort: str, page: int, per_page: int) -> Page:
    """One page of the incidents ``query`` selects, in ``sort`` order: counted, sorted and cut in SQL."""
    check_sort(sort)
    if page < 1:
        raise FilterError(f"page={page}: pages start at 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise FilterError(f"per_page={per_page}: expected 1 to {MAX_PER_PAGE}")
    total = db.count_incidents(query)
    start = (page - 1) * per_page
    items = db.incident_page(query, sort, start, per_page) if start < total else []
    return Page(items, page, per_page, total)


@dataclass(frozen=True)
class Bucket:
    start: date
    label: str
    incidents: int
    people: int


def _bucket_start(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_bucket(day: date, unit: str) -> date:
    if unit == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _bucket_label(day: date, unit: str) -> str:
    return day.strftime("%d %b %Y") if unit == "week" else day.strftime("%b %Y")


# (first possible day, incidents, people at least) of the dated incidents: Database.incident_days
Days = list[tuple[date, int, int]]


def choose_unit(days: Days, unit: str | None) -> str:
    """``unit`` when given; else weeks for spans up to half a year, months beyond."""
    if unit:
        if unit not in UNITS:
            raise FilterError(f"unit={unit!r}: expected one of {', '.join(UNITS)}")
        return unit
    starts = [day for day, _n, _people in days]
    if starts and (max(starts) - min(starts)).days <= 183:
        return "week"
    return "month"


def timeline(days: Days, unit: str) -> list[Bucket]:
    """Incidents and people per week or month of the incident's first possible day, gaps filled."""
    incident_counts: Counter[date] = Counter()
    people_counts: Counter[date] = Counter()
    for day, incidents, people in days:
        start = _bucket_start(day, unit)
        incident_counts[start] += incidents
        people_counts[start] += people
    if not incident_counts:
        return []
    buckets = []
    day, last = min(incident_counts), max(incident_counts)
    while day <= last:
        buckets.append(Bucket(day, _bucket_label(day, unit), incident_counts[day], people_counts[day]))
        day = _next_bucket(day, unit)
    return buckets


def bucket_end(start: date, unit: str) -> date:
    return _next_bucket(start, unit) - timedelta(days=1)


@dataclass(frozen=True)
class Totals:
    incidents: int
    people: int  # sum over incidents whose count is known
    people_unknown: int  # incidents whose count is unknown
    reports: int
    documents: int
    countries: int
    undated: int


def point_of(incident: Incident) -> tuple[float, float] | None:
    """(lat, lon) of the location, else of the origin."""
    for place in (incident.location, incident.origin):
        if place is not None and place.lat is not None and place.lon is not None:
            return (place.lat, place.lon)
    return None


_INT = re.compile(r"^\d{1,6}$")


def int_param(params: Mapping[str, str], name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if not _INT.match(value):
        raise FilterError(f"{name}={value!r}: not a whole number")
    return int(value)
