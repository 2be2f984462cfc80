"""RFC 9457 problem+json for every error the API returns.

Core errors (gis.errors) map to status codes here, and only here.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from gis import errors
from gis.errors import (
    DatabaseUnavailable,
    InvalidInput,
    JobTimedOut,
    NotFound,
    PlanNotDraft,
    PreconditionRequired,
    SetupError,
    StaleVersion,
    WanggeError,
)

MEDIA_TYPE = "application/problem+json"


STATUS = {
    NotFound: 404,
    InvalidInput: 422,
    StaleVersion: 412,
    PreconditionRequired: 428,
    PlanNotDraft: 409,
    DatabaseUnavailable: 503,
    SetupError: 503,
    JobTimedOut: 504,
}


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
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(WanggeError)
    async def _domain(request: Request, exc: WanggeError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        extra = {"errors": exc.problems} if isinstance(exc, InvalidInput) and exc.problems else {}
        return problem(status, exc.title, str(exc), request.url.path, **extra)

    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: PoolTimeout) -> JSONResponse:
        detail = (
            "the database is busy: no connection came free in time for this request; "
            "retry in a few seconds"
        )
        response = problem(503, "database busy", detail, request.url.path)
        response.headers["Retry-After"] = "2"
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid request", detail, request.url.path, errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing is served at {request.url.path}; the API lives under /api/v1"
        return problem(exc.status_code, _title(exc.status_code), detail, request.url.path)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"
