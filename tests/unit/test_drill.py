"""The drill engine: a clock from stored timestamps, nothing from the future, a world that reacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from simulator.actions import Acknowledge, Declare, Mitigate, OpenChannel, PostUpdate
from simulator.drill import (
    Drill,
    DrillClock,
    Event,
    action_event,
    load_default_policy,
    load_default_team,
    state_at,
    world,
)
from simulator.vocabulary import IncidentStatus

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _clock(*items: tuple[str, float, dict]) -> list[Event]:
    return [
        Event(i + 1, 0.0, kind, payload, "trainee", T0 + timedelta(seconds=s))
        for i, (kind, s, payload) in enumerate(items)
    ]


def test_clock_runs_at_its_speed_from_the_stored_start():
    c = DrillClock.from_events(_clock(("clock.start", 0, {"speed": 10})), 3600)
    assert c.offset_at(T0 + timedelta(seconds=30)) == pytest.approx(300)


def test_pause_stops_time_and_resume_continues_from_there():
    ev = _clock(("clock.start", 0, {"speed": 2}), ("clock.pause", 10, {}), ("clock.resume", 100, {}))
    c = DrillClock.from_events(ev, 3600)
    assert c.offset_at(T0 + timedelta(seconds=50)) == pytest.approx(20)
    c2 = DrillClock.from_events(ev, 3600)
    assert c2.offset_at(T0 + timedelta(seconds=110)) == pytest.approx(40)


def test_speed_change_applies_from_when_it_was_made():
    ev = _clock(("clock.start", 0, {"speed": 1}), ("clock.speed", 60, {"speed": 60}))
    c = DrillClock.from_events(ev, 3600)
    assert c.offset_at(T0 + timedelta(seconds=70)) == pytest.approx(60 + 600)


def test_clock_stops_at_the_end_of_the_scenario():
    c = DrillClock.from_events(_clock(("clock.start", 0, {"speed": 60})), 600)
    assert c.offset_at(T0 + timedelta(hours=5)) == 600


@pytest.fixture
def drill(pool_scenario):
    return Drill.create(pool_scenario, None, load_default_policy(), load_default_team())


def test_the_trainee_sees_no_future_samples_and_no_future_injects(drill):
    s = state_at(drill, [], 400.0)
    assert float(s.trace.offsets[-1]) <= 400.0
    assert all(m.at <= 400 for m in s.chat)
    assert not s.pages  # the pool alert fires at 8m45s


def test_the_page_arrives_when_the_alert_fires(drill):
    fired = world(drill).timeline.first_firing()
    assert not [p for p in state_at(drill, [], fired - 1).pages if p.kind == "page"]
    s = state_at(drill, [], fired + 60)
    # Alertmanager's group_wait may hold the first notification back a few seconds.
    assert any(p.kind == "page" and fired <= p.at <= fired + 60 for p in s.pages)
    # The first alert shows up in the rooms data/alertmanager.yml routes it to, and in no other.
    from tests.unit.test_seed_procedure import _routed_rooms

    [first] = [a for a in world(drill).timeline.alerts if any(ep.firing_at == fired for ep in a.episodes)]
    rooms = _routed_rooms({**first.labels, "alertname": first.name})
    assert rooms
    assert {m.channel for m in s.chat if m.author == "Alertmanager"} == rooms


def test_backup_is_paged_when_the_primary_does_not_acknowledge_in_time(pool_scenario):
    import simulator.scenario as sc

    text = pool_scenario.text.replace("  severity: HIGH\n  title", "  severity: CRITICAL\n  title")
    crit = Drill.create(
        sc.parse_scenario(text, "x.yaml", None), None, load_default_policy(), load_default_team()
    )
    fired = world(crit).timeline.first_firing()
    late = state_at(crit, [], fired + 200)
    assert any(p.kind == "escalation" and p.role == "backup" for p in late.pages)
    acked = [action_event([], fired + 60, Acknowledge(action="acknowledge"))]
    on_time = state_at(crit, acked, fired + 200)
    assert not any(p.kind == "escalation" and p.role == "backup" for p in on_time.pages)


def test_correct_mitigation_returns_the_pool_to_baseline_and_the_alert_resolves(drill):
    key = 'db_connection_pool_utilization{db="primary",service="api"}'
    ev = [action_event([], 600.0, Mitigate(action="mitigate", mitigation="kill-query"))]
    s = state_at(drill, ev, 1500.0)
    pool = s.trace.get(key)
    assert np.nanmean(pool.values[-10:]) < 0.5
    assert "DBConnectionPoolHigh" not in s.firing
    untreated = state_at(drill, [], 1500.0)
    assert "DBConnectionPoolHigh" in untreated.firing


def test_a_mitigation_in_the_future_does_not_change_the_present(drill):
    ev = [action_event([], 1200.0, Mitigate(action="mitigate", mitigation="kill-query"))]
    assert state_at(drill, ev, 1000.0).firing == state_at(drill, [], 1000.0).firing


def test_declaring_gives_an_incident_id_and_the_channel_appears(drill):
    ev: list[Event] = []
    ev.append(action_event(ev, 600, Declare(action="declare")))
    ev.append(action_event(ev, 610, OpenChannel(action="open_channel", name="#incident-20260310-001")))
    ev.append(action_event(ev, 620, PostUpdate(action="post_update", text="Investigating")))
    s = state_at(drill, ev, 700)
    assert s.incident.incident_id == "INC-2026-03-10-001"
    assert s.incident.status == IncidentStatus.INVESTIGATING
    assert [m.text for m in s.messages("#incident-20260310-001")][-1] == "Investigating"


def test_same_log_gives_the_same_state(drill):
    ev = [action_event([], 600.0, Mitigate(action="mitigate", mitigation="restart-db"))]
    a, b = state_at(drill, ev, 900), state_at(drill, ev, 900)
    assert a.pages == b.pages and a.chat == b.chat
    assert np.array_equal(a.trace.series[0].values, b.trace.series[0].values)
