"""The escalation engine with injected time: PagerDuty's rule/loop/ack semantics (the oncall.md
test vector) and the seed's severity routing, security route and skipped empty rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from simulator import escalation, oncall
from simulator import policy as pol
from simulator.cli import main
from simulator.durations import format_duration
from simulator.policy import EscalationPolicy, EscalationRule
from simulator.vocabulary import Role
from tests.unit.test_oncall import team

POLICY = pol.load_policy()
TUESDAY_NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # Bob primary, Cid backup


def pages(plan, roles=(Role.PRIMARY, Role.BACKUP)):
    return [(n.offset / 60, n.who) for n in plan if n.channel == "page" and n.role in roles]


def with_rules(*delays_min: float, num_loops: int = 0, ack_timeout: float | None = None) -> pol.Policy:
    targets = [Role.PRIMARY, Role.BACKUP, Role.MANAGER]
    rules = [
        EscalationRule(targets=[targets[i]], delay=format_duration(d * 60)) for i, d in enumerate(delays_min)
    ]
    ep = EscalationPolicy(
        rules=rules,
        num_loops=num_loops,
        ack_timeout=None if ack_timeout is None else format_duration(ack_timeout),
    )
    return POLICY.model_copy(update={"escalation_policy": ep})


def test_oncall_md_vector_two_rules_two_loops_nobody_acknowledges():
    plan = escalation.plan(with_rules(2, 15, num_loops=2), team(), "CRITICAL", TUESDAY_NOON)
    assert [m for m, _ in pages(plan)] == [0, 2, 17, 19, 34, 36]
    assert [w for _, w in pages(plan)] == ["Bob", "Cid"] * 3


def test_the_shipped_policy_gives_the_same_vector():
    plan = escalation.plan(POLICY, team(), "CRITICAL", TUESDAY_NOON)
    assert [m for m, _ in pages(plan)] == [0, 2, 17, 19, 34, 36]


def test_backup_is_paged_when_primary_does_not_acknowledge_in_two_minutes():
    assert pages(escalation.plan(POLICY, team(), "CRITICAL", TUESDAY_NOON, ack_after=150)) == [
        (0, "Bob"),
        (2, "Cid"),
    ]


def test_acknowledging_within_two_minutes_keeps_the_backup_asleep():
    assert pages(escalation.plan(POLICY, team(), "CRITICAL", TUESDAY_NOON, ack_after=120)) == [(0, "Bob")]


def test_acknowledgement_stops_escalation_mid_loop():
    plan = escalation.plan(POLICY, team(), "CRITICAL", TUESDAY_NOON, ack_after=18 * 60)
    assert [m for m, _ in pages(plan)] == [0, 2, 17]


def test_critical_brings_in_the_incident_commander_and_the_manager_at_once():
    plan = escalation.plan(POLICY, team(), "CRITICAL", TUESDAY_NOON, ack_after=30)
    at_once = {(n.role, n.who) for n in plan if n.offset == 0}
    assert {(Role.PRIMARY, "Bob"), (Role.INCIDENT_COMMANDER, "Dee"), (Role.MANAGER, "Mia")} <= at_once
    assert "bridge call" in next(n.reason for n in plan if n.role == Role.INCIDENT_COMMANDER)


def test_high_notifies_in_incidents_and_pages_only_after_fifteen_unacknowledged_minutes():
    unacked = escalation.plan(POLICY, team(), "HIGH", TUESDAY_NOON)
    assert (unacked[0].offset, unacked[0].channel, unacked[0].who) == (0, "#incidents", "Bob")
    assert pages(unacked)[:2] == [(15, "Bob"), (17, "Cid")]
    acked = escalation.plan(POLICY, team(), "HIGH", TUESDAY_NOON, ack_after=10 * 60, resolve_after=20 * 60)
    assert pages(acked, roles=tuple(Role)) == []


def test_high_incident_open_past_thirty_minutes_calls_the_manager_for_customers():
    short = escalation.plan(POLICY, team(), "HIGH", TUESDAY_NOON, ack_after=60, resolve_after=25 * 60)
    long = escalation.plan(POLICY, team(), "HIGH", TUESDAY_NOON, ack_after=60, resolve_after=50 * 60)
    assert not [n for n in short if n.role == Role.MANAGER]
    assert [(n.offset / 60, n.who) for n in long if n.role == Role.MANAGER] == [(30, "Mia")]


def test_medium_opens_a_ticket_with_daily_check_ins_and_never_pages():
    plan = escalation.plan(POLICY, team(), "MEDIUM", TUESDAY_NOON, ack_after=600, resolve_after=2.5 * 86400)
    tickets = [(n.offset / 3600, n.who) for n in plan if n.channel == "ticket"]
    # Bob is on vacation from Wednesday: the check-in goes to whoever is primary that day.
    assert tickets == [(0, "Bob"), (24, "Cid"), (48, "Cid")]
    assert pages(plan) == []


def test_low_is_a_ticket_only():
    plan = escalation.plan(POLICY, team(), "LOW", TUESDAY_NOON)
    assert [(n.channel, n.role) for n in plan] == [("ticket", Role.PRIMARY)]


def test_security_incident_pages_the_security_lead_at_once_whatever_the_severity():
    plan = escalation.plan(POLICY, team(), "MEDIUM", TUESDAY_NOON, security=True)
    lead = [n for n in plan if n.role == Role.SECURITY_LEAD]
    assert [(n.offset, n.who, n.channel) for n in lead] == [(0, "Dee", "page")]


def test_a_rule_with_nobody_on_call_is_skipped_without_waiting():
    solo = oncall.load_team(oncall.SOLO_PRESET_PATH)
    night = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # nobody is primary at night
    plan = escalation.plan(POLICY, solo, "CRITICAL", night)
    assert pages(plan) == [(0, "Standby contractor"), (15, "Standby contractor"), (30, "Standby contractor")]


def test_nobody_on_call_at_all_ends_escalation_instead_of_looping():
    solo = oncall.load_team(oncall.SOLO_PRESET_PATH)
    policy = POLICY.model_copy(
        update={
            "escalation_policy": EscalationPolicy(
                rules=[EscalationRule(targets=[Role.BACKUP], delay="2m")], num_loops=3
            )
        }
    )
    assert pages(escalation.plan(policy, solo, "CRITICAL", TUESDAY_NOON)) == []  # weekday daytime: no backup


def test_the_outgoing_primary_is_paged_too_during_the_handoff_overlap():
    plan = escalation.plan(POLICY, team(), "CRITICAL", datetime(2026, 3, 9, 1, 0, tzinfo=UTC), ack_after=60)
    primaries = [(n.who, n.reason) for n in plan if n.role == Role.PRIMARY]
    assert [w for w, _ in primaries] == ["Ann", "Bob"] or [w for w, _ in primaries] == ["Bob", "Ann"]
    assert any("outgoing primary" in r for _, r in primaries)


def test_a_page_after_the_handoff_goes_to_the_new_primary():
    sunday_late = datetime(2026, 3, 8, 23, 55, tzinfo=UTC)
    plan = escalation.plan(POLICY, team(), "CRITICAL", sunday_late)
    first_loop_again = [w for m, w in pages(plan) if m == 17]
    assert sorted(first_loop_again) == ["Ann", "Bob"]  # Bob's turn began; Ann still in the overlap


def test_an_incident_keeps_the_escalation_policy_it_was_triggered_with():
    incident = escalation.trigger(POLICY, "CRITICAL", TUESDAY_NOON)
    edited = with_rules(5, 30, num_loops=0)
    plan = escalation.plan(edited, team(), "CRITICAL", TUESDAY_NOON, incident=incident)
    assert [m for m, _ in pages(plan)] == [0, 2, 17, 19, 34, 36]


def test_acknowledgement_timeout_returns_the_incident_to_triggered():
    policy = with_rules(2, 15, num_loops=0, ack_timeout=30 * 60)
    plan = escalation.plan(policy, team(), "CRITICAL", TUESDAY_NOON, ack_after=60)
    assert [m for m, _ in pages(plan)] == [0, 31, 33]
    resolved = escalation.plan(policy, team(), "CRITICAL", TUESDAY_NOON, ack_after=60, resolve_after=20 * 60)
    assert [m for m, _ in pages(resolved)] == [0]


def test_escalate_command_prints_the_json_timeline(capsys):
    rc = main(
        [
            "escalate",
            "--severity",
            "CRITICAL",
            "--at",
            "2026-03-10T14:23:00Z",
            "--ack-after",
            "3m",
            "--security",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert {"at", "who", "role", "channel", "reason"} <= set(out[0])
    assert out[0]["at"] == "2026-03-10T14:23:00Z"
    roles = [(o["at"], o["role"]) for o in out]
    assert ("2026-03-10T14:23:00Z", "security_lead") in roles and ("2026-03-10T14:25:00Z", "backup") in roles
    assert all(o["at"] < "2026-03-10T14:26:00Z" for o in out)


def test_escalate_command_refuses_a_bad_duration(capsys):
    assert main(["escalate", "--severity", "HIGH", "--at", "2026-03-10T14:23Z", "--ack-after", "soon"]) == 2
    assert "--ack-after" in capsys.readouterr().err
