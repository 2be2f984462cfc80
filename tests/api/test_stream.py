"""The live stream (GET /api/v1/stream) against a real uvicorn and a PostgreSQL of its own:
events in order, filters and scope, replay on reconnect with no gap and nothing twice,
heartbeats, a slow client told to reset, and a restart of PostgreSQL mid-stream."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from itertools import count

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from api.app import create_app
from api.routers.stream import _frames
from api.stream import Frame, Hub, Overflow, encode
from gis.db.embedded import EmbeddedCluster
from gis.db.migrate import upgrade
from gis.events import Notice, prune, publish
from gis.events.audience import Audience, Scope
from gis.load import load_frame
from gis.settings import DatabaseSettings, StreamSettings
from tests.common import TEST_KEY, bearer, live_server, reachable_tmpdir, small_areas

pytestmark = pytest.mark.anyio
STREET = "331004001000"  # communities 331004001001 and 331004001002
COMMUNITY = "331004001001"
SSE = {"Accept": "text/event-stream"}
SERIAL = count(1)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def cluster() -> Iterator[EmbeddedCluster]:
    """A cluster of its own: the last test stops and starts it."""
    cluster = EmbeddedCluster(reachable_tmpdir("wangge-stream-") / "db", ephemeral=True)
    engine = create_engine(cluster.up().url)
    upgrade(engine)
    load_frame(engine, "areas", small_areas())
    engine.dispose()
    yield cluster
    cluster.destroy()
    cluster.root.parent.rmdir()


@pytest.fixture(scope="module")
def owner(cluster: EmbeddedCluster) -> Iterator[Engine]:
    engine = create_engine(cluster.url(), pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def communities(owner: Engine) -> dict[str, int]:
    with owner.connect() as conn:
        rows = conn.execute(text("SELECT code, id FROM area WHERE level = 'community'"))
        return {code: id_ for code, id_ in rows}


@pytest.fixture(scope="module")
def server(cluster: EmbeddedCluster):
    """The app, served, with a quick heartbeat, quick reconnects and small replay pages."""
    settings = DatabaseSettings(database_url=cluster.url(), secret_key=TEST_KEY, pool_timeout_s=3)
    stream = StreamSettings(heartbeat_s=0.5, poll_s=1, reconnect_max_s=0.5, page=50, rescope_s=0.5)
    app = create_app(settings, stream_settings=stream)
    with live_server(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def admin(owner: Engine) -> dict[str, str]:
    return bearer(owner, "admin")


def emit(owner: Engine, community: int | None, category: str = "fire", n: int = 1) -> list[int]:
    """Publish ``n`` events as the incidents' intake does, one transaction each."""
    ids = []
    for _ in range(n):
        code = f"I{next(SERIAL):06d}"
        payload = {"incident": {"code": code, "category": category, "status": "reported"},
                   "event": None}  # fmt: skip
        with owner.begin() as conn:
            ids.append(publish(conn, "incident.created", code, payload,
                               community_id=community, category=category))  # fmt: skip
    return ids


class Events:
    """The blocks of a Server-Sent Events response, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def block(self, timeout_s: float = 10) -> dict[str, str]:
        fields: dict[str, str] = {}
        while True:
            line = await asyncio.wait_for(anext(self._lines), timeout_s)
            if not line:
                if fields:
                    return fields
            elif line.startswith(":"):
                fields["comment"] = line[1:].strip()
            else:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    async def take(self, n: int, timeout_s: float = 10) -> list[dict[str, str]]:
        """The next ``n`` events (blocks with an ``event:``), skipping pings and bare ids."""
        found: list[dict[str, str]] = []
        while len(found) < n:
            block = await self.block(timeout_s)
            if "event" in block:
                found.append(block)
        return found


@asynccontextmanager
async def stream(
    base: str, headers: dict[str, str], params: object = None
) -> AsyncIterator[Events]:
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as http,
        http.stream("GET", f"{base}/api/v1/stream", headers=SSE | headers, params=params) as r,
    ):
        assert r.status_code == 200, await r.aread()
        assert r.headers["content-type"].startswith("text/event-stream")
        yield Events(r)


def ids_of(events: list[dict[str, str]]) -> list[int]:
    return [int(e["id"]) for e in events]


async def test_anonymous_gets_a_401_problem_and_no_stream(server) -> None:
    base, _ = server
    response = httpx.get(f"{base}/api/v1/stream", headers=SSE, timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_events_arrive_in_order_with_increasing_ids(server, owner, admin, communities):
    base, _ = server
    async with stream(base, admin) as events:
        resume = await events.block()  # no event yet: the id to resume from, alone
        assert set(resume) == {"id"}
        published = emit(owner, communities[COMMUNITY], n=30)
        got = await events.take(30)
    assert ids_of(got) == published == sorted(published)
    assert int(resume["id"]) < published[0]
    assert {e["event"] for e in got} == {"incident.created"}
    assert json.loads(got[0]["data"])["incident"]["status"] == "reported"


async def test_area_category_and_scope_filter_on_the_server(server, owner, admin, communities):
    base, _ = server
    scoped = bearer(owner, "operator", COMMUNITY)
    async with (
        stream(base, admin, {"area": STREET}) as by_area,
        stream(base, admin, [("category", "fire"), ("category", "water")]) as by_category,
        stream(base, scoped) as in_scope,
    ):
        published = []  # (id, community code, category)
        for code in sorted(communities):
            for category in ("fire", "water", "noise"):
                (event_id,) = emit(owner, communities[code], category)
                published.append((event_id, code, category))
        published.append((emit(owner, None, "fire")[0], None, "fire"))  # no community: admin's
        (last,) = emit(owner, communities[COMMUNITY], "fire")  # every client takes this one
        published.append((last, COMMUNITY, "fire"))
        street = {c for c in communities if c.startswith(STREET[:9])}
        expect = {
            "area": [i for i, c, _ in published if c in street],
            "category": [i for i, _, k in published if k in ("fire", "water")],
            "scope": [i for i, c, _ in published if c == COMMUNITY],
        }
        for name, events in (("area", by_area), ("category", by_category), ("scope", in_scope)):
            got = ids_of(await events.take(len(expect[name])))
            assert got == expect[name], name
            assert got[-1] == last


async def test_a_client_that_reconnects_gets_exactly_what_it_missed(
    server, owner, admin, communities
):
    base, _ = server
    community = communities[COMMUNITY]
    async with stream(base, admin) as events:
        seen = ids_of(await _after_publishing(events, owner, community, 3))
    missed = emit(owner, community, n=120)  # more than two replay pages of 50
    during: list[int] = []
    writer = threading.Thread(target=lambda: during.extend(emit(owner, community, n=40)))
    # The browser reconnects with its Last-Event-ID and the page's first URL: the header wins.
    headers = admin | {"Last-Event-ID": str(seen[-1])}
    async with stream(base, headers, {"after": 0}) as events:
        writer.start()  # events commit while the replay runs: none lost at the seam, none twice
        got = ids_of(await events.take(len(missed) + 40))
        writer.join()
        live = emit(owner, community, n=2)
        got += ids_of(await events.take(2))
    assert got == missed + during + live
    page = httpx.get(f"{base}/api/v1/stream", params={"after": seen[-1], "limit": 1000},
                     headers=admin | {"Accept": "application/json"}, timeout=10)  # fmt: skip
    assert page.status_code == 200, page.text
    assert [e["id"] for e in page.json()["events"]] == got
    assert page.json()["last_id"] == got[-1]


async def _after_publishing(events: Events, owner, community: int, n: int) -> list[dict]:
    published = emit(owner, community, n=n)
    got = await events.take(n)
    assert ids_of(got) == published
    return got


async def test_a_disabled_users_stream_goes_quiet(server, owner, communities) -> None:
    from gis.accounts import create_user, disable_user, issue_token

    base, _ = server
    with owner.begin() as conn:
        create_user(conn, "leaving-operator", "operator", scope=COMMUNITY)
        token = {"Authorization": f"Bearer {issue_token(conn, 'leaving-operator', days=1)}"}
    async with stream(base, token) as events:
        await _after_publishing(events, owner, communities[COMMUNITY], 1)
        with owner.begin() as conn:
            disable_user(conn, "leaving-operator")
        await asyncio.sleep(1.2)  # past rescope_s: the stream has read the scope again
        emit(owner, communities[COMMUNITY])
        with pytest.raises(TimeoutError):  # pings, and nothing else
            await asyncio.wait_for(events.take(1), 1.5)


async def test_heartbeats_keep_an_idle_stream_open(server, admin) -> None:
    base, _ = server
    async with stream(base, admin) as events:
        blocks = [await events.block(timeout_s=3) for _ in range(3)]
    assert any(b.get("comment", "").startswith("ping") for b in blocks), blocks


async def test_json_answers_and_problems_come_before_any_stream(server, owner, admin) -> None:
    base, _ = server
    with httpx.Client(base_url=base, headers=admin, timeout=10) as http:
        start = http.get("/api/v1/stream").json()  # Accept */*: a page, which ends
        assert start["events"] == [] and start["last_id"] >= 1
        unknown = http.get("/api/v1/stream", params={"area": "331004999999"}, headers=SSE)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        bad = http.get("/api/v1/stream", headers=SSE | {"Last-Event-ID": "x"})
        assert bad.status_code == 422
        viewer = http.get("/api/v1/stream", headers=SSE | bearer(owner, "viewer"))
        assert viewer.status_code == 403


async def test_a_client_that_falls_behind_is_told_to_reset_and_loses_nothing() -> None:
    hub = Hub("", StreamSettings(queue_events=10))
    sub = hub.subscribe(Audience(Scope(everywhere=True, communities=frozenset(), grid=None)))
    frames: list[Frame] = [encode(Notice(i, "incident.created", "I", 1, None, "fire", "{}"))
                           for i in range(11, 22)]  # fmt: skip
    hub.dispatch(frames[:5])
    assert hub.subscribers == 1
    hub.dispatch(frames[5:])  # 11 queued > 10: the client is dropped, and told so
    assert hub.subscribers == 0
    with pytest.raises(Overflow):
        await sub.take()
    sent = [chunk async for chunk in _frames(hub, sub, 10, [], None, None)]
    assert sent[0] == b"id: 10\n\n"
    assert sent[1].startswith(b"event: reset\n")
    assert json.loads(sent[1].split(b"data: ")[1])["last_event_id"] == 10


def test_the_listener_reads_through_functions_only_the_api_may_call(owner) -> None:
    with owner.connect() as conn:
        for function in ("wangge_stream_after(bigint,integer)", "wangge_stream_newest()"):
            may = "SELECT has_function_privilege(:role, :f, 'EXECUTE')"
            assert conn.execute(text(may), {"role": "wangge_api", "f": function}).scalar()
            assert not conn.execute(text(may), {"role": "public", "f": function}).scalar()
        conn.execute(text("SET ROLE wangge_api"))  # no user named: no row of the outbox
        assert conn.execute(text("SELECT count(*) FROM event_outbox")).scalar() == 0
        assert conn.execute(text("SELECT wangge_stream_newest()")).scalar() > 0
        conn.execute(text("RESET ROLE"))
        conn.rollback()


def test_old_events_are_pruned(owner, communities) -> None:
    old, new = emit(owner, communities[COMMUNITY], n=2)
    with owner.begin() as conn:
        conn.execute(text("UPDATE event_outbox SET at = now() - interval '8 days' WHERE id <= :i"),
                     {"i": old})  # fmt: skip
        assert prune(conn, 7 * 86400) >= 1
        left = conn.execute(text("SELECT min(id) FROM event_outbox")).scalar()
    assert left == new


async def test_a_postgres_restart_mid_stream_loses_and_repeats_nothing(
    server, cluster, owner, admin, communities
):
    base, app = server
    community = communities[COMMUNITY]
    hub = app.state.stream
    async with stream(base, admin) as events:
        before = ids_of(await _after_publishing(events, owner, community, 5))
        # Keep the listener out for a while after the restart, so that events commit while
        # it is away: it must find them in the outbox when it is back.
        _login(owner, False)
        try:
            cluster.down()
            cluster.up()
            owner.dispose()
            missed = emit(owner, community, n=5)
            await asyncio.sleep(1)
            assert not hub.connected
        finally:
            _login(owner, True)
        got = ids_of(await events.take(5, timeout_s=20))
        assert got == missed  # the same connection, nothing lost, nothing twice
        more = emit(owner, community, n=3)
        assert ids_of(await events.take(3)) == more
    assert hub.reconnects >= 2 and hub.connected
    assert before[-1] < missed[0]


def _login(owner: Engine, may: bool) -> None:
    with owner.begin() as conn:
        conn.execute(text(f"ALTER ROLE wangge_api {'LOGIN' if may else 'NOLOGIN'}"))
