"""Cohort statistics: the board a trainer watches, the confusion matrix and the kappa in the debrief."""

from __future__ import annotations

from datetime import date

import pytest

from simulator.cohort import (
    accuracy,
    board_row,
    board_table,
    comparison_rows,
    confusion_matrix,
    kappa_meaning,
    mean_level_error,
    planned_day,
    quadratic_weighted_kappa,
    severity_pairs,
)
from simulator.drill import Event
from simulator.vocabulary import Severity


def ev(seq: int, at: float, kind: str, **payload) -> Event:
    return Event(seq, at, kind, payload)


def test_kappa_matches_a_hand_computed_example():
    # (true, called): two near misses (CRITICAL→HIGH, MEDIUM→LOW), four exact calls.
    # Row totals C2 H1 M2 L1, column totals C1 H2 M1 L2, n = 6, weights (i−j)²/9.
    # Observed weighted disagreement = (1 + 1)/9 / 6 · 6 = 2/9 = 12/54.
    # Expected = Σ r_i c_j (i−j)² / (9 · 6) = 92/54 (48 + 10 + 16 + 18 over the four rows).
    # kappa = 1 − 12/92 = 20/23.
    pairs = [
        ("CRITICAL", "CRITICAL"),
        ("CRITICAL", "HIGH"),
        ("HIGH", "HIGH"),
        ("MEDIUM", "LOW"),
        ("LOW", "LOW"),
        ("MEDIUM", "MEDIUM"),
    ]
    conf = confusion_matrix(pairs)
    assert conf.matrix.tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]]
    assert quadratic_weighted_kappa(conf) == pytest.approx(20 / 23)


def test_a_far_miss_costs_more_agreement_than_a_near_miss():
    base = [("CRITICAL", "CRITICAL"), ("HIGH", "HIGH"), ("MEDIUM", "MEDIUM"), ("LOW", "LOW")]
    near = quadratic_weighted_kappa(confusion_matrix([*base, ("CRITICAL", "HIGH")]))
    far = quadratic_weighted_kappa(confusion_matrix([*base, ("CRITICAL", "LOW")]))
    assert far < near < 1.0


def test_perfect_calls_give_kappa_one_and_reversed_calls_a_negative_kappa():
    perfect = [(s, s) for s in Severity]
    assert quadratic_weighted_kappa(confusion_matrix(perfect)) == pytest.approx(1.0)
    order = list(Severity)
    reversed_calls = [(s, order[len(order) - 1 - i]) for i, s in enumerate(order)]
    assert quadratic_weighted_kappa(confusion_matrix(reversed_calls)) < 0


def test_kappa_is_undefined_when_everyone_saw_and_called_the_same_severity():
    k = quadratic_weighted_kappa(confusion_matrix([("HIGH", "HIGH")] * 3))
    assert k is None
    assert "not defined" in kappa_meaning(k)


def test_a_single_true_severity_gives_no_kappa_but_accuracy_and_level_error_tell_the_cohorts_apart():
    # One scenario, truth CRITICAL all along: kappa would be 0 for any calls, so it is not reported.
    good = confusion_matrix([("CRITICAL", "CRITICAL")] * 3 + [("CRITICAL", "HIGH")])
    poor = confusion_matrix([("CRITICAL", "LOW")] * 3 + [("CRITICAL", "CRITICAL")])
    assert quadratic_weighted_kappa(good) is None and quadratic_weighted_kappa(poor) is None
    assert accuracy(good) == 0.75 and accuracy(poor) == 0.25
    assert mean_level_error(good) == 0.25 and mean_level_error(poor) == 2.25


def test_an_unknown_severity_is_refused_not_dropped():
    with pytest.raises(ValueError, match="severity must be one of"):
        confusion_matrix([("HIGH", "SEV1")])


def test_the_board_shows_when_a_trainee_acknowledged_and_what_they_called():
    events = [
        ev(-999, 0.0, "clock.start", speed=1.0),
        ev(1, 95.0, "acknowledge"),
        ev(2, 130.0, "classify", severity="HIGH"),
        ev(3, 400.0, "classify", severity="CRITICAL"),
        ev(4, 420.0, "escalate", role="incident_commander"),
        ev(5, 500.0, "post_update", text="<script>alert(1)</script> DB pool exhausted"),
    ]
    row = board_row("trainee1", "Tia", events)
    assert row.acknowledged_at == 95.0
    assert row.severity == "CRITICAL"
    table = board_table([row, board_row("trainee2", "Theo", None)])
    assert table[0]["acknowledged"] == "T+01:35"
    assert table[0]["severity calls"] == "HIGH (T+02:10) → CRITICAL (T+06:40)"
    assert table[0]["escalations"] == "incident_commander (T+07:00)"
    # Free text is carried as plain text; the page renders it as data, never as HTML.
    assert table[0]["last update"].startswith("<script>")
    assert table[1]["status"] == "not joined"


def test_severity_calls_are_judged_against_the_truth_at_the_moment_of_the_call():
    rows = [
        board_row(
            "a", "A", [ev(1, 100.0, "classify", severity="HIGH"), ev(2, 900.0, "classify", severity="HIGH")]
        ),
        board_row("b", "B", [ev(1, 100.0, "classify", severity="CRITICAL")]),
    ]

    def truth(at: float) -> Severity:  # the incident becomes CRITICAL at 10 minutes
        return Severity.HIGH if at < 600 else Severity.CRITICAL

    pairs = severity_pairs(rows, truth)
    assert pairs == [("HIGH", "HIGH"), ("CRITICAL", "HIGH"), ("HIGH", "CRITICAL")]
    compare = comparison_rows(rows, truth, {"a": {"score": 0.8, "passed": True}})
    assert compare[0]["severity right"] == "no"  # final HIGH, but by then it was CRITICAL
    assert compare[0]["score"] == "80%"
    assert compare[1]["final severity"] == "CRITICAL"


def test_a_cohort_that_started_monday_should_be_on_day_three_on_wednesday():
    monday = date(2026, 3, 2)
    assert planned_day(monday, date(2026, 3, 4)) == 3
    assert planned_day(monday, date(2026, 3, 7)) == 5  # the weekend does not count
    assert planned_day(monday, date(2026, 3, 9)) is None  # the week is over
    assert planned_day(monday, date(2026, 3, 1)) == 0
