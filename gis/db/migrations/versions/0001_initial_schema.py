"""Initial schema: areas, plans, grids, buildings, people, cameras, incidents, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

EXTENSIONS = ("postgis", "ltree", "pgcrypto")
ENUMS = (
    "area_level", "plan_status", "household_kind", "camera_status", "camera_level",
    "incident_urgency", "incident_status", "incident_source",
)  # fmt: skip

# A child area sits one level or more below its parent; its path extends the
# parent's. A CHECK cannot see other rows, so a trigger keeps both rules.
AREA_TRIGGER = """
CREATE FUNCTION wangge_area_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_level area_level;
    parent_path ltree;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := text2ltree(NEW.code);
        RETURN NEW;
    END IF;
    SELECT level, path INTO parent_level, parent_path FROM area WHERE id = NEW.parent_id;
    IF NEW.level <= parent_level THEN
        RAISE EXCEPTION 'area %: a % cannot sit under a %', NEW.code, NEW.level, parent_level
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_area_level_below_parent';
    END IF;
    NEW.path := parent_path || text2ltree(NEW.code);
    RETURN NEW;
END $$;

CREATE TRIGGER area_path BEFORE INSERT OR UPDATE OF parent_id, code, level ON area
    FOR EACH ROW EXECUTE FUNCTION wangge_area_path();

-- When an area's path changes, touching its children recomputes theirs, recursively.
CREATE FUNCTION wangge_area_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.path IS DISTINCT FROM OLD.path OR NEW.level IS DISTINCT FROM OLD.level THEN
        UPDATE area SET parent_id = parent_id WHERE parent_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER area_children AFTER UPDATE ON area
    FOR EACH ROW EXECUTE FUNCTION wangge_area_children();
"""


class _LTree(sa.types.UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw):
        return "LTREE"


def upgrade() -> None:
    for name in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "level", sa.Enum("district", "street", "community", name="area_level"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", _LTree(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.CheckConstraint("code ~ '^[0-9]{12}$'", name=op.f("ck_area_code_format")),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_area_geom_valid")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["area.id"], name=op.f("fk_area_parent_id_area"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("code", name=op.f("uq_area_code")),
    )
    op.create_index("ix_area_geom", "area", ["geom"], unique=False, postgresql_using="gist")
    op.create_index("ix_area_path", "area", ["path"], unique=False, postgresql_using="gist")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=True),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("levels", sa.SmallInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("households", sa.Integer(), server_default="0", nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_building_geom_valid")),
        sa.CheckConstraint("households >= 0", name=op.f("ck_building_households_nonnegative")),
        sa.CheckConstraint(
            "levels IS NULL OR levels > 0", name=op.f("ck_building_levels_positive")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["area.id"],
            name=op.f("fk_building_community_id_area"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
        sa.UniqueConstraint("code", name=op.f("uq_building_code")),
    )
    op.create_index("ix_building_community_id", "building", ["community_id"], unique=False)
    op.create_index("ix_building_geom", "building", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "camera",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("fov_deg", sa.Float(), nullable=True),
        sa.Column("range_m", sa.Float(), nullable=True),
        sa.Column("stream_url", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("online", "offline", "maintenance", name="camera_status"),
            server_default="online",
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum("district", "street", "community", "private", name="camera_level"),
            nullable=False,
        ),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_camera_geom_valid")),
        sa.CheckConstraint(
            "fov_deg IS NULL OR (fov_deg > 0 AND fov_deg <= 360)", name=op.f("ck_camera_fov")
        ),
        sa.CheckConstraint(
            "heading IS NULL OR (heading >= 0 AND heading <= 360)", name=op.f("ck_camera_heading")
        ),
        sa.CheckConstraint("range_m IS NULL OR range_m > 0", name=op.f("ck_camera_range_positive")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["area.id"],
            name=op.f("fk_camera_community_id_area"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera")),
        sa.UniqueConstraint("code", name=op.f("uq_camera_code")),
    )
    op.create_index("ix_camera_geom", "camera", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "grid_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "published", "archived", name="plan_status"),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column(
            "params",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_by", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_grid_plan_area_id_area"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_plan")),
    )
    op.create_index(
        "uq_grid_plan_one_published",
        "grid_plan",
        ["area_id"],
        unique=True,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "grid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=15), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("households", sa.Integer(), server_default="0", nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_grid_geom_valid")),
        sa.CheckConstraint("households >= 0", name=op.f("ck_grid_households_nonnegative")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["area.id"],
            name=op.f("fk_grid_community_id_area"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["grid_plan.id"],
            name=op.f("fk_grid_plan_id_grid_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid")),
        sa.UniqueConstraint("plan_id", "code", name=op.f("uq_grid_plan_id_code")),
    )
    op.create_index("ix_grid_geom", "grid", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=16), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("registered", "resident", "floating", "rental", name="household_kind"),
            nullable=False,
        ),
        sa.Column("members", sa.SmallInteger(), server_default="1", nullable=False),
        sa.CheckConstraint("members >= 0", name=op.f("ck_household_members_nonnegative")),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_household_building_id_building"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
        sa.UniqueConstraint("code", name=op.f("uq_household_code")),
    )
    op.create_index("ix_household_building_id", "household", ["building_id"], unique=False)
    op.create_table(
        "building_grid",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_building_grid_building_id_building"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_building_grid_grid_id_grid"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["grid_plan.id"],
            name=op.f("fk_building_grid_plan_id_grid_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "building_id", name=op.f("pk_building_grid")),
    )
    op.create_index("ix_building_grid_grid_id", "building_grid", ["grid_id"], unique=False)
    op.create_table(
        "incident",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column(
            "urgency",
            sa.Enum("low", "normal", "high", "critical", name="incident_urgency"),
            server_default="normal",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "reported", "accepted", "dispatched", "resolved", "closed", name="incident_status"
            ),
            server_default="reported",
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("grid_worker", "hotline", "video", "110", name="incident_source"),
            nullable=False,
        ),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name=op.f("ck_incident_geom_valid")),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_incident_building_id_building"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["area.id"],
            name=op.f("fk_incident_community_id_area"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_incident_grid_id_grid"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("code", name=op.f("uq_incident_code")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_incident_idempotency_key")),
    )
    op.create_index("ix_incident_community_id", "incident", ["community_id"], unique=False)
    op.create_index("ix_incident_geom", "incident", ["geom"], unique=False, postgresql_using="gist")
    op.create_index("ix_incident_reported_at", "incident", ["reported_at"], unique=False)
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=56), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_hash", sa.String(length=64), nullable=True),
        sa.Column("id_number_masked", sa.String(length=18), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_masked", sa.String(length=16), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.CheckConstraint("sex IN ('M', 'F')", name=op.f("ck_person_sex_known")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_person_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("code", name=op.f("uq_person_code")),
    )
    op.create_index("ix_person_household_id", "person", ["household_id"], unique=False)
    op.create_index("ix_person_id_number_hash", "person", ["id_number_hash"], unique=False)
    op.create_table(
        "worker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("phone_masked", sa.String(length=16), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column(
            "last_geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["area.id"],
            name=op.f("fk_worker_community_id_area"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_worker_grid_id_grid"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
        sa.UniqueConstraint("code", name=op.f("uq_worker_code")),
    )
    op.create_index(
        "ix_worker_last_geom", "worker", ["last_geom"], unique=False, postgresql_using="gist"
    )
    op.create_table(
        "incident_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "reported", "accepted", "dispatched", "resolved", "closed", name="incident_status"
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "reported", "accepted", "dispatched", "resolved", "closed", name="incident_status"
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_event_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_event")),
    )
    op.create_index(
        "ix_incident_event_incident_id", "incident_event", ["incident_id"], unique=False
    )
    op.execute(AREA_TRIGGER)


def downgrade() -> None:
    op.drop_index("ix_incident_event_incident_id", table_name="incident_event")
    op.drop_table("incident_event")
    op.drop_index("ix_worker_last_geom", table_name="worker", postgresql_using="gist")
    op.drop_table("worker")
    op.drop_index("ix_person_id_number_hash", table_name="person")
    op.drop_index("ix_person_household_id", table_name="person")
    op.drop_table("person")
    op.drop_index("ix_incident_reported_at", table_name="incident")
    op.drop_index("ix_incident_geom", table_name="incident", postgresql_using="gist")
    op.drop_index("ix_incident_community_id", table_name="incident")
    op.drop_table("incident")
    op.drop_index("ix_building_grid_grid_id", table_name="building_grid")
    op.drop_table("building_grid")
    op.drop_index("ix_household_building_id", table_name="household")
    op.drop_table("household")
    op.drop_index("ix_grid_geom", table_name="grid", postgresql_using="gist")
    op.drop_table("grid")
    op.drop_index(
        "uq_grid_plan_one_published",
        table_name="grid_plan",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_table("grid_plan")
    op.drop_index("ix_camera_geom", table_name="camera", postgresql_using="gist")
    op.drop_table("camera")
    op.drop_index("ix_building_geom", table_name="building", postgresql_using="gist")
    op.drop_index("ix_building_community_id", table_name="building")
    op.drop_table("building")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_area_path", table_name="area", postgresql_using="gist")
    op.drop_index("ix_area_geom", table_name="area", postgresql_using="gist")
    op.drop_table("area")
    op.execute("DROP FUNCTION IF EXISTS wangge_area_children()")
    op.execute("DROP FUNCTION IF EXISTS wangge_area_path()")
    for name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {name}")
    # Extensions stay: on a shared server other objects may use PostGIS.
