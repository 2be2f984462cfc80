"""What the cameras see, and where nobody sees (gis.cameras; migration 0019).

``camera_view`` is each camera's visibility polygon; ``camera_coverage`` each
community's public space (the community minus its footprints) and its blind spots (the
part no online camera sees). Both are derived: triggers put a changed camera or the
cameras near a changed footprint in ``camera_view_queue``, and the communities whose
coverage may have changed in ``camera_coverage_queue``; ``gis.cameras.refresh`` (the
workers' housekeeping, ``wangge cameras views``) empties both queues.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import columns as col
from gis.db.base import Base


class CameraView(Base):
    """A camera's visibility polygon (EPSG:4326) and its area in square metres."""

    __tablename__ = "camera_view"
    __table_args__ = (
        col.valid_geometry(),
        Index("ix_camera_view_geom", "geom", postgresql_using="gist"),
    )

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True
    )
    geom: Mapped[Any] = mapped_column(col.geom_column("MULTIPOLYGON"))
    area_m2: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class CameraCoverage(Base):
    """A community's public space and its blind spots (``geom``), with their areas."""

    __tablename__ = "camera_coverage"
    __table_args__ = (
        col.valid_geometry(),
        Index("ix_camera_coverage_geom", "geom", postgresql_using="gist"),
    )

    community_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    public_geom: Mapped[Any] = mapped_column(col.geom_column("MULTIPOLYGON"))
    geom: Mapped[Any] = mapped_column(col.geom_column("MULTIPOLYGON"))  # the blind spots
    area_m2: Mapped[float] = mapped_column(Float)
    public_m2: Mapped[float] = mapped_column(Float)
    covered_m2: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class CameraViewQueue(Base):
    """A camera whose view must be computed again."""

    __tablename__ = "camera_view_queue"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True
    )
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CameraCoverageQueue(Base):
    """A community whose coverage must be computed again."""

    __tablename__ = "camera_coverage_queue"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
