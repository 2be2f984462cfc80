"""The embedded PostgreSQL + PostGIS cluster wangge starts for itself.

With no ``WANGGE_DATABASE_URL``, wangge keeps a private cluster under its data
directory, made with the system's own PostgreSQL binaries: ``initdb`` once,
then ``pg_ctl start`` on a free port of 127.0.0.1 and a socket inside the data
directory. Every step runs under a file lock, so two ``wangge db up`` at once
neither initialise nor start the cluster twice.

PostgreSQL refuses to run as root; when wangge runs as root the server runs as
the ``postgres`` system user that Debian's packages create.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from gis.errors import SetupError

DB_NAME = "wangge"
DB_USER = "wangge"
INSTALL_HINT = (
    "install it with `apt-get install postgresql postgresql-15-postgis-3` "
    "(or run `make setup`), or point WANGGE_DATABASE_URL at a PostGIS server "
    "(`docker compose up db`)"
)

# Single-tile queries are faster without parallel workers and JIT (DESIGN.md field notes).
_SERVER_CONF = """\
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 100
shared_buffers = '256MB'
work_mem = '32MB'
maintenance_work_mem = '256MB'
jit = off
max_parallel_workers_per_gather = 0
logging_collector = off
"""
# Throwaway clusters (tests) trade durability for speed.
_EPHEMERAL_CONF = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"


@dataclass(frozen=True)
class ClusterStatus:
    """What ``wangge db status`` reports."""

    data_dir: Path
    initialised: bool
    running: bool
    port: int | None
    version: str | None
    url: str | None


def find_pg_bin(root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest PostgreSQL bin directory here, or a SetupError saying what to install.

    Looks in ``WANGGE_PG_BIN``, then Debian's ``/usr/lib/postgresql/<major>/bin``,
    then the directory of ``pg_ctl`` on PATH.
    """
    candidates = []
    env_bin = os.environ.get("WANGGE_PG_BIN")
    if env_bin:
        candidates.append(Path(env_bin))
    if root.is_dir():
        versions = sorted(
            (p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates += [v / "bin" for v in versions]
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(Path(which).resolve().parent)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists() and (c / "postgres").exists():
            return c
    raise SetupError(f"PostgreSQL server binaries (initdb, pg_ctl) were not found: {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedCluster:
    """A private PostgreSQL cluster under ``root``.

    Layout: ``pgdata/`` (the cluster), ``run/`` (its socket), ``server.log``,
    ``cluster.json`` (port and credentials, mode 0600) and ``cluster.lock``.

    Examples
    --------
    >>> from pathlib import Path
    >>> status = EmbeddedCluster(Path("/nonexistent/wangge")).status()
    >>> status.initialised, status.running
    (False, False)
    """

    def __init__(self, root: Path, *, ephemeral: bool = False) -> None:
        self.root = Path(root).absolute()
        self.pgdata = self.root / "pgdata"
        self.socket_dir = self.root / "run"
        self.log = self.root / "server.log"
        self.state_file = self.root / "cluster.json"
        self.ephemeral = ephemeral
        self._as_postgres = os.geteuid() == 0

    # -- public -----------------------------------------------------------------

    def up(self) -> ClusterStatus:
        """Initialise (once) and start (if stopped) the cluster; return its status."""
        self._prepare_root()
        with FileLock(str(self.root / "cluster.lock"), timeout=300):
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            if not self._running():
                self._start()
            self._ensure_database()
            return self._status()

    def down(self) -> ClusterStatus:
        """Stop the server if it runs; the data stays for the next ``up``."""
        if not self.root.exists():
            return self._status()
        with FileLock(str(self.root / "cluster.lock"), timeout=300):
            if self._running():
                self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
            return self._status()

    def status(self) -> ClusterStatus:
        """Whether the cluster exists and runs, without starting it."""
        return self._status()

    def destroy(self) -> None:
        """Stop the server and delete the whole data directory (tests, `db reset`)."""
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- steps ------------------------------------------------------------------

    def _prepare_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SetupError(f"cannot create the data directory {self.root}: {exc}") from exc
        if self._as_postgres:
            self._check_reachable_by_postgres()

    def _check_reachable_by_postgres(self) -> None:
        # The server runs as `postgres`, which needs to traverse every parent directory.
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise SetupError(
                "running as root needs the `postgres` system user to own the embedded "
                f"cluster, and there is none: {INSTALL_HINT}"
            ) from exc
        for parent in [self.root, *self.root.parents]:
            mode = parent.stat().st_mode
            if parent != self.root and not mode & 0o001:
                raise SetupError(
                    f"the embedded PostgreSQL runs as user `postgres` (PostgreSQL refuses "
                    f"root) and cannot enter {parent}; set WANGGE_DATA_DIR to a directory "
                    f"it can reach, such as /var/lib/wangge"
                )

    def _initdb(self) -> None:
        bin_dir = find_pg_bin()
        if self.pgdata.exists():  # a half-made cluster from an interrupted initdb
            shutil.rmtree(self.pgdata)
        password = secrets.token_urlsafe(24)
        state = {"port": _free_port(), "user": DB_USER, "password": password, "database": DB_NAME}
        pwfile = self.root / ".pwfile"
        pwfile.write_text(password + "\n")
        self.socket_dir.mkdir(exist_ok=True)
        self.pgdata.mkdir(mode=0o700)
        self._chown(pwfile, self.socket_dir, self.pgdata, self.root)
        try:
            self._run(
                [
                    str(bin_dir / "initdb"),
                    "-D", str(self.pgdata),
                    "-U", DB_USER,
                    "--pwfile", str(pwfile),
                    "--auth", "scram-sha-256",
                    "--encoding", "UTF8",
                    "--locale", "C.UTF-8",
                ],
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write("\ninclude_if_exists = 'wangge.conf'\n")
        self._write_state(state)
        self._write_server_conf(state["port"])

    def _start(self) -> None:
        state = self._read_state()
        if _port_in_use(state["port"]):  # another program took our port since last time
            state["port"] = _free_port()
            self._write_state(state)
            self._write_server_conf(state["port"])
        stale = self.pgdata / "postmaster.pid"
        if stale.exists() and not self._running():
            stale.unlink()
        self.log.touch()
        self._chown(self.log)
        try:
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log))
        except SetupError as exc:
            tail = self.log.read_text(errors="replace").strip().splitlines()[-5:]
            raise SetupError(f"{exc}; server log ({self.log}):\n" + "\n".join(tail)) from exc

    def _ensure_database(self) -> None:
        import psycopg

        url = self._libpq_url("postgres")
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
                ).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{DB_NAME}"')
                available = conn.execute(
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
                ).fetchone()
                version = conn.execute("SHOW server_version_num").fetchone()[0]
        except psycopg.OperationalError as exc:
            raise SetupError(f"the embedded cluster does not answer: {exc}".strip()) from exc
        if not available:
            major = int(version) // 10000
            raise SetupError(
                f"PostGIS is not installed for PostgreSQL {major}: install it with "
                f"`apt-get install postgresql-{major}-postgis-3` (or run `make setup`)"
            )

    # -- state ------------------------------------------------------------------

    def _status(self) -> ClusterStatus:
        initialised = (self.pgdata / "PG_VERSION").exists()
        running = initialised and self._running()
        state = self._read_state() if self.state_file.exists() else None
        version = (self.pgdata / "PG_VERSION").read_text().strip() if initialised else None
        return ClusterStatus(
            data_dir=self.root,
            initialised=initialised,
            running=running,
            port=state["port"] if state else None,
            version=version,
            url=self.url() if state else None,
        )

    def url(self, database: str = DB_NAME) -> str:
        """SQLAlchemy URL of the cluster (psycopg 3 driver)."""
        s = self._read_state()
        return f"postgresql+psycopg://{s['user']}:{s['password']}@127.0.0.1:{s['port']}/{database}"

    def _libpq_url(self, database: str) -> str:
        s = self._read_state()
        return f"postgresql://{s['user']}:{s['password']}@127.0.0.1:{s['port']}/{database}"

    def _running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        try:
            self._pg_ctl("status")
        except SetupError:
            return False
        return True

    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError) as exc:
            raise SetupError(
                f"{self.state_file} is missing or damaged; remove {self.root} to start afresh"
            ) from exc

    def _write_state(self, state: dict) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.chmod(0o600)
        tmp.replace(self.state_file)

    def _write_server_conf(self, port: int) -> None:
        text = _SERVER_CONF.format(port=port, socket_dir=self.socket_dir)
        if self.ephemeral:
            text += _EPHEMERAL_CONF
        path = self.pgdata / "wangge.conf"
        path.write_text(text)
        self._chown(path)

    # -- processes --------------------------------------------------------------

    def _pg_ctl(self, *args: str) -> None:
        self._run([str(find_pg_bin() / "pg_ctl"), "-D", str(self.pgdata), *args])

    def _run(self, cmd: list[str]) -> str:
        program = Path(cmd[0]).name
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/", check=False)
        if proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip().splitlines()
            last = message[-1] if message else f"exit status {proc.returncode}"
            raise SetupError(f"{program} failed: {_clean(last)}")
        return proc.stdout

    def _chown(self, *paths: Path) -> None:
        if self._as_postgres:
            for p in paths:
                shutil.chown(p, "postgres", "postgres")


def _clean(line: str) -> str:
    return re.sub(r"\s+", " ", line)
