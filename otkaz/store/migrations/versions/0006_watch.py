"""Followed sources (otkaz watch) and the dashboard's per-account "seen" marker.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=True),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("checked_at", sa.String(), nullable=True),
        sa.Column("changed_at", sa.String(), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_sources")),
    )
    op.create_table(
        "seen_markers",
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("seen_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user"], ["users.name"], name=op.f("fk_seen_markers_user_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user", name=op.f("pk_seen_markers")),
    )


def downgrade() -> None:
    op.drop_table("seen_markers")
    op.drop_table("sources")
