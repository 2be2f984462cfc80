"""Locked grids of a draft plan, left alone by a rebalance.

A column on ``grid`` rather than a table of its own: a lock belongs to one grid of one
plan and goes with it, and ``grid`` is already read and written only through the plan
routes, which check the plan's area against the user's scope. The API's role has
``UPDATE`` on ``grid`` from migration 0011's grants.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "grid", sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("grid", "locked")
