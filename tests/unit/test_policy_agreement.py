"""Answers and deadlines agree with data/policy.yaml, and validate catches authoring slips.

Issue 14 points 1, 2 and 10: `firedrill validate` computes the policy classifier's level from a
scenario's own traces and refuses an answer that disagrees unless it names a policy clause; the
escalation and customer-notice deadlines a drill scores come from the policy (a scenario may only
tighten them) and run from each re-classification; slips are located by file, line and field.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from simulator import formats
from simulator.actions import load_responses
from simulator.cli import main
from simulator.drill import Drill, events_from_responses, load_default_policy, world
from simulator.policy import default_policy
from simulator.scenario import parse_scenario, scenario_files
from simulator.scenario_checks import classifier_levels, sustained_levels
from simulator.scoring import required_escalations, score_drill
from simulator.vocabulary import Role, Severity
from simulator.yamlio import FormatError

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
# Test-owned copies of shipped incidents (tests/fixtures/scenarios): these tests edit their exact
# text and pin their times, which a trainer's edit to the pack must not move.
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"


def _text(scenario_id: str) -> str:
    return (FIXTURES / f"{scenario_id}.yaml").read_text()


def _within(decision_id: str) -> float:
    """The policy's deadline for one escalation decision (data/policy.yaml), in seconds."""
    return next(d.within for d in default_policy().escalation_decisions if d.id == decision_id)


def _edited(scenario_id: str, old: str, new: str) -> str:
    text = _text(scenario_id)
    assert text.count(old) == 1, f"{old!r} must occur once in {scenario_id}"
    return text.replace(old, new)


def _problems(tmp_path: Path, text: str, name: str = "edited.yaml") -> list:
    """Validate `text` as a scenario file beside the built-in pack's rule files."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FormatError) as exc:
        formats.validate_file(path)
    return exc.value.problems


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def _drill(text: str) -> Drill:
    return Drill.create(parse_scenario(text, "edited.yaml", SCENARIOS), None, load_default_policy())


def _expert(scenario_id: str) -> list[dict]:
    return yaml.safe_load((FIXTURES / f"{scenario_id}.expert.yaml").read_text())["actions"]


def _score(drill: Drill, items: list[dict]):
    responses = load_responses(yaml.safe_dump({"actions": items}), "test", drill.scenario)
    return score_drill(drill, events_from_responses(drill, responses))


def _minutes(text: str) -> float:
    from simulator.durations import parse_duration

    return parse_duration(text)


def _retime(items: list[dict], action: str, at: float, **match) -> list[dict]:
    out = []
    for it in items:
        if it["action"] == action and all(it.get(k) == v for k, v in match.items()):
            it = {**it, "at": f"{int(at)}s"}
        out.append(it)
    return sorted(out, key=lambda it: _minutes(str(it["at"])))


# --- 14.1 answers agree with the policy --------------------------------------------------------


def test_the_seed_signals_classify_medium_and_the_policy_names_why_its_report_says_high(monkeypatch, capsys):
    seed_signals = {"error_ratio": 0.008, "resource_utilization": 0.85}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(seed_signals)))
    assert main(["classify"]) == 0
    assert json.loads(capsys.readouterr().out)["severity"] == "MEDIUM"
    level, clause_id, text = default_policy().clause(
        "core functionality impaired for a significant share of users"
    )
    assert (level, clause_id) == (Severity.HIGH, "core_functionality_impaired")
    assert "Core functionality impaired" in text


def test_the_classifier_reads_the_seed_scenario_as_medium_from_its_own_traces():
    loaded = parse_scenario(_text("pool-exhaustion"), "seed", SCENARIOS)
    levels = sustained_levels(classifier_levels(loaded, default_policy()))
    worst = min((lv.severity for lv in levels), key=lambda s: s.rank)
    assert worst == Severity.MEDIUM
    assert levels[0].severity == Severity.LOW  # before the bulk job starts, nothing holds


def test_a_high_answer_without_a_named_clause_is_refused_where_the_classifier_says_medium(tmp_path):
    text = _edited("pool-exhaustion", "  severity_reason: core_functionality_impaired\n", "")
    problems = _problems(tmp_path, text)
    [p] = [p for p in problems if p.field == "answer.severity"]
    assert p.line == _line_of(text, "  severity: HIGH\n  title:")
    assert "HIGH disagrees with the policy" in p.message
    assert "computes MEDIUM" in p.message
    assert "core_functionality_impaired" in p.message  # the allowed clauses are listed


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("it felt serious", "'it felt serious' is not a clause of the policy; HIGH clauses:"),
        ("data_loss", "policy clause 'data_loss' is CRITICAL, not HIGH"),
    ],
)
def test_a_severity_reason_must_be_a_clause_of_the_answers_level(tmp_path, reason, says):
    text = _edited(
        "pool-exhaustion",
        "  severity_reason: core_functionality_impaired\n",
        f"  severity_reason: {reason}\n",
    )
    [p] = _problems(tmp_path, text)
    assert p.field == "answer.severity_reason"
    assert p.line == _line_of(text, "  severity_reason:")
    assert says in p.message


def test_a_re_classification_the_classifier_does_not_reach_is_refused(tmp_path):
    # The WAF scenario becomes CRITICAL when the ruleset reaches every location (100% of traffic).
    text = _edited("waf-escalation", "{at: 10m, severity: CRITICAL,", "{at: 10m, severity: HIGH,")
    [p] = _problems(tmp_path, text)
    assert p.field == "answer.severity_changes[0].severity"
    assert "HIGH disagrees with the policy" in p.message and "computes CRITICAL" in p.message
    assert "all_traffic_affected" in p.message


def test_the_waf_classifier_timeline_rises_from_high_to_critical_at_the_global_rollout():
    loaded = parse_scenario(_text("waf-escalation"), "waf", SCENARIOS)
    levels = sustained_levels(classifier_levels(loaded, default_policy()))
    first = {}
    for lv in levels:
        first.setdefault(lv.severity, lv.at)
    assert 3 * 60 <= first[Severity.HIGH] < 10 * 60
    assert 10 * 60 <= first[Severity.CRITICAL] <= 14 * 60


def test_a_false_positive_called_high_is_refused(tmp_path):
    text = _edited("false-alarm", "  severity: LOW\n", "  severity: HIGH\n")
    [p] = _problems(tmp_path, text)
    assert p.field == "answer.severity" and "computes LOW" in p.message


def test_every_built_in_scenario_and_expert_validates(capsys):
    assert main(["validate", str(SCENARIOS)]) == 0
    out = capsys.readouterr()
    assert "error" not in out.err
    for path in scenario_files(SCENARIOS):
        assert f"ok: {path} (scenario)" in out.out


# --- 14.2 deadlines come from the policy -------------------------------------------------------


def test_a_security_lead_called_after_the_policys_deadline_is_late_whatever_the_scenario_allowed():
    # The scenario's author allows 15 minutes; the policy says "immediately" (its security deadline).
    text = _edited(
        "vulnerability",
        "    - {role: security_lead, within: 5m,",
        "    - {role: security_lead, within: 15m,",
    )
    drill = _drill(text)
    fired = world(drill).timeline.first_firing()
    assert fired is not None
    items = _expert("vulnerability")
    expert = _score(drill, items)
    policy_due, author_due = _within("security_incident"), 15 * 60
    assert policy_due < author_due
    called = (policy_due + author_due) / 2  # late by the policy, on time by the author's 15 minutes
    late = _score(drill, _retime(items, "escalate", fired + called, role="security_lead"))
    changed = {c.key for c, e in zip(late.criteria, expert.criteria, strict=True) if c.score != e.score}
    # The expert's pre-written report still times the call where the expert made it, so the report
    # check may flag that line too; no other criterion moves.
    assert "escalation" in changed and changed <= {"escalation", "report"}
    [note] = [e for e in late.criterion("escalation").deductions if e.item == "security_lead"]
    assert "called late" in note.note and "security_incident" in note.note
    assert note.expected_at == pytest.approx(fired + _within("security_incident"))
    assert note.trainee_at == pytest.approx(fired + int(called))


def test_validate_refuses_a_scenario_that_loosens_a_policy_deadline(tmp_path):
    text = _edited(
        "vulnerability",
        "    - {role: security_lead, within: 5m,",
        "    - {role: security_lead, within: 15m,",
    )
    [p] = _problems(tmp_path, text)
    assert p.field == "answer.escalations[0].within"
    assert p.line == _line_of(text, "    - {role: security_lead, within: 15m,")
    assert "15m loosens the policy" in p.message and "escalation_decisions.security_incident" in p.message
    assert "at most 5m" in p.message


def test_a_scenario_may_tighten_a_deadline(tmp_path):
    text = _edited(
        "vulnerability",
        "    - {role: security_lead, within: 5m,",
        "    - {role: security_lead, within: 3m,",
    )
    path = tmp_path / "tight.yaml"
    path.write_text(text)
    assert formats.validate_file(path) == "scenario"
    drill = _drill(text)
    fired = world(drill).timeline.first_firing()
    [sec] = [d for d in required_escalations(drill, fired) if d.role == Role.SECURITY_LEAD]
    assert sec.due == pytest.approx(fired + 3 * 60)


def test_a_high_left_open_past_the_policys_limit_loses_escalation_and_communication_credit():
    text = _text("pool-exhaustion")
    drill = _drill(text)
    fired = world(drill).timeline.first_firing()
    assert fired is not None
    items = _expert("pool-exhaustion")
    expert = _score(drill, items)
    assert not [e for e in expert.criterion("escalation").deductions if e.item == "manager"]
    # HIGH needs customers told (and so the manager) once it outlasts the policy's limit.
    limit = default_policy().level(Severity.HIGH).customer_notification.if_longer_than
    assert limit is not None
    # The same response, but the incident is only resolved a minute after that limit.
    open_long = _retime(items, "resolve", fired + limit + 60)
    card = _score(drill, open_long)
    [manager] = [e for e in card.criterion("escalation").deductions if e.item == "manager"]
    assert "never called" in manager.note and manager.expected_at == pytest.approx(fired + limit)
    [notice] = [e for e in card.criterion("communication").deductions if e.item == "customer notification"]
    assert f"HIGH open longer than {limit / 60:g} min" in notice.note
    assert notice.expected_at == pytest.approx(fired + limit)
    assert card.criterion("escalation").score < expert.criterion("escalation").score
    assert card.criterion("communication").score < expert.criterion("communication").score


def test_deadlines_after_a_re_classification_run_from_the_re_classification():
    drill = _drill(_text("waf-escalation"))
    fired = world(drill).timeline.first_firing()
    critical_at = 10 * 60  # the fixture turns CRITICAL at 10m
    assert fired is not None and fired < critical_at
    due = {d.role: d for d in required_escalations(drill, fired)}
    # The incident commander and the manager are due the policy's deadlines after the
    # re-classification to CRITICAL, not after the first (HIGH) alert.
    ic_due = critical_at + _within("critical_incident")
    assert due[Role.INCIDENT_COMMANDER].due == pytest.approx(ic_due)
    assert due[Role.MANAGER].due == pytest.approx(critical_at + _within("customer_communication"))
    items = _expert("waf-escalation")
    in_time = _score(drill, _retime(items, "escalate", ic_due - 30, role="incident_commander"))
    assert not [e for e in in_time.criterion("escalation").deductions if e.item == "incident_commander"]
    late = _score(drill, _retime(items, "escalate", ic_due + 60, role="incident_commander"))
    [note] = [e for e in late.criterion("escalation").deductions if e.item == "incident_commander"]
    assert "called late" in note.note and note.expected_at == pytest.approx(ic_due)


def test_a_critical_incident_requires_the_incident_commander_from_the_policy_alone():
    # complete-outage no longer lists the incident commander: the policy requires it at CRITICAL.
    drill = _drill(_text("outage"))
    fired = world(drill).timeline.first_firing()
    items = [it for it in _expert("outage") if it.get("role") != "incident_commander"]
    card = _score(drill, items)
    [note] = [e for e in card.criterion("escalation").deductions if e.item == "incident_commander"]
    assert "never called" in note.note and "critical_incident" in note.note
    assert note.expected_at == pytest.approx(fired + _within("critical_incident"))


# --- 14.10 authoring slips ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario_id", "old", "new", "field", "says"),
    [
        (
            "pool-exhaustion",
            'expr: db_connection_pool_utilization{service="api"} > 0.8',
            'expr: db_connection_pool_utilisation{service="api"} > 0.8',
            "rules.groups[0].rules[0].expr",
            "reads metric 'db_connection_pool_utilisation', which this scenario does not produce; metrics:",
        ),
        (
            "pool-exhaustion",
            "  - at: 20m\n",
            "  - at: 50m\n",
            "injects[3].at",
            "50m is after the scenario ends; allowed: 0s to 45m",
        ),
        (
            "waf-escalation",
            "{at: 10m, severity: CRITICAL,",
            "{at: 50m, severity: CRITICAL,",
            "answer.severity_changes[0].at",
            "50m is outside the scenario; allowed: 0s to 45m",
        ),
        (
            "pool-exhaustion",
            "    evidence: [database, logs]\n",
            "    evidence: [database, pg_stat_activity]\n",
            "answer.diagnosis.evidence[1]",
            "no console is called 'pg_stat_activity'; allowed: dashboards, logs, database",
        ),
        (
            "pool-exhaustion",
            "    start: 5m\n    end: 8m\n    factor: 1.9\n  - id: slow-queries-util",
            "    start: 5m\n    end: 4m\n    factor: 1.9\n  - id: slow-queries-util",
            "incident[1].end",
            "the effect ends (4m) before it starts (5m); end must be later than start",
        ),
    ],
    ids=["rule-on-missing-metric", "inject-after-end", "change-after-end", "unknown-console", "ends-first"],
)
def test_validate_locates_each_authoring_slip(tmp_path, scenario_id, old, new, field, says):
    text = _edited(scenario_id, old, new)
    problems = _problems(tmp_path, text)
    [p] = [p for p in problems if p.field == field]
    assert says in p.message
    # Located at the changed line (for the effect: its `end`, the second line of the change).
    changed_line = _line_of(text, new) + (1 if field.endswith(".end") else 0)
    assert p.line == changed_line
    assert str(p).startswith(f"{tmp_path / 'edited.yaml'}:{p.line}:")


@pytest.mark.parametrize("name", ["pool-exhaustion.weak.yaml", "my-notes.yaml"])
def test_a_responses_file_given_to_validate_is_named_with_the_command_that_takes_it(tmp_path, capsys, name):
    text = (FIXTURES / "pool-exhaustion.expert.yaml").read_text().replace("action: verify", "action: verfy")
    path = tmp_path / name
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "is a drill responses file" in err and "not a scenario" in err
    assert f"firedrill drill {tmp_path / 'pool-exhaustion.yaml'} --responses {path}" in err
    assert "id: Field required" not in err  # not reported as a broken scenario


def test_a_valid_responses_file_says_which_command_plays_it(capsys):
    path = FIXTURES / "pool-exhaustion.expert.yaml"
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"firedrill drill {FIXTURES / 'pool-exhaustion.yaml'} --responses {path}" in out


def test_the_scenario_studio_shows_a_policy_disagreement_at_its_line():
    from simulator.studio import check_text

    text = _edited("pool-exhaustion", "  severity_reason: core_functionality_impaired\n", "")
    result = check_text(text, SCENARIOS)
    assert not result.ok
    [p] = result.problems
    assert (p.line, p.field) == (_line_of(text, "  severity: HIGH\n  title:"), "answer.severity")
    assert check_text(_text("pool-exhaustion"), SCENARIOS).ok


def test_classify_with_a_scenario_prints_the_level_over_time_beside_the_answer(capsys):
    assert main(["classify", "--scenario", str(FIXTURES / "waf-escalation.yaml")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    levels = [(x["severity"], x["matched"]) for x in lines[:-1]]
    assert levels == [
        ("LOW", []),
        ("HIGH", ["major_traffic_affected"]),
        ("CRITICAL", ["all_traffic_affected"]),
    ]
    assert [a["severity"] for a in lines[-1]["answer"]] == ["HIGH", "CRITICAL"]


def test_classify_with_a_scenario_without_signals_says_what_to_add(tmp_path, capsys):
    text = _text("memory-warning")
    start = text.index("# What the policy classifier reads")
    end = text.index("\nanswer:\n")
    path = tmp_path / "memory-warning.yaml"
    path.write_text(text[:start] + text[end:])
    assert main(["classify", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert "no signals to read; add a `signals:` section" in err and "Traceback" not in err


def test_a_scenario_with_nothing_for_the_classifier_to_read_is_told_to_add_signals(tmp_path):
    text = _text("memory-warning")
    start = text.index("# What the policy classifier reads")
    text = text[:start] + text[text.index("\nanswer:\n") :]
    [p] = _problems(tmp_path, text)
    assert p.field == "answer.severity" and "computes LOW" in p.message
    assert "add a `signals:` section" in p.message


def test_the_studio_summary_lists_the_deadlines_the_drill_will_score():
    from simulator.studio import answer_summary

    waf = answer_summary(parse_scenario(_text("waf-escalation"), "waf", SCENARIOS).scenario)
    assert any(
        # CRITICAL from the fixture's 10m, plus the policy's deadline for the incident commander.
        line.startswith(f"Escalate to incident commander by {(600 + _within('critical_incident')) / 60:g}m")
        and "critical_incident" in line
        for line in waf
    )
    pool = answer_summary(parse_scenario(_text("pool-exhaustion"), "seed", SCENARIOS).scenario)
    limit = default_policy().level(Severity.HIGH).customer_notification.if_longer_than
    assert any(line.startswith(f"Tell customers by {limit / 60:g}m if still open then") for line in pool)


@pytest.mark.parametrize("scenario_id", ["outage", "waf-escalation", "vulnerability"])
def test_the_drafted_expert_calls_everyone_the_policy_requires_in_time(scenario_id):
    from simulator.expert import expert_actions

    drill = _drill(_text(scenario_id))
    items = [
        {"at": f"{t:g}s", **a.model_dump(mode="json", exclude_none=True)} for t, a in expert_actions(drill)
    ]
    card = _score(drill, items)
    escalation = card.criterion("escalation")
    assert escalation.rating == "P", [e.note for e in escalation.deductions]
    called = {it["role"] for it in items if it["action"] == "escalate"}
    fired = world(drill).timeline.first_firing()
    resolved = next(t for t, a in expert_actions(drill) if a.action == "resolve")
    assert {d.role.value for d in required_escalations(drill, fired, resolved)} <= called


def test_the_debrief_names_the_policy_clause_behind_a_level_the_classifier_would_not_give():
    drill = _drill(_text("pool-exhaustion"))
    items = [
        {**it, "severity": "MEDIUM"} if it["action"] == "classify" else it
        for it in _expert("pool-exhaustion")
    ]
    card = _score(drill, items)
    [note] = [e for e in card.criterion("severity").evidence if e.item == "classify"]
    assert "classified MEDIUM; it was HIGH" in note.note
    assert "policy: Core functionality impaired for a significant share of users" in note.note


def test_a_signal_that_fails_when_evaluated_is_located_not_a_traceback(tmp_path, capsys):
    many_to_many = 'sum(rate(http_requests_total[5m])) / ignoring(service) {__name__=~"http_request.*_total"}'
    text = _edited(
        "pool-exhaustion", "\nanswer:\n", f"\nsignals:\n  error_ratio: '{many_to_many}'\n\nanswer:\n"
    )
    [p] = _problems(tmp_path, text)
    assert p.field == "signals.error_ratio" and p.line == _line_of(text, "  error_ratio: '")
    assert "cannot be evaluated over the scenario's metrics" in p.message and "many-to-many" in p.message
    path = tmp_path / "edited.yaml"
    assert main(["classify", "--scenario", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_rule_that_fails_when_evaluated_is_refused_at_its_line(tmp_path):
    bad = (
        'expr: sum(rate(http_requests_total[5m])) / ignoring(service) {__name__=~"http_request.*_total"} > 0'
    )
    text = _edited("pool-exhaustion", 'expr: db_connection_pool_utilization{service="api"} > 0.8', bad)
    [p] = _problems(tmp_path, text)
    assert p.line == _line_of(text, bad)
    assert "rule 'DBConnectionPoolHigh' fails when evaluated" in p.message and "many-to-many" in p.message


def test_without_an_alert_the_security_signal_starts_at_the_first_persons_report():
    # No rule fires: the manager's message at 14m is the first report (the chats at 2m and 9m
    # are background), so the classifier sees the security issue from then, as scoring times it.
    text = _edited(
        "vulnerability",
        "expr: security_vulnerable_instances > 0",
        "expr: security_vulnerable_instances > 1e9",
    )
    text = text.replace("expr: egress_ldap_connections > 0", "expr: egress_ldap_connections > 1e9")
    loaded = parse_scenario(text, "quiet", SCENARIOS)
    levels = classifier_levels(loaded, default_policy())
    first_high = next(lv.at for lv in levels if lv.severity == Severity.HIGH)
    assert first_high == 14 * 60
