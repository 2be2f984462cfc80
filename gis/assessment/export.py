"""The assessment as a table to take away: CSV (UTF-8 with a byte-order mark, so Excel
reads the Chinese names) and an Excel workbook (openpyxl), with the same header and rows:
one row per unit, then the whole area's (code ``total``). The workbook's second sheet
says what each column means, in Chinese and English.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from gis.assessment.figures import SOURCES

# column: (Chinese, English)
MEANINGS: dict[str, tuple[str, str]] = {
    "code": ("编码", "code of the grid, community, street or worker"),
    "name": ("名称", "name"),
    "parent_code": ("上级编码", "code of the area it lies in"),
    "parent_name": ("上级名称", "name of the area it lies in"),
    "reported": ("上报事件数", "incidents reported in the period"),
    **{f"reported_{s}": (f"来源 {s}", f"of which reported by source {s}") for s in SOURCES},
    "rejected": ("不予受理数", "of which rejected"),
    "handled": ("已处置数", "of which resolved, verified or closed now"),
    "closure_rate": ("办结率", "handled / (reported - rejected)"),
    "overdue": ("超期数", "resolved after the deadline, or open past it"),
    "overdue_rate": ("超期率", "overdue / (reported - rejected)"),
    "reopened": ("重新办理数", "reopened at least once"),
    "reopened_rate": ("返工率", "reopened / resolved at least once"),
    "accept_median_h": ("受理时长中位数(小时)", "median hours from report to first acceptance"),
    "accept_p90_h": ("受理时长P90(小时)", "90th percentile of the same"),
    "resolve_median_h": ("处置时长中位数(小时)", "median hours from report to last resolution"),
    "resolve_p90_h": ("处置时长P90(小时)", "90th percentile of the same"),
    "feedback": ("回访数", "call-backs recorded"),
    "satisfaction_mean": ("满意度均值(1-5)", "mean satisfaction, 1 to 5"),
    "satisfied_share": ("满意率", "share of call-backs satisfied (4 or 5)"),
    "workers": ("网格员数", "workers assigned"),
    "patrol_hours": ("巡查时长(小时)", "hours patrolled (gaps of 10 minutes or less)"),
}
COLUMNS = tuple(MEANINGS)
DIGITS = 4
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rows(answer: dict[str, Any]) -> list[list[Any]]:
    """The header, each unit, then the whole area, as cells (None for no value)."""
    out: list[list[Any]] = [list(COLUMNS)]
    total = {**answer["total"], "code": "total", "name": "合计 total",
             "parent_code": answer["area"], "parent_name": None}  # fmt: skip
    for unit in [*answer["units"], total]:
        flat = {**unit, **{f"reported_{s}": n for s, n in unit["by_source"].items()}}
        out.append([_cell(flat.get(c)) for c in COLUMNS])
    return out


def to_csv(answer: dict[str, Any]) -> bytes:
    """The assessment as CSV bytes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        ["" if v is None else v for v in row] for row in rows(answer)
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(answer: dict[str, Any]) -> bytes:
    """The assessment as an Excel workbook (.xlsx): the table, and what its columns mean."""
    from openpyxl import Workbook  # only an export needs it

    book = Workbook()
    sheet = book.active
    sheet.title = "考核 assessment"
    for row in rows(answer):
        sheet.append(row)
    sheet.freeze_panes = "C2"
    about = book.create_sheet("说明 about")
    about.append(["column", "中文", "meaning"])
    for column, (zh, en) in MEANINGS.items():
        about.append([column, zh, en])
    period = f"{answer['from'].isoformat()} – {answer['to'].isoformat()}"
    about.append([])
    about.append(["period", "考核期", period])
    about.append(["by", "考核对象", answer["by"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """A figure rounded; a text that a spreadsheet would run as a formula (a name loaded
    from a file, say ``=HYPERLINK(…)``) quoted so it stays text (OWASP CSV injection).

    >>> _cell(0.123456), _cell("=HYPERLINK(1)"), _cell("网格 1")
    (0.1235, "'=HYPERLINK(1)", '网格 1')
    """
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
