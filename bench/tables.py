"""The benches' tables: right-aligned columns under a title with the machine's load
(figures from a shared machine mean little without it)."""

from __future__ import annotations

import os

import numpy as np


def table(title: str, header: tuple, rows: list[tuple]) -> None:
    """Print ``rows`` under ``header``, floats to 3 places below 10 and 1 above."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
        return f"{v:,}" if isinstance(v, int | np.integer) else str(v)

    text = [[cell(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in text)) for i, h in enumerate(header)]
    load = os.getloadavg()[0]
    print(f"\n{title}  [load average {load:.1f} on {os.cpu_count()} cores]")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for t in text:
        print("  ".join(v.rjust(w) for v, w in zip(t, widths, strict=True)))
