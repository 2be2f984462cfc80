"""Durable jobs: long work off the request path, in worker processes.

A job is checked and bounded before it is queued (``submit``), runs in a worker
(``queue.run_worker``), reports progress, can be cancelled, times out, and is
pruned some time after it ends. Its id is a random UUID; its error is a problem.

The API calls ``check_and_create`` then ``queue.enqueue``; see docs/jobs.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection

from gis.jobs.kinds import KINDS, JobKind, kind_of
from gis.jobs.store import cancel_job, create_job, get_job, parse_id, set_queue_id
from gis.settings import JobSettings

__all__ = [
    "KINDS",
    "JobKind",
    "cancel_job",
    "check_and_create",
    "get_job",
    "parse_id",
    "set_queue_id",
]


def check_and_create(
    conn: Connection,
    kind: str,
    params: dict[str, Any],
    *,
    owner: str | None = None,
    settings: JobSettings | None = None,
) -> uuid.UUID:
    """Check ``params`` for ``kind`` (bounds, existence) and record the job as queued."""
    spec = kind_of(kind)
    checked = spec.check(conn, params)
    limit = min(spec.timeout_s, (settings or JobSettings()).max_timeout_s)
    return create_job(conn, kind, checked, owner=owner, timeout_s=limit)
