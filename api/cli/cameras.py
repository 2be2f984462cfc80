"""`wangge cameras ...`: what the cameras see, computed and kept current from the CLI."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from sqlalchemy import Engine

from api.cli.common import engine, say

cameras_app = typer.Typer(help="Cameras: compute what they see, coverage and blind spots.")


@cameras_app.command("views")
def views(
    area: Annotated[
        str | None,
        typer.Option(help="Area code: recompute every camera there, stale or not."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Recompute every camera.")] = False,
) -> None:
    """Compute the visibility polygons of stale cameras (changed, near a changed building,
    or never computed), then the coverage and blind spots of the communities they touch.
    The workers do this every minute on their own; run it after a bulk load, or with
    --area to recompute an area outright."""
    compute_views(engine(), area=area, everything=all_)


def compute_views(eng: Engine, *, area: str | None = None, everything: bool = False) -> None:
    """Refresh views and coverage with progress lines on stderr (also `wangge demo`'s step)."""
    from gis.cameras.refresh import refresh

    started = time.perf_counter()
    done = refresh(eng, area=area, everything=everything, progress=_progress)
    say(f"computed the views of {done.cameras:,} cameras and the coverage of "
        f"{done.communities:,} communities in {time.perf_counter() - started:.1f} s")  # fmt: skip


def _progress(what: str, done: int, total: int) -> None:
    say(f"  {what}: {done:,} / {total:,}")
