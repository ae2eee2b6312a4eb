"""Which public views may be stale (``redaction_pending``): every write that changes what a
document's view is made from, besides its text (its mentions' people, the people of the
incidents it reports), marks the document in the same transaction; the refresh reads the
marks instead of every document's names (``Database.view_marks``)."""
from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Connection, exists, insert, select

from otkaz.model import Incident
from otkaz.store.schema import documents, incident_labels, incident_reports, mentions, redaction_pending

_CHUNK = 500  # values per IN (...) list


def mark(conn: Connection, document_ids: Iterable[str]) -> None:
    rows = [{"document_id": document_id} for document_id in sorted(set(document_ids))]
    if rows:
        conn.execute(insert(redaction_pending), rows)


def mark_reporting_named(conn: Connection, incident_ids: Collection[str] | None) -> None:
    """Before the incidents of ``incident_ids`` (None: all) are deleted: the documents they
    report, where they name people (their names leave those documents' recorded names)."""
    query = (
        select(incident_reports.c.document_id)
        .join(incident_labels, incident_labels.c.incident_id == incident_reports.c.incident_id)
        .where(incident_labels.c.kind == "person")
        .distinct()
    )
    if incident_ids is None:
        conn.execute(insert(redaction_pending).from_select(["document_id"], query))
        return
    ids = sorted(incident_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = query.where(incident_reports.c.incident_id.in_(ids[start:start + _CHUNK]))
        conn.execute(insert(redaction_pending).from_select(["document_id"], chunk))


def mark_named(conn: Connection, new_incidents: Iterable[Incident]) -> None:
    """As incidents are stored: the documents reported by those that name people."""
    mark(conn, (report.mention.document_id for incident in new_incidents if incident.people
                for report in incident.reports))


def mark_all(conn: Connection) -> None:
    """Every document with a mention (the redaction rules changed, or the store is older than the marks)."""
    with_mentions = select(documents.c.id).where(exists().where(mentions.c.document_id == documents.c.id))
    conn.execute(insert(redaction_pending).from_select(["document_id"], with_mentions))
