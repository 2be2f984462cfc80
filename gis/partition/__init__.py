"""Grid partitioning (网格划分) and plan validation.

Divide every community into grids of a few hundred households that tile it
exactly, follow barriers where they can and keep buildings whole; check any
plan, generated or edited by hand, against the same rules.

Examples
--------
>>> from gis.partition import partition, solve_graph, validate_plan  # doctest: +SKIP
>>> plan = partition(city.areas, city.buildings, barriers=city.roads)  # doctest: +SKIP
>>> print(plan.report)  # doctest: +SKIP
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
