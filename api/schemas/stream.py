"""The live stream, as ``/api/v1/stream`` answers a client that asks for JSON."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.base import Schema


class StreamEvent(Schema):
    """One event of the outbox: an incident reported or changed."""

    id: int = Field(description="Increasing: the stream's `id:`, what Last-Event-ID names.")
    kind: str = Field(description="incident.created or incident.changed.")
    subject: str = Field(description="The incident's code.")
    category: str | None = Field(description="The incident's category code.")
    payload: dict[str, Any] = Field(
        description="What the stream's `data:` carries: the incident's summary and the "
        "workflow event, if any."
    )


class StreamPage(Schema):
    """The events after `after` (or Last-Event-ID), oldest first: the stream polled."""

    events: list[StreamEvent]
    last_id: int = Field(
        description="Ask again with `after` set to this for what follows. Without `after`: "
        "the newest event's id, where to start."
    )
