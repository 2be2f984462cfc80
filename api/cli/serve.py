"""`wangge serve` and `wangge worker`: the API and the processes that run its jobs."""

from __future__ import annotations

import os
import signal
import socket
from typing import Annotated

import typer

from api.cli.common import engine, say, settings


def serve(
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Job worker processes to start beside the API "
            "[default: WANGGE_JOBS_WORKERS, 1]; 0 when `wangge worker` runs elsewhere."
        ),
    ] = None,
) -> None:
    """Serve the HTTP API and pages, with worker processes for its jobs."""
    import uvicorn

    from api.app import create_app
    from api.supervisor import Supervisor
    from gis.settings import JobSettings

    engine().dispose()  # fail here, with one clear line, if the database is not there
    url = f"http://{host}:{port}"
    say(
        f"wangge is serving on {url}/\n"
        f"  map (drill-down):  {url}/\n"
        f"  API docs:          {url}/docs\n"
        f"  area tree:         {url}/api/v1/areas\n"
        f"  vector tiles:      {url}/tiles\n"
        "press Ctrl+C to stop"
    )
    supervisor = Supervisor(JobSettings().workers if workers is None else workers)
    # uvicorn re-raises SIGTERM once it has shut down; as an exception it lets the
    # workers be stopped below instead of killing this process on the spot.
    signal.signal(signal.SIGTERM, _exit)
    supervisor.start()
    try:
        uvicorn.run(
            create_app(), host=host, port=port, log_level="warning", timeout_graceful_shutdown=3
        )
    finally:
        supervisor.stop()


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def worker(
    name: Annotated[str | None, typer.Option(help="Name in the logs and the queue.")] = None,
) -> None:
    """Run queued jobs (plans, analyses, reports) until stopped; start more for more at once."""
    import logging

    from gis.db.engine import database_url
    from gis.jobs.queue import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    eng = engine()
    run_worker(eng, database_url(settings()), name=name or f"{socket.gethostname()}-{os.getpid()}")
