"""Initial schema: documents, mentions, aggregates, incidents, decisions, audit log, users.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def _incident_fields() -> list[sa.Column]:
    return [
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("actors", _json(), nullable=False),
        sa.Column("count_min", sa.Integer(), nullable=True),
        sa.Column("count_max", sa.Integer(), nullable=True),
        sa.Column("location", _json(), nullable=True),
        sa.Column("origin", _json(), nullable=True),
        sa.Column("date_start", sa.String(length=10), nullable=True),
        sa.Column("date_end", sa.String(length=10), nullable=True),
        sa.Column("consequences", _json(), nullable=False),
        sa.Column("cited", _json(), nullable=False),
        sa.Column("people", _json(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(), nullable=True),
        sa.Column("published", sa.String(), nullable=True),
        sa.Column("lang", sa.String(), nullable=True),
        sa.Column("source_format", sa.String(), nullable=False),
        sa.Column("ingested_at", sa.String(), nullable=False),
        sa.Column("extraction_status", sa.String(), nullable=False),
        sa.Column("extractor_version", sa.String(), nullable=True),
        sa.Column("extraction_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "extraction_status IN ('pending', 'processed', 'not_processed')",
            name=op.f("ck_documents_extraction_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_documents_content_hash")),
    )
    op.create_table(
        "mentions",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        *_incident_fields(),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("units", _json(), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_mentions_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_mentions")),
        sa.UniqueConstraint("document_id", "key", name=op.f("uq_mentions_document_id_key")),
    )
    op.create_table(
        "aggregates",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("count_min", sa.Integer(), nullable=True),
        sa.Column("count_max", sa.Integer(), nullable=True),
        sa.Column("evidence", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_aggregates_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_aggregates")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(), nullable=False),
        *_incident_fields(),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("merge_reasons", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_date_start"), "incidents", ["date_start"])
    op.create_table(
        "incident_reports",
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("mention_key", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reports_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "position", name=op.f("pk_incident_reports")),
    )
    op.create_index(
        op.f("ix_incident_reports_document_id_mention_key"),
        "incident_reports",
        ["document_id", "mention_key"],
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("other_ids", _json(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_incident_id"), "decisions", ["incident_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("object_type", sa.String(), nullable=False),
        sa.Column("object_id", sa.String(), nullable=False),
        sa.Column("before", _json(), nullable=True),
        sa.Column("after", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_object_id"), "audit_log", ["object_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("api_token_hash", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("api_token_hash", name=op.f("uq_users_api_token_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )


def downgrade() -> None:
    for table in (
        "users",
        "audit_log",
        "decisions",
        "incident_reports",
        "incidents",
        "aggregates",
        "mentions",
        "documents",
    ):
        op.drop_table(table)
