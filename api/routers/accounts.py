"""The signed-in user: who they are, what they may do, the token a page sends with changes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import SESSION_COOKIE, CurrentUser
from api.schemas.accounts import Me
from gis.accounts import permissions
from gis.accounts.sessions import csrf_token

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", response_model=Me)
async def get_me(user: CurrentUser, request: Request) -> dict:
    """The signed-in user; pages read their CSRF token here."""
    session = request.cookies.get(SESSION_COOKIE)
    signed_by_cookie = session and "authorization" not in request.headers
    return {
        "name": user.name,
        "role": user.role,
        "scope": user.scope,
        "permissions": sorted(permissions(user.role)),
        "csrf_token": csrf_token(session) if signed_by_cookie else None,
    }
