"""Who is asking: the signed-in user of every request, and what their role lets them do.

A request signs in with ``Authorization: Bearer wg_...`` (scripts, mobile clients,
``wangge user token``) or with the session cookie the login page sets (browsers).
Every route but ``/healthz``, the login page and static files depends on
:class:`Permit`, which answers 401 to nobody and 403 to a role without the
permission (``gis.accounts.roles`` is the one table of what each role may do).

A browser request that changes something must also carry ``X-CSRF-Token``: the
session's token, which only a page of wangge's own origin can read (from
``GET /api/v1/me``). The cookie is ``SameSite=Strict`` too; the token is the second
lock, for browsers that ignore it. Bearer requests need no token: no browser sends a
bearer token on its own.

A credential is looked up once and remembered for ``TTL_S`` seconds, so the hundred
tile requests of one map view cost one lookup; a disabled user or a closed session
stops working within that time.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.dependencies import Database
from gis.accounts import User, require, user_for_session, user_for_token
from gis.accounts.hashing import digest
from gis.accounts.roles import PERMISSIONS
from gis.accounts.sessions import csrf_token
from gis.db.api_role import request_credential
from gis.errors import Forbidden, NotAuthenticated

SESSION_COOKIE = "wangge_session"
CSRF_HEADER = "X-CSRF-Token"
TTL_S = 10.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `wangge user token NAME`: `Authorization: Bearer wg_...`.",
)
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The browser session the login page (`/login`) sets. Requests that "
    f"change something also send its `{CSRF_HEADER}` (from `GET /api/v1/me`).",
)

SIGN_IN = (
    "sign in: send `Authorization: Bearer <token>` (an administrator issues one with "
    "`wangge user token NAME`), or sign in at /login"
)


class Authenticator:
    """Credential → user, with a short memory (see the module's docstring)."""

    def __init__(self, db: Database, ttl_s: float = TTL_S, size: int = 4096) -> None:
        self.db = db
        self._known: TTLCache[str, User | None] = TTLCache(maxsize=size, ttl=ttl_s)

    async def user(self, kind: str, secret: str) -> User | None:
        """The user a bearer token (``kind="token"``) or a session id signs in as."""
        key = kind + ":" + digest(secret)
        if key in self._known:
            return self._known[key]
        lookup = user_for_token if kind == "token" else user_for_session
        found = await self.db.run(lookup, secret)
        self._known[key] = found
        return found

    def forget(self, kind: str, secret: str) -> None:
        """Drop a remembered credential at once (sign-out)."""
        self._known.pop(kind + ":" + digest(secret), None)


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: Annotated[str | None, Depends(session_cookie)],
) -> User:
    """The signed-in user of this request, or 401; also kept on ``request.state.user``,
    and named to the database on each connection the request takes (row-level security)."""
    authenticator: Authenticator = request.app.state.authenticator
    if credentials is not None:
        user = await authenticator.user("token", credentials.credentials)
        if user is None:
            raise NotAuthenticated(
                "the bearer token is unknown, expired, or its user is disabled; "
                "ask an administrator for a new one (`wangge user token NAME`)"
            )
    elif session:
        user = await authenticator.user("session", session)
        if user is None:
            raise NotAuthenticated("the session has ended; sign in again at /login")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            # Bytes: compare_digest refuses a str with characters beyond ASCII.
            if not hmac.compare_digest(sent.encode(), csrf_token(session).encode()):
                raise Forbidden(
                    f"a change made from a browser needs the {CSRF_HEADER} header with the "
                    "session's token (GET /api/v1/me gives it); reload the page and retry"
                )
    else:
        raise NotAuthenticated(SIGN_IN)
    request.state.user = user
    # Every connection this request takes is told the credential; the database finds the
    # user from it (gis.db.api_role).
    secret = credentials.credentials if credentials is not None else session
    request_credential.set(digest(secret))
    return user


CurrentUser = Annotated[User, Depends(current_user)]


class Permit:
    """Dependency: the signed-in user, if their role may ``permission`` (else 403).

    Routes declare it once each, directly or through their router; the route test
    (tests/api/test_auth.py) finds it there and tries every role against it.
    """

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission

    async def __call__(self, user: CurrentUser) -> User:
        require(user.role, self.permission)
        return user

    def __repr__(self) -> str:
        return f"Permit({self.permission!r})"


def permit(permission: str) -> object:
    """``Depends(Permit(permission))``, for a router's or a route's ``dependencies=``."""
    return Depends(Permit(permission))


# The signed-in user, for routes that use who it is as well as that they may.
PlanReader = Annotated[User, Depends(Permit("plans:read"))]
PlanWriter = Annotated[User, Depends(Permit("plans:write"))]
PlanPublisher = Annotated[User, Depends(Permit("plans:publish"))]
HouseholdReader = Annotated[User, Depends(Permit("households:read"))]
JobReader = Annotated[User, Depends(Permit("jobs:read"))]
Analyst = Annotated[User, Depends(Permit("analyses:run"))]
