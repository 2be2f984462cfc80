"""The data model (DESIGN.md) as SQLAlchemy 2 / GeoAlchemy2 models.

Geometry is stored in EPSG:4326. Rules the database itself must keep — valid
geometry, a child area's level below its parent's, one published plan per area —
are constraints and triggers (see the first migration), not application code.
The service's own tables (jobs, tile changes, ledgers) are in ``bookkeeping``, the
accounts (users, tokens, sessions) in ``accounts_tables``; importing this module
declares them too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

# Their tables belong to Base.metadata too: the service's own, the accounts, and the
# incidents' catalogue and intake records.
import gis.db.assessment_tables  # noqa: F401  (call-backs, patrol days)
from gis.db import (  # noqa: F401
    accounts_tables,
    bookkeeping,
    camera_tables,
    incident_tables,
    worker_tables,
)
from gis.db import columns as col
from gis.db.base import Base
from gis.db.columns import LTree, PointTileColumns
from gis.db.incident_tables import INCIDENT_URGENCIES

AREA_LEVELS = ("district", "street", "community")
PLAN_STATUSES = ("draft", "published", "archived")
HOUSEHOLD_KINDS = ("registered", "resident", "floating", "rental")
CAMERA_LEVELS = ("district", "street", "community", "private")
CAMERA_STATUSES = ("online", "offline", "maintenance")
# gis.incidents.workflow.STATES, in the enum's order (migration 0015 added the new ones).
INCIDENT_STATUSES = (
    "reported", "accepted", "dispatched", "in_progress", "resolved", "verified", "closed",
    "rejected",
)  # fmt: skip
INCIDENT_SOURCES = ("grid_worker", "hotline", "video", "110", "citizen")


class Area(Base):
    """A district, street (街道/乡镇) or community (社区/村)."""

    __tablename__ = "area"
    __table_args__ = (
        col.valid_geometry(),
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code_format"),
        Index("ix_area_geom", "geom", postgresql_using="gist"),
        Index("ix_area_path", "path", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(col.enum_type("area_level", AREA_LEVELS))
    kind: Mapped[str | None] = mapped_column(String(16))  # urban / rural for communities
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(LTree)  # set by trigger from the parent's path
    geom: Mapped[Any] = mapped_column(col.geom_column("MULTIPOLYGON"))
    area_m2: Mapped[float | None] = mapped_column(Float)


class GridPlan(Base):
    """A version of the grid layout of an area; at most one published per area."""

    __tablename__ = "grid_plan"
    __table_args__ = (
        Index(
            "uq_grid_plan_one_published",
            "area_id",
            unique=True,
            postgresql_where=text("status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        col.enum_type("plan_status", PLAN_STATUSES), server_default="draft"
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_by: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class Grid(Base):
    __tablename__ = "grid"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        col.valid_geometry(),
        CheckConstraint("households >= 0", name="households_nonnegative"),
        Index("ix_grid_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plan.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(15))
    name: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(col.geom_column("MULTIPOLYGON"))
    households: Mapped[int] = mapped_column(Integer, server_default="0")
    area_m2: Mapped[float | None] = mapped_column(Float)
    locked: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))  # 0021


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (
        col.valid_geometry(),
        CheckConstraint("households >= 0", name="households_nonnegative"),
        CheckConstraint("levels IS NULL OR levels > 0", name="levels_positive"),
        Index("ix_building_geom", "geom", postgresql_using="gist"),
        Index("ix_building_community_id", "community_id"),
        Index("ix_building_morton", "morton", postgresql_include=["mx", "my", "households"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    address: Mapped[str | None] = mapped_column(Text)
    levels: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str | None] = mapped_column(String(16))
    households: Mapped[int] = mapped_column(Integer, server_default="0")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    geom: Mapped[Any] = mapped_column(col.geom_column("POLYGON"))
    # Written by the database for the tiles (migrations 0005-0007); never set by hand.
    mx: Mapped[int | None] = mapped_column(BigInteger, Computed(col.mx(col.BOX_X)))
    my: Mapped[int | None] = mapped_column(BigInteger, Computed(col.my(col.BOX_Y)))
    # Interleaved mx/my (migration 0006): a tile is one range of it.
    morton: Mapped[int | None] = mapped_column(
        BigInteger, Computed(col.morton(col.BOX_X, col.BOX_Y))
    )
    # Rings clockwise, so the tile's y flip makes them MVT's exterior rings (0007).
    geom_3857: Mapped[Any] = mapped_column(
        Geometry("POLYGON", srid=3857, spatial_index=False),
        Computed(f"ST_ForcePolygonCW({col.TO_3857})"),
        nullable=True,
    )
    # Web Mercator metres a vertex may move before the footprint could turn invalid.
    clearance: Mapped[float | None] = mapped_column(
        Float, Computed(f"ST_MinimumClearance({col.TO_3857})")
    )


class BuildingGrid(Base):
    """Which grid a building belongs to, per plan (derived on publish or edit)."""

    __tablename__ = "building_grid"
    __table_args__ = (Index("ix_building_grid_grid_id", "grid_id"),)

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("grid_plan.id", ondelete="CASCADE"), primary_key=True
    )
    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), primary_key=True
    )
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"))


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("members >= 0", name="members_nonnegative"),
        Index("ix_household_building_id", "building_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    room: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(col.enum_type("household_kind", HOUSEHOLD_KINDS))
    members: Mapped[int] = mapped_column(SmallInteger, server_default="1")


class Person(Base):
    """A resident. ID number and phone are personal data: encrypted at rest
    (pgcrypto, key from settings), with a keyed hash for exact lookup and a
    masked copy for display, so serving never needs the key."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
        Index("ix_person_household_id", "household_id"),
        Index("ix_person_id_number_hash", "id_number_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(56), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str | None] = mapped_column(String(1))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class Camera(PointTileColumns, Base):
    __tablename__ = "camera"
    __table_args__ = (
        col.valid_geometry(),
        CheckConstraint("heading IS NULL OR (heading >= 0 AND heading <= 360)", name="heading"),
        CheckConstraint("fov_deg IS NULL OR (fov_deg > 0 AND fov_deg <= 360)", name="fov"),
        CheckConstraint("range_m IS NULL OR range_m > 0", name="range_positive"),
        Index("ix_camera_geom", "geom", postgresql_using="gist"),
        Index("ix_camera_morton", "morton", postgresql_include=["mx", "my", "status"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    heading: Mapped[float | None] = mapped_column(Float)
    fov_deg: Mapped[float | None] = mapped_column(Float)
    range_m: Mapped[float | None] = mapped_column(Float)
    stream_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        col.enum_type("camera_status", CAMERA_STATUSES), server_default="online"
    )
    level: Mapped[str] = mapped_column(col.enum_type("camera_level", CAMERA_LEVELS))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    geom: Mapped[Any] = mapped_column(col.geom_column("POINT"))
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Incident(PointTileColumns, Base):
    """A case reported for handling (gis.incidents): where, what, and how far along its
    workflow. Community, grid and building are derived by gis.links; the deadline is the
    catalogue's (a trigger fills it on insert when none is given, migration 0015)."""

    __tablename__ = "incident"
    __table_args__ = (
        col.valid_geometry(),
        Index("ix_incident_geom", "geom", postgresql_using="gist"),
        Index("ix_incident_reported_at", "reported_at"),
        Index("ix_incident_community_id", "community_id"),
        Index("ix_incident_deadline_at", "deadline_at"),
        Index(
            "ix_incident_open_community",
            "community_id",
            postgresql_where=text(
                "status IN ('reported', 'accepted', 'dispatched', 'in_progress')"
            ),
        ),
        Index(
            "ix_incident_morton",
            "morton",
            postgresql_include=["mx", "my", "status", "category", "reported_at"],
        ),
        Index("ix_incident_grid_id", "grid_id"),  # a grid's deletion finds its incidents
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(
        col.enum_type("incident_urgency", INCIDENT_URGENCIES), server_default="normal"
    )
    status: Mapped[str] = mapped_column(
        col.enum_type("incident_status", INCIDENT_STATUSES), server_default="reported"
    )
    source: Mapped[str] = mapped_column(col.enum_type("incident_source", INCIDENT_SOURCES))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    description: Mapped[str | None] = mapped_column(Text)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    geom: Mapped[Any] = mapped_column(col.geom_column("POINT"))
    # The workflow (migration 0015): who holds it (上报 raises the level), by when.
    level: Mapped[str] = mapped_column(
        col.enum_type("area_level", AREA_LEVELS), server_default="community"
    )
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee: Mapped[str | None] = mapped_column(Text)
    assigned_unit: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str | None] = mapped_column(Text)
    # The reporter's phone or e-mail: personal data, encrypted as persons' phones are.
    reporter_contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_contact_masked: Mapped[str | None] = mapped_column(String(64))
    attachments: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class IncidentEvent(Base):
    """One change of an incident: its intake or a workflow action. Append-only: the
    API's role may insert and read, never update or delete (migration 0015)."""

    __tablename__ = "incident_event"
    __table_args__ = (Index("ix_incident_event_incident_id", "incident_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(
        col.enum_type("incident_status", INCIDENT_STATUSES)
    )
    to_status: Mapped[str] = mapped_column(col.enum_type("incident_status", INCIDENT_STATUSES))
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    note: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(col.enum_type("area_level", AREA_LEVELS))


class Worker(Base):
    __tablename__ = "worker"
    __table_args__ = (
        Index("ix_worker_last_geom", "last_geom", postgresql_using="gist"),
        Index("ix_worker_grid_id", "grid_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"))
    last_geom: Mapped[Any | None] = mapped_column(col.geom_column("POINT"))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The account the worker signs in with (migration 0020): a grid worker posts
    # positions for this worker only.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), unique=True
    )


class AuditLog(Base):
    """Who read or changed which personal data, when, from where and why: append-only
    and hash-chained. A trigger sets id, at, prev_hash and hash on insert (migration
    0012, gis.audit); UPDATE, DELETE and TRUNCATE are refused."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ux_audit_log_prev_hash", "prev_hash", unique=True),  # no fork in the chain
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
