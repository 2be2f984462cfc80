"""The roles an account can have and what each may do: the one permission table.

Every check of what a user may do asks ``may(role, permission)`` (or ``require``,
which raises ``Forbidden``); no caller compares role names itself. The table is
documented in docs/accounts.md, and a test checks that page against
``markdown_table()``. What a permission covers is limited further by the user's
scope (an area or grid code), which the database enforces, not this table.

Examples
--------
>>> may("viewer", "maps:read"), may("viewer", "plans:write")
(True, False)
>>> may("analyst", "households:read")
False
>>> sorted(ROLES_WITH["plans:publish"])
['admin', 'planner']
"""

from __future__ import annotations

from gis.errors import Forbidden, InvalidInput

# The order is the order of the docs' table and of the enum ``user_role`` (0010).
ROLES = ("admin", "planner", "operator", "grid_worker", "analyst", "viewer")

# Every permission, with what it covers, in the order the docs list them.
PERMISSIONS: dict[str, str] = {
    "maps:read": "the map, areas and their statistics, grids, buildings, tiles, search",
    "plans:read": "grid plans, drafts included, with their reports and diffs",
    "plans:write": "generate a draft plan and edit its grids",
    "plans:publish": "make a draft the published plan of its area",
    "incidents:read": "incidents one by one: where, what, status, history",
    "incidents:write": "report an incident and move it through its workflow",
    "workers:read": "grid workers: where they are, their day's track, patrol time per grid",
    "workers:report": "post a worker's positions (a grid worker: only their own)",
    "households:read": "households and their members, masked",
    "persons:unmask": "one person's ID number or phone in full, with a stated purpose",
    "analyses:run": "hotspot analyses and other aggregates (counts, never rows)",
    "assessment:read": "the grid assessment (考核评估) of grids, communities, streets and workers",
    "cameras:report": "report cameras' stream heartbeats (the video gateway's token)",
    "jobs:read": "the progress and results of one's jobs",
    "jobs:all": "the progress and results of everyone's jobs",
    "users:admin": "create accounts, set roles and passwords, issue tokens",
    "audit:read": "the audit log",
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    "admin": "everything, including accounts and the audit log",
    "planner": "the grid plans of their scope: generate, edit, publish",
    "operator": "command centre: the incidents of their scope, and their hotspots",
    "grid_worker": "their own grid: its households, and its incidents to report and handle",
    "analyst": "analyses and aggregates; no personal data",
    "viewer": "maps and statistics only",
}

_GRANTS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "planner": frozenset({"maps:read", "plans:read", "plans:write", "plans:publish",
                          "jobs:read"}),
    "operator": frozenset({"maps:read", "plans:read", "incidents:read", "incidents:write",
                           "workers:read", "workers:report", "analyses:run", "assessment:read",
                           "cameras:report", "jobs:read"}),
    "grid_worker": frozenset({"maps:read", "incidents:read", "incidents:write",
                              "workers:read", "workers:report", "households:read",
                              "persons:unmask"}),
    "analyst": frozenset({"maps:read", "plans:read", "analyses:run", "jobs:read"}),
    "viewer": frozenset({"maps:read"}),
}  # fmt: skip

# The roles holding each permission: what a route test per role is generated from.
ROLES_WITH: dict[str, frozenset[str]] = {
    p: frozenset(r for r in ROLES if p in _GRANTS[r]) for p in PERMISSIONS
}


def check_role(role: str) -> str:
    """``role`` if it is one of ROLES, else InvalidInput listing them."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def permissions(role: str) -> frozenset[str]:
    """Everything ``role`` may do."""
    return _GRANTS[check_role(role)]


def may(role: str, permission: str) -> bool:
    """Whether ``role`` may ``permission``; an unknown role or permission is an error,
    so that a typo never quietly grants or denies."""
    if permission not in PERMISSIONS:
        known = ", ".join(PERMISSIONS)
        raise InvalidInput(f"unknown permission {permission!r}; known: {known}")
    return permission in permissions(role)


def require(role: str, permission: str) -> None:
    """Raise Forbidden unless ``role`` may ``permission``."""
    if not may(role, permission):
        holders = ", ".join(r for r in ROLES if r in ROLES_WITH[permission])
        raise Forbidden(f"the role {role} may not {permission} (roles that may: {holders})")


def markdown_table() -> str:
    """The permission table as docs/accounts.md shows it: a row per permission."""
    lines = [
        "| permission | what it covers | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for p, covers in PERMISSIONS.items():
        marks = " | ".join("✓" if p in _GRANTS[r] else "" for r in ROLES)
        lines.append(f"| `{p}` | {covers} | {marks} |")
    return "\n".join(lines)
