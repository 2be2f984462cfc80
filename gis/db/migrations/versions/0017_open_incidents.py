"""One meaning of "open" for incidents: reported, accepted, dispatched or in progress
(gis.incidents.workflow.OPEN). The statistics, the clustered tiles and this index
counted "not resolved or closed", which also took verified and rejected incidents in.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OPEN = "status IN ('reported', 'accepted', 'dispatched', 'in_progress')"


def upgrade() -> None:
    op.execute("DROP INDEX ix_incident_open_community")
    op.execute(f"CREATE INDEX ix_incident_open_community ON incident (community_id) WHERE {OPEN}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_incident_open_community")
    op.execute(
        "CREATE INDEX ix_incident_open_community ON incident (community_id) "
        "WHERE status NOT IN ('resolved', 'closed')"
    )
