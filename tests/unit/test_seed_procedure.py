"""The seed's procedure steps drills now hold: the CRITICAL bridge call with 5-minute bridge
updates, the resolution announcement after the metrics confirm it, the 30-minute watch, and
alerts posted in the channel Alertmanager routes them to. Each step's absence lowers exactly the
Communication criterion, with evidence; the steps are recorded events the drill state shows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.actions import AnnounceResolution, JoinBridge, Watch, load_responses
from simulator.cli.drill import run_headless
from simulator.drill import (
    Drill,
    action_event,
    critical_from,
    events_from_responses,
    load_default_policy,
    state_at,
    world,
)
from simulator.expert import expert_actions
from simulator.incident_report import draft_post_incident_report
from simulator.routing.config import CHANNEL_OF, default_config, match_routes
from simulator.scenario import load_scenario
from simulator.scoring import score_drill

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
# Test-owned copies of shipped incidents (pool exhaustion, outage, WAF escalation): the steps and
# times these tests pin are theirs, so a trainer's edit to the pack does not move them.
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"


def _folder(scenario_id: str) -> Path:
    # Named, not looked up: a shipped scenario that one day shares a fixture's name stays the pack's.
    return (
        FIXTURES
        if scenario_id in ("pool-exhaustion", "outage", "waf-escalation", "disk-trend")
        else SCENARIOS
    )


def _drill(scenario_id: str) -> Drill:
    return Drill.create(
        load_scenario(_folder(scenario_id) / f"{scenario_id}.yaml"), None, load_default_policy()
    )


def _items(scenario_id: str) -> list[dict]:
    return yaml.safe_load((_folder(scenario_id) / f"{scenario_id}.expert.yaml").read_text())["actions"]


def _score(drill: Drill, items: list[dict]):
    """Score the items with the report re-drafted from their log, so only the step under test changes."""
    others = [it for it in items if it["action"] != "write_report"]
    responses = load_responses(yaml.safe_dump({"actions": others}), "test", drill.scenario)
    md = draft_post_incident_report(drill, events_from_responses(drill, responses), expert=True)
    items = [{**it, "markdown": md} if it["action"] == "write_report" else it for it in items]
    responses = load_responses(yaml.safe_dump({"actions": items}), "test", drill.scenario)
    return score_drill(drill, events_from_responses(drill, responses))


def _changed(expert, card) -> set[str]:
    return {c.key for c, e in zip(card.criteria, expert.criteria, strict=True) if c.score != e.score}


@pytest.mark.parametrize(
    ("scenario_id", "drop", "item"),
    [
        ("outage", "join_bridge", "bridge call"),
        ("outage", "bridge_update", "bridge updates"),
        ("pool-exhaustion", "announce_resolution", "resolution announcement"),
        ("pool-exhaustion", "watch", "watch"),
    ],
)
def test_leaving_out_a_step_lowers_only_communication_with_evidence(scenario_id, drop, item):
    drill = _drill(scenario_id)
    items = _items(scenario_id)
    expert = _score(drill, items)
    assert expert.passed and expert.criterion("communication").rating == "P"
    card = _score(drill, [it for it in items if it["action"] != drop])
    assert _changed(expert, card) == {"communication"}
    assert any(e.item == item and e.deduction > 0 for e in card.criterion("communication").evidence)


def test_a_missed_bridge_join_says_when_it_was_due():
    drill = _drill("outage")
    card = _score(drill, [it for it in _items("outage") if it["action"] != "join_bridge"])
    miss = next(e for e in card.criterion("communication").deductions if e.item == "bridge call")
    assert miss.trainee_at is None and miss.expected_time


def test_no_bridge_is_asked_of_an_incident_that_never_becomes_critical():
    drill = _drill("pool-exhaustion")
    assert critical_from(drill) is None
    card = _score(drill, _items("pool-exhaustion"))
    assert not [e for e in card.criterion("communication").evidence if e.item.startswith("bridge")]
    assert critical_from(_drill("waf-escalation")) is not None  # HIGH that becomes CRITICAL


def test_announcing_before_the_metrics_had_time_to_confirm_loses_credit():
    drill = _drill("pool-exhaustion")
    items = _items("pool-exhaustion")
    expert = _score(drill, items)
    verify = next(it for it in items if it["action"] == "verify")
    ann = next(it for it in items if it["action"] == "announce_resolution")
    ann["at"] = verify["at"]  # no wait at all
    card = _score(drill, items)
    assert _changed(expert, card) == {"communication"}
    assert any(e.item == "wait for confirmation" for e in card.criterion("communication").deductions)


def test_an_announcement_without_the_resolution_time_or_a_short_watch_loses_credit():
    drill = _drill("pool-exhaustion")
    items = _items("pool-exhaustion")
    next(it for it in items if it["action"] == "announce_resolution")["text"] = "All good now."
    next(it for it in items if it["action"] == "watch")["minutes"] = 5
    notes = {e.item: e.note for e in _score(drill, items).criterion("communication").deductions}
    assert "Issue resolved at HH:MM UTC" in notes["resolution announcement"]
    assert "watched 5 min" in notes["watch"]


def test_the_steps_are_recorded_events_the_drill_state_shows():
    drill = _drill("outage")
    events: list = []
    for at, action in [
        (300.0, JoinBridge(action="join_bridge", link="Slack huddle")),
        (900.0, AnnounceResolution(action="announce_resolution", text="Issue resolved at 09:14 UTC")),
        (910.0, Watch(action="watch", minutes=30)),
    ]:
        events.append(action_event(events, at, action))
    s = state_at(drill, events, 1000.0)
    assert s.incident.bridge_joined_at == 300.0
    assert s.incident.resolution_announced_at == 900.0
    assert s.incident.watch_until == 910.0 + 1800.0
    assert any("Issue resolved at 09:14 UTC" in m.text for m in s.chat)


def _routed_rooms(labels: dict[str, str]) -> set[str]:
    """Where data/alertmanager.yml sends an alert with these labels, as chat rooms: a chat
    integration's `channel` (else `#receiver`), a ticket queue by its receiver's name; pagers and
    e-mail are not chat. Read from the file, so a trainer's routing edit moves the expectation too."""
    config = default_config()
    rooms: set[str] = set()
    for name in match_routes(config, labels):
        receiver = config.receiver(name)
        for kind, _, settings in receiver.integrations() if receiver else []:
            if CHANNEL_OF[kind] == "ticket":
                rooms.add(name)
            elif CHANNEL_OF[kind] == "chat":
                rooms.add(settings.get("channel") or f"#{name}")
    return rooms


def test_each_alert_is_posted_in_the_channel_alertmanager_routes_it_to():
    # Test-owned copies: the pool exhaustion's HIGH and MEDIUM alerts, the disk trend's LOW one.
    seen: set[str] = set()
    routed: set[str] = set()
    for scenario_id in ("pool-exhaustion", "disk-trend"):
        drill = _drill(scenario_id)
        s = state_at(drill, [], drill.duration)
        alerts = {a.name: {**a.labels, "alertname": a.name} for a in world(drill).timeline.alerts}
        posted = [m for m in s.chat if m.kind == "alert"]
        assert posted, scenario_id
        for m in posted:
            name = next(n for n in alerts if n in m.text)
            assert m.channel in _routed_rooms(alerts[name]), (scenario_id, name, m.channel)
            seen.add(m.channel)
            routed |= _routed_rooms(alerts[name])
    # Every room those alerts route to got its message, and more than one kind of room is covered.
    assert seen == routed and len(seen) >= 2


def test_the_drafted_expert_takes_every_step_and_passes():
    drill = _drill("outage")
    kinds = [a.action for _, a in expert_actions(drill)]
    assert {"join_bridge", "bridge_update", "announce_resolution", "watch"} <= set(kinds)
    assert kinds.index("announce_resolution") < kinds.index("resolve") < kinds.index("watch")


def test_the_cli_drill_command_takes_the_new_actions():
    _drill_run, events, card = run_headless(FIXTURES / "outage.yaml", FIXTURES / "outage.expert.yaml")
    assert {"join_bridge", "bridge_update", "announce_resolution", "watch"} <= {e.kind for e in events}
    assert card.passed
