"""Reads of households' members are limited per user: per minute, per day, and no walks
through the register building by building; a refusal is a 429 problem that says why."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.limits import HouseholdReadLimits
from gis.errors import TooManyRequests
from gis.settings import ApiSettings
from tests.common import bearer

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def homes(engine, sample_city) -> list[tuple[str, str]]:
    """(household, building) pairs: two households in each of four buildings."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                """
                SELECT h.code, b.code FROM household h JOIN building b ON b.id = h.building_id
                WHERE b.id IN (
                    SELECT building_id FROM household GROUP BY building_id
                    HAVING count(*) >= 2 ORDER BY building_id LIMIT 4)
                ORDER BY b.code, h.code
                """
            )
        ).all()
    pairs: list[tuple[str, str]] = []
    for building in dict.fromkeys(b for _, b in rows):
        pairs += [(h, b) for h, b in rows if b == building][:2]
    assert len(pairs) == 8
    return pairs


def client_with(settings, **limits: int) -> TestClient:
    return TestClient(create_app(settings, api_settings=ApiSettings(**limits)))


def read(client: TestClient, household: str, headers: dict) -> int:
    return client.get(f"/api/v1/households/{household}", headers=headers).status_code


def assert_refusal(response, *words: str) -> str:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    wait = int(response.headers["retry-after"])
    detail = response.json()["detail"]
    assert response.json()["title"] == "too many requests"
    assert f"in {wait} s, at " in detail and "UTC" in detail
    assert "bulk exports go through an administrator" in detail
    for word in words:
        assert word in detail, detail
    return detail


def test_a_user_reads_a_few_households_a_minute(settings, engine, homes) -> None:
    with client_with(settings, household_reads_per_minute=3) as client:
        admin, other = bearer(engine, "admin"), bearer(engine, "admin")
        household = homes[0][0]
        assert [read(client, household, admin) for _ in range(3)] == [200] * 3
        refused = client.get(f"/api/v1/households/{household}", headers=admin)
        assert_refusal(refused, "members of 3 households in the last minute",
                       "WANGGE_API_HOUSEHOLD_READS_PER_MINUTE")  # fmt: skip
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert read(client, household, other) == 200  # the limit is per user


def test_and_so_many_a_day(settings, engine, homes) -> None:
    with client_with(settings, household_reads_per_day=4) as client:
        user = bearer(engine, "admin")
        assert [read(client, h, user) for h, _ in homes[:4]] == [200] * 4
        refused = client.get(f"/api/v1/households/{homes[4][0]}", headers=user)
        assert_refusal(refused, "4 households in the last 24 hours", "READS_PER_DAY")
        assert 60 < int(refused.headers["retry-after"]) <= 86_400


def test_a_walk_through_buildings_is_refused(settings, engine, homes) -> None:
    with client_with(settings, household_buildings_per_hour=2) as client:
        user = bearer(engine, "admin")
        # Both households of each of two buildings: two buildings counted.
        assert [read(client, h, user) for h, _ in homes[:4]] == [200] * 4
        refused = client.get(f"/api/v1/households/{homes[4][0]}", headers=user)
        detail = assert_refusal(refused, "households in 2 different buildings in the last hour",
                                "walk through the register", "BUILDINGS_PER_HOUR")  # fmt: skip
        assert re.search(r"already opened this hour can still be read", detail)
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert read(client, homes[1][0], user) == 200  # a building already opened
        assert read(client, homes[5][0], user) == 429


def test_refused_reads_are_not_counted_and_403_comes_first(settings, engine, homes) -> None:
    with client_with(settings, household_reads_per_minute=1) as client:
        user = bearer(engine, "admin")
        assert read(client, homes[0][0], user) == 200
        assert [read(client, homes[0][0], user) for _ in range(3)] == [429] * 3
        analyst = bearer(engine, "analyst")
        assert read(client, homes[0][0], analyst) == 403  # not allowed at all: no 429


def test_unknown_households_count_as_reads(settings, engine) -> None:
    with client_with(settings, household_reads_per_minute=2) as client:
        user = bearer(engine, "admin")
        assert [read(client, "NOPE", user) for _ in range(3)] == [404, 404, 429]


def test_the_limits_count_per_user_and_building() -> None:
    limits = HouseholdReadLimits(ApiSettings(household_buildings_per_hour=2))
    for building in ("B1", "B1", "B2", "B2", None):
        limits.count(1, building)
    with pytest.raises(TooManyRequests) as refused:
        limits.count(1, "B3")
    assert 3590 <= refused.value.retry_after_s <= 3600
    limits.count(2, "B3")  # another user
    limits.count(1, "B1")


def test_the_openapi_documents_the_429(settings) -> None:
    spec = create_app(settings).openapi()
    responses = spec["paths"]["/api/v1/households/{code}"]["get"]["responses"]
    assert "Retry-After" in responses["429"]["headers"]
    assert "administrator" in responses["429"]["description"]
    assert "429" not in spec["paths"]["/api/v1/buildings/{code}"]["get"]["responses"]
