"""Cameras: what each sees (visibility polygons), which see an incident, and where no
online camera sees (coverage and blind spots), kept current in the database.

``visibility_polygons`` and ``coverage`` are pure (GeoDataFrames in, in a metric CRS);
``refresh`` computes what the database's triggers queued; ``gis.cameras.queries`` holds
the reads the API serves.
"""

from gis.cameras.coverage import Coverage, coverage
from gis.cameras.refresh import Refreshed, refresh
from gis.cameras.visibility import visibility_polygons

__all__ = ["Coverage", "Refreshed", "coverage", "refresh", "visibility_polygons"]
