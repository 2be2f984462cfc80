"""What each camera sees: visibility polygons and coverage, kept current.

- ``camera_view``: each camera's visibility polygon (gis.cameras.visibility).
- ``camera_coverage``: each community's public space and blind spots (the public space
  no online camera sees); row-level security by the user's scope, as incidents: a map
  of where nobody watches is not for everyone.
- ``camera_view_queue``, ``camera_coverage_queue``: what must be computed again.
  Statement-level triggers fill them: a camera added, moved, turned or given another
  range queues itself; a status change, or any change, queues the communities within
  its range; a footprint added, moved or removed queues the cameras whose range reaches
  it and the communities it lies in. ``gis.cameras.refresh`` empties them (the workers'
  housekeeping, every minute; ``wangge cameras views``).
- ``camera.last_heartbeat_at``: the video gateway's last sign of life (the heartbeat
  endpoint writes it; a heartbeat alone queues nothing).
- Tile change counters for the layers ``camera_views`` and ``blind_spots``; a camera's
  status change also touches ``camera_views`` (its tiles show the status).

The API's role reads the views and coverage and touches neither queue: the trigger
functions run as their owner.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
SCOPE = (
    "(SELECT wangge_scope_everywhere()) OR "
    "community_id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[]))"
)

# What a set of changed cameras (`moved`: id, geom, range_m, seen) or footprints
# (`moved`: geom) makes stale. Written once, put after each trigger branch's own `moved`
# CTE (transition tables differ per branch and cannot be passed to a function).
# Each branch runs with EXECUTE, planned for the rows at hand: PL/pgSQL keeps a plan of
# a static statement, and one made for the empty UPDATE half of a loader's upsert (a
# nested loop over new_rows × old_rows) took minutes over the 38,437 rows of the link
# UPDATE that follows it (10,000 rows: over 40 s; planned afresh: 0.2 s).
_CAMERAS_STALE = """, viewed AS (
        INSERT INTO camera_view_queue (camera_id)
        SELECT DISTINCT id FROM moved WHERE seen
        ON CONFLICT DO NOTHING RETURNING 1
    ), tiles AS (
        INSERT INTO tile_change (layer, bbox)
        SELECT 'camera_views', ST_Expand(ST_SetSRID(ST_Extent(
                   wangge_camera_reach(geom, range_m))::geometry, 4326), 1e-9)
        FROM moved HAVING count(*) > 0 RETURNING 1
    )
    INSERT INTO camera_coverage_queue (community_id)
    SELECT DISTINCT a.id FROM moved k
    JOIN area a ON a.level = 'community' AND a.geom && wangge_camera_reach(k.geom, k.range_m)
    ON CONFLICT DO NOTHING"""
_FOOTPRINTS_STALE = """, near AS (
        INSERT INTO camera_view_queue (camera_id)
        SELECT DISTINCT k.id FROM moved f
        JOIN camera k
          ON k.geom && ST_Expand(f.geom, wangge_metres_to_degrees(ST_YMax(f.geom), $1))
         AND ST_DWithin(k.geom::geography, f.geom::geography, coalesce(k.range_m, 50))
        ON CONFLICT DO NOTHING RETURNING 1
    )
    INSERT INTO camera_coverage_queue (community_id)
    SELECT DISTINCT a.id FROM moved f
    JOIN area a ON a.level = 'community' AND a.geom && f.geom
    ON CONFLICT DO NOTHING"""

FUNCTIONS = f"""
-- Degrees of longitude that span at least p_metres at latitude p_lat: a box grown by it
-- holds everything within p_metres (a degree of latitude is longer than one of longitude).
CREATE FUNCTION wangge_metres_to_degrees(p_lat float8, p_metres float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_metres / (110000.0 * greatest(cos(radians(least(abs(p_lat), 89.0))), 0.01))
$$;

CREATE FUNCTION wangge_camera_reach(p_geom geometry, p_range float8) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_Expand(p_geom, wangge_metres_to_degrees(ST_Y(p_geom), coalesce(p_range, 50)))
$$;

CREATE FUNCTION wangge_camera_changed() RETURNS trigger LANGUAGE plpgsql {DEFINER} AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE $run$ WITH moved AS (SELECT id, geom, range_m, true AS seen FROM new_rows)
        {_CAMERAS_STALE} $run$;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE $run$ WITH moved AS (SELECT id, geom, range_m, false AS seen FROM old_rows)
        {_CAMERAS_STALE} $run$;
    ELSE
        -- A heartbeat (last_heartbeat_at) or a new name changes nothing seen; a status
        -- change changes coverage, not the view.
        EXECUTE $run$ WITH moved AS (
            SELECT n.id, g.geom, g.range_m,
                   (n.geom, n.heading, n.fov_deg, n.range_m)
                   IS DISTINCT FROM (o.geom, o.heading, o.fov_deg, o.range_m) AS seen
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            CROSS JOIN LATERAL (VALUES (n.geom, n.range_m), (o.geom, o.range_m))
                AS g(geom, range_m)
            WHERE (n.geom, n.heading, n.fov_deg, n.range_m, n.status)
                  IS DISTINCT FROM (o.geom, o.heading, o.fov_deg, o.range_m, o.status)
        )
        {_CAMERAS_STALE} $run$;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION wangge_footprints_changed() RETURNS trigger LANGUAGE plpgsql {DEFINER} AS $$
DECLARE
    reach float8 := coalesce((SELECT max(range_m) FROM camera), 50);
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE $run$ WITH moved AS (SELECT geom FROM new_rows)
        {_FOOTPRINTS_STALE} $run$ USING reach;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE $run$ WITH moved AS (SELECT geom FROM old_rows)
        {_FOOTPRINTS_STALE} $run$ USING reach;
    ELSE  -- only footprints that moved: a new household count changes nothing seen
        EXECUTE $run$ WITH moved AS (
            SELECT g.geom FROM new_rows n JOIN old_rows o ON o.id = n.id
            CROSS JOIN LATERAL (VALUES (n.geom), (o.geom)) AS g(geom)
            WHERE n.geom IS DISTINCT FROM o.geom
        )
        {_FOOTPRINTS_STALE} $run$ USING reach;
    END IF;
    RETURN NULL;
END $$;
"""

WATCHED = (("camera", "wangge_camera_changed"), ("building", "wangge_footprints_changed"))
TILE_LAYERS = (("camera_view", "camera_views"), ("camera_coverage", "blind_spots"))


def _tables() -> None:
    when = sa.DateTime(timezone=True)
    now = sa.text("now()")

    def multipolygon() -> geoalchemy2.types.Geometry:
        return geoalchemy2.types.Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)

    op.create_table(
        "camera_view",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("geom", multipolygon(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("computed_at", when, server_default=now, nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_camera_view_geom_valid")),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], ondelete="CASCADE",
                                name=op.f("fk_camera_view_camera_id_camera")),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_view")),
    )  # fmt: skip
    op.create_index("ix_camera_view_geom", "camera_view", ["geom"], postgresql_using="gist")
    op.create_table(
        "camera_coverage",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("public_geom", multipolygon(), nullable=False),
        sa.Column("geom", multipolygon(), nullable=False),
        *(sa.Column(c, sa.Float(), nullable=False) for c in ("area_m2", "public_m2", "covered_m2")),
        sa.Column("computed_at", when, server_default=now, nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_camera_coverage_geom_valid")),
        sa.ForeignKeyConstraint(["community_id"], ["area.id"], ondelete="CASCADE",
                                name=op.f("fk_camera_coverage_community_id_area")),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_camera_coverage")),
    )  # fmt: skip
    op.create_index("ix_camera_coverage_geom", "camera_coverage", ["geom"], postgresql_using="gist")
    for table, key, target in (
        ("camera_view_queue", "camera_id", "camera"),
        ("camera_coverage_queue", "community_id", "area"),
    ):
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column("queued_at", when, server_default=now, nullable=False),
            sa.ForeignKeyConstraint([key], [f"{target}.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{table}_{key}_{target}")),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
        )  # fmt: skip


def upgrade() -> None:
    op.add_column(
        "camera", sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True)
    )
    _tables()
    op.execute(FUNCTIONS)
    for table, function in WATCHED:
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER views_stale_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    for table, layer in TILE_LAYERS:
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER tile_change_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION wangge_tile_change('{layer}')"
            )
    # What is there already is stale from the start.
    op.execute("INSERT INTO camera_view_queue (camera_id) SELECT id FROM camera")
    op.execute(
        "INSERT INTO camera_coverage_queue (community_id) "
        "SELECT id FROM area WHERE level = 'community'"
    )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON camera_view, camera_coverage FROM {API_ROLE}")
    # The API may tell whether an answer waits on a refresh; only triggers queue.
    op.execute(f"REVOKE ALL ON camera_view_queue, camera_coverage_queue FROM {API_ROLE}")
    op.execute(f"GRANT SELECT ON camera_view_queue, camera_coverage_queue TO {API_ROLE}")
    op.execute("ALTER TABLE camera_coverage ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE camera_coverage FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY scope ON camera_coverage TO {API_ROLE} USING ({SCOPE})")
    op.execute("CREATE POLICY owner ON camera_coverage TO CURRENT_USER USING (true)")


def downgrade() -> None:
    for table, _ in WATCHED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS views_stale_{event} ON {table}")
    for table in ("camera_coverage_queue", "camera_view_queue", "camera_coverage", "camera_view"):
        op.drop_table(table)
    for function in ("wangge_footprints_changed()", "wangge_camera_changed()",
                     "wangge_camera_reach(geometry, float8)",
                     "wangge_metres_to_degrees(float8, float8)"):  # fmt: skip
        op.execute(f"DROP FUNCTION {function}")
    op.drop_column("camera", "last_heartbeat_at")
