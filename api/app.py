"""The FastAPI application factory."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import guards, problems
from api.auth import Authenticator
from api.dependencies import Database
from api.jobs import Jobs
from api.limits import HouseholdReadLimits
from api.requests import RequestIds
from api.routers import (
    accounts,
    analyses,
    areas,
    assessment,
    audit,
    camera_ops,
    cameras,
    health,
    incidents,
    jobs,
    login,
    open311,
    pages,
    persons,
    places,
    plan_import,
    plan_tools,
    plans,
    stream,
    tiles,
    workers,
)
from api.schemas.problems import AUTH, BODY, DATABASE, NAMED
from api.stream import open_hub
from gis.db.api_role import name_users
from gis.jobs.queue import make_queue
from gis.settings import (
    ApiSettings,
    DatabaseSettings,
    JobSettings,
    StreamSettings,
    TileSettings,
)
from tiles.cache import TileCache
from tiles.database import open_tile_pool

_FROZEN = threading.Event()


def freeze_startup() -> None:
    """Move what the first startup made out of the collector's way, once per process.

    It lives as long as the process: frozen, the collector's full passes skip it.
    Unfrozen, one such pass over the imported libraries took about 220 ms, the whole of
    a slow planner edit (bench/bench_planner.py, issue 16). Once only: a second app in
    the same process (the tests make dozens) would freeze the first one's leftovers.
    """
    if not _FROZEN.is_set():
        _FROZEN.set()
        gc.collect()
        gc.freeze()


def create_app(
    settings: DatabaseSettings | None = None,
    tile_settings: TileSettings | None = None,
    job_settings: JobSettings | None = None,
    api_settings: ApiSettings | None = None,
    stream_settings: StreamSettings | None = None,
) -> FastAPI:
    """Build the app; the lifespan opens the database engine and puts it on ``app.state``."""
    settings = settings or DatabaseSettings()
    tile_settings = tile_settings or TileSettings()
    job_settings = job_settings or JobSettings()
    api_settings = api_settings or ApiSettings()
    stream_settings = stream_settings or StreamSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from gis.db.engine import make_api_engine, secret_key, session_options

        # A small fixed pool, no overflow: requests queue for a connection in turn rather
        # than crowd the cores with queries, and none opens and closes one under load.
        # Its sessions, and the tile pool's, carry the statement and idle timeouts. They
        # sign in as the API's own role, under row-level security (gis.db.api_role).
        options = session_options(settings)
        app.state.engine = make_api_engine(
            settings,
            pool_size=settings.pool_size,
            max_overflow=0,
            pool_timeout=settings.pool_timeout_s,
            pool_pre_ping=False,
            connect_args={"options": options},
        )
        name_users(app.state.engine)
        app.state.statement_timeout_s = settings.statement_timeout_s
        app.state.secret_key = secret_key(settings)  # unmasking decrypts with it, in SQL
        app.state.database = Database(
            app.state.engine, slots=settings.pool_size, timeout_s=settings.pool_timeout_s
        )
        app.state.authenticator = Authenticator(app.state.database)
        app.state.tile_cache = TileCache(max_bytes=tile_settings.cache_mb * 2**20)
        app.state.tile_pool = await open_tile_pool(
            app.state.engine, options=options, timeout_s=settings.pool_timeout_s
        )
        # One LISTEN connection for the process, fanned out to every stream client.
        app.state.stream = await open_hub(app.state.engine, stream_settings, options)
        url = app.state.engine.url.render_as_string(hide_password=False)
        app.state.queue = make_queue(url, job_settings)
        await app.state.queue.open_async()
        app.state.jobs = Jobs(app.state.database, app.state.queue, job_settings)
        app.state.surfaces = analyses.Surfaces()
        freeze_startup()
        try:
            yield
        finally:
            await app.state.stream.close()
            await app.state.queue.close_async()
            await app.state.tile_pool.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="wangge",
        summary="Open map service for grid-based community governance (网格化管理).",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.household_limits = HouseholdReadLimits(api_settings)  # per process
    guards.install(app, api_settings.max_body_bytes)
    problems.install(app)  # after the guard: its catch-all is the outermost middleware
    app.add_middleware(RequestIds)  # outside even the catch-all: every answer has its id
    app.include_router(tiles.router, responses=AUTH)  # first: the busiest routes match soonest
    app.include_router(health.router)
    app.include_router(accounts.router, responses=AUTH)
    app.include_router(areas.router, responses=AUTH)
    app.include_router(places.router, responses=AUTH)
    app.include_router(persons.router, responses=AUTH)
    app.include_router(incidents.router, responses=AUTH)
    app.include_router(assessment.router, responses=AUTH)
    app.include_router(cameras.router, responses=AUTH)
    app.include_router(camera_ops.router, responses=AUTH)
    app.include_router(workers.router, responses=AUTH)
    app.include_router(open311.router, responses=AUTH)
    app.include_router(audit.router, responses=AUTH)
    app.include_router(plans.router, responses=AUTH)
    app.include_router(plan_tools.router, responses=AUTH)
    app.include_router(plan_import.router, responses=AUTH)
    app.include_router(jobs.router, responses=AUTH | NAMED | DATABASE)
    app.include_router(stream.router, responses=AUTH)
    app.include_router(analyses.router, responses=AUTH | BODY | NAMED | DATABASE)
    app.include_router(pages.router)
    app.include_router(login.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    return app
