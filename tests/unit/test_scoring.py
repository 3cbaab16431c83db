"""Scoring: every built-in expert response passes with P everywhere, and each scripted mistake
lowers exactly the criterion it should, with the trainee's time beside the expected one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.actions import load_responses
from simulator.drill import Drill, action_event, events_from_responses, load_default_policy
from simulator.expert import expert_actions
from simulator.scenario import load_scenario, parse_scenario, scenario_files
from simulator.scoring import rating, score_drill, severity_call_score
from simulator.vocabulary import Severity

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BUILTIN = [p.stem for p in scenario_files(SCENARIOS)]
# Test-owned copies of shipped incidents (tests/fixtures/scenarios): tests of the scoring engine
# pin their times, ids and channel names, which a trainer's edit to the pack must not move.
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
POOL = "pool-exhaustion"


OUTAGE = "outage"  # a test-owned copy of the complete outage: CRITICAL, customers must be told


def _folder(scenario_id: str) -> Path:
    return FIXTURES if scenario_id in (POOL, OUTAGE) else SCENARIOS


def _drill(scenario_id: str) -> Drill:
    return Drill.create(
        load_scenario(_folder(scenario_id) / f"{scenario_id}.yaml"), None, load_default_policy()
    )


def _expert_items(scenario_id: str) -> list[dict]:
    return yaml.safe_load((_folder(scenario_id) / f"{scenario_id}.expert.yaml").read_text())["actions"]


def _score(drill: Drill, items: list[dict]):
    responses = load_responses(yaml.safe_dump({"actions": items}), "test", drill.scenario)
    return score_drill(drill, events_from_responses(drill, responses))


def _truthful_report(drill: Drill, items: list[dict]) -> list[dict]:
    """The items with the expert's report re-drafted from the changed log: the report is checked
    against the log, so a test of another criterion keeps the report telling the truth."""
    from simulator.incident_report import draft_post_incident_report

    others = [it for it in items if it["action"] != "write_report"]
    responses = load_responses(yaml.safe_dump({"actions": others}), "test", drill.scenario)
    md = draft_post_incident_report(drill, events_from_responses(drill, responses), expert=True)
    return [{**it, "markdown": md} if it["action"] == "write_report" else it for it in items]


def _changed(expert, mistaken) -> dict[str, float]:
    return {
        c.key: c.score for c, e in zip(mistaken.criteria, expert.criteria, strict=True) if c.score != e.score
    }


@pytest.mark.parametrize("scenario_id", BUILTIN)
def test_expert_response_passes_with_p_on_every_criterion(scenario_id):
    drill = _drill(scenario_id)
    card = _score(drill, _expert_items(scenario_id))
    assert card.passed, card.reasons
    assert {c.key: c.rating for c in card.criteria} == {c.key: "P" for c in card.criteria}


def test_scoring_is_deterministic():
    drill = _drill(POOL)
    items = _expert_items(POOL)
    assert _score(drill, items).to_dict() == _score(drill, items).to_dict()


def test_late_acknowledgement_lowers_only_the_acknowledge_criterion():
    drill = _drill(OUTAGE)
    items = _expert_items(OUTAGE)
    expert = _score(drill, items)
    fired = drill_first_firing(drill)
    target = _ack_target(drill)
    for it in items:
        if it["action"] == "acknowledge":
            it["at"] = f"{int(fired + 2 * target)}s"  # twice the policy's target for the scenario's severity
    card = _score(drill, _truthful_report(drill, items))
    assert set(_changed(expert, card)) == {"acknowledge"}
    ack = card.criterion("acknowledge")
    assert ack.rating != "P"
    ded = ack.deductions[0]
    assert ded.trainee_at == pytest.approx(fired + 2 * target)
    assert ded.expected_at == pytest.approx(fired + target)
    assert ded.trainee_time and ded.expected_time


def _ack_target(drill: Drill) -> float:
    """The policy's acknowledgement target for the severity the scenario's answer gives."""
    return drill.policy.level(drill.scenario.answer.severity).ack_target


def drill_first_firing(drill: Drill) -> float:
    from simulator.drill import world

    first = world(drill).timeline.first_firing()
    assert first is not None
    return first


def test_acknowledge_is_measured_from_when_the_alert_fired_not_when_it_went_pending():
    drill = _drill(OUTAGE)
    items = _expert_items(OUTAGE)
    fired = drill_first_firing(drill)
    for it in items:
        if it["action"] == "acknowledge":
            it["at"] = f"{int(fired + _ack_target(drill) - 10)}s"  # inside the target, timed from firing
    assert _score(drill, items).criterion("acknowledge").score == 1.0


def test_under_called_severity_lowers_only_the_severity_criterion():
    drill = _drill(POOL)
    items = _expert_items(POOL)
    expert = _score(drill, items)
    for it in items:
        if it["action"] == "classify":
            it["severity"] = "MEDIUM"
    card = _score(drill, items)
    assert set(_changed(expert, card)) == {"severity"}
    sev = card.criterion("severity")
    assert sev.score == pytest.approx(1 - 2 / 9, abs=1e-6)
    assert any("under-call" in e.note and e.trainee_time for e in sev.evidence)


def test_under_call_costs_more_than_the_same_over_call():
    assert severity_call_score(Severity.MEDIUM, Severity.HIGH) < severity_call_score(
        Severity.CRITICAL, Severity.HIGH
    )
    assert severity_call_score(Severity.HIGH, Severity.HIGH) == 1.0


def _breach_scenario():
    text = (FIXTURES / f"{OUTAGE}.yaml").read_text()
    assert "  security: none" in text
    return parse_scenario(
        text.replace("  security: none", "  security: breach_confirmed"), "breach.yaml", FIXTURES
    )


def test_breach_without_a_security_lead_call_lowers_only_escalation_and_fails_a_critical_item():
    drill = Drill.create(_breach_scenario(), None, load_default_policy())
    acts = expert_actions(drill)
    assert any(a.action == "escalate" and a.role == "security_lead" for _, a in acts)
    events = []
    for at, a in acts:
        events.append(action_event(events, at, a))
    expert = score_drill(drill, events)
    assert expert.passed
    without = []
    for at, a in acts:
        if not (a.action == "escalate" and a.role == "security_lead") and a.action != "write_report":
            without.append(action_event(without, at, a))
    # The report tells the truth about the changed log (it no longer lists the call).
    from simulator.actions import WriteReport
    from simulator.incident_report import draft_post_incident_report

    md = draft_post_incident_report(drill, without, expert=True)
    report_at = next(at for at, a in acts if a.action == "write_report")
    without.append(action_event(without, report_at, WriteReport(action="write_report", markdown=md)))
    card = score_drill(drill, without)
    assert set(_changed(expert, card)) == {"escalation"}
    esc = card.criterion("escalation")
    assert esc.rating in ("M", "U") and esc.critical_failures
    assert not card.passed
    missed = [e for e in esc.deductions if e.item == "security_lead"]
    assert missed and missed[0].trainee_at is None and missed[0].expected_time


def test_harmful_mitigation_lowers_only_diagnosis_and_fails_a_critical_item():
    drill = _drill(POOL)
    items = _expert_items(POOL)
    expert = _score(drill, items)
    fix = next(i for i, it in enumerate(items) if it["action"] == "mitigate")
    items.insert(fix, {"at": items[fix]["at"], "action": "mitigate", "mitigation": "restart-db"})
    # Give the world time to recover from the outage the restart causes before verifying.
    card = _score(drill, _truthful_report(drill, items))
    assert set(_changed(expert, card)) == {"diagnosis"}
    diag = card.criterion("diagnosis")
    assert diag.rating in ("M", "U")
    assert any(e.item == "harmful mitigation" and e.trainee_time for e in diag.deductions)
    assert not card.passed


def test_harmful_mitigation_makes_the_world_worse():
    from simulator.drill import world

    drill = _drill(POOL)
    calm = world(drill).trace.get('http_request_errors_total{service="api"}')
    worse = world(drill, [(600.0, "restart-db")]).trace.get('http_request_errors_total{service="api"}')
    # Restarting the database fails every request for three minutes: far more errors in that window.
    i, j = (int(t // drill.scenario.clock.step) for t in (615.0, 780.0))  # samples at 10m15s and 13m
    assert worse.values[j] - worse.values[i] > 10 * (calm.values[j] - calm.values[i])


def test_missing_customer_notification_on_a_critical_lowers_only_communication():
    drill = _drill(OUTAGE)
    items = _expert_items(OUTAGE)
    expert = _score(drill, items)
    items = [it for it in items if it["action"] != "notify_customers"]
    card = _score(drill, _truthful_report(drill, items))
    assert set(_changed(expert, card)) == {"communication"}
    comm = card.criterion("communication")
    assert comm.rating in ("M", "U") and comm.critical_failures
    missing = [e for e in comm.deductions if e.item == "customer notification"]
    assert missing[0].trainee_at is None and missing[0].expected_time


def test_wrong_channel_name_lowers_only_communication():
    drill = _drill(POOL)
    items = _expert_items(POOL)
    expert = _score(drill, items)
    for it in items:
        if it["action"] == "open_channel":
            it["name"] = "#incident-20260311-001"  # the day after the incident
    card = _score(drill, items)
    assert set(_changed(expert, card)) == {"communication"}
    ded = [e for e in card.criterion("communication").deductions if e.item == "channel"]
    assert ded and "#incident-20260310-001" in ded[0].note and ded[0].trainee_time


def test_the_seeds_dashed_channel_spelling_scores_like_the_canonical_one():
    drill = _drill(POOL)
    items = _expert_items(POOL)
    expert = _score(drill, items)
    for it in items:
        if it["action"] == "open_channel":
            it["name"] = "#incident-2026-03-10-001"  # the seed's phase-1 checklist spells it so
    card = _score(drill, items)
    assert _changed(expert, card) == {} and card.passed
    assert not [e for e in card.criterion("communication").deductions if e.item == "channel"]


def test_false_positive_judged_real_fails_the_judgement():
    # Whichever shipped scenario is a false positive: the rule is the engine's, not one scenario's.
    false_positive = next(
        s for s in BUILTIN if not load_scenario(SCENARIOS / f"{s}.yaml").scenario.answer.real
    )
    drill = _drill(false_positive)
    items = _expert_items(false_positive)
    for it in items:
        if it["action"] == "judge":
            it["verdict"] = "real"
    card = _score(drill, items)
    assert card.criterion("judgement").score == 0.0
    assert not card.passed


def test_never_acknowledging_scores_zero_and_fails():
    drill = _drill(POOL)
    items = [it for it in _expert_items(POOL) if it["action"] != "acknowledge"]
    card = _score(drill, items)
    assert card.criterion("acknowledge").score == 0.0
    assert not card.passed


def test_unnecessary_escalation_costs_a_tenth():
    drill = _drill(POOL)
    items = _expert_items(POOL)
    assert not any(it["action"] == "escalate" and it.get("role") == "incident_commander" for it in items)
    items.append({"at": "20m", "action": "escalate", "role": "incident_commander"})
    card = _score(drill, items)
    assert card.criterion("escalation").score == pytest.approx(0.9)


def test_resolving_without_verifying_is_a_deduction():
    drill = _drill(POOL)
    # Verification is a look at the recovered metrics: drop the claim and the last look at the board.
    items = [
        it
        for it in _expert_items(POOL)
        if it["action"] != "verify" and not (it["action"] == "look" and "recovered" in it.get("detail", ""))
    ]
    card = _score(drill, items)
    assert any(e.item == "verify" for e in card.criterion("diagnosis").deductions)


def test_rating_bands():
    assert [rating(x) for x in (0.95, 0.9, 0.8, 0.75, 0.6, 0.49)] == ["P", "P", "S", "S", "M", "U"]


def _escalating_pool_drill() -> Drill:
    text = (FIXTURES / f"{POOL}.yaml").read_text()
    marker = "  severity: HIGH\n  title:"
    assert marker in text
    text = text.replace(
        marker,
        "  severity: HIGH\n  severity_changes:\n"
        "    - {at: 15m, severity: CRITICAL, reason: every request failing}\n  title:",
    )
    return Drill.create(parse_scenario(text, "escalating.yaml", FIXTURES), None, load_default_policy())


def test_reclassification_is_credited_by_how_quickly_it_follows_the_change():
    drill = _escalating_pool_drill()
    items = _expert_items(POOL)
    never = _score(drill, items).criterion("severity")
    quick = _score(drill, [*items, {"at": "16m", "action": "classify", "severity": "CRITICAL"}]).criterion(
        "severity"
    )
    slow = _score(drill, [*items, {"at": "19m", "action": "classify", "severity": "CRITICAL"}]).criterion(
        "severity"
    )
    assert quick.score == 1.0
    assert never.score == pytest.approx(0.5)
    assert never.score < slow.score < quick.score
    assert any(e.item == "reclassify" and e.trainee_time for e in slow.evidence)
