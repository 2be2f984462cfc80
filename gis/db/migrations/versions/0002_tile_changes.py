"""Tile change log: where each layer's data changed, for exact tile ETags.

Every write to a mapped table records the bounding box it touched, once per
statement (transition tables), so a bulk load adds one row, not one per feature.
A tile's ETag is the newest change id whose box meets the tile: it changes
exactly when data under the tile changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (table, tile layer whose tiles its rows draw)
WATCHED = (
    ("area", "areas"),
    ("grid", "grids"),
    ("building", "buildings"),
    ("camera", "cameras"),
    ("incident", "incidents"),
)

FUNCTION = """
CREATE FUNCTION wangge_tile_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    box geometry;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326) INTO box FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326) INTO box FROM old_rows;
    ELSE
        SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326) INTO box
        FROM (SELECT geom FROM new_rows UNION ALL SELECT geom FROM old_rows) AS touched;
    END IF;
    IF box IS NOT NULL THEN
        INSERT INTO tile_change (layer, bbox) VALUES (TG_ARGV[0], ST_Expand(box, 1e-9));
    END IF;
    RETURN NULL;
END $$;

-- Publishing or archiving a plan changes which grids the 'grids' layer shows.
CREATE FUNCTION wangge_plan_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO tile_change (layer, bbox)
        SELECT 'grids', ST_Expand(ST_Envelope(a.geom), 1e-9) FROM area a WHERE a.id = NEW.area_id;
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "tile_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("layer", sa.String(length=32), nullable=False),
        sa.Column(
            "bbox",
            geoalchemy2.types.Geometry(geometry_type="POLYGON", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tile_change")),
    )
    op.create_index("ix_tile_change_bbox", "tile_change", ["bbox"], postgresql_using="gist")
    op.create_index("ix_tile_change_layer_id", "tile_change", ["layer", "id"])
    op.execute(FUNCTION)
    for table, layer in WATCHED:
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
    op.execute(
        "CREATE TRIGGER tile_change_plan AFTER UPDATE OF status ON grid_plan "
        "FOR EACH ROW EXECUTE FUNCTION wangge_plan_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tile_change_plan ON grid_plan")
    for table, _ in WATCHED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS tile_change_{event} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS wangge_plan_change()")
    op.execute("DROP FUNCTION IF EXISTS wangge_tile_change()")
    op.drop_index("ix_tile_change_layer_id", table_name="tile_change")
    op.drop_index("ix_tile_change_bbox", table_name="tile_change", postgresql_using="gist")
    op.drop_table("tile_change")
