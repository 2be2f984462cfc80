"""Incidents over HTTP: intake (placed, idempotent, duplicates, refusals), the workflow
(routing, deadlines, overdue, 409 with what is allowed), reading (filters, cursor paging,
counters), scope, and what the tiles, the statistics and the outbox see at once."""

from __future__ import annotations

import morecantile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from gis.crs import wgs84_to_gcj02
from tests.common import bearer
from tests.incident_town import (
    DISTRICT,
    FAR,
    HOME,
    IN_B001,
    IN_FAR,
    IN_HOME,
    IN_NEIGHBOUR,
    NEIGHBOUR,
    OUTSIDE,
    add_worker,
    build_town,
    expire,
    grid_of,
)

PROBLEM = "application/problem+json"
SAMPLE_CATEGORIES = {
    "dispute", "public_security", "fire_hazard", "sanitation", "illegal_construction",
    "traffic", "facility_damage", "environment", "petition", "other",
}  # fmt: skip


@pytest.fixture(scope="module")
def town(make_database):
    engine, settings = build_town(make_database, "wangge_incidents_api")
    add_worker(engine, "W001", grid_of(engine, HOME))
    with TestClient(create_app(settings)) as client:
        yield engine, client
    engine.dispose()


@pytest.fixture(scope="module")
def admin(town) -> dict[str, str]:
    return bearer(town[0], "admin")


def report(town, headers, at=IN_B001, **fields):
    body = {"category": "sanitation", "lon": at[0], "lat": at[1], "description": "垃圾未及时清运",
            "source": "grid_worker", **fields}  # fmt: skip
    return town[1].post("/api/v1/incidents", json=body, headers=headers)


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_the_catalogue_holds_every_sample_category(town, admin) -> None:
    listed = town[1].get("/api/v1/incident-categories", headers=admin).json()
    codes = {c["code"] for c in listed}
    assert codes >= SAMPLE_CATEGORIES and len(codes) > len(SAMPLE_CATEGORIES)
    assert {c["kind"] for c in listed} == {"事件", "部件"}
    fire = next(c for c in listed if c["code"] == "fire_hazard")
    assert fire["deadline_hours"] == {"low": 72, "normal": 24, "high": 4, "critical": 1}
    assert fire["default_urgency"] == "high" and fire["default_unit"] == "消防救援站"


def test_an_intake_is_placed_and_announced_in_one_go(town, admin) -> None:
    engine, client = town
    body = created(report(town, admin, category="fire_hazard", reporter_contact="13812345678",
                          attachments=["https://img.example/1.jpg"]))  # fmt: skip
    assert body["status"] == "reported" and body["source"] == "grid_worker"
    assert body["community_code"] == HOME and body["building_code"] == "B001"
    assert body["grid_code"] == grid_of(engine, HOME) and body["level"] == "community"
    assert body["urgency"] == "high" and body["overdue"] is False  # the category's default
    assert body["category_name"] == "消防安全隐患" and body["possible_duplicates"] == []
    detail = client.get(f"/api/v1/incidents/{body['code']}", headers=admin).json()
    assert [e["action"] for e in detail["timeline"]] == ["reported"]
    summary = {k: v for k, v in body.items() if k != "possible_duplicates"}
    assert {k: detail[k] for k in summary} == summary
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT i.deadline_at - i.reported_at AS span, i.reporter_contact_masked, "
                 "pgp_sym_decrypt(i.reporter_contact_enc, 'test-secret-key') AS contact, "
                 "i.attachments, i.reported_by FROM incident i WHERE code = :c"),
            {"c": body["code"]},
        ).one()  # fmt: skip
        outbox = conn.execute(
            text("SELECT kind, payload FROM event_outbox WHERE subject = :c"), {"c": body["code"]}
        ).all()
    assert row.span.total_seconds() == 4 * 3600  # fire_hazard, high: 4 hours
    assert row.contact == "13812345678" and row.reporter_contact_masked == "138******78"
    assert row.attachments == ["https://img.example/1.jpg"] and row.reported_by
    assert [k for k, _ in outbox] == ["incident.created"]
    payload = outbox[0][1]
    assert payload == {"incident": summary, "event": detail["timeline"][0]}


def test_any_supported_crs_is_taken(town, admin) -> None:
    lon, lat = wgs84_to_gcj02(*IN_B001)
    body = created(report(town, admin, at=(float(lon), float(lat)), crs="gcj02"))
    assert body["building_code"] == "B001"
    assert body["lon"] == pytest.approx(IN_B001[0], abs=1e-6)


def test_bad_intakes_say_what_is_wrong_and_write_nothing(town, admin) -> None:
    engine, _ = town
    before = count(engine, "SELECT count(*) FROM incident")
    outside = report(town, admin, at=OUTSIDE)
    assert outside.status_code == 422 and outside.headers["content-type"] == PROBLEM
    assert "测试区" in outside.json()["detail"] and DISTRICT in outside.json()["detail"]
    assert "km away" in outside.json()["detail"]
    unknown = report(town, admin, category="ufo")
    assert unknown.status_code == 422 and "dispute" in unknown.json()["detail"]
    long = report(town, admin, description="x" * 2001)
    assert long.status_code == 422 and "2000" in long.json()["detail"]
    assert report(town, admin, crs="EPSG:99999").status_code == 422
    assert report(town, admin, source="pigeon").status_code == 422
    many = report(town, admin, attachments=[f"a{i}" for i in range(11)])
    assert many.status_code == 422
    assert count(engine, "SELECT count(*) FROM incident") == before


def test_the_same_key_and_body_give_the_same_answer_and_one_row(town, admin) -> None:
    engine, client = town
    key = {**admin, "Idempotency-Key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}
    first = report(town, key, at=IN_HOME, category="traffic")
    again = report(town, key, at=IN_HOME, category="traffic")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    code = first.json()["code"]
    assert count(engine, "SELECT count(*) FROM incident WHERE code = :c", c=code) == 1
    assert count(engine, "SELECT count(*) FROM incident WHERE category = 'traffic'") == 1
    client.post(f"/api/v1/incidents/{code}/transitions", json={"to": "accepted"}, headers=admin)
    assert report(town, key, at=IN_HOME, category="traffic").json() == first.json()
    other = report(town, key, at=IN_HOME, category="traffic", description="另一件事")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert count(engine, "SELECT count(*) FROM incident WHERE category = 'traffic'") == 1


def test_open_incidents_nearby_are_possible_duplicates(town, admin) -> None:
    first = created(report(town, admin, at=IN_NEIGHBOUR, category="street_vending"))
    near = (IN_NEIGHBOUR[0] + 0.0002, IN_NEIGHBOUR[1])  # about 20 m east
    second = created(report(town, admin, at=near, category="street_vending"))
    [duplicate] = second["possible_duplicates"]
    assert duplicate["code"] == first["code"] and 15 < duplicate["distance_m"] < 25
    assert duplicate["status"] == "reported"
    other_kind = created(report(town, admin, at=near, category="exposed_garbage"))
    assert other_kind["possible_duplicates"] == []
    far = (IN_NEIGHBOUR[0] + 0.001, IN_NEIGHBOUR[1])  # about 100 m
    assert (
        created(report(town, admin, at=far, category="street_vending"))["possible_duplicates"] == []
    )


def act(town, headers, code: str, to: str, **extra):
    return town[1].post(
        f"/api/v1/incidents/{code}/transitions", json={"to": to, **extra}, headers=headers
    )


def test_the_workflow_from_report_to_closure(town, admin) -> None:
    engine, client = town
    code = created(report(town, admin))["code"]
    illegal = act(town, admin, code, "closed")
    assert illegal.status_code == 409 and illegal.headers["content-type"] == PROBLEM
    assert illegal.json()["allowed"] == ["accepted", "rejected", "escalated"]
    assert "accepted, rejected, escalated" in illegal.json()["detail"]
    accepted = act(town, admin, code, "accepted").json()
    assert accepted["assignee"] == "W001" and accepted["assigned_unit"] is None  # the grid's
    assert act(town, admin, code, "returned").status_code == 422  # a note is needed
    worker = bearer(engine, "grid_worker", grid_of(engine, HOME))
    assert act(town, worker, code, "dispatched").status_code == 403  # the centre's to do
    for to, who in (("dispatched", admin), ("in_progress", worker), ("resolved", worker),
                    ("verified", worker), ("closed", admin)):  # fmt: skip
        response = act(town, who, code, to, note=f"{to} 完成")
        assert response.status_code == 200, response.text
    final = client.get(f"/api/v1/incidents/{code}", headers=admin).json()
    assert final["status"] == "closed" and final["overdue"] is False
    steps = [(e["action"], e["from_status"], e["to_status"]) for e in final["timeline"]]
    assert steps[0] == ("reported", None, "reported") and len(steps) == 7
    assert steps[-1] == ("closed", "verified", "closed")
    assert final["allowed"] == [{"to": "reopened", "needs_note": True, "needs_assignee": False}]
    outbox = count(engine, "SELECT count(*) FROM event_outbox WHERE subject = :c", c=code)
    assert outbox == 7


def test_overdue_incidents_show_as_such_and_can_be_supervised(town, admin) -> None:
    engine, client = town
    code = created(report(town, admin, at=IN_FAR, category="emergency"))["code"]
    assert act(town, admin, code, "supervised").status_code == 409  # not overdue yet
    expire(engine, code)
    detail = client.get(f"/api/v1/incidents/{code}", headers=admin).json()
    assert detail["overdue"] is True
    assert "supervised" in [a["to"] for a in detail["allowed"]]
    listed = client.get("/api/v1/incidents", params={"overdue": "true"}, headers=admin).json()
    assert code in [i["code"] for i in listed["items"]]
    assert all(i["overdue"] for i in listed["items"])
    stats = client.get("/api/v1/incidents/stats", params={"area": FAR}, headers=admin).json()
    assert stats["overdue"] >= 1 and stats["open"] >= 1
    supervised = act(town, admin, code, "supervised", note="请加快处置").json()
    assert supervised["level"] == "street" and supervised["timeline"][-1]["action"] == "supervised"
    assert supervised["status"] == "reported"


def test_lists_filter_and_page_with_a_cursor(town, admin) -> None:
    _, client = town
    codes = {created(report(town, admin, at=IN_FAR, category="illegal_parking"))["code"]
             for _ in range(5)}  # fmt: skip
    seen: list[str] = []
    params = {"category": "illegal_parking", "limit": 2}
    while True:
        page = client.get("/api/v1/incidents", params=params, headers=admin).json()
        seen += [i["code"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert len(seen) == len(set(seen)) and set(seen) == codes
    narrow = {"area": FAR, "status": ["reported", "accepted"], "urgency": "normal",
              "bbox": "121.32,28.55,121.34,28.56", "since": "2020-01-01",
              "until": "2099-01-01", "category": ["illegal_parking", "x"]}  # fmt: skip
    found = client.get("/api/v1/incidents", params=narrow, headers=admin).json()["items"]
    assert {i["code"] for i in found} == codes
    for params in ({"area": HOME, "category": "illegal_parking"},
                   {"grid": grid_of(town[0], HOME), "category": "illegal_parking"},
                   {"status": "closed", "category": "illegal_parking"}):  # fmt: skip
        assert client.get("/api/v1/incidents", params=params, headers=admin).json()["items"] == []
    bad = client.get("/api/v1/incidents", params={"cursor": "nonsense"}, headers=admin)
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]
    assert client.get("/api/v1/incidents", params={"area": "331004999999"},
                      headers=admin).status_code == 404  # fmt: skip


def test_a_scoped_operator_reports_and_sees_only_their_area(town) -> None:
    engine, client = town
    mine = bearer(engine, "operator", HOME)
    refused = report(town, mine, at=IN_NEIGHBOUR)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert NEIGHBOUR in refused.json()["detail"]
    own = created(report(town, mine, at=IN_HOME))
    theirs = created(report(town, bearer(engine, "admin"), at=IN_NEIGHBOUR))
    assert client.get(f"/api/v1/incidents/{own['code']}", headers=mine).status_code == 200
    assert client.get(f"/api/v1/incidents/{theirs['code']}", headers=mine).status_code == 404
    assert act(town, mine, theirs["code"], "accepted").status_code == 404
    listed = client.get("/api/v1/incidents", params={"limit": 500}, headers=mine).json()["items"]
    assert listed and {i["community_code"] for i in listed} == {HOME}


def test_tiles_and_statistics_see_a_new_incident_at_once(town, admin) -> None:
    _, client = town
    tile = morecantile.tms.get("WebMercatorQuad").tile(*IN_HOME, 16)
    url = f"/tiles/incidents/{tile.z}/{tile.x}/{tile.y}.mvt"
    tag = client.get(url, headers=admin).headers["etag"]
    open_before = client.get(f"/api/v1/areas/{HOME}", headers=admin).json()["stats"]
    new_today = client.get("/api/v1/incidents/stats", params={"area": HOME}, headers=admin).json()
    created(report(town, admin, at=IN_HOME, category="environment"))
    assert client.get(url, headers={**admin, "If-None-Match": tag}).status_code == 200
    assert client.get(url, headers=admin).headers["etag"] != tag
    after = client.get(f"/api/v1/areas/{HOME}", headers=admin).json()["stats"]
    assert after["open_incidents"] == open_before["open_incidents"] + 1
    now = client.get("/api/v1/incidents/stats", params={"area": HOME}, headers=admin).json()
    assert now["new_today"] == new_today["new_today"] + 1 and now["open"] == new_today["open"] + 1
    assert 0 <= (now["closure_rate_week"] or 0) <= 1
