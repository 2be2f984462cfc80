"""Response schemas: every route documents its body, the pages read only fields the
schemas have, and the models hand the core's values through unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import text
from starlette.routing import Mount

from api.app import create_app
from api.schemas.areas import AreaStats
from gis.places.areas import STAT_FIELDS, area_detail, area_tree
from gis.places.buildings import building_detail, list_buildings
from gis.places.households import household_detail
from gis.places.paging import PageRequest
from gis.places.search import search
from tests.api.page_reads import page_reads
from tests.common import signed_in

STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
PAGE = STATIC / "drilldown.js"

# What each page script fetches with api() (``${...}`` as *, no query) → the route and the
# schema of its body. A script that fetches nothing (the command page's list, pins and
# stream modules are handed their values) is not listed.
SCRIPTS = {
    "drilldown.js": {
        "/api/v1/areas": ("/api/v1/areas", "list[AreaNode]"),
        "/api/v1/areas/*": ("/api/v1/areas/{code}", "AreaDetail"),
        "/api/v1/grids/*": ("/api/v1/grids/{code}", "GridDetail"),
        "/api/v1/buildings": ("/api/v1/buildings", "BuildingPage"),
        "/api/v1/buildings/*": ("/api/v1/buildings/{code}", "BuildingDetail"),
        "/api/v1/households/*": ("/api/v1/households/{code}", "HouseholdDetail"),
        "/api/v1/search": ("/api/v1/search", "list[SearchResult]"),
    },
    "command.js": {
        "/api/v1/areas": ("/api/v1/areas", "list[AreaNode]"),
        "/api/v1/areas/*": ("/api/v1/areas/{code}", "AreaDetail"),
        "/api/v1/incident-categories": ("/api/v1/incident-categories", "list[Category]"),
        "/api/v1/incidents": ("/api/v1/incidents", "IncidentPage"),
        "/api/v1/incidents/stats": ("/api/v1/incidents/stats", "IncidentStats"),
    },
    "incident-panel.js": {
        "/api/v1/incidents/*": ("/api/v1/incidents/{code}", "IncidentDetail"),
    },
    "camera-player.js": {
        "/api/v1/incidents/*/cameras": ("/api/v1/incidents/{code}/cameras", "IncidentCameras"),
    },
    "assessment-panel.js": {
        "/api/v1/assessment": ("/api/v1/assessment", "Assessment"),
        "/api/v1/assessment/trend": ("/api/v1/assessment/trend", "Trend"),
    },
    "worker-layer.js": {
        "/api/v1/workers": ("/api/v1/workers", "WorkerList"),
    },
    "patrol-layer.js": {
        "/api/v1/workers/patrol/grids": ("/api/v1/workers/patrol/grids", "GridPatrolList"),
    },
    "worker-dispatch.js": {
        "/api/v1/incidents/*/workers": ("/api/v1/incidents/{code}/workers", "NearestWorkers"),
    },
    "planner.js": {
        "/api/v1/areas": ("/api/v1/areas", "list[AreaNode]"),
    },
    "plan-compare.js": {
        "/api/v1/plans/*/diff": ("/api/v1/plans/{plan_id}/diff", "PlanDiff"),
    },
}
# What the planner page reads where the reader of scripts cannot follow it (answers
# fetched together, kept in the page's state, or sent with If-Match by plan-edits.js).
PLANNER_READS = [
    ("/api/v1/plans", "get", ("[]", "id")), ("/api/v1/plans", "get", ("[]", "name")),
    ("/api/v1/plans", "get", ("[]", "status")), ("/api/v1/plans", "get", ("[]", "grids")),
    ("/api/v1/plans/{plan_id}", "get", ("id",)), ("/api/v1/plans/{plan_id}", "get", ("version",)),
    ("/api/v1/plans/{plan_id}", "get", ("status",)),
    ("/api/v1/plans/{plan_id}", "get", ("parameters",)),
    ("/api/v1/plans/{plan_id}", "get", ("grids", "features")),
    ("/api/v1/plans/{plan_id}/report", "get", ("issues", "[]", "severity")),
    ("/api/v1/plans/{plan_id}/report", "get", ("issues", "[]", "grid")),
    ("/api/v1/plans/{plan_id}/report", "get", ("issues", "[]", "rule")),
    ("/api/v1/plans/{plan_id}/report", "get", ("issues", "[]", "message")),
    ("/api/v1/plans/{plan_id}/buildings", "get", ("features",)),
    ("/api/v1/plans/{plan_id}/edits/move", "post", ("version",)),
    ("/api/v1/plans/{plan_id}/edits/split", "post", ("grids_now", "[]", "code")),
    ("/api/v1/plans/{plan_id}/edits/merge", "post", ("ok",)),
    ("/api/v1/plans/{plan_id}/edits/merge", "post", ("broken_rules", "map")),
    ("/api/v1/plans/{plan_id}/edits/lock", "post", ("version",)),
    ("/api/v1/plans/{plan_id}/edits/rebalance", "post", ("version",)),
    ("/api/v1/plans/{plan_id}/edits/reassign", "post", ("version",)),
    ("/api/v1/plans/import", "post", ("id",)), ("/api/v1/plans/import", "post", ("status",)),
    ("/api/v1/plans/import", "post", ("progress", "done")),
    ("/api/v1/plans", "post", ("id",)), ("/api/v1/plans", "post", ("status",)),
    ("/api/v1/jobs/{job_id}", "get", ("progress", "done")),
    ("/api/v1/jobs/{job_id}", "get", ("progress", "total")),
    ("/api/v1/jobs/{job_id}", "get", ("error", "detail")),
]  # fmt: skip
FETCHES = SCRIPTS["drilldown.js"]
# Members JavaScript gives arrays and plain values, read after a field.
ARRAY_MEMBERS = {
    "length", "forEach", "map", "filter", "find", "some", "every", "flatMap", "join", "slice",
}  # fmt: skip
VALUE_MEMBERS = {"length", "toFixed", "toLocaleString", "toString", "trim", "split"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app().openapi()


@pytest.fixture(scope="module")
def page() -> tuple[set[str], set[tuple[str, tuple[str, ...]]]]:
    return page_reads(PAGE.read_text())


def body_schema(spec: dict, path: str, method: str = "get") -> dict:
    responses = spec["paths"][path][method]["responses"]
    ok = next(r for code, r in responses.items() if code.startswith("2"))
    return ok["content"]["application/json"]["schema"]


def deref(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    options = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
    return deref(spec, options[0]) if len(options) == 1 else schema


def schema_name(schema: dict) -> str:
    if schema.get("type") == "array":
        return f"list[{schema_name(schema['items'])}]"
    return schema.get("$ref", "?").rsplit("/", 1)[1]


def check_read(spec: dict, schema: dict, path: tuple[str, ...]) -> str | None:
    """Why the schema lacks what ``path`` reads, or None when it has it."""
    node = deref(spec, schema)
    for i, step in enumerate(path):
        where = ".".join(path[:i]) or "the body"
        if "anyOf" in node:  # a read must hold for every kind of value the field takes
            return next((e for s in node["anyOf"] if (e := check_read(spec, s, path[i:]))), None)
        kind = node.get("type")
        if step == "[]":
            if kind != "array":
                return f"{where} is not an array"
            node = deref(spec, node["items"])
        elif kind == "array":
            return None if step in ARRAY_MEMBERS else f"{where} is an array, without {step!r}"
        elif kind in ("string", "number", "integer", "boolean"):
            return None if step in VALUE_MEMBERS else f"{where} is a {kind}, without {step!r}"
        elif "properties" in node:
            if step not in node["properties"]:
                return f"{where} has no field {step!r}"
            node = deref(spec, node["properties"][step])
        else:
            return None  # free-form (GeoJSON geometry): nothing more to check
    return None


# -- the page and the schemas ---------------------------------------------------------


def test_every_script_that_fetches_is_listed() -> None:
    fetching = {f.name for f in STATIC.glob("*.js") if page_reads(f.read_text())[0]}
    assert fetching == set(SCRIPTS), "map what each page script fetches in SCRIPTS"


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_fetch_of_the_page_is_mapped_to_its_route_and_schema(spec, script) -> None:
    fetches, _ = page_reads((STATIC / script).read_text())
    assert fetches == set(SCRIPTS[script]), f"map each URL {script} fetches in SCRIPTS"
    for route, name in SCRIPTS[script].values():
        assert schema_name(body_schema(spec, route)) == name, route


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_fields_the_page_reads_are_in_the_schemas(spec, script) -> None:
    _, reads = page_reads((STATIC / script).read_text())
    problems = []
    for url, path in sorted(reads):
        route, _ = SCRIPTS[script][url]
        problem = check_read(spec, body_schema(spec, route), path)
        if problem:
            problems.append(f"{script} reads {'.'.join(path)} of {route}: {problem}")
    assert not problems, "\n".join(problems)


def test_the_page_reads_are_found(page) -> None:
    """The reader of the script sees through callbacks, helpers and conditionals."""
    _, reads = page
    expected = {
        ("/api/v1/areas", ("[]", "code")),
        ("/api/v1/areas/*", ("ancestors", "[]", "name")),  # via areaCrumbs(area)
        ("/api/v1/areas/*", ("children", "[]", "stats")),
        ("/api/v1/areas/*", ("grids", "[]", "households")),
        ("/api/v1/grids/*", ("community_code",)),
        ("/api/v1/buildings", ("items", "[]", "address")),
        ("/api/v1/buildings", ("next_offset",)),
        ("/api/v1/buildings/*", ("households", "[]", "persons")),
        ("/api/v1/households/*", ("persons", "[]", "id_number")),
        ("/api/v1/search", ("[]", "label")),  # via (results.length ? results : [null])
    }
    assert expected <= reads
    assert {url for url, _ in reads} == set(FETCHES)


def test_the_command_page_reads_are_found() -> None:
    """Through the detail's callbacks and the panel's own functions too."""
    reads = {
        (script, read)
        for script in ("command.js", "incident-panel.js")
        for read in page_reads((STATIC / script).read_text())[1]
    }
    expected = {
        ("command.js", ("/api/v1/incidents", ("items", "[]", "code"))),
        ("command.js", ("/api/v1/incidents", ("next_cursor",))),
        ("command.js", ("/api/v1/incidents/stats", ("closure_rate_week",))),
        ("command.js", ("/api/v1/areas", ("[]", "code"))),
        ("command.js", ("/api/v1/areas/*", ("bbox",))),
        ("incident-panel.js", ("/api/v1/incidents/*", ("allowed", "[]", "needs_note"))),
        ("incident-panel.js", ("/api/v1/incidents/*", ("timeline", "[]", "to_status"))),
        ("incident-panel.js", ("/api/v1/incidents/*", ("deadline_at",))),
    }
    assert expected <= reads


def test_the_planner_page_reads_are_in_the_schemas(spec) -> None:
    problems = [
        f"{route} {'.'.join(path)}: {problem}"
        for route, method, path in PLANNER_READS
        if (problem := check_read(spec, body_schema(spec, route, method), path))
    ]
    assert not problems, "\n".join(problems)


def test_a_renamed_field_fails_the_check(spec) -> None:
    """Renaming a field the page reads, here GridDetail.community_code, is caught."""
    schemas = dict(spec["components"]["schemas"])
    grid = schemas["GridDetail"]
    fields = {
        ("community" if k == "community_code" else k): v for k, v in grid["properties"].items()
    }
    schemas["GridDetail"] = {**grid, "properties": fields}
    renamed = {**spec, "components": {**spec["components"], "schemas": schemas}}
    schema = body_schema(renamed, "/api/v1/grids/{code}")
    assert check_read(renamed, schema, ("community_code",)) == (
        "the body has no field 'community_code'"
    )
    assert check_read(spec, body_schema(spec, "/api/v1/grids/{code}"), ("community_code",)) is None


def test_the_statistics_the_page_colours_by_are_area_statistics() -> None:
    source = PAGE.read_text()
    fields = set(AreaStats.model_fields)
    assert tuple(AreaStats.model_fields) == STAT_FIELDS
    for name in ("INDICATORS", "STAT_ROWS"):
        start = source.index(f"const {name} = [")
        listed = source[start : source.index("]", start)].split("[", 1)[1]
        keys = {k.strip().strip('"') for k in listed.replace("\n", " ").split(",") if k.strip()}
        assert keys <= fields, f"{name} names {keys - fields}, not area statistics"


# -- every route ------------------------------------------------------------------------


def app_routes(app: FastAPI) -> list[Any]:
    """Every route of ``app``, with included routers unfolded (FastAPI 0.16x keeps each
    included router as one entry; older versions copy its routes onto the app)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def documents(media_type: str, schema: dict | None) -> bool:
    """Whether ``schema`` says what the body is: JSON through a model (a bare ``dict``
    gives a schema of any object, which says nothing), anything else by its type."""
    if media_type == "application/json":
        return "$ref" in json.dumps(schema or {})
    return bool(schema)


def test_every_route_documents_its_response_body() -> None:
    app = create_app()
    spec = app.openapi()
    skip = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    missing, checked = [], 0
    for route in app_routes(app):
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount) or route.path in skip:
            continue  # static files, the docs and OpenAPI itself
        assert isinstance(original, APIRoute), route
        for method in route.methods - {"HEAD"}:
            checked += 1
            operation = spec["paths"].get(route.path_format, {}).get(method.lower(), {})
            status = str(route.status_code or 200)
            response = operation.get("responses", {}).get(status, {})
            if not any(
                documents(t, c.get("schema")) for t, c in response.get("content", {}).items()
            ):
                missing.append(f"{method} {route.path_format} {status}")
    assert checked >= 20
    assert not missing, f"routes without a response schema: {missing}"


# -- values pass through unchanged ------------------------------------------------------


def same(a: Any, b: Any, where: str = "body") -> list[str]:
    """Differences between two JSON values, types (1 vs 1.0) and key order included."""
    if type(a) is not type(b):
        return [f"{where}: {a!r:.60} vs {b!r:.60}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} vs {list(b)}"]
        return [d for k in a for d in same(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in same(x, y, f"{where}[{i}]")
        ]
    return [] if a == b else [f"{where}: {a!r:.60} vs {b!r:.60}"]


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


@pytest.fixture(scope="module")
def home(engine) -> dict[str, str]:
    with engine.connect() as conn:
        sql = """
            SELECT b.code AS building, c.code AS community, h.code AS household
            FROM household h JOIN building b ON b.id = h.building_id
            JOIN area c ON c.id = b.community_id
            WHERE EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id)
            ORDER BY h.code LIMIT 1
        """
        return dict(conn.execute(text(sql)).mappings().one())


def test_the_models_change_no_value(client, engine, home) -> None:
    """Each body is what the core returns, as FastAPI wrote it before the models."""
    community = home["community"]
    cases = [
        ("/api/v1/areas", {}, area_tree, (), {}),
        ("/api/v1/areas/331004000000", {"geometry": True}, area_detail, ("331004000000",),
         {"geometry": True}),
        (f"/api/v1/areas/{community}", {}, area_detail, (community,), {}),
        ("/api/v1/buildings", {"community": community, "limit": 7}, list_buildings,
         (PageRequest(limit=7),), {"community": community}),
        (f"/api/v1/buildings/{home['building']}", {}, building_detail, (home["building"],), {}),
        (f"/api/v1/households/{home['household']}", {}, household_detail, (home["household"],),
         {"actor": "test"}),
        ("/api/v1/search", {"q": community[:10], "limit": 50}, search, (community[:10], 50), {}),
    ]  # fmt: skip
    writer = TypeAdapter(Any)
    for url, params, function, args, kwargs in cases:
        with engine.connect() as conn:  # rolled back: the household read's audit row too
            expected = writer.dump_python(function(conn, *args, **kwargs), mode="json")
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        assert not same(response.json(), expected), (url, same(response.json(), expected)[:5])
