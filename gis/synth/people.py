"""Households and persons: rooms in buildings, family members, names, ID numbers,
phones and care tags.

Household kinds: ``registered`` (户籍, living at the registered address),
``resident`` (registered in the district, living elsewhere in it: 人户分离),
``rental`` (local tenants) and ``floating`` (流动人口, registered outside the
district). Registered, resident and rental persons carry ID numbers of the
district's own region code, floating ones the code of a common place of origin
(see :mod:`gis.synth.identity`, whose checks are re-exported here).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gis.synth.identity import (
    ORIGINS,
    id_numbers,
    phones,
    zero_pad,
)
from gis.synth.names import draw_surnames, person_names
from gis.synth.profiles import NATIONAL_SURNAMES, Profile

TAGS = ("floating", "elderly_alone", "disabled", "low_income", "veteran", "minor_left_behind")
HOUSEHOLD_KINDS = ("registered", "resident", "rental", "floating")
__all__ = ["HOUSEHOLD_KINDS", "TAGS", "make_people"]


def make_people(
    building_codes: NDArray[np.str_],
    levels: NDArray[np.int64],
    units: NDArray[np.int64],
    held: NDArray[np.int64],
    rural: NDArray[np.bool_],
    profile: Profile,
    today: date,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households (``held[i]`` of them in building ``i``) and their members.

    ``rural`` flags village buildings; ages are as of ``today``, nobody is born later.
    Returns (households, persons), both sorted by code.
    """
    b, room = _rooms(levels, units, held, rng)
    kind, members, alone = _households(len(b), profile, rng)
    codes = np.char.add(np.char.add(building_codes[b].astype(str), "-"), room)
    households = pd.DataFrame(
        {
            "code": codes,
            "building_code": building_codes[b],
            "room": room,
            "kind": np.asarray(HOUSEHOLD_KINDS)[kind],
            "members": members,
        }
    )
    return households, _persons(households, alone, rural[b], profile, today, rng)


def _rooms(
    levels: NDArray[np.int64],
    units: NDArray[np.int64],
    held: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.intp], NDArray[np.str_]]:
    """Building index and room label ("0302": floor 3, unit 2) of each household."""
    cap = np.where(held > 0, levels * units, 0)
    b = np.repeat(np.arange(len(cap)), cap)
    start = np.concatenate([[0], np.cumsum(cap)[:-1]])
    offset = np.arange(len(b)) - start[b]
    floor, unit = offset // units[b] + 1, offset % units[b] + 1
    # Shuffle the rooms within each building and keep as many as it has households.
    order = np.lexsort((rng.random(len(b)), b))
    rank = np.arange(len(b)) - start[b[order]]
    keep = np.sort(order[rank < held[b[order]]])
    return b[keep], zero_pad(floor[keep] * 100 + unit[keep], 4)


def _households(
    n: int, profile: Profile, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.bool_]]:
    """Kind, member count and elderly-alone flag of ``n`` households.

    Floating households are smaller; the kind shares and local household size are
    solved so that persons average ``persons_per_household`` and the floating share
    of persons is ``floating_share``.
    """
    mean = profile.persons_per_household
    float_mean = max(1.3, mean - 0.4)
    p_float = min(0.9, profile.floating_share * mean / float_mean)
    p_alone = min(profile.elderly_alone_share, 0.9 * (1 - p_float))
    local_mean = (mean - p_float * float_mean - p_alone) / (1 - p_float - p_alone)
    local = 1 - p_float
    p = np.array([0.82 * local, 0.10 * local, 0.08 * local, p_float])
    kind = rng.choice(4, size=n, p=p / p.sum())
    floating = kind == 3
    alone = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(~floating)
    alone[rng.choice(candidates, min(len(candidates), round(p_alone * n)), replace=False)] = True
    lam = np.where(floating, float_mean, local_mean) - 1
    members = np.minimum(1 + rng.poisson(np.maximum(lam, 0.0)), 9)
    return kind, np.where(alone, 1, members).astype(np.int64), alone


def _persons(
    households: pd.DataFrame,
    alone: NDArray[np.bool_],
    rural: NDArray[np.bool_],
    profile: Profile,
    today: date,
    rng: np.random.Generator,
) -> pd.DataFrame:
    kind = households["kind"].to_numpy()
    members = households["members"].to_numpy()
    floating = kind == "floating"
    n = len(households)
    hh = np.repeat(np.arange(n), members)
    first = np.concatenate([[0], np.cumsum(members)[:-1]]).astype(np.intp)
    j = np.arange(len(hh)) - first[hh]
    age, male = _ages(hh, j, members, alone, floating, rng)
    birth_year = today.year - age
    surname = np.where(
        floating, draw_surnames(n, NATIONAL_SURNAMES, rng), draw_surnames(n, profile.surnames, rng)
    )[hh]
    spouse = j == 1
    surname[spouse] = draw_surnames(int(spouse.sum()), NATIONAL_SURNAMES, rng)
    origin = ORIGINS[~np.isin(ORIGINS, [profile.adcode])]
    region = np.where(floating, rng.choice(origin, n), profile.adcode)[hh]
    hh_codes = households["code"].to_numpy()[hh].astype(str)
    return pd.DataFrame(
        {
            "code": np.char.add(np.char.add(hh_codes, "-"), zero_pad(j + 1, 2)),
            "household_code": hh_codes,
            "name": person_names(surname, male, rng),
            "id_number": id_numbers(region, birth_year, male, today, rng),
            "phone": phones(hh, age, first, rng),
            "birth_year": birth_year.astype(np.int64),
            "sex": np.where(male, "M", "F"),
            "tags": pd.Series(
                _tags(hh, age, male, members, floating, rural, kind, rng), dtype=object
            ),
        }
    )


def _ages(
    hh: NDArray[np.intp],
    j: NDArray[np.intp],
    members: NDArray[np.int64],
    alone: NDArray[np.bool_],
    floating: NDArray[np.bool_],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    n = len(members)
    head = np.where(floating, rng.normal(36, 9, n).clip(18, 65), rng.normal(50, 14, n).clip(20, 92))
    # One-person households under 70 unless chosen as elderly living alone, so that
    # the elderly_alone tag (one member, 70+) matches the profile's share.
    head = np.where(members == 1, np.minimum(head, 69), head)
    head = np.where(alone, rng.uniform(70, 96, n), head)
    h = head[hh]
    m = len(hh)
    parent = (rng.random(m) < 0.15) & (h < 60)
    child = h - rng.uniform(22, 34, m)
    child = np.where(child < 0, rng.uniform(0, 6, m), child)
    age = np.select(
        [j == 0, j == 1, parent],
        [h, np.maximum(h + rng.normal(0, 3, m), 18), h + rng.uniform(22, 30, m)],
        child,
    )
    age = np.floor(age.clip(0, 100)).astype(np.int64)
    head_male = rng.random(n) < 0.7
    male = np.where(
        j == 0, head_male[hh], np.where(j == 1, ~head_male[hh], rng.random(len(hh)) < 0.5)
    )
    return age, male


def _tags(
    hh: NDArray[np.intp],
    age: NDArray[np.int64],
    male: NDArray[np.bool_],
    members: NDArray[np.int64],
    floating: NDArray[np.bool_],
    rural: NDArray[np.bool_],
    kind: NDArray[np.str_],
    rng: np.random.Generator,
) -> list[list[str]]:
    n = len(hh)
    low_income = (~floating & (rng.random(len(members)) < np.where(rural, 0.04, 0.015)))[hh]
    flags = [
        floating[hh],
        (members[hh] == 1) & (age >= 70),
        rng.random(n) < np.where(age >= 60, 0.06, 0.015),
        low_income,
        male & (age >= 40) & ~floating[hh] & (rng.random(n) < 0.015),
        (age < 16) & rural[hh] & (kind[hh] == "registered") & (rng.random(n) < 0.2),
    ]
    mask = np.zeros(n, dtype=np.int64)
    for bit, flag in enumerate(flags):
        mask |= flag.astype(np.int64) << bit
    names = {m: tuple(t for b, t in enumerate(TAGS) if m >> b & 1) for m in np.unique(mask)}
    return [list(names[m]) for m in mask.tolist()]
