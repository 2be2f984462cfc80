"""Jobs: long work run by worker processes; read one, cancel one."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import JobReader
from api.schemas.jobs import Job

router = APIRouter(prefix="/api/v1", tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=Job)
async def get_job(job_id: str, request: Request, user: JobReader) -> dict:
    """A job: status, progress, its result when done, its problem when it failed."""
    return await request.app.state.jobs.get(job_id, user)


@router.delete("/jobs/{job_id}", response_model=Job)
async def delete_job(job_id: str, request: Request, user: JobReader) -> dict:
    """Cancel a queued or running job; a running one stops at its next progress step."""
    return await request.app.state.jobs.cancel(job_id, user)
