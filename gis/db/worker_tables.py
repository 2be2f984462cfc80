"""The field the grid workers move in: the road network (migration 0018) and the
workers' timestamped positions (migration 0020). ``worker`` itself, with its account and
last position, is in ``models``; importing that module declares these too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import REAL, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import columns as col
from gis.db.base import Base


class WorkerPosition(Base):
    """One timestamped position of a worker (gis.workers): the day's track, patrol time
    per grid. Keyed by worker and time, so a re-sent batch adds nothing (migration 0020)."""

    __tablename__ = "worker_position"
    __table_args__ = (
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_positive"),
        Index("ix_worker_position_at", "at"),
        Index("ix_worker_position_grid_id", "grid_id"),
    )

    worker_id: Mapped[int] = mapped_column(
        ForeignKey("worker.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    geom: Mapped[Any] = mapped_column(col.geom_column("POINT"))
    accuracy_m: Mapped[float | None] = mapped_column(REAL)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"))


class Road(Base):
    """A road of the district's network (migration 0018, ``wangge load roads``):
    reference data the nearest-worker search routes along."""

    __tablename__ = "road"
    __table_args__ = (col.valid_geometry(), Index("ix_road_geom", "geom", postgresql_using="gist"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    geom: Mapped[Any] = mapped_column(col.geom_column("MULTILINESTRING"))
