"""Schemathesis over /openapi.json against a live server: no request, however odd, gets
a server error, an undocumented status, or a body that breaks its documented schema.

A real uvicorn serves the app on a database of its own (a small sample city, a
published plan and a draft one), and the schemathesis CLI runs every phase
(examples, coverage, fuzzing, stateful) with every check, a bounded number of
examples per operation and a fixed seed. Dictionaries of real codes, plan ids and
tiles let part of the generated requests reach the core instead of a 404.

``WANGGE_FUZZ_EXAMPLES`` and ``WANGGE_FUZZ_SEED`` run it longer or differently.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.app import create_app
from gis.db.migrate import upgrade
from gis.settings import DatabaseSettings
from tests.common import TEST_KEY, bearer, live_server

STREET = "331004001000"
EXAMPLES = int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("WANGGE_FUZZ_SEED", "20261130"))
# Plans get ids from here, out of reach of the small integers a fuzzer tries first,
# so the draft the edits work on is not published by a random POST .../publish.
FIRST_PLAN_ID = 7919
# Operations that queue a job: thousands of them would only fill the queue (no worker
# runs here). Their checks come before the job and are tested in test_plans and
# test_analyses; every other operation is fuzzed.
JOB_CREATING = [
    "POST /api/v1/plans",
    "POST /api/v1/plans/{plan_id}/report",
    "POST /api/v1/plans/import",
    "POST /api/v1/analyses/hotspots",
    "POST /api/v1/cameras/siting",
]
# The findings the proof is about, by schemathesis' failure codes (`st explain CODE`).
SERVER_ERRORS = ("ST101", "ST102")  # a 5xx, also for an undeclared Content-Type
SCHEMA_VIOLATIONS = ("ST108", "ST107", "ST105")  # the body, required headers, media type
UNDOCUMENTED_STATUS = "ST103"


@pytest.fixture(scope="module")
def fuzz_city(make_database) -> Iterator[tuple[DatabaseSettings, dict]]:
    """A database of its own: the fuzzer publishes and edits plans."""
    from gis.load.sample import load_city
    from gis.partition import Rules
    from gis.partition.publish import publish_plan
    from gis.partition.store import create_plan
    from gis.synth import generate_city

    url = make_database("wangge_fuzz")
    engine = create_engine(url)
    upgrade(engine)
    settings = DatabaseSettings(database_url=url, secret_key=TEST_KEY)
    load_city(engine, settings, generate_city("331004", seed=7, scale=0.02), say=lambda _: None)
    with engine.begin() as conn:
        conn.execute(text(f"ALTER SEQUENCE grid_plan_id_seq RESTART WITH {FIRST_PLAN_ID}"))
    rules = Rules(min_households=20, max_households=50)
    published = create_plan(engine, STREET, name="fuzz published", rules=rules, seed=1)
    publish_plan(engine, published)
    draft = create_plan(engine, STREET, name="fuzz draft", rules=rules, seed=2)
    with engine.connect() as conn:

        def codes(sql: str) -> list[str]:
            return [row[0] for row in conn.execute(text(sql + " ORDER BY 1 LIMIT 4"))]

        # The draft's community with most grids: its grids merge, its buildings move.
        busiest = (
            f"(SELECT community_id FROM grid WHERE plan_id = {draft} "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)"
        )
        facts = {
            "plans": [draft, published],
            "communities": codes("SELECT code FROM area WHERE level = 'community'"),
            "buildings": codes(f"SELECT code FROM building WHERE community_id = {busiest}"),
            "households": codes("SELECT code FROM household"),
            "grids": codes(f"SELECT code FROM grid WHERE plan_id = {published}"),
            "draft_grids": codes(
                f"SELECT code FROM grid WHERE plan_id = {draft} AND community_id = {busiest}"
            ),
        }
    facts["authorization"] = bearer(engine)["Authorization"]  # an admin: every route open
    engine.dispose()
    yield settings, facts


@pytest.fixture(scope="module")
def live(fuzz_city) -> Iterator[str]:
    settings, _ = fuzz_city
    with live_server(create_app(settings)) as url:
        yield url


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string or list is TOML too


def schemathesis_config(facts: dict) -> str:
    """The run's configuration: what to fuzz, the real values to mix in, and where the
    checks' defaults do not fit this API (each case says why)."""
    x, y = _tile(121.40, 28.58, 14)  # the sample district, Luqiao
    dictionaries = {
        "plans": facts["plans"],
        "etags": ["*", f'"plan-{facts["plans"][0]}-v1"', 'W/"plan-1-v1"'],
        "communities": facts["communities"],
        "buildings": facts["buildings"],
        "households": facts["households"],
        "grids": facts["grids"],
        "draft_grids": facts["draft_grids"],
        "zooms": [14],
        "xs": [x],
        "ys": [y],
    }
    lines = [
        "[generation]",
        f"max-examples = {EXAMPLES}",
        'database = "none"',
        "",
        "[checks]",
        "enabled = true",
        "",
    ]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(values)}", ""]

    def operations(names: list[str], settings: dict[str, object]) -> None:
        lines.append("[[operations]]")
        lines.append(f"include-name = {_toml(names)}")
        lines.extend(f"{key} = {value}" for key, value in settings.items())
        lines.append("")

    def bind(dictionary: str, probability: float = 0.5) -> str:
        return f'{{ dictionary = "{dictionary}", probability = {probability} }}'

    operations(JOB_CREATING, {"enabled": "false"})
    # A schema cannot say that one of community, grid and bbox is required, how large
    # a box may be, that x and y run below 2^z, or that since comes before until:
    # such schema-valid requests are refused with a 422 problem that says so.
    operations(
        ["GET /api/v1/buildings"],
        {
            "checks.positive_data_acceptance.expected-statuses": '["2xx", "404", "422"]',
            'parameters."query.community"': bind("communities"),
            'parameters."query.grid"': bind("grids"),
        },
    )
    operations(
        ["GET /tiles/{layer}/{z}/{x}/{y}.mvt", "GET /tiles/kde/{surface_id}/{z}/{x}/{y}.png"],
        {
            "checks.positive_data_acceptance.expected-statuses": '["2xx", "3xx", "404", "422"]',
            'parameters."path.z"': bind("zooms"),
            'parameters."path.x"': bind("xs"),
            'parameters."path.y"': bind("ys"),
            'parameters."query.plan"': bind("plans"),
        },
    )
    # Incidents: no schema can say that a category must be one of the catalogue's, that a
    # point must fall in a served district, or that an area or grid code must exist;
    # such schema-valid requests are refused with a 404 or 422 problem that says which.
    operations(
        [
            "GET /api/v1/incidents",
            "GET /api/v1/stream",
            "POST /api/v1/incidents",
            "POST /open311/v2/requests.json",
        ],
        {"checks.positive_data_acceptance.expected-statuses": '["2xx", "404", "422"]'},
    )
    # The assessment: no schema can say that `to` comes after `from` and at most a year
    # on, or that an area must exist (and lie in the reader's scope): a 422 or a 404.
    operations(
        [
            "GET /api/v1/assessment",
            "GET /api/v1/assessment.csv",
            "GET /api/v1/assessment.xlsx",
            "GET /api/v1/assessment/trend",
        ],
        {
            "checks.positive_data_acceptance.expected-statuses": '["2xx", "404", "422"]',
            'parameters."query.area"': bind("communities"),
        },
    )
    # Workers: no schema can say that a position is at most 7 days old and not in the
    # future, or that a day lies in 2000-2100: a 422 naming the index and field.
    operations(
        [
            "POST /api/v1/workers/{code}/positions",
            "GET /api/v1/workers/{code}/track",
            "GET /api/v1/workers/patrol",
            "GET /api/v1/workers/patrol/grids",
        ],
        {"checks.positive_data_acceptance.expected-statuses": '["2xx", "404", "422"]'},
    )
    # Coverage: no schema can say that an area holds at most 250 grids, or that a
    # period runs forward and spans at most 366 days: a 422 naming the parameter.
    operations(
        ["GET /api/v1/coverage", "GET /api/v1/coverage/blind-spots"],
        {"checks.positive_data_acceptance.expected-statuses": '["2xx", "404", "422"]'},
    )
    # Edits: no schema knows the plan's current version (412) or that If-Match is
    # needed (428), and the preconditions are checked before the body's content is
    # (RFC 9110 §13.2.2), so a bad line can meet a 412 first. A grid of another
    # community, or merged with itself, is a 422; an edit changing a locked grid a 409.
    edits = {
        "checks.positive_data_acceptance.expected-statuses": (
            '["2xx", "404", "409", "412", "422", "428"]'
        ),
        "checks.negative_data_rejection.expected-statuses": (
            '["400", "404", "409", "412", "413", "422", "428"]'
        ),
        'parameters."path.plan_id"': bind("plans", 0.7),
        'parameters."header.if-match"': bind("etags", 0.7),
        'parameters."body.grid"': bind("draft_grids"),
        'parameters."body.grids[*]"': bind("draft_grids"),
        'parameters."body.buildings[*]"': bind("buildings"),
    }
    operations(
        [
            "POST /api/v1/plans/{plan_id}/edits/move",
            "POST /api/v1/plans/{plan_id}/edits/split",
            "POST /api/v1/plans/{plan_id}/edits/merge",
            "POST /api/v1/plans/{plan_id}/edits/lock",
            "POST /api/v1/plans/{plan_id}/edits/rebalance",
            "POST /api/v1/plans/{plan_id}/edits/reassign",
        ],
        edits,
    )
    for name, dictionary in (
        ("GET /api/v1/areas/{code}", "communities"),
        ("GET /api/v1/buildings/{code}", "buildings"),
        ("GET /api/v1/households/{code}", "households"),
        ("GET /api/v1/grids/{code}", "grids"),
    ):
        operations([name], {'parameters."path.code"': bind(dictionary)})
    for name in (
        "GET /api/v1/plans/{plan_id}",
        "GET /api/v1/plans/{plan_id}/report",
        "GET /api/v1/plans/{plan_id}/diff",
    ):
        operations([name], {'parameters."path.plan_id"': bind("plans")})
    return "\n".join(lines)


def test_schemathesis_finds_no_server_error_schema_violation_or_undocumented_status(
    live: str, fuzz_city, tmp_path: Path
) -> None:
    _, facts = fuzz_city
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(facts))
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", f"{live}/openapi.json", "--header", f"Authorization: {facts['authorization']}",
        "--phases", "examples,coverage,fuzzing,stateful", "--checks", "all",
        "--seed", str(SEED), "--workers", "1", "--request-timeout", "30",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    output = run.stdout[-20_000:] + run.stderr[-5_000:]
    assert report.exists(), output
    result = json.loads(report.read_text())

    found = Counter()
    for failure in result["failures"]:
        found[failure.get("code", failure.get("title"))] += failure.get("count", 1)
    assert sum(found[code] for code in SERVER_ERRORS) == 0, output
    assert sum(found[code] for code in SCHEMA_VIOLATIONS) == 0, output
    assert found[UNDOCUMENTED_STATUS] == 0, output
    assert not result["failures"], f"{dict(found)}\n{output}"  # nor any other check
    assert not result["errors"], output
    assert run.returncode == 0, output
    phases = {name: phase["status"] for name, phase in result["phases"].items()}
    assert phases == dict.fromkeys(("examples", "coverage", "fuzzing", "stateful"), "success")
    operations = result["operations"]
    assert operations["tested"] == operations["selected"] == operations["total"] - len(JOB_CREATING)
    assert result["test_cases"]["generated"] >= 10 * operations["tested"]


def test_a_100_mb_body_is_refused_before_it_is_read(live: str) -> None:
    host, port = live.removeprefix("http://").split(":")
    head = (
        "POST /api/v1/plans HTTP/1.1\r\nHost: wangge\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * 2**20}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head.encode() + b"{" + b" " * 65536)  # the other 99.9 MB never come
        response = conn.recv(65536)
    assert response.startswith(b"HTTP/1.1 413"), response[:300]
    assert b"application/problem+json" in response and b"1,048,576 bytes" in response
