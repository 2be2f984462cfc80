"""Indexes on the columns that refer to a grid from incidents and workers.

Deleting a grid (a merge in the planner, a plan dropped) has PostgreSQL look up every
row that refers to it to set it NULL. Without an index on ``incident.grid_id`` and
``worker.grid_id`` each deleted grid read both tables whole, under the plan's row
lock, so an edit's time grew with the district's incidents.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_grid_id", "incident", ["grid_id"], unique=False)
    op.create_index("ix_worker_grid_id", "worker", ["grid_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_worker_grid_id", table_name="worker")
    op.drop_index("ix_incident_grid_id", table_name="incident")
