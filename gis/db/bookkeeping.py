"""Tables the service keeps for itself, beside the data model: tile changes, jobs, the
density surfaces jobs make, hotspot ledgers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import columns as col
from gis.db.base import Base

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class TileChange(Base):
    """Where a tile layer's data changed (written by triggers; see migration 0002)."""

    __tablename__ = "tile_change"
    __table_args__ = (
        Index("ix_tile_change_bbox", "bbox", postgresql_using="gist"),
        Index("ix_tile_change_layer_id", "layer", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    layer: Mapped[str] = mapped_column(String(32))
    bbox: Mapped[Any] = mapped_column(col.geom_column("POLYGON"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Job(Base):
    """Long work run by a worker process (gis.jobs): what the API shows of it.

    The queue itself is procrastinate's, in the schema ``procrastinate`` (0009).
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_finished_at", "finished_at"),)

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, server_default=text("gen_random_uuid()")
    )
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        col.enum_type("job_status", JOB_STATUSES), server_default="queued"
    )
    params: Mapped[dict] = mapped_column(JSONB)
    done: Mapped[int] = mapped_column(Integer, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[dict | None] = mapped_column(JSONB)
    queue_id: Mapped[int | None] = mapped_column(BigInteger)
    timeout_s: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DensitySurface(Base):
    """A KDE raster made by a job, kept for its PNG tiles (gis.hotspots.surfaces)."""

    __tablename__ = "density_surface"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    crs_wkt: Mapped[str] = mapped_column(Text)
    transform: Mapped[list[float]] = mapped_column(ARRAY(Float))
    rows: Mapped[int] = mapped_column(Integer)
    cols: Mapped[int] = mapped_column(Integer)
    vmax: Mapped[float] = mapped_column(Float)
    cells: Mapped[bytes] = mapped_column(LargeBinary)  # float32, zlib-compressed


class HotspotLedger(Base):
    """The ranked hot places of one saved analysis (see gis.hotspots.ledger_store.save_ledger)."""

    __tablename__ = "hotspot_ledger"
    __table_args__ = (Index("ix_hotspot_ledger_area_places", "area_code", "places", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    area_code: Mapped[str] = mapped_column(String(12))
    places: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSONB)
    entries: Mapped[list] = mapped_column(JSONB)


class EventOutbox(Base):
    """What changed, for the live stream, written in the change's own transaction
    (gis.events; migration 0014: ids commit in order, NOTIFY on insert)."""

    __tablename__ = "event_outbox"
    __table_args__ = (Index("ix_event_outbox_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    community_id: Mapped[int | None] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
