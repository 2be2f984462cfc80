"""Touching buildings in the sample city: old towns, terraces, towers, 城中村, and the
demo's published plan over them (issue 11)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.load.sample import DEMO_PLAN, load_city, publish_sample_plan
from gis.partition import partition
from gis.partition.store import create_plan, list_plans
from gis.synth import PROFILES, generate_city
from gis.synth.building_mix import community_styles
from gis.synth.buildings import build_buildings
from gis.synth.oldtown import DEPTH_M, WIDTH_M
from tests.common import TEST_KEY

CRS = 4550  # metres, Beijing
SLIVER_M2 = 1e-4  # what two buildings sharing a wall may overlap by: rounding, not a room


def community(width: float, height: float, angle_deg: float = 0.0, kind: str = "urban"):
    """One square-ish community in metres, as the layout hands it to the builder."""
    box = shapely.affinity.rotate(shapely.box(0, 0, width, height), angle_deg, origin=(0, 0))
    centre = box.centroid
    return gpd.GeoDataFrame(
        {
            "code": ["110101001001"],
            "name": ["样例社区"],
            "street_name": ["样例街道"],
            "kind": [kind],
            "seed_x": [centre.x],
            "seed_y": [centre.y],
        },
        geometry=[box],
        crs=CRS,
    )


def build(style: str, households: int, *, seed: int = 0, size=(700.0, 600.0), angle=20.0,
          kind: str = "urban", tower_share: float = 0.0):  # fmt: skip
    coms = community(*size, angle, kind)
    return build_buildings(
        coms,
        np.array([households]),
        np.array([np.radians(angle)]),
        np.array([], dtype=object),
        np.random.default_rng(seed),
        np.array([style]),
        tower_share,
    )


def overlaps(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs that touch or overlap, and the area each pair shares."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    return left, right, shapely.area(shapely.intersection(geoms[left], geoms[right]))


def sides(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths of the first two edges of each rectangle: along its row, and deep."""
    xy = shapely.get_coordinates(geoms).reshape(len(geoms), 5, 2)
    return np.hypot(*(xy[:, 1] - xy[:, 0]).T), np.hypot(*(xy[:, 2] - xy[:, 1]).T)


@pytest.fixture(scope="module")
def oldtown():
    return build("oldtown", 1_200, seed=1).frame


def test_old_town_courtyards_and_terraces_touch_with_varied_widths(oldtown):
    b = oldtown
    geoms = b.geometry.values
    assert shapely.is_valid(geoms).all()
    assert b["households"].sum() == 1_200
    assert {"courtyard", "terrace"} <= set(b["kind"])
    along, deep = sides(geoms)
    # Ring houses are DEPTH_M deep and face the lane on any of four sides; terraces
    # cross the yard east–west, so their width is the edge along the row.
    ring = (b["kind"].isin(["courtyard", "shop"])).to_numpy()
    width = np.where(ring & np.isclose(along, DEPTH_M), deep, along)
    houses = ring | (b["kind"] == "terrace").to_numpy()
    lo, hi = WIDTH_M
    assert width[houses].min() >= lo - 1e-6 and width[houses].max() <= hi + 1e-6
    assert width[houses].std() > 1.0  # varied, not one width repeated
    left, right, shared = overlaps(geoms)
    assert shared.max() < SLIVER_M2
    wall = shapely.length(shapely.intersection(geoms[left], geoms[right]))
    touching = np.zeros(len(b), bool)
    touching[np.r_[left[wall > 5], right[wall > 5]]] = True  # a wall, not a corner
    terrace = (b["kind"] == "terrace").to_numpy()
    assert touching[houses].all()  # every house shares a wall with a neighbour
    assert touching[terrace].all()


CROWDED = {"size": (330.0, 280.0), "angle": 0.0}  # room for four to nine blocks, not 17


def test_a_crowded_old_town_puts_towers_of_300_to_800_in_its_yards(oldtown):
    crowded = build("oldtown", 2_500, seed=2, **CROWDED).frame
    towers = crowded[crowded["kind"] == "tower"]
    assert len(towers) >= 1
    assert towers["households"].between(300, 800).all()
    assert crowded["households"].sum() == 2_500
    # Each tower stands inside a ring of courtyard houses (a tower in a perimeter block).
    hull = shapely.convex_hull(shapely.union_all(crowded.geometry.values))
    assert shapely.contains(hull, towers.geometry.values).all()
    assert crowded.loc[crowded["kind"] == "courtyard", "households"].max() <= 12
    assert "tower" not in set(oldtown["kind"])  # 1,200 households fit the houses


def test_an_old_town_with_no_room_for_its_households_is_drawn_as_an_estate():
    # One or two blocks fit; their houses and yard towers cannot hold 2,500 households
    # without crowding a courtyard house beyond 12, so the community becomes an estate.
    b = build("oldtown", 2_500, seed=2, size=(240.0, 200.0), angle=0.0).frame
    assert "apartment" in set(b["kind"]) and "courtyard" not in set(b["kind"])
    assert b["households"].sum() == 2_500


def test_estates_put_their_tower_share_in_towers_of_300_to_800():
    built = build("estate", 6_000, seed=3, tower_share=0.3)
    b = built.frame
    towers = b[b["kind"] == "tower"]
    assert len(towers) >= 2
    assert towers["households"].between(300, 800).all()
    assert towers["households"].sum() <= 0.5 * 6_000
    assert towers["levels"].between(26, 33).all()
    cap = towers["levels"].to_numpy() * built.units[(b["kind"] == "tower").to_numpy()]
    assert (cap >= towers["households"].to_numpy()).all()  # every household has a room
    assert b["households"].sum() == 6_000
    assert shapely.is_valid(b.geometry.values).all()
    assert overlaps(b.geometry.values)[2].size == 0  # estates stay free-standing


def test_urban_villages_are_dense_small_and_valid():
    b = build("urban_village", 900, seed=4, kind="rural").frame
    geoms = b.geometry.values
    homes = b[b["kind"] == "urban_village"]
    assert shapely.is_valid(geoms).all() and b["households"].sum() == 900
    assert homes["levels"].between(3, 6).all()
    assert homes["households"].between(0, 48).all() and homes["households"].mean() > 8
    area = shapely.area(geoms)
    assert area.max() < 11 * 13 + 1e-6  # small plots
    left, right, shared = overlaps(geoms)
    assert shared.max() < SLIVER_M2
    touching = np.zeros(len(b), bool)
    touching[np.r_[left, right]] = True
    assert touching.mean() > 0.4  # most stand wall to wall
    # The rest a hand's breadth or a lane apart: the nearest neighbour is close.
    tree = shapely.STRtree(geoms)
    near = tree.query(geoms, predicate="dwithin", distance=3.6)
    has = np.zeros(len(b), bool)
    has[near[0][near[0] != near[1]]] = True
    assert has.mean() > 0.95
    # Dense: buildings cover most of the cluster, lanes (closed over by 4 m) included.
    union = shapely.union_all(geoms)
    cluster = shapely.buffer(shapely.buffer(union, 4, join_style="mitre"), -4, join_style="mitre")
    assert area.sum() / cluster.area > 0.65


def test_styles_follow_the_profile_shares():
    p = PROFILES["110101"]
    seeds = np.array([[float(i), 0.0] for i in range(10)])
    coms = gpd.GeoDataFrame(
        {"kind": ["urban"] * 6 + ["rural"] * 4, "seed_x": seeds[:, 0], "seed_y": seeds[:, 1]},
        geometry=shapely.points(seeds),
    )
    style = community_styles(coms, np.array([[0.0, 0.0]]), p)
    assert style.tolist() == ["oldtown"] * 3 + ["estate"] * 3 + ["village"] * 4
    luqiao = community_styles(coms, np.array([[9.0, 0.0]]), PROFILES["331004"])
    assert luqiao[6:].tolist() == ["village"] * 3 + ["urban_village"]


def test_the_engine_keeps_its_rules_on_an_old_town(oldtown):
    crowded = build("oldtown", 2_500, seed=2, **CROWDED).frame
    for b, coms in ((oldtown, community(700.0, 600.0, 20.0)), (crowded, community(330, 280))):
        plan = partition(coms[["code", "kind", "geometry"]], b[["code", "households", "geometry"]])
        report = plan.report
        assert report.ok, str(report)
        assert report.households == b["households"].sum()
        # Every grid above the maximum is named as the exception the rules allow: a
        # tower, one building, alone in its grid (perhaps with a leftover house).
        above = set(plan.grids.loc[plan.grids["households"] > 360, "code"])
        named = {i.grid for i in report.exceptions if "above the maximum" in i.message}
        assert named == above
        for issue in report.exceptions:
            assert issue.rule == 3, issue
            assert "one building" in issue.message or "cannot be split" in issue.message, issue
        towers = set(b.loc[b["kind"] == "tower", "code"])
        grid_of = plan.assignment.set_index("building_id")["grid_code"]
        assert {grid_of[t] for t in towers} == above
        assert len(above) == len(towers)


def test_the_demo_partitions_and_publishes_once(empty_engine):
    from contextlib import contextmanager

    from sqlalchemy import text

    from gis.partition.publish import publish_plan
    from gis.settings import DatabaseSettings

    eng = empty_engine
    url = eng.url.render_as_string(hide_password=False)
    settings = DatabaseSettings(database_url=url, secret_key=TEST_KEY)
    load_city(eng, settings, generate_city("331004", seed=5, scale=0.005), say=str)
    said: list[str] = []
    seen: list[tuple[int, int]] = []

    @contextmanager
    def progress():
        said.append("bar")
        yield lambda *a: seen.append(a)

    def demo() -> int | None:
        return publish_sample_plan(eng, "331004", say=said.append, progress=progress)

    def statuses() -> list[tuple[int, str]]:
        with eng.connect() as conn:
            return [(p["id"], p["status"]) for p in list_plans(conn)]

    first = demo()
    assert first is not None and seen[-1] == (333, 333) and said.count("bar") == 1
    assert statuses() == [(first, "published")]
    with eng.connect() as conn:
        assert list_plans(conn)[0]["grids"] > 0
    assert demo() is None and said.count("bar") == 1  # nothing to do: no bar
    assert "keeping it" in said[-1]
    # A planner publishes a community's own plan: the demo never replaces it.
    community = "331004001001"
    own = create_plan(eng, community, name="planner's")
    publish_plan(eng, own)
    assert demo() is None
    assert statuses() == [(first, "archived"), (own, "published")]
    # A draft an interrupted demo left (here once the planner's plan is withdrawn)
    # is published, not drawn again.
    with eng.begin() as conn:
        conn.execute(text("UPDATE grid_plan SET status = 'archived' WHERE id = :id"), {"id": own})
    draft = create_plan(eng, "331004000000", name=DEMO_PLAN)
    assert demo() == draft and said.count("bar") == 1
    assert statuses()[-1] == (draft, "published") and len(statuses()) == 3
