"""The alert state machine: pending, firing, resolved, exactly at Prometheus' ticks."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from simulator.alerts import alert_states, evaluate_rules
from simulator.rules import RuleGroup
from simulator.timeseries import Series, Trace


def _trace(values: list[float], step: float = 15) -> Trace:
    v = np.array(values, float)
    s = Series("x", (("service", "api"),), v, np.ones(len(v), bool), np.zeros(len(v), bool))
    return Trace.build(datetime(2026, 1, 1, tzinfo=UTC), step, len(v), [s])


def _group(**rule) -> RuleGroup:
    return RuleGroup.model_validate({"name": "g", "rules": [rule]})


def test_for_two_minutes_at_fifteen_seconds_needs_nine_true_ticks():
    tl = evaluate_rules([_group(alert="X", expr="x > 0", **{"for": "2m"})], _trace([0] * 11 + [1] * 30), 15)
    assert tl.first_firing() == 285.0
    assert tl.alerts[0].state_at(284) == "pending"


def test_pending_alert_is_dropped_when_condition_breaks():
    tl = evaluate_rules(
        [_group(alert="X", expr="x > 0", **{"for": "1m"})], _trace([1, 1, 0, 1, 1, 1, 1, 1]), 15
    )
    assert [t.state for t in tl.transitions()] == ["pending", "inactive", "pending", "firing"]


def test_keep_firing_for_holds_a_firing_alert_through_a_short_dip():
    states, _, eps = alert_states(
        np.array([1, 1, 0, 0, 1, 0, 0, 0, 0], bool), np.arange(9) * 60_000, 0, 120_000
    )
    assert states.tolist() == [2, 2, 2, 2, 2, 2, 2, 0, 0] and eps == [(0, 0, 7)]


def test_alert_labels_merge_series_and_rule_labels_and_annotations_render_value():
    group = _group(
        alert="High",
        expr="x > 0.5",
        labels={"severity": "high"},
        annotations={"summary": "{{ $labels.service }} at {{ $value }}"},
    )
    [alert] = evaluate_rules([group], _trace([0.75, 0.75]), 15).alerts
    assert alert.labels == {"alertname": "High", "service": "api", "severity": "high"}
    assert alert.episodes[0].annotations == {"summary": "api at 0.75"}


def test_recording_rule_feeds_a_later_alert_in_the_same_tick():
    group = RuleGroup.model_validate(
        {
            "name": "g",
            "rules": [{"record": "x:doubled", "expr": "x * 2"}, {"alert": "D", "expr": "x:doubled > 1"}],
        }
    )
    tl = evaluate_rules([group], _trace([0, 1, 1]), 15)
    assert tl.first_firing() == 15.0


def test_vectorised_and_per_tick_evaluation_agree():
    rng = np.random.default_rng(7)
    trace = _trace(list(rng.uniform(0, 1, 200).round(2)))
    group = _group(alert="X", expr="avg_over_time(x[1m]) > 0.5", keep_firing_for="30s", **{"for": "30s"})
    fast = evaluate_rules([group], trace, 15, sequential=False).transitions()
    slow = evaluate_rules([group], trace, 15, sequential=True).transitions()
    assert [(t.at, t.state, t.value) for t in fast] == [(t.at, t.state, t.value) for t in slow]


def test_vectorised_and_per_tick_evaluation_agree_on_flapping_inputs_with_annotations():
    # Flapping inputs make many short runs: `for` boundaries, keep_firing_for merging runs, and
    # annotations rendered for repeated values all come up, and both engines must agree on them.
    rng = np.random.default_rng(11)
    for case in range(40):
        trace = _trace(list((rng.uniform(0, 1, 120) * 8).round() / 8))
        group = _group(
            alert="X",
            expr="x > 0.5",
            annotations={"v": "{{ $value }} on {{ $labels.service }}"},
            keep_firing_for=f"{rng.choice([0, 10, 15, 30, 50, 120])}s",
            **{"for": f"{rng.choice([0, 15, 20, 30, 45, 60])}s"},
        )
        fast = evaluate_rules([group], trace, 15, sequential=False).transitions()
        slow = evaluate_rules([group], trace, 15, sequential=True).transitions()
        assert [(t.at, t.state, t.value, t.annotations) for t in fast] == [
            (t.at, t.state, t.value, t.annotations) for t in slow
        ], case


def test_annotations_keep_negative_zero_apart_from_zero():
    group = _group(alert="Z", expr="x <= 0", annotations={"v": "{{ $value }}"})
    [alert] = evaluate_rules([group], _trace([-0.0, 0.0, -0.0, 0.0]), 15).alerts
    assert [alert.annotations_at(t)["v"] for t in (0, 15, 30, 45)] == ["-0", "0", "-0", "0"]
