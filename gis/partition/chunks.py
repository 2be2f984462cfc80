"""Units of many communities, built in chunks of whole communities, side by side in processes.

Building the units is three quarters of a partition (110 of 150 s for a million
buildings on this two-core machine), and a community's units depend on its own
buildings only: outline samples, cells and must-links are made community by community.
So the communities of a CRS group are cut into chunks of about ``CHUNK_BUILDINGS``
buildings, whole communities each, and the chunks are built in a pool of processes
(threads would not help: Qhull runs one triangulation at a time per process). Chunks
depend on the input alone, never on the number of processes, so a plan is the same on
any machine. Each chunk's intermediate arrays (samples, triangles, ridges) are a
chunk's size, which bounds the memory of a large run as well as its time.

Geometries cross between processes as WKB arrays, converted in C for the whole array,
not pickled object by object.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray

from gis.partition.inputs import Inputs
from gis.partition.units import Units, build_units

CHUNK_BUILDINGS = 40_000
_PRELOAD = ["gis.partition.units"]  # imported once by the fork server, not per worker


@dataclass(frozen=True)
class Part:
    """The units of some communities (``comms``) and which buildings they hold (``mine``)."""

    comms: NDArray[np.int64]
    mine: NDArray[np.bool_]
    units: Units


def unit_parts(
    inputs: Inputs,
    barriers: tuple,
    *,
    workers: int | None = None,
    chunk_buildings: int | None = None,
) -> list[Part]:
    """Units per chunk of communities, in input order; ``workers`` processes (None: one per
    core when there is more than one chunk, 1: in this process)."""
    tasks = list(_tasks(inputs, barriers, chunk_buildings or CHUNK_BUILDINGS))
    n = _workers(workers, len(tasks))
    if n <= 1:
        units = [build_units(*args) for _, _, args in tasks]
    else:
        with ProcessPoolExecutor(n, mp_context=_context()) as pool:
            packed = pool.map(_build_packed, [_pack_args(args) for _, _, args in tasks])
            units = [_unpack_units(u) for u in packed]
    return [Part(comms, mine, u) for (comms, mine, _), u in zip(tasks, units, strict=True)]


def _tasks(inputs: Inputs, barriers: tuple, chunk_buildings: int) -> Iterator[tuple]:
    """(communities, their buildings' mask, build_units arguments) per chunk."""
    placed = inputs.building_comm >= 0
    per_comm = np.bincount(inputs.building_comm[placed], minlength=len(inputs.codes))
    for i in range(len(inputs.crs)):
        group = np.flatnonzero(inputs.crs_of == i)
        for comms in _chunks(group, per_comm[group], chunk_buildings):
            mine = np.isin(inputs.building_comm, comms) & placed
            local = np.searchsorted(comms, inputs.building_comm[mine])
            polygons = inputs.polygons[comms]
            lines = _near(barriers[i], polygons)
            yield comms, mine, (polygons, inputs.anchors[mine], local, inputs.clipped[mine], lines)


def _chunks(comms: NDArray[np.int64], sizes: NDArray[np.int64], limit: int) -> list[NDArray]:
    """Consecutive communities in groups of at most ``limit`` buildings (a bigger one alone)."""
    cuts, total = [], 0
    for i, size in enumerate(sizes.tolist()):
        if total and total + size > limit:
            cuts.append(i)
            total = 0
        total += size
    return np.split(comms, cuts) if comms.size else []


def _near(lines: NDArray[np.object_] | None, polygons: NDArray[np.object_]):
    """The barrier lines within the chunk's bounds (all of them reach no other chunk)."""
    if lines is None or len(lines) == 0 or len(polygons) == 0:
        return lines
    box = shapely.box(*shapely.total_bounds(polygons))
    return lines[np.sort(shapely.STRtree(lines).query(box, predicate="intersects"))]


def _context() -> multiprocessing.context.BaseContext:
    """Fork from a script's or a notebook's main thread (others at most daemons, such as
    tqdm's monitor): nothing is imported again, and a script without a ``__main__``
    guard works. From any other thread (a request or a job in the API or the worker) a
    fork could copy a lock another thread holds (Qhull's, mid-triangulation) and hang,
    so a clean fork server starts the workers; those entry points are guarded, as it
    imports the main module."""
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    if threading.current_thread() is threading.main_thread() and all(t.daemon for t in others):
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _workers(workers: int | None, tasks: int) -> int:
    if workers is None:
        workers = len(os.sched_getaffinity(0))
    return max(1, min(workers, tasks))


# -- across processes -------------------------------------------------------------------


def _pack_args(args: tuple) -> tuple:
    polygons, anchors, local, footprints, lines = args
    wkb = shapely.to_wkb
    return wkb(polygons), anchors, local, wkb(footprints), None if lines is None else wkb(lines)


def _build_packed(packed: tuple) -> Units:  # runs in a worker process
    polygons, anchors, local, footprints, lines = packed
    geoms = shapely.from_wkb
    lines = None if lines is None else geoms(lines)
    units = build_units(geoms(polygons), anchors, local, geoms(footprints), lines)
    return replace(units, pieces=shapely.to_wkb(units.pieces))


def _unpack_units(units: Units) -> Units:
    return replace(units, pieces=shapely.from_wkb(units.pieces))
