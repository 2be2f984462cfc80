"""The ``job`` table: what a client sees of a job, written by the API and the worker.

The queue that hands jobs to workers is procrastinate's (``gis.jobs.queue``); this
table holds what procrastinate does not: the owner, the parameters, progress, the
result, and the error as a problem a user can act on (never a traceback).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, TextClause

from gis.db.statements import fetch_one, query
from gis.errors import NotFound


def _sql(name: str) -> TextClause:
    return query("gis.jobs", "jobs", name)


def parse_id(text: str) -> uuid.UUID | None:
    """A job id from a URL, or None when it is not one (so it reads as not found)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def create_job(
    conn: Connection, kind: str, params: dict[str, Any], *, owner: str | None, timeout_s: int
) -> uuid.UUID:
    values = {"kind": kind, "owner": owner, "params": json.dumps(params), "timeout_s": timeout_s}
    return conn.execute(_sql("create"), values).scalar_one()


def set_queue_id(conn: Connection, job_id: uuid.UUID, queue_id: int) -> None:
    conn.execute(_sql("set_queue_id"), {"id": job_id, "queue_id": queue_id})


def get_job(conn: Connection, job_id: uuid.UUID | None) -> dict[str, Any]:
    """The job ``job_id`` as the API shows it; NotFound for an unknown id."""
    if job_id is None:
        raise NotFound("there is no job with that id: a job id is a UUID")
    missing = f"there is no job {job_id}; finished jobs are kept for a while, then pruned"
    row = fetch_one(conn, _sql("get"), {"id": job_id}, missing=missing)
    row["id"] = str(row["id"])
    row["progress"] = {"done": row.pop("done"), "total": row.pop("total")}
    return row


def start_job(conn: Connection, job_id: uuid.UUID, max_attempts: int) -> dict[str, Any] | None:
    """Mark the job running; None when it was cancelled, finished, or ran out of attempts."""
    row = conn.execute(_sql("start"), {"id": job_id, "max": max_attempts}).mappings().first()
    return dict(row) if row else None


def give_up_job(conn: Connection, job_id: uuid.UUID, max_attempts: int) -> bool:
    """Fail a job that has used its attempts (each run died with its worker)."""
    return bool(conn.execute(_sql("give_up"), {"id": job_id, "max": max_attempts}).rowcount)


def record_progress(conn: Connection, job_id: uuid.UUID, done: int, total: int | None) -> None:
    conn.execute(_sql("progress"), {"id": job_id, "done": done, "total": total})


def finish_job(
    conn: Connection,
    job_id: uuid.UUID,
    status: str,
    *,
    result: Any = None,
    error: dict[str, Any] | None = None,
) -> None:
    values = {
        "id": job_id,
        "status": status,
        "result": None if result is None else json.dumps(result),
        "error": None if error is None else json.dumps(error),
    }
    conn.execute(_sql("finish"), values)


def cancel_job(conn: Connection, job_id: uuid.UUID) -> int | None:
    """Mark an unfinished job cancelled; return its queue id (None if it had finished)."""
    return conn.execute(_sql("cancel"), {"id": job_id}).scalar()


def requeue_job(conn: Connection, queue_id: int) -> None:
    conn.execute(_sql("requeue"), {"queue_id": queue_id})


def fail_orphans(conn: Connection) -> int:
    """End the jobs the queue no longer holds; return how many."""
    return conn.execute(_sql("orphans")).rowcount


def prune_jobs(conn: Connection, keep_s: float) -> int:
    """Delete jobs that finished more than ``keep_s`` seconds ago; return how many."""
    return conn.execute(_sql("prune"), {"keep_s": keep_s}).rowcount
