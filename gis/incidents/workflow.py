"""The governance workflow of an incident: one table of states and the actions between them.

The seeds' own flow (受理 → 立案 → 派遣 → 处置 → 核查 → 结案, with 退回, 上报, 督办 and
回访) as data: :data:`ACTIONS` names, for each action a client may ask for (the ``to``
of ``POST /api/v1/incidents/{code}/transitions``), the states it may start from, the
state it leads to, whether it needs a note or an assignee, which roles may take it, and
what else it does (route the incident, restart its deadline, raise its level). Nothing
else in wangge decides what may follow what: the database side (``gis.incidents.changes``)
asks :func:`apply`, the answers' ``allowed`` come from :func:`allowed`, and
docs/incidents.md prints :func:`markdown_table`.

Examples
--------
>>> Case("reported").after("accepted", "operator").status
'accepted'
>>> [a.to for a in allowed(Case("reported"), "operator")]
['accepted', 'rejected', 'escalated']
>>> Case("closed").after("dispatched", "operator")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gis.incidents.workflow.IllegalAction: ... closed cannot be dispatched; allowed now: reopened
"""

from __future__ import annotations

from dataclasses import dataclass, replace

STATES = (
    "reported", "accepted", "dispatched", "in_progress",
    "resolved", "verified", "closed", "rejected",
)  # fmt: skip
# Each state's name in Chinese, for people (Open311's status_notes, the pages).
STATE_NAMES = {
    "reported": "已上报", "accepted": "已受理", "dispatched": "已派遣", "in_progress": "处置中",
    "resolved": "已处置", "verified": "已核查", "closed": "已结案", "rejected": "不予受理",
}  # fmt: skip
# Still to be handled: these run against their deadline and count as open everywhere.
OPEN = ("reported", "accepted", "dispatched", "in_progress")
# Handled: the work is done (resolved, then checked and closed) or the case was refused.
DONE = ("resolved", "verified", "closed", "rejected")
# 上报: who holds the case, from the community up.
LEVELS = ("community", "street", "district")
# Where `returned` (退回) sends a case: the state its previous handler held it in.
PREVIOUS = {
    "accepted": "reported",
    "dispatched": "accepted",
    "in_progress": "dispatched",
    "resolved": "in_progress",
}
STAY = "(stays)"
BACK = "(previous)"

CENTRE = frozenset({"admin", "operator"})
FIELD = frozenset({"admin", "operator", "grid_worker"})


class IllegalAction(Exception):
    """An action the table does not allow now. ``kind`` says why: ``state`` (not from
    this state), ``role`` (not for this role) or ``input`` (a needed note or assignee is
    missing); ``allowed`` lists the actions the role may take now."""

    def __init__(self, message: str, allowed: list[str], kind: str = "state") -> None:
        super().__init__(message)
        self.allowed = allowed
        self.kind = kind


@dataclass(frozen=True)
class Action:
    """One row of the workflow table."""

    to: str  # what a client asks for, and the event's action
    zh: str
    sources: tuple[str, ...]  # the states it may start from
    target: str  # a state, STAY (status unchanged) or BACK (PREVIOUS of the status)
    roles: frozenset[str]
    needs_note: bool = False
    needs_assignee: bool = False
    takes_assignee: bool = False  # an assignee may be given (needs_assignee: must be)
    route: bool = False  # assign to the grid's worker, else the category's unit
    restart_deadline: bool = False  # the catalogue's hours count from now
    raise_level: bool = False  # one level up (community → street → district)
    needs_overdue: bool = False  # only on an incident past its deadline

    def target_of(self, status: str) -> str:
        if self.target == STAY:
            return status
        if self.target == BACK:
            return PREVIOUS[status]
        return self.target


ACTIONS: dict[str, Action] = {a.to: a for a in (
    Action("accepted", "受理立案", ("reported",), "accepted", CENTRE, route=True,
           restart_deadline=True),
    Action("rejected", "不予受理", ("reported",), "rejected", CENTRE, needs_note=True),
    Action("dispatched", "派遣", ("accepted",), "dispatched", CENTRE, takes_assignee=True),
    Action("in_progress", "处置", ("dispatched",), "in_progress", FIELD),
    Action("resolved", "处置完成", ("in_progress",), "resolved", FIELD),
    Action("verified", "核查", ("resolved",), "verified", FIELD),
    Action("closed", "结案", ("verified",), "closed", CENTRE),
    Action("returned", "退回", tuple(PREVIOUS), BACK, FIELD, needs_note=True),
    Action("reopened", "重新办理", ("resolved", "verified", "closed"), "accepted", CENTRE,
           needs_note=True, route=True, restart_deadline=True),
    Action("escalated", "上报", OPEN, STAY, FIELD, needs_note=True, raise_level=True),
    Action("supervised", "督办", OPEN, STAY, CENTRE, raise_level=True, needs_overdue=True),
    Action("reassigned", "改派", ("accepted", "dispatched", "in_progress"), STAY, CENTRE,
           needs_assignee=True, takes_assignee=True),
)}  # fmt: skip
REPORTED = "reported"  # the action of the event that records an intake


@dataclass(frozen=True)
class Case:
    """What the table looks at: the status, the level, and whether it is overdue."""

    status: str
    level: str = "community"
    overdue: bool = False

    def may(self, action: Action, role: str) -> bool:
        """Whether ``role`` may take ``action`` now (needs aside)."""
        return role in action.roles and self.possible(action)

    def possible(self, action: Action) -> bool:
        """Whether ``action`` may start from this case, whoever asks."""
        if self.status not in action.sources:
            return False
        if action.needs_overdue and not self.overdue:
            return False
        # Escalating needs a level above; supervising an overdue case at the top still
        # counts (the event is the point), it just cannot raise the level further.
        return not (action.raise_level and not action.needs_overdue and self.level == LEVELS[-1])

    def after(
        self, to: str, role: str, *, note: str | None = None, assignee: str | None = None
    ) -> Case:
        """The case after ``to`` taken by ``role``; IllegalAction when the table says no."""
        return apply(self, to, role, note=note, assignee=assignee)


def allowed(case: Case, role: str) -> list[Action]:
    """The actions ``role`` may take on ``case`` now, in the table's order."""
    return [a for a in ACTIONS.values() if case.may(a, role)]


def apply(
    case: Case, to: str, role: str, *, note: str | None = None, assignee: str | None = None
) -> Case:
    """The case after action ``to``, or IllegalAction saying why not and what is allowed."""
    now = [a.to for a in allowed(case, role)]
    action = ACTIONS.get(to)
    listed = ", ".join(now) or "none"
    if action is None:
        raise IllegalAction(f"{to!r} is no action; allowed now: {listed}", now, "input")
    if not case.possible(action):
        why = (
            f"is not overdue, so it cannot be {to}"
            if action.needs_overdue and case.status in action.sources and not case.overdue
            else f"is already at the {case.level} level, so it cannot be {to}"
            if case.status in action.sources
            else f"cannot be {to}"
        )
        raise IllegalAction(f"an incident that is {case.status} {why}; allowed now: {listed}", now)
    if role not in action.roles:
        roles = ", ".join(sorted(action.roles))
        raise IllegalAction(
            f"the role {role} may not take the action {to} (roles that may: {roles}); "
            f"allowed to {role} now: {listed}",
            now,
            "role",
        )
    if action.needs_note and not (note and note.strip()):
        raise IllegalAction(f"{to} needs a note saying why", now, "input")
    if action.needs_assignee and not (assignee and assignee.strip()):
        raise IllegalAction(
            f"{to} needs an assignee: a worker code or a handling unit", now, "input"
        )
    if assignee is not None and not action.takes_assignee:
        raise IllegalAction(f"{to} takes no assignee (dispatched and reassigned do)", now, "input")
    level = case.level
    if action.raise_level:
        level = LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]
    return replace(case, status=action.target_of(case.status), level=level)


def markdown_table() -> str:
    """The workflow table as docs/incidents.md shows it.

    >>> markdown_table().splitlines()[2].startswith("| `accepted` | 受理立案 | reported |")
    True
    """
    lines = [
        "| `to` | | from | leads to | needs | roles | also |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in ACTIONS.values():
        needs = [n for n, on in (("note", a.needs_note), ("assignee", a.needs_assignee),
                                 ("overdue", a.needs_overdue)) if on]  # fmt: skip
        also = [n for n, on in (("routes", a.route), ("restarts the deadline", a.restart_deadline),
                                ("one level up", a.raise_level)) if on]  # fmt: skip
        target = {STAY: "the same state", BACK: "the previous state"}.get(a.target, a.target)
        lines.append(
            f"| `{a.to}` | {a.zh} | {', '.join(a.sources)} | {target} | "
            f"{', '.join(needs)} | {', '.join(sorted(a.roles))} | {', '.join(also)} |"
        )
    return "\n".join(lines)
