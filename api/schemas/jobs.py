"""Jobs, as ``/api/v1/jobs/{id}`` shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas.base import Schema

Status = Literal["queued", "running", "done", "failed", "cancelled"]


class Progress(Schema):
    done: int
    total: int | None


class JobProblem(Schema):
    """Why a job failed or stopped, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    detail: str
    status: int | None = None
    errors: list[dict[str, Any]] | None = None


class Job(Schema):
    """A job run by a worker process; poll ``/api/v1/jobs/{id}`` until it has ended."""

    id: str = Field(description="A random UUID: only who has it can read the job.")
    kind: str = Field(description="What runs: plan, plan_report or hotspots.")
    owner: str | None
    status: Status
    progress: Progress
    result: Any = Field(
        description="When done: a plan job gives {plan_id}, a report job the report, "
        "an analysis its result."
    )
    error: JobProblem | None
    attempts: int = Field(description="Runs so far; a run whose worker died is run again.")
    timeout_s: int = Field(description="The job is stopped if it runs longer than this.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
