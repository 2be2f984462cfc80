"""RFC 9457 problem+json for every error the API returns.

Core errors (gis.errors) map to status codes here, and only here. ``problem_for`` is
the one mapping from an exception to a response: the FastAPI handlers call it, and
so does the catch-all middleware that every request passes through, so no error
leaves as plain text. A database that is down or restarting is a 503 with
``Retry-After``, a statement cancelled by ``statement_timeout`` a 504, and anything
unexpected a 500 whose detail gives the reference the traceback is logged under;
no detail names a host, a port or a line of code.
"""

from __future__ import annotations

import logging
import secrets

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas.base import AREA_CODE
from api.schemas.problems import MEDIA_TYPE, REF, Problem
from gis import errors
from gis.errors import (
    DatabaseUnavailable,
    FeedbackNotAllowed,
    Forbidden,
    GridLocked,
    InvalidInput,
    JobTimedOut,
    NotAuthenticated,
    NotFound,
    PlanNotDraft,
    PreconditionRequired,
    SetupError,
    StaleVersion,
    TooManyRequests,
    TransitionNotAllowed,
    WanggeError,
)

log = logging.getLogger("wangge.api")

STATUS = {
    NotFound: 404,
    InvalidInput: 422,
    StaleVersion: 412,
    PreconditionRequired: 428,
    PlanNotDraft: 409,
    GridLocked: 409,
    TransitionNotAllowed: 409,
    FeedbackNotAllowed: 409,
    DatabaseUnavailable: 503,
    SetupError: 503,
    JobTimedOut: 504,
    NotAuthenticated: 401,
    Forbidden: 403,
    TooManyRequests: 429,
}
RETRY_AFTER_S = {"busy": "2", "down": "5"}
# SQLSTATE classes of a database that cannot serve now but may soon: connection lost
# (08), out of resources or connections (53), shut down or starting up (57), a
# transaction to retry (40), a session closed for idling in a transaction (25P03).
_TRANSIENT = ("08", "53", "57", "40", "25P03")


def status_of(error_name: str | None) -> int | None:
    """The status for a domain error named in a stored problem (a job's), as for a raised one."""
    if error_name == "InternalError":
        return 500
    cls = getattr(errors, error_name or "", None)
    if not (isinstance(cls, type) and issubclass(cls, WanggeError)):
        return None
    return next((s for c, s in STATUS.items() if issubclass(cls, c)), 400)


def problem(status: int, title: str, detail: str, instance: str, **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["instance"] = instance
    body.update(extra)
    response = JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_S["down"]
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wangge"'

    return response


class HTTPProblem(HTTPException):
    """An HTTP-level refusal raised by a route or a guard, with its own title and headers."""

    def __init__(
        self, status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, detail, headers)
        self.title = title


def problem_for(exc: Exception, scope: Scope) -> JSONResponse:
    """The problem+json response for any exception a request raised."""
    path = scope.get("path", "")
    if isinstance(exc, WanggeError):
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        extra = {"errors": exc.problems} if isinstance(exc, InvalidInput) and exc.problems else {}
        if isinstance(exc, TransitionNotAllowed):
            extra["allowed"] = exc.allowed
        response = problem(status, exc.title, str(exc), path, **extra)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    if isinstance(exc, RequestValidationError):
        found = [_field_error(e) for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in found)
        return problem(422, "invalid request", detail, path, errors=found)
    if isinstance(exc, HTTPException):
        return _http(exc, scope)
    if isinstance(exc, PoolTimeout):
        detail = (
            "the database is busy: no connection came free in time for this request; "
            "retry in a few seconds"
        )
        response = problem(503, "database busy", detail, path)
        response.headers["Retry-After"] = RETRY_AFTER_S["busy"]
        return response
    trouble = database_trouble(exc)
    if trouble == 504:
        return problem(504, "query took too long", _timeout_detail(scope), path)
    if trouble == 503:
        detail = (
            "the database is not answering (it may be restarting or overloaded); "
            f"retry in {RETRY_AFTER_S['down']} seconds"
        )
        return problem(503, "database unavailable", detail, path)
    reference = secrets.token_hex(6)
    log.error(
        "unexpected error, reference %s, on %s %s",
        reference, scope.get("method"), path, exc_info=exc,
    )  # fmt: skip
    detail = (
        f"an unexpected error stopped this request; it is logged under reference {reference}: "
        "quote it when you report the problem"
    )
    return problem(500, "internal error", detail, path, reference=reference)


def _field_error(error: dict) -> dict[str, str]:
    """One invalid input as field and message, in words a user can act on."""
    kind, ctx = error.get("type"), error.get("ctx") or {}
    if kind == "json_invalid":  # its loc is ("body", character offset)
        where, why = error["loc"][-1], ctx.get("error")
        return {"field": "body", "message": f"not valid JSON at character {where}: {why}"}
    message = error["msg"]
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == AREA_CODE:
        message = f"{error.get('input')!r} is not 12 digits (an area code such as 331004001001)"
    return {"field": ".".join(str(p) for p in error["loc"]), "message": message}


def database_trouble(exc: BaseException) -> int | None:
    """504 for a statement the server cancelled, 503 for a database that cannot serve now
    (down, restarting, out of connections, the pool empty), None for anything else.

    SQLAlchemy, psycopg_pool and procrastinate wrap psycopg's errors, so the chain of
    causes is followed to the driver's own.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, psycopg.errors.QueryCanceled):
            return 504
        if isinstance(current, psycopg.InterfaceError):  # the connection is closed
            return 503
        if isinstance(current, psycopg.Error):  # the pool's errors, sqlstate None, too
            state = current.sqlstate
            if state is None:  # raised on our side: cannot connect, no connection in time
                return 503 if isinstance(current, psycopg.OperationalError) else None
            return 503 if state.startswith(_TRANSIENT) else None
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return 503
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _timeout_detail(scope: Scope) -> str:
    app = scope.get("app")
    limit = getattr(getattr(app, "state", None), "statement_timeout_s", None)
    within = f"the {limit:g} s" if limit else "the time"
    return (
        f"the query took longer than {within} this service allows and was stopped: "
        "ask for less (a smaller area, box or page) or retry later"
    )


def _http(exc: HTTPException, scope: Scope) -> JSONResponse:
    path = scope.get("path", "")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing is served at {path}; the API lives under /api/v1"
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "the body could not be read: send JSON in UTF-8 (Content-Type: application/json)"
    title = getattr(exc, "title", None) or _title(exc.status_code)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(scope) or headers.get("Allow", "")
        detail = f"{scope.get('method')} is not served at {path}; it answers {headers['Allow']}"
    response = problem(exc.status_code, title, detail, path)
    response.headers.update(headers)
    return response


def _allowed(scope: Scope) -> str:
    """Every method the path answers, as /openapi.json lists them: Starlette's 405 names
    only the first route that matched the path, and FastAPI makes one route per method."""
    app, path = scope.get("app"), scope.get("path", "")
    methods: set[str] = set()
    for template, operations in (app.openapi().get("paths", {}) if app else {}).items():
        if compile_path(template)[0].match(path):
            methods |= {m.upper() for m in operations if m.upper() in _METHODS}
    return ", ".join(sorted(methods))


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}


class CatchAll:
    """The outermost guard: whatever a request raises becomes a problem+json response.

    Pure ASGI (no BaseHTTPMiddleware): it adds no task and no copy of the body. An error
    after the response has started can no longer change it, so it is raised on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            response = problem_for(exc, scope)
            if started:
                raise
            await response(scope, receive, send)


DATABASE_ERRORS = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def install(app: FastAPI) -> None:
    """Turn every error into problem+json: the handlers FastAPI consults, and outermost
    the catch-all (so call this after adding the other middleware)."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return problem_for(exc, request.scope)

    for cls in (WanggeError, RequestValidationError, HTTPException, PoolTimeout):
        app.add_exception_handler(cls, handle)
    for cls in DATABASE_ERRORS:  # the rest of these are unexpected: the catch-all logs them
        app.add_exception_handler(cls, handle)
    app.add_middleware(CatchAll)
    _document(app)


def _document(app: FastAPI) -> None:
    """Add the Problem schema to /openapi.json, and make any error response FastAPI
    documented by itself (its default 422) a problem+json one."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = make()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(ref_template=REF)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        response["content"] = {MEDIA_TYPE: {"schema": {"$ref": REF}}}
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"
