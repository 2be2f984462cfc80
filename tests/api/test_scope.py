"""Area scope, enforced by PostgreSQL: the API's role sees only its user's area.

The API signs in as ``wangge_api`` (no superuser, owns nothing, no BYPASSRLS); each
connection is told its request's user, and the policies of migration 0011 show only
the rows of that user's district, street, community or grid, even to a query written
without any WHERE on the area.
"""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from gis.accounts.hashing import digest
from gis.db.api_role import request_credential
from tests.common import bearer

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(scope="module")
def city(plan_city):
    """The plans database with a published plan, and two communities' facts."""
    from gis.partition import Rules
    from gis.partition.publish import publish_plan
    from gis.partition.store import create_plan

    engine, settings = plan_city
    rules = Rules(min_households=20, max_households=60)
    publish_plan(engine, create_plan(engine, "331004001000", name="scope", rules=rules, seed=1))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                """
                SELECT c.code, min(h.code) AS household,
                       (SELECT count(*) FROM building WHERE community_id = c.id) AS buildings,
                       min(b.code) AS building, min(b.address) AS address
                FROM area c JOIN building b ON b.community_id = c.id
                JOIN household h ON h.building_id = b.id
                WHERE c.level = 'community'
                GROUP BY c.id, c.code ORDER BY count(DISTINCT b.id) DESC LIMIT 2
                """
            )
        ).mappings()
        mine, other = (dict(r) for r in rows)
        grid = (
            conn.execute(
                text(
                    """
                SELECT g.code, g.id, count(*) AS buildings FROM grid g
                JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
                JOIN building_grid bg ON bg.grid_id = g.id
                WHERE (SELECT count(*) FROM grid n
                       WHERE n.plan_id = g.plan_id AND n.community_id = g.community_id) > 1
                GROUP BY g.code, g.id ORDER BY count(*) DESC LIMIT 1
                """
                )
            )
            .mappings()
            .one()
        )
    return {"engine": engine, "settings": settings, "mine": mine, "other": other, "grid": grid}


@pytest.fixture(scope="module")
def app(city):
    with TestClient(create_app(city["settings"])) as c:
        yield c.app


def as_user(app, engine, role: str, scope: str | None) -> TestClient:
    return TestClient(app, headers=bearer(engine, role, scope))


def test_the_api_role_is_no_superuser_owns_nothing_and_sees_nothing_unnamed(app, city) -> None:
    with app.state.engine.connect() as conn:
        role = conn.execute(
            text(
                "SELECT current_user, rolsuper, rolbypassrls, "
                "(SELECT count(*) FROM pg_tables WHERE tableowner = current_user) AS owns "
                "FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        assert tuple(role) == ("wangge_api", False, False, 0)
        for table in ("building", "household", "person"):  # no user named: no row
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        assert conn.execute(text("SELECT count(*) FROM area")).scalar() > 0  # maps are open
    with city["engine"].connect() as conn:
        forced = conn.execute(
            text(
                "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity "
                "ORDER BY 1"
            )
        ).scalars()
        assert {"building", "household", "person", "incident", "worker"} <= set(forced)


def test_a_query_with_no_area_filter_still_sees_only_the_users_area(app, city) -> None:
    """What a bug in a Python query would read: a bare count, through the API's engine."""
    header = bearer(city["engine"], "admin", city["mine"]["code"])
    token = request_credential.set(digest(header["Authorization"].removeprefix("Bearer ")))
    try:
        with app.state.engine.connect() as conn:
            seen = conn.execute(text("SELECT count(*) FROM building")).scalar()
            sql = "SELECT DISTINCT a.code FROM building b JOIN area a ON a.id = b.community_id"
            codes = set(conn.execute(text(sql)).scalars())
    finally:
        request_credential.reset(token)
    assert seen == city["mine"]["buildings"] and codes == {city["mine"]["code"]}


def test_sql_run_as_the_api_cannot_make_itself_another_user(app, city) -> None:
    """Setting a user id, or reading the credentials, gets SQL run as the API nowhere."""
    from sqlalchemy.exc import ProgrammingError

    with city["engine"].connect() as conn:
        admin_id = conn.execute(text("SELECT id FROM user_account LIMIT 1")).scalar()
    with app.state.engine.connect() as conn:
        conn.execute(text("SELECT set_config('wangge.user_id', :u, false)"), {"u": str(admin_id)})
        assert conn.execute(text("SELECT count(*) FROM person")).scalar() == 0
        for sql in (
            "SELECT token_hash FROM api_token",
            "SELECT id FROM user_session",
            "SELECT password_hash FROM user_account",
            "UPDATE user_account SET scope = NULL",
            "INSERT INTO api_token (user_id, token_hash, expires_at) VALUES (1, 'x', now())",
            "UPDATE area SET name = 'x'",
            "DELETE FROM person",
            "CREATE TEMP TABLE user_account (id int)",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(sql))
            conn.rollback()


def test_households_and_buildings_of_another_area_are_not_found(app, city) -> None:
    mine, other = city["mine"], city["other"]
    scoped = as_user(app, city["engine"], "admin", mine["code"])
    assert scoped.get(f"/api/v1/households/{mine['household']}").status_code == 200
    assert scoped.get(f"/api/v1/households/{other['household']}").status_code == 404
    assert scoped.get(f"/api/v1/buildings/{other['building']}").status_code == 404
    page = scoped.get("/api/v1/buildings", params={"community": other["code"]}).json()
    assert page["items"] == []
    found = scoped.get("/api/v1/search", params={"q": other["address"]}).json()
    assert other["building"] not in {r.get("code") for r in found}
    everywhere = as_user(app, city["engine"], "admin", None)
    assert everywhere.get(f"/api/v1/households/{other['household']}").status_code == 200


def test_a_grid_worker_reads_the_households_of_their_grid_only(app, city) -> None:
    grid = city["grid"]
    with city["engine"].connect() as conn:
        inside, outside = conn.execute(
            text(
                """
                SELECT
                  (SELECT min(h.code) FROM household h JOIN building_grid bg
                     ON bg.building_id = h.building_id WHERE bg.grid_id = :g),
                  (SELECT min(h.code) FROM household h JOIN building b ON b.id = h.building_id
                     JOIN grid g ON g.id = :g
                     WHERE b.community_id = g.community_id AND NOT EXISTS (
                       SELECT 1 FROM building_grid bg WHERE bg.building_id = b.id
                       AND bg.grid_id = :g))
                """
            ),
            {"g": grid["id"]},
        ).one()
    worker = as_user(app, city["engine"], "grid_worker", grid["code"])
    assert worker.get(f"/api/v1/households/{inside}").status_code == 200
    assert outside is not None  # a neighbour in the same community
    assert worker.get(f"/api/v1/households/{outside}").status_code == 404
    listed = worker.get("/api/v1/buildings", params={"grid": grid["code"]}).json()
    assert len(listed["items"]) == min(grid["buildings"], 100)


def _building_codes(client: TestClient, z: int, x: int, y: int) -> tuple[set[str], str]:
    response = client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt")
    assert response.status_code == 200, response.text
    assert "private" in response.headers["cache-control"]
    layer = mapbox_vector_tile.decode(response.content).get("buildings", {"features": []})
    codes = {f["properties"].get("code") for f in layer["features"]}
    return codes, response.headers["etag"]


def test_a_tile_holds_only_the_scope_and_the_cache_never_crosses_scopes(app, city) -> None:
    with city["engine"].connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(b.geom)) AS c "
                "FROM building b JOIN area a ON a.id = b.community_id WHERE a.code = :c) s"
            ),
            {"c": city["mine"]["code"]},
        ).one()
        communities = dict(
            conn.execute(
                text("SELECT b.code, a.code FROM building b JOIN area a ON a.id = b.community_id")
            ).all()
        )
    tile = TMS.tile(lon, lat, 14)
    everywhere = as_user(app, city["engine"], "viewer", None)
    scoped = as_user(app, city["engine"], "viewer", city["mine"]["code"])
    all_codes, all_tag = _building_codes(everywhere, tile.z, tile.x, tile.y)  # cached first
    own_codes, own_tag = _building_codes(scoped, tile.z, tile.x, tile.y)
    assert own_codes and own_codes < all_codes  # the tile holds other communities too
    assert {communities[c] for c in own_codes if c} == {city["mine"]["code"]}
    assert own_tag != all_tag
    # The scoped user's ETag never revalidates the unscoped tile, nor the other way.
    again = scoped.get(f"/tiles/buildings/{tile.z}/{tile.x}/{tile.y}.mvt",
                       headers={"If-None-Match": all_tag})  # fmt: skip
    assert again.status_code == 200


def test_an_analysis_counts_only_the_incidents_of_its_owners_scope(app, city) -> None:
    from tests.api.test_plans import wait_for_job
    from tests.common import worker_process

    community = city["mine"]["code"]
    with city["engine"].connect() as conn:
        inside, everywhere = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE a.code = :c), count(*) FROM incident i "
                "JOIN area a ON a.id = i.community_id"
            ),
            {"c": community},
        ).one()
    assert 0 < inside < everywhere
    analyst = as_user(app, city["engine"], "analyst", community)
    with worker_process(city["settings"].database_url):
        response = analyst.post(
            "/api/v1/analyses/hotspots", json={"method": "kde", "cell_size": 50}
        )
        job = wait_for_job(analyst, response)
    assert job["result"]["analysis"]["summary"].startswith(f"kde: {inside} incidents")


def test_a_planner_reads_and_changes_only_the_plans_of_their_scope(app, city) -> None:
    with city["engine"].connect() as conn:
        plan = conn.execute(text("SELECT id FROM grid_plan WHERE name = 'scope'")).scalar()
        elsewhere = conn.execute(
            text("SELECT code FROM area WHERE level = 'street' AND code <> '331004001000' LIMIT 1")
        ).scalar()
    ours = as_user(app, city["engine"], "planner", "331004001000")
    theirs = as_user(app, city["engine"], "planner", elsewhere)
    assert ours.get(f"/api/v1/plans/{plan}").status_code == 200
    assert plan in [p["id"] for p in ours.get("/api/v1/plans").json()]
    assert plan not in [p["id"] for p in theirs.get("/api/v1/plans").json()]
    refused = theirs.get(f"/api/v1/plans/{plan}")
    assert refused.status_code == 403 and elsewhere in refused.json()["detail"]
    assert theirs.get(f"/api/v1/plans/{plan}/report").status_code == 403
    assert theirs.post(f"/api/v1/plans/{plan}/publish").status_code == 403
    body = {"area": "331004001000", "name": "not mine", "min_households": 20, "max_households": 60}
    assert theirs.post("/api/v1/plans", json=body).status_code == 403
    assert theirs.get("/api/v1/plans", params={"area": "331004001000"}).status_code == 403
    merge = theirs.post(f"/api/v1/plans/{plan}/edits/merge", json={"grids": ["a", "b"]},
                        headers={"If-Match": "*"})  # fmt: skip
    assert merge.status_code == 403


def test_an_analysis_of_an_area_outside_the_scope_is_refused(app, city) -> None:
    analyst = as_user(app, city["engine"], "analyst", city["mine"]["code"])
    body = {"method": "gi", "area": city["other"]["code"], "ledger": True}
    refused = analyst.post("/api/v1/analyses/hotspots", json=body)
    assert refused.status_code == 403 and city["other"]["code"] in refused.json()["detail"]


def test_a_viewer_sees_a_building_without_its_households(app, city) -> None:
    code = city["mine"]["building"]
    viewer = as_user(app, city["engine"], "viewer", None).get(f"/api/v1/buildings/{code}")
    admin = as_user(app, city["engine"], "admin", None).get(f"/api/v1/buildings/{code}")
    assert viewer.status_code == admin.status_code == 200
    assert admin.json()["households"] and viewer.json()["households"] == []
    persons = admin.json()["persons"]
    assert viewer.json()["persons"] == (None if persons < 5 else persons)
