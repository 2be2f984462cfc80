"""The API's side of the job queue: check and record a job, hand it to the workers,
read it, cancel it. The work itself runs in worker processes (gis.jobs.queue).
"""

from __future__ import annotations

import uuid
from typing import Any

import procrastinate
from fastapi import Response
from sqlalchemy import Connection

from api.dependencies import Database
from api.problems import status_of
from gis.accounts import User, may
from gis.errors import NotFound
from gis.jobs import cancel_job, check_and_create, get_job, parse_id, set_queue_id
from gis.jobs.queue import abort, enqueue
from gis.jobs.store import finish_job
from gis.settings import JobSettings

NOT_QUEUED = {
    "title": "job not queued",
    "detail": "the job could not be handed to the workers; submit it again",
    "error": "DatabaseUnavailable",
}


class Jobs:
    """Submit, read and cancel jobs; one per app, made in the lifespan."""

    def __init__(self, db: Database, queue: procrastinate.App, settings: JobSettings) -> None:
        self.db, self.queue, self.settings = db, queue, settings

    async def submit(
        self, kind: str, params: dict[str, Any], response: Response, *, owner: User
    ) -> dict[str, Any]:
        """Check ``params`` (a problem now, not later in the job), queue, answer 202."""
        job_id = await self.db.run(
            check_and_create, kind, params, owner=owner.name, settings=self.settings
        )
        try:
            queue_id = await enqueue(self.queue, job_id)
        except Exception:
            await self.db.run(finish_job, job_id, "failed", error=NOT_QUEUED)
            raise  # a problem for the client (a 503 when the database is the cause)
        await self.db.run(set_queue_id, job_id, queue_id)
        response.status_code = 202
        response.headers["Location"] = f"/api/v1/jobs/{job_id}"
        return await self.get(str(job_id), owner)

    async def get(self, job_id: str, user: User) -> dict[str, Any]:
        """A job of ``user``'s (any job, for an admin); another's is NotFound, as if absent."""
        return _as_problem(await self.db.run(_own_job, parse_id(job_id), user))

    async def cancel(self, job_id: str, user: User) -> dict[str, Any]:
        """Cancel a queued or running job; a finished one is left as it is."""
        parsed = parse_id(job_id)
        await self.db.run(_own_job, parsed, user)  # NotFound first
        queue_id = await self.db.run(cancel_job, parsed)
        if queue_id is not None:
            await abort(self.queue, queue_id)
        return await self.get(job_id, user)


def _own_job(conn: Connection, job_id: uuid.UUID, user: User) -> dict[str, Any]:
    # Another user's job answers as an unknown one does: its id tells nothing.
    job = get_job(conn, job_id)
    if job["owner"] != user.name and not may(user.role, "jobs:all"):
        raise NotFound(f"there is no job {job_id} of yours")
    return job


def _as_problem(job: dict[str, Any]) -> dict[str, Any]:
    """The stored error as RFC 9457 problem details, with the status the API would give."""
    error = job.get("error")
    if error:
        name = error.pop("error", None)
        status = status_of(name)
        job["error"] = {"type": "about:blank", **error, **({"status": status} if status else {})}
    return job
