"""Accounts against the real database: users, passwords, tokens, sessions, the role table."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from gis.accounts import (
    PERMISSIONS,
    ROLES,
    close_session,
    create_user,
    disable_user,
    enable_user,
    get_user,
    hashing,
    issue_token,
    list_users,
    may,
    open_session,
    require,
    scope_level,
    set_password,
    user_for_session,
    user_for_token,
    verify_password,
)
from gis.accounts.roles import ROLE_DESCRIPTIONS, markdown_table, permissions
from gis.db.migrate import upgrade
from gis.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from gis.load import load_frame
from tests.common import small_areas

DOCS = Path(__file__).resolve().parents[2] / "docs" / "accounts.md"
STREET, COMMUNITY = "331004001000", "331004001001"
GRID = COMMUNITY + "001"


@pytest.fixture(scope="module")
def db(make_database: Callable[[str], str]) -> Iterator[Engine]:
    """The small areas, and one published plan with the grid GRID in COMMUNITY."""
    eng = create_engine(make_database("wangge_accounts"))
    upgrade(eng)
    load_frame(eng, "areas", small_areas())
    with eng.begin() as conn:
        conn.execute(text(
            "WITH c AS (SELECT id, geom FROM area WHERE code = :c), "
            "p AS (INSERT INTO grid_plan (name, status, area_id) "
            "      SELECT 'p', 'published', id FROM c RETURNING id) "
            "INSERT INTO grid (plan_id, community_id, code, geom) "
            "SELECT p.id, c.id, :g, c.geom FROM p, c"
        ), {"c": COMMUNITY, "g": GRID})  # fmt: skip
    yield eng
    eng.dispose()


def test_create_verify_disable_enable(db: Engine) -> None:
    with db.begin() as conn:
        user, password = create_user(conn, "alice", "planner", scope=STREET)
    assert (user.name, user.role, user.scope, user.enabled) == ("alice", "planner", STREET, True)
    assert user.last_sign_in_at is None and len(password) >= 16
    with db.begin() as conn:
        signed_in = verify_password(conn, "alice", password)
        assert signed_in.id == user.id and signed_in.last_sign_in_at is not None
        assert get_user(conn, "alice").last_sign_in_at == signed_in.last_sign_in_at
        disable_user(conn, "alice")
        with pytest.raises(NotAuthenticated, match="disabled"):
            verify_password(conn, "alice", password)
        assert get_user(conn, "alice").enabled is False
        enable_user(conn, "alice")
        assert verify_password(conn, "alice", password).enabled


def test_wrong_password_and_unknown_user_get_the_same_answer(db: Engine, monkeypatch) -> None:
    with db.begin() as conn:
        create_user(conn, "bob", "viewer")
    checked: list[str] = []
    real = hashing.hasher()

    class Spy:
        hash = real.hash

        def verify(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(hashing, "hasher", Spy)
    with db.begin() as conn:
        with pytest.raises(NotAuthenticated) as wrong:
            verify_password(conn, "bob", "not-the-password")
        with pytest.raises(NotAuthenticated) as unknown:
            verify_password(conn, "nobody", "not-the-password")
    assert str(wrong.value) == str(unknown.value) == "wrong name or password"
    assert NotAuthenticated.title == "sign-in required"
    # An unknown name still costs an argon2 check, against a dummy hash.
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


@pytest.mark.parametrize(
    ("name", "role", "scope", "error", "message"),
    [
        ("carol", "superuser", None, InvalidInput, "unknown role 'superuser'; choose one of"),
        ("carol", "planner", "331004009999", InvalidInput, "no area or published grid"),
        ("carol", "grid_worker", STREET, InvalidInput, "grid_worker works in one grid"),
        ("carol", "grid_worker", None, InvalidInput, "grid_worker works in one grid"),
        ("has space", "viewer", None, InvalidInput, "cannot be a user name"),
        ("", "viewer", None, InvalidInput, "cannot be a user name"),
        ("-x", "viewer", None, InvalidInput, "cannot be a user name"),
    ],
    ids=["bad-role", "unknown-scope", "worker-on-street", "worker-unscoped", "space", "empty",
         "dash"],
)  # fmt: skip
def test_bad_users_are_refused(db: Engine, name, role, scope, error, message) -> None:
    with pytest.raises(error, match=message), db.begin() as conn:
        create_user(conn, name, role, scope=scope)
    with db.connect() as conn:
        assert "carol" not in {u.name for u in list_users(conn)}


def test_scopes_name_areas_and_published_grids(db: Engine) -> None:
    with db.begin() as conn:
        assert scope_level(conn, "331004000000") == "district"
        assert scope_level(conn, STREET) == "street"
        assert scope_level(conn, COMMUNITY) == "community"
        assert scope_level(conn, GRID) == "grid"
        worker, _ = create_user(conn, "wang.wu", "grid_worker", scope=GRID)
        assert worker.scope == GRID
        with pytest.raises(InvalidInput, match=r"already a user 'wang\.wu'"):
            create_user(conn, "wang.wu", "viewer")


def test_unknown_users_are_not_found(db: Engine) -> None:
    with db.begin() as conn:
        for call in (get_user, disable_user, enable_user, set_password):
            with pytest.raises(NotFound, match="no user 'ghost'"):
                call(conn, "ghost")
        with pytest.raises(NotFound, match="no user 'ghost'"):
            issue_token(conn, "ghost")


def test_a_new_password_replaces_the_old_and_ends_sessions(db: Engine) -> None:
    with db.begin() as conn:
        user, old = create_user(conn, "dave", "operator")
        session = open_session(conn, user.id)
        new = set_password(conn, "dave")
        assert new != old
        with pytest.raises(NotAuthenticated):
            verify_password(conn, "dave", old)
        assert verify_password(conn, "dave", new).name == "dave"
        assert user_for_session(conn, session) is None
        assert set_password(conn, "dave", "a chosen passphrase") == "a chosen passphrase"
        assert verify_password(conn, "dave", "a chosen passphrase").name == "dave"
        with pytest.raises(InvalidInput, match="at least 12 characters"):
            set_password(conn, "dave", "short")


def test_tokens_sign_in_until_they_expire(db: Engine) -> None:
    with db.begin() as conn:
        create_user(conn, "erin", "analyst", scope=COMMUNITY)
        token = issue_token(conn, "erin", days=7)
    assert re.fullmatch(r"wg_[A-Za-z0-9_-]{43}", token)
    with db.begin() as conn:
        user = user_for_token(conn, token)
        assert (user.name, user.role, user.scope) == ("erin", "analyst", COMMUNITY)
        row = conn.execute(
            text("SELECT t.expires_at - t.created_at AS life, t.last_used_at FROM api_token t "
                 "JOIN user_account u ON u.id = t.user_id WHERE u.name = 'erin'")
        ).one()  # fmt: skip
        assert row.life.days == 7 and row.last_used_at is not None
        for wrong in ("wg_" + "x" * 43, token[:-1], "", "Bearer " + token, token + "x" * 200):
            assert user_for_token(conn, wrong) is None
        disable_user(conn, "erin")
        assert user_for_token(conn, token) is None
        with pytest.raises(InvalidInput, match="disabled; enable it first"):
            issue_token(conn, "erin")
        enable_user(conn, "erin")
        assert user_for_token(conn, token).name == "erin"
        conn.execute(text(
            "UPDATE api_token SET expires_at = now() - interval '1 second' "
            "FROM user_account u WHERE u.id = user_id AND u.name = 'erin'"
        ))  # fmt: skip
        assert user_for_token(conn, token) is None
        for days in (0, -1, 3651):
            with pytest.raises(InvalidInput, match="1 to 3650 days"):
                issue_token(conn, "erin", days=days)


def test_sessions_open_look_up_and_close(db: Engine) -> None:
    with db.begin() as conn:
        user, _ = create_user(conn, "fay", "admin")
        session = open_session(conn, user.id, hours=2)
        assert user_for_session(conn, session).name == "fay"
        assert user_for_session(conn, "not-a-session") is None
        close_session(conn, session)
        assert user_for_session(conn, session) is None
        close_session(conn, session)  # closing twice does nothing
        expired = open_session(conn, user.id, hours=1)
        conn.execute(text("UPDATE user_session SET expires_at = now() - interval '1 second' "
                          "WHERE user_id = :id"), {"id": user.id})  # fmt: skip
        assert user_for_session(conn, expired) is None
        kept = open_session(conn, user.id)
        disable_user(conn, "fay")
        assert user_for_session(conn, kept) is None
        with pytest.raises(NotFound, match="no enabled user"):
            open_session(conn, user.id)
        with pytest.raises(InvalidInput, match="1 to 720 hours"):
            open_session(conn, user.id, hours=0)


def test_no_secret_is_stored_as_given(db: Engine) -> None:
    with db.begin() as conn:
        user, password = create_user(conn, "gus", "viewer")
        token = issue_token(conn, "gus")
        session = open_session(conn, user.id)
    with db.connect() as conn:
        dumped = " ".join(
            str(conn.execute(text(f"SELECT json_agg(t) FROM {table} t")).scalar())
            for table in ("user_account", "api_token", "user_session")
        )
        stored = conn.execute(
            text("SELECT password_hash FROM user_account WHERE name = 'gus'")
        ).scalar()  # fmt: skip
    for secret in (password, token, token.removeprefix("wg_"), session):
        assert secret not in dumped
    assert stored.startswith("$argon2id$")
    assert hashing.digest(token) in dumped and hashing.digest(session) in dumped
    assert "password_hash" not in repr(user) and password not in repr(user)


def test_list_users_shows_no_secret(db: Engine) -> None:
    with db.connect() as conn:
        users = list_users(conn)
    assert [u.name for u in users] == sorted(u.name for u in users)
    assert not any(hasattr(u, "password_hash") for u in users)


def test_the_permission_table() -> None:
    assert ROLES == ("admin", "planner", "operator", "grid_worker", "analyst", "viewer")
    assert all(may("admin", p) for p in PERMISSIONS)
    assert not may("analyst", "households:read") and not may("analyst", "persons:unmask")
    assert may("analyst", "analyses:run")
    assert permissions("viewer") == {"maps:read"}
    assert may("planner", "plans:publish") and not may("operator", "plans:publish")
    assert may("grid_worker", "households:read") and not may("grid_worker", "plans:write")
    assert may("operator", "incidents:write") and not may("operator", "households:read")
    # Personal data and administration are held by few roles.
    for sensitive in ("households:read", "persons:unmask", "users:admin", "audit:read"):
        assert not may("viewer", sensitive) and not may("analyst", sensitive)
    assert {r for r in ROLES if may(r, "users:admin")} == {"admin"}
    with pytest.raises(InvalidInput, match="unknown permission 'plans:delete'"):
        may("admin", "plans:delete")
    with pytest.raises(InvalidInput, match="unknown role 'root'"):
        may("root", "maps:read")
    with pytest.raises(Forbidden, match="viewer may not plans:write") as refused:
        require("viewer", "plans:write")
    assert refused.value.title == "not allowed"
    require("planner", "plans:write")


def test_the_docs_show_the_permission_table() -> None:
    doc = DOCS.read_text()
    table = doc.split("<!-- permissions: begin")[1].split("-->", 1)[1]
    assert table.split("<!-- permissions: end -->")[0].strip() == markdown_table()
    for role, description in ROLE_DESCRIPTIONS.items():
        assert f"| `{role}` | {description} |" in doc
