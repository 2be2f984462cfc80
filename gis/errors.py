"""Domain errors of the spatial core.

The API and the CLI map these to problem+json responses and one-line messages;
the core never knows about HTTP (see STYLE.md, "Errors belong to the core").
"""

from __future__ import annotations


class WanggeError(Exception):
    """Base class: a problem the user can act on, with a message that says how."""

    title = "wangge error"


class SetupError(WanggeError):
    """Something the machine lacks (PostgreSQL, PostGIS, a writable data directory)."""

    title = "setup problem"


class DatabaseUnavailable(WanggeError):
    """The database cannot be reached."""

    title = "database unavailable"


class NotFound(WanggeError):
    """A named object (area, plan, building...) does not exist."""

    title = "not found"


class InvalidInput(WanggeError):
    """Input that fails validation; `problems` lists each (where, what) found."""

    title = "invalid input"

    def __init__(self, message: str, problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CRSError(InvalidInput, ValueError):
    """A CRS specification is unknown, or data do not match the CRS they claim."""


class UnknownDistrictError(NotFound, ValueError):
    """No boundary or profile for the requested adcode."""

    title = "unknown district"


class TileError(InvalidInput):
    """A tile request that cannot be served as asked (bad coordinates, filters)."""


class StaleVersion(WanggeError):
    """An edit made on an older version of the plan than the stored one."""

    title = "plan changed meanwhile"


class PlanNotDraft(WanggeError):
    """Published and archived plans are history: edit a draft instead."""

    title = "plan is not a draft"


class GridLocked(WanggeError):
    """An edit that would change a grid the planner locked: unlock it first."""

    title = "grid is locked"


class PreconditionRequired(WanggeError):
    """An edit without If-Match: refused rather than risk a lost update."""

    title = "If-Match required"


class JobTimedOut(WanggeError):
    """A job ran past its time limit and was stopped."""

    title = "job timed out"


class NotAuthenticated(WanggeError):
    """No signed-in user, or credentials (password, token, session) that do not hold."""

    title = "sign-in required"


class Forbidden(WanggeError):
    """A signed-in user whose role or scope does not allow what was asked."""

    title = "not allowed"


class TooManyRequests(WanggeError):
    """A user read more than a limit allows; ``retry_after_s`` says when it resets."""

    title = "too many requests"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TransitionNotAllowed(WanggeError):
    """A workflow action the incident's state does not allow now (or another change got
    there first); ``allowed`` lists the actions that are."""

    title = "transition not allowed"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


class FeedbackNotAllowed(WanggeError):
    """A call-back satisfaction the incident cannot take now: it is not handled yet
    (resolved, verified or closed), or its one feedback is already recorded."""

    title = "feedback not allowed"
