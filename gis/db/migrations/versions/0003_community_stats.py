"""Per-community counts of buildings, households and people, kept as a materialised view.

Summing half a million persons for a district on every click is too slow for
the drill-down; the loader refreshes this view in the same transaction as any
load that changes what it counts, so answers are never stale. Counts that move
by the minute (open incidents, published grids) stay live in the query.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIEW = """
CREATE MATERIALIZED VIEW community_stats AS
WITH b AS (
    SELECT community_id, count(*) AS buildings FROM building GROUP BY community_id
), h AS (
    SELECT b.community_id, count(*) AS households,
           count(*) FILTER (WHERE h.kind = 'floating') AS floating_households
    FROM household h JOIN building b ON b.id = h.building_id GROUP BY b.community_id
), p AS (
    SELECT b.community_id, count(*) AS persons,
           count(*) FILTER (WHERE 'floating' = ANY(p.tags)) AS floating_persons
    FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
    GROUP BY b.community_id
), k AS (
    SELECT community_id, count(*) AS cameras FROM camera GROUP BY community_id
), w AS (
    SELECT community_id, count(*) AS grid_workers FROM worker GROUP BY community_id
)
SELECT a.id AS community_id,
       coalesce(b.buildings, 0) AS buildings,
       coalesce(h.households, 0) AS households,
       coalesce(h.floating_households, 0) AS floating_households,
       coalesce(p.persons, 0) AS persons,
       coalesce(p.floating_persons, 0) AS floating_persons,
       coalesce(k.cameras, 0) AS cameras,
       coalesce(w.grid_workers, 0) AS grid_workers
FROM area a
LEFT JOIN b ON b.community_id = a.id
LEFT JOIN h ON h.community_id = a.id
LEFT JOIN p ON p.community_id = a.id
LEFT JOIN k ON k.community_id = a.id
LEFT JOIN w ON w.community_id = a.id
WHERE a.level = 'community'
"""


def upgrade() -> None:
    op.execute(VIEW)
    op.execute("CREATE UNIQUE INDEX ix_community_stats_id ON community_stats (community_id)")
    op.execute(
        "CREATE INDEX ix_incident_open_community ON incident (community_id) "
        "WHERE status NOT IN ('resolved', 'closed')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_incident_open_community")
    op.execute("DROP MATERIALIZED VIEW IF EXISTS community_stats")
