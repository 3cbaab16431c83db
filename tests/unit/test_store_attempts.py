"""Attempts persist action by action: a reopened attempt has every confirmed event, the exact
scenario version, seed and policy; cohort attempts share one clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.actions import Acknowledge, Classify
from simulator.drill import Drill, state_at
from simulator.services import drills as drill_service
from simulator.store import attempts
from simulator.vocabulary import Severity

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def drill(pool_scenario):
    return Drill.create(pool_scenario, 7)


def test_an_attempt_records_scenario_version_seed_and_policy(tmp_store, drill):
    aid = drill_service.start_attempt(
        tmp_store, user_id=None, username="trainee1", drill=drill, speed=10, now=T0
    )
    att = attempts.get_attempt(tmp_store, aid)
    assert (att.scenario_id, att.content_hash, att.seed, att.speed, att.status) == (
        "pool-exhaustion",
        drill.loaded.content_hash,
        7,
        10.0,
        "running",
    )
    assert att.scenario_text == drill.loaded.text
    assert att.policy_hash == drill.policy.content_hash


def test_actions_are_stamped_with_simulated_time_from_the_stored_clock(tmp_store, drill):
    aid = drill_service.start_attempt(tmp_store, user_id=None, username="t", drill=drill, speed=10, now=T0)
    ev = drill_service.record_action(
        tmp_store, aid, drill, Acknowledge(action="acknowledge"), T0 + timedelta(seconds=60)
    )
    assert ev.at_offset == pytest.approx(600.0)  # one wall minute at 10x
    drill_service.clock_control(tmp_store, aid, "clock.pause", T0 + timedelta(seconds=70))
    ev2 = drill_service.record_action(
        tmp_store,
        aid,
        drill,
        Classify(action="classify", severity=Severity.HIGH),
        T0 + timedelta(seconds=500),
    )
    assert ev2.at_offset == pytest.approx(700.0)  # paused: time stood still


def test_reopening_an_attempt_restores_every_event_and_the_state(tmp_store, drill):
    aid = drill_service.start_attempt(tmp_store, user_id=None, username="t", drill=drill, speed=60, now=T0)
    drill_service.record_action(
        tmp_store, aid, drill, Acknowledge(action="acknowledge"), T0 + timedelta(seconds=10)
    )
    again = drill_service.drill_for(attempts.get_attempt(tmp_store, aid))
    events = attempts.events_for(tmp_store, aid)
    assert [e.kind for e in events] == ["clock.start", "acknowledge"]
    now = drill_service.now_offset(tmp_store, aid, again, T0 + timedelta(seconds=11))
    assert state_at(again, events, now).acknowledged_at == pytest.approx(600.0)


def test_finishing_scores_the_attempt_and_offers_it_as_sign_off_evidence(tmp_store, drill):
    aid = drill_service.start_attempt(
        tmp_store, user_id=None, username="trainee9", drill=drill, speed=60, now=T0
    )
    drill_service.record_action(
        tmp_store, aid, drill, Acknowledge(action="acknowledge"), T0 + timedelta(seconds=10)
    )
    card = drill_service.finish_and_score(tmp_store, aid, drill, T0 + timedelta(seconds=20))
    assert card["passed"] is False and card["criteria"]["acknowledge"]["score"] == 1.0
    with pytest.raises(ValueError):
        drill_service.record_action(
            tmp_store, aid, drill, Acknowledge(action="acknowledge"), T0 + timedelta(seconds=30)
        )
    scored = attempts.scored_attempts(tmp_store, "trainee9")
    assert [s.id for s in scored] == [aid] and scored[0].criteria["acknowledge"] == 1.0


def test_cohort_attempts_share_one_clock(tmp_store, drill):
    cid = attempts.create_cohort_clock(
        tmp_store, name="Q1 mock drill", scenario_id=drill.scenario.id, speed=5, now=T0
    )
    a1 = drill_service.start_attempt(
        tmp_store, user_id=None, username="a", drill=drill, speed=5, now=T0, clock_id=cid
    )
    a2 = drill_service.start_attempt(tmp_store, user_id=None, username="b", drill=drill, speed=5, now=T0)
    attempts.attach_attempt_to_clock(tmp_store, a2, cid)
    attempts.start_clock(tmp_store, cid, T0)
    attempts.pause_clock(tmp_store, cid, T0 + timedelta(seconds=30))
    later = T0 + timedelta(seconds=90)
    assert drill_service.now_offset(tmp_store, a1, drill, later) == pytest.approx(150.0)
    assert [e.kind for e in attempts.events_for_clock(tmp_store, cid)] == ["clock.start", "clock.pause"]
    assert {a.id for a in attempts.attempts_for_clock(tmp_store, cid)} == {a1, a2}


def test_a_cohort_attempt_can_be_finished_early_and_then_takes_no_more_actions(tmp_store, drill):
    cid = attempts.create_cohort_clock(
        tmp_store, name="mock", scenario_id=drill.scenario.id, speed=60, now=T0
    )
    aid = drill_service.start_attempt(
        tmp_store, user_id=None, username="c", drill=drill, speed=60, now=T0, clock_id=cid
    )
    attempts.start_clock(tmp_store, cid, T0)
    ev = drill_service.record_action(
        tmp_store, aid, drill, Acknowledge(action="acknowledge"), T0 + timedelta(seconds=10)
    )
    assert ev.at_offset == pytest.approx(600.0)
    drill_service.finish_and_score(tmp_store, aid, drill, T0 + timedelta(seconds=20))
    with pytest.raises(ValueError):
        drill_service.record_action(
            tmp_store, aid, drill, Acknowledge(action="acknowledge"), T0 + timedelta(seconds=30)
        )
    assert attempts.get_attempt(tmp_store, aid).status == "finished"
