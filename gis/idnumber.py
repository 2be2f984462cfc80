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
