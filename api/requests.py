"""Every request's id, and who made it from where, for the audit log and the logs.

The id is the client's ``X-Request-ID`` when it is a sane token (1-64 letters, digits,
``.``, ``_``, ``:``, ``-``), so a client or a proxy can follow its request through;
otherwise one is made up. Either way it is answered in ``X-Request-ID`` and kept on
``request.state.request_id``. A pure ASGI middleware: no task, nothing buffered.
"""

from __future__ import annotations

import re
import secrets

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis.accounts import User

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_of(sent: str | None) -> str:
    """The client's id if it is sane, else a new random one (32 hex digits).

    >>> request_id_of("abc-123"), len(request_id_of("no spaces please")), len(request_id_of(None))
    ('abc-123', 32, 32)
    """
    if sent is not None and SANE.fullmatch(sent):
        return sent
    return secrets.token_hex(16)


class RequestIds:
    """Give each HTTP request an id: ``request.state.request_id`` and the response's
    ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = request_id_of(sent.decode("latin-1") if sent is not None else None)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def origin(request: Request, user: User | None, *, actor: str | None = None) -> dict:
    """Who asks and from where, as ``gis.audit.record`` and the audited reads take it;
    ``actor`` names someone not (yet) signed in, such as a refused sign-in's name."""
    return {
        "actor": user.name if user is not None else actor,
        "role": user.role if user is not None else None,
        "source": request.client.host if request.client else None,
        "request_id": getattr(request.state, "request_id", None),
    }
