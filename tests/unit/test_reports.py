"""Post-incident report drafted from the log and checked against it; the debrief's contents."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.actions import load_responses
from simulator.drill import Drill, events_from_responses, load_default_policy
from simulator.incident_report import check_report, draft_post_incident_report
from simulator.reports import after_action_markdown, debrief
from simulator.scenario import load_scenario
from simulator.scoring import score_drill

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
# A test-owned copy of the pool-exhaustion incident and its expert response: the incident id,
# times and report lines these tests pin are the fixture's, not the shipped pack's.
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "scenarios"


@pytest.fixture(scope="module")
def run():
    drill = Drill.create(load_scenario(FIXTURES / "pool-exhaustion.yaml"), None, load_default_policy())
    text = (FIXTURES / "pool-exhaustion.expert.yaml").read_text()
    events = events_from_responses(drill, load_responses(text, "e", drill.scenario))
    return drill, events


def test_the_draft_follows_the_seed_template_and_its_timeline_matches_the_log(run):
    drill, events = run
    md = draft_post_incident_report(drill, [e for e in events if e.kind != "write_report"])
    for heading in (
        "Incident ID: INC-2026-03-10-001",
        "## Timeline",
        "## Root Cause",
        "## Follow-up Actions",
    ):
        assert heading in md
    check = check_report(drill, events, md)
    assert check.timeline and all(e.matched for e in check.timeline)


def test_the_trainees_draft_does_not_reveal_the_answer(run):
    drill, _ = run
    md = draft_post_incident_report(drill, [])
    assert drill.scenario.answer.root_cause.strip()[:40] not in md
    assert not any(f in md for f in drill.scenario.answer.contributing_factors)


def test_an_unedited_draft_lacks_the_analysis_but_states_the_real_impact_and_the_meetings(run):
    drill, events = run
    md = draft_post_incident_report(drill, events)
    check = check_report(drill, events, md)
    assert {"Contributing Factors", "Prevention"} <= set(check.missing_sections)
    # Prefilled from the run: the impact measured in the simulation, the RCA and follow-up meetings.
    assert "Impact" not in check.missing_sections and "Follow-up Actions" not in check.missing_sections
    assert all(f.ok for f in check.facts) and not check.missing_meetings
    assert not check.ok


def test_timeline_entries_more_than_two_minutes_off_are_flagged(run):
    drill, events = run
    md = draft_post_incident_report(drill, events, expert=True)
    assert check_report(drill, events, md).ok
    shifted = md.replace(
        "14:23 - Alert DBConnectionPoolHigh firing", "14:40 - Alert DBConnectionPoolHigh firing"
    )
    bad = [e for e in check_report(drill, events, shifted).timeline if not e.matched]
    assert [e.written for e in bad] == ["14:40"]


def test_action_items_need_an_owner_and_a_due_date(run):
    drill, events = run
    md = draft_post_incident_report(drill, events, expert=True)
    md += "- [ ] Add a query timeout (Owner: Engineering)\n- [ ] Review the query (Due: 3/12)\n"
    items = check_report(drill, events, md).action_items
    assert [(i.owner is not None, i.due is not None) for i in items[-2:]] == [(True, False), (False, True)]


def test_the_debrief_puts_trainee_actions_beside_the_expert_path_and_plans_improvement(run):
    drill, events = run
    late = [e for e in events if e.kind not in ("notify_customers", "post_update")]
    card = score_drill(drill, late)
    d = debrief(drill, late, card)
    assert d.trainee and d.expert and d.bands and d.series
    assert any(b.alert == "DBConnectionPoolHigh" and b.state == "firing" for b in d.bands)
    assert any(p["criterion"] == "Communication" for p in d.plan)
    md = after_action_markdown(d)
    assert "## Areas for improvement" in md and "Communication" in md


def test_the_timeline_figure_has_markers_for_both_paths(run):
    from simulator.reports import timeline_figure

    drill, events = run
    d = debrief(drill, events, score_drill(drill, events))
    fig = timeline_figure(d)
    names = {t.name for t in fig.data}
    assert {"You", "Expert path"} <= names


def test_expert_file_round_trips_through_yaml():
    data = yaml.safe_load((FIXTURES / "pool-exhaustion.expert.yaml").read_text())
    assert data["scenario"] == "pool-exhaustion"
