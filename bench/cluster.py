"""A throwaway PostgreSQL with the Luqiao sample city, for the benches that need a database
of their own: one way to start, migrate, load and clean up, rather than one per bench."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, create_engine

from gis.db.embedded import EmbeddedCluster
from gis.db.migrate import upgrade
from gis.settings import DatabaseSettings


class Sample(NamedTuple):
    """The loaded sample: the owner's engine, settings for the app, the URL, the cluster."""

    engine: Engine
    settings: DatabaseSettings
    url: str
    cluster: EmbeddedCluster


@contextmanager
def sample_cluster(name: str, scale: float, seed: int = 7) -> Iterator[Sample]:
    """An embedded cluster under /tmp/wangge-bench-<name>-*, migrated, with the sample city
    (district 331004, ``seed``, ``scale``) loaded; stopped and deleted on leaving.

    The app's secret key is ``bench-<name>-key``. Leaving deletes the whole directory,
    a gigabyte at scale 1.0, whatever went wrong inside.
    """
    from gis.load.sample import load_city
    from gis.synth import generate_city

    root = Path(tempfile.mkdtemp(prefix=f"wangge-bench-{name}-", dir="/tmp"))
    root.chmod(0o755)  # the cluster runs as `postgres`, which must enter it
    cluster = EmbeddedCluster(root / "db", ephemeral=True)
    engine = None
    try:
        url = cluster.up().url
        engine = create_engine(url)
        upgrade(engine)
        settings = DatabaseSettings(database_url=url, secret_key=f"bench-{name}-key")
        load_city(engine, settings, generate_city("331004", seed=seed, scale=scale),
                  say=lambda _: None)  # fmt: skip
        yield Sample(engine, settings, url, cluster)
    finally:
        if engine is not None:
            engine.dispose()
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
