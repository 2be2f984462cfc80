"""Grid plans in PostGIS: create from the partition engine, list, show, validate,
and store hand edits with optimistic concurrency (publishing: ``publish``).

The engine (``gis.partition``) works on frames; this module moves plans between
it and the database. Every stored change bumps the plan's ``version``; an edit
names the version it was made on and fails with :class:`StaleVersion` if the
plan moved on meanwhile, changing nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, Engine, TextClause

from gis.db.statements import fetch_one, query
from gis.errors import InvalidInput, NotFound, PlanNotDraft, StaleVersion
from gis.partition.cache import PlanCache
from gis.partition.engine import partition
from gis.partition.locks import keep_locked
from gis.partition.model import Plan, Rules
from gis.partition.report import Issue, Report
from gis.partition.stored import store_changes as _store_changes
from gis.partition.validate import plan_from_tables, validate_plan
from gis.places.areas import area_by_code


def _sql(name: str) -> TextClause:
    return query("gis.partition", "plans", name)


# -- reading the inputs --------------------------------------------------------------


def communities_under(conn: Connection, area_id: int) -> gpd.GeoDataFrame:
    """The communities of an area (itself if it is one), with code, name and kind."""
    return gpd.read_postgis(
        _sql("communities_under"), conn, params={"id": area_id}, geom_col="geom"
    )


def buildings_under(conn: Connection, area_id: int) -> gpd.GeoDataFrame:
    """The buildings linked to the communities of an area, with code and households."""
    return gpd.read_postgis(_sql("buildings_under"), conn, params={"id": area_id}, geom_col="geom")


# -- create -------------------------------------------------------------------------


def create_plan(
    engine: Engine,
    area_code: str,
    *,
    name: str,
    rules: Rules | None = None,
    seed: int = 0,
    created_by: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Partition every community under ``area_code`` and store the result as a draft."""
    rules = rules or Rules()
    with engine.connect() as conn:
        area = area_by_code(conn, area_code)
        communities = communities_under(conn, area["id"])
        buildings = buildings_under(conn, area["id"])
    if communities.empty:
        raise InvalidInput(f"area {area_code} has no communities to divide into grids")
    plan = partition(
        communities, buildings,
        min_households=rules.min_households, max_households=rules.max_households,
        target=rules.target_households, max_area_km2=rules.max_area_km2,
        rural_one_grid=rules.rural_one_grid, seed=seed, progress=progress,
    )  # fmt: skip
    with engine.begin() as conn:
        plan_id = conn.execute(
            _sql("insert_plan"),
            {"name": name, "area": area["id"], "by": created_by,
             "params": json.dumps(_params(rules, seed, plan.report))},
        ).scalar_one()  # fmt: skip
        _store_grids(conn, plan_id, plan)
    return plan_id


# The rules stored with a plan: what a planner sets (tolerances stay the engine's).
RULE_FIELDS = (
    "min_households", "max_households", "target_households", "max_area_km2", "rural_one_grid",
)  # fmt: skip


def _params(rules: Rules, seed: int, report: Report) -> dict[str, Any]:
    stored = {k: getattr(rules, k) for k in RULE_FIELDS}
    return {**stored, "seed": seed, "report": report.to_dict()}


def _store_grids(conn: Connection, plan_id: int, plan: Plan) -> None:
    """Replace the plan's grids and building links with ``plan``'s, set-based."""
    conn.execute(_sql("delete_grids"), {"id": plan_id})
    grids = plan.grids
    conn.execute(
        _sql("insert_grids"),
        {
            "plan": plan_id,
            "codes": grids["code"].tolist(),
            "communities": grids["community_code"].tolist(),
            "wkb": [g.wkb for g in grids.geometry.make_valid()],
            "households": grids["households"].astype(int).tolist(),
            "area": grids["area_m2"].astype(float).tolist(),
        },
    )
    assignment = plan.assignment
    conn.execute(
        _sql("insert_assignment"),
        {
            "plan": plan_id,
            "buildings": assignment["building_id"].astype(str).tolist(),
            "grids": assignment["grid_code"].astype(str).tolist(),
        },
    )


# -- read ---------------------------------------------------------------------------


def plan_row(conn: Connection, plan_id: int) -> dict[str, Any]:
    return fetch_one(conn, _sql("plan_row"), {"id": plan_id}, missing=f"there is no plan {plan_id}")


def list_plans(conn: Connection, area_code: str | None = None) -> list[dict[str, Any]]:
    rows = conn.execute(_sql("list_plans"), {"area": area_code}).mappings()
    return [dict(r) for r in rows]


def plan_grids(conn: Connection, plan_id: int) -> gpd.GeoDataFrame:
    """The plan's grids: code, community_code, households, buildings, area_m2, geometry."""
    return gpd.read_postgis(_sql("plan_grids"), conn, params={"id": plan_id}, geom_col="geometry")


def plan_assignment(conn: Connection, plan_id: int) -> pd.DataFrame:
    return pd.read_sql(_sql("plan_assignment"), conn, params={"id": plan_id})


def stored_report(row: dict[str, Any]) -> Report:
    """The report saved with the plan when it was made or last edited."""
    fields = {k: v for k, v in (row["params"] or {})["report"].items() if k != "ok"}
    fields["issues"] = tuple(Issue(**i) for i in fields.get("issues", ()))
    fields["notes"] = tuple(fields.get("notes", ()))
    return Report(**fields)


def rules_of(row: dict[str, Any]) -> Rules:
    """The rules a plan was made with; any not stored take Rules' defaults."""
    stored = row["params"] or {}
    return Rules(**{k: stored[k] for k in RULE_FIELDS if k in stored})


def load_plan(conn: Connection, plan_id: int) -> tuple[dict[str, Any], Plan]:
    """A stored plan as the engine's Plan, ready to validate or edit."""
    row, plan, _, _ = _load_with_inputs(conn, plan_id)
    return row, plan


def validate_stored(engine: Engine, plan_id: int) -> Report:
    """Check a stored plan against the rules, as they stand for today's buildings."""
    with engine.connect() as conn:
        _, plan, communities, buildings = _load_with_inputs(conn, plan_id)
    return validate_plan(plan, communities, buildings)


def _load_with_inputs(
    conn: Connection, plan_id: int
) -> tuple[dict[str, Any], Plan, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    # Communities and buildings are read once and serve both the plan and its check.
    row = plan_row(conn, plan_id)
    area = area_by_code(conn, row["area_code"])
    communities = communities_under(conn, area["id"])
    buildings = buildings_under(conn, area["id"])
    plan = plan_from_tables(
        plan_grids(conn, plan_id), plan_assignment(conn, plan_id), communities, buildings,
        rules_of(row), seed=(row["params"] or {}).get("seed", 0),
    )  # fmt: skip
    return row, plan, communities, buildings


# -- hand edits ----------------------------------------------------------------------


# An edit sees the plan and the codes of its locked grids, and returns the new plan.
Edit = Callable[[Plan, frozenset[str]], Plan]


def apply_edit(
    engine: Engine, plan_id: int, version: int, edit: Edit, *, cache: PlanCache | None = None
) -> tuple[dict[str, Any], Plan]:
    """Apply ``edit`` to a draft plan stored at ``version``; store and return the result.

    The row lock and the version check make a stale edit fail with StaleVersion
    and change nothing; an edit that changes a locked grid fails with GridLocked.
    Only the grids and building links the edit changed are written. With ``cache``,
    the plan comes from memory when this process made that version or read it ahead
    (:func:`warm`).
    """
    with engine.begin() as conn:
        _lock_draft(conn, plan_id, version)
        key = (plan_id, version, conn.execute(_sql("inputs_changed")).scalar_one())
        locked = frozenset(conn.execute(_sql("locked_grids"), {"id": plan_id}).scalars())
        entry = cache.get(key) if cache is not None else None
        if entry is None:
            row, plan = load_plan(conn, plan_id)
        else:
            row, plan = plan_row(conn, plan_id), entry.plan
        edited = edit(plan, locked)
        keep_locked(plan, edited, locked)
        # a plan read again is recounted from today's buildings: write all its grids
        _store_changes(conn, plan_id, plan, edited, everything=entry is None or entry.loaded)
        params = {**(row["params"] or {}), "report": edited.report.to_dict()}
        conn.execute(_sql("bump_version"), {"id": plan_id, "p": json.dumps(params)})
        row = {**plan_row(conn, plan_id), "locked": sorted(locked)}
    if cache is not None:  # only once committed: a failed commit made no new version
        cache.put((plan_id, row["version"], key[2]), edited)
    return row, edited


def set_lock(
    engine: Engine,
    plan_id: int,
    version: int,
    code: str,
    locked: bool,
    *,
    cache: PlanCache | None = None,
) -> dict[str, Any]:
    """Lock or unlock grid ``code`` of a draft at ``version``: a change like an edit
    (StaleVersion, PlanNotDraft), making a new version of the same grids."""
    with engine.begin() as conn:
        _lock_draft(conn, plan_id, version)
        hit = conn.execute(_sql("set_locked"), {"id": plan_id, "code": code, "locked": locked})
        if hit.first() is None:
            raise NotFound(f"there is no grid {code!r} in plan {plan_id}")
        conn.execute(_sql("bump_only"), {"id": plan_id})
        key = (plan_id, version, conn.execute(_sql("inputs_changed")).scalar_one())
        locked = list(conn.execute(_sql("locked_grids"), {"id": plan_id}).scalars())
        row = {**plan_row(conn, plan_id), "locked": locked}
    entry = cache.get(key) if cache is not None else None
    if entry is not None:  # the grids are the same: the plan in memory serves the new version
        cache.put((plan_id, row["version"], key[2]), entry.plan, loaded=entry.loaded)
    return row


def warm(engine: Engine, plan_id: int, cache: PlanCache) -> None:
    """Read a draft into ``cache`` ahead of its first edit (nothing if kept already)."""
    with engine.connect() as conn:
        row = plan_row(conn, plan_id)
        if row["status"] != "draft":
            return
        key = (plan_id, row["version"], conn.execute(_sql("inputs_changed")).scalar_one())
        if cache.get(key) is None:
            cache.put(key, load_plan(conn, plan_id)[1], loaded=True)


def _lock_draft(conn: Connection, plan_id: int, version: int) -> None:
    """Take the plan's row lock; refuse an unknown plan, a stale version, a non-draft."""
    current = conn.execute(_sql("lock_plan"), {"id": plan_id}).first()
    if current is None:
        raise NotFound(f"there is no plan {plan_id}")
    if current.version != version:
        raise StaleVersion(
            f"plan {plan_id} is at version {current.version}, the edit was made on "
            f"version {version}: reload the plan and edit again"
        )
    if current.status != "draft":
        raise PlanNotDraft(f"plan {plan_id} is {current.status}; edit a draft copy instead")
