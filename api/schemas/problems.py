"""Problem details (RFC 9457): the one body of every error, and the ``responses=`` entries
that document them.

A route (or a router, or ``include_router`` in ``api/app.py``) names the statuses it may
answer with ``responses=problems(404, 422, ...)`` or one of the shared sets below; each is
documented as ``application/problem+json`` with the :class:`Problem` schema, and the
headers that come with it (``ETag`` on 412, ``Retry-After`` on 503).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"
REF = "#/components/schemas/Problem"


class Problem(BaseModel):
    """What went wrong, and what to do about it."""

    model_config = ConfigDict(extra="allow", title="Problem")  # RFC 9457 extension members

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What is wrong with this request and how to fix it.")
    instance: str | None = Field(None, description="The path that was requested.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Each invalid input: field (where) and message (what)."
    )
    reference: str | None = Field(
        None, description="For a 500: the id under which the server logged the error."
    )


DESCRIPTIONS = {
    400: "Bad request: the body could not be read.",
    401: "Not signed in, or the token or session is unknown, expired or disabled: "
    "send `Authorization: Bearer <token>` or sign in at /login.",
    403: "Forbidden: the user's role may not do this (`detail` names the roles that may), "
    "or a browser change came without its X-CSRF-Token.",
    404: "Not found: what the path or a parameter names does not exist.",
    409: "Conflict: the plan is not a draft (published and archived plans are history), "
    "or the edit would change a locked grid (`detail` names it: unlock it first).",
    412: "Precondition failed: If-Match does not name this plan's current version; "
    "the ETag header carries the current one.",
    413: "Content too large: the body is over the limit (WANGGE_API_MAX_BODY_BYTES).",
    422: "Invalid input: `detail` and `errors` name each field and what is wrong with it.",
    428: "Precondition required: send the plan's ETag in If-Match.",
    429: "Too many requests: the user read more households' members than a limit allows "
    "(`detail` names it, what was counted and when it resets); retry after Retry-After "
    "seconds. Bulk exports go through an administrator.",
    503: "The database is down, restarting or busy: retry after Retry-After seconds.",
    504: "A query took longer than the service allows (WANGGE_STATEMENT_TIMEOUT_S).",
}
HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "How to authenticate: `Bearer`.",
            "schema": {"type": "string"},
        }
    },
    412: {"ETag": {"description": "The plan's current ETag.", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "Seconds until the limit lets this user read again.",
            "schema": {"type": "string"},
        }
    },
    503: {
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "string"},
        }
    },
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these error statuses, each a problem+json body."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "description": DESCRIPTIONS[status],
            "content": {MEDIA_TYPE: {"schema": {"$ref": REF}}},
        }
        if status in HEADERS:
            entry["headers"] = HEADERS[status]
        out[status] = entry
    return out


# The shared sets: a route that reads the database, one that reads a named thing, a body.
AUTH = problems(401, 403)  # every route that needs a signed-in user
DATABASE = problems(503, 504)
INPUT = problems(422)
NAMED = problems(404, 422)
BODY = problems(400, 413, 422)
EDIT = problems(400, 404, 409, 412, 413, 422, 428)
