"""Publishing a plan (one per area at a time) and comparing two plans."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from gis.errors import PlanNotDraft
from gis.links import link_plan
from gis.partition.store import plan_row


def publish_plan(engine: Engine, plan_id: int, *, published_by: str | None = None) -> dict:
    """Make the plan the one published plan for its area, in one transaction.

    Any published plan of an overlapping area (the same, above or below) is
    archived; incidents in the area get their grid from the new plan.
    """
    with engine.begin() as conn:
        row = plan_row(conn, plan_id)
        if row["status"] != "draft":
            raise PlanNotDraft(f"plan {plan_id} is {row['status']}; only a draft can be published")
        conn.execute(
            text(
                """
                UPDATE grid_plan o SET status = 'archived', version = o.version + 1
                FROM area oa, area a, grid_plan p
                WHERE p.id = :id AND a.id = p.area_id AND oa.id = o.area_id
                  AND o.status = 'published' AND (oa.path <@ a.path OR a.path <@ oa.path)
                """
            ),
            {"id": plan_id},
        )
        conn.execute(
            text(
                "UPDATE grid_plan SET status = 'published', published_by = :by, "
                "published_at = now(), version = version + 1 WHERE id = :id"
            ),
            {"id": plan_id, "by": published_by},
        )
        moved = link_plan(conn, plan_id)
        return {**plan_row(conn, plan_id), "incidents_relinked": moved}


def diff_plans(conn: Connection, plan_id: int, against: int) -> dict[str, Any]:
    """What changes from plan ``against`` to plan ``plan_id``: moved buildings and
    households, grids that appear or disappear."""
    plan_row(conn, plan_id)
    plan_row(conn, against)
    moved = (
        conn.execute(
            text(
                """
            SELECT b.code AS building, b.households, ga.code AS from_grid, gb.code AS to_grid
            FROM building b
            LEFT JOIN building_grid a ON a.building_id = b.id AND a.plan_id = :against
            LEFT JOIN grid ga ON ga.id = a.grid_id
            LEFT JOIN building_grid n ON n.building_id = b.id AND n.plan_id = :plan
            LEFT JOIN grid gb ON gb.id = n.grid_id
            WHERE (a.grid_id IS NOT NULL OR n.grid_id IS NOT NULL)
              AND ga.code IS DISTINCT FROM gb.code
            ORDER BY b.code
            """
            ),
            {"plan": plan_id, "against": against},
        )
        .mappings()
        .all()
    )
    grids = (
        conn.execute(
            text(
                """
            SELECT code, bool_or(plan_id = :plan) AS in_plan, bool_or(plan_id = :against) AS before
            FROM grid WHERE plan_id IN (:plan, :against) GROUP BY code ORDER BY code
            """
            ),
            {"plan": plan_id, "against": against},
        )
        .mappings()
        .all()
    )
    return {
        "plan": plan_id,
        "against": against,
        "buildings_moved": len(moved),
        "households_moved": int(sum(m["households"] for m in moved)),
        "moves": [dict(m) for m in moved],
        "grids_added": [g["code"] for g in grids if g["in_plan"] and not g["before"]],
        "grids_removed": [g["code"] for g in grids if g["before"] and not g["in_plan"]],
    }
