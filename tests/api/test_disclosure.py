"""Small counts of persons and households are withheld from roles without households:read:
area and grid statistics as the API serves them, and the rule itself."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from gis.db.migrate import upgrade
from gis.load import load_frame
from gis.partition import Rules
from gis.partition.publish import publish_plan
from gis.partition.store import create_plan
from gis.places.disclosure import MIN_COUNT, suppress, suppress_siblings, withheld_from
from gis.settings import DatabaseSettings
from tests.common import TEST_KEY, bearer, small_areas, small_buildings, small_people

STREET, SMALL, LARGE = "331004001000", "331004001001", "331004001002"
PERSON_COUNTS = {"households", "persons"}


@pytest.fixture(scope="module")
def town(make_database):
    """Communities of 10 persons each, but one (SMALL, buildings B001-B002) of only 3, one
    person a household; a published plan of SMALL's grids."""
    url = make_database("wangge_disclosure")
    engine = create_engine(url)
    upgrade(engine)
    households, persons = small_people(40, seed=2)
    small = households["building_code"].isin(["B001", "B002"])
    keep = ~small | (households.index.isin(households[small].index[:3]))
    load_frame(engine, "areas", small_areas())
    load_frame(engine, "buildings", small_buildings())
    load_frame(engine, "households", households[keep])
    load_frame(engine, "persons", persons[keep.to_numpy()], key=TEST_KEY)
    plan = create_plan(engine, SMALL, name="small", rules=Rules(1, 100_000))
    publish_plan(engine, plan, published_by="test")
    settings = DatabaseSettings(database_url=url, secret_key=TEST_KEY)
    with TestClient(create_app(settings)) as client:
        yield engine, client
    engine.dispose()


def get(town, url: str, role: str) -> dict:
    engine, client = town
    response = client.get(url, headers=bearer(engine, role))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ["analyst", "viewer", "planner", "operator"])
def test_small_counts_are_withheld_with_a_sibling(town, role: str) -> None:
    street = get(town, f"/api/v1/areas/{STREET}", role)
    children = {c["code"]: c["stats"] for c in street["children"]}
    small, large = children[SMALL], children[LARGE]
    assert small["households"] is None and small["persons"] is None
    assert set(small["suppressed"]) >= PERSON_COUNTS
    # Else the street's 13 less the other community's 10 would give the 3.
    assert large["persons"] is None and "persons" in large["suppressed"]
    assert street["stats"]["persons"] == 13 and "persons" not in street["stats"]["suppressed"]
    assert small["buildings"] == 2 and small["communities"] == 1  # not about persons: shown
    assert small["floating_persons"] is None  # none is withheld too: a null never says zero
    community = get(town, f"/api/v1/areas/{SMALL}", role)
    assert community["stats"]["persons"] is None and community["grids"]


def test_readers_of_households_see_every_count(town) -> None:
    street = get(town, f"/api/v1/areas/{STREET}", "admin")
    children = {c["code"]: c["stats"] for c in street["children"]}
    assert children[SMALL]["persons"] == 3 and children[LARGE]["persons"] == 10
    assert all(c["stats"]["suppressed"] == [] for c in street["children"])
    assert street["stats"]["suppressed"] == []


def test_grid_statistics_withhold_small_counts(town) -> None:
    engine, _ = town
    with engine.connect() as conn:
        codes = conn.execute(text("SELECT code FROM grid ORDER BY code")).scalars().all()
    for code in codes:
        withheld = get(town, f"/api/v1/grids/{code}", "viewer")["stats"]
        shown = get(town, f"/api/v1/grids/{code}", "admin")["stats"]
        assert shown["suppressed"] == []
        for field in ("households", "persons", "floating_persons"):
            small = shown[field] < MIN_COUNT
            assert (withheld[field] is None) == small and (field in withheld["suppressed"]) == small
        assert withheld["buildings"] == shown["buildings"]


def test_the_rule() -> None:
    assert withheld_from("analyst") and withheld_from("viewer") and withheld_from("planner")
    assert not withheld_from("admin") and not withheld_from("grid_worker")
    assert suppress({"persons": 5, "households": 4})["suppressed"] == ["households"]
    assert suppress({"persons": 0})["persons"] is None
    # Two withheld already: no partner needed; none withheld: nothing changes.
    rows = suppress_siblings([{"persons": 1}, {"persons": 2}, {"persons": 50}])
    assert [r["persons"] for r in rows] == [None, None, 50]
    rows = suppress_siblings([{"persons": 6}, {"persons": 50}])
    assert [r["suppressed"] for r in rows] == [[], []]
    # The partner is the smallest count shown, and only the withheld field goes.
    rows = suppress_siblings([{"persons": 3, "cameras": 1}, {"persons": 40}, {"persons": 8}])
    assert [r["persons"] for r in rows] == [None, 40, None] and rows[0]["cameras"] == 1
