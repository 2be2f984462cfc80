"""Grid partitioning (网格划分) and plan validation.

Divide every community into grids of a few hundred households that tile it
exactly, follow barriers where they can and keep buildings whole; check any
plan, generated or edited by hand, against the same rules.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> community = gpd.GeoDataFrame({"code": ["C1"]}, geometry=[box(0, 0, 400, 100)], crs=32650)
>>> footprints = [box(x, 40, x + 20, 60) for x in range(20, 400, 50)]
>>> buildings = gpd.GeoDataFrame(
...     {"code": [f"B{i}" for i in range(8)], "households": [60] * 8},
...     geometry=footprints, crs=32650,
... )
>>> plan = partition(community, buildings, min_households=200, max_households=280)
>>> sorted(plan.grids["households"].tolist()), plan.report.ok
([240, 240], True)
>>> validate_plan(plan, community, buildings).ok
True
"""

from gis.partition.edits import merge_grids, move_buildings, split_grid
from gis.partition.engine import generate, partition, repartition
from gis.partition.files import partition_files, write_plan
from gis.partition.inputs import Columns
from gis.partition.model import Plan, Rules
from gis.partition.report import Issue, Report
from gis.partition.solver import choose_k, solve_graph
from gis.partition.validate import plan_from_tables, validate_plan

__all__ = [
    "Columns",
    "Issue",
    "Plan",
    "Report",
    "Rules",
    "choose_k",
    "generate",
    "merge_grids",
    "move_buildings",
    "partition",
    "partition_files",
    "plan_from_tables",
    "repartition",
    "solve_graph",
    "split_grid",
    "validate_plan",
    "write_plan",
]
