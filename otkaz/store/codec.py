"""Rows <-> the model's dataclasses, losslessly (a Place keeps its key, a range both ends)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Row

from otkaz.model import (
    Aggregate,
    AuditEntry,
    Count,
    DateRange,
    Decision,
    Document,
    Evidence,
    Incident,
    IncidentMention,
    Place,
)


def _place(place: Place | None) -> dict[str, Any] | None:
    # asdict, not Place.to_dict: the export form leaves out the key that merging needs.
    return asdict(place) if place else None


def _date_columns(value: DateRange | None) -> dict[str, str | None]:
    if value is None:
        return {"date_start": None, "date_end": None}
    return {"date_start": value.start.isoformat(), "date_end": value.end.isoformat()}


def _date_range(row: Row) -> DateRange | None:
    if row.date_start is None:
        return None
    return DateRange(date.fromisoformat(row.date_start), date.fromisoformat(row.date_end))


def _evidence(row_evidence: list[dict]) -> list[Evidence]:
    return [Evidence.from_dict(e) for e in row_evidence]


def document_columns(doc: Document) -> dict[str, Any]:
    """The columns a Document sets (not its hash, timestamps or extraction state)."""
    return {
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "url": doc.url,
        "path": doc.path,
        "outlet": doc.outlet,
        "published": doc.published,
        "lang": doc.lang,
        "source_format": doc.source_format,
    }


def document_from_row(row: Row, text: str | None = None) -> Document:
    """``text``: in place of the row's (which then need not hold one)."""
    return Document(
        id=row.id,
        text=row.text if text is None else text,
        title=row.title,
        url=row.url,
        path=row.path,
        outlet=row.outlet,
        published=row.published,
        lang=row.lang,
        source_format=row.source_format,
    )


def _shared_fields(item: IncidentMention | Incident) -> dict[str, Any]:
    return {
        "type": item.type,
        "actors": list(item.actors),
        "count_min": item.count.min,
        "count_max": item.count.max,
        "location": _place(item.location),
        "origin": _place(item.origin),
        **_date_columns(item.date),
        "consequences": list(item.consequences),
        "cited": list(item.cited),
        "people": list(item.people),
        "confidence": item.confidence,
    }


def mention_row(document_id: str, position: int, mention: IncidentMention) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "position": position,
        "key": mention.key,
        **_shared_fields(mention),
        "date_inferred": mention.date_inferred,
        "units": list(mention.units),
        "evidence": [e.to_dict() for e in mention.evidence],
    }


def _shared_from_row(row: Row) -> dict[str, Any]:
    """The coded fields a mention row and an incident row both hold (see _shared_fields)."""
    return {
        "type": row.type,
        "actors": list(row.actors),
        "count": Count(row.count_min, row.count_max),
        "location": Place.from_dict(row.location),
        "origin": Place.from_dict(row.origin),
        "date": _date_range(row),
        "consequences": list(row.consequences),
        "cited": list(row.cited),
        "people": list(row.people),
        "confidence": row.confidence,
    }


def mention_from_row(row: Row) -> IncidentMention:
    return IncidentMention(
        document_id=row.document_id,
        **_shared_from_row(row),
        date_inferred=row.date_inferred,
        units=list(row.units),
        evidence=_evidence(row.evidence),
    )


def aggregate_row(document_id: str, position: int, aggregate: Aggregate) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "position": position,
        "type": aggregate.type,
        "count_min": aggregate.count.min,
        "count_max": aggregate.count.max,
        "evidence": [e.to_dict() for e in aggregate.evidence],
    }


def aggregate_from_row(row: Row) -> Aggregate:
    return Aggregate(
        document_id=row.document_id,
        type=row.type,
        count=Count(row.count_min, row.count_max),
        evidence=_evidence(row.evidence),
    )


def incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        **_shared_fields(incident),
        "status": incident.status,
        "merge_reasons": list(incident.merge_reasons),
    }


def incident_place_columns(incident: Incident) -> dict[str, Any]:
    """The columns the web's queries read off the incident's place: country and region of the
    location, else of the origin; the point of the first of the two with both coordinates."""
    place = incident.location if incident.location is not None else incident.origin
    point = next(
        (p for p in (incident.location, incident.origin) if p is not None and p.lat is not None and p.lon is not None),
        None,
    )
    return {
        "country": place.country if place else None,
        "region": place.admin1 if place else None,
        "lat": point.lat if point else None,
        "lon": point.lon if point else None,
    }


def incident_label_rows(incident: Incident) -> list[dict[str, Any]]:
    """The rows of ``incident_labels``: its actors, consequences and people, each once."""
    kinds = (("actor", incident.actors), ("consequence", incident.consequences), ("person", incident.people))
    values = {(kind, value) for kind, items in kinds for value in items}
    return [{"incident_id": incident.id, "kind": kind, "value": value} for kind, value in sorted(values)]


def fold(text: str) -> str:
    """Text as the word search compares it: case-folded, white space made single spaces."""
    return " ".join(text.casefold().split())


def search_text(title: str | None, text: str) -> str:
    """What the word search reads of a document (or of its public view)."""
    return fold(f"{title or ''} {text}")


def incident_from_row(row: Row) -> Incident:
    """The incident without its reports (they are read separately)."""
    return Incident(
        id=row.id,
        **_shared_from_row(row),
        status=row.status,
        merge_reasons=list(row.merge_reasons),
    )


def decision_from_row(row: Row) -> Decision:
    return Decision(
        kind=row.kind,
        incident_id=row.incident_id,
        user=row.user,
        other_ids=list(row.other_ids),
        payload=dict(row.payload),
        id=row.id,
        created_at=row.created_at,
    )


def audit_entry_from_row(row: Row) -> AuditEntry:
    return AuditEntry(
        user=row.user,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=row.before,
        after=row.after,
        id=row.id,
        at=row.at,
    )
