"""Publishing a plan (one per area at a time) and comparing two plans."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, TextClause

from gis.db.statements import query
from gis.errors import PlanNotDraft
from gis.links import link_plan
from gis.partition.store import plan_row


def _sql(name: str) -> TextClause:
    return query("gis.partition", "publish", name)


def publish_plan(engine: Engine, plan_id: int, *, published_by: str | None = None) -> dict:
    """Make the plan the one published plan for its area, in one transaction.

    Any published plan of an overlapping area (the same, above or below) is
    archived; incidents in the area get their grid from the new plan.
    """
    with engine.begin() as conn:
        row = plan_row(conn, plan_id)
        if row["status"] != "draft":
            raise PlanNotDraft(f"plan {plan_id} is {row['status']}; only a draft can be published")
        conn.execute(_sql("archive_overlapping"), {"id": plan_id})
        conn.execute(_sql("publish"), {"id": plan_id, "by": published_by})
        moved = link_plan(conn, plan_id)
        return {**plan_row(conn, plan_id), "incidents_relinked": moved}


def diff_plans(conn: Connection, plan_id: int, against: int) -> dict[str, Any]:
    """What changes from plan ``against`` to plan ``plan_id``: moved buildings and
    households, grids that appear or disappear."""
    plan_row(conn, plan_id)
    plan_row(conn, against)
    params = {"plan": plan_id, "against": against}
    moved = conn.execute(_sql("moved_buildings"), params).mappings().all()
    grids = conn.execute(_sql("grid_codes"), params).mappings().all()
    return {
        "plan": plan_id,
        "against": against,
        "buildings_moved": len(moved),
        "households_moved": int(sum(m["households"] for m in moved)),
        "moves": [dict(m) for m in moved],
        "grids_added": [g["code"] for g in grids if g["in_plan"] and not g["before"]],
        "grids_removed": [g["code"] for g in grids if g["before"] and not g["in_plan"]],
    }
