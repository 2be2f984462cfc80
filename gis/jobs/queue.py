"""The job queue: procrastinate on wangge's own PostgreSQL, and the worker that serves it.

The API enqueues a job's id (``enqueue``); a worker process (``wangge worker``, one
started by ``wangge serve``) runs it with ``gis.jobs.runner``. The queue's tables
live in the schema ``procrastinate`` (migration 0009). Housekeeping runs every minute
in a worker: jobs whose worker died are queued again, finished jobs older
than ``WANGGE_JOBS_KEEP_HOURS`` are pruned, and so are the live stream's events older
than ``WANGGE_STREAM_KEEP_DAYS``; cameras silent for ``WANGGE_CAMERAS_OFFLINE_AFTER_S``
are marked offline (gis.cameras.health); the views and coverage that camera and building
changes made stale are computed again, a bounded bite a minute (gis.cameras.refresh).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid

import procrastinate
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, make_url, text

from gis.cameras.health import mark_silent_offline
from gis.cameras.refresh import refresh as refresh_views
from gis.events import prune as prune_events
from gis.hotspots.warmup import warm_up
from gis.jobs.runner import TRANSIENT, execute
from gis.jobs.store import fail_orphans, prune_jobs, requeue_job
from gis.settings import CameraSettings, JobSettings, StreamSettings

log = logging.getLogger("wangge.jobs")
QUEUE = "wangge"
RUN = "wangge.run_job"
HEARTBEAT_S = 10
# A numba kernel holds the GIL, so a busy worker's heartbeat can pause for as long as a
# kernel runs: only a long silence means the worker is gone and its job may run again.
STALLED_AFTER_S = 300
# Housekeeping's share of gis.cameras.refresh per minute (a few seconds of work).
REFRESH_CAMERAS = 4000
REFRESH_COMMUNITIES = 48
# A run that loses its database, or whose worker is stopped under it, is tried again:
# a restart of PostgreSQL or of the service loses no job.
RETRY = procrastinate.RetryStrategy(
    max_attempts=5,
    wait=3,
    retry_exceptions={*TRANSIENT, asyncio.CancelledError},
)


def conninfo(database_url: str) -> str:
    """libpq connection string for the queue, from wangge's SQLAlchemy URL."""
    url = make_url(database_url)
    return make_conninfo(
        host=url.host or "", port=url.port or "", user=url.username or "",
        password=url.password or "", dbname=url.database or "",
        options="-c search_path=procrastinate,public", application_name="wangge-queue",
    )  # fmt: skip


def make_queue(
    database_url: str,
    settings: JobSettings | None = None,
    stream_settings: StreamSettings | None = None,
) -> procrastinate.App:
    """The procrastinate app with wangge's tasks; open it before use."""
    settings = settings or JobSettings()
    keep_events_s = (stream_settings or StreamSettings()).keep_days * 86400
    camera_settings = CameraSettings()
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    app = procrastinate.App(connector=connector)

    @app.task(name=RUN, queue=QUEUE, pass_context=True, retry=RETRY)
    def run_job(context: procrastinate.JobContext, job_id: str) -> str:
        engine: Engine = context.additional_context["engine"]
        return execute(
            engine, uuid.UUID(job_id), aborted=lambda: _abort_reason(context),
            max_timeout_s=settings.max_timeout_s,
        )  # fmt: skip

    @app.periodic(cron="* * * * *")
    @app.task(name="wangge.housekeeping", queue=QUEUE, pass_context=True)
    async def housekeeping(context: procrastinate.JobContext, timestamp: int) -> None:
        await requeue_stalled(context.app, context.additional_context["engine"])
        await context.app.job_manager.delete_old_jobs(
            nb_hours=int(settings.keep_hours), queue=QUEUE, include_failed=True,
            include_cancelled=True, include_aborted=True,
        )  # fmt: skip
        with context.additional_context["engine"].begin() as conn:
            conn.execute(text("SET LOCAL search_path TO procrastinate, public"))
            orphans = fail_orphans(conn)
            pruned = prune_jobs(conn, settings.keep_hours * 3600)
            events = prune_events(conn, keep_events_s)
            silent = mark_silent_offline(conn, camera_settings.offline_after_s)
        # What changed cameras and buildings now see: a bounded bite a minute.
        fresh = await asyncio.to_thread(
            refresh_views, context.additional_context["engine"],
            max_cameras=REFRESH_CAMERAS, max_communities=REFRESH_COMMUNITIES,
        )  # fmt: skip
        if fresh.cameras or fresh.communities:
            log.info("housekeeping: views of %d cameras, coverage of %d communities",
                     fresh.cameras, fresh.communities)  # fmt: skip
        if orphans:
            log.warning("housekeeping: %d jobs the queue had lost were marked failed", orphans)
        if silent:
            log.warning("housekeeping: %d silent cameras marked offline", len(silent))
        log.info("housekeeping: %d finished jobs and %d stream events pruned", pruned, events)

    return app


def _abort_reason(context: procrastinate.JobContext) -> str | None:
    reason = context.abort_reason()
    if reason is None:
        return None
    return (
        "cancelled" if reason == procrastinate.job_context.AbortReason.USER_REQUEST else "shutdown"
    )


async def enqueue(app: procrastinate.App, job_id: uuid.UUID) -> int:
    """Hand the job to the workers; returns the queue's id for it."""
    return await app.configure_task(RUN, queue=QUEUE).defer_async(job_id=str(job_id))


async def abort(app: procrastinate.App, queue_id: int) -> None:
    """Ask the worker to stop the job (or drop it from the queue if not started)."""
    await app.job_manager.cancel_job_by_id_async(queue_id, abort=True)


async def requeue_stalled(app: procrastinate.App, engine: Engine) -> int:
    """Queue again the jobs whose worker stopped sending heartbeats (it died)."""
    found = await app.job_manager.get_stalled_jobs(
        queue=QUEUE, task_name=RUN, seconds_since_heartbeat=STALLED_AFTER_S
    )
    stalled = list(found)
    for job in stalled:
        with engine.begin() as conn:
            requeue_job(conn, job.id)
        await app.job_manager.retry_job(job)
    return len(stalled)


def run_worker(engine: Engine, database_url: str, *, name: str = "worker") -> None:
    """Serve the queue until SIGTERM or SIGINT; one job at a time per process.

    Heavy kernels hold the GIL, so a process runs one job; run more processes for
    more at once. On a stop, a running job gets a few seconds to notice, then the
    process ends and the next worker takes the job again.
    """
    settings = JobSettings()
    asyncio.run(_serve(make_queue(database_url, settings), engine, name, settings))


async def _serve(app: procrastinate.App, engine: Engine, name: str, settings: JobSettings) -> None:
    async with app.open_async():
        requeued = await requeue_stalled(app, engine)
        if requeued:
            log.warning("%d jobs of a stopped worker were queued again", requeued)
        if settings.warm_up:
            log.info("worker %s: compiling the analysis kernels before taking jobs", name)
            log.info("worker %s: ready after %.1f s", name, await asyncio.to_thread(warm_up))
        await app.run_worker_async(
            queues=[QUEUE], concurrency=1, name=name, additional_context={"engine": engine},
            shutdown_graceful_timeout=3, update_heartbeat_interval=HEARTBEAT_S,
            stalled_worker_timeout=STALLED_AFTER_S,
        )  # fmt: skip
    # A job still running in its thread (a numba kernel cannot be interrupted) would keep
    # the process alive until it ends: leave now; the next worker takes the job again.
    log.info("worker %s stopped", name)
    logging.shutdown()
    os._exit(0)
