"""The audit log as ``GET /api/v1/audit`` pages it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from api.schemas.base import Schema


class AuditEntry(Schema):
    """Who did what to which object, when, from where and why, and its place in the chain."""

    id: int
    at: datetime
    actor: str = Field(description="The user's name.")
    role: str | None = Field(description="The user's role at the time.")
    source: str | None = Field(description="The client's address.")
    request_id: str | None = Field(description="The request's X-Request-ID.")
    action: str = Field(description="read, unmask, ...")
    object_type: str = Field(description="household, person, ...")
    object_id: str | None
    purpose: str | None = Field(description="The purpose stated for an unmask.")
    detail: dict[str, Any]
    prev_hash: str = Field(description="The hash of the entry before (docs/audit.md).")
    hash: str = Field(description="SHA-256 of this entry and prev_hash.")


class AuditPage(Schema):
    """Entries in id order; pass ``next_after`` as ``after`` for the next page."""

    items: list[AuditEntry]
    next_after: int | None = Field(description="The `after` of the next page; null on the last.")
