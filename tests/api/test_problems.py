"""Failure a user can act on: every error is problem+json; a database that is down is a
503 with Retry-After naming no host; a slow statement is stopped (504); anything
unexpected is a 500 with a reference that is in the log; and each input the fuzzer
found a 500 with is now a 4xx that says what is wrong.
"""

from __future__ import annotations

import logging
import re
import socket
import uuid

import psycopg
import psycopg_pool
import pytest
import sqlalchemy.exc
from fastapi import Request
from fastapi.testclient import TestClient
from procrastinate.exceptions import ConnectorException
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import create_engine, text

from api.app import create_app
from api.dependencies import Database, Db
from api.problems import database_trouble, problem_for
from gis.places.paging import MAX_OFFSET
from gis.settings import ApiSettings
from tests.common import signed_in

PROBLEM = "application/problem+json"
DISTRICT = "331004000000"


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


@pytest.fixture(scope="module")
def community(engine, sample_city) -> tuple[str, int]:
    """A community and how many buildings it has."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.code, count(*) FROM building b JOIN area c ON c.id = b.community_id "
                "GROUP BY c.code ORDER BY c.code LIMIT 1"
            )
        ).one()
    return row[0], row[1]


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_routing_errors_are_problems_and_405_lists_every_method(client) -> None:
    is_problem(client.get("/api/v1/nowhere"), 404)
    is_problem(client.get("/api/v1/areas/123"), 422)  # not 12 digits
    # GET and POST /plans are two routes: the Allow header names both.
    response = client.put("/api/v1/plans")
    assert "PUT is not served" in is_problem(response, 405)["detail"]
    assert response.headers["allow"] == "GET, POST"
    assert client.delete("/api/v1/plans/1").headers["allow"] == "GET"


def test_an_unexpected_error_is_a_500_with_a_reference_in_the_log(settings, caplog) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("connection to 10.1.2.3:5432 refused at boom()")

    with TestClient(app) as c, caplog.at_level(logging.ERROR, logger="wangge.api"):
        body = is_problem(c.get("/api/v1/boom"), 500)
    reference = body["reference"]
    assert re.fullmatch(r"[0-9a-f]{12}", reference) and reference in body["detail"]
    for secret in ("10.1.2.3", "5432", "boom()", "Traceback", "RuntimeError"):
        assert secret not in str(body)
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info and "boom()" in str(logged[0].exc_info[1])


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_a_database_that_is_down_is_a_503_with_retry_after_on_every_route(settings, engine) -> None:
    port = _dead_port()
    url = f"postgresql+psycopg://wangge:secret@127.0.0.1:{port}/wangge"
    app = create_app(settings)
    with TestClient(app) as c:
        signed_in(c, engine)  # a token not yet looked up: the lookup meets the outage too
        state = app.state
        real = state.engine, state.database, state.tile_pool, state.jobs.db, state.authenticator.db
        dead_engine = create_engine(url, pool_size=1, max_overflow=0)
        dead = Database(dead_engine, slots=2, timeout_s=2)

        async def dead_pool() -> AsyncConnectionPool:
            pool = AsyncConnectionPool(
                f"postgresql://wangge:secret@127.0.0.1:{port}/wangge",
                min_size=0, max_size=1, timeout=1, open=False,
            )  # fmt: skip
            await pool.open()
            return pool

        app.state.engine, app.state.database = dead_engine, dead
        app.state.tile_pool, app.state.jobs.db = c.portal.call(dead_pool), dead
        app.state.authenticator.db = dead
        try:
            etag = {"If-Match": '"plan-1-v1"'}
            for method, path, kwargs in [
                ("GET", "/healthz", {}),
                ("GET", "/api/v1/areas", {}),
                ("GET", f"/api/v1/areas/{DISTRICT}", {}),
                ("GET", "/api/v1/buildings?bbox=121.3,28.5,121.31,28.51", {}),
                ("GET", "/api/v1/buildings/B1", {}),
                ("GET", "/api/v1/search?q=x", {}),
                ("GET", "/api/v1/plans", {}),
                ("GET", "/api/v1/plans/1", {}),
                ("GET", f"/api/v1/jobs/{uuid.uuid4()}", {}),
                ("POST", "/api/v1/plans", {"json": {"area": DISTRICT, "name": "x"}}),
                ("POST", "/api/v1/plans/1/publish", {}),
                ("POST", "/api/v1/plans/1/edits/split", {"json": {"grid": "G"}, "headers": etag}),
                ("GET", "/tiles/districts.json", {}),
                ("GET", "/tiles/districts/0/0/0.mvt", {}),
            ]:
                response = c.request(method, path, **kwargs)
                body = is_problem(response, 503)
                assert int(response.headers["retry-after"]) > 0, path
                assert "127.0.0.1" not in response.text and str(port) not in response.text
                assert body["title"] in ("database unavailable", "database busy"), path
        finally:
            c.portal.call(app.state.tile_pool.close)
            state.engine, state.database, state.tile_pool, state.jobs.db = real[:4]
            state.authenticator.db = real[4]
            dead_engine.dispose()
        assert c.get("/healthz").status_code == 200  # and back once it answers


def _wrapped(exc: Exception) -> Exception:
    """``exc`` as procrastinate's connector raises it: another exception, caused by it."""
    try:
        try:
            raise exc
        except Exception as cause:
            raise ConnectorException("the queue failed") from cause
    except ConnectorException as wrapper:
        return wrapper


@pytest.mark.parametrize(
    "exc, status",
    [
        (psycopg.OperationalError("connection failed: 127.0.0.1, port 5432 refused"), 503),
        (psycopg.errors.AdminShutdown("terminating connection"), 503),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), 503),
        (psycopg.errors.TooManyConnections("too many clients"), 503),
        (psycopg.errors.IdleInTransactionSessionTimeout("idle in transaction"), 503),
        (psycopg.InterfaceError("the connection is closed"), 503),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 10 s"), 503),
        (psycopg_pool.TooManyRequests("the pool has 64 requests waiting"), 503),
        (sqlalchemy.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("down")), 503),
        (_wrapped(psycopg.OperationalError("down")), 503),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), 504),
        (psycopg.errors.ProgramLimitExceeded("index row too large"), None),
        (ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), None),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_database_trouble_is_told_apart(exc: Exception, status: int | None) -> None:
    assert database_trouble(exc) == status
    if status is not None:
        response = problem_for(exc, {"path": "/x", "method": "GET"})
        assert response.status_code == status and b"5432" not in response.body
        assert (status == 503) == ("retry-after" in response.headers)


def test_the_api_sessions_stop_a_slow_statement_with_a_504(settings) -> None:
    quick = settings.model_copy(update={"statement_timeout_s": 0.2})
    app = create_app(quick)

    @app.get("/api/v1/slow")
    async def slow(db: Db) -> dict:
        return await db.run(lambda conn: conn.execute(text("SELECT pg_sleep(2)")).all())

    @app.get("/api/v1/slow-tile")
    async def slow_tile(request: Request) -> dict:
        async with request.app.state.tile_pool.connection() as conn:
            await conn.execute("SELECT pg_sleep(2)")
        return {}

    @app.get("/api/v1/limits")
    async def limits(db: Db) -> dict:
        def show(conn) -> dict:
            names = ("statement_timeout", "idle_in_transaction_session_timeout")
            return {n: conn.execute(text(f"SHOW {n}")).scalar_one() for n in names}

        return await db.run(show)

    with TestClient(app) as c:
        assert c.get("/api/v1/limits").json() == {
            "statement_timeout": "200ms",
            "idle_in_transaction_session_timeout": "1min",
        }
        for path in ("/api/v1/slow", "/api/v1/slow-tile"):
            body = is_problem(c.get(path), 504)
            assert body["title"] == "query took too long" and "0.2 s" in body["detail"]
        assert c.get("/healthz").status_code == 200  # the connections are fine after it


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/search?q=%00", "query.q"),
        ("/api/v1/search?q=a%0Ab", "query.q"),
        ("/api/v1/buildings/%00", "path"),
        ("/api/v1/households/a%1Fb", "path"),
        ("/tiles/incidents/14/13717/6833.mvt?category=a%00", "query.category"),
        ("/api/v1/buildings?community=331004001001&grid=%7F", "query.grid"),
    ],
)
def test_control_characters_in_text_are_refused(client, url: str, field: str) -> None:
    body = is_problem(client.get(url), 422)
    assert body["errors"] == [
        {"field": field, "message": "text must not contain NUL or other control characters"}
    ]
    assert "\x00" not in body["instance"]


def test_percent_text_and_nul_escapes_in_json(client) -> None:
    assert client.get("/api/v1/search", params={"q": "%00"}).status_code == 200  # the text %00
    nul = client.post("/api/v1/plans", content=b'{"area": "331004000000", "name": "a\\u0000"}',
                      headers={"content-type": "application/json"})  # fmt: skip
    assert "NUL" in is_problem(nul, 422)["detail"]
    # An escaped backslash before u0000 is the text "\u0000", not a NUL: the area is checked.
    text_only = client.post(
        "/api/v1/plans",
        content=b'{"area": "331004999999", "name": "a\\\\u0000"}',
        headers={"content-type": "application/json"},
    )
    is_problem(text_only, 404)


def test_numbers_past_their_columns_are_refused(client, community) -> None:
    code, _ = community
    huge = 2**63
    offset = client.get("/api/v1/buildings", params={"community": code, "offset": huge})
    assert is_problem(offset, 422)["errors"][0]["field"] == "query.offset"
    assert str(MAX_OFFSET) in offset.json()["errors"][0]["message"].replace(",", "")
    plan = client.get("/tiles/grids/14/13717/6833.mvt", params={"plan": 2**40})
    assert "from 1 to 2147483647" in is_problem(plan, 422)["detail"]
    is_problem(client.get(f"/api/v1/plans/{2**40}"), 422)
    is_problem(client.get("/api/v1/plans/1/diff", params={"against": huge}), 422)
    is_problem(client.get("/tiles/districts/99/0/0.mvt"), 422)


def test_tile_times_must_agree_on_a_zone(client) -> None:
    url = "/tiles/incidents/14/13717/6833.mvt"
    mixed = client.get(url, params={"since": "2026-01-01", "until": "2026-02-01T00:00:00+08:00"})
    assert "both give a time zone or both give none" in is_problem(mixed, 422)["detail"]
    assert client.get(url, params={"since": "2026-01-01", "until": "2026-02-01"}).status_code == 200
    both = {"since": "2026-01-01t00:00:00z", "until": "2026-02-01T00:00:00+08:00"}
    assert client.get(url, params=both).status_code == 200  # RFC 3339 allows a lowercase t, z
    is_problem(client.get(url, params={"until": ""}), 422)
    is_problem(client.get(url, params={"since": "0001-01-01T00:00:00+01:00"}), 422)


def test_bodies_are_limited(settings) -> None:
    app = create_app(settings, api_settings=ApiSettings(max_body_bytes=4096))
    with TestClient(app) as c:
        declared = c.post("/api/v1/plans", content=b"{" + b" " * 5000 + b"}",
                          headers={"content-type": "application/json"})  # fmt: skip
        assert "4,096 bytes" in is_problem(declared, 413)["detail"]

        def chunks():  # no Content-Length: counted as it streams in
            yield b'{"area": "331004000000", "name": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        streamed = c.post("/api/v1/plans", content=chunks(),
                          headers={"content-type": "application/json"})  # fmt: skip
        is_problem(streamed, 413)


def test_a_page_past_the_end_reports_the_real_total(client, community) -> None:
    code, count = community
    page = client.get("/api/v1/buildings", params={"community": code, "offset": 100_000}).json()
    assert page["items"] == [] and page["total"] == count and page["next_offset"] is None
    first = client.get("/api/v1/buildings", params={"community": code, "limit": 1}).json()
    assert first["total"] == count


def test_an_unknown_area_is_refused_before_any_job(client, engine) -> None:
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT count(*) FROM job")).scalar_one()
    missing = client.post("/api/v1/plans", json={"area": "331004999999", "name": "x"})
    assert "331004999999" in is_problem(missing, 404)["detail"]
    is_problem(client.post("/api/v1/plans", json={"area": "luqiao", "name": "x"}), 422)
    extra = client.post("/api/v1/plans", json={"area": DISTRICT, "name": "x", "sede": 1})
    assert is_problem(extra, 422)["errors"][0]["field"] == "body.sede"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job")).scalar_one() == jobs


def test_openapi_documents_every_status_as_a_problem(client) -> None:
    spec = client.get("/openapi.json").json()
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            # A page's form (the login page) answers its refusals as the page again, for
            # a person; every other refusal is a problem, for a program.
            page = "pages" in operation.get("tags", [])
            for status, response in responses.items():
                if status[0] in "45" and not (page and "text/html" in response["content"]):
                    assert response["content"] == {PROBLEM: {"schema": problem_ref}}, where
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, where
            if operation.get("requestBody"):
                assert {"413", "422"} <= set(responses), where
            if "503" in responses:
                assert "Retry-After" in responses["503"]["headers"], where
    edit = spec["paths"]["/api/v1/plans/{plan_id}/edits/split"]["post"]["responses"]
    assert {"404", "409", "412", "413", "422", "428", "503"} <= set(edit)
    assert "ETag" in edit["412"]["headers"]
    for path in ("/api/v1/areas/{code}", "/api/v1/buildings", "/api/v1/plans"):
        for parameter in spec["paths"][path]["get"].get("parameters", []):
            if parameter["name"] in ("code", "community", "area"):
                schemas = parameter["schema"].get("anyOf", [parameter["schema"]])
                assert schemas[0]["pattern"] == "^[0-9]{12}$", path
    body = spec["components"]["schemas"]["PlanRequest"]["properties"]["area"]
    assert body["pattern"] == "^[0-9]{12}$"
