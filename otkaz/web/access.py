"""What each principal may see: which incidents, with names or in the public view, and the
audit of every reveal of names.

The public sees confirmed incidents only, never names; viewers see every incident but no
names; analysts and admins see everything. Pages, API and exports all read incidents
through here, so the rule holds everywhere alike. Whoever may not see names reads the
public view of the documents (``otkaz.publish.redaction.PublicView``): quotes, titles, cited
sources, texts and the word search all come from it. Each time an analyst or admin is shown
names (an incident, a document, an export with names) the audit log records it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from otkaz.model import AuditEntry, Incident
from otkaz.publish.exports import export_records
from otkaz.publish.redaction import REDACTION_VERSION, REVEAL, PublicView
from otkaz.store import Database, IncidentQuery
from otkaz.web.auth import Principal
from otkaz.web.queries import PUBLISHED_STATUS, STATUSES, IncidentFilter, store_query


def effective_filter(flt: IncidentFilter, principal: Principal) -> IncidentFilter:
    """The public cannot filter by review status: it only ever sees published incidents."""
    return flt if principal.can("see_unpublished") else replace(flt, statuses=[])


def visible_statuses(principal: Principal, flt: IncidentFilter) -> list[str]:
    """The statuses of the incidents the principal may see: the public only published ones;
    accounts every other one, and rejected ones too when the filter asks for them."""
    if not principal.can("see_unpublished"):
        return [PUBLISHED_STATUS]
    return [s for s in STATUSES if s != "rejected" or "rejected" in flt.statuses]


def incident_queries(principal: Principal, flt: IncidentFilter) -> tuple[IncidentQuery, IncidentQuery]:
    """(every incident the principal may see, those of them the filter lets through), as store queries.

    Words are searched in what the principal may read: the public view for the public and
    viewers (so that a search cannot tell which names an article holds), the originals else."""
    flt = effective_filter(flt, principal)
    statuses = visible_statuses(principal, flt)
    version = None if principal.can("see_names") else REDACTION_VERSION
    return IncidentQuery(statuses=tuple(statuses)), store_query(flt, statuses, version)


def public_view(db: Database, principal: Principal, incidents: Iterable[Incident]) -> PublicView | None:
    """The public view of these incidents' documents; None for those who may see names."""
    if principal.can("see_names"):
        return None
    return PublicView.of_store(db, {report.document.id for incident in incidents for report in incident.reports})


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


def incident_records(db: Database, incidents: list[Incident], principal: Principal) -> list[dict[str, Any]]:
    """Export records (``Incident.to_export``) with status: names only for those who may see them."""
    names = principal.can("see_names")
    records = export_records(incidents, include_names=names, view=public_view(db, principal, incidents))
    for incident, record in zip(incidents, records, strict=True):
        record["status"] = incident.status
    return records


def audit_reveal(db: Database, principal: Principal, object_type: str, object_id: str) -> None:
    """Record that names were shown to an analyst or admin (nothing for other roles: they see none)."""
    if principal.can("see_names"):
        db.audit(AuditEntry(principal.name or "", REVEAL, object_type, object_id))
