"""Stale public views: the documents whose mentions or incident people changed, marked by the
writes that change them, so that making the views again costs what changed, not the store.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

Created without a redaction_state row: the first refresh after the upgrade checks the view of
every document with a mention once, as every refresh did before.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "redaction_pending",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_pending")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_redaction_pending_document_id"), "redaction_pending", ["document_id"])
    op.create_table(
        "redaction_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_state")),
    )


def downgrade() -> None:
    op.drop_table("redaction_state")
    op.drop_index(op.f("ix_redaction_pending_document_id"), table_name="redaction_pending")
    op.drop_table("redaction_pending")
