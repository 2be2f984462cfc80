"""Hand edits and the validator: every edit is checked, and every broken rule is named."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

from gis.errors import GridLocked, InvalidInput
from gis.partition import (
    Plan,
    merge_grids,
    move_buildings,
    partition,
    plan_from_tables,
    split_grid,
    validate_plan,
)
from gis.partition.locks import changed_locked, keep_locked, rebalance
from gis.partition.reassign import reassign
from tests.partition_cases import CRS, X0, Y0, buildings, communities, lattice, metric, rect

CODE = "331004007001"


@pytest.fixture
def case():
    """One 480 m x 200 m community of 1,200 households in 4 grids, and a small neighbour."""
    comms = communities((CODE, rect(0, 0, 480, 200)), ("331004007002", rect(480, 0, 600, 200)))
    builds = buildings(
        lattice(rect(0, 0, 480, 200), 20, 5, "A"), lattice(rect(480, 0, 600, 200), 40, 20, "B")
    )
    return comms, builds, partition(comms, builds)


def grids_of(plan: Plan, code: str = CODE) -> pd.DataFrame:
    return plan.grids[plan.grids["community_code"] == code].reset_index(drop=True)


def members(plan: Plan, grid: str) -> list[str]:
    return plan.assignment.loc[plan.assignment["grid_code"] == grid, "building_id"].tolist()


def test_generated_plan_validates_the_same(case) -> None:
    comms, builds, plan = case
    again = validate_plan(plan, comms, builds)
    assert again.ok and plan.report.ok
    assert (again.grids, again.households, again.households_cv) == (
        plan.report.grids,
        plan.report.households,
        pytest.approx(plan.report.households_cv),
    )
    assert again.polsby_popper_min == pytest.approx(plan.report.polsby_popper_min, rel=1e-6)


def test_move_buildings_updates_counts_and_names_broken_bounds(case) -> None:
    comms, builds, plan = case
    a, b = grids_of(plan)["code"][:2]
    moved = members(plan, b)[:12]
    after = move_buildings(plan, moved, a)
    counts = after.grids.set_index("code")["households"]
    before = plan.grids.set_index("code")["households"]
    assert counts[a] == before[a] + 60 and counts[b] == before[b] - 60
    assert set(moved) <= set(members(after, a))
    assert any(f"grid {a} now has {counts[a]} households" in n for n in after.report.notes)
    broken = {(i.rule, i.grid) for i in after.report.violations}
    assert (3, a) in broken or counts[a] <= 360
    assert plan.grids.set_index("code")["households"][a] == before[a]  # the old plan is intact
    assert validate_plan(after, comms, builds).broken_rules() == after.report.broken_rules()


def test_moving_a_far_building_breaks_connectivity(case) -> None:
    *_, plan = case
    grids = metric(grids_of(plan))
    a = grids.loc[grids.geometry.centroid.x.idxmin(), "code"]
    far = grids.loc[grids.geometry.centroid.x.idxmax(), "code"]
    after = move_buildings(plan, members(plan, far)[:1], a)
    assert (4, a) in {(i.rule, i.grid) for i in after.report.violations}


def test_merge_two_grids(case) -> None:
    *_, plan = case
    a, b = grids_of(plan)["code"][:2]
    merged = merge_grids(plan, a, b)
    assert b not in set(merged.grids["code"])
    total = plan.grids.set_index("code")["households"][[a, b]].sum()
    assert merged.grids.set_index("code")["households"][a] == total
    assert 3 in merged.report.broken_rules()  # 600 households > 360
    with pytest.raises(InvalidInput, match="different communities"):
        merge_grids(plan, a, grids_of(plan, "331004007002")["code"][0])


def test_split_in_balanced_halves(case) -> None:
    *_, plan = case
    big = merge_grids(plan, *grids_of(plan)["code"][:2])
    a = grids_of(plan)["code"][0]
    halves = split_grid(big, a)
    new = sorted(set(halves.grids["code"]) - set(big.grids["code"]))
    assert len(new) == 1
    counts = halves.grids.set_index("code")["households"]
    assert abs(counts[a] - counts[new[0]]) <= 10
    assert halves.report.ok, str(halves.report)


def test_split_along_a_drawn_line(case) -> None:
    *_, plan = case
    a = grids_of(plan)["code"][0]
    cell = metric(plan.grids.set_index("code").loc[[a]]).geometry.iloc[0]
    x = cell.centroid.x
    line = gpd.GeoSeries([LineString([(x, Y0 - 10), (x, Y0 + 210)])], crs=CRS).to_crs(4326).iloc[0]
    after = split_grid(plan, a, line)
    pieces = metric(after.grids[after.grids["code"].isin([a, f"{CODE}005"])])
    assert len(pieces) == 2
    assert (pieces.geometry.centroid.x < x).sum() == 1
    assert 3 in after.report.broken_rules()  # two halves of ~300 fall below 240
    with pytest.raises(InvalidInput, match="does not cross"):
        split_grid(plan, a, LineString([(0, 0), (0.001, 0.001)]))


def test_edits_refuse_unknown_targets(case) -> None:
    _, _, plan = case
    a = grids_of(plan)["code"][0]
    with pytest.raises(InvalidInput, match="no grid"):
        move_buildings(plan, ["A00000"], "nope")
    with pytest.raises(InvalidInput, match="no building"):
        move_buildings(plan, ["nope"], a)
    with pytest.raises(InvalidInput, match="not in community"):
        move_buildings(plan, ["B00000"], a)


def edited(plan: Plan, code: str, geometry) -> Plan:
    grids = plan.grids.copy()
    grids.loc[grids["code"] == code, "geometry"] = (
        gpd.GeoSeries([geometry], crs=CRS).to_crs(4326).values
    )
    return dataclasses.replace(plan, grids=grids)


def test_validator_finds_a_gap_an_overlap_and_a_cut_building(case) -> None:
    comms, builds, plan = case
    a, b = grids_of(plan)["code"][:2]
    ga = metric(plan.grids.set_index("code").loc[[a]]).geometry.iloc[0]
    gb = metric(plan.grids.set_index("code").loc[[b]]).geometry.iloc[0]
    shrunk = validate_plan(edited(plan, a, ga.buffer(-8)), comms, builds)
    messages = " ".join(i.message for i in shrunk.violations)
    assert 1 in shrunk.broken_rules() and "gap" in messages
    assert 2 in shrunk.broken_rules() and "cut by the boundary" in messages
    grown = validate_plan(edited(plan, a, shapely.union(ga, gb.buffer(-5))), comms, builds)
    assert any("overlaps grid" in i.message for i in grown.violations)
    outside = validate_plan(edited(plan, a, ga.buffer(5)), comms, builds)
    assert any("outside the community" in i.message for i in outside.violations)


def test_validator_finds_lost_doubled_and_unknown_buildings(case) -> None:
    comms, builds, plan = case
    a = plan.assignment
    lost = dataclasses.replace(plan, assignment=a.iloc[1:])
    assert any(
        "belongs to no grid" in i.message for i in validate_plan(lost, comms, builds).violations
    )
    doubled = dataclasses.replace(
        plan, assignment=pd.concat([a, a.iloc[[0]].assign(grid_code=a["grid_code"].iat[-1])])
    )
    assert any("2 grids" in i.message for i in validate_plan(doubled, comms, builds).violations)
    ghost = dataclasses.replace(
        plan,
        assignment=pd.concat(
            [a, pd.DataFrame({"building_id": ["ghost"], "grid_code": [a["grid_code"].iat[0]]})]
        ),
    )
    assert 2 in validate_plan(ghost, comms, builds).broken_rules()


def test_validator_finds_a_grid_in_pieces(case) -> None:
    comms, builds, plan = case
    a = grids_of(plan)["code"][0]
    ga = metric(plan.grids.set_index("code").loc[[a]]).geometry.iloc[0]
    cut = shapely.difference(
        ga, shapely.box(ga.centroid.x - 1, Y0 - 1, ga.centroid.x + 1, Y0 + 201)
    )
    report = validate_plan(edited(plan, a, cut), comms, builds)
    assert any(i.rule == 4 and "pieces" in i.message for i in report.violations)


def test_plan_from_tables_supports_edits(case) -> None:
    comms, builds, plan = case
    stored = plan_from_tables(plan.grids, plan.assignment, comms, builds, plan.rules)
    assert stored.report.ok
    a, b = grids_of(plan)["code"][:2]
    after = move_buildings(stored, members(plan, b)[:2], a)
    assert after.grids.set_index("code")["households"][a] == (
        plan.grids.set_index("code")["households"][a] + 10
    )
    np.testing.assert_allclose(after.grids["area_m2"].sum(), plan.grids["area_m2"].sum(), rtol=1e-9)
    assert X0 > 0  # the cases' origin is far from the CRS origin, as real data is


def test_rebalance_keeps_locked_grids_and_the_guard_refuses_changing_them(case) -> None:
    _, _, plan = case
    codes = sorted(grids_of(plan)["code"])
    locked = codes[:1]
    again = rebalance(plan, CODE, locked)
    before, after = plan.state, again.state
    g = int(np.flatnonzero(before.grid_code == locked[0])[0])
    assert after.grid_geom[g] is before.grid_geom[g] and after.grid_wgs[g] is before.grid_wgs[g]
    assert members(again, locked[0]) == members(plan, locked[0])
    assert changed_locked(plan, again, locked) == []
    assert sorted(again.assignment["building_id"]) == sorted(plan.assignment["building_id"])
    # every other building of the community is in a new grid drawn from its units
    assert again.report.notes[-1].startswith(f"rebalanced community {CODE}")
    with pytest.raises(GridLocked, match=locked[0]):
        keep_locked(plan, merge_grids(plan, codes[1], locked[0]), locked)
    # reassign puts each building back where it was
    places = dict(zip(plan.assignment["building_id"], plan.assignment["grid_code"], strict=True))
    mine = {b: g for b, g in places.items() if g.startswith(CODE)}
    back = reassign(again, CODE, mine, locked)
    assert (
        dict(zip(back.assignment["building_id"], back.assignment["grid_code"], strict=True))
        == places
    )
    with pytest.raises(InvalidInput, match="missing"):
        reassign(again, CODE, dict(list(mine.items())[1:]), locked)
    with pytest.raises(InvalidInput, match="every grid"):
        rebalance(plan, CODE, codes)
