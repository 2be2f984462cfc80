"""The sample-city generator: tiling, containment, counts, identities, determinism."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal

from gis.crs import metric_crs_for
from gis.idnumber import valid_id_numbers
from gis.synth import (
    PROFILES,
    UnknownDistrictError,
    generate_city,
    load_boundary,
)
from gis.synth.boundaries import BOUNDARY_DIR
from gis.synth.building_mix import KINDS
from gis.synth.people import TAGS

TOLERANCE_M2 = 1.0
END = date(2026, 10, 31)


@pytest.fixture(
    scope="module",
    params=[("331004", 0.05), ("110101", 0.02)],
    ids=["luqiao-0.05", "dongcheng-0.02"],
)
def city(request):
    adcode, scale = request.param
    return generate_city(adcode, seed=7, scale=scale, end=END)


@pytest.fixture(scope="module")
def metric(city):
    """The city's areas, buildings and district in its metric CRS."""
    crs = metric_crs_for(city.areas)
    areas = city.areas.to_crs(crs)
    return {
        "district": areas[areas["level"] == "district"].geometry.iloc[0],
        "streets": areas[areas["level"] == "street"],
        "communities": areas[areas["level"] == "community"],
        "crs": crs,
    }


def _overlap_m2(geoms: np.ndarray) -> float:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    return float(shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum())


def test_counts_match_profile(city):
    p = city.profile
    coms = city.areas[city.areas["level"] == "community"]
    assert (city.areas["level"] == "district").sum() == 1
    assert (city.areas["level"] == "street").sum() == p.n_streets
    assert len(coms) == p.n_communities
    assert (coms["kind"] == "urban").sum() == p.n_urban
    assert coms["parent_code"].nunique() == p.n_streets  # every street has a community
    if p.street_names:
        streets = city.areas[city.areas["level"] == "street"]
        assert sorted(streets["name"]) == sorted(p.street_names)


@pytest.mark.parametrize("level", ["streets", "communities"], ids=["streets", "communities"])
def test_children_tile_the_district(metric, level):
    geoms = metric[level].geometry.values
    district = metric["district"]
    union = shapely.union_all(geoms)
    assert abs(union.area - district.area) < TOLERANCE_M2
    assert shapely.symmetric_difference(union, district).area < TOLERANCE_M2
    assert _overlap_m2(geoms) < TOLERANCE_M2


def test_area_geometries_valid_multipolygons(city):
    assert city.areas.crs.to_epsg() == 4326
    assert shapely.is_valid(city.areas.geometry.values).all()
    assert (city.areas.geom_type == "MultiPolygon").all()
    assert city.areas["code"].is_unique and city.areas["code"].is_monotonic_increasing


def test_codes_follow_the_hierarchy(city):
    areas = city.areas
    adcode = city.profile.adcode
    assert (areas["code"].str.len() == 12).all()
    assert (areas["code"].str[:6] == adcode).all()
    streets = areas[areas["level"] == "street"]
    coms = areas[areas["level"] == "community"]
    assert (streets["code"].str[-3:] == "000").all()
    assert (streets["parent_code"] == f"{adcode}000000").all()
    assert coms["parent_code"].isin(streets["code"]).all()
    assert (coms["code"].str[:9] == coms["parent_code"].str[:9]).all()
    assert areas.loc[areas["level"] == "district", "parent_code"].iloc[0] is None
    assert set(coms["kind"]) <= {"urban", "rural"}
    assert areas.loc[areas["level"] != "community", "kind"].isna().all()


def test_each_community_lies_in_its_street(metric):
    streets = metric["streets"].set_index("code").geometry
    coms = metric["communities"]
    parent = streets.reindex(coms["parent_code"]).values
    outside = shapely.area(shapely.difference(coms.geometry.values, parent))
    assert outside.max() < TOLERANCE_M2


def test_urban_communities_are_smaller(city, metric):
    coms = metric["communities"]
    area = coms.area.groupby(coms["kind"]).median()
    if city.profile.urban_share == 1.0:
        assert list(area.index) == ["urban"]
    else:
        assert area["urban"] < area["rural"]


def test_every_building_in_exactly_one_community(city):
    b, coms = city.buildings, city.areas[city.areas["level"] == "community"]
    joined = gpd.sjoin(
        b[["code", "community_code", "geometry"]],
        coms[["code", "geometry"]],
        predicate="within",
        lsuffix="b",
        rsuffix="c",
    )
    assert len(joined) == len(b)
    assert joined["code_b"].is_unique
    assert (joined["community_code"] == joined["code_c"]).all()
    assert (b["code"].str[:12] == b["community_code"]).all()
    assert (b["code"].str.len() == 16).all() and b["code"].is_unique


def test_buildings_valid_touching_not_overlapping_and_off_roads(city, metric):
    # Old towns and 城中村 (gis/synth/blocks.py) draw buildings wall to wall, as real
    # footprints are: pairs may now touch, where the free-standing generator kept
    # every pair apart, but never overlap beyond a floating-point sliver.
    b = city.buildings
    geoms = b.to_crs(metric["crs"]).geometry.values
    assert shapely.is_valid(geoms).all() and (b.geom_type == "Polygon").all()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = left < right
    assert pair.any()  # both profiles draw touching buildings
    overlap = shapely.area(shapely.intersection(geoms[left[pair]], geoms[right[pair]]))
    assert overlap.max() < 1e-4  # m²: a shared wall, not a shared room
    on_road = shapely.STRtree(geoms).query(
        city.roads.to_crs(metric["crs"]).geometry.values, predicate="intersects"
    )
    assert on_road.size == 0
    assert set(b["kind"]) <= set(KINDS)
    flats = b[b["kind"].isin(["apartment", "tower"])]
    assert flats["levels"].between(6, 33).all()
    homes = ["apartment", "house", "courtyard", "terrace", "tower", "urban_village"]
    assert (b.loc[~b["kind"].isin(homes), "households"] == 0).all()
    assert b.loc[b["kind"] == "house", "households"].between(1, 2).all()
    # A courtyard house is a 大杂院 of a few families; a block short of room puts a
    # tower in its yard rather than crowding its houses beyond 12.
    assert b.loc[b["kind"].isin(["courtyard", "terrace"]), "households"].between(0, 12).all()
    assert b.loc[b["kind"] == "tower", "households"].between(300, 800).all()
    village = b[b["kind"] == "urban_village"]
    assert village["levels"].between(3, 6).all()


def test_old_towns_and_urban_villages_where_the_profile_puts_them(city, metric):
    # Dongcheng's old town is the half of its communities nearest the centre; Luqiao's
    # 城中村 are villages (rural communities) nearest a core (gis/synth/blocks.py).
    p, b = city.profile, city.buildings
    coms = metric["communities"].set_index("code")
    if p.oldtown_share:
        courtyards = b.loc[b["kind"] == "courtyard", "community_code"].unique()
        assert len(courtyards) > 0
        core = gpd.GeoSeries(shapely.points([p.cores[0]]), crs=4326).to_crs(metric["crs"])
        rank = coms.geometry.representative_point().distance(core.iloc[0]).rank()
        assert rank[courtyards].max() <= (p.oldtown_share + 0.1) * len(coms)
    if p.urban_village_share:
        villages = b.loc[b["kind"] == "urban_village", "community_code"].unique()
        assert len(villages) > 0 and (coms.loc[villages, "kind"] == "rural").all()


def test_households_total_and_rooms(city):
    b, hh = city.buildings, city.households
    assert b["households"].sum() == len(hh) == round(city.profile.households * city.scale)
    per_building = hh.groupby("building_code").size()
    expected = b.set_index("code")["households"]
    assert per_building.reindex(expected.index, fill_value=0).equals(expected)
    assert hh["code"].is_unique and hh["code"].is_monotonic_increasing
    assert (hh["code"] == hh["building_code"] + "-" + hh["room"]).all()
    assert hh["room"].str.fullmatch(r"\d{4}").all()
    assert set(hh["kind"]) <= {"registered", "resident", "floating", "rental"}
    # Urban households now also live in old-town courtyards and towers, not only in
    # apartments: count them by their community's kind.
    coms = city.areas[city.areas["level"] == "community"]
    urban = b["community_code"].isin(coms.loc[coms["kind"] == "urban", "code"])
    urban_share = b.loc[urban, "households"].sum() / len(hh)
    assert urban_share >= city.profile.urban_household_share - 0.01


def test_persons_match_household_members(city):
    hh, people = city.households, city.persons
    assert (hh["members"] >= 1).all()
    assert hh["members"].sum() == len(people)
    counts = people.groupby("household_code").size().reindex(hh["code"])
    assert (counts.to_numpy() == hh["members"].to_numpy()).all()
    assert (people["code"].str[:-3] == people["household_code"]).all()
    assert people["code"].is_unique and people["code"].is_monotonic_increasing


def test_id_numbers_valid_and_consistent(city):
    people = city.persons
    ids = people["id_number"]
    assert valid_id_numbers(ids).all()
    assert ids.is_unique
    assert (ids.str[6:10].astype(int) == people["birth_year"]).all()
    odd = ids.str[16].astype(int) % 2 == 1
    assert (odd == (people["sex"] == "M")).all()
    floating = people["tags"].map(lambda t: "floating" in t)
    local = ids.str[:6] == city.profile.adcode
    assert (local == ~floating).all()
    assert people["phone"].str.fullmatch(r"1[3-9]\d{9}").all()


def test_tags(city):
    people, hh = city.persons, city.households.set_index("code")
    assert people["tags"].map(lambda t: set(t) <= set(TAGS)).all()
    kind = hh["kind"].reindex(people["household_code"]).to_numpy()
    floating = people["tags"].map(lambda t: "floating" in t).to_numpy()
    assert (floating == (kind == "floating")).all()
    members = hh["members"].reindex(people["household_code"]).to_numpy()
    age = city.end.year - people["birth_year"].to_numpy()
    alone = people["tags"].map(lambda t: "elderly_alone" in t).to_numpy()
    assert (alone == ((members == 1) & (age >= 70))).all()
    share = alone.sum() / len(hh)
    assert abs(share - city.profile.elderly_alone_share) < 0.01


def test_cameras(city):
    cams = city.cameras
    p, s = city.profile, city.scale
    assert len(cams) == round(p.public_cameras * s) + round(p.private_cameras * s)
    assert cams["code"].is_unique and (cams["code"].str.len() == 20).all()
    assert cams["heading"].between(0, 360).all()
    assert set(cams["level"]) <= {"district", "street", "community", "private"}
    assert set(cams["status"]) <= {"online", "offline", "maintenance"}
    assert cams["stream_url"].str.startswith("rtsp://").all()
    district = load_boundary(p.adcode).geometry.iloc[0]
    assert shapely.contains(district, cams.geometry.values).all()


def test_incidents_inside_district_and_window(city):
    inc = city.incidents
    assert len(inc) == round(city.profile.incidents_per_year * city.scale)
    district = load_boundary(city.profile.adcode).geometry.iloc[0]
    assert shapely.contains(district, inc.geometry.values).all()
    assert str(inc["reported_at"].dt.tz) == "Asia/Shanghai"
    start = pd.Timestamp(END - timedelta(days=364), tz="Asia/Shanghai")
    stop = pd.Timestamp(END + timedelta(days=1), tz="Asia/Shanghai")
    assert (inc["reported_at"] >= start).all() and (inc["reported_at"] < stop).all()
    assert inc["code"].str.fullmatch(r"INC20\d{2}\d{6}").all() and inc["code"].is_unique
    assert (inc["code"].str[3:7].astype(int) == inc["reported_at"].dt.year).all()


def test_incidents_cluster_in_space_and_time(city):
    inc = city.incidents.to_crs(metric_crs_for(city.areas))
    xy = shapely.get_coordinates(inc.geometry.values)
    cells = pd.Series(list(map(tuple, np.floor(xy / 500.0).astype(int)))).value_counts()
    assert cells.iloc[0] > 5 * cells.median()  # a hotspot stands far above the typical cell
    weekday = inc["reported_at"].dt.day_of_week
    assert (weekday < 5).mean() > 5 / 7  # fewer reports at weekends
    last90 = inc["reported_at"] >= pd.Timestamp(END - timedelta(days=89), tz="Asia/Shanghai")
    assert last90.mean() > 90 / 365  # emerging hotspots add recent incidents


def test_same_seed_same_city_other_seed_differs():
    a, b = (generate_city("110101", seed=3, scale=0.005) for _ in range(2))
    c = generate_city("110101", seed=4, scale=0.005)
    for name in ("areas", "roads", "buildings", "cameras", "incidents"):
        assert_geodataframe_equal(getattr(a, name), getattr(b, name))
    for name in ("households", "persons"):
        assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.areas.geometry.geom_equals(c.areas.geometry).all()
    assert not a.persons["id_number"].equals(c.persons["id_number"])


@pytest.mark.parametrize(
    "adcode", sorted(PROFILES), ids=[PROFILES[k].name_en.split(",")[0] for k in sorted(PROFILES)]
)
def test_every_profile_generates(adcode):
    city = generate_city(adcode, seed=1, scale=0.002)
    p = city.profile
    summary = city.summary()
    assert summary["streets"] == p.n_streets and summary["communities"] == p.n_communities
    assert summary["households"] == round(p.households * 0.002)
    assert summary["persons"] == city.households["members"].sum()


def test_progress_bar_on_stderr(capsys):
    generate_city("110101", seed=0, scale=0.001, progress=True)
    assert "7/7" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["999999", "../etc", "33100"], ids=["unknown", "path", "short"])
def test_unknown_adcode_is_a_clear_error(bad):
    with pytest.raises(ValueError, match=r"known adcodes are .*331004"):
        generate_city(bad)
    with pytest.raises(UnknownDistrictError, match="331004"):
        load_boundary(bad)


def test_bad_scale_is_rejected():
    with pytest.raises(ValueError, match="scale"):
        generate_city("110101", scale=0)


def test_load_boundary_shifts_gcj02_to_wgs84():
    wgs = load_boundary("331004")
    raw = gpd.read_file(BOUNDARY_DIR / "331004.geojson")
    crs = metric_crs_for(wgs)
    shift = wgs.to_crs(crs).centroid.iloc[0].distance(raw.to_crs(crs).centroid.iloc[0])
    assert 100 < shift < 1000  # GCJ-02 moves points by a few hundred metres
    assert wgs.crs.to_epsg() == 4326 and wgs.geom_type.iloc[0] == "MultiPolygon"
