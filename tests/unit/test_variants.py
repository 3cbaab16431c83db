"""Variants: knobs sampled deterministically within the author's bounds, answer kept right."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.scenario import load_scenario, parse_scenario
from simulator.traces import generate_trace
from simulator.variant_checks import check_variants
from simulator.variants import (
    apply_knobs,
    sample_knobs,
    shift_actions,
    shift_bounds,
    variant_of,
    variant_seeds,
)
from simulator.yamlio import FormatError
from tests.conftest import FIXTURES

# Test-owned copies of shipped incidents (tests/fixtures/scenarios): the jitter, deploy sha, red
# herrings and times these tests pin are theirs, so a trainer's edit to the pack moves none of them.
SCENARIOS = FIXTURES / "scenarios"
BAD_DEPLOY = SCENARIOS / "bad-deploy.yaml"


@pytest.fixture(scope="module")
def bad_deploy():
    return load_scenario(BAD_DEPLOY)


def test_the_scenarios_own_seed_is_the_written_scenario(bad_deploy):
    loaded, knobs = variant_of(bad_deploy, bad_deploy.scenario.seed)
    assert loaded is bad_deploy and knobs.is_original


def test_the_same_seed_gives_the_same_variant_and_another_seed_a_different_one(bad_deploy):
    a = sample_knobs(bad_deploy.scenario, 4242)
    assert a == sample_knobs(bad_deploy.scenario, 4242)
    others = {sample_knobs(bad_deploy.scenario, s) for s in range(1, 8)}
    assert len(others) > 1


def test_timing_moves_incident_injects_deploys_and_logs_together_within_the_jitter(bad_deploy):
    sc = bad_deploy.scenario
    lo, hi = shift_bounds(sc)
    assert (lo, hi) == (-120.0, 120.0)
    for seed in range(1, 30):
        knobs = sample_knobs(sc, seed)
        assert lo <= knobs.shift <= hi
        assert knobs.shift % sc.clock.step == 0
        v = apply_knobs(sc, knobs)
        assert v.incident[0].start == sc.incident[0].start + knobs.shift
        assert [d.at for d in v.evidence.deploys if d.sha == "a41f9c2"] == [300 + knobs.shift]
        assert v.evidence.deploys[1].at == sc.evidence.deploys[1].at  # yesterday's deploy stays yesterday
        written = {i.text: i.at for i in sc.injects}
        assert all(i.at == written[i.text] + knobs.shift for i in v.injects if i.text in written)


def test_nothing_moves_before_the_scenario_starts():
    sc = load_scenario(SCENARIOS / "memory-warning.yaml").scenario  # its leak starts at 0s
    assert shift_bounds(sc)[0] == 0.0
    assert all(sample_knobs(sc, s).shift >= 0 for s in range(1, 30))


def test_noise_is_scaled_within_bounds_and_changes_the_wiggle_not_the_level(bad_deploy):
    sc = bad_deploy.scenario
    knobs = next(k for k in (sample_knobs(sc, s) for s in range(1, 50)) if k.noise_scale > 1.25)
    assert 0.8 <= knobs.noise_scale <= 1.4
    v = apply_knobs(sc, knobs)
    assert v.metrics[0].noise.sigma == pytest.approx(sc.metrics[0].noise.sigma * knobs.noise_scale)
    base = generate_trace(sc).get('http_request_duration_p95_seconds{service="api"}').values[:15]
    noisy = generate_trace(v).get('http_request_duration_p95_seconds{service="api"}').values[:15]
    assert abs(np.median(noisy) - np.median(base)) < 0.05


def test_red_herrings_come_from_the_candidates_and_at_most_pick_of_them(bad_deploy):
    sc = bad_deploy.scenario
    seen = set()
    for seed in range(1, 40):
        knobs = sample_knobs(sc, seed)
        assert len(knobs.red_herrings) <= sc.variants.red_herrings.pick
        v = apply_knobs(sc, knobs)
        extra = (
            len(v.injects)
            + len(v.evidence.logs)
            + len(v.incident)
            - (len(sc.injects) + len(sc.evidence.logs) + len(sc.incident))
        )
        assert extra == len(knobs.red_herrings)
        seen.update(knobs.red_herrings)
    candidates = sc.variants.red_herrings
    assert len(seen) == len(candidates.injects) + len(candidates.logs) + len(
        candidates.blips
    )  # each turns up


def test_a_variant_keeps_the_answer_and_the_content_hash(bad_deploy):
    v, knobs = variant_of(bad_deploy, 777)
    assert v.content_hash == bad_deploy.content_hash
    assert v.scenario.answer.diagnosis == bad_deploy.scenario.answer.diagnosis
    assert v.scenario.seed == 777 and not knobs.is_original


def test_severity_changes_move_with_the_incident():
    loaded = load_scenario(SCENARIOS / "waf-escalation.yaml")
    seed = next(s for s in range(1, 50) if sample_knobs(loaded.scenario, s).shift)
    v, knobs = variant_of(loaded, seed)
    written = loaded.scenario.answer.severity_changes[0].at
    assert v.scenario.answer.severity_changes[0].at == written + knobs.shift


def test_a_scripted_response_moves_with_the_incident_and_stays_on_the_clock():
    timed = [(30.0, "ack"), (2390.0, "resolve")]
    assert shift_actions(timed, 60.0, 2400.0) == [(90.0, "ack"), (2400.0, "resolve")]
    assert shift_actions(timed, -60.0, 2400.0) == [(0.0, "ack"), (2330.0, "resolve")]


def test_variant_seeds_are_stable_and_never_the_original(bad_deploy):
    seeds = variant_seeds(bad_deploy.scenario, 5)
    assert seeds == variant_seeds(bad_deploy.scenario, 5)
    assert bad_deploy.scenario.seed not in seeds and len(set(seeds)) == 5


def test_a_blip_that_fires_a_rule_is_caught_as_a_broken_red_herring(bad_deploy):
    text = (
        BAD_DEPLOY.read_text()
        .replace(
            "{metric: http_request_duration_p95_seconds, effect: spike, start: 15m, end: 16m, factor: 1.6}",
            "{metric: payments_declined_total, effect: step, start: 1m, end: 40m, to: 0.01}\n"
            "      - {metric: payments_declined_total, effect: step, start: 0s, end: 40m, to: 0.0}",
        )
        .replace("ends: [sdk-errors, payment-failures]", "ends: [sdk-errors]")
    )
    # A "benign" blip that silences a real alert changes the answer: the checker must say so.
    loaded = parse_scenario(text, "bad.yaml", SCENARIOS)
    seeds = [
        s
        for s in range(1, 60)
        if any("payments_declined" in h for h in sample_knobs(loaded.scenario, s).red_herrings)
    ]
    checks = check_variants(loaded, None, seeds=seeds[:1])
    assert checks and not checks[0].ok and "PaymentProcessorErrors no longer fires" in checks[0].problems[0]


def test_variant_bounds_are_validated_like_the_rest_of_the_file():
    text = BAD_DEPLOY.read_text().replace("noise_scale: [0.8, 1.4]", "noise_scale: [1.4, 0.8]")
    with pytest.raises(FormatError) as exc:
        parse_scenario(text, "bad.yaml", SCENARIOS)
    assert any("noise_scale" in p.message or "variants" in p.field for p in exc.value.problems)


def test_a_drill_started_with_another_seed_runs_that_variant_and_keeps_the_version_hash(bad_deploy):
    from simulator.drill import Drill

    v, knobs = variant_of(bad_deploy, 777)
    drill = Drill.create(bad_deploy, 777)
    assert drill.loaded.content_hash == bad_deploy.content_hash
    assert drill.scenario.incident[0].start == v.scenario.incident[0].start == 300 + knobs.shift
    assert Drill.create(bad_deploy, None).scenario == bad_deploy.scenario
