"""Values of the partition engine: the rules a plan must keep and the plan itself.

A :class:`Plan` is immutable. Edits (:mod:`gis.partition.edits`) return a new
plan that shares the untouched arrays with the old one, like GerryChain's
``Partition.flip()``; ``state`` carries the unit geometry edits need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gis.errors import InvalidInput
from gis.partition.inputs import Inputs
from gis.partition.report import Report
from gis.partition.units import Units

GRID_COLUMNS = ["code", "community_code", "households", "buildings", "area_m2", "polsby_popper"]


@dataclass(frozen=True)
class Rules:
    """Bounds per grid and the tolerances the validator applies.

    Examples
    --------
    >>> Rules(min_households=500, max_households=600).target
    550.0
    """

    min_households: int = 240
    max_households: int = 360
    target_households: float | None = None
    max_area_km2: float | None = None
    rural_one_grid: bool = True  # a rural community within the maxima is one grid
    tolerance_m2: float = 1.0  # gaps, overlaps and building cuts up to this are noise
    barrier_tolerance_m: float = 15.0  # boundary this near a barrier runs along it

    def __post_init__(self) -> None:
        lo, hi, t = self.min_households, self.max_households, self.target_households
        problems = []
        if not 0 <= lo <= hi or hi <= 0:
            problems.append(f"need 0 <= min <= max and max > 0, got min {lo}, max {hi}")
        if t is not None and not lo <= t <= hi:
            problems.append(f"target {t} is outside min {lo} .. max {hi}")
        if self.max_area_km2 is not None and not self.max_area_km2 > 0:
            problems.append(f"maximum area must be positive, got {self.max_area_km2} km²")
        if problems:
            raise InvalidInput("; ".join(problems), [{"message": p} for p in problems])

    @property
    def target(self) -> float:
        if self.target_households is not None:
            return float(self.target_households)
        return (self.min_households + self.max_households) / 2.0

    @property
    def max_area_m2(self) -> float | None:
        return None if self.max_area_km2 is None else self.max_area_km2 * 1e6


@dataclass(frozen=True, eq=False)
class PlanState:
    """What edits need: checked inputs, units, each unit's grid, and the grids' arrays.

    Grid ``g`` lies in community ``grid_comm[g]``, with geometry ``grid_geom[g]`` in
    that community's metric CRS and ``grid_wgs[g]`` in EPSG:4326. Rows are never
    renumbered: a grid merged away or re-partitioned has ``grid_alive[g]`` False.
    ``grid_table``, ``issues_by_comm`` and ``barrier`` cache the checks per grid and
    per community, so an edit re-checks only the communities it touched.
    """

    inputs: Inputs
    units: Units
    unit_grid: NDArray[np.int64]
    grid_code: NDArray[np.object_]
    grid_comm: NDArray[np.int64]
    grid_geom: NDArray[np.object_]
    grid_wgs: NDArray[np.object_]
    grid_alive: NDArray[np.bool_]
    barriers: tuple
    grid_table: pd.DataFrame = field(repr=False)
    issues_by_comm: dict = field(repr=False)
    barrier: dict = field(repr=False)


@dataclass(frozen=True, eq=False)
class Plan:
    """A grid plan: grids (EPSG:4326), building→grid assignment, report and rules.

    ``grids`` has columns code (community code + 3-digit sequence),
    community_code, households, buildings, area_m2, polsby_popper, geometry;
    ``assignment`` has building_id, grid_code, community_code.
    """

    grids: gpd.GeoDataFrame
    assignment: pd.DataFrame
    report: Report
    rules: Rules
    seed: int = 0
    state: PlanState | None = field(default=None, repr=False)

    def grid(self, code: str) -> pd.Series:
        """The grid row with ``code``; raises :class:`InvalidInput` naming it if absent."""
        hit = self.grids[self.grids["code"] == code]
        if hit.empty:
            raise InvalidInput(f"no grid {code!r} in this plan")
        return hit.iloc[0]


def plan_state(plan: Plan) -> PlanState:
    """The unit state edits need; plans built elsewhere get it from ``plan_from_tables``."""
    if plan.state is None:
        raise InvalidInput("this plan carries no unit geometry; rebuild it with plan_from_tables")
    return plan.state
