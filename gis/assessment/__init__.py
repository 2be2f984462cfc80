"""Grid assessment (考核评估): how each grid, community, street and worker handled the
incidents of a period, and the residents' call-back satisfaction it counts.

``period`` checks what is asked (area, dates, grouping) against the reader's scope,
``assessment`` gives every unit's figures and the whole's in one statement, ``trend``
the same per day or week for small charts, ``to_csv``/``to_xlsx`` the exports, and
``record_feedback`` takes a call-back. No web in it: api/routers/assessment.py adapts it.
"""

from __future__ import annotations

from gis.assessment.export import COLUMNS, to_csv, to_xlsx
from gis.assessment.feedback import SATISFACTION, feedback_of, record_feedback
from gis.assessment.figures import BY, By, Period, assessment, period, trend

__all__ = [
    "BY",
    "COLUMNS",
    "SATISFACTION",
    "By",
    "Period",
    "assessment",
    "feedback_of",
    "period",
    "record_feedback",
    "to_csv",
    "to_xlsx",
    "trend",
]
