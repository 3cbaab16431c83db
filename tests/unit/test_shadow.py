"""The shadow shift: realistic alert traffic with one real incident, and the 80%-of-10 readiness bar."""

from __future__ import annotations

from simulator.exercises.shadow import MIN_ALERTS, Judgement, generate_shift, grade_shift


def truth(a) -> Judgement:
    return Judgement(a.real, a.actionable, a.severity)


def test_a_shift_has_at_least_ten_alerts_in_time_order_with_exactly_one_real_incident():
    shift = generate_shift(seed=11)
    assert len(shift.alerts) >= MIN_ALERTS
    assert [a.at for a in shift.alerts] == sorted(a.at for a in shift.alerts)
    actionable = [a for a in shift.alerts if a.actionable]
    assert actionable and {a.severity for a in actionable} == {"HIGH"}
    assert any(not a.real for a in shift.alerts)  # false positives are part of the traffic


def test_the_same_seed_gives_the_same_shift():
    assert generate_shift(3) == generate_shift(3)
    assert generate_shift(3) != generate_shift(4)


def test_judging_everything_right_meets_the_readiness_bar():
    shift = generate_shift(seed=1)
    r = grade_shift(shift, {a.id: truth(a) for a in shift.alerts})
    assert r.passed and r.score == 1.0


def test_eighty_percent_is_enough_but_less_is_not():
    shift = generate_shift(seed=1, noise_alerts=7)  # 10 alerts
    judged = {a.id: truth(a) for a in shift.alerts}
    two_wrong = dict(judged)
    for a in shift.alerts[:2]:
        two_wrong[a.id] = Judgement(not a.real, not a.actionable, None)
    assert grade_shift(shift, two_wrong).passed
    three_wrong = dict(two_wrong)
    a = shift.alerts[2]
    three_wrong[a.id] = Judgement(not a.real, not a.actionable, None)
    assert not grade_shift(shift, three_wrong).passed


def test_fewer_than_ten_judged_alerts_is_not_ready_even_if_all_are_right():
    shift = generate_shift(seed=1, noise_alerts=6)  # 9 alerts
    r = grade_shift(shift, {a.id: truth(a) for a in shift.alerts})
    assert r.score == 1.0 and not r.passed


def test_wrong_severity_on_the_real_incident_counts_as_wrong():
    shift = generate_shift(seed=2)
    judged = {a.id: truth(a) for a in shift.alerts}
    real = next(a for a in shift.alerts if a.actionable)
    judged[real.id] = Judgement(True, True, "LOW")
    r = grade_shift(shift, judged)
    item = next(i for i in r.items if i.id == real.id)
    assert not item.correct and "severity was HIGH" in item.feedback
