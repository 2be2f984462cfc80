"""The audit log: who read or changed which personal data, when, from where and why.

Entries are only ever added (``record``); the database links each to the one before
by its hash and refuses to change or remove them (migration 0012). ``verify``
recomputes the chain here, in Python, so a change made behind the database's back
(by its owner, from a backup, on disk) is found with the entry it broke. ``entries``
reads a filtered page. See docs/audit.md.
"""

from __future__ import annotations

from gis.audit.chain import GENESIS, ChainCheck, canonical, entry_hash, verify
from gis.audit.log import MAINTENANCE, MAX_LIMIT, entries, record

__all__ = [
    "GENESIS", "MAINTENANCE", "MAX_LIMIT", "ChainCheck", "canonical", "entries",
    "entry_hash", "record", "verify",
]  # fmt: skip
