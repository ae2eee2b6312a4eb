"""Indexes that answer the dashboard's totals, timeline and facets from the index alone: the
counts per type, country and region of the incidents of a status (and the filter by type and
country), and the dates, counts and countries of the totals and timeline, without reading the rows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

# (status, date_start) is the first part of the wider index that replaces it.
WIDER = ["status", "date_start", "count_min", "country"]
FACETS = (["status", "type", "country"], ["status", "country"], ["status", "region"])


def upgrade() -> None:
    op.drop_index(op.f("ix_incidents_status_date_start"), table_name="incidents")
    op.create_index(op.f("ix_incidents_" + "_".join(WIDER)), "incidents", WIDER)
    for columns in FACETS:
        op.create_index(op.f("ix_incidents_" + "_".join(columns)), "incidents", columns)


def downgrade() -> None:
    for columns in FACETS:
        op.drop_index(op.f("ix_incidents_" + "_".join(columns)), table_name="incidents")
    op.drop_index(op.f("ix_incidents_" + "_".join(WIDER)), table_name="incidents")
    op.create_index(op.f("ix_incidents_status_date_start"), "incidents", ["status", "date_start"])
