"""`wangge load`, `sample` and `demo`: data in, and the demo up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from api.cli.cameras import compute_views
from api.cli.common import CrsOption, community_bar, engine, say, settings
from api.cli.serve import serve

DEMO_ADMIN = "admin"


def load(
    kind: Annotated[
        str,
        typer.Argument(help="areas, roads, buildings, households, persons, cameras or incidents."),
    ],
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile or CSV.")],
    crs: CrsOption = None,
    repair: Annotated[
        bool, typer.Option(help="Repair invalid geometries instead of refusing them.")
    ] = False,
) -> None:
    """Validate every row of FILE and load it as KIND; on any problem, load nothing."""
    from gis.crs import parse_crs
    from gis.db.engine import secret_key
    from gis.load import load_file

    parse_crs(crs)  # a wrong --crs fails before any work
    eng = engine()
    key = secret_key(settings()) if kind == "persons" else None
    started = time.perf_counter()
    report = load_file(eng, kind, file, crs=crs, key=key, repair=repair, progress=say)
    say(f"loaded {report.rows:,} {kind} from {file} in {time.perf_counter() - started:.1f} s")


def sample(
    adcode: Annotated[str, typer.Option(help="District adcode of a bundled profile.")] = "331004",
    scale: Annotated[float, typer.Option(help="Households/people/incidents multiplier.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same city.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write the city as files here instead of loading it.")
    ] = None,
) -> None:
    """Generate a sample city from a real district boundary and load it (or write files)."""
    from gis.load.sample import build_sample, write_sample

    if out is not None:
        write_sample(out, adcode=adcode, scale=scale, seed=seed, say=say)
    else:
        build_sample(engine(), settings(), adcode=adcode, scale=scale, seed=seed, say=say)


def demo(
    adcode: Annotated[str, typer.Option(help="District adcode of a bundled profile.")] = "331004",
    scale: Annotated[float, typer.Option(help="Households/people/incidents multiplier.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same city.")] = 0,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
) -> None:
    """Start the database, build and load the sample city once, partition it into grids
    and publish the plan once, give the administrator `admin` a new password to sign in
    with, and serve the API."""
    from gis.load.sample import build_sample, publish_sample_plan, sample_loaded
    from gis.workers.sample import seed_sample_workers

    eng = engine()
    if sample_loaded(eng, adcode):
        say(f"sample city {adcode} is already loaded; reusing it")
    else:
        build_sample(eng, settings(), adcode=adcode, scale=scale, seed=seed, say=say)
    publish_sample_plan(eng, adcode, seed=seed, say=say, progress=_partitioning)
    seed_sample_workers(eng, seed=seed, say=say)  # grid workers, patrol, incident history
    compute_views(eng)  # what the cameras see, and the blind spots (only what is stale)
    password = demo_admin(eng)
    eng.dispose()
    url = f"http://{host}:{port}/login"
    if password is None:
        say(f"sign in at {url} as an administrator of your own (wangge user add NAME --role admin)")
    else:
        say(
            f"sign in at {url}\n"
            f"  name:      {DEMO_ADMIN}\n"
            f"  password:  {password}   (shown this once; each `wangge demo` sets a new one)\n"
            f"  `wangge user passwd {DEMO_ADMIN}` sets a new password at any time"
        )
    if serve_:
        serve(host=host, port=port)


@contextmanager
def _partitioning() -> Iterator[Callable[[int, int], None]]:
    """The demo's partition progress: a bar on a terminal, a line per stage in a log."""
    bar, update = community_bar("partitioning")
    with bar:
        yield update


def demo_admin(eng: Engine) -> str | None:
    """Make sure `admin` is an enabled administrator with a new password, and return it.

    The password is stored only as a hash, so a demo run that is to print one sets a new
    one. None (and a warning) if a user `admin` with another role is in the way.
    """
    from gis.accounts import create_user, enable_user, get_user, set_password
    from gis.errors import NotFound

    with eng.begin() as conn:
        try:
            user = get_user(conn, DEMO_ADMIN)
        except NotFound:
            return create_user(conn, DEMO_ADMIN, "admin")[1]
        if user.role != "admin":
            say(f"warning: the user {DEMO_ADMIN} has the role {user.role}, not admin; "
                "the demo leaves it as it is")  # fmt: skip
            return None
        if not user.enabled:
            enable_user(conn, DEMO_ADMIN)
        return set_password(conn, DEMO_ADMIN)
