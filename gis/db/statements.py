"""Named SQL statements kept in ``.sql`` files beside the code that runs them.

One convention for the whole core: a package's ``sql/NAME.sql`` holds statements,
each headed by ``-- name: <identifier>``; comments under the header travel with
the statement. ``statement("gis.places", "areas", "tree")`` returns one of them.

Examples
--------
>>> sorted(statements("gis.places", "search"))
['search']
>>> "FROM grid g" in statement("gis.places", "search", "search")
True
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection, TextClause, text

from gis.errors import NotFound, SetupError

_HEADER = re.compile(r"^-- name: (\w+)\s*$", flags=re.MULTILINE)


@cache
def statements(package: str, file: str) -> dict[str, str]:
    """Every named statement of ``package``'s ``sql/<file>.sql``, in file order."""
    source = files(package).joinpath("sql", f"{file}.sql").read_text()
    parts = _HEADER.split(source)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def statement(package: str, file: str, name: str) -> str:
    """One named statement; a missing name is a packaging bug, said plainly."""
    try:
        return statements(package, file)[name]
    except KeyError:
        raise SetupError(f"{package}/sql/{file}.sql has no statement named {name!r}") from None


@cache
def query(package: str, file: str, name: str) -> TextClause:
    """A named statement ready to execute (bound parameters as ``:name``)."""
    return text(statement(package, file, name))


def fetch_one(
    conn: Connection, sql: TextClause, params: dict[str, Any], *, missing: str
) -> dict[str, Any]:
    """The first row of ``sql`` as a dict, or NotFound(``missing``) when there is none."""
    row = conn.execute(sql, params).mappings().first()
    if row is None:
        raise NotFound(missing)
    return dict(row)
