"""The quiz-shaped, sandbox and writing exercises: firedrill computes the answers itself and grades the trainee's."""

from __future__ import annotations

import pytest

from simulator.exercises import (
    ItemResult,
    Question,
    alert_catalogue,
    alert_sandbox,
    escalation_quiz,
    false_positives,
    handoff,
    incident_communication,
    pager,
    response_workflow,
    service_map,
    traffic_reading,
)
from simulator.scenario import load_scenario, scenario_files
from tests.conftest import FIXTURES, SCENARIOS


def answers_for(questions):
    return {q.id: (q.answer_value if q.numeric else q.answer) for q in questions}


def test_service_map_covers_database_elasticsearch_redis_and_kms():
    names = " ".join(d.name for d in service_map.SERVICE_MAP)
    for dep in ("PostgreSQL", "Elasticsearch", "Redis", "KMS"):
        assert dep in names
    qs = service_map.service_map_questions()
    from simulator.exercises import grade_quiz

    assert grade_quiz("day1.service_map", qs, answers_for(qs)).passed
    assert not grade_quiz("day1.service_map", qs, {}).passed


def test_error_budget_answers_are_checked_within_tolerance():
    trace = traffic_reading.day_of_traffic(seed=4)
    facts = traffic_reading.slo_facts(trace, 99.9)
    assert facts.total > 0 and 0 < facts.failed < facts.total
    qs = {q.id: q for q in traffic_reading.error_budget_questions(trace, 99.9)}
    exact = round(facts.availability_pct, 3)
    assert qs["availability"].is_correct(exact + 0.004)
    assert not qs["availability"].is_correct(exact + 0.02)
    assert qs["budget"].is_correct(facts.budget_requests * 1.005)
    assert not qs["budget"].is_correct(facts.budget_requests * 1.05)


def test_the_traffic_trace_is_reproducible_from_its_seed():
    a, b = traffic_reading.day_of_traffic(7), traffic_reading.day_of_traffic(7)
    assert (a.series[0].values == b.series[0].values).all()
    assert not (a.series[0].values == traffic_reading.day_of_traffic(8).series[0].values).all()


def test_dashboard_questions_are_answered_from_the_chart_data():
    trace = traffic_reading.day_of_traffic(seed=2)
    qs = {q.id: q for q in traffic_reading.dashboard_questions(trace)}
    lat = trace.by_name("latency_p95_ms")[0].values
    assert qs["peak_latency"].is_correct(float(lat.max()))
    assert not qs["peak_latency"].is_correct(float(lat.max()) * 0.5)


def test_numeric_answers_that_are_not_numbers_are_wrong_not_errors():
    q = Question("x", "?", answer_value=3.0, tolerance=0.1)
    assert not q.is_correct("three") and not q.is_correct(None)


@pytest.fixture(scope="module")
def pack():
    return {ld.scenario.id: ld for ld in (load_scenario(p) for p in scenario_files(SCENARIOS))}


def test_alert_catalogue_lists_every_alerting_rule_in_the_pack(pack):
    cat = alert_catalogue.alert_catalogue(pack)
    names = {e.alert for e in cat}
    expected = {
        r.alert for ld in pack.values() for g in ld.rule_groups for r in g.rules if hasattr(r, "alert")
    }
    assert names == expected


def test_an_alerts_threshold_and_duration_are_read_from_its_rule():
    # A test-owned copy of the pool-exhaustion incident: the rule read here is its own.
    own = load_scenario(FIXTURES / "scenarios" / "pool-exhaustion.yaml")
    pool = next(
        e
        for e in alert_catalogue.alert_catalogue({"pool-exhaustion": own})
        if e.alert == "DBConnectionPoolHigh"
    )
    assert pool.threshold == "> 0.8" and pool.for_text == "2m" and "pool-exhaustion" in pool.scenarios


def test_alert_quiz_includes_severity_cases_and_needs_ninety_percent(pack):
    qs = alert_catalogue.alert_quiz_questions(alert_catalogue.alert_catalogue(pack), seed=1)
    assert any(q.id.startswith("severity.") for q in qs)
    answers = answers_for(qs)
    assert alert_catalogue.grade_alert_quiz(qs, answers).passed
    wrong = dict(answers)
    for q in qs[:3]:
        wrong[q.id] = (q.answer + 1) % len(q.options)
    assert not alert_catalogue.grade_alert_quiz(qs, wrong).passed


def test_false_positive_questions_have_both_kinds():
    kinds = {q.answer for q in false_positives.false_positive_questions()}
    assert kinds == {0, 1}


def test_pager_practice_rewards_timely_ack_right_escalation_and_verified_resolve():
    good = {
        c.id: [
            ("ack", c.ack_target_min / 2),
            *([("escalate", c.escalate_to)] if c.escalate_to else []),
            ("verify", None),
            ("resolve", None),
        ]
        for c in pager.PAGER_CASES
    }
    assert pager.grade_pager(good).score == 1.0
    late = dict(good)
    late["p1"] = [("ack", 5), ("escalate", "incident_commander"), ("verify", None), ("resolve", None)]
    assert pager.grade_pager(late).items[0].credit < 1.0
    unverified = dict(good)
    unverified["p2"] = [("ack", 10), ("resolve", None)]
    r = pager.grade_pager(unverified)
    assert "verifying" in r.items[1].feedback


GOOD_CHAT = (
    "14:25 UTC: Investigating database connection pool exhaustion. 0.8% of API requests fail. "
    "Currently terminating a long-running query. Next update in 10 minutes."
)
GOOD_STATUS = "Identified: some API requests are failing. We are deploying a fix. Next update at 15:00 UTC."
GOOD_EMAIL = """Subject: [INCIDENT RESOLVED] Service Disruption on March 10, 2026
We experienced a service disruption from 14:23-14:47 UTC on March 10, 2026.
Root Cause: a query exhausted the database connection pool.
Resolution: we terminated the query.
Impact: approximately 450 requests failed (0.8% of traffic).
Next Steps: query timeouts by March 17.
We apologize for any disruption this caused."""


def test_good_messages_pass_the_communication_exercise():
    r = incident_communication.grade_communication(GOOD_CHAT, GOOD_STATUS, GOOD_EMAIL)
    assert r.result.passed and r.result.score == 1.0


def test_a_chat_update_without_next_update_time_loses_that_check():
    checks = {
        c.name: c.ok
        for c in incident_communication.check_chat_update("14:25 UTC: Investigating errors on the API.")
    }
    assert checks["current action"] and checks["impact"] and not checks["next update"]


def test_blame_language_fails_communication_whatever_the_score():
    r = incident_communication.grade_communication(
        GOOD_CHAT, GOOD_STATUS, GOOD_EMAIL.replace("a query", "a careless customer's query")
    )
    assert not r.result.passed and r.result.score > 0.9


def test_status_page_must_not_leak_internal_hosts():
    checks = {
        c.name: c.ok for c in incident_communication.check_status_page(GOOD_STATUS + " Restarting api-2 pod.")
    }
    assert not checks["no internals"]


def test_escalation_quiz_and_workflow_order():
    answers = {q.id: q.options[q.answer] for q in escalation_quiz.escalation_questions()}
    assert escalation_quiz.grade_escalation(answers).score == 1.0
    assert response_workflow.grade_workflow(list(response_workflow.PHASES)).passed
    assert not response_workflow.grade_workflow(list(reversed(response_workflow.PHASES))).passed


def test_handoff_passes_when_notes_carry_the_context_and_hidden_problems_are_caught():
    week = handoff.simulated_week(seed=3)
    notes = " ".join([*week.incident_ids, *week.ongoing, *week.deploys])
    sub = handoff.HandoffSubmission(
        {k for k, _ in handoff.ALL_ITEMS}, notes, {week.broken_access}, week.schedule_ok, True
    )
    assert handoff.grade_handoff(week, sub).passed
    missed = handoff.HandoffSubmission(sub.checked, notes, set(), week.schedule_ok, True)
    r = handoff.grade_handoff(week, missed)
    assert not r.passed and "backup" in r.extra_failures[0]


def test_access_check_reveals_the_backups_lapsed_tool():
    week = handoff.simulated_week(seed=5)
    assert "DENIED" in handoff.access_check(week, week.backup, week.broken_access)
    assert "ok" in handoff.access_check(week, week.incoming, week.broken_access)


# --- the alert sandbox runs the real alert engine ---------------------------------------------


@pytest.fixture
def alert_engine():
    try:
        from simulator import alerts
    except ImportError:
        from tests.conftest import missing

        missing("simulator.alerts (the alert engine) is not available")
    return alerts


def test_sandbox_alert_fires_only_after_its_for_duration(alert_engine):
    knobs = alert_sandbox.Knobs("latency", level=0.9, duration=10 * 60, noise=0.0, evaluation_interval=30)
    out = alert_sandbox.run_sandbox(knobs)
    assert out.fired
    # The effect starts at minute 5 and `for` is 5m: it cannot fire before minute 10.
    assert 10 * 60 <= out.first_firing <= 11 * 60


def test_a_spike_shorter_than_for_exceeds_the_threshold_without_firing(alert_engine):
    knobs = alert_sandbox.Knobs("latency", level=0.9, duration=3 * 60, noise=0.0, evaluation_interval=30)
    out = alert_sandbox.run_sandbox(knobs)
    assert out.exceeded_threshold and not out.fired
    item = alert_sandbox.judge_attempt(
        alert_sandbox.SandboxAttempt("latency_holds", knobs, predicted_fires=False), out
    )
    assert item.correct


def test_a_wrong_prediction_earns_only_half_credit(alert_engine):
    knobs = alert_sandbox.Knobs("errors", level=0.05, duration=10 * 60, evaluation_interval=30)
    out = alert_sandbox.run_sandbox(knobs)
    item = alert_sandbox.judge_attempt(
        alert_sandbox.SandboxAttempt("errors_fires", knobs, predicted_fires=True, predicted_minute=20), out
    )
    assert out.fired and item.credit == 0.5


def test_sandbox_grade_needs_every_challenge(alert_engine):
    partial = {"latency_fires": ItemResult("latency_fires", True, 1.0, "")}
    assert not alert_sandbox.grade_sandbox(partial).passed
