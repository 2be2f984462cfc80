"""The `wangge` command: help everywhere, one clear line on user errors, db lifecycle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gis.db.migrate import head
from tests.common import reachable_tmpdir

WANGGE = str(Path(sys.executable).with_name("wangge"))
COMMANDS = [
    [], ["db"], ["db", "up"], ["db", "down"], ["db", "status"], ["db", "migrate"], ["db", "url"],
    ["load"], ["sample"], ["demo"], ["serve"], ["partition"], ["plan"], ["plan", "list"],
    ["plan", "show"], ["plan", "validate"], ["plan", "publish"], ["plan", "diff"], ["hotspots"],
    ["user"], ["user", "add"], ["user", "token"], ["user", "list"], ["user", "disable"],
    ["user", "enable"], ["user", "passwd"],
]  # fmt: skip


def run(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WANGGE_")}
    full_env.update(env or {})
    return subprocess.run(
        [WANGGE, *args], capture_output=True, text=True, env=full_env, timeout=timeout, check=False
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "wangge")
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_top_level_help_lists_the_commands() -> None:
    out = run("--help").stdout
    for name in ("db", "load", "sample", "demo", "serve"):
        assert f" {name} " in out


def test_a_bad_file_is_one_clear_message_without_traceback(settings, tmp_path: Path) -> None:
    env = {"WANGGE_DATABASE_URL": settings.database_url, "WANGGE_SECRET_KEY": "k"}
    bad = tmp_path / "buildings.csv"
    bad.write_text("code,households,lon,lat\nB1,3,121.31,28.56\nB1,x,121.31,28.56\n")
    result = run("load", "buildings", str(bad), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}, row 2, field 'code': duplicate code 'B1' (first at row 1)" in result.stderr
    assert f"{bad}, row 2, field 'households': 'x' is not an integer" in result.stderr
    missing = run("load", "buildings", str(tmp_path / "nope.geojson"), env=env)
    assert missing.returncode == 1
    last = missing.stderr.strip().splitlines()[-1]
    assert last == f"error: {tmp_path / 'nope.geojson'}: no such file"


def test_an_unknown_crs_is_one_line(settings, tmp_path: Path) -> None:
    env = {"WANGGE_DATABASE_URL": settings.database_url}
    path = tmp_path / "incidents.csv"
    path.write_text("code,lon,lat\nI1,121.3,28.5\n")
    result = run("load", "incidents", str(path), "--crs", "no-such-crs", env=env)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown CRS 'no-such-crs'" in result.stderr


def test_db_lifecycle_on_the_embedded_cluster() -> None:
    data = reachable_tmpdir("wangge-cli-") / "data"
    env = {"WANGGE_DATA_DIR": str(data)}
    try:
        up = run("db", "up", env=env)
        assert up.returncode == 0, up.stderr
        status = run("db", "status", env=env).stdout
        assert "running: yes" in status and f"schema: {head()} " in status
        url = run("db", "url", env=env).stdout.strip()
        assert url.startswith("postgresql+psycopg://wangge:")
        back = run("db", "migrate", "base", env=env)
        assert back.returncode == 0 and f"{head()} -> empty" in back.stderr
        assert run("db", "migrate", env=env).returncode == 0
        assert run("db", "down", env=env).returncode == 0
        assert "running: no" in run("db", "status", env=env).stdout
    finally:
        run("db", "down", env=env)
        subprocess.run(["rm", "-rf", str(data.parent)], check=False)


def test_db_down_refuses_an_external_server(settings) -> None:
    result = run("db", "down", env={"WANGGE_DATABASE_URL": settings.database_url})
    assert result.returncode == 1
    assert "does not manage that server" in result.stderr


def test_partition_and_plan_commands(plan_city, tmp_path: Path) -> None:
    _, plan_settings = plan_city
    env = {"WANGGE_DATABASE_URL": plan_settings.database_url, "WANGGE_SECRET_KEY": "k"}
    made = run("partition", "--area", "331004002000", "--min", "20", "--max", "50",
               "--name", "cli", env=env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "households per grid" in made.stdout and "draft plan" in made.stdout
    plan_id = made.stdout.split("draft plan ")[1].split()[0]
    listed = run("plan", "list", "--area", "331004002000", env=env).stdout
    assert f"{plan_id:>5}  draft" in listed
    assert "compactness" in run("plan", "show", plan_id, env=env).stdout
    checked = run("plan", "validate", plan_id, env=env)
    assert checked.returncode in (0, 1) and "households per grid" in checked.stdout
    published = run("plan", "publish", plan_id, env=env)
    assert published.returncode == 0 and "is published" in published.stdout
    other = run("partition", "--area", "331004002000", "--min", "30", "--max", "80",
                "--name", "cli2", env=env).stdout.split("draft plan ")[1].split()[0]  # fmt: skip
    diff = run("plan", "diff", other, plan_id, env=env)
    assert diff.returncode == 0 and "change grid" in diff.stdout


def test_partition_file_mode(tmp_path: Path) -> None:
    import geopandas as gpd

    from gis.synth import generate_city

    city = generate_city("331004", seed=2, scale=0.02)
    communities = city.areas[city.areas["level"] == "community"].rename(
        columns={"code": "community_id"}
    )
    buildings = city.buildings.rename(columns={"code": "id"})
    communities.head(20).to_file(tmp_path / "communities.gpkg")
    buildings.to_file(tmp_path / "buildings.geojson")
    out = tmp_path / "plan.gpkg"
    result = run("partition", "--communities", str(tmp_path / "communities.gpkg"),
                 "--buildings", str(tmp_path / "buildings.geojson"), "--out", str(out),
                 "--min", "20", "--max", "60")  # fmt: skip
    assert result.returncode == 0, result.stderr
    grids = gpd.read_file(out, layer="grids")
    assignment = gpd.read_file(out, layer="assignment")
    assert {"grid_id", "community_id", "households", "area_m2"} <= set(grids.columns)
    assert set(assignment["grid_id"]) <= set(grids["grid_id"])
    assert "households per grid" in result.stdout
    missing = run("partition", "--communities", str(tmp_path / "communities.gpkg"))
    assert missing.returncode == 1 and "file mode needs" in missing.stderr


def test_hotspots_from_the_database_and_from_a_file(settings, sample_city, tmp_path: Path) -> None:
    import geopandas as gpd
    import rasterio

    from gis.crs import from_wgs84

    env = {"WANGGE_DATABASE_URL": settings.database_url}
    tif = tmp_path / "kde.tif"
    kde = run("hotspots", "--method", "kde", "--area", "331004000000", "--cell-size", "50",
              "--out", str(tif), env=env)  # fmt: skip
    assert kde.returncode == 0, kde.stderr
    assert "bandwidth" in kde.stdout and tif.exists()
    with rasterio.open(tif) as raster:
        assert raster.crs is not None and raster.overviews(1)  # a COG carries overviews
    incidents = from_wgs84(sample_city.incidents, "gcj02")
    csv = tmp_path / "incidents.csv"
    flat = incidents.drop(columns="geometry")
    flat["lon"], flat["lat"] = incidents.geometry.x, incidents.geometry.y
    flat.to_csv(csv, index=False)
    out = tmp_path / "gi.gpkg"
    gi = run("hotspots", "--method", "gi", "--input", str(csv), "--crs", "gcj02",
             "--permutations", "99", "--out", str(out))  # fmt: skip
    assert gi.returncode == 0, gi.stderr
    assert "hot spots at 99/95/90 %" in gi.stdout
    assert len(gpd.read_file(out)) > 0
    bad = run("hotspots", "--method", "gi", "--input", str(csv), "--out", str(tmp_path / "x.txt"))
    assert bad.returncode == 1 and "unknown output type '.txt'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_user_commands(settings) -> None:
    env = {"WANGGE_DATABASE_URL": settings.database_url, "WANGGE_SECRET_KEY": "k"}
    added = run("user", "add", "cli-admin", "--role", "admin", env=env)
    assert added.returncode == 0, added.stderr
    password = added.stdout.strip()
    assert len(password) >= 16 and "\n" not in password and "shown this once" in added.stderr
    token = run("user", "token", "cli-admin", "--days", "7", env=env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.startswith("wg_") and "valid 7 days" in token.stderr
    listed = run("user", "list", env=env).stdout
    line = next(x for x in listed.splitlines() if x.startswith("cli-admin "))
    assert line.split()[:4] == ["cli-admin", "admin", "-", "enabled"]
    assert password not in listed and "$argon2" not in listed
    assert run("user", "disable", "cli-admin", env=env).returncode == 0
    assert " disabled " in run("user", "list", env=env).stdout
    assert run("user", "enable", "cli-admin", env=env).returncode == 0
    again = run("user", "passwd", "cli-admin", env=env)
    assert again.returncode == 0 and again.stdout.strip() not in ("", password)
    for args, message in [
        (("add", "cli-x", "--role", "root"), "error: unknown role 'root'; choose one of admin"),
        (("add", "cli-x", "--role", "viewer", "--scope", "999"), "no area or published grid"),
        (("add", "cli-admin", "--role", "viewer"), "already a user 'cli-admin'"),
        (("token", "nobody"), "there is no user 'nobody'"),
        (("token", "cli-admin", "--days", "0"), "1 to 3650 days"),
    ]:
        bad = run("user", *args, env=env)
        assert bad.returncode == 1, args
        assert bad.stderr.strip().splitlines() == [bad.stderr.strip()] and message in bad.stderr
        assert "Traceback" not in bad.stderr
