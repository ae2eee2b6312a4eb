"""The merge index: incremental merging compares new mentions with the incidents they can join.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Created empty, without its merge_index_state row: the first merge after the upgrade is a
full one, and builds it.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_incident_reports_mention_key"), "incident_reports", ["mention_key"])
    op.create_table(
        "merge_index",
        sa.Column("mention_key", sa.String(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("component", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("mention_key", name=op.f("pk_merge_index")),
    )
    op.create_index(op.f("ix_merge_index_document_id"), "merge_index", ["document_id"])
    op.create_index(op.f("ix_merge_index_component"), "merge_index", ["component"])
    op.create_table(
        "merge_blocks",
        sa.Column("mention_key", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("mention_key", "country", "month", name=op.f("pk_merge_blocks")),
    )
    op.create_index(op.f("ix_merge_blocks_type_country_month"), "merge_blocks", ["type", "country", "month"])
    op.create_table(
        "merge_decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_merge_decisions")),
    )
    op.create_table(
        "merge_decision_keys",
        sa.Column("decision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mention_key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", "mention_key", name=op.f("pk_merge_decision_keys")),
    )
    op.create_index(op.f("ix_merge_decision_keys_mention_key"), "merge_decision_keys", ["mention_key"])
    op.create_table(
        "merge_pending",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_merge_pending")),
    )
    op.create_table(
        "merge_index_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("built_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_index_state")),
    )


def downgrade() -> None:
    op.drop_table("merge_index_state")
    op.drop_table("merge_pending")
    op.drop_index(op.f("ix_merge_decision_keys_mention_key"), table_name="merge_decision_keys")
    op.drop_table("merge_decision_keys")
    op.drop_table("merge_decisions")
    op.drop_index(op.f("ix_merge_blocks_type_country_month"), table_name="merge_blocks")
    op.drop_table("merge_blocks")
    op.drop_index(op.f("ix_merge_index_component"), table_name="merge_index")
    op.drop_index(op.f("ix_merge_index_document_id"), table_name="merge_index")
    op.drop_table("merge_index")
    op.drop_index(op.f("ix_incident_reports_mention_key"), table_name="incident_reports")
