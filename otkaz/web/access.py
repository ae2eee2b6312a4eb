"""What each principal may see: which incidents, and with or without people's names.

The public sees confirmed incidents only, never names; viewers see every incident
but no names; analysts and admins see everything. Pages, API and exports all read
incidents through here, so the rule holds everywhere alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from otkaz.model import Incident
from otkaz.publish.exports import export_records
from otkaz.store import Database
from otkaz.web.auth import Principal
from otkaz.web.queries import PUBLISHED_STATUS, IncidentFilter, select_incidents


def effective_filter(flt: IncidentFilter, principal: Principal) -> IncidentFilter:
    """The public cannot filter by review status: it only ever sees published incidents."""
    return flt if principal.can("see_unpublished") else replace(flt, statuses=[])


def visible_incidents(db: Database, principal: Principal, include_rejected: bool = False) -> list[Incident]:
    if not principal.can("see_unpublished"):
        return [i for i in db.incidents() if i.status == PUBLISHED_STATUS]
    return db.incidents(include_rejected=include_rejected)


def filtered_incidents(
    db: Database, principal: Principal, flt: IncidentFilter
) -> tuple[list[Incident], list[Incident]]:
    """(every incident the principal may see, those of them the filter lets through)."""
    flt = effective_filter(flt, principal)
    base = visible_incidents(db, principal, include_rejected="rejected" in flt.statuses)
    chosen = select_incidents(
        base,
        flt,
        published_only=not principal.can("see_unpublished"),
        redact_names=not principal.can("see_names"),
    )
    if flt.since:
        arrived = db.arrivals_since(flt.since)
        chosen = [incident for incident in chosen if incident.id in arrived]
    return base, chosen


class IncidentMoved(Exception):
    """Merging gave the incident another id: the same URL with the new id answers (a redirect)."""

    def __init__(self, old_id: str, new_id: str) -> None:
        super().__init__(f"incident {old_id} is now {new_id}")
        self.old_id, self.new_id = old_id, new_id


def moved_response(request: Request, moved: IncidentMoved) -> RedirectResponse:
    """307: the same method and body go to the new URL (a review form posted from a page
    opened before the incident moved still lands)."""
    path = request.url.path.replace(f"/{moved.old_id}", f"/{moved.new_id}", 1)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(path + query, status_code=307)


def incident_or_404(db: Database, principal: Principal, incident_id: str) -> Incident:
    """The incident, if the principal may see it; an id merging gave up raises IncidentMoved."""
    incident = db.get_incident(incident_id)
    if incident is None and (new_id := db.moved_incident(incident_id)) is not None:
        if _visible(db.get_incident(new_id), principal):
            raise IncidentMoved(incident_id, new_id)
    if not _visible(incident, principal):
        raise HTTPException(404, f"no incident {incident_id!r}")
    return incident


def _visible(incident: Incident | None, principal: Principal) -> bool:
    return incident is not None and (principal.can("see_unpublished") or incident.status == PUBLISHED_STATUS)


def incident_records(incidents: list[Incident], principal: Principal) -> list[dict[str, Any]]:
    """Export records (``Incident.to_export``), with status, names only for those who may see them."""
    records = export_records(incidents, include_names=principal.can("see_names"))
    for incident, record in zip(incidents, records, strict=True):
        record["status"] = incident.status
    return records
