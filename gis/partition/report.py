"""The report every plan carries: rule checks, exceptions and quality figures.

A report is a value. :func:`gis.partition.validate.validate_plan` builds it for
generated and hand-edited plans alike; ``str(report)`` is what the CLI prints
and ``to_dict()`` what the API serves.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

Severity = Literal["violation", "exception"]
MAX_PRINTED = 30  # issues of each kind that str() lists
RULES = {
    1: "grids tile their community",
    2: "every building in exactly one grid, none split",
    3: "household and area bounds",
    4: "each grid one connected polygon",
    5: "grid boundaries follow barriers",
}


@dataclass(frozen=True)
class Issue:
    """A rule broken (``violation``) or allowed to bend (``exception``), with the reason."""

    rule: int
    severity: Severity
    message: str
    community: str | None = None
    grid: str | None = None
    building: str | None = None


@dataclass(frozen=True)
class Report:
    """Counts, household balance, compactness, barrier share and issues of one plan.

    ``barrier_share`` is the share of internal grid boundary length within the
    barrier tolerance of a barrier, None when no barriers were given.
    """

    communities: int
    grids: int
    buildings: int
    households: int
    households_min: int
    households_max: int
    households_cv: float
    polsby_popper_mean: float
    polsby_popper_min: float
    barrier_share: float | None
    issues: tuple[Issue, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "violation")

    @property
    def exceptions(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "exception")

    @property
    def ok(self) -> bool:
        """True when no rule is broken (exceptions allowed by the rules do not count)."""
        return not self.violations

    def broken_rules(self) -> set[int]:
        return {i.rule for i in self.violations}

    def to_dict(self) -> dict:
        out = asdict(self)
        out["ok"] = self.ok
        return out

    def __str__(self) -> str:
        lines = [
            f"{self.grids} grids in {self.communities} communities; "
            f"{self.buildings} buildings, {self.households} households",
            f"households per grid: min {self.households_min}, max {self.households_max}, "
            f"CV {self.households_cv:.3f}",
            f"compactness (Polsby-Popper): mean {self.polsby_popper_mean:.3f}, "
            f"min {self.polsby_popper_min:.3f}",
        ]
        if self.barrier_share is not None:
            lines.append(f"grid boundary on barriers: {100 * self.barrier_share:.1f} %")
        lines += [f"note: {n}" for n in self.notes]
        v, e = self.violations, self.exceptions
        lines.append("all rules hold" if not v else f"{len(v)} rule violation(s):")
        lines += _listing(v)
        if e:
            lines.append(f"{len(e)} exception(s) the rules allow:")
            lines += _listing(e)
        return "\n".join(lines)

    def summary(self, worst: int = 5) -> str:
        """The head of ``str()`` with issues counted by rule and reason, and the worst few.

        A district plan can carry hundreds of issues; a planner first needs to know
        which kinds there are and whether any is a violation.
        """
        head = str(Report(**{**asdict(self), "issues": ()})).splitlines()[:-1]
        v, e = self.violations, self.exceptions
        lines = [*head, "all rules hold" if not v else f"{len(v)} rule violation(s)"]
        for severity, group in (("violation", v), ("exception", e)):
            counts = pd.Series([_reason(i) for i in group], dtype=object).value_counts()
            lines += [f"  {n} × {severity}: {reason}" for reason, n in counts.items()]
        if e:
            lines.append(f"{len(e)} exception(s) the rules allow")
        if v:
            lines.append("worst violations:")
            lines += [_line(i) for i in sorted(v, key=_gap, reverse=True)[:worst]]
        if len(v) + len(e) > 0:
            lines.append("(--verbose lists every issue)")
        return "\n".join(lines)


def _reason(issue: Issue) -> str:
    """An issue's kind: its rule and message with the numbers taken out."""
    text = re.sub(r"\d[\d.,]*", "#", issue.message)
    return f"rule {issue.rule} ({RULES[issue.rule]}): {text}"


def _gap(issue: Issue) -> float:
    """How far a household bound is missed ("N households, above the maximum M"), else 0."""
    m = re.match(r"(\d+) households, (?:above|below) the \w+ (\d+)", issue.message)
    return abs(float(m.group(1)) - float(m.group(2))) if m else 0.0


def _listing(issues: tuple[Issue, ...]) -> list[str]:
    lines = [_line(i) for i in issues[:MAX_PRINTED]]
    if len(issues) > MAX_PRINTED:
        lines.append(f"  ... and {len(issues) - MAX_PRINTED} more (all are in to_dict())")
    return lines


def _line(issue: Issue) -> str:
    where = issue.grid or issue.community or ""
    where = f"[{where}] " if where else ""
    return f"  rule {issue.rule} ({RULES[issue.rule]}): {where}{issue.message}"


def summarise(
    grids: pd.DataFrame,
    issues: list[Issue],
    *,
    communities: int,
    buildings: int,
    barrier: tuple[float, float] | None,
    notes: tuple[str, ...] = (),
) -> Report:
    """Build a report from the per-grid table (households, polsby_popper) and issues.

    ``barrier`` is (boundary length on barriers, internal boundary length) in metres.
    """
    hh = grids["households"].to_numpy(dtype=float)
    pp = grids["polsby_popper"].to_numpy(dtype=float)
    mean = float(hh.mean()) if hh.size else 0.0
    share = None
    if barrier is not None:
        share = barrier[0] / barrier[1] if barrier[1] > 0 else 0.0
    order = sorted(issues, key=lambda i: (i.rule, i.severity, i.grid or "", i.community or ""))
    return Report(
        communities=communities,
        grids=len(grids),
        buildings=buildings,
        households=int(hh.sum()),
        households_min=int(hh.min()) if hh.size else 0,
        households_max=int(hh.max()) if hh.size else 0,
        households_cv=float(hh.std() / mean) if mean > 0 else 0.0,
        polsby_popper_mean=_finite(np.nanmean(pp) if pp.size else math.nan),
        polsby_popper_min=_finite(np.nanmin(pp) if pp.size else math.nan),
        barrier_share=share,
        issues=tuple(order),
        notes=notes,
    )


def _finite(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0
