"""What the web's filters, facets, sorting and word search read in SQL: the place and point of
each incident, its list-valued fields as rows, the people of each mention, each document's
case-folded text, the version, case-folded text and names of each public view, and a count of
the changes to all that (query_state).

Existing stores get them filled in from what they hold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH = 1000


def _fold(text: str) -> str:
    """As otkaz.store.database.fold (a migration keeps its own copy)."""
    return " ".join(text.casefold().split())


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("country", sa.String(), nullable=True))
        batch.add_column(sa.Column("region", sa.String(), nullable=True))
        batch.add_column(sa.Column("lat", sa.Double(), nullable=True))
        batch.add_column(sa.Column("lon", sa.Double(), nullable=True))
    op.create_index(op.f("ix_incidents_status_date_start"), "incidents", ["status", "date_start"])
    op.create_table(
        "incident_labels",
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_labels_incident_id_incidents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("incident_id", "kind", "value", name=op.f("pk_incident_labels")),
    )
    op.create_index(op.f("ix_incident_labels_kind_value"), "incident_labels", ["kind", "value"])
    op.create_table(
        "mention_people",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("mention_key", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_mention_people_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", "mention_key", "name", name=op.f("pk_mention_people")),
    )
    op.create_table(
        "document_search",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_search_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_search")),
    )
    with op.batch_alter_table("redactions") as batch:
        batch.add_column(sa.Column("version", sa.String(), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    op.create_table(
        "redaction_names",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["redactions.document_id"],
            name=op.f("fk_redaction_names_document_id_redactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "name", name=op.f("pk_redaction_names")),
    )
    query_state = op.create_table(
        "query_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_state")),
    )
    op.bulk_insert(query_state, [{"id": 1, "revision": 0}])
    _fill(op.get_bind())


def _place(incident: Any) -> dict[str, Any] | None:
    return incident.location if incident.location is not None else incident.origin


def _fill(conn: sa.Connection) -> None:
    json = sa.JSON(none_as_null=True)
    incidents = sa.table(
        "incidents",
        sa.column("id"),
        sa.column("location", json),
        sa.column("origin", json),
        sa.column("actors", json),
        sa.column("consequences", json),
        sa.column("people", json),
        sa.column("country"),
        sa.column("region"),
        sa.column("lat"),
        sa.column("lon"),
    )
    labels = sa.table("incident_labels", sa.column("incident_id"), sa.column("kind"), sa.column("value"))
    rows = conn.execute(
        sa.select(incidents.c.id, incidents.c.location, incidents.c.origin, incidents.c.actors,
                  incidents.c.consequences, incidents.c.people)
    ).all()
    for row in rows:
        place = _place(row) or {}
        point = next(
            (p for p in (row.location, row.origin) if p and p.get("lat") is not None and p.get("lon") is not None),
            {},
        )
        conn.execute(
            sa.update(incidents)
            .where(incidents.c.id == row.id)
            .values(country=place.get("country"), region=place.get("admin1"), lat=point.get("lat"), lon=point.get("lon"))
        )
        values = {
            (kind, value)
            for kind, items in (("actor", row.actors), ("consequence", row.consequences), ("person", row.people))
            for value in items or []
        }
        if values:
            conn.execute(sa.insert(labels), [{"incident_id": row.id, "kind": k, "value": v} for k, v in sorted(values)])
    mentions = sa.table("mentions", sa.column("document_id"), sa.column("key"), sa.column("people", json))
    people = sa.table("mention_people", sa.column("document_id"), sa.column("mention_key"), sa.column("name"))
    found = [
        {"document_id": doc, "mention_key": key, "name": name}
        for doc, key, names in conn.execute(sa.select(mentions.c.document_id, mentions.c.key, mentions.c.people))
        for name in sorted(set(names or []))
    ]
    for start in range(0, len(found), _BATCH):
        conn.execute(sa.insert(people), found[start : start + _BATCH])
    documents = sa.table("documents", sa.column("id"), sa.column("title"), sa.column("text"))
    search = sa.table("document_search", sa.column("document_id"), sa.column("text"))
    ids = [row[0] for row in conn.execute(sa.select(documents.c.id))]
    for start in range(0, len(ids), _BATCH):
        chunk = conn.execute(
            sa.select(documents.c.id, documents.c.title, documents.c.text).where(documents.c.id.in_(ids[start : start + _BATCH]))
        ).all()
        conn.execute(
            sa.insert(search), [{"document_id": d, "text": _fold(f"{title or ''} {text}")} for d, title, text in chunk]
        )
    redactions = sa.table(
        "redactions", sa.column("document_id"), sa.column("view", json), sa.column("version"), sa.column("search_text")
    )
    names = sa.table("redaction_names", sa.column("document_id"), sa.column("name"))
    for document_id, view in conn.execute(sa.select(redactions.c.document_id, redactions.c.view)).all():
        conn.execute(
            sa.update(redactions)
            .where(redactions.c.document_id == document_id)
            .values(version=view.get("version"), search_text=_fold(f"{view.get('title') or ''} {view.get('text') or ''}"))
        )
        recorded = sorted(set(view.get("recorded") or []))
        if recorded:
            conn.execute(sa.insert(names), [{"document_id": document_id, "name": n} for n in recorded])


def downgrade() -> None:
    op.drop_table("query_state")
    op.drop_table("redaction_names")
    with op.batch_alter_table("redactions") as batch:
        batch.drop_column("search_text")
        batch.drop_column("version")
    op.drop_table("document_search")
    op.drop_table("mention_people")
    op.drop_index(op.f("ix_incident_labels_kind_value"), table_name="incident_labels")
    op.drop_table("incident_labels")
    op.drop_index(op.f("ix_incidents_status_date_start"), table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("lon")
        batch.drop_column("lat")
        batch.drop_column("region")
        batch.drop_column("country")
