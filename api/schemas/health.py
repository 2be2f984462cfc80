"""Database health."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import Schema


class Health(Schema):
    status: Literal["ok"]
    database: Literal["ok"]
    postgis: str
