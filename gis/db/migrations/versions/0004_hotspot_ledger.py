"""Hotspot ledgers: the ranked hot places of each saved analysis, to follow over time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotspot_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("places", sa.Text(), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("entries", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_ledger")),
    )
    op.create_index(
        "ix_hotspot_ledger_area_places", "hotspot_ledger", ["area_code", "places", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_hotspot_ledger_area_places", table_name="hotspot_ledger")
    op.drop_table("hotspot_ledger")
