"""Signing in from a browser: the login form, its CSRF token, the session cookie and
what it unlocks, the changes that need the session's token, signing out, the attempt
limits, and the demo's administrator."""

from __future__ import annotations

import itertools
import re
import secrets

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import data
from api.cli.data import DEMO_ADMIN
from gis.accounts import create_user, disable_user
from gis.accounts.sessions import csrf_token

PROBLEM = "application/problem+json"
WRONG_ZH = "用户名或密码错误"
ADDRESSES = (f"10.9.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(scope="module")
def app(settings):
    application = create_app(settings)
    with TestClient(application):  # the lifespan: engine, authenticator
        yield application


def browser(app, address: str = "testclient", base_url: str = "http://testserver") -> TestClient:
    """A client with a cookie jar of its own, as one browser at ``address``."""
    return TestClient(app, base_url=base_url, client=(address, 50000), follow_redirects=False)


@pytest.fixture
def client(app) -> TestClient:
    return browser(app, next(ADDRESSES))


@pytest.fixture
def account(engine) -> tuple[str, str]:
    """A new planner: a role that may write plans (to try a change with the cookie)."""
    name = f"web-{secrets.token_hex(4)}"
    with engine.begin() as conn:
        _, password = create_user(conn, name, "planner")
    return name, password


def form_token(client: TestClient, next_: str = "/") -> str:
    page = client.get("/login", params={"next": next_})
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]


def sign_in(client: TestClient, name: str, password: str, next_: str = "/"):
    token = form_token(client)
    data = {"name": name, "password": password, "csrf": token, "next": next_}
    return client.post("/login", data=data)


def set_cookies(response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]


def test_a_signed_out_page_request_goes_to_the_login_page(client) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    form = client.get("/login?next=/")
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html")
    assert 'lang="zh-CN"' in form.text and "用户名" in form.text
    assert '<input type="hidden" name="next" value="/">' in form.text
    assert form.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
    (cookie,) = set_cookies(form, "wangge_login")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/login" in cookie
    english = client.get("/login", params={"lang": "en", "next": "/"})
    assert 'lang="en"' in english.text and "Password" in english.text
    assert client.get("/api/v1/me").status_code == 401


def test_the_form_signs_in_with_an_httponly_strict_cookie(client, account) -> None:
    name, password = account
    response = sign_in(client, name, password)
    assert response.status_code == 303 and response.headers["location"] == "/"
    (cookie,) = set_cookies(response, "wangge_session")
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert {"httponly", "samesite=strict", "path=/"} <= set(attributes)
    assert "secure" not in attributes  # plain http here
    page = client.get("/")
    assert page.status_code == 200 and '<div id="map">' in page.text
    me = client.get("/api/v1/me").json()
    assert me["name"] == name and me["role"] == "planner"
    assert me["csrf_token"] == csrf_token(client.cookies["wangge_session"])
    again = client.get("/login", params={"next": "/#/area/331004000000"})
    assert again.status_code == 303 and again.headers["location"] == "/#/area/331004000000"


def test_the_cookie_is_secure_over_https_only(app, account) -> None:
    name, password = account
    https = browser(app, "10.1.0.1", base_url="https://testserver")
    (cookie,) = set_cookies(sign_in(https, name, password), "wangge_session")
    assert "secure" in cookie.lower()
    forwarded = browser(app, "10.1.0.2")
    forwarded.headers["X-Forwarded-Proto"] = "https"  # not believed from a client
    (cookie,) = set_cookies(sign_in(forwarded, name, password), "wangge_session")
    assert "secure" not in cookie.lower()


def test_a_wrong_password_shows_the_form_again_with_no_session(client, account, engine) -> None:
    name, password = account
    for who, secret in ((name, "not-the-password"), ("nobody-" + name, password)):
        response = sign_in(client, who, secret)
        assert response.status_code == 401
        assert WRONG_ZH in response.text and f'value="{who}"' in response.text
        assert not set_cookies(response, "wangge_session")
    with engine.begin() as conn:
        disable_user(conn, name)
    refused = sign_in(client, name, password)
    assert refused.status_code == 401 and "停用" in refused.text
    assert "wangge_session" not in client.cookies


def test_a_form_without_its_token_is_refused(client, account) -> None:
    name, password = account
    real = form_token(client)
    for token in ("", "x" * 43, real[:-1] + ("A" if real[-1] != "A" else "B")):
        data = {"name": name, "password": password, "csrf": token, "next": "/"}
        response = client.post("/login", data=data)
        assert response.status_code == 403, token
        assert "过期" in response.text and not set_cookies(response, "wangge_session")
    # The field alone, without the cookie another site cannot set, is no better.
    fresh = browser(client.app, "10.2.0.1")
    data = {"name": name, "password": password, "csrf": real, "next": "/"}
    assert fresh.post("/login", data=data).status_code == 403
    assert "wangge_session" not in client.cookies and "wangge_session" not in fresh.cookies


@pytest.mark.parametrize(
    ("next_", "lands"),
    [
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("evil.example", "/"),
        ("/#/area/331004000000", "/#/area/331004000000"),
    ],
)
def test_sign_in_never_leads_off_site(client, account, next_: str, lands: str) -> None:
    response = sign_in(client, *account, next_=next_)
    assert response.status_code == 303
    assert response.headers["location"] == lands


def test_changes_with_the_cookie_need_the_csrf_header(client, account) -> None:
    sign_in(client, *account)
    token = client.get("/api/v1/me").json()["csrf_token"]
    refused = client.post("/api/v1/plans", json={})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/v1/plans", json={}, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    passed = client.post("/api/v1/plans", json={}, headers={"X-CSRF-Token": token})
    assert passed.status_code == 422, passed.text  # past sign-in and CSRF, to the body's check


@pytest.mark.parametrize("how", ["form", "header"])
def test_signing_out_ends_the_session(client, account, how: str) -> None:
    sign_in(client, *account)
    session = client.cookies["wangge_session"]
    assert client.post("/logout").status_code == 403  # no token: no other site signs one out
    assert client.get("/api/v1/me").status_code == 200
    token = csrf_token(session)
    if how == "form":
        response = client.post("/logout", data={"csrf": token})
    else:
        response = client.post("/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    (cleared,) = set_cookies(response, "wangge_session")
    assert "max-age=0" in cleared.lower()
    assert "wangge_session" not in client.cookies
    replay = browser(client.app, "10.3.0.1")
    replay.cookies.set("wangge_session", session)  # within the authenticator's 10 s memory
    assert replay.get("/api/v1/me").status_code == 401
    assert replay.get("/").status_code == 303


def test_the_eleventh_attempt_in_a_minute_is_refused(client, account) -> None:
    name, password = account
    token = form_token(client)
    for _ in range(10):
        data = {"name": name, "password": "guess", "csrf": token, "next": "/"}
        assert client.post("/login", data=data).status_code == 401
    data = {"name": name, "password": password, "csrf": token, "next": "/"}
    refused = client.post("/login", data=data)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "尝试次数过多" in refused.text and not set_cookies(refused, "wangge_session")
    elsewhere = browser(client.app, "10.4.0.1")  # the name is limited, wherever it comes from
    assert sign_in(elsewhere, name, password).status_code == 429


def test_one_address_gets_thirty_attempts_a_minute(client, account) -> None:
    token = form_token(client)
    for i in range(30):
        data = {"name": f"guess-{i}", "password": "guess", "csrf": token, "next": "/"}
        assert client.post("/login", data=data).status_code == 401
    assert sign_in(client, *account).status_code == 429


def run_demo(engine, monkeypatch, capsys) -> str:
    """`wangge demo --no-serve` on the test database (its city counts as loaded); its
    output on stderr."""
    import gis.load.sample

    monkeypatch.setattr(data, "engine", lambda: engine)
    monkeypatch.setattr(gis.load.sample, "sample_loaded", lambda eng, adcode: True)
    # The demo's plan (tests/gis/test_synth_oldtown.py) would publish over the plans of
    # the shared test database: here only the sign-in is under test.
    monkeypatch.setattr(gis.load.sample, "publish_sample_plan", lambda *a, **k: None)
    data.demo(adcode="331004", host="127.0.0.1", port=8000, serve_=False)
    return capsys.readouterr().err


def test_the_demo_prints_how_to_sign_in_as_its_admin(app, engine, monkeypatch, capsys) -> None:
    said = run_demo(engine, monkeypatch, capsys)
    assert "http://127.0.0.1:8000/login" in said and f"name:      {DEMO_ADMIN}" in said
    assert f"wangge user passwd {DEMO_ADMIN}" in said
    first = re.search(r"password:\s+(\S+)", said)[1]
    client = browser(app, "10.5.0.1")
    assert sign_in(client, DEMO_ADMIN, first).status_code == 303
    assert client.get("/api/v1/me").json()["role"] == "admin"
    with engine.begin() as conn:
        disable_user(conn, DEMO_ADMIN)
    # The next run enables it again, with a new password.
    second = re.search(r"password:\s+(\S+)", run_demo(engine, monkeypatch, capsys))[1]
    assert second != first
    later = browser(app, "10.5.0.2")
    assert sign_in(later, DEMO_ADMIN, first).status_code == 401
    assert sign_in(later, DEMO_ADMIN, second).status_code == 303


def test_sign_ins_and_refusals_are_audited(client, account, engine) -> None:
    from sqlalchemy import text

    name, password = account
    assert sign_in(client, name, "not-the-password").status_code == 401
    assert sign_in(client, name, password).status_code == 303
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT action, role, source FROM audit_log WHERE object_id = :n ORDER BY id"),
            {"n": name},
        ).all()
    assert [a for a, _, _ in actions] == ["sign_in_refused", "sign_in"]
    assert actions[1][1] == "planner" and actions[1][2]


def test_a_csrf_header_beyond_ascii_is_refused_not_an_error(client, account) -> None:
    name, password = account
    assert sign_in(client, name, password).status_code == 303
    header = {"X-CSRF-Token": "tök".encode()}  # sent as UTF-8 bytes, read as latin-1
    assert client.post("/api/v1/plans", json={}, headers=header).status_code == 403
