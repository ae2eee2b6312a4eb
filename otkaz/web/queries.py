"""Filtering, sorting, paging and counting incidents for the pages and the API.

One ``IncidentFilter`` is read from the URL and drives the map, the timeline, the
totals and the list alike, so every view of the dashboard shows the same incidents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from otkaz.model import Incident

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

    def matches(self, incident: Incident, search_text: Callable[[Incident], str] | None = None) -> bool:
        """Whether ``incident`` passes; ``search_text``: what its words are searched in (else
        the titles and texts of its reports)."""
        place = incident.location or incident.origin
        documents = [report.document for report in incident.reports]
        checks = (
            _any_of(self.types, [incident.type]),
            _any_of(self.actors, incident.actors),
            _any_of(self.consequences, incident.consequences),
            _any_of(self.countries, [place.country] if place else []),
            _any_of(self.regions, [place.admin1] if place else []),
            _any_of(self.langs, [d.lang for d in documents]),
            _any_of(self.outlets, [d.outlet for d in documents]),
            _any_of(self.statuses, [incident.status]),
            self._in_dates(incident),
        )
        return all(checks) and self._has_text(incident, search_text)

    def _in_dates(self, incident: Incident) -> bool:
        if not (self.date_from or self.date_to):
            return True
        if incident.date is None:
            return False
        if self.date_from and incident.date.end < self.date_from:
            return False
        return not (self.date_to and incident.date.start > self.date_to)

    def _has_text(self, incident: Incident, search_text: Callable[[Incident], str] | None) -> bool:
        words = fold(self.q).split()
        if not words:
            return True
        if search_text is not None:
            haystack = fold(search_text(incident))
        else:
            texts = [text for report in incident.reports for text in (report.document.title or "", report.document.text)]
            haystack = fold(" ".join(texts))
        return all(word in haystack for word in words)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _any_of(wanted: list[str], values: Iterable[str | None]) -> bool:
    return not wanted or any(value in wanted for value in values)


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def select_incidents(
    incidents: Iterable[Incident],
    flt: IncidentFilter,
    published_only: bool,
    search_text: Callable[[Incident], str] | None = None,
) -> list[Incident]:
    """The incidents ``flt`` lets through; ``published_only``: confirmed ones alone;
    ``search_text``: what words are searched in (see ``IncidentFilter.matches``)."""
    return [
        incident
        for incident in incidents
        if not (published_only and incident.status != PUBLISHED_STATUS) and flt.matches(incident, search_text)
    ]


def people_of(incident: Incident) -> int | None:
    """How many people at least (as ``otkaz.publish.stats`` counts them): None when unknown."""
    return incident.count.min


def sort_incidents(incidents: list[Incident], sort: str) -> list[Incident]:
    if sort not in SORTS:
        raise FilterError(f"sort={sort!r}: expected one of {', '.join(SORTS)}")
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "date":
        dated = [i for i in incidents if i.date]
        undated = [i for i in incidents if not i.date]
        dated.sort(key=lambda i: (i.date.start, i.date.end, i.id), reverse=descending)
        return dated + undated
    if key == "confidence":
        return sorted(incidents, key=lambda i: (i.confidence, i.id), reverse=descending)
    return sorted(incidents, key=lambda i: (len(i.reports), i.id), reverse=descending)


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


def paginate(incidents: list[Incident], page: int, per_page: int) -> Page:
    if page < 1:
        raise FilterError(f"page={page}: pages start at 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise FilterError(f"per_page={per_page}: expected 1 to {MAX_PER_PAGE}")
    start = (page - 1) * per_page
    return Page(incidents[start : start + per_page], page, per_page, len(incidents))


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


def choose_unit(incidents: list[Incident], unit: str | None) -> str:
    """``unit`` when given; else weeks for spans up to half a year, months beyond."""
    if unit:
        if unit not in UNITS:
            raise FilterError(f"unit={unit!r}: expected one of {', '.join(UNITS)}")
        return unit
    starts = [i.date.start for i in incidents if i.date]
    if starts and (max(starts) - min(starts)).days <= 183:
        return "week"
    return "month"


def timeline(incidents: list[Incident], unit: str) -> list[Bucket]:
    """Incidents and people per week or month of the incident's first possible day, gaps filled."""
    incident_counts: Counter[date] = Counter()
    people_counts: Counter[date] = Counter()
    for incident in incidents:
        if incident.date is None:
            continue
        start = _bucket_start(incident.date.start, unit)
        incident_counts[start] += 1
        people_counts[start] += people_of(incident) or 0
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


def totals(incidents: list[Incident]) -> Totals:
    counts = [people_of(i) for i in incidents]
    places = [i.location or i.origin for i in incidents]
    return Totals(
        incidents=len(incidents),
        people=sum(c for c in counts if c is not None),
        people_unknown=sum(c is None for c in counts),
        reports=sum(len(i.reports) for i in incidents),
        documents=len({r.document.id for i in incidents for r in i.reports}),
        countries=len({p.country for p in places if p and p.country}),
        undated=sum(i.date is None for i in incidents),
    )


def counts_by(incidents: list[Incident], attribute: str) -> list[tuple[str, int]]:
    """(value, incidents) pairs for a facet, most frequent first."""
    counter: Counter[str] = Counter()
    for incident in incidents:
        counter.update(set(facet_values(incident, attribute)))
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def facet_values(incident: Incident, attribute: str) -> list[str]:
    place = incident.location or incident.origin
    documents = [r.document for r in incident.reports]
    values: dict[str, list[Any]] = {
        "type": [incident.type],
        "actor": incident.actors,
        "consequence": incident.consequences,
        "country": [place.country] if place else [],
        "region": [place.admin1] if place else [],
        "lang": [d.lang for d in documents],
        "outlet": [d.outlet for d in documents],
        "status": [incident.status],
    }
    return [v for v in values[attribute] if v]


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
