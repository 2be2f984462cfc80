"""The assessment over HTTP: the figures the core computes (checked by hand in
tests/gis/test_assessment_figures.py) answered as they are; the CSV and the Excel
workbook with the same rows; a scoped operator's answer; who may read it; bad parameters
named in a 422; call-backs recorded once, and only on a handled incident."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from api.app import create_app
from gis.assessment import assessment, period
from tests.assessment_town import END, START, build_assessment_town
from tests.common import bearer
from tests.incident_town import DISTRICT, EAST, FAR, HOME, IN_HOME, grid_of

PROBLEM = "application/problem+json"
WEEK = {"from": "2026-10-01", "to": "2026-10-08"}


@pytest.fixture(scope="module")
def town(make_database):
    engine, settings = build_assessment_town(make_database, "wangge_assessment_api")
    with TestClient(create_app(settings)) as client:
        yield engine, client
    engine.dispose()


@pytest.fixture(scope="module")
def admin(town) -> dict[str, str]:
    return bearer(town[0], "admin")


def get(town, headers, path="/api/v1/assessment", **params):
    return town[1].get(path, params=WEEK | {"area": DISTRICT} | params, headers=headers)


def test_the_answer_is_the_core_figures(town, admin) -> None:
    engine, _ = town
    answer = get(town, admin, by="grid")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    with engine.connect() as conn:
        core = assessment(conn, period(conn, DISTRICT, START, END, "grid"))
    assert body["units"] == core["units"] and body["total"] == core["total"]
    home = next(u for u in body["units"] if u["code"] == grid_of(engine, HOME))
    assert home["closure_rate"] == 0.75 and home["accept_p90_h"] == pytest.approx(2.7)
    assert body["from"].startswith("2026-10-01T00:00:00+08:00") and body["by"] == "grid"


def _same(rows: list[list]) -> list[list]:
    """Cells compared as numbers where they are (a workbook reads 10.0 back as 10)."""
    return [[_number(v) for v in row] for row in rows]


def _number(value: object) -> object:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _csv(response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("by", ["grid", "worker"])
def test_the_csv_and_the_workbook_hold_the_same_rows(town, admin, by: str) -> None:
    body = get(town, admin, by=by).json()
    as_csv = _csv(get(town, admin, "/api/v1/assessment.csv", by=by))
    as_xlsx = _xlsx(get(town, admin, "/api/v1/assessment.xlsx", by=by))
    assert _same(as_csv) == _same(as_xlsx)
    header, *rows = as_csv
    assert len(rows) == len(body["units"]) + 1  # and the whole area
    by_code = {r[header.index("code")]: dict(zip(header, r, strict=True)) for r in rows}
    assert by_code["total"]["reported"] == "8" and by_code["total"]["reported_hotline"] == "3"
    for unit in body["units"]:
        row = by_code[unit["code"]]
        assert int(row["reported"]) == unit["reported"]
        assert float(row["patrol_hours"]) == pytest.approx(unit["patrol_hours"], abs=1e-4)


def test_exports_are_downloads(town, admin) -> None:
    response = get(town, admin, "/api/v1/assessment.xlsx", by="street")
    assert response.headers["content-disposition"] == (
        'attachment; filename="assessment-331004000000-street-20261001-20261008.xlsx"'
    )


def test_a_scoped_operator_sees_their_street_only(town) -> None:
    engine, client = town
    east = bearer(engine, "operator", EAST)
    body = client.get("/api/v1/assessment", params=WEEK | {"by": "community"}, headers=east)
    assert body.status_code == 200, body.text
    assert body.json()["area"] == EAST and body.json()["total"]["reported"] == 7
    district = get(town, east, by="grid").json()  # the district, as far as they may see
    assert FAR not in {u["parent_code"] for u in district["units"]}
    assert district["total"]["reported"] == 7
    refused = get(town, east, area=FAR)
    assert refused.status_code == 404 and "outside your scope" in refused.json()["detail"]


@pytest.mark.parametrize("role", ["planner", "analyst", "viewer"])
def test_only_the_command_centre_reads_it(town, role: str) -> None:
    response = get(town, bearer(town[0], role))
    assert response.status_code == 403 and role in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "household"}, "query.by"),
        ({"from": "yesterday"}, "query.from"),
        ({"from": None}, "query.from"),
        ({"area": "3310"}, "query.area"),
        ({"to": "2026-09-01"}, "to"),
        ({"to": "2027-10-08"}, "to"),
    ],
    ids=["by", "from", "no-from", "area", "backwards", "over-a-year"],
)
def test_bad_parameters_are_named(town, admin, params: dict, field: str) -> None:
    query = {k: v for k, v in (WEEK | {"area": DISTRICT} | params).items() if v is not None}
    for path in ("/api/v1/assessment", "/api/v1/assessment.csv", "/api/v1/assessment/trend"):
        response = town[1].get(path, params=query, headers=admin)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert field in [e["field"] for e in response.json()["errors"]]


def test_the_trend_per_day(town, admin) -> None:
    body = get(town, admin, "/api/v1/assessment/trend").json()
    assert body["step"] == "day" and len(body["starts"]) == 7
    home = next(u for u in body["units"] if u["code"] == HOME)
    assert home["reported"] == [1, 1, 1, 1, 1, 0, 0]
    assert home["overdue_rate"] == [0.0, 1.0, 0.0, 1.0, None, None, None]


def test_a_call_back_is_recorded_once_the_incident_is_handled(town, admin) -> None:
    _, client = town
    body = {"category": "sanitation", "lon": IN_HOME[0], "lat": IN_HOME[1],
            "description": "垃圾未及时清运", "source": "hotline"}  # fmt: skip
    code = client.post("/api/v1/incidents", json=body, headers=admin).json()["code"]
    url = f"/api/v1/incidents/{code}/feedback"
    early = client.post(url, json={"satisfaction": 4}, headers=admin)
    assert early.status_code == 409 and "reported" in early.json()["detail"]
    assert client.get(url, headers=admin).status_code == 404
    for to in ("accepted", "dispatched", "in_progress", "resolved"):
        moved = client.post(f"/api/v1/incidents/{code}/transitions", json={"to": to}, headers=admin)
        assert moved.status_code == 200, moved.text
    bad = client.post(url, json={"satisfaction": 6}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.satisfaction"
    done = client.post(url, json={"satisfaction": 4, "note": "回访：已清运"}, headers=admin)
    assert done.status_code == 201, done.text
    assert done.json()["satisfaction"] == 4 and done.json()["note"] == "回访：已清运"
    again = client.post(url, json={"satisfaction": 1}, headers=admin)
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    assert client.get(url, headers=admin).json()["satisfaction"] == 4
    # The note is free text from a call to a resident: not for a grid worker.
    with town[0].connect() as conn:
        grid = conn.execute(text("SELECT g.code FROM incident i JOIN grid g ON g.id = i.grid_id "
                                 "WHERE i.code = :c"), {"c": code}).scalar_one()  # fmt: skip
    worker = client.get(url, headers=bearer(town[0], "grid_worker", grid))
    assert worker.status_code == 200 and worker.json()["note"] is None
    assert client.get(url, headers=admin).json()["note"] == "回访：已清运"
    missing = client.post("/api/v1/incidents/INC0/feedback", json={"satisfaction": 3},
                          headers=admin)  # fmt: skip
    assert missing.status_code == 404
