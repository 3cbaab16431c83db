"""Scoring judged against the world, not the trainee's claims (issue 14 points 3, 4, 5 and 8).

Resolving while the incident still shows fails the drill; verification needs a look at the
recovered metrics; guesses made before any evidence earn nothing; severity calls fail the drill
where the rules say so; one function decides pass. The scripted mistakes are derived from each
built-in scenario's expert response, so a new scenario is covered without editing this file.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from simulator.actions import load_responses
from simulator.drill import Drill, events_from_responses, load_default_policy, true_severity_at, world
from simulator.durations import parse_duration
from simulator.scenario import load_scenario, parse_scenario, scenario_files
from simulator.scoring import (
    Verdict,
    first_sign_at,
    harm_windows,
    score_drill,
    verdict,
)
from simulator.vocabulary import Severity

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BUILTIN = [p.stem for p in scenario_files(SCENARIOS)]
OTHER_KEYS_UNTOUCHED_BY_SEVERITY = ("acknowledge", "judgement", "diagnosis", "report")
# Test-owned copies of two incidents (tests/fixtures/scenarios): the single-scenario checks below
# pin their times, mitigation ids, metric wording and people, which a trainer's edit to the pack
# must not move. The parametrized checks above run over the shipped pack itself.
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
POOL = "pool-exhaustion"
DATA_LOSS = "data-loss"


def _folder(scenario_id: str) -> Path:
    # Named, not looked up: a shipped scenario that one day shares a fixture's name stays the pack's.
    return FIXTURES if scenario_id in (POOL, DATA_LOSS) else SCENARIOS


def _drill(scenario_id: str) -> Drill:
    return Drill.create(
        load_scenario(_folder(scenario_id) / f"{scenario_id}.yaml"), None, load_default_policy()
    )


def _expert(scenario_id: str) -> list[dict]:
    return yaml.safe_load((_folder(scenario_id) / f"{scenario_id}.expert.yaml").read_text())["actions"]


def _shipped(test) -> str:
    """The first shipped scenario whose answer passes `test`: a check of an engine rule that needs,
    say, a LOW incident takes whichever the pack has, not one named scenario."""
    return next(s for s in BUILTIN if test(load_scenario(SCENARIOS / f"{s}.yaml").scenario))


def _score(drill: Drill, items: list[dict]):
    responses = load_responses(yaml.safe_dump({"actions": items}), "test", drill.scenario)
    return score_drill(drill, events_from_responses(drill, responses))


def _at(item: dict) -> float:
    return parse_duration(str(item["at"]))


def _correct_ids(drill: Drill) -> set[str]:
    return {m.id for m in drill.scenario.answer.mitigations if m.outcome == "correct"}


def _scores(card) -> dict[str, float]:
    return {c.key: c.score for c in card.criteria}


def _notes(card, key: str) -> str:
    return " | ".join(e.note for e in card.criterion(key).evidence)


# --- scripted mistakes, derived from each expert response -----------------------------------------


def never_fixes(drill: Drill, items: list[dict]) -> list[dict] | None:
    """The expert response without the fix (everything else, including "verify" and resolve)."""
    fixes = _correct_ids(drill)
    if not drill.scenario.answer.real or not fixes:
        return None
    return [it for it in items if not (it["action"] == "mitigate" and it["mitigation"] in fixes)]


def clairvoyant(drill: Drill, items: list[dict]) -> list[dict] | None:
    """Classification, hypothesis and fix made one minute before anything showed the incident."""
    sign = first_sign_at(drill, world(drill))
    if not drill.scenario.answer.real or sign is None or sign < 90:
        # A false positive needs no severity call; there the guesses are covered one by one below.
        return None
    early = f"{int(sign - 60)}s"
    moved = [dict(it, at=early) for it in items if it["action"] in ("classify", "hypothesis", "mitigate")]
    rest = [it for it in items if it["action"] not in ("classify", "hypothesis", "mitigate")]
    return moved + rest


def under_calls_critical(drill: Drill, items: list[dict]) -> list[dict] | None:
    """Every CRITICAL call made HIGH (so the standing call is HIGH while the truth is CRITICAL)."""
    if not any(it["action"] == "classify" and it["severity"] == "CRITICAL" for it in items):
        return None
    return [dict(it, severity="HIGH") if it.get("severity") == "CRITICAL" else it for it in items]


MISTAKES = {
    "never fixes it": never_fixes,
    "clairvoyant": clairvoyant,
    "under-calls CRITICAL": under_calls_critical,
}


def test_each_scripted_mistake_applies_somewhere():
    """Guard: the derivations below are not vacuous (each applies to at least two scenarios)."""
    for name, make in MISTAKES.items():
        applies = [s for s in BUILTIN if make(_drill(s), _expert(s)) is not None]
        assert len(applies) >= 2, (name, applies)


@pytest.mark.parametrize("scenario_id", BUILTIN)
def test_scripted_never_fixes_it_fails_with_the_fix_named(scenario_id):
    drill = _drill(scenario_id)
    items = never_fixes(drill, _expert(scenario_id))
    if items is None:
        assert not drill.scenario.answer.real or not _correct_ids(drill)
        return
    expert, card = _score(drill, _expert(scenario_id)), _score(drill, items)
    assert expert.passed and not card.passed
    diag = card.criterion("diagnosis")
    assert diag.score < expert.criterion("diagnosis").score
    assert any("the fix was never applied" in c for c in diag.critical_failures)
    for key in ("acknowledge", "judgement", "severity"):
        assert card.criterion(key).score == expert.criterion(key).score, key


@pytest.mark.parametrize("scenario_id", BUILTIN)
def test_scripted_clairvoyant_response_fails_and_says_it_was_a_guess(scenario_id):
    drill = _drill(scenario_id)
    items = clairvoyant(drill, _expert(scenario_id))
    if items is None:
        return
    card = _score(drill, items)
    assert not card.passed
    assert "before anything showed an incident" in _notes(card, "severity")
    assert "severity was never classified" in card.criterion("severity").critical_failures
    if drill.scenario.answer.diagnosis is not None:
        assert "a guess earns nothing" in _notes(card, "diagnosis")


@pytest.mark.parametrize("scenario_id", BUILTIN)
def test_scripted_under_call_of_a_critical_fails_and_lowers_only_severity(scenario_id):
    drill = _drill(scenario_id)
    items = under_calls_critical(drill, _expert(scenario_id))
    if items is None:
        return
    expert, card = _score(drill, _expert(scenario_id)), _score(drill, items)
    assert not card.passed
    sev = card.criterion("severity")
    assert sev.score < expert.criterion("severity").score
    assert any(
        "called it HIGH while it was CRITICAL" in c and "no incident commander" in c
        for c in sev.critical_failures
    )
    changed = {k for k, v in _scores(card).items() if v != _scores(expert)[k]}
    assert changed == {"severity"}


@pytest.mark.parametrize("scenario_id", BUILTIN)
def test_every_builtin_expert_still_passes_and_resolves_a_recovered_world(scenario_id):
    drill = _drill(scenario_id)
    card = _score(drill, _expert(scenario_id))
    assert card.passed, card.reasons
    for key in ("acknowledge", "judgement", "severity", "diagnosis"):
        assert card.criterion(key).rating == "P", (key, card.criterion(key).deductions)


# --- 14.3 resolve and verify against the world ---------------------------------------------------


def test_resolving_while_the_alert_still_fires_fails_the_drill_whatever_verify_says():
    drill = _drill(POOL)
    items = _expert(POOL)
    fix_at = next(_at(it) for it in items if it["action"] == "mitigate")
    early = f"{int(fix_at + 20)}s"
    items = [
        dict(it, at=early) if it["action"] in ("verify", "resolve", "look") and _at(it) > fix_at else it
        for it in items
    ]
    card = _score(drill, items)
    assert not card.passed
    diag = card.criterion("diagnosis")
    assert any(c.startswith("resolved at") and "still showed" in c for c in diag.critical_failures)
    ded = next(e for e in diag.deductions if e.item == "resolve")
    assert "alert" in ded.note and ded.trainee_time


def test_data_loss_without_the_restore_leaves_rows_missing_and_fails():
    drill = _drill(DATA_LOSS)
    items = never_fixes(drill, _expert(DATA_LOSS))
    assert items is not None
    card = _score(drill, items)
    assert not card.passed
    notes = _notes(card, "diagnosis")
    # The rows never came back in the trace; the note names the metric as the dashboards do.
    assert (
        "Live rows in the table (pg_stat_user_tables.n_live_tup) (db_table_rows) not back to normal" in notes
    )
    # With the restore, the same metric's harm ends within the run.
    fixed = harm_windows(drill, [(730.0, "stop-delete-restore")])
    assert all(until < drill.duration for metric, _, until in fixed if metric == "db_table_rows")


def test_typed_verify_without_a_look_at_the_recovered_metrics_earns_nothing():
    drill = _drill(POOL)
    items = _expert(POOL)
    fix_at = next(_at(it) for it in items if it["action"] == "mitigate")
    no_late_looks = [it for it in items if not (it["action"] == "look" and _at(it) > fix_at)]
    card = _score(drill, no_late_looks)
    ded = next(e for e in card.criterion("diagnosis").deductions if e.item == "verify")
    assert "said recovery was verified, but never looked at the dashboards" in ded.note
    assert ded.deduction == pytest.approx(0.2)
    # A look while the alert still fires is not a look at the recovery either.
    looked_too_soon = [
        *no_late_looks,
        {"at": f"{int(fix_at + 20)}s", "action": "look", "console": "dashboards"},
    ]
    assert any(e.item == "verify" for e in _score(drill, looked_too_soon).criterion("diagnosis").deductions)


# --- 14.4 no credit for clairvoyance --------------------------------------------------------------


def test_a_hypothesis_before_the_evidence_lowers_only_diagnosis():
    drill = _drill(POOL)
    # Without the report: its timeline would rightly flag the moved hypothesis as well.
    items = [it for it in _expert(POOL) if it["action"] != "write_report"]
    expert = _score(drill, items)
    sign = first_sign_at(drill, world(drill))
    guessed = [dict(it, at=f"{int(sign - 30)}s") if it["action"] == "hypothesis" else it for it in items]
    card = _score(drill, guessed)
    changed = {k for k, v in _scores(card).items() if v != _scores(expert)[k]}
    assert changed == {"diagnosis"}
    notes = [e for e in card.criterion("diagnosis").evidence if e.item == "hypothesis"]
    assert any("a guess earns nothing" in e.note and e.trainee_at == sign - 30 for e in notes)
    assert any(e.deduction == pytest.approx(0.3) for e in notes)


def _alert_free(scenario_id: str) -> Drill:
    """The scenario with alert rules that never fire: only a person's report tells anyone."""
    text = (_folder(scenario_id) / f"{scenario_id}.yaml").read_text()
    data = yaml.safe_load(text)
    for group in data["rules"]["groups"]:
        for rule in group["rules"]:
            rule["expr"] = f"{data['metrics'][0]['name']} < -1"
    sc = parse_scenario(yaml.safe_dump(data), f"{scenario_id}-no-alerts.yaml", _folder(scenario_id))
    return Drill.create(sc, None, load_default_policy())


def test_alert_free_incident_is_timed_from_the_persons_report():
    drill = _alert_free(DATA_LOSS)
    assert world(drill).timeline.first_firing() is None
    report = min(i.at for i in drill.scenario.injects if i.kind == "customer_report")
    items = copy.deepcopy(_expert(DATA_LOSS))
    on_time = _score(drill, items).criterion("acknowledge")
    assert on_time.score == 1.0 and "report" in on_time.evidence[0].note
    late = [dict(it, at=f"{int(_at(it) + 360)}s") for it in items]
    ack = _score(drill, late).criterion("acknowledge")
    ded = ack.deductions[0]
    assert ded.item == "response" and "after Marco (Support)'s report" in ded.note
    assert ded.expected_at == pytest.approx(report + drill.policy.level(Severity.CRITICAL).ack_target)
    assert ack.score < 0.5


# --- 14.5 severity calls weigh like the rules do --------------------------------------------------


def test_two_levels_over_fails_but_a_quickly_corrected_call_does_not():
    medium = _shipped(lambda sc: sc.answer.severity == Severity.MEDIUM and not sc.answer.severity_changes)
    drill = _drill(medium)
    items = _expert(medium)
    assert true_severity_at(drill, 0) == Severity.MEDIUM
    over = [dict(it, severity="CRITICAL") if it["action"] == "classify" else it for it in items]
    card = _score(drill, over)
    assert not card.passed
    assert any("2 levels off" in c for c in card.criterion("severity").critical_failures)
    cls_at = next(_at(it) for it in items if it["action"] == "classify")
    corrected = [*over, {"at": f"{int(cls_at + 60)}s", "action": "classify", "severity": "MEDIUM"}]
    assert not _score(drill, corrected).criterion("severity").critical_failures


def test_over_escalation_on_a_low_costs_severity_credit_in_proportion():
    low = _shipped(lambda sc: sc.answer.severity == Severity.LOW and not sc.answer.severity_changes)
    drill = _drill(low)
    items = _expert(low)
    assert drill.scenario.answer.severity == Severity.LOW
    base = _score(drill, items).criterion("severity").score
    t = f"{int(_at(items[-1]))}s"
    ic = _score(drill, [*items, {"at": t, "action": "escalate", "role": "incident_commander"}])
    page = _score(drill, [*items, {"at": t, "action": "status_page", "status": "Investigating"}])
    ic_cost = base - ic.criterion("severity").score
    page_cost = base - page.criterion("severity").score
    assert ic_cost == pytest.approx(0.3) and page_cost == pytest.approx(0.2)
    assert any("incident commander on a LOW" in e.note for e in ic.criterion("severity").deductions)


# --- 14.8 one rule decides pass -------------------------------------------------------------------


def test_verdict_is_the_same_for_a_scorecard_and_its_stored_form():
    drill = _drill(POOL)
    for items in (_expert(POOL), never_fixes(drill, _expert(POOL))):
        card = _score(drill, items)
        assert verdict(card) == verdict(card.to_dict()) == Verdict(card.passed, card.reasons)


def test_a_stored_pass_flag_is_not_trusted_against_its_own_criteria():
    card = _score(_drill(POOL), _expert(POOL)).to_dict()
    tampered = copy.deepcopy(card)
    tampered["criteria"]["severity"]["critical_failures"] = ["called it HIGH while it was CRITICAL"]
    assert tampered["passed"] is True
    decided = verdict(tampered)
    assert not decided.passed
    assert decided.reasons == (
        "Severity classification: critical item failed — called it HIGH while it was CRITICAL",
    )
    assert not verdict({"passed": True}).passed  # nothing scored, nothing passed


def test_closing_a_false_positive_while_its_alert_still_fires_costs_credit_but_does_not_fail():
    false_positive = _shipped(lambda sc: not sc.answer.real)
    drill = _drill(false_positive)
    items = _expert(false_positive)
    fired = world(drill).timeline.first_firing()
    assert fired is not None and not drill.scenario.answer.real
    early = [dict(it, at=f"{int(fired + 60)}s") if it["action"] == "resolve" else it for it in items]
    diag = _score(drill, early).criterion("diagnosis")
    assert not diag.critical_failures
    assert any(e.item == "resolve" and "alert" in e.note and e.deduction == 0.2 for e in diag.evidence)
