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
    ["load"], ["sample"], ["demo"], ["serve"],
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
