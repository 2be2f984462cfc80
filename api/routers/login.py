"""Signing in from a browser: the login form, the session cookie, signing out.

The form is plain HTML that works without JavaScript. Its own CSRF protection (against
"login CSRF": another site signing a browser in as the attacker) is a double-submit
token: a random value in the short-lived ``wangge_login`` cookie and in a hidden field.
Another site can neither read the cookie nor set it, so it cannot fill in the field.

A sign-in opens a session (``gis.accounts.open_session``) whose id goes only into an
HttpOnly, SameSite=Strict cookie; pages send its CSRF token (``GET /api/v1/me``) with
every change. Attempts are limited per name and per client address, in memory and per
process (a few processes multiply the limits by their number, which still stops a
guessing run). The client address is the connection's: uvicorn takes it from
``X-Forwarded-For`` only from the proxies it trusts (``--forwarded-allow-ips``).
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
import time
from html import escape
from string import Template
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.auth import CSRF_HEADER, SESSION_COOKIE
from api.dependencies import Db
from api.guards import NO_NUL, PLAIN_TEXT
from api.requests import origin
from api.routers.pages import STATIC, page_user
from api.schemas.problems import problems
from gis.accounts import close_session, open_session, verify_password
from gis.accounts.sessions import csrf_token
from gis.accounts.users import WRONG
from gis.audit import record
from gis.errors import Forbidden, NotAuthenticated

LOGIN_COOKIE = "wangge_login"
LOGIN_COOKIE_S = 30 * 60  # time to fill in the form
SESSION_HOURS = 12
PER_NAME = "10/minute"
PER_ADDRESS = "30/minute"
MAX_NEXT = 2048
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
_PAGE_HEADERS = {
    "Cache-Control": "no-store",  # the page carries a CSRF token
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
}

TEXT = {
    "zh": {
        "title": "登录", "name_label": "用户名", "password_label": "密码", "submit": "登录",
        "switch_label": "EN", "other": "en",
        "wrong": "用户名或密码错误。",
        "disabled": "此账号已停用，请联系管理员。",
        "expired": "登录表单已过期，请重新输入。",
        "too_many": "尝试次数过多，请 {s} 秒后再试。",
        "hint": "没有账号？请管理员用 wangge user add 创建。",
    },
    "en": {
        "title": "Sign in", "name_label": "Name", "password_label": "Password", "submit": "Sign in",
        "switch_label": "中文", "other": "zh",
        "wrong": "Wrong name or password.",
        "disabled": "This account is disabled; ask an administrator.",
        "expired": "The sign-in form had expired; please enter your name and password again.",
        "too_many": "Too many attempts; try again in {s} s.",
        "hint": "No account? An administrator creates one with wangge user add.",
    },
}  # fmt: skip


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _redirect(description: str) -> dict[str, Any]:
    location = {"description": "Where to go next.", "schema": {"type": "string"}}
    return {**_html(description), "headers": {"Location": location}}


router = APIRouter(tags=["pages"])


def _see_other(target: str) -> HTMLResponse:
    """A 303 to ``target``, with a link to it in the body, as the route documents it."""
    location = quote(target, safe="/%#?=@[]!$&'()*+,;:")  # as Starlette's redirects do
    link = escape(location)
    body = f'<!doctype html><title>wangge</title><a href="{link}">{link}</a>'
    return HTMLResponse(body, status_code=303, headers={"Location": location})


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else "/": a sign-in never leads off-site.

    "//host" and "/\\host" are other sites to a browser, and it drops tabs and line
    breaks from a URL, so "/\\t/host" is one too.

    >>> [safe_next(t) for t in ("/#/area/1", "//evil.example", "https://evil.example")]
    ['/#/area/1', '/', '/']
    >>> safe_next("/\\\\evil.example"), safe_next("/\\t/evil.example")
    ('/', '/')
    """
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    if len(target) > MAX_NEXT or any(c < " " or c == "\x7f" for c in target):
        return "/"
    return target


def _lang(request: Request, chosen: str | None) -> str:
    if chosen in TEXT:
        return chosen
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def _secure(request: Request) -> bool:
    # The scheme of the request as uvicorn saw it; a client's own X-Forwarded-Proto is
    # not believed here (uvicorn believes it only from a trusted proxy).
    return request.url.scheme == "https"


class LoginLimits:
    """Sign-in attempts per name and per client address, in a moving window in memory."""

    def __init__(self, per_name: str = PER_NAME, per_address: str = PER_ADDRESS) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: list[tuple[str, RateLimitItem]] = [
            ("name", parse(per_name)),
            ("address", parse(per_address)),
        ]

    def wait(self, name: str, address: str) -> int:
        """Count one attempt; 0 if it may go ahead, else the seconds until one may."""
        keys = {"name": name, "address": address}
        for kind, item in self._items:
            if not self._limiter.hit(item, "login", kind, keys[kind]):
                reset, _ = self._limiter.get_window_stats(item, "login", kind, keys[kind])
                return max(1, math.ceil(reset - time.time()))
        return 0


def _limits(request: Request) -> LoginLimits:
    state = request.app.state
    if getattr(state, "login_limits", None) is None:
        state.login_limits = LoginLimits()
    return state.login_limits


def _form(
    request: Request,
    status: int,
    lang: str,
    target: str,
    message: str = "",
    name: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The login page, with a CSRF token in its hidden field and in the login cookie."""
    text = TEXT[lang]
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not _TOKEN.match(token):
        token = secrets.token_urlsafe(32)
    switch = "/login?" + urlencode({"next": target, "lang": text["other"]})
    values = {
        "lang": "zh-CN" if lang == "zh" else "en",
        "language": lang,
        "csrf": token,
        "next": target,
        "name_value": name,
        "switch_href": switch,
        **{k: v for k, v in text.items() if k not in ("other", "too_many")},
    }
    safe = {k: escape(v) for k, v in values.items()}
    safe["message"] = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    page = Template((STATIC / "login.html").read_text(encoding="utf-8")).substitute(safe)
    response = HTMLResponse(page, status_code=status, headers={**_PAGE_HEADERS, **(headers or {})})
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=LOGIN_COOKIE_S, path="/login",
        secure=_secure(request), httponly=True, samesite="strict",
    )  # fmt: skip
    return response


@router.get(
    "/login",
    response_class=HTMLResponse,
    responses={
        200: _html("The sign-in form (Chinese or English)."),
        303: _redirect("Already signed in: on to `next`."),
        **problems(422),
    },
)
async def login_page(
    request: Request,
    next_: Annotated[
        str, Query(alias="next", max_length=MAX_NEXT, description="A path of this site.")
    ] = "/",
    lang: Annotated[str | None, Query(description="`zh` or `en`.", max_length=8)] = None,
) -> Response:
    """The sign-in form; whoever is signed in already goes on to ``next``."""
    target = safe_next(next_)
    if await page_user(request) is not None:
        return _see_other(target)
    return _form(request, 200, _lang(request, lang), target)


@router.post(
    "/login",
    status_code=303,
    response_class=HTMLResponse,
    responses={
        303: _redirect("Signed in: the session cookie is set; on to `next` (a local path)."),
        401: _html("The form again, with the message: wrong name or password."),
        403: _html("The form again: its CSRF token was missing or did not match the cookie."),
        429: {
            **_html("The form again: too many attempts for this name or address."),
            "headers": {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}
            },
        },
        **problems(413, 422),
    },
)
async def sign_in(
    request: Request,
    db: Db,
    name: Annotated[str, Form(max_length=256, pattern=PLAIN_TEXT)] = "",
    password: Annotated[str, Form(max_length=1024, pattern=NO_NUL)] = "",
    csrf: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")] = "",
    next_: Annotated[str, Form(alias="next", max_length=MAX_NEXT, pattern=NO_NUL)] = "/",
    lang: Annotated[str, Form(max_length=8, pattern=r"^[a-z]*$")] = "",
) -> Response:
    """Check the form's token, the attempt limits and the password, then open a session."""
    language, target = _lang(request, lang), safe_next(next_)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not _TOKEN.match(expected) or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return _form(request, 403, language, target, TEXT[language]["expired"], name)
    address = request.client.host if request.client else "unknown"
    wait = _limits(request).wait(name, address)
    if wait:
        message = TEXT[language]["too_many"].format(s=wait)
        return _form(request, 429, language, target, message, name, {"Retry-After": str(wait)})
    try:
        user = await db.run(verify_password, name, password)
    except NotAuthenticated as exc:
        await db.run(record, **origin(request, None, actor=name[:256] or "(no name)"),
                     action="sign_in_refused",
                     object_type="user", object_id=name[:64], detail={"why": str(exc)})  # fmt: skip
        message = TEXT[language]["wrong" if str(exc) == WRONG else "disabled"]
        return _form(request, 401, language, target, message, name)
    await db.run(record, **origin(request, user), action="sign_in", object_type="user",
                 object_id=user.name)  # fmt: skip
    session = await db.run(open_session, user.id, SESSION_HOURS)
    await _end(request, db, request.cookies.get(SESSION_COOKIE))  # one session per browser
    response = _see_other(target)
    response.set_cookie(
        SESSION_COOKIE, session, max_age=SESSION_HOURS * 3600, path="/",
        secure=_secure(request), httponly=True, samesite="strict",
    )  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/login", httponly=True, samesite="strict")
    return response


async def _end(request: Request, db: Db, session: str | None) -> None:
    """Close a session and drop it from the authenticator's memory at once."""
    if session:
        await db.run(close_session, session)
        request.app.state.authenticator.forget("session", session)


@router.post(
    "/logout",
    status_code=303,
    response_class=HTMLResponse,
    responses={
        303: _redirect("Signed out: the session is closed, the cookie cleared; on to /login."),
        **problems(403, 413, 422),
    },
)
async def sign_out(
    request: Request,
    db: Db,
    csrf: Annotated[
        str,
        Form(
            max_length=64,
            pattern=r"^[0-9a-f]*$",
            description=f"The session's CSRF token (or the {CSRF_HEADER} header).",
        ),
    ] = "",
) -> Response:
    """End the browser's session; its CSRF token is needed, so no other site signs one out."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        sent = csrf or request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token(session).encode()):
            raise Forbidden(
                f"signing out needs the session's CSRF token (the form field csrf or the "
                f"{CSRF_HEADER} header; GET /api/v1/me gives it): reload the page and retry"
            )
        await _end(request, db, session)
    response = _see_other("/login")
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="strict"
    )
    return response
