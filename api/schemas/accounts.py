"""The signed-in user, as ``/api/v1/me`` shows them."""

from __future__ import annotations

from pydantic import Field

from api.schemas.base import Schema


class Me(Schema):
    """Who is signed in, what their role may do and where."""

    name: str
    role: str = Field(description="admin, planner, operator, grid_worker, analyst or viewer.")
    scope: str | None = Field(
        description="The district, street, community or grid code the user is limited to; "
        "null for everywhere."
    )
    permissions: list[str] = Field(description="What the role may do (docs/accounts.md).")
    csrf_token: str | None = Field(
        None,
        description="For a browser session: the X-CSRF-Token to send with each change. "
        "Null for a bearer token, which needs none.",
    )
