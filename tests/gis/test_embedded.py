"""The embedded cluster: start, reuse, concurrent start, stop, missing install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from gis.db.embedded import EmbeddedCluster, find_pg_bin
from gis.errors import SetupError
from tests.common import reachable_tmpdir


@pytest.fixture
def cluster_root() -> Path:
    root = reachable_tmpdir("wangge-embedded-") / "data"
    yield root
    EmbeddedCluster(root).destroy()
    root.parent.rmdir()


def _postmaster_pid(cluster: EmbeddedCluster) -> int:
    return int((cluster.pgdata / "postmaster.pid").read_text().split()[0])


def test_up_initialises_starts_and_serves_postgis(cluster_root: Path) -> None:
    cluster = EmbeddedCluster(cluster_root, ephemeral=True)
    assert not cluster.status().initialised
    status = cluster.up()
    assert status.initialised and status.running
    with psycopg.connect(cluster._libpq_url("wangge")) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    assert version.startswith("3.")
    assert (cluster.state_file.stat().st_mode & 0o777) == 0o600


def test_second_up_reuses_the_running_server(cluster_root: Path) -> None:
    cluster = EmbeddedCluster(cluster_root, ephemeral=True)
    first = cluster.up()
    pid = _postmaster_pid(cluster)
    again = EmbeddedCluster(cluster_root, ephemeral=True).up()
    assert again.port == first.port and again.url == first.url
    assert _postmaster_pid(cluster) == pid


def test_down_then_up_keeps_the_data(cluster_root: Path) -> None:
    cluster = EmbeddedCluster(cluster_root, ephemeral=True)
    cluster.up()
    with psycopg.connect(cluster._libpq_url("wangge"), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    stopped = cluster.down()
    assert stopped.initialised and not stopped.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster._libpq_url("wangge"), connect_timeout=2)
    cluster.up()
    with psycopg.connect(cluster._libpq_url("wangge")) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (42,)


def test_concurrent_up_starts_one_server(cluster_root: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from gis.db.embedded import EmbeddedCluster;"
        "print(EmbeddedCluster(Path(sys.argv[1]), ephemeral=True).up().url)"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(cluster_root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    urls = {out.strip() for out, _ in outputs}
    assert len(urls) == 1
    with psycopg.connect(urls.pop().replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_taken_port_moves_the_cluster_to_a_free_one(cluster_root: Path) -> None:
    import socket

    cluster = EmbeddedCluster(cluster_root, ephemeral=True)
    port = cluster.up().port
    cluster.down()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        moved = cluster.up()
    assert moved.running and moved.port != port


def test_missing_postgresql_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WANGGE_PG_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SetupError, match=r"apt-get install postgresql"):
        find_pg_bin(root=tmp_path / "nowhere")


def test_unreachable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    import os

    if os.geteuid() != 0:  # the rule concerns root only; as another user the server runs as us
        assert EmbeddedCluster(tmp_path / "x")._as_postgres is False
        return
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    with pytest.raises(SetupError, match="WANGGE_DATA_DIR"):
        EmbeddedCluster(locked / "db").up()
