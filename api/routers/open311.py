"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over wangge's incidents.

The same incidents and the same sign-in as the rest of the API (incidents:read to
read, incidents:write to post; ``api_key`` is not used). A request is posted as a form,
as the spec has it, or as JSON. Errors are problem+json like every other answer of
wangge, not the spec's ``[{"code", "description"}]`` array.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.auth import Permit
from api.dependencies import Code, Db, IsoTime
from api.routers.incidents import IdempotencyKey
from api.schemas.incidents import Service, ServiceRequest, ServiceRequestCreated, ServiceRequestForm
from api.schemas.problems import DATABASE, INPUT, problems
from gis.accounts import User
from gis.errors import InvalidInput
from gis.incidents import report_incident
from gis.incidents.open311 import report_fields, service_request, service_requests, services

router = APIRouter(prefix="/open311/v2", tags=["open311"], responses=DATABASE | INPUT)

Reader = Annotated[User, Depends(Permit("incidents:read"))]
Writer = Annotated[User, Depends(Permit("incidents:write"))]
FORM = "application/x-www-form-urlencoded"
_BODY = ServiceRequestForm.model_json_schema()
REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {FORM: {"schema": _BODY}, "application/json": {"schema": _BODY}},
    }
}


@router.get("/services.json", response_model=list[Service])
async def get_services(db: Db, user: Reader) -> list[dict]:
    """The service list: each class of the incident catalogue."""
    return await db.run(services)


@router.post(
    "/requests.json",
    response_model=list[ServiceRequestCreated],
    status_code=201,
    responses=problems(400, 413, 422),
    openapi_extra=REQUEST_BODY,
)
async def post_request(
    request: Request, db: Db, user: Writer, idempotency_key: IdempotencyKey = None
) -> list[dict]:
    """Post a service request (an incident of source ``citizen``): ``service_code``,
    ``lat``, ``long``, ``description``, and optionally ``email`` or ``phone`` (kept
    encrypted) and ``media_url``."""
    fields = _validated(await _fields(request))
    answer, _ = await db.run(
        report_incident,
        **report_fields(fields),
        reported_by=user.name,
        key=idempotency_key.strip('"') if idempotency_key else None,
        secret_key=request.app.state.secret_key,
    )
    notice = f"expected by {answer['deadline_at']}" if answer["deadline_at"] else None
    if answer["possible_duplicates"]:
        codes = ", ".join(d["code"] for d in answer["possible_duplicates"])
        notice = (notice + "; " if notice else "") + f"possibly the same as {codes}"
    return [{"service_request_id": answer["code"], "service_notice": notice,
             "account_id": user.name}]  # fmt: skip


@router.get("/requests.json", response_model=list[ServiceRequest])
async def get_requests(
    db: Db,
    user: Reader,
    service_request_id: Annotated[
        str | None, Query(max_length=4000, description="Comma-separated ids; overrides the rest.")
    ] = None,
    service_code: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated service codes.")
    ] = None,
    start_date: Annotated[IsoTime | None, Query(description="Requested at or after.")] = None,
    end_date: Annotated[IsoTime | None, Query(description="Requested before.")] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
) -> list[dict]:
    """Service requests: by id, or by service, window (default: the last 90 days) and
    status; at most 1,000."""
    return await db.run(
        service_requests, ids=service_request_id, service_codes=service_code,
        start=start_date, end=end_date, status=status,
    )  # fmt: skip


@router.get("/requests/{code}.json", response_model=list[ServiceRequest], responses=problems(404))
async def get_request(code: Code, db: Db, user: Reader) -> list[dict]:
    """One service request (in a list, as the spec answers it)."""
    return await db.run(service_request, code)


async def _fields(request: Request) -> dict[str, Any]:
    """The posted fields, from a form or a JSON object."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise InvalidInput("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise InvalidInput("send the request's fields as a JSON object")
        return body
    if kind in (FORM, "multipart/form-data"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raise InvalidInput(f"send the fields as {FORM} (as the spec says) or application/json")


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    try:
        return ServiceRequestForm.model_validate(fields).model_dump()
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None
