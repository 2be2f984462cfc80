"""Request ids, the audited household read, unmasking with a purpose, reading the audit
log over HTTP, and `wangge audit` on the command line."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from gis.audit import MAINTENANCE, record, verify
from gis.db.migrate import upgrade
from tests.common import TEST_KEY, bearer

PROBLEM = "application/problem+json"
PURPOSE = "Verifying identity for a housing subsidy application, case 2026-114"


@pytest.fixture(scope="module")
def client(settings, sample_city):
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def admin(client, engine) -> dict[str, str]:
    headers = bearer(engine, "admin")
    headers["name"] = client.get("/api/v1/me", headers=headers).json()["name"]
    return headers


def _auth(headers: dict[str, str], **more: str) -> dict[str, str]:
    return {"Authorization": headers["Authorization"], **more}


@pytest.fixture(scope="module")
def person(sample_city) -> dict:
    """A generated person with an ID number and a phone, as the generator made them."""
    persons = sample_city.persons.dropna(subset=["id_number", "phone"])
    return persons.iloc[len(persons) // 2].to_dict()


def _entries(engine, **where: str) -> list[dict]:
    clause = " AND ".join(f"{k} = :{k}" for k in where)
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM audit_log WHERE {clause} ORDER BY id"), where)
        return [dict(r) for r in rows.mappings()]


def test_every_answer_carries_a_request_id(client) -> None:
    made_up = re.compile(r"[0-9a-f]{32}")
    kept = client.get("/healthz", headers={"X-Request-ID": "abc.123:x-y"})
    assert kept.headers["X-Request-ID"] == "abc.123:x-y"
    for bad in ("a" * 65, "two words", "", "naïve"):
        sent = {"X-Request-ID": bad.encode()}
        assert made_up.fullmatch(client.get("/healthz", headers=sent).headers["X-Request-ID"])
    refused = client.get("/api/v1/audit")  # a problem from the auth, still with an id
    assert refused.status_code == 401 and made_up.fullmatch(refused.headers["X-Request-ID"])
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_the_household_read_is_audited_with_who_where_and_which_request(
    client, engine, admin, sample_city
) -> None:
    code = sample_city.persons["household_code"].iloc[0]
    response = client.get(
        f"/api/v1/households/{code}", headers=_auth(admin, **{"X-Request-ID": "hh-read-1"})
    )
    assert response.status_code == 200, response.text
    assert client.app.state.engine.url.username == "wangge_api"  # which may only insert
    [entry] = _entries(engine, request_id="hh-read-1")
    assert (entry["actor"], entry["role"], entry["source"]) == (
        admin["name"],
        "admin",
        "testclient",
    )
    assert (entry["action"], entry["object_type"], entry["object_id"]) == (
        "read",
        "household",
        code,
    )
    assert entry["detail"] == {"persons": len(response.json()["persons"]), "masked": True}


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_unmask_answers_the_true_value_and_audits_the_purpose(
    client, engine, admin, person, field: str
) -> None:
    request_id = f"unmask-{field}"
    response = client.post(
        f"/api/v1/persons/{person['code']}/unmask",
        json={"field": field, "purpose": f"  {PURPOSE}  "},
        headers=_auth(admin, **{"X-Request-ID": request_id}),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": person["code"],
        "field": field,
        "value": person[field].upper(),
    }
    assert response.headers["Cache-Control"] == "no-store"
    with engine.connect() as conn:  # and it is what the database holds, decrypted here
        stored = conn.execute(
            text(f"SELECT pgp_sym_decrypt({field}_enc, :k) FROM person WHERE code = :c"),
            {"k": TEST_KEY, "c": person["code"]},
        ).scalar_one()
    assert stored == response.json()["value"]
    [entry] = _entries(engine, request_id=request_id)
    assert (entry["action"], entry["object_type"], entry["object_id"]) == (
        "unmask",
        "person",
        person["code"],
    )
    assert (entry["actor"], entry["role"], entry["purpose"]) == (admin["name"], "admin", PURPOSE)
    assert entry["detail"] == {"field": field}


def test_unmask_refusals_are_problems_and_write_nothing(client, engine, admin, person) -> None:
    url = f"/api/v1/persons/{person['code']}/unmask"
    cases = [
        ("/api/v1/persons/NOBODY-01/unmask", {"field": "phone", "purpose": PURPOSE}, 404, None),
        (url, {"field": "phone", "purpose": "  because  "}, 422, "body.purpose"),
        (url, {"field": "phone"}, 422, "body.purpose"),
        (url, {"field": "phone", "purpose": "x" * 501}, 422, "body.purpose"),
        (url, {"field": "password", "purpose": PURPOSE}, 422, "body.field"),
    ]
    for i, (path, body, status, field) in enumerate(cases):
        response = client.post(
            path, json=body, headers=_auth(admin, **{"X-Request-ID": f"refused-{i}"})
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        if field:
            assert field in [e["field"] for e in response.json()["errors"]]
        assert _entries(engine, request_id=f"refused-{i}") == []


def test_no_value_leaves_without_its_entry(client, engine, admin, person) -> None:
    from gis.places.persons import unmask

    who = {"actor": "x", "role": "r" * 33, "source": None, "request_id": "entry-fails"}
    with engine.connect() as conn, pytest.raises(DBAPIError, match="character varying"):
        unmask(conn, person["code"], "phone", key=TEST_KEY, purpose=PURPOSE, **who)
    url = f"/api/v1/persons/{person['code']}/unmask"
    client.app.state.secret_key = "not-the-key"  # as after a key rotation
    try:
        response = client.post(
            url, json={"field": "phone", "purpose": PURPOSE},
            headers=_auth(admin, **{"X-Request-ID": "wrong-key"}),
        )  # fmt: skip
    finally:
        client.app.state.secret_key = TEST_KEY
    assert response.status_code == 503 and "restart" in response.json()["detail"]
    assert (
        _entries(engine, request_id="entry-fails") == _entries(engine, request_id="wrong-key") == []
    )


@pytest.mark.parametrize("role", ["viewer", "analyst", "planner", "operator"])
def test_roles_without_the_permission_get_403(client, engine, person, role: str) -> None:
    headers = bearer(engine, role)
    unmask = client.post(
        f"/api/v1/persons/{person['code']}/unmask", json={"field": "phone", "purpose": PURPOSE},
        headers=headers,
    )  # fmt: skip
    audit = client.get("/api/v1/audit", headers=headers)
    for response in (unmask, audit):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM and role in response.json()["detail"]


def test_an_admin_reads_the_log_filtered_and_paged(client, engine, admin, person) -> None:
    for i in range(3):
        client.post(
            f"/api/v1/persons/{person['code']}/unmask", json={"field": "phone", "purpose": PURPOSE},
            headers=_auth(admin, **{"X-Request-ID": f"paged-{i}"}),
        )  # fmt: skip
    query = {"actor": admin["name"], "action": "unmask", "object_id": person["code"], "limit": 2}
    first = client.get("/api/v1/audit", params=query, headers=_auth(admin))
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2 and page["next_after"] == page["items"][-1]["id"]
    seen = page["items"]
    while page["next_after"] is not None:
        after = {"after": page["next_after"]}
        page = client.get("/api/v1/audit", params=query | after, headers=_auth(admin)).json()
        assert len(page["items"]) <= 2
        seen += page["items"]
    assert all(e["actor"] == admin["name"] and e["purpose"] == PURPOSE for e in seen)
    assert {"paged-0", "paged-1", "paged-2"} <= {e["request_id"] for e in seen}
    assert [e["id"] for e in seen] == sorted(e["id"] for e in seen)
    since = seen[-1]["at"]
    latest = client.get("/api/v1/audit", params={"since": since}, headers=_auth(admin)).json()
    assert seen[-1]["id"] in [e["id"] for e in latest["items"]]
    too_many = client.get("/api/v1/audit", params={"limit": 501}, headers=_auth(admin))
    assert too_many.status_code == 422 and too_many.headers["content-type"] == PROBLEM
    with engine.connect() as conn:  # everything the API wrote, as its own role, holds
        check = verify(conn)
    assert check.intact, check.summary()


@pytest.fixture(scope="module")
def cli_db(make_database):
    url = make_database("wangge_audit_cli")
    engine = create_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        for i in range(4):
            record(conn, actor="carol", role="admin", source="10.1.2.3", request_id=f"r{i}",
                   action="unmask", object_type="person", object_id=f"P{i}",
                   purpose="a purpose stated in full")  # fmt: skip
    yield url, engine
    engine.dispose()


def _wangge(url: str, *args: str):
    env = {"WANGGE_DATABASE_URL": url, "WANGGE_SECRET_KEY": TEST_KEY}
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("command", [["audit"], ["audit", "verify"], ["audit", "list"]])
def test_audit_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_wangge_audit_verify_and_list(cli_db) -> None:
    url, engine = cli_db
    intact = _wangge(url, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "intact: 4 entries" in intact.output
    listed = _wangge(url, "audit", "list", "--actor", "carol", "--limit", "3")
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.stdout.splitlines() if "carol" in line]
    assert len(lines) == 3 and "purpose: a purpose stated in full" in lines[0]
    assert "more: --after" in listed.output
    with engine.connect() as conn:
        third = conn.execute(text("SELECT id FROM audit_log ORDER BY id OFFSET 2 LIMIT 1")).scalar()
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL {MAINTENANCE} = 'on'"))
        conn.execute(
            text("UPDATE audit_log SET purpose = 'nothing to see' WHERE id = :id"), {"id": third}
        )
    broken = _wangge(url, "audit", "verify")
    assert broken.exit_code == 1
    assert f"broken at entry {third}: its content was changed" in broken.output
