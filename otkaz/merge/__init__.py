"""Mentions + analyst decisions -> incidents.

PLACEHOLDER: this does NOT merge across articles (or within one) yet.  Every
mention becomes its own incident, so an event reported by three outlets is
counted three times.  It exists so that the pipeline, the store and the
exports work end to end until the real merge stage is built.

What it does honour: incident ids are stable ("inc-" + the mention key), and
the analyst's confirm, reject and correct decisions are applied.  Merge and
split decisions are not applied (there is nothing merged to split).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otkaz.model import Count, DateRange, Decision, Incident, Place, Report

MERGE_REASON = {"rule": "single report", "note": "cross-article merging not built yet"}
STATUS_BY_DECISION = {"confirm": "confirmed", "reject": "rejected"}


def _labels(value: Any) -> list[str]:
    return list(value or [])


# How a "correct" payload value becomes an incident field value.
_FIELD_PARSERS: dict[str, Callable[[Any], Any]] = {
    "type": str,
    "actors": _labels,
    "count": Count.from_dict,
    "location": Place.from_dict,
    "origin": Place.from_dict,
    "date": DateRange.from_dict,
    "consequences": _labels,
    "cited": _labels,
    "people": _labels,
    "confidence": float,
}


def merge(reports: list[Report], decisions: list[Decision]) -> list[Incident]:
    """One incident per report (no merging yet), with decisions applied in order."""
    incidents = {incident.id: incident for incident in map(_incident_of, reports)}
    for decision in decisions:
        incident = incidents.get(decision.incident_id)
        if incident is not None:
            _apply(decision, incident)
    return list(incidents.values())


def _incident_of(report: Report) -> Incident:
    mention = report.mention
    return Incident(
        id="inc-" + mention.key,
        type=mention.type,
        actors=list(mention.actors),
        count=mention.count,
        location=mention.location,
        origin=mention.origin,
        date=mention.date,
        consequences=list(mention.consequences),
        cited=list(mention.cited),
        people=list(mention.people),
        confidence=mention.confidence,
        reports=[report],
        merge_reasons=[dict(MERGE_REASON)],
    )


def _apply(decision: Decision, incident: Incident) -> None:
    if decision.kind in STATUS_BY_DECISION:
        incident.status = STATUS_BY_DECISION[decision.kind]
    elif decision.kind == "correct":
        for name, value in decision.payload.items():
            parse = _FIELD_PARSERS.get(name)  # other keys ("note") are not fields
            if parse is not None:
                setattr(incident, name, parse(value))
