"""Stored Web Mercator geometry and cell keys for the two busiest tile layers.

Transforming thousands of footprints to EPSG:3857 on every tile, and computing
each point's Mercator cell with trigonometry at low zoom, cost more than the rest
of the tile. Generated columns do it once per write: ``geom_3857`` for drawing,
``mx``/``my`` the position on a 2^24 × 2^24 Mercator grid (zoom 18 × 64 cells),
from which any coarser cell is a bit shift.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Position of (lon, lat) on the 2^24 Mercator grid; a footprint uses its box centre.
MX = "floor(({lon} + 180) / 360 * 16777216)::int8"
MY = "floor((1 - ln(tan(radians({lat})) + 1 / cos(radians({lat}))) / pi()) / 2 * 16777216)::int8"
BOX_X = "(ST_XMin(geom) + ST_XMax(geom)) / 2"
BOX_Y = "(ST_YMin(geom) + ST_YMax(geom)) / 2"
LAYERS = {
    "building": ("Polygon", BOX_X, BOX_Y),
    "incident": ("Point", "ST_X(geom)", "ST_Y(geom)"),
}


def upgrade() -> None:
    for table, (kind, lon, lat) in LAYERS.items():
        op.execute(
            f"ALTER TABLE {table} "
            f"ADD COLUMN geom_3857 geometry({kind}, 3857) "
            f"GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED, "
            f"ADD COLUMN mx int8 GENERATED ALWAYS AS ({MX.format(lon=lon)}) STORED, "
            f"ADD COLUMN my int8 GENERATED ALWAYS AS ({MY.format(lat=lat)}) STORED"
        )


def downgrade() -> None:
    for table in LAYERS:
        op.execute(f"ALTER TABLE {table} DROP COLUMN geom_3857, DROP COLUMN mx, DROP COLUMN my")
