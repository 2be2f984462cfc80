"""`wangge load`: every format and CRS, idempotence, and every failure mode loading nothing."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, Polygon
from sqlalchemy import text

from gis.crs import from_wgs84
from gis.errors import InvalidInput
from gis.load import load_file, load_frame
from tests.common import TEST_KEY, small_areas, small_buildings


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


@pytest.fixture
def db(empty_engine):
    load_frame(empty_engine, "areas", small_areas())
    return empty_engine


@pytest.fixture
def with_buildings(db):
    load_frame(db, "buildings", small_buildings())
    return db


def write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        flat = pd.DataFrame(frame.drop(columns="geometry"))
        flat["lon"], flat["lat"] = frame.geometry.x, frame.geometry.y
        flat.to_csv(path, index=False)
    else:
        frame.to_file(path)
    return path


# -- what loads -------------------------------------------------------------------


def test_areas_load_with_their_hierarchy(db) -> None:
    with db.connect() as conn:
        rows = dict(conn.execute(text("SELECT code, path::text FROM area")).all())
    assert rows["331004002001"] == "331004000000.331004002000.331004002001"
    assert len(rows) == 7


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"], ids=lambda s: s[1:])
def test_buildings_load_from_each_vector_format(db, tmp_path: Path, suffix: str) -> None:
    path = write(small_buildings(), tmp_path / f"buildings{suffix}")
    report = load_file(db, "buildings", path)
    assert report.rows == 8
    with db.connect() as conn:
        links = conn.execute(
            text(
                "SELECT b.code, a.code FROM building b JOIN area a ON a.id = b.community_id "
                "ORDER BY b.code"
            )
        ).all()
    assert [c for _, c in links] == [
        "331004001001", "331004001001", "331004001002", "331004001002",
        "331004002001", "331004002001", "331004002002", "331004002002",
    ]  # fmt: skip


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "EPSG:3857", "EPSG:4490"], ids=str)
def test_incidents_load_from_csv_in_any_crs(with_buildings, tmp_path: Path, crs: str) -> None:
    truth = gpd.GeoDataFrame(
        {
            "code": ["I1", "I2"],
            "category": ["dispute", "fire_hazard"],
            "source": ["hotline", "grid_worker"],
            "reported_at": ["2026-03-01 08:30", "2026-03-02T09:00:00+08:00"],
        },
        geometry=[Point(121.3051, 28.5551), Point(121.331, 28.561)],
        crs="EPSG:4326",
    )
    shifted = from_wgs84(truth, crs)
    path = write(shifted, tmp_path / "incidents.csv")
    load_file(with_buildings, "incidents", path, crs=crs)
    with with_buildings.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.code, ST_X(i.geom), ST_Y(i.geom), b.code, i.reported_at "
                "FROM incident i LEFT JOIN building b ON b.id = i.building_id ORDER BY i.code"
            )
        ).all()
    expected = [[121.3051, 28.5551], [121.331, 28.561]]
    assert_allclose([[r[1], r[2]] for r in rows], expected, atol=1e-8)
    assert rows[0][3] == "B001"  # the first incident lies inside building B001
    assert rows[1][3] is None
    assert rows[0][4] == pd.Timestamp("2026-03-01 08:30", tz="Asia/Shanghai")


def test_people_load_protected_and_masked(with_buildings) -> None:
    households = pd.DataFrame(
        {"code": ["B001-0101"], "building_code": ["B001"], "kind": ["floating"], "members": [1]}
    )
    persons = pd.DataFrame(
        {
            "code": ["B001-0101-01"],
            "household_code": ["B001-0101"],
            "name": ["王芳"],
            "id_number": ["11010519491231002X"],
            "phone": ["13812345678"],
            "birth_year": [1949],
            "sex": ["F"],
            "tags": ["floating;elderly_alone"],
        }
    )
    load_frame(with_buildings, "households", households)
    load_frame(with_buildings, "persons", persons, key=TEST_KEY)
    with with_buildings.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id_number_masked, phone_masked, tags, "
                "pgp_sym_decrypt(id_number_enc, :k), pgp_sym_decrypt(phone_enc, :k) FROM person"
            ),
            {"k": TEST_KEY},
        ).one()
        stored = conn.execute(text("SELECT person::text FROM person")).scalar()
    assert row == (
        "11***************X", "138******78", ["floating", "elderly_alone"],
        "11010519491231002X", "13812345678",
    )  # fmt: skip
    assert "11010519491231002X" not in stored and "13812345678" not in stored


def test_loading_twice_is_idempotent(db, tmp_path: Path) -> None:
    path = write(small_buildings(), tmp_path / "b.geojson")
    load_file(db, "buildings", path)
    changed = small_buildings()
    changed.loc[0, "households"] = 999
    load_frame(db, "buildings", changed)
    load_file(db, "buildings", path)
    assert count(db, "building") == 8
    with db.connect() as conn:
        households = text("SELECT households FROM building WHERE code = 'B001'")
        assert conn.execute(households).scalar() == 10


# -- what is refused ---------------------------------------------------------------

BOWTIE = Polygon([(121.305, 28.555), (121.306, 28.556), (121.306, 28.555), (121.305, 28.556)])


def _bad_buildings(case: str) -> gpd.GeoDataFrame:
    frame = small_buildings()
    if case == "invalid-geometry":
        frame.loc[2, "geometry"] = BOWTIE
    elif case == "missing-column":
        frame = frame.drop(columns="code")
    elif case == "missing-value":
        frame.loc[4, "code"] = None
    elif case == "duplicate-code":
        frame.loc[5, "code"] = "B001"
    elif case == "outside":
        frame.loc[3, "geometry"] = Point(121.5, 28.9).buffer(0.0001)
    elif case == "bad-number":
        frame["households"] = frame["households"].astype(object)
        frame.loc[6, "households"] = "many"
    return frame


@pytest.mark.parametrize(
    ("case", "where"),
    [
        ("invalid-geometry", "row 3, field 'geometry': invalid geometry (Self-intersection"),
        ("missing-column", "field 'code': required column is missing"),
        ("missing-value", "row 5, field 'code': required value is empty"),
        ("duplicate-code", "row 6, field 'code': duplicate code 'B001' (first at row 1)"),
        ("outside", "row 4, field 'geometry': the building lies outside every community"),
        ("bad-number", "row 7, field 'households': 'many' is not an integer"),
    ],
    ids=lambda v: v if v.islower() and " " not in v else None,
)
def test_a_bad_building_file_loads_nothing(db, tmp_path: Path, case: str, where: str) -> None:
    path = write(_bad_buildings(case), tmp_path / "buildings.gpkg")
    with pytest.raises(InvalidInput) as info:
        load_file(db, "buildings", path)
    message = str(info.value)
    assert str(path) in message and where in message
    assert "no buildings were loaded" in message
    assert count(db, "building") == 0


def test_invalid_geometry_is_repaired_on_request(db) -> None:
    frame = _bad_buildings("invalid-geometry")
    load_frame(db, "buildings", frame, repair=True)
    assert count(db, "building") == 8


def test_unknown_parent_loads_nothing(empty_engine) -> None:
    areas = small_areas()
    areas.loc[5, "parent_code"] = "331004009000"
    with pytest.raises(InvalidInput, match=r"row 6, field 'parent_code': parent area 331004009000"):
        load_frame(empty_engine, "areas", areas, source="areas.geojson")
    assert count(empty_engine, "area") == 0


def test_a_child_outside_its_parent_loads_nothing(empty_engine) -> None:
    areas = small_areas()
    areas.loc[3, "geometry"] = areas.geometry[3].buffer(0.001)
    outside = r"row 4, field 'geometry': .* m² of the area lie outside"
    with pytest.raises(InvalidInput, match=outside):
        load_frame(empty_engine, "areas", areas)
    assert count(empty_engine, "area") == 0


def test_metres_read_as_degrees_are_refused(db, tmp_path: Path) -> None:
    metres = small_buildings().to_crs(3857).set_crs(None, allow_override=True)
    path = write(metres, tmp_path / "b.geojson")
    with pytest.raises(InvalidInput, match="do not look like"):
        load_file(db, "buildings", path, crs="EPSG:4326")
    assert count(db, "building") == 0


def test_a_crs_that_contradicts_the_file_is_refused(db, tmp_path: Path) -> None:
    path = write(small_buildings().to_crs(3857), tmp_path / "b.gpkg")
    with pytest.raises(InvalidInput, match=r"EPSG:3857.*EPSG:4490"):
        load_file(db, "buildings", path, crs="EPSG:4490")


def test_gcj02_loaded_as_wgs84_lands_outside(db, tmp_path: Path) -> None:
    # A file in GCJ-02 loaded without --crs is off by ~500 m: the incidents at the
    # district's edge fall outside it, and the message points at --crs.
    edge = gpd.GeoDataFrame(
        {"code": ["I1"], "category": ["traffic"], "source": ["110"], "reported_at": ["2026-01-01"]},
        geometry=[Point(121.3399, 28.5699)],
        crs="EPSG:4326",
    )
    path = write(from_wgs84(edge, "gcj02"), tmp_path / "i.csv")
    with pytest.raises(InvalidInput, match=r"row 1, field 'geometry'.*is --crs right\?"):
        load_file(db, "incidents", path)
    load_file(db, "incidents", path, crs="gcj02")
    assert count(db, "incident") == 1


def test_unknown_kind_and_file_type(db, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown kind 'rivers'"):
        load_file(db, "rivers", tmp_path / "x.geojson")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(InvalidInput, match=r"unknown file type '\.txt'"):
        load_file(db, "buildings", tmp_path / "x.txt")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("id_number", "110105194912310021", "is not a valid ID number"),
        ("id_number", "110105194913310026", "is not a valid ID number"),
        ("birth_year", 1950, "1950 disagrees with the ID number's 1949"),
        ("sex", "M", "'M' disagrees with the ID number"),
    ],
    ids=["check-digit", "impossible-date", "birth-year", "sex"],
)
def test_person_records_must_agree_with_their_id_number(
    with_buildings, column: str, value: object, message: str
) -> None:
    load_frame(
        with_buildings,
        "households",
        pd.DataFrame({"code": ["H1"], "building_code": ["B001"], "kind": ["registered"]}),
    )
    person = {
        "code": "P1", "household_code": "H1", "name": "王芳", "id_number": "11010519491231002X",
        "birth_year": 1949, "sex": "F",
    }  # fmt: skip
    person[column] = value
    with pytest.raises(InvalidInput, match=f"row 1, field '{column}': .*{message}"):
        load_frame(with_buildings, "persons", pd.DataFrame([person]), key=TEST_KEY)
    assert count(with_buildings, "person") == 0
