"""One person's ID number or phone in full, for a stated purpose; every answer audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Permit
from api.dependencies import Code, Db
from api.requests import origin
from api.schemas.persons import Unmasked, UnmaskRequest
from api.schemas.problems import DATABASE, problems
from gis.accounts import User
from gis.places.persons import unmask

router = APIRouter(prefix="/api/v1", tags=["persons"], responses=DATABASE)

Unmasker = Annotated[User, Depends(Permit("persons:unmask"))]


@router.post(
    "/persons/{code}/unmask", response_model=Unmasked, responses=problems(400, 404, 413, 422)
)
async def post_unmask(
    code: Code, body: UnmaskRequest, db: Db, user: Unmasker, request: Request, response: Response
) -> dict:
    """The full ID number or phone of one person in the user's scope. The purpose, the
    user, their address and the request id go to the audit log in the same statement
    that reads the value; no value is answered without its entry."""
    response.headers["Cache-Control"] = "no-store"
    key = request.app.state.secret_key
    who = origin(request, user)
    return await db.run(unmask, code, body.field, key=key, purpose=body.purpose, **who)
