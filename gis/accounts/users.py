"""Users: create one with a role and a scope, set its password, disable it, check it.

A user's name signs in; its role (gis.accounts.roles) says what it may do, and its
scope, a district, street, community or published grid code, where. The password is
generated and shown once by whoever creates the account or resets it; only its
argon2 hash is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gis.accounts import hashing
from gis.accounts.roles import check_role
from gis.db.statements import fetch_one, query
from gis.errors import InvalidInput, NotAuthenticated

NAME = re.compile(r"^\w[\w.@-]{0,63}$")
WRONG = "wrong name or password"


@dataclass(frozen=True)
class User:
    """An account as the rest of wangge sees it: never with a secret."""

    id: int
    name: str
    role: str
    scope: str | None
    enabled: bool
    created_at: datetime
    last_sign_in_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def _sql(name: str):
    return query("gis.accounts", "users", name)


def check_name(name: str) -> str:
    """``name`` if it can be a user name: 1-64 letters, digits, '.', '_', '@', '-'."""
    if not NAME.match(name):
        raise InvalidInput(
            f"{name!r} cannot be a user name: use 1 to 64 letters, digits, '.', '_', '@' "
            "or '-', starting with a letter or digit"
        )
    return name


def scope_level(conn: Connection, code: str) -> str:
    """What ``code`` names: 'district', 'street', 'community', or 'grid' (published)."""
    level = conn.execute(_sql("scope_level"), {"code": code}).scalar()
    if level is None:
        raise InvalidInput(
            f"there is no area or published grid {code!r} to scope a user to; "
            "give a district, street or community code, or a grid code of a published plan"
        )
    return level


def _check_scope(conn: Connection, role: str, scope: str | None) -> None:
    level = scope_level(conn, scope) if scope is not None else None
    if role == "grid_worker" and level != "grid":
        raise InvalidInput("a grid_worker works in one grid: give --scope with a grid code "
                           "of a published plan")  # fmt: skip


def create_user(
    conn: Connection, name: str, role: str, *, scope: str | None = None
) -> tuple[User, str]:
    """A new user and its generated password, to be shown once and never again."""
    check_name(name)
    check_role(role)
    _check_scope(conn, role, scope)
    password = hashing.new_password()
    params = {"name": name, "role": role, "scope": scope,
              "password_hash": hashing.hash_password(password)}  # fmt: skip
    row = conn.execute(_sql("create"), params).mappings().first()
    if row is None:
        raise InvalidInput(f"there is already a user {name!r}; choose another name")
    return User.from_row(row), password


def get_user(conn: Connection, name: str) -> User:
    """The user ``name``, or NotFound."""
    row = fetch_one(conn, _sql("by_name"), {"name": name},
                    missing=f"there is no user {name!r}; wangge user list shows them")  # fmt: skip
    return User.from_row(row)


def list_users(conn: Connection) -> list[User]:
    """Every user, by name."""
    return [User.from_row(r) for r in conn.execute(_sql("list")).mappings()]


def set_password(conn: Connection, name: str, password: str | None = None) -> str:
    """Give ``name`` a new password (generated unless given) and end its browser
    sessions; returns the password."""
    password = hashing.new_password() if password is None else password
    params = {"name": name, "password_hash": hashing.hash_password(password)}
    fetch_one(conn, _sql("set_password"), params, missing=f"there is no user {name!r}")
    return password


def _set_enabled(conn: Connection, name: str, enabled: bool) -> User:
    params = {"name": name, "enabled": enabled}
    return User.from_row(
        fetch_one(conn, _sql("set_enabled"), params, missing=f"there is no user {name!r}")
    )


def disable_user(conn: Connection, name: str) -> User:
    """Refuse every sign-in, token and session of ``name`` until it is enabled again."""
    return _set_enabled(conn, name, False)


def enable_user(conn: Connection, name: str) -> User:
    """Let ``name`` sign in again; its unexpired tokens work again too."""
    return _set_enabled(conn, name, True)


def verify_password(conn: Connection, name: str, password: str) -> User:
    """The user ``name`` if ``password`` is theirs and they are enabled, else
    NotAuthenticated. An unknown name costs a hash as a known one does, and gets the
    same message, so neither the answer nor its time tells which names exist."""
    row = conn.execute(_sql("password_hash"), {"name": name}).mappings().first()
    stored = row["password_hash"] if row is not None else None
    if not hashing.password_matches(stored, password):
        raise NotAuthenticated(WRONG)
    if not row["enabled"]:
        raise NotAuthenticated(f"the account {name!r} is disabled; ask an administrator")
    rehash = hashing.hasher().hash(password) if hashing.needs_rehash(stored) else None
    signed_in = conn.execute(_sql("signed_in"), {"id": row["id"], "rehash": rehash})
    return User.from_row(signed_in.mappings().one())
