"""Identity numbers and phones: GB 11643 citizen ID numbers and mobile numbers.

An ID number is a 6-digit region code, the birth date (YYYYMMDD), a 3-digit
sequence whose last digit is odd for men, and an ISO 7064 MOD 11-2 check
character (0-9 or X).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gis.idnumber import check_digits

# Real county codes of common migrant origins (Anhui, Henan, Hubei, Hunan, Jiangxi,
# Sichuan, Guizhou, Yunnan, Guangxi, Hebei, Shandong, and Taizhou's own counties).
_ORIGIN_CODES = (
    "340121 341221 341621 410526 411621 420921 430522 360124 510921 511621 520422 "
    "520524 532128 450821 130425 371425 331081 331002 331003"
)
ORIGINS = np.array(_ORIGIN_CODES.split())
_PHONE_PREFIXES = np.array(
    [f"13{i}" for i in range(10)]
    + [f"15{i}" for i in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + [f"18{i}" for i in range(10)]
    + ["177", "199"]
)


def zero_pad(values: NDArray[np.integer], width: int) -> NDArray[np.str_]:
    """Integers as zero-padded strings (``np.char.zfill`` fails on empty arrays).

    Examples
    --------
    >>> zero_pad(np.array([302, 5]), 4).tolist()
    ['0302', '0005']
    """
    text = np.asarray(values).astype(str)
    return np.char.zfill(text, width) if text.size else text.astype(f"<U{width}")


def id_numbers(
    region: NDArray[np.str_],
    birth_year: NDArray[np.int64],
    male: NDArray[np.bool_],
    today: date,
    rng: np.random.Generator,
) -> NDArray[np.str_]:
    n = len(region)
    if n == 0:
        return np.empty(0, dtype="<U18")
    leap = (birth_year % 4 == 0) & ((birth_year % 100 != 0) | (birth_year % 400 == 0))
    days = np.where(birth_year == today.year, today.timetuple().tm_yday, 365 + leap)
    start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    born = start + np.floor(rng.random(n) * days).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(born, unit="D"), "-", "")
    head = np.char.add(region.astype(str), ymd)
    seq = rng.integers(0, 500, n) * 2 + male
    for _ in range(20):  # redraw sequence numbers until every ID is unique
        first17 = np.char.add(head, zero_pad(seq, 3))
        dup = pd.Series(first17).duplicated().to_numpy()
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + male[dup]
    return np.char.add(first17, check_digits(first17))


def phones(
    hh: NDArray[np.intp],
    age: NDArray[np.int64],
    first: NDArray[np.intp],
    rng: np.random.Generator,
) -> NDArray[np.str_]:
    n = len(hh)
    if n == 0:
        return np.empty(0, dtype="<U11")
    number = rng.integers(0, 10**8, n)
    prefix = rng.choice(_PHONE_PREFIXES, n)
    for _ in range(20):
        full = np.char.add(prefix, zero_pad(number, 8))
        dup = pd.Series(full).duplicated().to_numpy()
        if not dup.any():
            break
        number[dup] = rng.integers(0, 10**8, int(dup.sum()))
    # Children under 14 are reached through the household head's phone.
    return np.where(age < 14, full[first[hh]], full)
