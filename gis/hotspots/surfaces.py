"""Density surfaces kept in the database, so a KDE made by a job in one process can
be drawn as PNG tiles by the API in another.

The raster is stored as zlib-compressed float32 cells with its transform, CRS and
colour-ramp top; a surface is deleted with the job that made it.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field

import numpy as np
from affine import Affine
from sqlalchemy import Connection

from gis.db.statements import fetch_one, query
from gis.hotspots.kde import DensitySurface


@dataclass(frozen=True)
class StoredSurface:
    """What a tile of a density surface needs: its cells, where they are, the ramp's top."""

    values: np.ndarray = field(repr=False)
    transform: Affine
    crs_wkt: str
    vmax: float

    @classmethod
    def of(cls, surface: DensitySurface) -> StoredSurface:
        return cls(surface.values, surface.transform, surface.crs.to_wkt(), surface.display_max)


def save_surface(conn: Connection, surface: DensitySurface, job_id: uuid.UUID | None) -> str:
    """Store ``surface``; return the id its tiles are served under."""
    stored = StoredSurface.of(surface)
    key = uuid.uuid4().hex[:12]
    rows, cols = stored.values.shape
    conn.execute(
        query("gis.hotspots", "surfaces", "insert"),
        {
            "id": key, "job_id": job_id, "crs_wkt": stored.crs_wkt,
            "transform": list(stored.transform)[:6], "rows": rows, "cols": cols,
            "vmax": stored.vmax,
            "cells": zlib.compress(stored.values.astype(np.float32).tobytes(), level=1),
        },
    )  # fmt: skip
    return key


def load_surface(conn: Connection, key: str) -> StoredSurface:
    """The surface ``key``; NotFound once its job was pruned (run the analysis again)."""
    missing = f"there is no density surface {key!r}: run the KDE analysis again"
    row = fetch_one(conn, query("gis.hotspots", "surfaces", "get"), {"id": key}, missing=missing)
    cells = np.frombuffer(zlib.decompress(row["cells"]), dtype=np.float32)
    values = cells.reshape(row["rows"], row["cols"])
    return StoredSurface(values, Affine(*row["transform"]), row["crs_wkt"], float(row["vmax"]))
