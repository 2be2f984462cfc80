"""Durable jobs: checked before queueing, run by a real `wangge worker` process,
progress, cancel, time limits, problems instead of tracebacks, pruning."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import text

from gis.errors import InvalidInput, NotFound
from gis.jobs import cancel_job, check_and_create, get_job, set_queue_id
from gis.jobs.queue import abort, enqueue, make_queue
from gis.jobs.runner import MAX_ATTEMPTS, WorkerStopping, execute
from gis.jobs.store import fail_orphans, prune_jobs
from tests.common import worker_process

STREET = "331004001000"


@pytest.fixture(scope="module")
def engine(plan_city):
    return plan_city[0]


@pytest.fixture(scope="module")
def url(plan_city) -> str:
    return plan_city[1].database_url


def _submit(engine, url: str, kind: str, params: dict) -> uuid.UUID:
    with engine.begin() as conn:
        job_id = check_and_create(conn, kind, params)

    async def go() -> int:
        async with make_queue(url).open_async() as app:
            return await enqueue(app, job_id)

    queue_id = asyncio.run(go())
    with engine.begin() as conn:
        set_queue_id(conn, job_id, queue_id)
    return job_id


def _job(engine, job_id: uuid.UUID) -> dict:
    with engine.connect() as conn:
        return get_job(conn, job_id)


def _wait(engine, job_id: uuid.UUID, statuses=("done", "failed", "cancelled"), timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = _job(engine, job_id)
        if job["status"] in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s} s")


@pytest.fixture
def worker(url: str):
    with worker_process(url) as proc:
        yield proc


def test_a_plan_job_runs_in_a_worker_process_with_progress(engine, url, worker) -> None:
    params = {"area": STREET, "name": "from a job", "min_households": 60, "max_households": 120}
    job_id = _submit(engine, url, "plan", params)
    job = _wait(engine, job_id)
    assert job["status"] == "done", job["error"]
    assert job["progress"]["done"] == job["progress"]["total"] > 0
    with engine.connect() as conn:
        name = conn.execute(
            text("SELECT name FROM grid_plan WHERE id = :id"), {"id": job["result"]["plan_id"]}
        ).scalar()
    assert name == "from a job"


def test_bad_parameters_are_refused_before_anything_is_queued(engine) -> None:
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM job")).scalar()
        with pytest.raises(NotFound, match="999999999999"):
            check_and_create(conn, "plan", {"area": "999999999999", "name": "x"})
        with pytest.raises(InvalidInput, match="min 500"):
            params = {"area": STREET, "name": "x", "min_households": 500, "max_households": 100}
            check_and_create(conn, "plan", params)
        with pytest.raises(InvalidInput, match="unknown job kind"):
            check_and_create(conn, "mine bitcoin", {})
        assert conn.execute(text("SELECT count(*) FROM job")).scalar() == before


def test_a_job_cancelled_while_queued_never_runs(engine, url) -> None:
    job_id = _submit(engine, url, "plan", {"area": STREET, "name": "never"})
    with engine.begin() as conn:
        queue_id = cancel_job(conn, job_id)

    async def go() -> None:
        async with make_queue(url).open_async() as app:
            await abort(app, queue_id)

    asyncio.run(go())
    assert execute(engine, job_id) == "skipped"
    job = _job(engine, job_id)
    assert job["status"] == "cancelled" and job["result"] is None
    assert job["error"]["title"] == "job cancelled"


def test_a_job_past_its_time_limit_fails_with_a_problem(engine) -> None:
    with engine.begin() as conn:
        job_id = check_and_create(conn, "plan", {"area": STREET, "name": "late"})
    assert execute(engine, job_id, max_timeout_s=-1) == "failed"
    job = _job(engine, job_id)
    assert job["error"]["title"] == "job timed out"
    assert "limit" in job["error"]["detail"] and "Traceback" not in job["error"]["detail"]


def test_a_domain_error_inside_a_job_is_its_problem(engine) -> None:
    with engine.begin() as conn:
        job_id = check_and_create(conn, "plan_report", {"plan_id": 1})
        conn.execute(
            text("UPDATE job SET params = '{\"plan_id\": -5}' WHERE id = :id"), {"id": job_id}
        )
    assert execute(engine, job_id) == "failed"
    error = _job(engine, job_id)["error"]
    assert error == {"title": "not found", "detail": "there is no plan -5", "error": "NotFound"}


def test_unknown_and_malformed_job_ids_are_not_found(engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(NotFound):
            get_job(conn, uuid.uuid4())
        with pytest.raises(NotFound, match="UUID"):
            get_job(conn, None)


def test_finished_jobs_are_pruned_after_their_age(engine) -> None:
    with engine.begin() as conn:
        job_id = check_and_create(conn, "plan", {"area": STREET, "name": "old"})
        conn.execute(
            text("UPDATE job SET status = 'done', finished_at = now() - interval '2 hours' "
                 "WHERE id = :id"),
            {"id": job_id},
        )  # fmt: skip
        assert prune_jobs(conn, keep_s=3 * 3600) == 0
        assert prune_jobs(conn, keep_s=3600) >= 1
        with pytest.raises(NotFound):
            get_job(conn, job_id)


def test_a_stopping_worker_leaves_its_job_to_be_run_again(engine) -> None:
    with engine.begin() as conn:
        job_id = check_and_create(conn, "plan", {"area": STREET, "name": "interrupted"})
    with pytest.raises(WorkerStopping):
        execute(engine, job_id, aborted=lambda: "shutdown")
    assert _job(engine, job_id)["status"] == "running"
    assert execute(engine, job_id) == "done"  # the next run takes it from the start
    job = _job(engine, job_id)
    assert job["attempts"] == 2 and job["result"]["plan_id"] > 0


def test_a_job_whose_runs_keep_dying_fails_after_its_attempts(engine) -> None:
    with engine.begin() as conn:
        job_id = check_and_create(conn, "plan", {"area": STREET, "name": "doomed"})
        conn.execute(text("UPDATE job SET status = 'running', attempts = :n WHERE id = :id"),
                     {"n": MAX_ATTEMPTS, "id": job_id})  # fmt: skip
    assert execute(engine, job_id) == "failed"
    error = _job(engine, job_id)["error"]
    assert error["title"] == "job failed" and f"{MAX_ATTEMPTS} times" in error["detail"]


def test_a_job_the_queue_lost_ends_failed(engine) -> None:
    with engine.begin() as conn:
        job_id = check_and_create(conn, "plan", {"area": STREET, "name": "lost"})
        conn.execute(
            text("UPDATE job SET queue_id = -1, created_at = now() - interval '2 minutes' "
                 "WHERE id = :id"),
            {"id": job_id},
        )  # fmt: skip
        assert fail_orphans(conn) >= 1
    job = _job(engine, job_id)
    assert job["status"] == "failed" and "every attempt" in job["error"]["detail"]
