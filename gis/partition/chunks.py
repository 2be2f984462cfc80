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
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray

from gis.errors import WanggeError
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
        units = _in_pool(n, [args for _, _, args in tasks])
    return [Part(comms, mine, u) for (comms, mine, _), u in zip(tasks, units, strict=True)]


def _in_pool(n: int, tasks: list[tuple]) -> list[Units]:
    pool = ProcessPoolExecutor(
        n, mp_context=_context(), initializer=_watch_parent, initargs=(os.getpid(),)
    )
    try:
        with pool:
            return [_unpack_units(u) for u in pool.map(_build_packed, map(_pack_args, tasks))]
    except BrokenProcessPool as exc:  # a worker killed: by the kernel, for memory, mostly
        raise WanggeError(
            f"a process building the grid units of {len(tasks)} chunks of communities "
            "ended abruptly, most likely for want of memory: partition fewer communities "
            "at a time, or with workers=1"
        ) from exc


def _tasks(inputs: Inputs, barriers: tuple, chunk_buildings: int) -> Iterator[tuple]:
    """(communities, their buildings' mask, build_units arguments) per chunk."""
    placed = inputs.building_comm >= 0
    per_comm = np.bincount(inputs.building_comm[placed], minlength=len(inputs.codes))
    for i in range(len(inputs.crs)):
        group = np.flatnonzero(inputs.crs_of == i)
        lines = barriers[i]
        tree = shapely.STRtree(lines) if lines is not None and len(lines) else None
        for comms in _chunks(group, per_comm[group], chunk_buildings):
            mine = np.isin(inputs.building_comm, comms) & placed
            local = np.searchsorted(comms, inputs.building_comm[mine])
            polygons = inputs.polygons[comms]
            near = _near(lines, tree, polygons)
            yield comms, mine, (polygons, inputs.anchors[mine], local, inputs.clipped[mine], near)


def _chunks(comms: NDArray[np.int64], sizes: NDArray[np.int64], limit: int) -> list[NDArray]:
    """Consecutive communities in groups of at most ``limit`` buildings (a bigger one alone)."""
    cuts, total = [], 0
    for i, size in enumerate(sizes.tolist()):
        if total and total + size > limit:
            cuts.append(i)
            total = 0
        total += size
    return np.split(comms, cuts) if comms.size else []


def _near(lines, tree, polygons: NDArray[np.object_]):
    """The barrier lines that meet the chunk's box: every segment between two of its
    units' anchors lies in it, so these are all a barrier test there can cross."""
    if tree is None or len(polygons) == 0:
        return lines
    box = shapely.box(*shapely.total_bounds(polygons))
    return lines[np.sort(tree.query(box, predicate="intersects"))]


def _context() -> multiprocessing.context.BaseContext:
    """Fork where this process runs one thread (a script, the CLI): nothing is imported
    again, and a script without a ``__main__`` guard works. With other threads (the API,
    the job worker, a progress bar's monitor) a fork could copy a lock one of them holds
    (Qhull's, mid-triangulation) and hang, so a clean fork server starts the workers. It
    runs the main module again if that is a file: scripts must guard their ``main()``
    (the ``wangge`` command and pytest do; ``python -m`` modules are not run again)."""
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _watch_parent(parent: int) -> None:
    """In each worker: end when the process that started the pool is gone (a job worker
    killed mid-partition), rather than wait for chunks forever; nothing else tells a
    fork server's children."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, name="wangge-parent-watch", daemon=True).start()


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
