"""Small counts of persons and households, withheld from readers who may not see households.

Analysts and viewers get counts, never rows; but "3 persons" in one community or grid
is close to a row. So for a reader without ``households:read`` every count of persons
or households under ``MIN_COUNT`` is withheld: null, and named in the ``suppressed``
list of the object it belongs to. Zero is withheld too, so a null never tells
"nobody lives here" from "a few do". Counts of anything else (buildings, cameras,
incidents, grids) are left as they are.

Among siblings that add up to a total shown beside them (the communities of a street,
the streets of a district, the grids of a community), one withheld count could be
worked out as the total minus the others; so where only one sibling's count is
withheld, the smallest of the others is withheld with it (complementary suppression).

Examples
--------
>>> suppress({"households": 3, "persons": 12, "cameras": 1})
{'households': None, 'persons': 12, 'cameras': 1, 'suppressed': ['households']}
>>> rows = suppress_siblings([{"persons": 2}, {"persons": 9}, {"persons": 7}])
>>> [r["persons"] for r in rows], [r["suppressed"] for r in rows]
([None, 9, None], [['persons'], [], ['persons']])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gis.accounts.roles import may

MIN_COUNT = 5
PERSON_COUNTS = ("households", "floating_households", "persons", "floating_persons")


def withheld_from(role: str) -> bool:
    """Whether small counts are withheld from ``role``: from every role without
    ``households:read``.

    >>> withheld_from("analyst"), withheld_from("grid_worker")
    (True, False)
    """
    return not may(role, "households:read")


def suppress(counts: Mapping[str, Any], fields: Iterable[str] = PERSON_COUNTS) -> dict[str, Any]:
    """A copy of ``counts`` with each of ``fields`` under ``MIN_COUNT`` withheld (None) and
    named in ``suppressed``."""
    out = dict(counts)
    withheld = list(out.get("suppressed", []))
    for field in fields:
        value = out.get(field)
        if value is not None and value < MIN_COUNT and field not in withheld:
            out[field] = None
            withheld.append(field)
    out["suppressed"] = withheld
    return out


def suppress_siblings(
    items: Iterable[Mapping[str, Any]], fields: Iterable[str] = PERSON_COUNTS
) -> list[dict[str, Any]]:
    """``suppress`` each of ``items``, then, for each field withheld in just one of them,
    withhold it in the sibling with the smallest count too."""
    fields = tuple(fields)
    out = [suppress(item, fields) for item in items]
    for field in fields:
        withheld = [r for r in out if field in r["suppressed"]]
        shown = [r for r in out if r.get(field) is not None]
        if len(withheld) == 1 and shown:
            partner = min(shown, key=lambda r: r[field])
            partner[field] = None
            partner["suppressed"].append(field)
    return out


def for_reader(
    items: Iterable[Mapping[str, Any]],
    *,
    suppress: bool,
    fields: Iterable[str] = PERSON_COUNTS,
) -> list[dict[str, Any]]:
    """Sibling ``items`` as a reader sees them: ``suppress_siblings`` for one who may not
    see households, all shown (``suppressed`` empty) for one who may."""
    if suppress:
        return suppress_siblings(items, fields)
    return [{**item, "suppressed": []} for item in items]
