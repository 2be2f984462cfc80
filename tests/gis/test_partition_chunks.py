"""Units built in chunks of communities, in worker processes (gis.partition.chunks).

The plan must not depend on the number of processes, and the pool must work from the
main thread of a script (fork) and from a request's or a job's thread (fork server).
"""

from __future__ import annotations

import multiprocessing
import os
import threading

import numpy as np
import pytest
import shapely

from gis.errors import WanggeError
from gis.partition import chunks, partition
from gis.partition.chunks import _chunks, unit_parts
from gis.partition.graph import unit_graph
from gis.partition.inputs import prepare
from gis.synth.oldtown import old_town


@pytest.fixture(scope="module")
def town():
    """Touching courtyard houses: 6 × 4 blocks in 8 communities."""
    return old_town(6, 4, seed=3)


def test_chunks_hold_whole_communities_in_order_and_a_big_one_alone() -> None:
    comms = np.arange(6)
    sizes = np.array([10, 10, 50, 5, 5, 10])
    chunks = _chunks(comms, sizes, 20)
    assert [c.tolist() for c in chunks] == [[0, 1], [2], [3, 4, 5]]
    assert np.array_equal(np.concatenate(chunks), comms)
    assert _chunks(np.empty(0, np.int64), np.empty(0, np.int64), 20) == []


def assert_same_units(a, b) -> None:
    assert np.array_equal(a.piece_unit, b.piece_unit)
    assert np.array_equal(a.unit_ptr, b.unit_ptr)
    assert np.array_equal(a.building_unit, b.building_unit)
    np.testing.assert_array_equal(a.unit_area, b.unit_area)
    assert (a.graph != b.graph).nnz == 0
    assert shapely.equals_exact(a.pieces, b.pieces, 0).all()


def test_processes_give_the_units_one_process_gives(town) -> None:
    inputs = prepare(*town)
    barriers = (None,) * len(inputs.crs)
    size = int(np.bincount(inputs.building_comm[inputs.building_comm >= 0]).max())
    parts = unit_parts(inputs, barriers, workers=1, chunk_buildings=size)
    assert len(parts) >= 3  # several chunks, so the pool below has work for two
    serial = unit_graph(inputs, barriers, workers=1, chunk_buildings=size)
    pooled = unit_graph(inputs, barriers, workers=2, chunk_buildings=size)
    assert_same_units(serial, pooled)
    # every building is in a unit of its own community
    comm_of_unit = np.repeat(np.arange(len(inputs.codes)), np.diff(pooled.unit_ptr))
    placed = inputs.building_comm >= 0
    assert np.array_equal(comm_of_unit[pooled.building_unit[placed]], inputs.building_comm[placed])


def test_a_pool_started_from_a_worker_thread(town) -> None:
    """As in the API or the job worker: not the main thread, so a fork server."""
    inputs = prepare(*town)
    barriers = (None,) * len(inputs.crs)
    got: dict = {}

    def run() -> None:
        got["units"] = unit_graph(inputs, barriers, workers=2, chunk_buildings=50)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert_same_units(got["units"], unit_graph(inputs, barriers, workers=1, chunk_buildings=50))


def test_the_plan_does_not_depend_on_the_processes(town, monkeypatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_BUILDINGS", 60)  # several chunks of a small town
    one = partition(*town, seed=2, workers=1)
    two = partition(*town, seed=2, workers=2)
    assert one.assignment.equals(two.assignment)
    assert one.report.violations == two.report.violations


def test_the_chunk_size_does_not_change_the_units(town) -> None:
    """A community's units depend on its own buildings alone, so one chunk per community
    gives what one chunk of everything gives (the old town's communities touch, their
    boundaries running between touching houses)."""
    inputs = prepare(*town)
    barriers = (None,) * len(inputs.crs)
    whole = unit_graph(inputs, barriers, workers=1, chunk_buildings=10**9)
    apart = unit_graph(inputs, barriers, workers=1, chunk_buildings=1)
    assert len(unit_parts(inputs, barriers, workers=1, chunk_buildings=1)) == len(inputs.codes)
    assert_same_units(whole, apart)


def _die(packed) -> None:  # a worker the kernel killed, as for memory
    os._exit(9)


def test_a_worker_that_dies_is_a_problem_that_says_what_to_do(town, monkeypatch) -> None:
    inputs = prepare(*town)
    monkeypatch.setattr(chunks, "_build_packed", _die)
    monkeypatch.setattr(chunks, "_context", lambda: multiprocessing.get_context("fork"))
    with pytest.raises(WanggeError, match=r"for want of memory.*workers=1"):
        unit_graph(inputs, (None,) * len(inputs.crs), workers=2, chunk_buildings=50)
