"""Writing incidents: their rows, the columns and labels the incident queries filter on, and
their reports; shared by the full replacement (``database``) and the incremental one
(``merge_index``), so that both write the same rows."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from otkaz.model import Incident
from otkaz.store import codec, stale_views
from otkaz.store.schema import incident_labels, incident_reports, incidents


def report_rows(new_incidents: list[Incident]) -> list[dict[str, Any]]:
    """The ``incident_reports`` rows of the incidents, in report order."""
    return [
        {"incident_id": i.id, "position": n, "document_id": r.mention.document_id, "mention_key": r.mention.key}
        for i in new_incidents
        for n, r in enumerate(i.reports)
    ]


def insert_incidents(conn: Connection, new_incidents: list[Incident], reports: list[dict[str, Any]]) -> None:
    """Insert the incidents with their query columns, labels and ``reports`` (``report_rows``)."""
    if new_incidents:
        conn.execute(
            insert(incidents), [{**codec.incident_row(i), **codec.incident_place_columns(i)} for i in new_incidents]
        )
        labels = [row for incident in new_incidents for row in codec.incident_label_rows(incident)]
        if labels:
            conn.execute(insert(incident_labels), labels)
    if reports:
        conn.execute(insert(incident_reports), reports)
    stale_views.mark_named(conn, new_incidents)  # their people are names of the documents they report
