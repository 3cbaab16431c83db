"""The cheap live view and the clock that cannot run out silently: the state cache, the next
change point, downtime taken out of the clock, time over refusing actions, and who is who."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator import actions as A
from simulator import content, oncall
from simulator.drill import (
    HEARTBEAT_EVERY,
    RESUME_LIMIT,
    SILENCE_LIMIT,
    TRAINEE,
    Drill,
    DrillClock,
    Event,
    action_event,
    load_default_policy,
    load_default_team,
    person_for,
    state_at,
    trainee_seat,
)
from simulator.live import TIME_LEFT_WARNING, ChangeSchedule, StateCache, change_points, trace_tick
from simulator.oncall import default_team
from simulator.routing.config import default_config
from simulator.scenario import load_scenario
from simulator.services import drills as drill_service
from simulator.store import attempts
from simulator.vocabulary import Role
from tests import helpers
from tests.conftest import FIXTURES
from tests.helpers import ensure_user

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _log(*items: tuple[str, float, dict]) -> list[Event]:
    return [Event(i + 1, 0.0, kind, payload, "trainee", _at(s)) for i, (kind, s, payload) in enumerate(items)]


@pytest.fixture(scope="module")
def pool_drill() -> Drill:
    loaded = load_scenario(FIXTURES / "scenarios" / "pool-exhaustion.yaml")
    return Drill.create(loaded, None, load_default_policy(), load_default_team())


# --- the clock --------------------------------------------------------------------------------


def test_a_speed_change_keeps_the_time_reached_and_runs_faster_from_then():
    log = _log(("clock.start", 0, {"speed": 1}), ("clock.speed", 120, {"speed": 30}))
    clock = DrillClock.from_events(log, 2700)
    assert clock.offset_at(_at(120)) == pytest.approx(120)
    assert clock.offset_at(_at(130)) == pytest.approx(120 + 300)
    assert clock.time_left(_at(130)) == pytest.approx(2700 - 420)
    # How long until a simulated moment, in wall seconds, at the new speed.
    assert clock.wall_until(720, _at(130)) == pytest.approx(10)


def test_without_heartbeats_a_log_keeps_its_old_meaning():
    # Headless drills and cohort clocks never record `clock.seen`: a long gap still counts.
    clock = DrillClock.from_events(_log(("clock.start", 0, {"speed": 1})), 7200)
    assert clock.offset_at(_at(3600)) == pytest.approx(3600)


def test_a_restart_gap_does_not_count_against_the_trainee():
    log = _log(
        ("clock.start", 0, {"speed": 10}),
        ("clock.seen", 1, {"resumed": True}),
        ("clock.seen", 11, {"resumed": False}),
        ("clock.seen", 21, {"resumed": False}),
        # The server died after 21 s and a new one picked the session up at 81 s.
        ("clock.seen", 81, {"resumed": True}),
    )
    clock = DrillClock.from_events(log, 7200)
    assert clock.downtime == pytest.approx(60)
    assert clock.offset_at(_at(91)) == pytest.approx((21 + 10) * 10)


def test_a_reload_within_a_heartbeat_is_thinking_time_and_counts():
    log = _log(
        ("clock.start", 0, {"speed": 1}),
        ("clock.seen", 1, {"resumed": True}),
        ("clock.seen", 1 + RESUME_LIMIT - 2, {"resumed": True}),
    )
    clock = DrillClock.from_events(log, 7200)
    assert clock.downtime == 0
    assert clock.offset_at(_at(40)) == pytest.approx(40)


def test_nobody_holding_the_session_stops_the_clock_at_the_last_sign_of_life():
    log = _log(("clock.start", 0, {"speed": 2}), ("clock.seen", 5, {"resumed": True}))
    clock = DrillClock.from_events(log, 7200)
    assert clock.offset_at(_at(5 + SILENCE_LIMIT - 1)) == pytest.approx(2 * (5 + SILENCE_LIMIT - 1))
    assert clock.offset_at(_at(5 + SILENCE_LIMIT + 600)) == pytest.approx(10)


def test_an_action_is_a_sign_of_life_and_a_long_silence_before_it_is_not_counted():
    log = [
        *_log(("clock.start", 0, {"speed": 1}), ("clock.seen", 1, {"resumed": True})),
        Event(3, 1.0, "acknowledge", {}, "trainee", _at(1 + SILENCE_LIMIT + 100)),
    ]
    clock = DrillClock.from_events(log, 7200)
    assert clock.downtime == pytest.approx(SILENCE_LIMIT + 100)
    assert clock.offset_at(_at(1 + SILENCE_LIMIT + 110)) == pytest.approx(11)


def test_a_paused_clock_loses_nothing_to_a_gap():
    log = _log(
        ("clock.start", 0, {"speed": 1}),
        ("clock.seen", 1, {"resumed": True}),
        ("clock.pause", 5, {}),
        ("clock.seen", 500, {"resumed": True}),
        ("clock.resume", 501, {}),
    )
    clock = DrillClock.from_events(log, 7200)
    assert clock.downtime == 0
    assert clock.offset_at(_at(511)) == pytest.approx(15)


def test_the_clock_says_when_time_is_over_and_when_a_heartbeat_is_due():
    log = _log(("clock.start", 0, {"speed": 60}), ("clock.seen", 0, {"resumed": True}))
    clock = DrillClock.from_events(log, 600)
    assert not clock.out_of_time(_at(9))
    assert clock.out_of_time(_at(10))
    assert not clock.needs_heartbeat(_at(HEARTBEAT_EVERY - 1))
    assert clock.needs_heartbeat(_at(HEARTBEAT_EVERY))


# --- the state cache and the change points ----------------------------------------------------


def test_the_cache_gives_the_same_state_for_the_same_log_and_tick(pool_drill):
    cache = StateCache()
    events: list[Event] = []
    first = cache.state("a1", pool_drill, events, 600.0)
    again = cache.state("a1", pool_drill, events, 600.0 + pool_drill.scenario.clock.step / 2)
    assert again is first
    assert cache.stats().hits == 1
    # And it is what the drill engine computes at the tick's start.
    fresh = state_at(pool_drill, events, trace_tick(pool_drill, 600.0) * pool_drill.scenario.clock.step)
    assert (first.now, first.pages, first.chat, first.firing, first.incident) == (
        fresh.now,
        fresh.pages,
        fresh.chat,
        fresh.firing,
        fresh.incident,
    )


def test_an_action_invalidates_the_cached_state(pool_drill):
    cache = StateCache()
    events: list[Event] = []
    before = cache.state("a1", pool_drill, events, 700.0)
    assert before.acknowledged_at is None
    events.append(action_event(events, 690.0, A.Acknowledge(action="acknowledge")))
    after = cache.state("a1", pool_drill, events, 700.0)
    assert after is not before
    assert after.acknowledged_at == pytest.approx(690.0)


def test_a_heartbeat_does_not_invalidate_the_cached_state(pool_drill):
    cache = StateCache()
    events: list[Event] = [Event(1, 0.0, "clock.start", {"speed": 1.0}, "trainee", T0)]
    first = cache.state("a1", pool_drill, events, 600.0)
    events.append(Event(2, 600.0, "clock.seen", {"resumed": False}, "system", _at(600)))
    assert cache.state("a1", pool_drill, events, 600.0) is first


def test_an_action_taken_mid_tick_shows_at_once_even_with_the_clock_paused(pool_drill):
    step = pool_drill.scenario.clock.step
    paused_at = 46 * step + step * 0.6  # inside a tick, where a paused clock may stay for ever
    events = [action_event([], paused_at, A.Escalate(action="escalate", role="backup", reason="help"))]
    state = StateCache().state("a1", pool_drill, events, paused_at)
    assert [role for _, role, _ in state.incident.escalated] == ["backup"]


def test_the_next_change_is_the_next_page_not_the_next_second(pool_drill):
    schedule = ChangeSchedule()
    horizon = state_at(pool_drill, [], pool_drill.duration)
    first_page = min(p.at for p in horizon.pages if p.kind == "page")
    points = change_points(pool_drill, [])
    step = pool_drill.scenario.clock.step
    assert first_page in points
    assert pool_drill.duration - TIME_LEFT_WARNING in points
    # Walking from change to change never skips the page: it shows from the tick after it.
    t = 0.0
    while (nxt := schedule.next_change("a1", pool_drill, [], t)) is not None and nxt < first_page:
        assert nxt > t
        t = nxt
    assert nxt is not None and first_page <= nxt < first_page + step + 1e-9
    assert len(state_at(pool_drill, [], nxt).pages) > len(state_at(pool_drill, [], t).pages)
    assert schedule.next_change("a1", pool_drill, [], pool_drill.duration) is None


# --- time over --------------------------------------------------------------------------------


def test_an_action_after_the_drill_time_is_refused_not_stamped_at_the_end(pool_drill):
    store = helpers.test_store()
    person = ensure_user(store, "trainee_timeover", "trainee")
    started = datetime.now(UTC) - timedelta(seconds=pool_drill.duration / 60 + 5)
    aid = drill_service.start_attempt(
        store, user_id=person.id, username="trainee_timeover", drill=pool_drill, speed=60, now=started
    )
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="Drill time is over"):
        drill_service.record_action(
            store, aid, pool_drill, A.Mitigate(action="mitigate", mitigation="kill_bulk_query"), now
        )
    report = drill_service.record_action(
        store, aid, pool_drill, A.WriteReport(action="write_report", markdown="# Report"), now
    )
    assert report.kind == "write_report"
    assert [e.kind for e in attempts.events_for(store, aid) if e.is_action] == ["write_report"]


def test_a_heartbeat_is_recorded_as_a_sign_of_life_not_an_action(pool_drill):
    store = helpers.test_store()
    person = ensure_user(store, "trainee_heartbeat", "trainee")
    start = datetime.now(UTC) - timedelta(seconds=30)
    aid = drill_service.start_attempt(
        store, user_id=person.id, username="trainee_heartbeat", drill=pool_drill, speed=1, now=start
    )
    ev = drill_service.record_heartbeat(store, aid, pool_drill, start + timedelta(seconds=20), resumed=True)
    assert ev.kind == "clock.seen" and not ev.is_action
    assert ev.at_offset == pytest.approx(20)


# --- who is who ---------------------------------------------------------------------------------


def test_the_trainee_is_the_primary_and_never_also_the_expert_they_page(pool_drill):
    seat = trainee_seat(pool_drill, 0.0)
    assert seat is not None
    # Make the rotation's primary on the scenario's day the team's database expert too (whoever
    # the shipped team names): paging the expert must still reach someone else.
    team = load_default_team()
    roles = team.roles.model_copy(update={"smes": {**team.roles.smes, "database": seat.id}})
    drill = Drill.create(
        pool_drill.loaded, None, load_default_policy(), team.model_copy(update={"roles": roles})
    )
    experts = oncall.on_call(drill.team, drill.wall(0.0)).holders(Role.SME)
    assert any(person.id == seat.id for person, _ in experts)  # the seat really is an expert now
    assert person_for(drill, Role.PRIMARY, 0.0) == TRAINEE
    for role in (Role.BACKUP, Role.MANAGER, Role.INCIDENT_COMMANDER, Role.SECURITY_LEAD, Role.SME):
        assert person_for(drill, role, 0.0) not in (seat.name, TRAINEE)


def test_each_person_keeps_one_name_across_pager_chat_and_escalation(pool_drill):
    events: list[Event] = []
    events.append(action_event(events, 1500.0, A.Escalate(action="escalate", role="sme", reason="db")))
    events.append(action_event(events, 1510.0, A.Escalate(action="escalate", role="backup", reason="db")))
    s = state_at(pool_drill, events, pool_drill.duration)
    pager = {(p.role, p.who) for p in s.pages if p.kind == "escalation"}
    assert (Role.PRIMARY.value, TRAINEE) in pager
    backup = person_for(pool_drill, Role.BACKUP, 1510.0)
    assert (Role.BACKUP.value, backup) in pager
    authors = {m.author for m in s.chat}
    sme = person_for(pool_drill, Role.SME, 1500.0)
    assert {sme, backup} <= authors
    # The manager who writes in the chat is the manager the escalation pages.
    manager = person_for(pool_drill, Role.MANAGER, 0.0)
    assert f"{manager} (on-call manager)" in authors
    assert (Role.MANAGER.value, manager) in pager
    # The person whose seat the trainee took appears nowhere as someone else.
    seat = trainee_seat(pool_drill, 0.0)
    assert seat.name not in {p.who for p in s.pages} | authors


# --- content ------------------------------------------------------------------------------------


def test_content_is_read_once_per_process_from_the_chosen_directory(tmp_path):
    for name in ("policy.yaml", "team.yaml", "alertmanager.yml"):
        (tmp_path / name).write_text((content.SHIPPED_CONTENT_DIR / name).read_text())
    someone = default_team().people[0].name  # whoever the shipped team lists first
    team_text = (tmp_path / "team.yaml").read_text()
    assert f"name: {someone}\n" in team_text
    (tmp_path / "team.yaml").write_text(team_text.replace(f"name: {someone}\n", "name: Erica Example\n", 1))
    try:
        content.use(tmp_path)
        team = default_team()
        assert any(p.name == "Erica Example" for p in team.people)
        assert default_team() is team  # parsed once
        assert default_config() is default_config()
    finally:
        content.use(None)
    assert not any(p.name == "Erica Example" for p in default_team().people)
    with pytest.raises(content.ContentDirError, match="does not exist"):
        content.use(tmp_path / "nowhere")
