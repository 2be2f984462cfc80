"""Web pages, served with all their assets by wangge itself (no CDN).

A page needs a signed-in user as every API route does, but answers the signed-out with
a redirect to the login page (``/login?next=...``) rather than a 401 problem: a person
opens it, not a script.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import SESSION_COOKIE, bearer, current_user
from api.schemas.base import body_of
from api.schemas.problems import problems
from gis.accounts import User
from gis.errors import NotAuthenticated, SetupError

STATIC = Path(__file__).resolve().parents[1] / "static"
VENDOR_FILES = ("maplibre-gl.js", "maplibre-gl.css", "noto-sans-sc/index.css")
SHELL = re.compile(r"^ *<!-- shell: (head|pages|user) -->$", re.M)

router = APIRouter(tags=["pages"])


def _page(name: str, current: str) -> HTMLResponse:
    missing = [f for f in VENDOR_FILES if not (STATIC / "vendor" / f).exists()]
    if missing:
        raise SetupError(
            f"the page's assets are missing ({', '.join(missing)}): "
            "run `make setup` (it runs scripts/fetch_assets.py)"
        )
    return HTMLResponse(assemble(name, current), headers={"Cache-Control": "no-cache"})


@lru_cache(maxsize=8)  # the files ship with wangge: read once per process
def assemble(name: str, current: str) -> str:
    """A page with the parts every page shares put in: ``<!-- shell: head -->`` (meta, the
    map library, the fonts, wangge.css), ``pages`` (brand and the pages' links, ``current``
    marked) and ``user`` (language switch, who is signed in, sign out), from
    ``static/shell/``. One copy of each, so the pages cannot drift apart."""

    def part(match: re.Match) -> str:
        text = (STATIC / "shell" / f"{match[1]}.html").read_text(encoding="utf-8")
        mark = f'data-page="{current}"'
        return text.rstrip("\n").replace(mark, f'{mark} aria-current="page"')

    html = SHELL.sub(part, (STATIC / name).read_text(encoding="utf-8"))
    if "<!-- shell:" in html:  # a part misnamed, or a line that is not the marker alone
        raise SetupError(f"{name}: a <!-- shell: ... --> marker names no part of static/shell/")
    return html


async def page_user(request: Request) -> User | None:
    """The signed-in user of a page request (session cookie or bearer token), or None."""
    try:
        return await current_user(
            request, await bearer(request), request.cookies.get(SESSION_COOKIE)
        )
    except NotAuthenticated:
        return None


def sign_in_first(path: str) -> RedirectResponse:
    """To the login page, which leads back to ``path`` once signed in."""
    return RedirectResponse("/login?next=" + quote(path, safe="/"), status_code=303)


SIGN_IN_FIRST = {
    303: {
        "description": "Not signed in: to the login page, `/login?next=...`.",
        "headers": {"Location": {"description": "The login page.", "schema": {"type": "string"}}},
    }
}


@router.get(
    "/",
    response_class=HTMLResponse,
    responses={200: body_of("text/html", "The page.", fmt=""), **SIGN_IN_FIRST, **problems(503)},
)
async def drilldown(request: Request) -> Response:
    """The drill-down map: district → street → community → grid → building → household."""
    if await page_user(request) is None:
        return sign_in_first("/")
    return _page("index.html", "map")


@router.get(
    "/command",
    response_class=HTMLResponse,
    responses={200: body_of("text/html", "The page.", fmt=""), **SIGN_IN_FIRST, **problems(503)},
)
async def command(request: Request) -> Response:
    """The command centre: incidents live on the district map, filtered, counted, listed,
    each with its timeline and the transitions its reader may make."""
    if await page_user(request) is None:
        return sign_in_first("/command")
    return _page("command.html", "command")


@router.get(
    "/planner",
    response_class=HTMLResponse,
    responses={200: body_of("text/html", "The page.", fmt=""), **SIGN_IN_FIRST, **problems(503)},
)
async def planner(request: Request) -> Response:
    """The planner page: a plan's grids redrawn by hand (paint, split, merge, undo) with
    live counts and rules, compared with another plan, published."""
    if await page_user(request) is None:
        return sign_in_first("/planner")
    return _page("planner.html", "planner")
