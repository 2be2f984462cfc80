"""Area statistics by the reader's scope: ``community_stats`` no longer reads across it.

The materialised view ``community_stats`` (0003) counts buildings, households, persons
and workers per community, and a materialised view carries no row-level security: a
user scoped to one community read every other community's counts (and a grid worker
their whole community's) through the area statistics, although the tables counted
show them none of those rows. The API's role now reads the view ``scoped_community_stats``
instead: every community, with its cameras (public map data, as the ``camera`` table),
and the other counts only where the policies of 0011 would show the rows counted —
the user has no scope, or a district, street or community scope above the community.
A grid worker's scope is part of a community, so its counts are withheld from them
too. ``seen`` says which; the owner's own sessions (loader, CLI, workers) see all, as
the tables' ``owner`` policies let them, and a job acting as its user (``SET ROLE``)
sees what its user sees.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
COUNTS = ("buildings", "households", "floating_households", "persons", "floating_persons")
COUNTS += ("grid_workers",)

# No security_barrier: no row is hidden, only values, and the CASE hands an outer
# function only the withheld value; a barrier would only stop the view being inlined.
# Each sub-SELECT is an InitPlan: the scope is read once per statement, not per row.
# The view's own functions run as the reader (current_user): its owner, or a role that
# may act as it, sees every row, as the tables' `owner` policies let it.
SEEN = """(
    (SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c
     WHERE c.oid = 'community_stats'::regclass)
    OR (SELECT wangge_scope_everywhere())
    OR (s.community_id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[]))
        AND (SELECT wangge_scope_grid()) IS NULL)
)"""

VIEW = f"""
CREATE VIEW scoped_community_stats AS
SELECT s.community_id, v.seen, s.cameras,
       {", ".join(f"CASE WHEN v.seen THEN s.{c} END AS {c}" for c in COUNTS)}
FROM community_stats s CROSS JOIN LATERAL (SELECT {SEEN} AS seen) v
"""


def upgrade() -> None:
    op.execute(VIEW)
    # The view reads community_stats as its owner; the API's role reads only the view.
    op.execute(f"REVOKE ALL ON community_stats FROM {API_ROLE}")
    op.execute(f"REVOKE ALL ON scoped_community_stats FROM {API_ROLE}")
    op.execute(f"GRANT SELECT ON scoped_community_stats TO {API_ROLE}")


def downgrade() -> None:
    op.execute("DROP VIEW scoped_community_stats")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON community_stats TO {API_ROLE}")
