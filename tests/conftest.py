"""Test fixtures: a real PostGIS, started the way users start it.

The session starts a throwaway embedded cluster (``EmbeddedCluster``, as
``wangge db up`` does) unless WANGGE_TEST_DATABASE_URL names a server to use.
Any skipped test fails the run: a skipped database test is a silent hole.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from gis.db.embedded import EmbeddedCluster
from gis.db.migrate import upgrade
from gis.settings import DatabaseSettings
from tests.common import TEST_KEY, reachable_tmpdir


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of a PostgreSQL server with PostGIS available: maintenance database 'postgres'."""
    external = os.environ.get("WANGGE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    cluster = EmbeddedCluster(reachable_tmpdir("wangge-test-") / "db", ephemeral=True)
    cluster.up()
    yield cluster.url("postgres")
    cluster.destroy()
    cluster.root.parent.rmdir()


@pytest.fixture(scope="session")
def make_database(server_url: str) -> Iterator[Callable[[str], str]]:
    """Factory: a fresh empty database by name, dropped at the end of the session."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make(name: str) -> str:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return str(admin.url.set(database=name).render_as_string(hide_password=False))

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def settings(make_database: Callable[[str], str]) -> DatabaseSettings:
    """Settings of the main test database, migrated to the newest schema."""
    url = make_database("wangge_test")
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return DatabaseSettings(database_url=url, secret_key=TEST_KEY)


@pytest.fixture(scope="session")
def engine(settings: DatabaseSettings) -> Iterator[Engine]:
    eng = create_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def empty_engine(make_database: Callable[[str], str]) -> Iterator[Engine]:
    """A migrated database of its own, for tests that load and count rows."""
    eng = create_engine(make_database("wangge_scratch"))
    upgrade(eng)
    yield eng
    eng.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        reporter.write_line(f"FAILED: {skipped} test(s) skipped; every test must run", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def sample_city(engine: Engine, settings: DatabaseSettings):
    """The Luqiao sample city at a small scale, generated and loaded once per session."""
    from gis.load.sample import load_city
    from gis.synth import generate_city

    city = generate_city("331004", seed=7, scale=0.02)
    load_city(engine, settings, city, say=lambda _: None)
    return city


@pytest.fixture(scope="module")
def plan_city(make_database) -> Iterator[tuple[Engine, DatabaseSettings]]:
    """A small Luqiao of its own, for tests that create and publish plans."""
    from gis.load.sample import load_city
    from gis.synth import generate_city

    url = make_database("wangge_plans")
    eng = create_engine(url)
    upgrade(eng)
    plan_settings = DatabaseSettings(database_url=url, secret_key=TEST_KEY)
    load_city(eng, plan_settings, generate_city("331004", seed=3, scale=0.05), say=lambda _: None)
    yield eng, plan_settings
    eng.dispose()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), one per module, for the page tests."""
    from tests.api.chromium import chromium

    with chromium() as b:
        yield b
