"""Camera streams and heartbeats.

The gateway's heartbeats set a camera's last heartbeat and bring it back online, within
the caller's scope; housekeeping marks the silent offline; a heartbeat alone does not
stale the camera tiles. On the command page, in headless Chromium, an incident's camera
plays a real HLS stream that ffmpeg made and a local server serves (video time
advances, and goes on advancing when the live stream redraws the panel), a stream
whose playlist is missing fails visibly, and an offline camera shows so with its last
heartbeat.
"""

from __future__ import annotations

import functools
import math
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import text

from api.app import create_app
from gis.accounts import create_user
from gis.cameras.health import mark_silent_offline
from tests.api.chromium import ARTIFACTS, record_errors, sign_in
from tests.common import bearer, live_server, signed_in

SHANGHAI = ZoneInfo("Asia/Shanghai")

PREFIX = "T15D"  # the cameras these tests add, removed at the end
# The offline camera's last heartbeat: an hour ago, to the minute, in Beijing time.
LAST_HEARTBEAT = (datetime.now(SHANGHAI) - timedelta(hours=1)).replace(second=0, microsecond=0)


def _add_camera(conn, code: str, lon: float, lat: float, **fields) -> None:
    values = {"status": "online", "stream_url": None, "last_heartbeat_at": None} | fields
    conn.execute(
        text(
            "INSERT INTO camera (code, name, heading, fov_deg, range_m, level, status, "
            "stream_url, last_heartbeat_at, geom, community_id) SELECT :code, :name, NULL, 360, "
            "60, 'community', :status, :stream_url, :last_heartbeat_at, p, (SELECT id FROM "
            "area WHERE level = 'community' AND ST_Intersects(geom, p) LIMIT 1) "
            "FROM ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p"
        ),
        {"code": code, "name": f"测试 {code}", "lon": lon, "lat": lat, **values},
    )


@pytest.fixture(scope="module")
def place(engine, sample_city) -> Iterator[tuple[str, float, float]]:
    """A point inside the first community (its code, lon, lat); the cameras added near it
    are removed at the end."""
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) AS p "
            "FROM area WHERE level = 'community' ORDER BY code LIMIT 1) s"
        )).one()  # fmt: skip
    yield found[0], found[1], found[2]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM camera WHERE code LIKE :p"), {"p": PREFIX + "%"})


def _state(engine, code: str) -> tuple[str, object]:
    with engine.connect() as conn:
        sql = "SELECT status::text, last_heartbeat_at FROM camera WHERE code = :code"
        return tuple(conn.execute(text(sql), {"code": code}).one())


def _tile_changes(engine) -> int:
    with engine.connect() as conn:
        sql = "SELECT count(*) FROM tile_change WHERE layer = 'cameras'"
        return conn.execute(text(sql)).scalar_one()


def test_heartbeats_bring_cameras_online_within_scope(settings, engine, place):
    community, lon, lat = place
    with engine.begin() as conn:
        _add_camera(conn, f"{PREFIX}-HB1", lon, lat, status="offline")
        _add_camera(conn, f"{PREFIX}-HB2", lon, lat, status="maintenance")
        far = conn.execute(text(
            "SELECT code FROM camera WHERE community_id <> (SELECT id FROM area WHERE code = :c) "
            "AND code NOT LIKE :p ORDER BY code LIMIT 1"
        ), {"c": community, "p": PREFIX + "%"}).scalar_one()  # fmt: skip
    before_tiles = _tile_changes(engine)
    with TestClient(create_app(settings)) as client:
        signed_in(client, engine, "operator")
        codes = [f"{PREFIX}-HB1", f"{PREFIX}-HB2", "NO-SUCH-CAMERA"]
        answer = client.post("/api/v1/cameras/heartbeats", json={"cameras": codes})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["unknown"] == ["NO-SUCH-CAMERA"]
        status = {c["code"]: c["status"] for c in body["cameras"]}
        assert status == {f"{PREFIX}-HB1": "online", f"{PREFIX}-HB2": "maintenance"}
        assert _state(engine, f"{PREFIX}-HB1")[0] == "online"
        assert _state(engine, f"{PREFIX}-HB2")[1] is not None

        # An operator scoped to the community may not report a camera outside it.
        client.headers.update(bearer(engine, "operator", community))
        one = client.post(f"/api/v1/cameras/{PREFIX}-HB1/heartbeat")
        assert one.status_code == 200 and one.json()["status"] == "online"
        outside = client.post(f"/api/v1/cameras/{far}/heartbeat")
        assert outside.status_code == 404
        assert outside.headers["content-type"] == "application/problem+json"
        assert _state(engine, far)[1] is None

        too_many = client.post("/api/v1/cameras/heartbeats", json={"cameras": ["x"] * 1001})
        assert too_many.status_code == 422
        assert "cameras" in str(too_many.json()["errors"])

        client.headers.update(bearer(engine, "viewer"))
        assert client.post(f"/api/v1/cameras/{PREFIX}-HB1/heartbeat").status_code == 403
    # HB1 went online (a tile change); the heartbeats after it changed no tile.
    assert _tile_changes(engine) == before_tiles + 1


def test_housekeeping_marks_silent_cameras_offline(engine, place):
    _, lon, lat = place
    with engine.begin() as conn:
        _add_camera(conn, f"{PREFIX}-SILENT", lon, lat,
                    last_heartbeat_at="2026-01-01T00:00:00+08:00")  # fmt: skip
        _add_camera(conn, f"{PREFIX}-FRESH", lon, lat)
        _add_camera(conn, f"{PREFIX}-NEVER", lon, lat)  # no gateway reports it
        conn.execute(text("UPDATE camera SET last_heartbeat_at = now() WHERE code = :c"),
                     {"c": f"{PREFIX}-FRESH"})  # fmt: skip
        marked = mark_silent_offline(conn, 300)
    assert f"{PREFIX}-SILENT" in marked
    assert not {f"{PREFIX}-FRESH", f"{PREFIX}-NEVER"} & set(marked)
    assert _state(engine, f"{PREFIX}-SILENT")[0] == "offline"
    assert _state(engine, f"{PREFIX}-NEVER")[0] == "online"


# -- the stream on the command page --------------------------------------------------


class _CorsFiles(SimpleHTTPRequestHandler):
    """Files with the CORS header a video gateway sends (the page is on another origin)."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def hls_url(tmp_path_factory) -> Iterator[str]:
    """Ten seconds of ffmpeg's test pattern as HLS (H.264 baseline, 1 s segments),
    served on a free local port."""
    assert shutil.which("ffmpeg"), "ffmpeg is needed: scripts/setup.sh --test installs it"
    folder = tmp_path_factory.mktemp("hls")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc=size=320x180:rate=25", "-t", "10", "-c:v", "libx264",
         "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "25", "-f", "hls",
         "-hls_time", "1", "-hls_list_size", "0", "-hls_playlist_type", "vod",
         str(folder / "stream.m3u8")],
        check=True, timeout=60,
    )  # fmt: skip
    handler = functools.partial(_CorsFiles, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/stream.m3u8"
    server.shutdown()


@pytest.fixture(scope="module")
def scene(settings, engine, place, hls_url) -> Iterator[tuple[str, dict]]:
    """The page's server, and an incident with a streaming camera 15 m east of it and an
    offline one 20 m west."""
    _, lon, lat = place
    metre = 1 / (111_320 * math.cos(math.radians(lat)))
    with engine.begin() as conn:
        _add_camera(conn, f"{PREFIX}-LIVE", lon + 15 * metre, lat, stream_url=hls_url)
        _add_camera(conn, f"{PREFIX}-DOWN", lon - 20 * metre, lat, status="offline",
                    stream_url=hls_url, last_heartbeat_at=LAST_HEARTBEAT)  # fmt: skip
        _add_camera(conn, f"{PREFIX}-GONE", lon, lat + 25 * metre,
                    stream_url=hls_url.replace("stream.m3u8", "gone.m3u8"))  # fmt: skip
    with live_server(create_app(settings)) as url:
        headers = bearer(engine, "operator")
        category = httpx.get(f"{url}/api/v1/incident-categories", headers=headers).json()[0]
        body = {"category": category["code"], "lon": lon, "lat": lat, "source": "video",
                "description": "消防通道被占用 (camera test)"}  # fmt: skip
        answer = httpx.post(f"{url}/api/v1/incidents", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        yield url, answer.json(), headers


def test_an_incident_camera_plays_its_hls_stream_and_an_offline_one_says_so(browser, engine, scene):
    url, incident, headers = scene
    with engine.begin() as conn:
        user, password = create_user(conn, f"operator-{secrets.token_hex(4)}", "operator")
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    record_errors(page)
    try:
        page.goto(url + "/command")
        sign_in(page, (user.name, password))
        page.wait_for_function("document.body.dataset.loading === 'false'", timeout=20_000)
        page.locator(f"#incidents li[data-code='{incident['code']}']").click()
        cameras = page.locator("#incident .cameras")
        expect(cameras).to_have_attribute("data-state", "ready", timeout=10_000)
        live = cameras.locator(f"li.camera[data-code='{PREFIX}-LIVE']")
        down = cameras.locator(f"li.camera[data-code='{PREFIX}-DOWN']")
        expect(down).to_have_attribute("data-status", "offline")
        expect(down.locator(".badge")).to_have_text("离线")

        live.click()
        player = cameras.locator(".player")
        expect(player).to_have_attribute("data-state", "playing", timeout=15_000)
        page.wait_for_function(
            "document.querySelector('#incident .player video').currentTime > 1", timeout=15_000
        )
        video = "document.querySelector('#incident .player video')"
        assert page.evaluate(f"{video}.paused") is False
        assert page.evaluate(f"{video}.src").startswith("blob:")  # hls.js, through MSE
        page.screenshot(path=ARTIFACTS / "camera-stream.png")

        # Someone accepts the incident meanwhile: the panel shows it, the video plays on.
        at = page.evaluate(f"{video}.currentTime")
        accept = {"to": "accepted", "note": "camera test"}
        moved = httpx.post(
            f"{url}/api/v1/incidents/{incident['code']}/transitions", json=accept, headers=headers
        )
        assert moved.status_code == 200, moved.text
        expect(page.locator("#incident")).to_have_attribute("data-status", "accepted")
        expect(player).to_have_attribute("data-state", "playing")
        page.wait_for_function(f"{video}.currentTime > {at} + 0.5", timeout=10_000)

        cameras.locator(f"li.camera[data-code='{PREFIX}-GONE']").click()  # the playlist is 404
        expect(player).to_have_attribute("data-state", "failed", timeout=10_000)
        expect(player.locator(".says")).to_contain_text("视频流播放失败 · 最后心跳: 无心跳记录")
        page.errors.clear()  # the browser logs the 404 of the missing playlist

        down.click()
        expect(player).to_have_attribute("data-state", "offline")
        expect(player).to_have_attribute("data-camera", f"{PREFIX}-DOWN")
        expect(player.locator(".says")).to_contain_text("离线 · 最后心跳")
        expect(player.locator(".says")).to_contain_text(LAST_HEARTBEAT.strftime("%H:%M"))
        assert page.evaluate(f"{video}.currentTime") == 0
        assert page.errors == []
    finally:
        context.close()
