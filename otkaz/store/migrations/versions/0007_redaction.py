"""The public view of documents: redactions (names replaced by pseudonyms) and pseudonym numbers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "redactions",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("entities", _json(), nullable=False),
        sa.Column("names_digest", sa.String(length=64), nullable=False),
        sa.Column("view", _json(), nullable=False),
        sa.Column("made_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_redactions_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_redactions")),
    )
    op.create_table(
        "pseudonyms",
        sa.Column("number", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_pseudonyms")),
        sa.UniqueConstraint("person_key", name=op.f("uq_pseudonyms_person_key")),
    )


def downgrade() -> None:
    op.drop_table("pseudonyms")
    op.drop_table("redactions")
