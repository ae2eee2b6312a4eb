"""The JSON API and the downloads: incidents (filterable, paginated), documents, statistics,
map points and exports. The OpenAPI description is at /api/openapi.json.

Every endpoint reads through ``access``: the public gets published incidents without names,
viewers get every incident without names, analysts and admins get names too (and each time
they do, the audit log records it).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from otkaz.model import Incident, as_plain
from otkaz.publish.exports import ALL_FORMATS, BINARY_FORMATS, export_chunks
from otkaz.publish.redaction import PublicView
from otkaz.publish.stats import STATS_BY, stats_of_groups
from otkaz.store import Database
from otkaz.web import present
from otkaz.web.access import audit_reveal, incident_or_404, incident_queries, incident_records, public_view
from otkaz.web.auth import Principal, principal_of, requirement
from otkaz.web.corrections import CorrectionError, place_plain
from otkaz.web.queries import (
    DEFAULT_SORT,
    MAX_PER_PAGE,
    IncidentFilter,
    Totals,
    choose_unit,
    page_of,
    people_of,
    point_of,
    timeline,
)

router = APIRouter()
Reader = Annotated[Principal, Depends(requirement("read_documents"))]
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "acled": "text/csv",
    "parquet": "application/vnd.apache.parquet",
}
EXTENSIONS = {"acled": "acled.csv"}


def incident_filter(
    request: Request,
    type: Annotated[list[str] | None, Query(description="Incident type (repeat for several)")] = None,
    actor: Annotated[list[str] | None, Query(description="Actor label")] = None,
    consequence: Annotated[list[str] | None, Query(description="Consequence label")] = None,
    country: Annotated[list[str] | None, Query(description="ISO country code of the place")] = None,
    region: Annotated[list[str] | None, Query(description="First-level region (admin1) name")] = None,
    lang: Annotated[list[str] | None, Query(description="Language of a report")] = None,
    outlet: Annotated[list[str] | None, Query(description="Outlet of a report")] = None,
    status: Annotated[
        list[str] | None, Query(description="unreviewed, confirmed, rejected (signed-in only)")
    ] = None,
    date_from: Annotated[date | None, Query(alias="from", description="Incidents that may fall on or after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Incidents that may fall on or before")] = None,
    q: Annotated[str | None, Query(description="Words that all appear in a report's article")] = None,
) -> IncidentFilter:
    """The filter as the dashboard reads it; the parameters above document it."""
    return IncidentFilter.from_params(request.query_params)


Filter = Annotated[IncidentFilter, Depends(incident_filter)]


def _db(request: Request) -> Database:
    return request.app.state.db


@router.get("/api/incidents", tags=["incidents"])
def list_incidents(
    request: Request,
    flt: Filter,
    sort: Annotated[str, Query(description="-date, date, confidence, -confidence, -reports")] = DEFAULT_SORT,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 100,
) -> dict[str, Any]:
    """Incidents in the export format (with their status), one page at a time."""
    principal = principal_of(request)
    db = _db(request)
    _, chosen = incident_queries(principal, flt)
    names = principal.can("see_names")
    with db.one_revision():
        result = page_of(db, chosen, sort, page, per_page)
        # The records read the page and the public view of its documents: kept with the page.
        items = db.kept(
            ("records", chosen, sort, page, per_page, names),
            lambda: incident_records(db, result.items, principal),
        )
    return {
        "total": result.total,
        "page": result.number,
        "per_page": result.per_page,
        "pages": result.pages,
        "items": items,
    }


@router.get("/api/incidents/{incident_id}", tags=["incidents"])
def get_incident(request: Request, incident_id: str) -> dict[str, Any]:
    """One incident with its merge reasons, the disagreements between its reports and (signed in) its history."""
    principal = principal_of(request)
    db = _db(request)
    incident = incident_or_404(db, principal, incident_id)
    names = principal.can("see_names")
    record = incident_records(db, [incident], principal)[0]
    view = public_view(db, principal, [incident])
    redact = (lambda text: view.note(incident, text)) if view is not None else None
    record["merge_reasons"] = (
        incident.merge_reasons if names else as_plain(present.reason_lines(incident.merge_reasons, redact, False))
    )
    record["disagreements"] = as_plain(present.disagreements(incident, view))
    if principal.can("see_unpublished"):
        record["history"] = as_plain(present.history(db.audit_log(incident.id), names, redact))
    audit_reveal(db, principal, "incident", incident.id)
    return record


@router.get("/api/stats", tags=["incidents"])
def stats(
    request: Request,
    flt: Filter,
    unit: Annotated[str | None, Query(description="week or month (default: by the span)")] = None,
    by: Annotated[str, Query(description=f"grouping of ``groups``: {', '.join(STATS_BY)}")] = "type",
) -> dict[str, Any]:
    """Totals, incidents per type and country, ``groups`` (``otkaz stats``) and the timeline, for the filter."""
    if by not in STATS_BY:
        raise HTTPException(400, f"by={by!r}: expected one of {', '.join(STATS_BY)}")
    db = _db(request)
    _, chosen = incident_queries(principal_of(request), flt)
    with db.one_revision():
        days = db.incident_days(chosen)
        facets = db.incident_facets(chosen, ["type", "country"])
        totals = db.incident_totals(chosen)
        groups = db.incident_groups(chosen, by)
    unit = choose_unit(days, unit)
    return {
        "totals": as_plain(Totals(**totals)),
        "by_type": dict(facets["type"]),
        "by_country": dict(facets["country"]),
        "groups": stats_of_groups(by, groups).to_dict(),
        "unit": unit,
        "timeline": [
            {"start": b.start.isoformat(), "incidents": b.incidents, "people": b.people}
            for b in timeline(days, unit)
        ],
    }


@router.get("/api/points", tags=["incidents"])
def points(request: Request, flt: Filter) -> dict[str, Any]:
    """The filtered incidents that have a place with coordinates, for the map."""
    _, query = incident_queries(principal_of(request), flt)
    chosen = _db(request).incident_points(query)
    features = []
    for incident in chosen:
        point = point_of(incident)
        if point is None:
            continue
        place = incident.location or incident.origin
        features.append(
            {
                "id": incident.id,
                "lat": point[0],
                "lon": point[1],
                "type": incident.type,
                "type_label": present.label(incident.type),
                "people": people_of(incident),
                "count": present.format_count(incident.count),
                "date": present.format_dates(incident.date),
                "place": present.format_place(place),
                "precision": place.precision if place else None,
                "status": incident.status,
            }
        )
    return {"points": features, "without_place": len(chosen) - len(features)}


@router.get("/export/incidents.{fmt}", tags=["exports"])
def export(
    request: Request,
    fmt: str,
    flt: Filter,
    names: Annotated[bool, Query(description="Include people's names (analysts and admins only)")] = False,
) -> Response:
    """The filtered incidents in an ``otkaz export`` format: jsonl, csv, geojson, acled or parquet."""
    principal = principal_of(request)
    if fmt not in ALL_FORMATS:
        raise HTTPException(404, f"no export format {fmt!r}: expected one of {', '.join(ALL_FORMATS)}")
    if names and not principal.can("see_names"):
        raise HTTPException(403, f"your role ({principal.role}) may not export names")
    db = _db(request)
    _, query = incident_queries(principal, flt)

    def view_of(batch: list[Incident]) -> PublicView:  # the store's views of the batch's documents
        return PublicView.of_store(db, {r.document.id for i in batch for r in i.reports})

    # A batch of incidents at a time: an export of any size never holds them all.
    chunks = export_chunks(db.incident_batches(query, DEFAULT_SORT), fmt, include_names=names, view_of=view_of)
    if names:
        audit_reveal(db, principal, "export", f"incidents.{fmt}?{request.url.query}")
    filename = f"otkaz-incidents.{EXTENSIONS.get(fmt, fmt)}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt in BINARY_FORMATS:  # Parquet's footer comes last: the file is sent whole
        return Response(b"".join(chunks), media_type=MEDIA_TYPES[fmt], headers=headers)  # type: ignore[arg-type]
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/api/documents", tags=["documents"])
def list_documents(
    request: Request,
    principal: Reader,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 100,
) -> dict[str, Any]:
    """Stored documents (no texts) with their extraction state. Signed-in roles only."""
    db = _db(request)
    states = db.document_states((page - 1) * per_page, per_page)
    chosen = {s.document_id: s for s in states}
    view = None if principal.can("see_names") else PublicView.of_store(db, list(chosen))
    items = []
    for doc in db.documents_by_id(list(chosen)):
        state = chosen[doc.id]
        ref = view.document_ref(doc, keep_id=True) if view is not None else doc.export_ref()
        items.append({**ref, "lang": doc.lang, "status": state.status, "note": state.note, "mentions": state.mentions})
    return {"total": db.count_documents(), "page": page, "per_page": per_page, "items": items}


@router.get("/api/documents/{document_id:path}", tags=["documents"])
def get_document(request: Request, document_id: str, principal: Reader) -> dict[str, Any]:
    """One document: its text and the incident mentions found in it, with evidence. Signed-in roles
    only; viewers get the public view (names pseudonymized, evidence offsets into that text)."""
    db = _db(request)
    doc = db.get_document(document_id)
    if doc is None:
        raise HTTPException(404, f"no document {document_id!r}")
    mentions = db.document_mentions(doc.id)
    if principal.can("see_names"):
        audit_reveal(db, principal, "document", doc.id)
        return {
            **doc.export_ref(),
            "lang": doc.lang,
            "source_format": doc.source_format,
            "text": doc.text,
            "text_redacted": False,
            "mentions": [{"key": m.key, **m.fields_dict(), "evidence": [e.to_dict() for e in m.evidence]} for m in mentions],
        }
    view = PublicView.of_store(db, [doc.id])
    # The people its mentions name and those of the incidents (rejected too) it reports.
    shown = view.view(doc, db.recorded_names([doc.id]).get(doc.id, set()))
    return {
        **view.document_ref(doc, keep_id=True),
        "lang": doc.lang,
        "source_format": doc.source_format,
        "text": shown.text if shown else None,  # None: the names in it are still being checked
        "text_redacted": True,
        "mentions": [
            {
                "key": m.key,
                **m.fields_dict(include_names=False),
                "cited": list(dict.fromkeys(shown.cited(value) for value in m.cited)) if shown else [],
                "evidence": [shown.evidence(e).to_dict() for e in m.evidence] if shown else [],
            }
            for m in mentions
        ],
    }


@router.get("/api/places", tags=["review"])
def find_place(
    request: Request,
    principal: Annotated[Principal, Depends(requirement("review"))],
    q: Annotated[str, Query(min_length=1, description="A place name, e.g. 'Kamenka, Leningrad Oblast'")],
) -> dict[str, Any]:
    """The gazetteer's place for a name, for correcting a location. Analysts and admins only."""
    try:
        place = request.app.state.place_lookup(q)
    except CorrectionError as exc:
        raise HTTPException(503, str(exc)) from None
    if place is None:
        raise HTTPException(404, f"{q!r} is not in the gazetteer")
    return {"place": place_plain(place)}
