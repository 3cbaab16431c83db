"""Cohorts and live cohort drills, through the pages: a trainer sets up, trainees join, the board
shows what each trainee did, and the debrief compares them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from simulator.accounts import AccountError
from simulator.actions import Acknowledge, Classify, Escalate, PostUpdate
from simulator.drill import Drill, DrillClock, load_default_policy
from simulator.services import cohorts as cohort_service
from simulator.services import drills as drill_service
from simulator.store import attempts as store_att
from simulator.store import people
from tests.helpers import app_test, make_users, page_test

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cohort(tmp_store):
    make_users(tmp_store)
    c = people.create_cohort(tmp_store, "Spring <b>intake</b>", date(2026, 3, 2), "trainer", T0)
    for u in ("trainee1", "trainee2", "trainee3"):
        people.add_member(tmp_store, c.id, u, "trainer", T0)
    return c


def _engine(seed_scenario, seed: int = 7) -> Drill:
    return Drill.create(seed_scenario, seed, load_default_policy())


def test_a_trainer_creates_a_cohort_and_adds_trainees_on_the_page(tmp_store):
    make_users(tmp_store)
    at = app_test("pages/cohorts.py", role="trainer")
    at.run()
    next(t for t in at.text_input if t.label == "Cohort name").input("Q2 intake")
    next(b for b in at.button if b.label == "Create cohort").click().run()
    assert not at.exception
    at.multiselect(key="cohort_add").set_value(["trainee1", "trainee2"])
    next(b for b in at.button if b.label == "Apply membership changes").click().run()
    assert not at.exception
    cohort = people.list_cohorts(tmp_store)[0]
    assert [m.username for m in people.cohort_members(tmp_store, cohort.id)] == ["trainee1", "trainee2"]
    progress = at.dataframe[0].value
    assert progress["username"].tolist() == ["trainee1", "trainee2"]
    assert "sign-off status" in progress.columns
    assert {e.action for e in people.audit_log(tmp_store)} >= {"create_cohort", "add_cohort_member"}


def test_only_trainees_can_be_cohort_members(cohort, tmp_store):
    with pytest.raises(AccountError, match="only trainees"):
        people.add_member(tmp_store, cohort.id, "trainer", "trainer", T0)


def test_trainees_share_the_cohort_clock_and_pausing_stops_it_for_everyone(cohort, tmp_store, seed_scenario):
    engine = _engine(seed_scenario)
    cd = cohort_service.schedule_cohort_drill(
        tmp_store, cohort.id, seed_scenario.scenario.id, 7, "trainer", T0
    )
    users = {u: people.get_user_by_username(tmp_store, u) for u in ("trainee1", "trainee2")}
    a1 = cohort_service.join_cohort_drill(tmp_store, cd.id, users["trainee1"].id, "trainee1", engine, T0)
    a2 = cohort_service.join_cohort_drill(tmp_store, cd.id, users["trainee2"].id, "trainee2", engine, T0)
    assert (
        cohort_service.join_cohort_drill(tmp_store, cd.id, users["trainee1"].id, "trainee1", engine, T0) == a1
    )
    cohort_service.control_cohort_drill(tmp_store, cd.id, "start", "trainer", T0 + timedelta(seconds=10))
    cohort_service.control_cohort_drill(tmp_store, cd.id, "pause", "trainer", T0 + timedelta(seconds=70))
    later = T0 + timedelta(minutes=30)
    for aid in (a1, a2):
        clock = DrillClock.from_events(store_att.events_for(tmp_store, aid), engine.duration)
        assert clock.paused and clock.offset_at(later) == pytest.approx(60.0)
    with pytest.raises(AccountError, match="cannot start a drill that is paused"):
        cohort_service.control_cohort_drill(tmp_store, cd.id, "start", "trainer", later)


def test_a_trainee_outside_the_cohort_cannot_join(cohort, tmp_store, seed_scenario):
    outsider = people.create_user(tmp_store, "outsider", "a-long-password-1", "trainee", T0)
    cd = cohort_service.schedule_cohort_drill(
        tmp_store, cohort.id, seed_scenario.scenario.id, 7, "trainer", T0
    )
    with pytest.raises(AccountError, match="not a member"):
        cohort_service.join_cohort_drill(
            tmp_store, cd.id, outsider.id, "outsider", _engine(seed_scenario), T0
        )


def test_joining_from_the_page_opens_the_trainees_own_attempt_on_the_drill_page(
    cohort, tmp_store, seed_scenario
):
    cd = cohort_service.schedule_cohort_drill(
        tmp_store, cohort.id, seed_scenario.scenario.id, 7, "trainer", T0
    )
    at = app_test("pages/cohort_join.py", role="trainee", username="trainee2")
    at.run()
    at.button(key=f"join_{cd.id}").click().run()
    assert not at.exception
    aid = people.drill_participants(tmp_store, cd.id)["trainee2"]
    assert at.query_params["attempt"] == [str(aid)] or at.query_params["attempt"] == str(aid)
    assert store_att.get_attempt(tmp_store, aid).clock_id == cd.clock_id


def test_the_board_shows_each_trainees_actions_and_the_debrief_compares_them(
    cohort, tmp_store, seed_scenario
):
    engine = _engine(seed_scenario)
    cd = cohort_service.schedule_cohort_drill(
        tmp_store, cohort.id, seed_scenario.scenario.id, 7, "trainer", T0
    )
    cohort_service.control_cohort_drill(tmp_store, cd.id, "start", "trainer", T0)
    calls = {"trainee1": "CRITICAL", "trainee2": "HIGH", "trainee3": "LOW"}
    for n, (u, sev) in enumerate(calls.items()):
        person = people.get_user_by_username(tmp_store, u)
        aid = cohort_service.join_cohort_drill(tmp_store, cd.id, person.id, u, engine, T0)
        t = T0 + timedelta(seconds=60 + 30 * n)
        drill_service.record_action(tmp_store, aid, engine, Acknowledge(action="acknowledge"), t)
        drill_service.record_action(tmp_store, aid, engine, Classify(action="classify", severity=sev), t)
        drill_service.record_action(tmp_store, aid, engine, Escalate(action="escalate", role="manager"), t)
        drill_service.record_action(
            tmp_store,
            aid,
            engine,
            PostUpdate(action="post_update", text=f"<img src=x onerror=alert(1)> {u}"),
            t,
        )
    at = app_test("pages/cohort_board.py", role="trainer", query_params={"cohort": str(cohort.id)})
    at.run()
    assert not at.exception
    board = at.dataframe[0].value.set_index("username")
    assert board.loc["trainee1", "acknowledged"] == "T+01:00"
    assert board.loc["trainee2", "severity calls"].startswith("HIGH")
    assert board.loc["trainee3", "escalations"].startswith("manager")
    assert board.loc["trainee3", "last update"] == "<img src=x onerror=alert(1)> trainee3"
    assert not any("<img" in m.value for m in at.markdown)
    feed = [t.value for t in at.text]
    assert any("Tara Trainee · post update: <img src=x onerror=alert(1)> trainee3" in line for line in feed)
    assert any("Tia Trainee · classify: CRITICAL" in line for line in feed)

    next(b for b in at.button if b.label == "End drill").click().run()
    assert not at.exception
    compare = at.dataframe[1].value
    assert compare["final severity"].tolist() == ["CRITICAL", "HIGH", "LOW"]
    assert compare["score"].notna().all()
    assert any(m.label == "Agreement (quadratic weighted κ)" for m in at.metric)
    right = next(m.value for m in at.metric if m.label == "Exactly right")
    assert right in ("0%", "33%", "67%", "100%")
    assert all(
        store_att.get_attempt(tmp_store, a).status == "finished"
        for a in people.drill_participants(tmp_store, cd.id).values()
    )


def test_trainees_are_refused_on_the_cohort_and_board_pages(cohort, tmp_store):
    for page in ("pages/cohorts.py", "pages/cohort_board.py"):
        at = page_test(page, role="trainee")
        at.run()
        assert [e.value for e in at.error] == [
            "This page is for trainers and administrators. You are signed in as trainee1 (trainee)."
        ]
        assert not at.dataframe


def test_a_cohort_name_with_html_is_shown_as_text(cohort, tmp_store):
    at = app_test("pages/cohorts.py", role="trainer")
    at.run()
    assert not at.exception
    heading = next(h.value for h in at.subheader if "progress" in h.value)
    assert heading.startswith("Spring \\<b\\>intake\\<\\/b\\>")  # escaped markdown: the browser shows <b>
    assert at.dataframe[0].value["username"].tolist() == ["trainee1", "trainee2", "trainee3"]
