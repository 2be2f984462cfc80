"""The incident workflow as property tests (hypothesis), at two levels.

- The one table (gis.incidents.workflow): no sequence of actions by any role reaches a
  state or level the table does not define; what ``allowed`` lists is exactly what
  ``apply`` accepts; every state is reachable and none but the final ones is a dead end.
- Through the database (gis.incidents.changes), bounded: every accepted action writes
  exactly one event and one outbox row and leaves the state the table predicts; every
  refused one changes nothing at all.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gis.accounts.roles import ROLES
from gis.errors import Forbidden, InvalidInput, TransitionNotAllowed
from gis.incidents import report_incident, transition
from gis.incidents.workflow import (
    ACTIONS,
    DONE,
    LEVELS,
    OPEN,
    PREVIOUS,
    STATES,
    Case,
    IllegalAction,
    allowed,
    apply,
)
from tests.incident_town import IN_B001, IN_HOME, add_worker, build_town, expire, grid_of

ACTORS = [r for r in ROLES if r in ("admin", "operator", "grid_worker")]


# --- the pure table --------------------------------------------------------------------


def test_the_states_are_open_or_done_and_the_model_knows_them_all() -> None:
    from gis.db.models import INCIDENT_STATUSES

    assert set(OPEN) | set(DONE) == set(STATES) and not set(OPEN) & set(DONE)
    assert set(INCIDENT_STATUSES) == set(STATES)
    for action in ACTIONS.values():
        assert set(action.sources) <= set(STATES) and action.roles <= set(ROLES)


@settings(max_examples=300, database=None)
@given(
    start=st.sampled_from(STATES),
    level=st.sampled_from(LEVELS),
    overdue=st.booleans(),
    sequence=st.lists(
        st.tuples(st.sampled_from([*ACTIONS, "nonsense"]), st.sampled_from(ROLES),
                  st.sampled_from([None, "", "why"]), st.sampled_from([None, "W1"])),
        max_size=25,
    ),
)  # fmt: skip
def test_no_sequence_of_actions_leaves_the_table(start, level, overdue, sequence) -> None:
    case = Case(start, level, overdue)
    for to, role, note, assignee in sequence:
        listed = {a.to for a in allowed(case, role)}
        try:
            after = apply(case, to, role, note=note, assignee=assignee)
        except IllegalAction as refused:
            assert set(refused.allowed) == listed
            # Refused for the state or the role exactly when a known action is not listed.
            assert (refused.kind == "input") == (to in listed or to not in ACTIONS)
            continue
        assert to in listed
        assert after.status in STATES and after.level in LEVELS
        assert LEVELS.index(after.level) >= LEVELS.index(case.level)
        action = ACTIONS[to]
        if action.target not in ("(stays)", "(previous)"):
            assert after.status == action.target
        if to == "returned":
            assert after.status == PREVIOUS[case.status]
        case = after


def test_every_state_is_reachable_and_only_final_ones_are_dead_ends() -> None:
    seen, frontier = {"reported"}, ["reported"]
    edges: dict[str, set[str]] = {s: set() for s in STATES}
    while frontier:
        status = frontier.pop()
        for overdue in (False, True):
            for action in allowed(Case(status, "community", overdue), "admin"):
                after = action.target_of(status)
                edges[status].add(after)
                if after not in seen:
                    seen.add(after)
                    frontier.append(after)
    assert seen == set(STATES)
    assert {s for s, out in edges.items() if not out} == {"rejected"}
    # From every open state the case can still be closed.
    for status in OPEN:
        reach, todo = {status}, [status]
        while todo:
            for after in edges[todo.pop()] - reach:
                reach.add(after)
                todo.append(after)
        assert "closed" in reach, status


def test_refusals_name_what_is_allowed() -> None:
    with pytest.raises(IllegalAction, match="allowed now: accepted, rejected, escalated"):
        apply(Case("reported"), "closed", "operator")
    with pytest.raises(IllegalAction, match="not overdue"):
        apply(Case("dispatched"), "supervised", "operator")
    with pytest.raises(IllegalAction, match="district level"):
        apply(Case("accepted", "district"), "escalated", "operator", note="up")
    assert apply(Case("accepted", "district", True), "supervised", "admin").level == "district"
    with pytest.raises(IllegalAction, match="needs a note"):
        apply(Case("reported"), "rejected", "operator", note="  ")
    with pytest.raises(IllegalAction) as role:
        apply(Case("reported"), "accepted", "grid_worker")
    assert role.value.kind == "role" and "admin, operator" in str(role.value)


def test_the_docs_show_the_table() -> None:
    from pathlib import Path

    from gis.incidents.workflow import markdown_table

    page = (Path(__file__).parents[2] / "docs" / "incidents.md").read_text()
    between = page.split("<!-- workflow: begin")[1].split("<!-- workflow: end -->")[0]
    assert between.split("\n", 1)[1].strip() == markdown_table()


# --- through the database --------------------------------------------------------------


@pytest.fixture(scope="module")
def town(make_database):
    engine, settings_ = build_town(make_database, "wangge_incident_workflow")
    add_worker(engine, "W001", grid_of(engine, "331004001001"))
    yield engine, settings_
    engine.dispose()


def _report(engine, **extra) -> str:
    lon, lat = extra.pop("at", IN_B001)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        answer, _ = report_incident(
            conn, category="fire_hazard", lon=lon, lat=lat, description="楼道堆放杂物",
            source="grid_worker", reported_by="tester", **extra,
        )  # fmt: skip
    return answer["code"]


def _state(engine, code: str) -> tuple:
    """Status, level, assignee, unit, deadline, events, outbox rows, overdue."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT i.status::text, i.level::text, i.assignee, i.assigned_unit, "
                "i.deadline_at, (SELECT count(*) FROM incident_event e WHERE e.incident_id = i.id),"
                " (SELECT count(*) FROM event_outbox o WHERE o.subject = i.code), "
                "coalesce(i.status::text IN ('reported', 'accepted', 'dispatched', "
                "'in_progress') AND i.deadline_at < now(), false) "
                "FROM incident i WHERE i.code = :code"
            ),
            {"code": code},
        ).one()


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_every_change_has_one_event_and_one_outbox_row(town, data) -> None:
    engine, _ = town
    code = _report(engine)
    before = _state(engine, code)
    assert before[:2] == ("reported", "community") and before[5:7] == (1, 1)
    for _ in range(data.draw(st.integers(0, 12), label="steps")):
        case = Case(before[0], before[1], before[7])
        role = data.draw(st.sampled_from(ACTORS), label="role")
        # Half the time an action the table allows (deep paths), else any (refusals).
        fitting = [a.to for a in allowed(case, role)]
        pool = fitting if fitting and data.draw(st.booleans(), label="fitting") else ACTIONS
        to = data.draw(st.sampled_from([*pool, "expire"]), label="to")
        note = data.draw(st.sampled_from([None, "", "现场核实情况属实"]), label="note")
        assignee = data.draw(st.sampled_from([None, "W900"]), label="assignee")
        if to == "expire":
            expire(engine, code)
            before = _state(engine, code)
            continue
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            try:
                transition(conn, code, to, actor=role, role=role, note=note, assignee=assignee)
            except (TransitionNotAllowed, Forbidden, InvalidInput):
                assert _state(engine, code) == before, (to, role)  # nothing at all changed
                with pytest.raises(IllegalAction):
                    apply(case, to, role, note=note or None, assignee=assignee)
                continue
        after = _state(engine, code)
        expected = apply(case, to, role, note=note, assignee=assignee)
        assert after[:2] == (expected.status, expected.level)
        assert after[5:7] == (before[5] + 1, before[6] + 1), (to, role)
        before = after


def test_acceptance_routes_to_the_grids_worker_else_the_unit(town) -> None:
    engine, _ = town
    with_worker, without = _report(engine), _report(engine, at=(121.3150, 28.5650))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for code in (with_worker, without):
            event = transition(conn, code, "accepted", actor="op", role="operator")
            assert event["action"] == "accepted"
    routed = _state(engine, with_worker)
    assert routed[2:4] == ("W001", None) and routed[0] == "accepted"
    unrouted = _state(engine, without)
    assert unrouted[2:4] == (None, "消防救援站")  # fire_hazard's default unit
    with engine.connect() as conn:
        assignee = conn.execute(
            text("SELECT assignee FROM incident_event WHERE action = 'accepted' AND "
                 "incident_id = (SELECT id FROM incident WHERE code = :c)"), {"c": without}
        ).scalar_one()  # fmt: skip
    assert assignee == "消防救援站"


def test_concurrent_transitions_one_wins_the_other_is_refused(town) -> None:
    engine, _ = town
    code = _report(engine, at=IN_HOME)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def accept() -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            barrier.wait()
            try:
                results.append(transition(conn, code, "accepted", actor="op", role="operator"))
            except TransitionNotAllowed as exc:
                results.append(exc)

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(results) == 2 and len(refused) == 1
    assert "dispatched" in refused[0].allowed
    assert _state(engine, code)[5:7] == (2, 2)  # the intake and one acceptance


def test_the_api_role_may_not_rewrite_the_timeline(town) -> None:
    engine, _ = town
    with engine.connect() as conn:
        grants = conn.execute(
            text("SELECT privilege_type FROM information_schema.role_table_grants "
                 "WHERE grantee = 'wangge_api' AND table_name = 'incident_event'")
        ).scalars().all()  # fmt: skip
    assert {"SELECT", "INSERT"} <= set(grants) and not {"UPDATE", "DELETE"} & set(grants)


def test_the_catalogue_is_edited_by_the_cli(town, monkeypatch) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from gis.incidents import categories

    engine, settings_ = town
    monkeypatch.setenv("WANGGE_DATABASE_URL", settings_.database_url)
    monkeypatch.setenv("WANGGE_SECRET_KEY", settings_.secret_key)
    runner = CliRunner()
    new = [
        "incidents",
        "category",
        "noise",
        "--name-zh",
        "噪声扰民",
        "--name-en",
        "Noise",
        "--kind",
        "事件",
        "--major",
        "市容环境",
        "--hours",
        "72,24,8,2",
        "--unit",
        "城管中队",
    ]
    assert runner.invoke(app, new).exit_code == 0
    assert runner.invoke(app, ["incidents", "category", "noise", "--hours", "1,2,3,4"]).exit_code
    assert runner.invoke(app, ["incidents", "category", "noise", "--retired"]).exit_code == 0
    listed = runner.invoke(app, ["incidents", "categories", "--all"])
    assert "noise" in listed.output and "(retired)" in listed.output
    with engine.connect() as conn:
        assert "noise" not in {c["code"] for c in categories(conn)}  # retired: not offered
        noise = next(c for c in categories(conn, active_only=False) if c["code"] == "noise")
    assert noise["hours_normal"] == 24 and noise["default_unit"] == "城管中队"
    with pytest.raises(InvalidInput, match="noise"), engine.connect() as conn:
        report_incident(conn, category="noise", lon=IN_HOME[0], lat=IN_HOME[1],
                        description="x", source="hotline", reported_by="t")  # fmt: skip
