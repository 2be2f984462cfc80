"""Run one job in a worker: take it, report progress, stop when cancelled or late,
and leave a result or a problem a user can act on.

Progress is written at most twice a second; each call also checks whether the
job was cancelled or has run past its time limit, and if so stops the work by
raising inside it. A plan calls ``progress`` after each community; an analysis
between its phases (read, analyse, describe), so a stop waits for the current
kernel, which the analysis bounds (gis.hotspots.bounds) keep to seconds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from gis.errors import DatabaseUnavailable, InvalidInput, JobTimedOut, WanggeError
from gis.jobs.kinds import kind_of
from gis.jobs.store import finish_job, give_up_job, record_progress, start_job

log = logging.getLogger("wangge.jobs")
WRITE_EVERY_S = 0.5
# A job whose runs keep dying with their worker (out of memory, say) is not run forever.
MAX_ATTEMPTS = 3
# What ``aborted`` answers: None to go on, "cancelled" by its owner, "shutdown" of the worker.
Aborted = Callable[[], str | None]


class WorkerStopping(Exception):
    """Raised inside a job's work when its worker is stopping: the queue runs it again."""


# Not the job's fault: a lost database or a stopping worker. The queue runs it again.
TRANSIENT = (WorkerStopping, OperationalError, InterfaceError, DatabaseUnavailable)


class JobStopped(Exception):
    """Raised inside a job's work to stop it: cancelled, or past its time limit."""

    def __init__(self, problem: dict[str, Any] | None) -> None:
        super().__init__(problem and problem["detail"])
        self.problem = problem  # None: cancelled, the API already recorded why


def problem_of(exc: WanggeError) -> dict[str, Any]:
    """A domain error as the problem stored with the job (the API adds the status)."""
    body: dict[str, Any] = {"title": exc.title, "detail": str(exc), "error": type(exc).__name__}
    if isinstance(exc, InvalidInput) and exc.problems:
        body["errors"] = exc.problems
    return body


class _Progress:
    def __init__(
        self, engine: Engine, job_id: uuid.UUID, timeout_s: float, aborted: Aborted
    ) -> None:
        self.engine, self.job_id, self.timeout_s, self.aborted = engine, job_id, timeout_s, aborted
        self.deadline = time.monotonic() + timeout_s
        self.written = 0.0

    def __call__(self, done: int, total: int) -> None:
        reason = self.aborted()
        if reason == "shutdown":
            raise WorkerStopping
        if reason is not None:
            raise JobStopped(None)
        now = time.monotonic()
        if now > self.deadline:
            late = JobTimedOut(
                f"the job ran longer than its limit of {self.timeout_s:.0f} s and was stopped; "
                "narrow it (a smaller area, fewer permutations) and try again"
            )
            raise JobStopped(problem_of(late))
        if now - self.written >= WRITE_EVERY_S or done >= total:
            with self.engine.connect() as conn:
                record_progress(conn, self.job_id, done, total)
                conn.commit()
            self.written = now


def execute(
    engine: Engine,
    job_id: uuid.UUID,
    *,
    aborted: Aborted = lambda: None,
    max_timeout_s: float = 900,
) -> str:
    """Run the job ``job_id`` to its end; return the status it ended with."""
    with engine.begin() as conn:
        row = start_job(conn, job_id, MAX_ATTEMPTS)
        if row is None and give_up_job(conn, job_id, MAX_ATTEMPTS):
            return "failed"
    if row is None:
        return "skipped"  # cancelled or finished before a worker took it
    kind = kind_of(row["kind"])
    progress = _Progress(engine, job_id, min(row["timeout_s"], max_timeout_s), aborted)
    status, result, error = "done", None, None
    try:
        progress(0, 1)  # a job cancelled while queued stops before any work
        result = kind.run(engine, row["params"], progress, job_id)
    except TRANSIENT:
        raise  # the queue tries the job again (gis.jobs.queue.RETRY)
    except JobStopped as stop:
        if stop.problem is None:
            return "cancelled"
        status, error = "failed", stop.problem
    except WanggeError as exc:
        status, error = "failed", problem_of(exc)
    except Exception:
        reference = uuid.uuid4().hex[:12]
        log.exception("job %s (%s) failed on a bug; reference %s", job_id, kind.name, reference)
        status = "failed"
        error = {
            "title": "internal error",
            "detail": f"the job failed on a bug in wangge; the worker's log has the details "
            f"under reference {reference}",
            "error": "InternalError",
        }
    with engine.begin() as conn:
        finish_job(conn, job_id, status, result=result, error=error)
    return status
