"""The web's former in-Python filtering, sorting, paging, facets, timeline and totals, kept
as the reference that the store's SQL queries (Database.query methods) must agree with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from otkaz.model import Incident
from otkaz.store.codec import fold
from otkaz.web.queries import PUBLISHED_STATUS, IncidentFilter


def matches(flt: IncidentFilter, incident: Incident, search_text: Callable[[Incident], str] | None = None) -> bool:
    place = incident.location or incident.origin
    documents = [report.document for report in incident.reports]
    checks = (
        _any_of(flt.types, [incident.type]),
        _any_of(flt.actors, incident.actors),
        _any_of(flt.consequences, incident.consequences),
        _any_of(flt.countries, [place.country] if place else []),
        _any_of(flt.regions, [place.admin1] if place else []),
        _any_of(flt.langs, [d.lang for d in documents]),
        _any_of(flt.outlets, [d.outlet for d in documents]),
        _any_of(flt.statuses, [incident.status]),
        _in_dates(flt, incident),
    )
    return all(checks) and _has_text(flt, incident, search_text)


def _in_dates(flt: IncidentFilter, incident: Incident) -> bool:
    if not (flt.date_from or flt.date_to):
        return True
    if incident.date is None:
        return False
    if flt.date_from and incident.date.end < flt.date_from:
        return False
    return not (flt.date_to and incident.date.start > flt.date_to)


def _has_text(flt: IncidentFilter, incident: Incident, search_text: Callable[[Incident], str] | None) -> bool:
    words = fold(flt.q).split()
    if not words:
        return True
    if search_text is not None:
        haystack = fold(search_text(incident))
    else:
        texts = [text for report in incident.reports for text in (report.document.title or "", report.document.text)]
        haystack = fold(" ".join(texts))
    return all(word in haystack for word in words)


def _any_of(wanted: list[str], values: Iterable[str | None]) -> bool:
    return not wanted or any(value in wanted for value in values)


def select_incidents(
    incidents: Iterable[Incident],
    flt: IncidentFilter,
    published_only: bool,
    search_text: Callable[[Incident], str] | None = None,
) -> list[Incident]:
    return [
        incident
        for incident in incidents
        if not (published_only and incident.status != PUBLISHED_STATUS) and matches(flt, incident, search_text)
    ]


def sort_incidents(incidents: list[Incident], sort: str) -> list[Incident]:
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


def days(incidents: list[Incident]) -> list[tuple[date, int, int]]:
    """What Database.incident_days gives, from a list."""
    counts: Counter[date] = Counter()
    people: Counter[date] = Counter()
    for incident in incidents:
        if incident.date is not None:
            counts[incident.date.start] += 1
            people[incident.date.start] += incident.count.min or 0
    return [(day, counts[day], people[day]) for day in sorted(counts)]


def totals(incidents: list[Incident]) -> dict[str, int]:
    counts = [i.count.min for i in incidents]
    places = [i.location or i.origin for i in incidents]
    return {
        "incidents": len(incidents),
        "people": sum(c for c in counts if c is not None),
        "people_unknown": sum(c is None for c in counts),
        "reports": sum(len(i.reports) for i in incidents),
        "documents": len({r.document.id for i in incidents for r in i.reports}),
        "countries": len({p.country for p in places if p and p.country}),
        "undated": sum(i.date is None for i in incidents),
    }


def counts_by(incidents: list[Incident], attribute: str) -> list[tuple[str, int]]:
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
