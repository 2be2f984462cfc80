"""Every route asks for a signed-in user and a permission; each role is tried on each route.

The cases are generated from the app's own route table and ``gis.accounts.roles``: a
route added without a ``Permit`` fails ``test_every_route_is_public_or_permitted``,
and every (role, route) pair is tried for the 403 the role table says it gets.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Permit
from gis.accounts.roles import ROLES, may
from tests.common import bearer

PROBLEM = "application/problem+json"
# Routes anyone may call: the health check, the sign-in page and what it needs, and the
# pages (they send the signed-out to sign in themselves).
PUBLIC = {"/healthz", "/", "/command", "/planner", "/login", "/logout"}
# A value for each path parameter that names nothing: a refusal is then the only effect.
DUMMY = {
    "code": "331004999999",
    "plan_id": "2147483000",
    "job_id": str(uuid.UUID(int=1)),
    "layer": "buildings",
    "z": "0",
    "x": "0",
    "y": "0",
    "surface_id": "0" * 12,
}


def _permits(dependant) -> list[str]:
    found = [d.call.permission for d in dependant.dependencies if isinstance(d.call, Permit)]
    for sub in dependant.dependencies:
        found += _permits(sub)
    return found


def _needs_user(dependant) -> bool:
    from api.auth import current_user

    return any(d.call is current_user or _needs_user(d) for d in dependant.dependencies)


def _api_routes(app) -> list:
    """Each API route with its path and full dependant (its routers' dependencies too).
    FastAPI 0.165 keeps included routers whole and resolves them per route context."""
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "effective_route_contexts"):
            found += [c for c in route.effective_route_contexts() if c.methods]
    return found


ROUTES = [
    (method, route.path, _permits(route.dependant), _needs_user(route.dependant))
    for route in _api_routes(create_app())
    for method in sorted(route.methods - {"HEAD"})
]
PROTECTED = [(m, p, perms) for m, p, perms, user in ROUTES if p not in PUBLIC]


def _url(path: str) -> str:
    for name, value in DUMMY.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no dummy value for a parameter of {path}"
    return path


@pytest.fixture(scope="module")
def client(settings, sample_city):
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def tokens(engine, sample_city) -> dict[str, dict[str, str]]:
    return {role: bearer(engine, role, None) for role in ROLES if role != "grid_worker"}


def test_every_route_is_public_or_permitted() -> None:
    for method, path, perms, needs_user in ROUTES:
        if path in PUBLIC:
            assert not perms, f"{method} {path} is public yet asks for {perms}"
        else:
            assert needs_user, f"{method} {path} answers without a signed-in user"
            assert len(set(perms)) <= 2, f"{method} {path}: {perms}"


@pytest.mark.parametrize(("method", "path", "perms"), PROTECTED, ids=lambda v: str(v))
def test_anonymous_gets_401_problem(client, method: str, path: str, perms) -> None:
    response = client.request(method, _url(path), json={})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "/login" in response.json()["detail"]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "grid_worker"])
def test_each_role_gets_403_exactly_where_the_table_says(client, tokens, role: str) -> None:
    wrong = []
    for method, path, perms in PROTECTED:
        response = client.request(method, _url(path), json={}, headers=tokens[role])
        allowed = all(may(role, p) for p in perms)
        got_403 = response.status_code == 403
        if response.status_code == 401 or got_403 == allowed:
            wrong.append(f"{method} {path}: {response.status_code} ({perms})")
        if got_403:
            assert response.headers["content-type"] == PROBLEM
            assert role in response.json()["detail"]
    assert not wrong, f"{role}: " + "; ".join(wrong)


def test_a_bad_token_and_a_disabled_user_get_401(client, engine) -> None:
    from gis.accounts import create_user, disable_user, issue_token

    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wg_nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    with engine.begin() as conn:
        create_user(conn, "leaver", "viewer")
        token = issue_token(conn, "leaver", days=1)
    header = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=header).json()
    assert me["name"] == "leaver" and me["permissions"] == ["maps:read"]
    assert me["csrf_token"] is None
    with engine.begin() as conn:
        disable_user(conn, "leaver")
    client.app.state.authenticator._known.clear()  # the few seconds' memory, skipped
    refused = client.get("/api/v1/me", headers=header)
    assert refused.status_code == 401 and "disabled" in refused.json()["detail"]


def test_the_openapi_document_declares_the_schemes_and_the_refusals(client) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["components"]["securitySchemes"]) == {"token", "session"}
    for method, path, _ in PROTECTED:
        operation = spec["paths"][path][method.lower()]
        assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"
        assert operation.get("security"), f"{method} {path}"


def test_someone_elses_job_is_not_found(client, engine, tokens) -> None:
    from gis.jobs.store import create_job

    with engine.begin() as conn:
        job = create_job(conn, "plan_report", {"plan_id": 1}, owner="someone", timeout_s=60)
    mine = client.get(f"/api/v1/jobs/{job}", headers=tokens["analyst"])
    assert mine.status_code == 404, mine.text
    assert client.get(f"/api/v1/jobs/{job}", headers=tokens["admin"]).status_code == 200
    assert client.delete(f"/api/v1/jobs/{job}", headers=tokens["planner"]).status_code == 404
