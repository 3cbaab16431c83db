"""The post-incident report is checked for truth: its header facts against the simulation, its
timeline lines against the recorded events, its claims against the log, and the seed's RCA and
follow-up meetings among its action items. A report full of false claims fails the drill."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from simulator.actions import WriteReport, load_responses
from simulator.drill import Drill, events_from_responses, load_default_policy
from simulator.incident_report import (
    IMPACT_TOLERANCE,
    check_report,
    draft_post_incident_report,
    peak_severity,
    simulated_impact,
)
from simulator.scenario import load_scenario, scenario_files
from simulator.scoring import score_drill
from simulator.vocabulary import Severity

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
WITH_REPORT = [
    p.stem
    for p in scenario_files(SCENARIOS)
    if load_scenario(p).scenario.answer.real and (SCENARIOS / f"{p.stem}.expert.yaml").exists()
]


# A test-owned copy of the pool-exhaustion incident: the single-scenario checks below pin its
# incident id, dates and times, which a trainer's edit to the shipped pack must not move.
FIXTURES = SCENARIOS.parent / "tests" / "fixtures" / "scenarios"


def _folder(scenario_id: str) -> Path:
    # Named, not looked up: a shipped scenario that one day shares a fixture's name stays the pack's.
    return FIXTURES if scenario_id in ("pool-exhaustion",) else SCENARIOS


def _expert(scenario_id: str) -> tuple[Drill, list, str]:
    """The drill, the expert's log without its report, and the expert's report."""
    drill = Drill.create(
        load_scenario(_folder(scenario_id) / f"{scenario_id}.yaml"), None, load_default_policy()
    )
    text = (_folder(scenario_id) / f"{scenario_id}.expert.yaml").read_text()
    responses = load_responses(text, "expert", drill.scenario)
    events = events_from_responses(drill, responses)
    md = next(a.markdown for _, a in responses.timed() if isinstance(a, WriteReport))
    return drill, [e for e in events if e.kind != "write_report"], md


def _field(md: str, name: str, value: str) -> str:
    return re.sub(rf"(?m)^{name}: .*$", f"{name}: {value}", md, count=1)


def _score_with_report(drill: Drill, events: list, md: str):
    from simulator.drill import action_event

    report = action_event(
        events, max(e.at_offset for e in events) + 30, WriteReport(action="write_report", markdown=md)
    )
    return score_drill(drill, [*events, report])


@pytest.fixture(scope="module")
def pool():
    return _expert("pool-exhaustion")


def test_the_experts_report_is_true_in_every_fact(pool):
    drill, events, md = pool
    check = check_report(drill, events, md)
    assert check.facts and all(f.ok for f in check.facts), [f for f in check.facts if not f.ok]
    assert {f.field for f in check.facts} == {
        "Incident ID",
        "Severity",
        "Start Time",
        "End Time",
        "Duration",
        "Impact",
    }
    assert check.ok


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("Incident ID", "INC-2026-03-11-001", "names 2026-03-11"),
        ("Incident ID", "INC-2026-03-10-002", "this drill's incident is INC-2026-03-10-001"),
        ("Severity", "MEDIUM", "reached HIGH, not MEDIUM"),
        ("Start Time", "2026-03-10 13:30 UTC", "the log puts it at"),
        ("End Time", "2026-03-10 16:00 UTC", "the log puts it at"),
        ("Duration", "95 minutes", "the run lasted"),
    ],
)
def test_each_wrong_header_fact_loses_report_credit_with_the_reason(pool, field, value, says):
    drill, events, md = pool
    check = check_report(drill, events, _field(md, field, value))
    wrong = [f for f in check.facts if not f.ok]
    # A moved start or end also leaves the stated duration disagreeing with them.
    assert wrong[0].field == field and {f.field for f in wrong} <= {field, "Duration"}
    assert says in wrong[0].why
    expert = _score_with_report(drill, events, md)
    card = _score_with_report(drill, events, _field(md, field, value))
    changed = {c.key for c, e in zip(card.criteria, expert.criteria, strict=True) if c.score != e.score}
    assert changed == {"report"}
    assert any(
        e.item == "facts" and field in e.note and e.deduction > 0 for e in card.criterion("report").evidence
    )


def test_a_malformed_incident_id_is_named_with_the_format_it_must_follow(pool):
    drill, events, md = pool
    fact = next(f for f in check_report(drill, events, _field(md, "Incident ID", "INC-2026-3-10-1")).facts)
    assert (
        not fact.ok and "does not follow INC-YYYY-MM-DD-NNN" in fact.why and "INC-2026-03-10-001" in fact.why
    )


def test_impact_figures_are_checked_against_the_simulation_within_the_stated_tolerance(pool):
    drill, events, md = pool
    fig = simulated_impact(drill, events)
    assert fig.failed and fig.failed > 50 and fig.percent is not None

    def impact(text: str):
        return next(
            f for f in check_report(drill, events, _field(md, "Impact", text)).facts if f.field == "Impact"
        )

    near = round(fig.failed * (1 + IMPACT_TOLERANCE * 0.8))
    assert impact(f"about {near} requests failed").ok
    far = impact(f"about {fig.failed * 10} requests failed")
    assert not far.ok and f"{fig.failed:,} failed" in far.why
    assert not impact("some requests failed").ok  # a report states the figure
    assert not impact(f"{fig.failed} requests failed, {fig.percent * 20:g}% of traffic").ok


def test_the_trainees_draft_is_prefilled_from_their_own_log(pool):
    drill, events, _ = pool
    md = draft_post_incident_report(drill, events)
    fig = simulated_impact(drill, events)
    assert "Incident ID: INC-2026-03-10-001" in md and "Severity: HIGH" in md
    assert f"{fig.failed:,} requests failed" in md
    timeline = md.split("## Timeline", 1)[1].split("## Root Cause", 1)[0]
    # Every action the trainee took is a line of the timeline (the report itself aside).
    assert len(
        [ln for ln in timeline.splitlines() if " - " in ln and not ln.split(" - ", 1)[1].startswith("Alert ")]
    ) == len([e for e in events if e.is_action])
    assert "RCA meeting" in md and "Follow-up verification meeting" in md


def test_a_timeline_line_whose_event_is_not_in_the_log_is_flagged_with_why(pool):
    drill, events, md = pool
    ack = next(ln for ln in md.splitlines() if "Acknowledged the page" in ln)
    # At the time of the acknowledgement, but claiming a call nobody made.
    md2 = md.replace(ack, f"{ack}\n{ack[:5]} - Escalated: incident commander")
    bad = [e for e in check_report(drill, events, md2).timeline if not e.matched]
    assert [e.text for e in bad] == ["Escalated: incident commander"]
    assert "the log has no escalated" in bad[0].why
    card = _score_with_report(drill, events, md2)
    assert any(
        e.item == "timeline" and "Escalated: incident commander" in e.note
        for e in card.criterion("report").evidence
    )


def test_a_claim_the_log_contradicts_is_a_critical_failure_and_a_negated_one_is_not(pool):
    drill, events, md = pool
    lied = md.replace(
        "## Root Cause\n\n",
        "## Root Cause\n\nCustomers were notified by e-mail. We escalated to the manager.\n",
    )
    check = check_report(drill, events, lied)
    assert {c.claim for c in check.false_claims} == {"customers were notified", "the manager was called"}
    card = _score_with_report(drill, events, lied)
    report = card.criterion("report")
    assert report.critical_failures and not card.passed
    assert any(
        e.item == "false claim" and "no 'notified customers' action" in e.note for e in report.evidence
    )
    honest = md.replace(
        "## Root Cause\n\n", "## Root Cause\n\nCustomers were not notified: no SLA was breached.\n"
    )
    assert not check_report(drill, events, honest).false_claims


def test_the_rca_and_follow_up_meetings_must_be_scheduled_in_time(pool):
    drill, events, md = pool
    lines = md.splitlines()
    no_rca = "\n".join(ln for ln in lines if "RCA meeting" not in ln) + "\n"
    assert any("no RCA meeting" in m for m in check_report(drill, events, no_rca).missing_meetings)
    late = md.replace(
        "Follow-up verification meeting, 1 week on (Owner: On-call engineer, Due: 2026-03-17)",
        "Follow-up verification meeting, 1 week on (Owner: On-call engineer, Due: 2026-04-30)",
    )
    assert late != md
    assert any(
        "follow-up meeting is not due" in m for m in check_report(drill, events, late).missing_meetings
    )
    card = _score_with_report(drill, events, no_rca)
    assert any(e.item == "meetings" and e.deduction > 0 for e in card.criterion("report").evidence)


def _falsified(drill: Drill, events: list, md: str) -> str:
    """The expert's report rewritten to lie: every header fact wrong, the timeline an hour off,
    and claims of actions the expert never took."""
    kinds = {e.kind for e in events}
    roles = {e.payload.get("role") for e in events if e.kind == "escalate"}
    peak = peak_severity(drill)
    other = next(s for s in Severity if s != peak)
    start = drill.wall(0)
    out = _field(md, "Incident ID", f"INC-{start + timedelta(days=1):%Y-%m-%d}-007")
    out = _field(out, "Severity", other.value)
    out = _field(out, "Start Time", f"{start + timedelta(hours=5):%Y-%m-%d %H:%M} UTC")
    out = _field(out, "End Time", f"{start + timedelta(hours=9):%Y-%m-%d %H:%M} UTC")
    out = _field(out, "Duration", "240 minutes")
    out = _field(out, "Impact", "250,000 requests failed, 64% of traffic")

    def later(m: re.Match) -> str:
        t = datetime.strptime(m.group(1), "%H:%M") + timedelta(minutes=70)
        return f"{t:%H:%M} - "

    head, rest = out.split("## Timeline", 1)
    timeline, tail = rest.split("## Root Cause", 1)
    timeline = re.sub(r"(?m)^(\d{2}:\d{2}) - ", later, timeline)
    claims = []
    if "notify_customers" not in kinds:
        claims.append("Customers were notified by e-mail.")
    for role, words in (
        ("manager", "the manager"),
        ("security_lead", "the security lead"),
        ("backup", "the backup"),
    ):
        if role not in roles:
            claims.append(f"We escalated to {words}.")
    if "status_page" not in kinds:
        claims.append("The status page was updated.")
    assert claims, "no action left for the report to lie about"
    return f"{head}## Timeline{timeline}## Root Cause\n\n{' '.join(claims)}\n{tail}"


@pytest.mark.parametrize("scenario_id", WITH_REPORT)
def test_a_report_full_of_false_claims_fails_the_drill(scenario_id):
    drill, events, md = _expert(scenario_id)
    honest = _score_with_report(drill, events, md)
    assert honest.passed and honest.criterion("report").rating == "P"
    lying = _falsified(drill, events, md)
    check = check_report(drill, events, lying)
    wrong = {f.field for f in check.facts if not f.ok}
    assert {"Incident ID", "Severity", "Start Time", "End Time", "Duration"} <= wrong
    assert check.false_claims and all(not e.matched for e in check.timeline)
    card = _score_with_report(drill, events, lying)
    report = card.criterion("report")
    assert not card.passed and report.rating == "U" and report.critical_failures
    assert any("the report claims" in r for r in card.reasons)


def test_the_expert_files_still_round_trip():
    data = yaml.safe_load((FIXTURES / "pool-exhaustion.expert.yaml").read_text())
    assert any(a["action"] == "write_report" for a in data["actions"])


def test_firedrill_report_check_names_each_wrong_fact_and_false_claim(tmp_path):
    import subprocess
    import sys

    root = SCENARIOS.parent
    args = [
        sys.executable,
        "-m",
        "simulator",
        "report",
        "post-incident",
        "tests/fixtures/scenarios/pool-exhaustion.yaml",
        "--responses",
        "tests/fixtures/scenarios/pool-exhaustion.expert.yaml",
    ]
    draft = subprocess.run(args, capture_output=True, text=True, cwd=root, check=True).stdout
    lying = _field(draft, "Severity", "LOW").replace(
        "## Root Cause\n", "## Root Cause\n\nWe escalated to the manager.\n"
    )
    path = tmp_path / "report.md"
    path.write_text(lying)
    r = subprocess.run([*args, "--check", str(path)], capture_output=True, text=True, cwd=root)
    assert r.returncode == 1
    assert "Severity: 'LOW' WRONG — the incident reached HIGH, not LOW" in r.stdout
    assert "false claim 'We escalated to the manager.': the log has no call to the manager" in r.stdout
