"""File mode: any vector files in, a GeoPackage with grids and assignment out."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from gis.errors import InvalidInput
from gis.partition import partition_files
from tests.partition_cases import buildings, communities, lattice, rect


@pytest.fixture
def files(tmp_path: Path):
    """Factory: write communities and buildings in file-mode column names, in ``suffix`` format."""

    def write(suffix: str = ".geojson", edit=None) -> tuple[Path, Path]:
        comms = communities(
            ("331004008001", rect(0, 0, 300, 200)),
            ("331004008002", rect(300, 0, 500, 200), "rural"),
        )
        comms = comms.rename(columns={"code": "community_id"})
        builds = buildings(
            lattice(rect(0, 0, 300, 200), 25, 8, "U"), lattice(rect(300, 0, 500, 200), 50, 10, "V")
        )
        builds = builds.rename(columns={"code": "id"})
        if edit is not None:
            comms, builds = edit(comms, builds)
        paths = tmp_path / f"communities{suffix}", tmp_path / f"buildings{suffix}"
        comms.to_file(paths[0])
        builds.to_file(paths[1])
        return paths

    return write


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning")
@pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"], ids=str)
def test_partition_files_writes_both_layers(files, tmp_path: Path, suffix: str) -> None:
    c, b = files(suffix)
    out = tmp_path / "plan.gpkg"
    names = {}
    if suffix == ".shp":  # a Shapefile cuts "community_id" to "community_"
        with pytest.raises(InvalidInput, match="'community_'"):
            partition_files(c, b, out)
        names = {"community_id": "community_"}
    plan = partition_files(c, b, out, **names)
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"grids", "assignment"}
    grids = gpd.read_file(out, layer="grids")
    id_column = names.get("community_id", "community_id")
    assert list(grids.columns) == ["grid_id", id_column, "households", "area_m2", "geometry"]
    assert grids.crs.to_epsg() == 4326
    assert grids["households"].sum() == plan.report.households == 96 * 8 + 16 * 10
    assignment = pyogrio.read_dataframe(out, layer="assignment")
    assert list(assignment.columns) == ["id", "grid_id"]
    assert assignment["id"].is_unique and len(assignment) == 96 + 16
    assert "grids in 2 communities" in str(plan.report)


def test_rerun_replaces_the_output(files, tmp_path: Path) -> None:
    c, b = files()
    out = tmp_path / "plan.gpkg"
    partition_files(c, b, out, min_households=100, max_households=200)
    partition_files(c, b, out)
    assert len(pyogrio.read_dataframe(out, layer="grids")) == 4


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda c, b: (c, b.drop(columns="households")), r"buildings\.geojson, field 'households'"),
        (
            lambda c, b: (c, b.assign(households=b["households"].where(b.index != 4, -3))),
            r"buildings\.geojson, row 5, field 'households'",
        ),
        (
            lambda c, b: (c.rename(columns={"community_id": "cid"}), b),
            r"communities\.geojson, field 'community_id'",
        ),
    ],
    ids=["missing-column", "bad-row", "renamed-id"],
)
def test_bad_files_name_file_row_and_field(files, tmp_path: Path, edit, match) -> None:
    c, b = files(edit=edit)
    with pytest.raises(InvalidInput, match=match):
        partition_files(c, b, tmp_path / "plan.gpkg")
    assert not (tmp_path / "plan.gpkg").exists()


def test_other_column_names_and_output_checks(files, tmp_path: Path) -> None:
    c, b = files(edit=lambda c, b: (c, b.rename(columns={"id": "bid", "households": "hh"})))
    plan = partition_files(c, b, tmp_path / "p.gpkg", building_id="bid", households="hh")
    assert plan.report.ok
    with pytest.raises(InvalidInput, match="GeoPackage"):
        partition_files(c, b, tmp_path / "p.shp")
    with pytest.raises(InvalidInput, match="no such file"):
        partition_files(tmp_path / "missing.geojson", b, tmp_path / "p.gpkg")
    (tmp_path / "junk.geojson").write_text("not json")
    with pytest.raises(InvalidInput, match="cannot be read"):
        partition_files(tmp_path / "junk.geojson", b, tmp_path / "p.gpkg")
