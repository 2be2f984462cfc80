"""Resident ID numbers (GB 11643-1999): the ISO 7064 MOD 11-2 check digit, vectorised.

Layout: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for men,
even for women), 1 check character (0-9 or X).

Examples
--------
>>> check_digits(["11010519491231002"]).tolist()
['X']
>>> valid_id_numbers(["11010519491231002X", "110105194912310021"]).tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
CHECK = np.array(list("10X98765432"))


def _digits(values: Sequence[str] | NDArray, width: int) -> NDArray[np.int64]:
    raw = np.asarray(values, dtype=f"<U{width}")
    codes = raw.view(np.uint32).reshape(len(raw), width).astype(np.int64) - ord("0")
    return codes


def check_digits(first17: Sequence[str] | NDArray) -> NDArray[np.str_]:
    """The check character of each 17-digit prefix."""
    if len(first17) == 0:
        return np.array([], dtype="<U1")
    digits = _digits(first17, 17)
    return CHECK[(digits @ WEIGHTS) % 11]


def valid_id_numbers(numbers: Sequence[str] | NDArray | pd.Series) -> NDArray[np.bool_]:
    """Whether each value is 18 characters with a valid date and check character."""
    s = pd.Series(np.asarray(numbers, dtype=object)).astype(str).str.upper()
    shape = s.str.fullmatch(r"[0-9]{17}[0-9X]").to_numpy()
    ok = np.zeros(len(s), dtype=bool)
    if not shape.any():
        return ok
    good = s[shape]
    dates = pd.to_datetime(good.str[6:14], format="%Y%m%d", errors="coerce")
    expected = check_digits(good.str[:17].to_numpy())
    ok[np.flatnonzero(shape)] = (dates.notna().to_numpy()) & (expected == good.str[17].to_numpy())
    return ok


# How much of each identifier a masked copy keeps: its first and last characters.
# Two leading digits name only a province: with the birth year and sex served beside
# it, a masked ID number fits about 1.7 million numbers, where keeping the 6-digit
# region and last 2 left about 3,300. A phone keeps its carrier prefix and two digits,
# enough to tell the members of one household apart (docs/personal-data.md).
ID_NUMBER_KEEP = (2, 1)
PHONE_KEEP = (3, 2)


def mask(value: str | None, head: int, tail: int) -> str | None:
    """``value`` with all but its first ``head`` and last ``tail`` characters as ``*``,
    the same length; a value too short to keep anything is all ``*``.

    The database's ``wangge_mask(text, int, int)`` (migration 0013) is the same rule:
    the loader masks with it, and tests/gis/test_masking.py holds the two equal.

    >>> mask("13812345678", 3, 2)
    '138******78'
    >>> mask("abc", 2, 1)
    '***'
    >>> mask(None, 2, 1) is None
    True
    """
    if value is None:
        return None
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_id_number(number: str | None) -> str | None:
    """The masked copy of an ID number served in place of it: first 2, last 1.

    >>> mask_id_number("33040219900101001x")
    '33***************X'
    """
    return mask(number.upper() if number else number, *ID_NUMBER_KEEP)


def mask_phone(phone: str | None) -> str | None:
    """The masked copy of a phone number served in place of it: first 3, last 2.

    >>> mask_phone("13812345678")
    '138******78'
    """
    return mask(phone, *PHONE_KEEP)
