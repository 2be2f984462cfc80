"""What every request is checked for before any route runs: a bounded body, plain text.

- A body over the limit is refused with 413: at once when its Content-Length says so,
  and otherwise as soon as the bytes streamed in pass the limit, so a 100 MB body is
  never read whole.
- Text with a NUL byte or another control character, in the path or a query
  parameter, is refused with 422 naming the parameter; so is a JSON body with a
  ``\\u0000`` escape. PostgreSQL cannot store NUL in text, and no code, name or
  search needs a control character; one check here spares every route its own.

A pure ASGI middleware: no task, no copy of the body beyond the (bounded) JSON one.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import HTTPProblem, problem

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A control character in a raw query string: percent-encoded, or (if a server lets one
# through) as is. "%2500" is the text "%00", not a NUL, and does not match.
ENCODED_CONTROL = re.compile(rb"%(?:[01][0-9a-fA-F]|7[fF])|[\x00-\x1f\x7f]")
# A JSON string escape for NUL: "\u0000" after an even run of backslashes ("\\u0000"
# is a backslash followed by the text "u0000").
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# The same rules as the OpenAPI document states them (``document``), so clients and
# fuzzers know them: text parameters without control characters, body text without NUL.
PLAIN_TEXT = "^[^\\u0000-\\u001f\\u007f]*$"
NO_NUL = "^[^\\u0000]*$"


def install(app: FastAPI, max_body_bytes: int) -> None:
    """Add the guard to ``app`` and state its rules in ``/openapi.json``."""
    app.add_middleware(Guard, max_body_bytes=max_body_bytes)
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document(make())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every path and query text parameter, and every text field of a request body,
    the pattern the guard enforces (unless it has a stricter one of its own)."""
    components = schema.get("components", {}).get("schemas", {})
    bodies: set[str] = set()
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("path", "query"):
                    parameter["schema"] = _patterned(parameter.get("schema", {}), PLAIN_TEXT)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _refs(media.get("schema", {}), components, bodies)
    for name in bodies:
        components[name] = _patterned(components[name], NO_NUL)
    return schema


def _patterned(node: Any, pattern: str) -> Any:
    """A copy of a JSON schema with ``pattern`` on each plain string schema in it."""
    if isinstance(node, list):
        return [_patterned(item, pattern) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(node):
        return {**node, "pattern": pattern}
    keys = ("properties", "items", "prefixItems", "anyOf", "oneOf", "allOf", "additionalProperties")
    out = dict(node)
    for key in keys:
        if key == "properties" and isinstance(node.get(key), dict):
            out[key] = {k: _patterned(v, pattern) for k, v in node[key].items()}
        elif key in node and key != "properties":
            out[key] = _patterned(node[key], pattern)
    return out


def _refs(node: Any, components: dict[str, Any], found: set[str]) -> None:
    """The names of the components a request body schema uses, transitively."""
    if isinstance(node, list):
        for item in node:
            _refs(item, components, found)
    elif isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if ref.startswith("#/components/schemas/") and name not in found:
            found.add(name)
            _refs(components.get(name), components, found)
        for value in node.values():
            _refs(value, components, found)


class BodyTooLarge(HTTPProblem):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "content too large",
            f"the request body is larger than the {limit:,} bytes this service accepts",
        )


class Guard:
    """Refuse an oversized body (413) and control characters in text inputs (422)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, content_type = None, b""
        for name, value in scope["headers"]:  # one pass: this runs on every tile too
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                content_type = value
        refusal = self._refuse_url(scope)
        too_long = length is not None and length.isdigit() and int(length) > self.max_body_bytes
        if refusal is None and too_long:
            exc = BodyTooLarge(self.max_body_bytes)
            refusal = problem(413, exc.title, exc.detail, scope.get("path", ""))
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, self._bounded(receive, b"json" in content_type.lower()), send)

    def _refuse_url(self, scope: Scope):
        path = scope.get("path", "")
        if CONTROL.search(path):
            detail = f"the path contains a control character ({_first_control(path)})"
            return _refusal(scope, "path", detail)
        query = scope.get("query_string", b"")
        if query and ENCODED_CONTROL.search(query):
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if CONTROL.search(name) or CONTROL.search(value):
                    where = f"query.{CONTROL.sub('?', name)}"
                    found = _first_control(name + value)
                    detail = f"{where} contains a control character ({found})"
                    return _refusal(scope, where, detail)
        return None

    def _bounded(self, receive: Receive, json: bool) -> Receive:
        """``receive`` that counts the body's bytes as they come, and looks for a NUL
        escape in a JSON body once it is whole."""
        limit = self.max_body_bytes
        body = bytearray() if json else None
        size = 0

        async def bounded_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            if body is not None:
                body.extend(chunk)
                if not message.get("more_body", False) and JSON_NUL.search(body):
                    raise HTTPProblem(
                        422,
                        "invalid request",
                        "body: text must not contain NUL (\\u0000), which no field can store",
                    )
            return message

        return bounded_receive


def _refusal(scope: Scope, field: str, detail: str):
    message = "text must not contain NUL or other control characters"
    errors = [{"field": field, "message": message}]
    path = CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", scope.get("path", ""))
    return problem(422, "invalid request", f"{detail}: {message}", path, errors=errors)


def _first_control(text: str) -> str:
    found = CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else "?"
