"""What each principal may see: which incidents, and with or without people's names.

The public sees confirmed incidents only, never names; viewers see every incident
but no names; analysts and admins see everything. Pages, API and exports all read
incidents through here, so the rule holds everywhere alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import HTTPException

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


def incident_or_404(db: Database, principal: Principal, incident_id: str) -> Incident:
    incident = db.get_incident(incident_id)
    hidden = incident is not None and (
        not principal.can("see_unpublished") and incident.status != PUBLISHED_STATUS
    )
    if incident is None or hidden:
        raise HTTPException(404, f"no incident {incident_id!r}")
    return incident


def incident_records(incidents: list[Incident], principal: Principal) -> list[dict[str, Any]]:
    """Export records (``Incident.to_export``), with status, names only for those who may see them."""
    records = export_records(incidents, include_names=principal.can("see_names"))
    for incident, record in zip(incidents, records, strict=True):
        record["status"] = incident.status
    return records
