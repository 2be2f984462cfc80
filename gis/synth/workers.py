"""Grid workers for the sample city: one or two 专职网格员 per grid of the published plan,
a day of patrol walking the roads of their grid, and the handling history of the
sample incidents.

Everything here is arrays in, arrays out, in a metric CRS and deterministic from the
generator it is given; ``gis.workers.sample`` reads the grids, roads and incidents from
the database and writes what comes out.

Examples
--------
A square grid with one road through it: the track stays on the road, about a minute
apart, with the lunch hour silent.

>>> import shapely
>>> from datetime import datetime, timezone
>>> road = [shapely.LineString([(0, 50), (400, 50)])]
>>> start = datetime(2026, 11, 30, 0, 30, tzinfo=timezone.utc)  # 08:30 in Beijing
>>> walk = patrol_track(road, start, start.replace(hour=6), np.random.default_rng(0))
>>> len(walk.at) > 200, bool(np.all(np.abs(walk.y - 50) < 40)), bool(np.all(np.diff(walk.at) > 0))
(True, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import NDArray

from gis.idnumber import mask_phone
from gis.synth.names import draw_surnames, person_names
from gis.synth.profiles import NATIONAL_SURNAMES

STEP_S = 60.0  # a phone reports about once a minute on duty
LUNCH = (12, 13)  # local hours with no positions: a break, not patrol
_UTC_OFFSET_H = 8  # China Standard Time, no daylight saving
_JOIN_M = 25.0  # road pieces whose ends are this close are walked one into the other


@dataclass(frozen=True)
class Track:
    """One worker's positions: times (numpy datetime64[s], UTC), metric x and y, and
    the accuracy each fix claims."""

    at: NDArray[np.datetime64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    accuracy_m: NDArray[np.float64]


def grid_workers(
    grid_codes: NDArray[np.str_], households: NDArray[np.int64], rng: np.random.Generator
) -> dict[str, NDArray]:
    """One worker per grid, two where it holds many households (the top fifth): codes,
    names, masked phones, and the index of each one's grid.

    >>> w = grid_workers(np.array(["33100400100101", "33100400100102"]), np.array([300, 900]),
    ...                  np.random.default_rng(0))
    >>> [str(c) for c in w["code"]], w["grid"].tolist()
    (['W33100400100101-1', 'W33100400100102-1', 'W33100400100102-2'], [0, 1, 1])
    """
    n = len(grid_codes)
    big = households >= np.quantile(households, 0.8) if n else np.zeros(0, dtype=bool)
    per_grid = 1 + (big & (households > 0)).astype(np.int64)
    grid = np.repeat(np.arange(n), per_grid)
    rank = np.arange(len(grid)) - np.repeat(np.cumsum(per_grid) - per_grid, per_grid) + 1
    # W, the grid's code, a dash and a number: grid codes differ in length, so without the
    # dash grid 33100400100100's eleventh worker would be grid 331004001001001's first.
    codes = np.char.add(
        np.char.add("W", grid_codes[grid].astype(str)), np.char.add("-", rank.astype(str))
    )
    male = rng.random(len(grid)) < 0.5
    names = person_names(draw_surnames(len(grid), NATIONAL_SURNAMES, rng), male, rng)
    phones = [mask_phone(f"1{p}") for p in rng.integers(3_000_000_000, 9_999_999_999, len(grid))]
    return {"code": codes, "name": names, "phone_masked": np.array(phones), "grid": grid}


def patrol_track(
    roads: list[shapely.LineString],
    start: datetime,
    end: datetime,
    rng: np.random.Generator,
) -> Track:
    """A walk along ``roads`` (metric LineStrings inside one grid) from ``start`` to
    ``end`` (aware times): a position a minute, at a stroll with stops, turning into a
    joining road at a road's end (or back), silent over lunch, with a few metres of GPS
    noise."""
    pieces = [p for p in roads if p.length > 1.0]
    times = _minutes(start, end, rng)
    if not pieces or not len(times):
        empty = np.empty(0)
        return Track(np.empty(0, dtype="datetime64[s]"), empty, empty, empty)
    lengths = np.array([p.length for p in pieces])
    ends = np.array([[p.coords[0], p.coords[-1]] for p in pieces])  # piece, end, xy
    piece = int(rng.choice(len(pieces), p=lengths / lengths.sum()))
    along = float(rng.uniform(0, lengths[piece]))
    heading = 1.0 if rng.random() < 0.5 else -1.0
    stroll = rng.uniform(0.7, 1.3)  # m/s, this worker's pace
    which = np.empty(len(times), dtype=np.int64)
    where = np.empty(len(times))
    moves = (
        STEP_S
        * stroll
        * np.where(rng.random(len(times)) < 0.25, 0.0, rng.uniform(0.5, 1.4, len(times)))
    )
    for i, move in enumerate(moves):
        along += heading * move
        if along < 0 or along > lengths[piece]:
            piece, along, heading = _turn(ends, lengths, piece, along, heading, rng)
        which[i], where[i] = piece, along
    points = shapely.line_interpolate_point(np.array(pieces, dtype=object)[which], where)
    xy = shapely.get_coordinates(points)
    accuracy = rng.uniform(4.0, 15.0, len(times))
    noise = rng.normal(0.0, 1.0, (len(times), 2)) * (accuracy / 2.0)[:, None]
    return Track(times, xy[:, 0] + noise[:, 0], xy[:, 1] + noise[:, 1], np.round(accuracy, 1))


def _minutes(start: datetime, end: datetime, rng: np.random.Generator) -> NDArray[np.datetime64]:
    """About a minute apart from ``start`` to ``end`` (a few seconds' jitter), lunch out."""
    first = np.datetime64(start.replace(tzinfo=None) - start.utcoffset(), "s")
    span = (end - start).total_seconds()
    steps = np.arange(0.0, span, STEP_S) + rng.uniform(0, 8, int(np.ceil(span / STEP_S)))
    at = first + steps.astype("timedelta64[s]")
    hour = (at.astype("datetime64[h]").astype(np.int64) + _UTC_OFFSET_H) % 24
    return at[(hour < LUNCH[0]) | (hour >= LUNCH[1])]


def _turn(
    ends: NDArray[np.float64],
    lengths: NDArray[np.float64],
    piece: int,
    along: float,
    heading: float,
    rng: np.random.Generator,
) -> tuple[int, float, float]:
    """At an end of ``piece``: on into a road that starts or ends there, else back."""
    at_end = 1 if along > lengths[piece] else 0
    here = ends[piece, at_end]
    gap = np.hypot(*(ends - here).transpose(2, 0, 1))  # piece, end
    gap[piece] = np.inf
    near_piece, near_end = np.nonzero(gap < _JOIN_M)
    if len(near_piece) and rng.random() < 0.8:
        k = int(rng.integers(len(near_piece)))
        nxt = int(near_piece[k])
        if near_end[k] == 0:
            return nxt, 0.0, 1.0
        return nxt, float(lengths[nxt]), -1.0
    return piece, float(np.clip(along, 0, lengths[piece])), -heading


# The actions of a sample incident's handling, in order, and the median minutes from the
# previous step to each (lognormal around it); resolved counts from dispatch in hours of
# the category's deadline instead (``handling_history``).
STEPS = (
    ("accepted", 25.0),
    ("dispatched", 15.0),
    ("in_progress", 40.0),
    ("resolved", None),
    ("verified", 180.0),
    ("closed", 720.0),
)


def step_minutes(
    n: int, deadline_h: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Minutes from the report to each step of STEPS for ``n`` incidents (columns in the
    order of STEPS, cumulative). Resolving takes about 40 % of the deadline, one in
    eight cases longer than all of it (overdue).

    >>> m = step_minutes(1000, np.full(1000, 24.0), np.random.default_rng(0))
    >>> m.shape, bool(np.all(np.diff(m, axis=1) > 0))
    ((1000, 6), True)
    """
    gaps = np.empty((n, len(STEPS)))
    for j, (_, median) in enumerate(STEPS):
        if median is None:
            share = rng.lognormal(np.log(0.4), 0.7, n)
            gaps[:, j] = share * deadline_h * 60.0
        else:
            gaps[:, j] = rng.lognormal(np.log(median), 0.6, n)
    return np.cumsum(np.maximum(gaps, 1.0), axis=1)


def compress_to(
    reported: NDArray[np.datetime64], minutes: NDArray[np.float64], now: np.datetime64
) -> NDArray[np.datetime64]:
    """The step times, each incident's steps squeezed in proportion so that its last one
    still taken falls before ``now`` (a recent incident cannot have been closed later
    than today). ``minutes`` holds only the steps taken (NaN after).

    >>> t0 = np.array(["2026-11-30T08:00"], dtype="datetime64[s]")
    >>> steps = compress_to(t0, np.array([[30.0, 120.0]]), np.datetime64("2026-11-30T09:00"))
    >>> [str(t) for t in steps[0]]
    ['2026-11-30T08:14:45', '2026-11-30T08:59:00']
    """
    last = np.nanmax(minutes, axis=1)
    room = (now - reported).astype("timedelta64[s]").astype(np.float64) / 60.0 - 1.0
    fits = ~(last > room)
    squeeze = np.divide(np.maximum(room, 0.0), last, out=np.ones_like(last), where=~fits)
    seconds = np.nan_to_num(minutes * squeeze[:, None] * 60.0).astype(np.int64)
    return reported[:, None] + seconds.astype("timedelta64[s]")
