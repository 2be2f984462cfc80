"""Camera stream heartbeats: the API may record them, and they do not stale the tiles.

The API's role reads cameras and never wrote them (0011). A heartbeat from the video
gateway sets ``camera.last_heartbeat_at`` (0019) and brings an offline camera back
online, so the role is granted UPDATE on those two columns only.

Every UPDATE of a camera recorded a tile change (0002), so a gateway's heartbeats every
minute would have emptied the cameras' tile cache every minute although no tile
changed. The camera's update trigger now records only the rows that changed in
something besides ``last_heartbeat_at``.

Row-level security on ``camera`` limits the API's updates to its user's scope.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"

FUNCTION = """
CREATE FUNCTION wangge_camera_tile_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    box geometry;
BEGIN
    -- EXECUTE plans the query for these transition tables each time: a cached plan made
    -- for an empty update (the loader's upsert) nested-loops over a large one.
    EXECUTE $run$
    WITH changed AS (
        SELECT n.geom AS new_geom, o.geom AS old_geom
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE to_jsonb(n) - 'last_heartbeat_at' IS DISTINCT FROM to_jsonb(o) - 'last_heartbeat_at'
    )
    SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326)
    FROM (SELECT new_geom AS geom FROM changed UNION ALL SELECT old_geom FROM changed) AS touched
    $run$ INTO box;
    IF box IS NOT NULL THEN
        INSERT INTO tile_change (layer, bbox) VALUES ('cameras', ST_Expand(box, 1e-9));
    END IF;
    RETURN NULL;
END $$;
"""


def _update_trigger(function: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS tile_change_update ON camera")
    op.execute(
        "CREATE TRIGGER tile_change_update AFTER UPDATE ON camera "
        "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {function}"
    )


# Cameras are public map data: the API's role reads all of them, and changes only the
# cameras of its user's scope, whatever SQL runs (the owner, not FORCEd, is unaffected).
IN_SCOPE = (
    "(SELECT wangge_scope_everywhere()) "
    "OR community_id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[]))"
)


def upgrade() -> None:
    op.execute(FUNCTION)
    _update_trigger("wangge_camera_tile_change()")
    op.execute(f"GRANT UPDATE (status, last_heartbeat_at) ON camera TO {API_ROLE}")
    op.execute("ALTER TABLE camera ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY read ON camera FOR SELECT TO {API_ROLE} USING (true)")
    op.execute(
        f"CREATE POLICY heartbeat ON camera FOR UPDATE TO {API_ROLE} "
        f"USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY heartbeat ON camera")
    op.execute("DROP POLICY read ON camera")
    op.execute("ALTER TABLE camera DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE UPDATE (status, last_heartbeat_at) ON camera FROM {API_ROLE}")
    _update_trigger("wangge_tile_change('cameras')")
    op.execute("DROP FUNCTION wangge_camera_tile_change()")
