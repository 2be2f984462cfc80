"""Open311 GeoReport v2 round trips: services, a request posted as a form and as JSON,
read back by id and by filters, and its status following the richer workflow."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from tests.common import bearer
from tests.incident_town import IN_B001, IN_FAR, IN_HOME, OUTSIDE, build_town

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def town(make_database):
    engine, settings = build_town(make_database, "wangge_open311")
    with TestClient(create_app(settings)) as client:
        client.headers.update(bearer(engine, "operator"))
        yield engine, client
    engine.dispose()


def post(client, at=IN_HOME, as_json: bool = False, **fields):
    body = {"service_code": "street_light", "lat": str(at[1]), "long": str(at[0]),
            "description": "路灯不亮", **fields}  # fmt: skip
    if as_json:
        return client.post("/open311/v2/requests.json", json=body)
    return client.post("/open311/v2/requests.json", data=body)


def posted(response) -> str:
    assert response.status_code == 201, response.text
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["service_notice"].startswith("expected by")
    return answer["service_request_id"]


def one(client, code: str) -> dict:
    response = client.get(f"/open311/v2/requests/{code}.json")
    assert response.status_code == 200, response.text
    [request] = response.json()
    return request


def test_the_services_are_the_catalogue(town) -> None:
    services = town[1].get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"street_light", "fire_hazard", "dispute"} <= codes
    light = next(s for s in services if s["service_code"] == "street_light")
    assert light["service_name"] == "路灯" and light["group"] == "公用设施"
    assert light["metadata"] is False and light["type"] == "realtime"


def test_a_form_request_round_trips_and_follows_the_workflow(town) -> None:
    engine, client = town
    code = posted(post(client, at=IN_B001, phone="13912345678",
                       media_url="https://img.example/lamp.jpg", first_name="张"))  # fmt: skip
    request = one(client, code)
    assert request["status"] == "open" and request["service_code"] == "street_light"
    assert request["status_notes"] == "reported (已上报)"
    assert request["lat"] == pytest.approx(IN_B001[1]) and request["long"] == pytest.approx(
        IN_B001[0]
    )
    assert request["address_id"] == "B001" and request["address"] == "地址1"
    assert request["media_url"] == "https://img.example/lamp.jpg"
    assert request["expected_datetime"] and request["requested_datetime"]
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT source::text, reporter_contact_masked, "
                 "pgp_sym_decrypt(reporter_contact_enc, 'test-secret-key') FROM incident "
                 "WHERE code = :c"), {"c": code}
        ).one()  # fmt: skip
    assert tuple(row) == ("citizen", "139******78", "13912345678")
    for to in ("accepted", "dispatched", "in_progress", "resolved"):
        body = {"to": to, "note": "已更换灯泡" if to == "resolved" else None}
        response = client.post(f"/api/v1/incidents/{code}/transitions", json=body)
        assert response.status_code == 200, response.text
        if to == "dispatched":
            assert one(client, code)["status_notes"] == "dispatched (已派遣)"
    done = one(client, code)
    assert done["status"] == "closed" and done["status_notes"] == "resolved (已处置): 已更换灯泡"
    assert done["agency_responsible"] == "路灯管理所"  # no grid worker: the unit
    assert done["updated_datetime"] > done["requested_datetime"]


def test_a_json_request_and_the_filters(town) -> None:
    _, client = town
    first = posted(post(client, as_json=True, at=IN_FAR, service_code="manhole_cover",
                        email="someone@example.org"))  # fmt: skip
    second = posted(post(client, at=IN_FAR, service_code="manhole_cover"))
    by_ids = client.get("/open311/v2/requests.json",
                        params={"service_request_id": f"{first},{second}"}).json()  # fmt: skip
    assert {r["service_request_id"] for r in by_ids} == {first, second}
    by_code = client.get("/open311/v2/requests.json",
                         params={"service_code": "manhole_cover", "status": "open",
                                 "start_date": "2020-01-01T00:00:00Z"}).json()  # fmt: skip
    assert {r["service_request_id"] for r in by_code} == {first, second}
    closed = client.get(
        "/open311/v2/requests.json", params={"service_code": "manhole_cover", "status": "closed"}
    ).json()
    assert closed == []
    window = client.get("/open311/v2/requests.json",
                        params={"service_code": "manhole_cover",
                                "end_date": "2020-01-01T00:00:00+08:00"}).json()  # fmt: skip
    assert window == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lat": None, "long": None}, "lat and long"),
        ({"service_code": "ufo"}, "street_light"),
        ({"lat": "91"}, "lat"),
    ],
    ids=["no-point", "unknown-service", "bad-lat"],
)
def test_bad_requests_are_problems(town, fields, message) -> None:
    _, client = town
    body = {"service_code": "street_light", "lat": IN_HOME[1], "long": IN_HOME[0], **fields}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post("/open311/v2/requests.json", data=body)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert message in response.text


def test_outside_and_unknown_are_refused(town) -> None:
    _, client = town
    outside = post(client, at=OUTSIDE)
    assert outside.status_code == 422 and "测试区" in outside.json()["detail"]
    missing = client.get("/open311/v2/requests/INC2099000001.json")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    text_body = client.post("/open311/v2/requests.json", content=b"x",
                            headers={"content-type": "text/plain"})  # fmt: skip
    assert text_body.status_code == 422
