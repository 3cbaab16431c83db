"""The incident policy file and the severity classifier: every example in the seed classifies as
the seed says, gap decisions lean to the more severe reading, and bad input is refused clearly."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from simulator import policy as pol
from simulator.cli import main
from simulator.vocabulary import IncidentStatus, Severity
from simulator.yamlio import FormatError

ROOT = Path(__file__).resolve().parents[2]
POLICY = pol.load_policy()

# (signals, severity the seed gives, the condition that must be listed)
SEED_EXAMPLES = [
    ({"successful_requests": 0}, "CRITICAL", "no_successful_requests"),
    ({"data_loss": True}, "CRITICAL", "data_loss"),
    ({"security": "breach_confirmed"}, "CRITICAL", "breach_confirmed"),
    ({"error_ratio": 1.0}, "CRITICAL", "all_requests_failing"),
    ({"traffic_affected": 0.25}, "HIGH", "major_traffic_affected"),
    ({"traffic_affected": 0.99}, "HIGH", "major_traffic_affected"),
    ({"p95_ms": 750, "p95_duration_min": 6}, "HIGH", "sustained_latency_spike"),
    ({"error_ratio": 0.01}, "HIGH", "elevated_error_rate"),
    ({"error_ratio": 0.05}, "HIGH", "elevated_error_rate"),
    ({"security": "vulnerability_disclosed"}, "HIGH", "vulnerability_disclosed"),
    ({"legit_traffic_rate_limited": True}, "HIGH", "legit_traffic_rate_limited"),
    ({"traffic_affected": 0.10}, "MEDIUM", "minor_traffic_affected"),
    ({"p95_ms": 100}, "MEDIUM", "latency_elevated"),
    ({"p95_ms": 500, "p95_duration_min": 30}, "MEDIUM", "latency_elevated"),
    ({"error_ratio": 0.008}, "MEDIUM", "error_rate_elevated"),
    ({"security": "finding"}, "MEDIUM", "security_finding"),
    ({"resource_utilization": 0.85}, "MEDIUM", "resource_utilization_high"),
    ({"warning": True}, "LOW", "warning"),
]


@pytest.mark.parametrize(("signals", "severity", "condition"), SEED_EXAMPLES)
def test_every_seed_example_classifies_as_the_seed_says_and_names_its_condition(signals, severity, condition):
    result = pol.classify(signals, POLICY)
    assert result.severity == severity
    assert condition in [m.condition_id for m in result.matched if m.level == severity]


def test_an_error_rate_between_five_and_ninety_nine_percent_is_high():
    assert pol.classify({"error_ratio": 0.4}, POLICY).severity == Severity.HIGH


def test_a_latency_spike_is_medium_until_it_has_lasted_five_minutes():
    assert pol.classify({"p95_ms": 900, "p95_duration_min": 4}, POLICY).severity == Severity.MEDIUM
    assert pol.classify({"p95_ms": 900, "p95_duration_min": 5}, POLICY).severity == Severity.HIGH


def test_all_traffic_affected_is_critical():
    assert pol.classify({"traffic_affected": 1.0}, POLICY).severity == Severity.CRITICAL


def test_most_severe_level_wins_and_every_match_is_listed_most_severe_first():
    result = pol.classify({"error_ratio": 0.02, "resource_utilization": 0.9, "data_loss": True}, POLICY)
    assert result.severity == Severity.CRITICAL
    assert [m.level for m in result.matched] == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM]
    assert result.reasons == ["Data loss or corruption detected"]


def test_nothing_observed_is_a_low_ticket_with_no_matched_conditions():
    result = pol.classify({}, POLICY)
    assert (result.severity, result.matched) == (Severity.LOW, [])


@pytest.mark.parametrize(
    "bad",
    [
        {"error_ratio": 1.5},
        {"traffic_affected": -0.1},
        {"p95_ms": "fast"},
        {"security": "hacked"},
        {"data_loss": "yes"},
        {"colour": "red"},
        {"successful_requests": True},
    ],
)
def test_unknown_keys_and_out_of_range_values_are_refused(bad):
    with pytest.raises(FormatError) as exc:
        pol.classify(bad, POLICY)
    assert next(iter(bad)) in str(exc.value)


def test_response_targets_and_hard_limits_follow_the_seed():
    targets = {s: POLICY.level(s).ack_target for s in Severity}
    assert targets == {Severity.CRITICAL: 120, Severity.HIGH: 900, Severity.MEDIUM: 3600, Severity.LOW: 86400}
    assert all(POLICY.level(s).hard_limit == 3 * targets[s] for s in Severity)


def test_paging_channels_and_customer_notice_per_level():
    crit, high, med, low = (POLICY.level(s) for s in Severity)
    assert (crit.page, crit.channel, crit.incident_commander, crit.bridge_call) == (
        "immediately",
        "#incidents",
        True,
        True,
    )
    assert (high.page, high.page_after, high.channel) == ("if_unacknowledged", 900, "#incidents")
    assert (med.page, med.ticket, med.check_in, med.channel) == ("never", True, 86400, "#monitoring")
    assert (low.page, low.ticket) == ("never", True)
    assert crit.customer_notification.deadline() == 900
    assert high.customer_notification.deadline(incident_duration=20 * 60) is None
    assert high.customer_notification.deadline(incident_duration=45 * 60) == 1800
    assert not low.customer_notification.required


def test_escalation_decisions_send_each_need_to_the_right_role():
    roles = {d.id: d.role.value for d in POLICY.escalation_decisions}
    assert roles == {
        "unclear_root_cause": "incident_commander",
        "beyond_authority": "incident_commander",
        "critical_incident": "incident_commander",
        "security_incident": "security_lead",
        "customer_communication": "manager",
    }


def test_statuses_are_the_seeds_six_in_order():
    assert [s.name for s in POLICY.statuses] == list(IncidentStatus)


def test_incident_channel_and_id_follow_the_seed_formats():
    day = date(2026, 3, 10)
    assert POLICY.incident_channel_name(day, 1) == "#incident-20260310-001"
    assert pol.incident_id(day, 12) == "INC-2026-03-10-012"
    assert POLICY.check_channel_name("#incident-20260310-001", day) == (
        True,
        "channel name follows #incident-YYYYMMDD-NNN",
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("#incident-2026-03-11-001", "2026-03-11"),
        ("#incident-2026-3-10-001", "does not follow"),
        ("#incident-20260311-001", "2026-03-11"),
        ("#incident-20260230-001", "does not exist"),
        ("#incident-20260310-000", "start at 001"),
        ("#incidents", "does not follow"),
    ],
)
def test_a_wrong_channel_name_is_rejected_with_the_reason(name, says):
    ok, reason = pol.check_channel_name(name, date(2026, 3, 10), POLICY)
    assert not ok and says in reason


def test_the_seeds_dashed_phase_1_spelling_of_the_channel_is_accepted_too():
    ok, reason = POLICY.check_channel_name("#incident-2026-03-10-001", date(2026, 3, 10))
    assert ok, reason


def test_report_template_requires_the_seeds_sections_and_owned_dated_actions():
    sections = POLICY.post_incident.required_sections
    assert sections[0] == "Incident ID" and "Root Cause" in sections and "Follow-up Actions" in sections
    actions = next(s for s in POLICY.post_incident.report_sections if s.name == "Follow-up Actions")
    assert actions.fields == ["action", "owner", "due"]


def _policy_text() -> str:
    return (ROOT / "data" / "policy.yaml").read_text()


def test_a_policy_missing_a_severity_level_fails_validation_with_a_clear_message(tmp_path, capsys):
    text = _policy_text()
    start = text.index("  LOW:\n")
    end = text.index("\n# Decision: signals that match")
    bad = tmp_path / "policy.yaml"
    bad.write_text(text[:start] + text[end:])
    assert main(["validate", str(bad)]) == 2
    assert "missing severity level(s): LOW" in capsys.readouterr().err


def test_a_condition_on_an_unknown_signal_is_located_in_the_file():
    text = _policy_text().replace("{signal: data_loss, op", "{signal: data_lost, op", 1)
    with pytest.raises(FormatError) as exc:
        pol.validate_policy_text(text, "policy.yaml")
    problem = exc.value.problems[0]
    assert problem.line is not None and "unknown signal 'data_lost'" in problem.message


def test_policy_schema_describes_the_levels():
    assert "levels" in pol.json_schema()["properties"]


def test_classify_command_prints_severity_and_matches(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO('{"error_ratio": 0.03, "p95_ms": 120}'))
    assert main(["classify"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["severity"] == "HIGH"
    assert [m["condition_id"] for m in out["matched"]] == ["elevated_error_rate", "latency_elevated"]


@pytest.mark.parametrize(
    ("stdin", "says"),
    [
        ("{nope", "not JSON"),
        ('{"error_ratio": 2}', "error_ratio"),
        ('{"cpu": 0.5}', "unknown signal"),
        ("[]", "JSON object"),
    ],
)
def test_classify_command_refuses_bad_input_with_exit_2(monkeypatch, capsys, stdin, says):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["classify"]) == 2
    assert says in capsys.readouterr().err


def test_a_level_with_an_incident_commander_needs_a_decision_that_sets_the_deadline(tmp_path, capsys):
    bad = tmp_path / "policy.yaml"
    bad.write_text(_policy_text().replace("    required_at: [CRITICAL]\n", "", 1))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "levels.CRITICAL.incident_commander is true but no escalation_decisions entry" in err


def _within(decision_id: str) -> float:
    return next(d.within for d in POLICY.escalation_decisions if d.id == decision_id)


def test_required_escalations_follow_the_policy_and_restart_at_a_re_classification():
    levels = [(0.0, Severity.HIGH), (600.0, Severity.CRITICAL)]
    due = {d.role.value: d for d in pol.required_escalations(POLICY, levels, open_until=3600.0)}
    # Each deadline is the policy's, counted from the re-classification to CRITICAL at 600 s.
    assert due["incident_commander"].due == 600 + _within("critical_incident")
    assert due["incident_commander"].since == 600
    assert due["incident_commander"].clause == "escalation_decisions.critical_incident"
    assert due["manager"].due == 600 + _within("customer_communication")
    security = pol.required_escalations(POLICY, [(60.0, Severity.HIGH)], 600.0, security_from=60.0)
    assert [(d.role.value, d.due) for d in security] == [
        ("security_lead", 60.0 + _within("security_incident"))
    ]


def test_a_high_needs_a_customer_notice_only_when_left_open_past_its_limit():
    limit = POLICY.level(Severity.HIGH).customer_notification.if_longer_than
    assert limit is not None
    assert (
        pol.customer_notice_deadline(POLICY, [(120.0, Severity.HIGH)], open_until=120.0 + limit - 60) is None
    )
    notice = pol.customer_notice_deadline(POLICY, [(120.0, Severity.HIGH)], open_until=120.0 + limit + 60)
    assert notice is not None and notice.due == 120.0 + limit
    assert notice.clause == "levels.HIGH.customer_notification"


def test_a_resolution_announcement_without_a_time_placeholder_is_refused_at_its_line():
    text = _policy_text().replace("Issue resolved at HH:MM UTC", "Issue resolved", 1)
    with pytest.raises(FormatError) as exc:
        pol.validate_policy_text(text, "policy.yaml")
    assert "resolution_announcement must contain the HH:MM placeholder" in exc.value.problems[0].message


def test_a_scenario_notice_without_a_deadline_takes_the_level_rule_else_the_policys_tightest():
    assert POLICY.customer_notice_within(Severity.HIGH) == 30 * 60  # HIGH: if longer than 30 min
    assert POLICY.customer_notice_within(Severity.LOW) == 15 * 60  # LOW asks none: CRITICAL's 15 min


def test_the_policy_hash_names_its_content():
    edited = pol.validate_policy_text(_policy_text().replace("within: 15m", "within: 14m", 1), "policy.yaml")
    assert POLICY.content_hash == pol.load_policy().content_hash
    assert edited.content_hash != POLICY.content_hash and edited.content_hash.startswith("sha256:")
