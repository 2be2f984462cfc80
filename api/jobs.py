"""Background jobs with progress, for work longer than a request (plans, analyses).

Jobs run on a small thread pool owned by the app; their state lives in memory
for the life of the process, which is what a client polling for a result needs.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from gis.errors import WanggeError

Status = Literal["queued", "running", "done", "failed"]


@dataclass
class Job:
    id: int
    kind: str
    status: Status = "queued"
    done: int = 0
    total: int | None = None
    result: Any = None
    error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at and self.finished_at.isoformat(),
        }


class Jobs:
    """Submit callables that take a progress callback; look their state up by id."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wangge-job")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def submit(self, kind: str, work: Callable[[Callable[[int, int], None]], Any]) -> Job:
        with self._lock:
            job = Job(id=next(self._ids), kind=kind)
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _run(job: Job, work: Callable) -> None:
        job.status = "running"
        try:
            job.result = work(job.progress)
            job.status = "done"
        except WanggeError as exc:  # the user's problem: say it as it is
            job.error, job.status = str(exc), "failed"
        except Exception:  # a bug: keep the trace for whoever reads the job
            job.error, job.status = traceback.format_exc(limit=5), "failed"
        finally:
            job.finished_at = datetime.now(UTC)
