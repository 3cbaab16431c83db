"""The built-in scenario pack: every scenario valid, its alerts really fire, its expert passes."""

from __future__ import annotations

from functools import cache

import pytest

from simulator.actions import load_responses
from simulator.alerts import scenario_timeline
from simulator.cli import main as cli_main
from simulator.scenario import LoadedScenario, load_scenario, scenario_files
from simulator.traces import generate_trace
from simulator.variant_checks import check_variants, expert_score
from simulator.vocabulary import SecurityState, Severity
from tests.conftest import SCENARIOS

PATHS = scenario_files(SCENARIOS)
IDS = [p.stem for p in PATHS]


@cache
def _loaded(stem: str) -> LoadedScenario:
    return load_scenario(SCENARIOS / f"{stem}.yaml")


def _expert(loaded: LoadedScenario):
    path = SCENARIOS / f"{loaded.scenario.id}.expert.yaml"
    assert path.exists(), f"{loaded.scenario.id} ships no expert response ({path.name})"
    return load_responses(path.read_text(), str(path), loaded.scenario)


def test_firedrill_validate_accepts_the_whole_scenario_folder(capsys):
    assert cli_main(["validate", str(SCENARIOS)]) == 0
    assert "error" not in capsys.readouterr().err


def test_the_pack_has_at_least_twelve_scenarios_across_all_four_severities():
    loaded = [_loaded(s) for s in IDS]
    assert len(loaded) >= 12
    assert {sc.scenario.answer.severity for sc in loaded if sc.scenario.answer.real} | {
        c.severity for sc in loaded for c in sc.scenario.answer.severity_changes
    } >= {Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM}
    assert Severity.LOW in {sc.scenario.answer.severity for sc in loaded}
    assert sum(not sc.scenario.answer.real for sc in loaded) >= 2


def test_the_pack_covers_the_seeds_incident_types():
    answers = {s: _loaded(s).scenario.answer for s in IDS}
    assert any(
        a.security == SecurityState.BREACH_CONFIRMED and a.severity == Severity.CRITICAL
        for a in answers.values()
    )
    assert any(
        a.security == SecurityState.VULNERABILITY_DISCLOSED and a.severity == Severity.HIGH
        for a in answers.values()
    )
    assert any(
        a.severity == Severity.HIGH and any(c.severity == Severity.CRITICAL for c in a.severity_changes)
        for a in answers.values()
    )
    kinds = {m.kind for a in answers.values() for m in a.mitigations if m.outcome == "correct"}
    assert {"revert", "raise_rate_limit", "revoke_key", "kill_query", "scale_out"} <= kinds


def test_several_scenarios_name_the_public_postmortem_they_are_modelled_on():
    sourced = [s for s in IDS if (src := _loaded(s).scenario.source) and src.url]
    assert len(sourced) >= 5


@pytest.mark.parametrize("stem", IDS)
def test_each_scenario_is_complete_enough_to_train_on(stem):
    sc = _loaded(stem).scenario
    assert sc.injects, "no injects"
    assert sc.evidence.logs, "no log evidence for the consoles"
    a = sc.answer
    assert a.diagnosis is not None and len(a.diagnosis.options) >= 3
    assert any(m.outcome == "correct" for m in a.mitigations)
    assert any(m.outcome == "harmful" for m in a.mitigations), "no harmful mitigation to tempt the trainee"
    assert a.root_cause and a.debrief


@pytest.mark.parametrize("stem", IDS)
def test_each_scenarios_rules_really_fire_and_false_positives_recover(stem):
    loaded = _loaded(stem)
    timeline = scenario_timeline(loaded, generate_trace(loaded.scenario))
    states = [t.state for t in timeline.transitions()]
    assert "firing" in states, f"{stem}: no alert fires on its own trace"
    if not loaded.scenario.answer.real:
        assert "resolved" in states, f"{stem}: a false positive should fire and then recover"


@pytest.mark.parametrize("stem", IDS)
def test_each_expert_response_passes_the_headless_scorer(stem):
    loaded = _loaded(stem)
    passed, score, reasons = expert_score(loaded, _expert(loaded))
    assert passed, f"{stem}: expert fails ({score:.2f}): {reasons}"
    assert score >= 0.9


VARIANT_IDS = [s for s in IDS if _loaded(s).scenario.variants is not None]


def test_most_of_the_pack_can_vary():
    assert len(VARIANT_IDS) >= 7


@pytest.mark.parametrize("stem", VARIANT_IDS)
def test_sampled_variants_fire_the_same_alerts_and_the_expert_still_passes(stem):
    loaded = _loaded(stem)
    checks = check_variants(loaded, _expert(loaded), samples=2)
    assert len(checks) == 2
    for c in checks:
        assert c.ok, f"{stem} {c.knobs.describe()}: {c.problems}"
