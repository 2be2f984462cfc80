"""Unmasking one person's ID number or phone: the request with its purpose, the answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.base import Schema

PersonField = Literal["id_number", "phone"]
Purpose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)]


class UnmaskRequest(BaseModel):
    """Which field to show in full, and why: the purpose goes to the audit log."""

    model_config = ConfigDict(extra="forbid")

    field: PersonField = Field(description="`id_number` or `phone`.")
    purpose: Purpose = Field(
        description="Why the full value is needed, in 10 to 500 characters; recorded "
        "in the audit log with the request.",
        examples=["Verifying identity for a housing subsidy application, case 2026-114"],
    )


class Unmasked(Schema):
    """The full value of one field of one person."""

    code: str = Field(description="The person's code.")
    field: PersonField
    value: str | None = Field(description="The full value; null when none is on record.")
