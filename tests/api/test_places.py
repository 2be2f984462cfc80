"""Drill-down below the areas: buildings, households with masked personal data, search."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from tests.common import signed_in


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


@pytest.fixture(scope="module")
def a_home(engine):
    """A building with households and people in it."""
    with engine.connect() as conn:
        return (
            conn.execute(
                text(
                    """
                SELECT b.code AS building, c.code AS community, h.code AS household
                FROM household h JOIN building b ON b.id = h.building_id
                JOIN area c ON c.id = b.community_id
                WHERE EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id)
                ORDER BY h.code LIMIT 1
                """
                )
            )
            .mappings()
            .one()
        )


def test_drill_down_from_district_to_person(client, a_home) -> None:
    district = client.get("/api/v1/areas/331004000000").json()
    street_code = a_home["community"][:9] + "000"
    assert street_code in [c["code"] for c in district["children"]]
    street = client.get(f"/api/v1/areas/{street_code}").json()
    assert a_home["community"] in [c["code"] for c in street["children"]]
    community = client.get(f"/api/v1/areas/{a_home['community']}").json()
    assert community["grids"] == []  # no plan is published in this database
    buildings = client.get(
        "/api/v1/buildings", params={"community": a_home["community"], "limit": 500}
    ).json()
    assert buildings["total"] == community["stats"]["buildings"]
    assert a_home["building"] in [b["code"] for b in buildings["items"]]
    building = client.get(f"/api/v1/buildings/{a_home['building']}").json()
    assert a_home["household"] in [h["code"] for h in building["households"]]
    assert building["community_code"] == a_home["community"]
    household = client.get(f"/api/v1/households/{a_home['household']}").json()
    assert household["persons"] and household["building_code"] == a_home["building"]


def test_personal_data_is_masked_and_the_read_audited(client, engine, a_home) -> None:
    response = client.get(f"/api/v1/households/{a_home['household']}")
    assert response.status_code == 200, response.text
    name = client.get("/api/v1/me").json()["name"]
    for person in response.json()["persons"]:
        assert re.fullmatch(r"\d{2}\*{15}[\dX]", person["id_number"])
        assert re.fullmatch(r"1\d{2}\*{6}\d{2}", person["phone"])
    assert "id_number_enc" not in response.text
    with engine.connect() as conn:
        actor = conn.execute(
            text("SELECT actor FROM audit_log WHERE object_id = :code ORDER BY id DESC LIMIT 1"),
            {"code": a_home["household"]},
        ).scalar()
    assert actor == name


def test_building_pages_walk_the_whole_list(client, a_home) -> None:
    seen, offset = [], 0
    while offset is not None:
        body = client.get(
            "/api/v1/buildings",
            params={"community": a_home["community"], "limit": 2, "offset": offset},
        ).json()
        seen += [b["code"] for b in body["items"]]
        offset = body["next_offset"]
    assert len(seen) == len(set(seen)) == body["total"]


def test_buildings_in_a_box(client, engine) -> None:
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM building LIMIT 1")
        ).one()
    bbox = f"{lon - 0.005},{lat - 0.005},{lon + 0.005},{lat + 0.005}"
    body = client.get("/api/v1/buildings", params={"bbox": bbox}).json()
    assert body["total"] >= 1
    assert all(abs(b["lon"] - lon) < 0.006 and abs(b["lat"] - lat) < 0.006 for b in body["items"])


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "name a community, a grid or a bbox"),
        ({"bbox": "121,28,122,29"}, "more than the 100 km² a list may cover"),
        ({"bbox": "121,28,120,29"}, "min < max"),
        ({"bbox": "a,b,c"}, "must be four numbers"),
        ({"community": "331004001001", "limit": 501}, "query.limit"),
    ],
    ids=["unbounded", "too-large", "inverted", "malformed", "limit"],
)
def test_unbounded_or_bad_lists_are_refused(client, params: dict, detail: str) -> None:
    response = client.get("/api/v1/buildings", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_search_by_code_name_and_address(client, a_home, sample_city) -> None:
    by_code = client.get("/api/v1/search", params={"q": a_home["building"]}).json()
    assert by_code[0]["code"] == a_home["building"] and by_code[0]["type"] == "building"
    name = sample_city.areas.set_index("code").loc[a_home["community"], "name"]
    by_name = client.get("/api/v1/search", params={"q": name}).json()
    assert by_name[0]["code"] == a_home["community"]
    street = client.get("/api/v1/search", params={"q": "路桥街道"}).json()
    assert street[0]["type"] == "area" and street[0]["level"] == "street"
    percent = client.get("/api/v1/search", params={"q": "%"}).json()
    assert percent == []


@pytest.mark.parametrize(
    "url",
    ["/api/v1/buildings/NOPE", "/api/v1/households/NOPE"],
    ids=["building", "household"],
)
def test_unknown_codes_are_404(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]
