"""Table 3 of bench/bench_partition.py: about a million buildings end to end, in a child
process whose time, CPU and memory count the worker processes that build the units.

    .venv/bin/python bench/bench_partition.py --only million    # how it is run

The buildings are copies of the Luqiao and Haidian sample cities, each shifted north
(so each copy projects differently); run as a script, this module is the child.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.tables import table
from gis.partition import partition
from gis.synth import generate_city


def million(n: int, seed: int, quick: bool) -> None:
    """Table 3: about ``n`` buildings, partitioned in a child process."""
    t = time.perf_counter()
    areas, builds = _synthetic(n, quick)
    print(
        f"\n{len(builds):,} buildings in {len(areas):,} communities synthesised in "
        f"{time.perf_counter() - t:.0f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "areas.parquet", Path(tmp) / "buildings.parquet"
        areas.to_parquet(a)
        builds.to_parquet(b)
        cmd = [sys.executable, __file__, str(a), str(b), "--seed", str(seed)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    header = (
        "buildings",
        "communities",
        "households",
        "grids",
        "time s",
        "CPU s",
        "processes",
        "peak memory GB",
        "hh min",
        "hh max",
        "hh CV",
        "PP mean",
        "violations",
    )
    row = (
        res["buildings"],
        res["communities"],
        res["households"],
        res["grids"],
        res["seconds"],
        res["cpu"],
        res["processes"],
        res["rss_gb"],
        res["min"],
        res["max"],
        res["cv"],
        res["pp"],
        res["violations"],
    )
    table("3. one million buildings end to end (target < 120 s, < 8 GB)", header, [row])
    for line in res["named"]:
        print(f"  {line}")


def _synthetic(n: int, quick: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Copies of Luqiao (rural-heavy) and Haidian (urban) shifted north until ``n`` buildings."""
    sources = [generate_city("331004", seed=0, scale=1.0)]
    if not quick:
        sources.append(generate_city("110108", seed=0, scale=1.0))
    areas, builds, total, k = [], [], 0, 0
    while total < n:
        city = sources[k % len(sources)]
        comm = city.areas[city.areas["level"] == "community"]
        shift = 0.5 * (k // len(sources) + 1)
        prefix = f"{k:03d}"
        areas.append(_shifted(comm[["code", "kind", "geometry"]], shift, prefix))
        builds.append(_shifted(city.buildings[["code", "households", "geometry"]], shift, prefix))
        total += len(city.buildings)
        k += 1
    return pd.concat(areas, ignore_index=True), pd.concat(builds, ignore_index=True)


def _shifted(frame: gpd.GeoDataFrame, dlat: float, prefix: str) -> gpd.GeoDataFrame:
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + np.array([0.0, dlat]))
    return frame.assign(code=prefix + frame["code"].astype(str)).set_geometry(geoms)


def _child(areas_path: str, buildings_path: str, seed: int) -> None:
    warnings.filterwarnings("ignore")
    areas, builds = gpd.read_parquet(areas_path), gpd.read_parquet(buildings_path)
    partition(areas.iloc[:2], builds.iloc[:50])  # load numba's cache outside the timing
    memory = TreeMemory()
    t, cpu = time.perf_counter(), time.process_time()
    plan = partition(areas, builds, seed=seed)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    r = plan.report
    peak, workers_cpu = memory.stop()
    cpu += workers_cpu
    rss = max(_peak_rss_gib(), peak)
    print(
        json.dumps(
            {
                "buildings": r.buildings,
                "communities": r.communities,
                "households": r.households,
                "grids": r.grids,
                "seconds": seconds,
                "cpu": cpu,
                "rss_gb": rss,
                "processes": len(os.sched_getaffinity(0)),
                "min": r.households_min,
                "max": r.households_max,
                "cv": r.households_cv,
                "pp": r.polsby_popper_mean,
                "violations": len(r.violations),
                "named": [f"{v.grid or v.community}: {v.message}" for v in r.violations[:10]],
            }
        )
    )


class TreeMemory:
    """Peak memory of this process and its descendants together (the engine builds units
    in worker processes, forked or from a fork server): the sum of their proportional set
    sizes, so pages a forked worker shares with this process count once; and the CPU
    time of the descendants (a fork server's workers are not this process's children, so
    getrusage would miss them). Sampled every 0.1 s."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._cpu: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._done.wait(0.1):
            pids = _tree(me)
            self.peak = max(self.peak, sum(map(_pss_gib, pids)))
            for pid in pids[1:]:
                self._cpu[pid] = max(self._cpu.get(pid, 0.0), _cpu_s(pid))

    def stop(self) -> tuple[float, float]:
        """Peak memory (GiB) and the descendants' CPU seconds."""
        self._done.set()
        self._thread.join()
        return self.peak, sum(self._cpu.values())


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo += [int(k) for k in kids]
    return out


def _pss_gib(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # a worker that just ended
        return 0.0
    kib = next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)
    return kib / 2**20


def _peak_rss_gib() -> float:
    """Peak resident memory of this process since exec (VmHWM).

    ``getrusage`` is no good here: Linux carries ``ru_maxrss`` over an exec, so a
    child would report its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20  # KiB -> GiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the child of table 3 (bench_partition.py)")
    parser.add_argument("areas", help="communities, GeoParquet")
    parser.add_argument("buildings", help="buildings, GeoParquet")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    _child(args.areas, args.buildings, args.seed)
