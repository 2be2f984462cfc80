"""File mode: partition from any vector files into a GeoPackage, no database needed.

This is what ``wangge partition --communities C --buildings B --out plan.gpkg``
calls. Problems in the files are reported with file, row (1-based, in file
order) and field, all of them at once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.crs import to_wgs84
from gis.errors import InvalidInput
from gis.partition.engine import Progress, generate
from gis.partition.inputs import Columns, prepare, prepare_barriers, repair_footprints
from gis.partition.model import Plan, Rules


def partition_files(
    communities_path: str | os.PathLike,
    buildings_path: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    community_id: str = "community_id",
    building_id: str = "id",
    households: str = "households",
    kind: str = "kind",
    crs: str | int | None = None,
    min_households: int = Rules.min_households,
    max_households: int = Rules.max_households,
    target: float | None = None,
    max_area_km2: float | None = None,
    barriers_path: str | os.PathLike | None = None,
    rural_one_grid: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
    repair: bool = False,
) -> Plan:
    """Partition the communities of one file with the buildings of another; write a GeoPackage.

    ``out_path`` gets two layers: ``grids`` (grid_id, community_id, households,
    area_m2, geometry in EPSG:4326) and ``assignment`` (the building id column,
    grid_id). ``crs`` is the CRS of files that carry none (or GCJ-02/BD-09);
    files with their own CRS are read in it. The file is replaced only once the
    plan is complete.

    Raises
    ------
    InvalidInput
        For unreadable files, missing columns, bad rows or an output that is not
        a ``.gpkg``; the message names file, row and field.
    """
    out = Path(out_path)
    if out.suffix.lower() != ".gpkg":
        raise InvalidInput(f"{out}: the output must be a GeoPackage (.gpkg)")
    rules = Rules(min_households, max_households, target, max_area_km2, rural_one_grid)
    frames = [_read(Path(p), crs) for p in (communities_path, buildings_path)]
    if repair:  # invalid footprints are refused with their row unless asked
        frames[1] = repair_footprints(frames[1])
    columns = Columns(community_id, building_id, households, kind)
    inputs = prepare(*frames, columns, sources=(str(communities_path), str(buildings_path)))
    barriers = None if barriers_path is None else _read(Path(barriers_path), crs)
    plan = generate(inputs, rules, prepare_barriers(barriers, inputs), seed=seed, progress=progress)
    write_plan(plan, out, community_id=community_id, building_id=building_id)
    return plan


def write_plan(
    plan: Plan, out_path: str | os.PathLike, *, community_id="community_id", building_id="id"
) -> None:
    """Write ``plan`` as the GeoPackage layers grids and assignment, replacing ``out_path``."""
    out = Path(out_path)
    grids = gpd.GeoDataFrame(
        {
            "grid_id": plan.grids["code"].to_numpy(),
            community_id: plan.grids["community_code"].to_numpy(),
            "households": plan.grids["households"].to_numpy(),
            "area_m2": plan.grids["area_m2"].round(1).to_numpy(),
        },
        geometry=plan.grids.geometry.to_numpy(),
        crs=4326,
    )
    assignment = pd.DataFrame(
        {
            building_id: plan.assignment["building_id"].to_numpy(),
            "grid_id": plan.assignment["grid_code"].to_numpy(),
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=out.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        pyogrio.write_dataframe(grids, tmp, layer="grids", driver="GPKG")
        pyogrio.write_dataframe(assignment, tmp, layer="assignment", driver="GPKG")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read(path: Path, crs: str | int | None) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    try:
        frame = gpd.read_file(path)
    except (OSError, ValueError, pyogrio.errors.DataSourceError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise InvalidInput(f"{path}: the file has no geometry")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    try:
        return to_wgs84(frame, crs)
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
