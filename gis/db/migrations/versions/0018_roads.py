"""Roads: the district's road network, loaded like the other kinds (``wangge load roads``).

``road`` holds each road as a MultiLineString (a file's LineStrings are made multi on
load) with its code, name and kind (arterial, secondary, local or a file's own). It is
public reference data, as areas are: the API's role reads it and never writes it, and
no row-level security. The nearest-worker search (gis.workers.nearest) builds its graph
from it once per change, which the tile change log records (layer ``roads``, as
migration 0002's tables do); cameras' siting puts candidate points along it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"


TRIGGERS = (
    ("INSERT", "NEW TABLE AS new_rows"),
    ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
    ("DELETE", "OLD TABLE AS old_rows"),
)


def upgrade() -> None:
    op.create_table(
        "road",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "geom",
            Geometry("MULTILINESTRING", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_road_geom_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road")),
        sa.UniqueConstraint("code", name=op.f("uq_road_code")),
    )
    op.create_index("ix_road_geom", "road", ["geom"], postgresql_using="gist")
    # Reference data: the API reads it; loading it is the owner's (the CLI).
    op.execute(f"GRANT SELECT ON road TO {API_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON road FROM {API_ROLE}")
    for event, refs in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER tile_change_{event.lower()} AFTER {event} ON road "
            f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION wangge_tile_change('roads')"
        )


def downgrade() -> None:
    for event, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER tile_change_{event.lower()} ON road")
    op.execute("DELETE FROM tile_change WHERE layer = 'roads'")
    op.drop_index("ix_road_geom", table_name="road", postgresql_using="gist")
    op.drop_table("road")
