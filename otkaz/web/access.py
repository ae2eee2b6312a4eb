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

from fastapi import HTTPException

from otkaz.model import AuditEntry, Incident
from otkaz.publish.exports import export_records
from otkaz.publish.redaction import REVEAL, PublicView
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


def public_view(db: Database, principal: Principal, incidents: Iterable[Incident]) -> PublicView | None:
    """The public view of these incidents' documents; None for those who may see names."""
    if principal.can("see_names"):
        return None
    return PublicView.of_store(db, {report.document.id for incident in incidents for report in incident.reports})


def filtered_incidents(
    db: Database, principal: Principal, flt: IncidentFilter
) -> tuple[list[Incident], list[Incident]]:
    """(every incident the principal may see, those of them the filter lets through).

    Words are searched in what the principal may read: the public view for the public and
    viewers (so that a search cannot tell which names an article holds), the originals else."""
    flt = effective_filter(flt, principal)
    base = visible_incidents(db, principal, include_rejected="rejected" in flt.statuses)
    view = public_view(db, principal, base) if flt.q else None
    chosen = select_incidents(
        base,
        flt,
        published_only=not principal.can("see_unpublished"),
        search_text=view.search_text if view is not None else None,
    )
    return base, chosen


def incident_or_404(db: Database, principal: Principal, incident_id: str) -> Incident:
    incident = db.get_incident(incident_id)
    hidden = incident is not None and (
        not principal.can("see_unpublished") and incident.status != PUBLISHED_STATUS
    )
    if incident is None or hidden:
        raise HTTPException(404, f"no incident {incident_id!r}")
    return incident


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
