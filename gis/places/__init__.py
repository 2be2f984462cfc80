"""The drill-down reads: district → street → community → grid → building → household.

Each module answers one level of the drill-down with a few set-based statements
from its ``sql/`` file; bounded inputs (pages, boxes) are checked in ``paging``.
"""
