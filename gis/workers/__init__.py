"""Grid workers: positions from their phones, where each is now, the day's track, patrol
time per grid, and the nearest available workers to an incident.

A command centre dispatches the worker who can get there first, and the assessment
counts who walked which grid. ``record_positions`` takes a phone's batch (idempotent per
worker and time, one live event per batch), ``list_workers`` and ``worker_track`` read
where they are and were, ``worker_patrol``/``grid_patrol`` sum the time in each grid,
and ``nearest_workers`` ranks them by travel along the roads (``routing``). Dispatching
is the incidents' own ``dispatched`` action with the worker as assignee.
"""

from __future__ import annotations

from gis.workers.live import STATUSES, list_workers, worker_track
from gis.workers.nearest import nearest_workers
from gis.workers.patrol import grid_patrol, worker_patrol
from gis.workers.positions import MAX_BATCH, Position, record_positions
from gis.workers.routing import RoadGraph

__all__ = [
    "MAX_BATCH",
    "STATUSES",
    "Position",
    "RoadGraph",
    "grid_patrol",
    "list_workers",
    "nearest_workers",
    "record_positions",
    "worker_patrol",
    "worker_track",
]
