"""The assessment's figures against a hand-built week (tests/assessment_town.py): every
count, rate, median, 90th percentile, call-back figure and patrol hour worked out by
hand below; the week's edges; the reader's scope; refused inputs; call-backs refused
before an incident is handled and after one is recorded."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta

import pytest
from pytest import approx
from sqlalchemy import text

from gis.accounts import create_user
from gis.assessment import assessment, period, record_feedback, trend
from gis.db.api_role import act_as
from gis.errors import FeedbackNotAllowed, InvalidInput, NotFound
from tests.assessment_town import CST, END, START, build_assessment_town
from tests.incident_town import DISTRICT, EAST, FAR, HOME, NEIGHBOUR, grid_of

NO_SOURCE = {"grid_worker": 0, "hotline": 0, "video": 0, "110": 0, "citizen": 0}


@pytest.fixture(scope="module")
def town(make_database):
    engine, _ = build_assessment_town(make_database, "wangge_assessment")
    yield engine
    engine.dispose()


def assess(engine, by: str, area: str | None = DISTRICT, start=START, end=END, scope=None):
    with engine.connect() as conn:
        return assessment(conn, period(conn, area, start, end, by, scope=scope))


def unit(answer: dict, code: str) -> dict:
    return next(u for u in answer["units"] if u["code"] == code)


# HOME's grid: A, B, C, D, E of the week (F is reported an hour before it, G at its end).
#   rejected: E; counted 4.  handled now: A closed, B resolved, C verified -> 3/4.
#   overdue: B resolved 30 h after report, deadline 24 h; D in progress past its deadline
#   (C's deadline restarted at its reopening, 6 + 24 h, resolved at 10 h) -> 2/4.
#   resolved at least once: A, B, C; reopened: C -> 1/3.
#   first acceptance (h): A 0.5, B 1, C 2, D 3 -> median (1 + 2) / 2 = 1.5;
#     p90 at rank 0.9 * 3 = 2.7: 2 + 0.7 * (3 - 2) = 2.7.
#   last resolution of the handled (h): A 5, C 10, B 30 -> median 10;
#     p90 at rank 0.9 * 2 = 1.8: 10 + 0.8 * (30 - 10) = 26.
#   call-backs: A 5, B 2 -> mean 3.5, satisfied (4 or 5) 1/2.
HOME_INCIDENTS = {
    "reported": 5, "rejected": 1, "handled": 3, "closure_rate": 0.75, "overdue": 2,
    "overdue_rate": 0.5, "resolved_ever": 3, "reopened": 1, "reopened_rate": approx(1 / 3),
    "accept_median_h": approx(1.5), "accept_p90_h": approx(2.7),
    "resolve_median_h": approx(10), "resolve_p90_h": approx(26),
    "feedback": 2, "satisfaction_mean": approx(3.5), "satisfied": 1, "satisfied_share": 0.5,
    "by_source": NO_SOURCE | {"grid_worker": 1, "hotline": 2, "video": 1, "citizen": 1},
}  # fmt: skip
# NEIGHBOUR's grid: H (110; accepted 0.25 h, resolved 2 h, closed; call-back 4) and I
# (grid worker; still reported, past its 4 h deadline).
NEIGHBOUR_INCIDENTS = {
    "reported": 2, "rejected": 0, "handled": 1, "closure_rate": 0.5, "overdue": 1,
    "overdue_rate": 0.5, "resolved_ever": 1, "reopened": 0, "reopened_rate": 0.0,
    "accept_median_h": approx(0.25), "accept_p90_h": approx(0.25),
    "resolve_median_h": approx(2), "resolve_p90_h": approx(2),
    "feedback": 1, "satisfaction_mean": approx(4), "satisfied": 1, "satisfied_share": 1.0,
    "by_source": NO_SOURCE | {"110": 1, "grid_worker": 1},
}  # fmt: skip
# Patrol (minutes): W1 on 2 Oct 08:00, :05, :10, (:30 after 20 min: not counted), :35,
#   :45 (10 min: counted) = 25; 23:58, then 3 Oct 00:03 (another day: not counted),
#   00:06 = 3; 30 Sep 23:59 and 8 Oct 00:00, 00:05 lie outside the week; 1 Oct 00:02 is
#   alone. W1: 28 min. W2 on 6 Oct 09:00, 09:10, 09:15: 15 min. W9: 6 min.
W1_H, W2_H, W9_H = 28 / 60, 15 / 60, 6 / 60


def test_each_grid_has_its_hand_computed_figures(town) -> None:
    answer = assess(town, "grid")
    home = unit(answer, grid_of(town, HOME))
    assert home | HOME_INCIDENTS == home
    assert home["workers"] == 2 and home["patrol_hours"] == approx(W1_H)
    neighbour = unit(answer, grid_of(town, NEIGHBOUR))
    assert neighbour | NEIGHBOUR_INCIDENTS == neighbour
    assert neighbour["workers"] == 1 and neighbour["patrol_hours"] == approx(W2_H)
    assert home["parent_code"] == HOME and answer["unplaced"] == 0
    quiet = unit(answer, grid_of(town, "331004002002"))
    assert quiet["reported"] == 0 and quiet["closure_rate"] is None
    assert quiet["accept_median_h"] is None and quiet["satisfaction_mean"] is None
    assert len(answer["units"]) == 4 and answer["by"] == "grid"


def test_the_whole_district(town) -> None:
    total = assess(town, "grid")["total"]
    # A-E, H, I, and J (FAR: hotline; accepted 1 h, resolved 3 h, closed; call-back 1).
    # accept: 0.25 0.5 1 1 2 3 -> median 1, p90 at rank 4.5: 2 + 0.5 * 1 = 2.5.
    # resolve: 2 3 5 10 30 -> median 5, p90 at rank 3.6: 10 + 0.6 * 20 = 22.
    assert total | {
        "reported": 8, "rejected": 1, "handled": 5, "closure_rate": approx(5 / 7),
        "overdue": 3, "overdue_rate": approx(3 / 7), "reopened_rate": approx(1 / 5),
        "accept_median_h": approx(1), "accept_p90_h": approx(2.5),
        "resolve_median_h": approx(5), "resolve_p90_h": approx(22),
        "feedback": 4, "satisfaction_mean": approx(3), "satisfied_share": 0.5,
        "by_source": {"grid_worker": 2, "hotline": 3, "video": 1, "110": 1, "citizen": 1},
        "workers": 4, "patrol_hours": approx(W1_H + W2_H + W9_H),
    } == total  # fmt: skip


def test_communities_and_streets_sum_their_workers_patrols(town) -> None:
    communities = assess(town, "community")
    assert unit(communities, HOME) | HOME_INCIDENTS | {"workers": 2} == unit(communities, HOME)
    assert unit(communities, HOME)["patrol_hours"] == approx(W1_H)
    streets = assess(town, "street")
    east = unit(streets, EAST)
    # EAST = HOME + NEIGHBOUR: accept 0.25 0.5 1 2 3 -> median 1, p90 at 3.6: 2 + 0.6 = 2.6;
    # resolve 2 5 10 30 -> median 7.5, p90 at 2.7: 10 + 0.7 * 20 = 24; call-backs 5 2 4.
    assert east | {
        "reported": 7, "handled": 4, "closure_rate": approx(4 / 6), "overdue_rate": 0.5,
        "reopened_rate": 0.25, "accept_median_h": approx(1), "accept_p90_h": approx(2.6),
        "resolve_median_h": approx(7.5), "resolve_p90_h": approx(24),
        "satisfaction_mean": approx(11 / 3), "satisfied_share": approx(2 / 3),
        "workers": 3, "patrol_hours": approx(W1_H + W2_H),
    } == east  # fmt: skip
    assert unit(streets, "331004002000")["patrol_hours"] == approx(W9_H)
    assert [u["code"] for u in streets["units"]] == [EAST, "331004002000"]


def test_workers_are_assessed_on_what_they_hold(town) -> None:
    answer = assess(town, "worker")
    w1 = unit(answer, "W1")  # A, B, C; D, E and I are held by no worker
    assert w1 | {
        "reported": 3, "handled": 3, "closure_rate": 1.0, "overdue_rate": approx(1 / 3),
        "reopened_rate": approx(1 / 3), "accept_median_h": approx(1), "accept_p90_h": approx(1.8),
        "resolve_median_h": approx(10), "resolve_p90_h": approx(26), "satisfaction_mean": 3.5,
        "by_source": NO_SOURCE | {"grid_worker": 1, "hotline": 2},
        "workers": 1, "patrol_hours": approx(W1_H),
    } == w1  # fmt: skip
    assert unit(answer, "W1B")["reported"] == 0 and unit(answer, "W1B")["patrol_hours"] == 0
    assert unit(answer, "W9")["satisfied_share"] == 0.0
    assert answer["unplaced"] == 3 and answer["total"]["reported"] == 8


def test_a_scoped_reader_never_counts_another_streets_incidents(town) -> None:
    with town.begin() as conn:
        user, _ = create_user(conn, "east-operator", "operator", scope=EAST)
    with town.connect() as conn, conn.begin():
        act_as(conn, user.id)
        answer = assessment(conn, period(conn, DISTRICT, START, END, "community", scope=EAST))
        assert [u["code"] for u in answer["units"]] == [HOME, NEIGHBOUR]
        assert answer["total"]["reported"] == 7 and answer["total"]["workers"] == 3
        assert answer["total"]["satisfaction_mean"] == approx(11 / 3)
        # Asked without an area: the scope.
        own = assessment(conn, period(conn, None, START, END, "street", scope=EAST))
        assert [u["code"] for u in own["units"]] == [EAST]
        with pytest.raises(NotFound, match="outside your scope"):
            period(conn, FAR, START, END, "grid", scope=EAST)
    with town.connect() as conn, conn.begin():  # even if a caller forgot the scope
        act_as(conn, user.id)
        unscoped = assessment(conn, period(conn, DISTRICT, START, END, "grid"))
        assert unscoped["total"]["reported"] == 7
        assert unit(unscoped, grid_of(town, FAR))["reported"] == 0


@pytest.mark.parametrize(
    ("field", "args"),
    [
        ("by", (DISTRICT, START, END, "household")),
        ("to", (DISTRICT, END, START, "grid")),
        ("to", (DISTRICT, START, START, "grid")),
        ("to", (DISTRICT, START, START + timedelta(days=367), "grid")),
    ],
    ids=["by", "backwards", "empty", "over-a-year"],
)
def test_bad_requests_name_the_parameter(town, field: str, args) -> None:
    with town.connect() as conn, pytest.raises(InvalidInput) as caught:
        period(conn, *args)
    assert caught.value.problems[0]["field"] == field


def test_an_unknown_area_is_not_found(town) -> None:
    with town.connect() as conn, pytest.raises(NotFound, match="331004999999"):
        period(conn, "331004999999", START, END, "grid")


def test_the_trend_per_day_and_per_week(town) -> None:
    with town.connect() as conn:
        daily = trend(conn, period(conn, DISTRICT, START, END, "community"))
        weekly = trend(conn, period(conn, DISTRICT, START - timedelta(days=14),
                                    START + timedelta(days=21), "community"))  # fmt: skip
    assert daily["step"] == "day" and len(daily["starts"]) == 7
    home = next(u for u in daily["units"] if u["code"] == HOME)
    # 1 Oct A (closed), 2 B (resolved late), 3 C (verified), 4 D (open, late), 5 E (rejected)
    assert home["reported"] == [1, 1, 1, 1, 1, 0, 0]
    assert home["closure_rate"] == [1.0, 1.0, 1.0, 0.0, None, None, None]
    assert home["overdue_rate"] == [0.0, 1.0, 0.0, 1.0, None, None, None]
    # Weeks from 17 Sep: F (30 Sep 23:00) in the second, A-E in the third, G (8 Oct) the fourth.
    assert weekly["step"] == "week" and weekly["starts"][2] == START
    assert next(u for u in weekly["units"] if u["code"] == HOME)["reported"] == [0, 1, 5, 1, 0]
    assert [u["code"] for u in daily["units"]] == [HOME, NEIGHBOUR, FAR]  # with incidents


def test_a_call_back_waits_for_the_handling_and_is_recorded_once(town) -> None:
    with town.begin() as conn, pytest.raises(FeedbackNotAllowed, match="in_progress"):
        record_feedback(conn, "D", 4, recorded_by="test")
    with town.begin() as conn, pytest.raises(FeedbackNotAllowed, match="already recorded"):
        record_feedback(conn, "A", 1, recorded_by="test")
    with town.begin() as conn, pytest.raises(InvalidInput, match="satisfaction"):
        record_feedback(conn, "C", 6, recorded_by="test")
    with town.connect() as conn:
        sql = ("SELECT satisfaction FROM incident_feedback f JOIN incident i "
               "ON i.id = f.incident_id WHERE i.code = 'A'")  # fmt: skip
        score = conn.execute(text(sql)).scalar_one()
    assert score == 5


def _patrol_by_hand(positions: list[tuple[int, datetime]]) -> dict[tuple[int, date], float]:
    """Per worker and day (China Standard Time), the gaps of at most 10 minutes."""
    days: dict[tuple[int, date], list[datetime]] = {}
    for worker, at in set(positions):
        days.setdefault((worker, at.astimezone(CST).date()), []).append(at)
    out = {}
    for key, times in days.items():
        times.sort()
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        out[key] = sum(g for g in gaps if g <= 600)
    return out


def test_the_patrol_days_follow_every_batch_in_any_order(town) -> None:
    """Positions posted out of order, in batches, some twice, around midnight, by the
    API's role as well as the owner: the trigger's counts equal the pairing by hand."""
    rng = random.Random(5)
    with town.connect() as conn:
        workers = (
            conn.execute(text("SELECT id FROM worker WHERE code IN ('W2', 'W9')")).scalars().all()
        )
    base = datetime(2026, 11, 2, 23, 0, tzinfo=CST)
    positions = [
        (w, base + timedelta(seconds=rng.randrange(0, 4 * 3600)))
        for w in workers
        for _ in range(150)
    ]
    rng.shuffle(positions)
    with town.begin() as conn:
        user, _ = create_user(conn, "position-poster", "admin")
    insert = text("INSERT INTO worker_position (worker_id, at, geom) "
                  "SELECT * FROM unnest(CAST(:w AS integer[]), CAST(:t AS timestamptz[])), "
                  "LATERAL (SELECT ST_SetSRID(ST_MakePoint(121.31, 28.555), 4326)) g "
                  "ON CONFLICT DO NOTHING")  # fmt: skip
    for i, start in enumerate(range(0, len(positions), 40)):
        batch = positions[start : start + 60]  # overlapping: 20 of each are sent twice
        with town.connect() as conn, conn.begin():
            if i % 2:
                act_as(conn, user.id)
            conn.execute(insert, {"w": [w for w, _ in batch], "t": [t for _, t in batch]})
    with town.connect() as conn:
        found = conn.execute(
            text("SELECT worker_id, day, seconds FROM worker_patrol_day "
                 "WHERE worker_id = ANY(:w) AND day >= '2026-11-01'"), {"w": list(workers)}
        ).all()  # fmt: skip
    expected = _patrol_by_hand(positions)
    assert {(w, d): s for w, d, s in found} == pytest.approx(expected)
    assert len(expected) == 4  # two workers, each on both sides of midnight
