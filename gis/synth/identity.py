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

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))
# Real county codes of common migrant origins (Anhui, Henan, Hubei, Hunan, Jiangxi,
# Sichuan, Guizhou, Yunnan, Guangxi, Hebei, Shandong, and Taizhou's own counties).
ORIGINS = np.array(
    (
        "340121 341221 341621 410526 411621 420921 430522 360124 510921 511621 520422 "
        "520524 532128 450821 130425 371425 331081 331002 331003 "
    ).split()
)
_PHONE_PREFIXES = np.array(
    (
        "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 177 "
        "180 181 182 183 185 186 187 188 189 199 "
    ).split()
)


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for 17 leading digits.

    Examples
    --------
    >>> id_check_digit("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return str(_CHECK[int(np.dot(np.array(list(first17), dtype=int), _WEIGHTS)) % 11])


def is_valid_id_number(s: str) -> bool:
    """Whether ``s`` is an 18-character ID number with a real calendar date and check digit.

    Examples
    --------
    >>> is_valid_id_number("11010519491231002X"), is_valid_id_number("110105194912310021")
    (True, False)
    """
    if not isinstance(s, str) or len(s) != 18 or not s[:17].isdigit():
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return born.year >= 1800 and id_check_digit(s[:17]) == s[17].upper()


def id_numbers(
    region: NDArray[np.str_],
    birth_year: NDArray[np.int64],
    male: NDArray[np.bool_],
    today: date,
    rng: np.random.Generator,
) -> NDArray[np.str_]:
    n = len(region)
    leap = (birth_year % 4 == 0) & ((birth_year % 100 != 0) | (birth_year % 400 == 0))
    days = np.where(birth_year == today.year, today.timetuple().tm_yday, 365 + leap)
    start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    born = start + np.floor(rng.random(n) * days).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(born, unit="D"), "-", "")
    head = np.char.add(region.astype(str), ymd)
    seq = rng.integers(0, 500, n) * 2 + male
    for _ in range(20):  # redraw sequence numbers until every ID is unique
        first17 = np.char.add(head, np.char.zfill(seq.astype(str), 3))
        dup = pd.Series(first17).duplicated().to_numpy()
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + male[dup]
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    return np.char.add(first17, _CHECK[(digits.astype(np.int64) @ _WEIGHTS) % 11])


def phones(
    hh: NDArray[np.intp],
    age: NDArray[np.int64],
    first: NDArray[np.intp],
    rng: np.random.Generator,
) -> NDArray[np.str_]:
    n = len(hh)
    number = rng.integers(0, 10**8, n)
    prefix = rng.choice(_PHONE_PREFIXES, n)
    for _ in range(20):
        full = np.char.add(prefix, np.char.zfill(number.astype(str), 8))
        dup = pd.Series(full).duplicated().to_numpy()
        if not dup.any():
            break
        number[dup] = rng.integers(0, 10**8, int(dup.sum()))
    # Children under 14 are reached through the household head's phone.
    return np.where(age < 14, full[first[hh]], full)
