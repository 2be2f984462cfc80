"""Cameras get the tile columns buildings and incidents have (0005, 0006).

A district has tens of thousands of cameras (21,260 in the Luqiao sample), so a
zoom-10 camera tile drew every one: 144 ms and 1.9 MB. With the Web Mercator
geometry, the 2^24 grid position and the Morton key stored, low-zoom camera tiles
are counted per cell from one index-only range scan, and a dense tile at any zoom
can be told from the index before it is drawn.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MX = "floor((ST_X(geom) + 180) / 360 * 16777216)::int8"
MY = (
    "floor((1 - ln(tan(radians(ST_Y(geom))) + 1 / cos(radians(ST_Y(geom)))) / pi()) / 2 "
    "* 16777216)::int8"
)


def upgrade() -> None:
    op.execute(
        "ALTER TABLE camera "
        "ADD COLUMN geom_3857 geometry(Point, 3857) "
        "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED, "
        f"ADD COLUMN mx int8 GENERATED ALWAYS AS ({MX}) STORED, "
        f"ADD COLUMN my int8 GENERATED ALWAYS AS ({MY}) STORED, "
        f"ADD COLUMN morton int8 GENERATED ALWAYS AS (wangge_morton24({MX}, {MY})) STORED"
    )
    op.execute("CREATE INDEX ix_camera_morton ON camera (morton) INCLUDE (mx, my, status)")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE camera DROP COLUMN morton, DROP COLUMN my, DROP COLUMN mx, "
        "DROP COLUMN geom_3857"
    )
