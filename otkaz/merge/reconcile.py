"""One incident's fields from the reports merged into it, with the disagreements kept.

- id: "inc-" + the mention key of the incident's first report, reports ordered by
  publication date (undated last), then document id, then key.  Later reports
  joining an incident keep its id; decisions resolve through mention keys anyway.
- date: the intersection of the reports' intervals; when they do not all
  overlap, their union, and a disagreement.  Dates that rest on no publication
  date (``date_inferred``) count only when no report has a better one.
- location, origin: the most specific place (town over region over country);
  places that do not lie within one another are a disagreement.
- count: from the lowest minimum to the highest maximum of the reports that
  give a number (open-ended when one of them is "at least n").
- type: the most reported one (a disagreement when analysts merged other types).
- actors, consequences, cited, people: the union, in report order.
- confidence: that at least one report is right, as if independent: 1 - prod(1 - c).

Disagreements go into ``merge_reasons`` as {"disagreement": field, "values": [...],
"resolution": ...}; they never carry people's names.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from otkaz.gazetteer import get_gazetteer
from otkaz.model import PRECISIONS, Count, DateRange, Incident, Place, Report

ID_PREFIX = "inc-"
_UNDATED = date.max


def report_order(report: Report) -> tuple[date, str, str]:
    published = report.document.published_range
    return (published.start if published else _UNDATED, report.document.id, report.mention.key)


def incident_id(reports: Iterable[Report]) -> str:
    return ID_PREFIX + min(reports, key=report_order).mention.key


def mention_key_of(incident_id_or_other: str) -> str | None:
    """The mention key an incident id was made from (its first report's)."""
    if not incident_id_or_other.startswith(ID_PREFIX):
        return None
    return incident_id_or_other[len(ID_PREFIX):]


def build_incident(reports: list[Report], reasons: list[dict[str, Any]]) -> Incident:
    """The incident of ``reports`` (any order); ``reasons`` say why they are together."""
    reports = sorted(reports, key=report_order)
    mentions = [r.mention for r in reports]
    notes: list[dict[str, Any]] = []
    return Incident(
        id=incident_id(reports),
        type=_type(reports, notes),
        actors=_union(m.actors for m in mentions),
        count=_count(reports, notes),
        location=_place("location", reports, notes),
        origin=_place("origin", reports, notes),
        date=_date(reports, notes),
        consequences=_union(m.consequences for m in mentions),
        cited=_union((m.cited for m in mentions), fold=str.casefold),
        people=_union((m.people for m in mentions), fold=str.casefold),
        confidence=_confidence(m.confidence for m in mentions),
        reports=reports,
        merge_reasons=reasons + notes,
    )


def _union(lists: Iterable[list[str]], fold: Callable[[str], str] = str) -> list[str]:
    seen: dict[str, str] = {}
    for values in lists:
        for value in values:
            seen.setdefault(fold(value), value)
    return list(seen.values())


def _confidence(values: Iterable[float]) -> float:
    doubt = 1.0
    for value in values:
        doubt *= 1.0 - min(max(value, 0.0), 1.0)
    return 1.0 - doubt


def _disagreement(name: str, reports: list[Report], values: list[Any], resolution: str) -> dict[str, Any]:
    return {
        "disagreement": name,
        "values": [{"document": r.document.id, "value": v} for r, v in zip(reports, values)],
        "resolution": resolution,
    }


def _type(reports: list[Report], notes: list[dict[str, Any]]) -> str:
    types = [r.mention.type for r in reports]
    # Most reports first; on a tie, the first report's (Counter keeps first-seen order).
    ranked = Counter(types).most_common()
    chosen = ranked[0][0]
    if len(ranked) > 1:
        notes.append(_disagreement("type", reports, types, f"the type most reports give: {chosen}"))
    return chosen


def _date(reports: list[Report], notes: list[dict[str, Any]]) -> DateRange | None:
    dated = [r for r in reports if r.mention.date and not r.mention.date_inferred]
    dated = dated or [r for r in reports if r.mention.date]
    if not dated:
        return None
    ranges = [r.mention.date for r in dated]
    common: DateRange | None = ranges[0]
    for other in ranges[1:]:
        common = common.intersect(other) if common else None
    if common is not None:
        return common
    union = DateRange(min(d.start for d in ranges), max(d.end for d in ranges))
    values = [d.to_dict() for d in ranges]
    notes.append(_disagreement("date", dated, values, "no day fits every report: the union of their intervals"))
    return union


def _count(reports: list[Report], notes: list[dict[str, Any]]) -> Count:
    numbered = [r for r in reports if r.mention.count.min is not None or r.mention.count.max is not None]
    if not numbered:
        return Count()
    counts = [r.mention.count for r in numbered]
    if len(numbered) == 1:
        return counts[0]
    mins = [c.min for c in counts if c.min is not None]
    open_ended = any(c.min is not None and c.max is None for c in counts)
    maxes = [c.max for c in counts if c.max is not None]
    merged = Count(min(mins) if mins else None, None if open_ended or not maxes else max(maxes))
    if len(set(counts)) > 1:
        notes.append(
            _disagreement(
                "count",
                numbered,
                [c.to_dict() for c in counts],
                f"from the lowest minimum to the highest maximum of the {len(numbered)} reports "
                "giving a number (open when one says 'at least')",
            )
        )
    return merged


def _place(name: str, reports: list[Report], notes: list[dict[str, Any]]) -> Place | None:
    placed = [(r, getattr(r.mention, name)) for r in reports if getattr(r.mention, name) is not None]
    if not placed:
        return None
    places = [place for _, place in placed]
    best = min(map(_specificity, places))
    candidates = [p for p in places if _specificity(p) == best]
    # The place most others lie around, then the most reported; ties go to report order.
    tally = Counter(_place_id(p) for p in candidates)
    chosen = max(candidates, key=lambda p: (sum(_nested(p, q) for q in places), tally[_place_id(p)]))
    if any(not _nested(p, q) for p in places for q in places):
        values = [{"name": p.name, "precision": p.precision, "country": p.country} for p in places]
        notes.append(
            _disagreement(name, [r for r, _ in placed], values, f"the most specific, most agreed place: {chosen.name}")
        )
    return chosen


def _specificity(place: Place) -> int:
    """0 for a town, 1 for a region, 2 for a country."""
    return PRECISIONS.index(place.precision) if place.precision in PRECISIONS else len(PRECISIONS)


def _place_id(place: Place) -> tuple[str | None, ...]:
    return (place.key,) if place.key else (place.name, place.admin1, place.country, place.precision)


def _nested(a: Place, b: Place) -> bool:
    """One lies within the other (or they are the same place)."""
    if _place_id(a) == _place_id(b):
        return True
    gazetteer = get_gazetteer()
    return gazetteer.contains(a, b) or gazetteer.contains(b, a)
