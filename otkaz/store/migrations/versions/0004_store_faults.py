"""Faults: a document whose extraction failed has the status "failed"; merge_state counts the
changes to what merging reads, so that a merge never stores incidents from stale mentions;
incident_aliases leads an incident id that merging gave up to the incident holding its reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_STATUS_CHECK = "ck_documents_extraction_status"


def _status_check(statuses: tuple[str, ...]) -> str:
    return "extraction_status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    merge_state = op.create_table(
        "merge_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_state")),
    )
    op.bulk_insert(merge_state, [{"id": 1, "revision": 0}])
    op.create_table(
        "incident_aliases",
        sa.Column("old_id", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("since", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("old_id", name=op.f("pk_incident_aliases")),
    )
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f(_STATUS_CHECK), type_="check")
        batch.create_check_constraint(
            op.f(_STATUS_CHECK), _status_check(("pending", "processed", "not_processed", "failed"))
        )


def downgrade() -> None:
    op.drop_table("incident_aliases")
    op.drop_table("merge_state")
    # A failed document goes back to pending: the older schema has no word for it.
    op.execute("UPDATE documents SET extraction_status = 'pending' WHERE extraction_status = 'failed'")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f(_STATUS_CHECK), type_="check")
        batch.create_check_constraint(
            op.f(_STATUS_CHECK), _status_check(("pending", "processed", "not_processed"))
        )
