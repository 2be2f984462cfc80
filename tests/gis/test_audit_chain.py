"""The audit log: one hash chain however many write at once, every change to it found,
and the API's role able to add entries and do nothing else."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from gis.audit import GENESIS, MAINTENANCE, entries, entry_hash, record, verify
from gis.db.migrate import upgrade
from gis.errors import Forbidden

API_ROLE = "wangge_api"


@pytest.fixture(scope="module")
def audit_db(make_database) -> Iterator[Engine]:
    """A migrated database of this module's own: its log is emptied and tampered with."""
    engine = create_engine(make_database("wangge_audit"))
    upgrade(engine)
    yield engine
    engine.dispose()


@contextmanager
def maintenance(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL {MAINTENANCE} = 'on'"))
        yield conn


@pytest.fixture
def db(audit_db: Engine) -> Engine:
    """The module's database with an empty log."""
    with maintenance(audit_db) as conn:
        conn.execute(text("TRUNCATE audit_log"))
    return audit_db


def add(conn: Connection, n: int = 1, **fields) -> None:
    for i in range(n):
        entry = {"actor": "alice", "role": "admin", "source": "10.0.0.1",
                 "request_id": f"req-{i}", "action": "read", "object_type": "household",
                 "object_id": f"H{i:03d}"} | fields  # fmt: skip
        record(conn, **entry)


def ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


def test_entries_are_chained_as_python_computes_them(db: Engine) -> None:
    odd = {
        "名字": "王芳",
        "n": 1.0,
        "big": 1e2,
        "z": None,
        "a": [1, "x"],
        "nested": {"b": 2, "a": 1},
    }
    with db.begin() as conn:
        add(conn, 5)
        add(conn, actor="王芳", role=None, source=None, request_id=None, object_id=None,
            purpose="checking a subsidy | with: separators", detail=odd)  # fmt: skip
        add(conn, 3, action="unmask", object_type="person", purpose="p" * 500)
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT *, detail::text AS detail FROM audit_log ORDER BY id")
        ).mappings().all()  # fmt: skip
    assert rows[0]["prev_hash"] == GENESIS
    for before, entry in itertools.pairwise(rows):
        assert entry["prev_hash"] == before["hash"]
        assert entry["at"] >= before["at"] and entry["id"] > before["id"]
    assert all(entry_hash(r) == r["hash"] for r in rows)
    with db.connect() as conn:
        check = verify(conn)
        assert verify(conn, batch=2) == check  # batch edges change nothing
    assert check.intact and check.entries == 9
    assert (check.head_id, check.head_hash) == (rows[-1]["id"], rows[-1]["hash"])


def test_two_connections_writing_at_once_keep_one_chain(db: Engine) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(40):
                with db.begin() as conn:  # a few entries a transaction, some alone
                    add(conn, 1 + i % 3, actor=name)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.connect() as conn:
        check = verify(conn, batch=50)
        actors = dict(conn.execute(text("SELECT actor, count(*) FROM audit_log GROUP BY 1")).all())
    assert check.intact, check.summary()
    each = sum(1 + i % 3 for i in range(40))
    assert check.entries == 2 * each and actors == {"one": each, "two": each}


def test_a_fork_is_refused_even_under_repeatable_read(db: Engine) -> None:
    with db.begin() as conn:
        add(conn)
    late = db.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        late.begin()
        late.execute(text("SELECT 1"))  # its snapshot: before the next entry
        with db.begin() as conn:
            add(conn)
        with pytest.raises(DBAPIError, match=r"ux_audit_log_prev_hash|serializ"):
            add(late)
        late.rollback()
    finally:
        late.close()
    with db.connect() as conn:
        assert verify(conn).intact


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
    ids=["update", "delete", "truncate"],
)
def test_changes_are_refused_even_to_the_owner(db: Engine, statement: str) -> None:
    with db.begin() as conn:
        add(conn, 2)
    with pytest.raises(DBAPIError, match="append-only"), db.begin() as conn:
        conn.execute(text(statement))
    assert len(ids(db)) == 2


def test_changed_content_is_found(db: Engine) -> None:
    with db.begin() as conn:
        add(conn, 8)
    target = ids(db)[4]
    with maintenance(db) as conn:
        conn.execute(
            text("""UPDATE audit_log SET detail = '{"persons": 99}' WHERE id = :id"""),
            {"id": target},
        )
    with db.connect() as conn:
        check = verify(conn)
    assert not check.intact and check.broken_id == target and check.entries == 4
    assert "content was changed" in check.reason


def test_a_deleted_entry_is_found_at_the_next(db: Engine) -> None:
    with db.begin() as conn:
        add(conn, 8)
    found = ids(db)
    with maintenance(db) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": found[3]})
    with db.connect() as conn:
        check = verify(conn, batch=3)
    assert not check.intact and check.broken_id == found[4]
    assert f"entries {found[3]} to {found[3]} are missing" in check.reason
    assert "summary" and f"broken at entry {found[4]}" in check.summary()


def test_deleted_first_entries_and_a_relinked_entry_are_found(db: Engine) -> None:
    with db.begin() as conn:
        add(conn, 6)
    found = ids(db)
    with maintenance(db) as conn:
        # Entry 4 linked elsewhere and rehashed as the trigger would: its own hash holds.
        # (Linking it to entry 2 is not even possible: entry 3 does, and a link is unique.)
        conn.execute(
            text(
                "UPDATE audit_log SET prev_hash = CAST(:other AS text), hash = "
                "wangge_audit_hash(id, at, actor, role, source, request_id, action, object_type, "
                "object_id, purpose, detail, CAST(:other AS text)) WHERE id = :id"
            ),
            {"id": found[3], "other": "f" * 64},
        )
    with db.connect() as conn:
        relinked = verify(conn)
    assert relinked.broken_id == found[3] and "link was changed" in relinked.reason
    with maintenance(db) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": found[0]})
    with db.connect() as conn:
        headless = verify(conn)
    assert headless.broken_id == found[1] and "before it were deleted" in headless.reason


@contextmanager
def as_api_role(engine: Engine, user_id: int | None = None) -> Iterator[Connection]:
    """A transaction under the API's role, naming ``user_id`` as the API does."""
    with engine.connect() as conn, conn.begin():
        conn.execute(text(f"SET LOCAL ROLE {API_ROLE}"))
        conn.execute(
            text("SELECT set_config('wangge.user_id', :id, true)"),
            {"id": "" if user_id is None else str(user_id)},
        )
        yield conn


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) FROM audit_log",
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "SELECT setval('audit_log_id_seq', 1)",
        "SELECT nextval('audit_log_id_seq')",
        "SELECT * FROM wangge_audit_select(NULL, NULL, NULL, NULL, NULL, NULL, 0, 10)",
        "INSERT INTO audit_log (actor, action, object_type) VALUES ('x', 'y', 'z') RETURNING id",
    ],
    ids=["select", "update", "delete", "truncate", "setval", "nextval", "owner-read", "returning"],
)
def test_the_api_role_may_not(db: Engine, statement: str) -> None:
    with db.begin() as conn:
        add(conn)
    with pytest.raises(DBAPIError, match="permission denied"), as_api_role(db) as conn:
        conn.execute(text(statement))


def test_the_api_role_may_add_entries(db: Engine) -> None:
    with as_api_role(db) as conn:
        add(conn, 3, actor="api")
    with db.connect() as conn:
        check = verify(conn)
        assert entries(conn, actor="api", as_owner=True)["items"][0]["role"] == "admin"
    assert check.intact and check.entries == 3


def test_only_an_enabled_admin_reads_through_the_function(db: Engine) -> None:
    from gis.accounts import create_user, disable_user

    with db.begin() as conn:
        add(conn, 3)
        admin = create_user(conn, "audit-admin", "admin")[0].id
        viewer = create_user(conn, "audit-viewer", "viewer")[0].id
        gone = create_user(conn, "audit-gone", "admin")[0].id
        disable_user(conn, "audit-gone")
    for reader in (None, viewer, gone, 2_000_000):
        with pytest.raises(Forbidden, match="enabled admin"), as_api_role(db, reader) as conn:
            entries(conn)
    with as_api_role(db, admin) as conn:
        page = entries(conn, limit=2)
    assert [e["object_id"] for e in page["items"]] == ["H000", "H001"]
    assert page["next_after"] == page["items"][-1]["id"]


def test_filters_and_pages(db: Engine) -> None:
    with db.begin() as conn:
        add(conn, 4, actor="ann")
        add(conn, 3, actor="bob", action="unmask", object_type="person", purpose="a reason!!")
    with db.connect() as conn:
        bob = entries(conn, actor="bob", as_owner=True)
        unmasks = entries(conn, action="unmask", object_id="H001", as_owner=True)
        first = entries(conn, limit=5, as_owner=True)
        rest = entries(conn, after=first["next_after"], limit=5, as_owner=True)
        at = bob["items"][0]["at"]
        later = entries(conn, since=at, as_owner=True)["items"]
        earlier = entries(conn, until=at, as_owner=True)["items"]
        none = entries(conn, since=at + timedelta(days=1), as_owner=True)
    assert [e["actor"] for e in bob["items"]] == ["bob"] * 3 and bob["next_after"] is None
    assert [(e["actor"], e["purpose"]) for e in unmasks["items"]] == [("bob", "a reason!!")]
    assert len(first["items"]) == 5 and len(rest["items"]) == 2 and rest["next_after"] is None
    assert len(later) + len(earlier) == 7 and all(e["actor"] == "ann" for e in earlier)
    assert none == {"items": [], "next_after": None}


def test_the_migration_chains_the_entries_already_there(make_database) -> None:
    engine = create_engine(make_database("wangge_audit_migration"))
    try:
        upgrade(engine, "0011")
        with engine.begin() as conn:
            for i in range(5):
                conn.execute(
                    text("INSERT INTO audit_log (actor, action, object_type, object_id, detail) "
                         "VALUES ('old', 'read', 'household', :o, CAST(:d AS jsonb))"),
                    {"o": f"H{i}", "d": '{"persons": 2, "masked": true}'},
                )  # fmt: skip
        upgrade(engine)
        with engine.begin() as conn:
            add(conn, 2)
        with engine.connect() as conn:
            check = verify(conn)
        assert check.intact and check.entries == 7, check.summary()
    finally:
        engine.dispose()
