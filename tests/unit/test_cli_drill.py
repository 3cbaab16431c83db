"""`firedrill drill` and `firedrill report` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[2]
# The test-owned copy of the pool-exhaustion incident and its expert response: the scores, ids and
# times these tests pin are the fixture's, not the shipped pack's.
POOL = "tests/fixtures/scenarios/pool-exhaustion.yaml"
POOL_EXPERT = "tests/fixtures/scenarios/pool-exhaustion.expert.yaml"


def _run(*args: str) -> CliResult:
    return run_cli(*args)


def test_drill_json_prints_passed_score_and_each_criterion_with_rating_and_evidence():
    r = _run(
        "drill",
        POOL,
        "--responses",
        POOL_EXPERT,
        "--json",
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["passed"] is True and out["score"] == 1.0
    assert set(out["criteria"]) == {
        "acknowledge",
        "judgement",
        "severity",
        "escalation",
        "communication",
        "diagnosis",
        "report",
    }
    for c in out["criteria"].values():
        assert c["rating"] == "P" and isinstance(c["evidence"], list) and c["evidence"]


def test_a_failing_response_exits_1_and_says_why(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("- {at: 30m, action: acknowledge}\n- {at: 31m, action: classify, severity: LOW}\n")
    r = _run("drill", POOL, "--responses", str(f))
    assert r.returncode == 1
    assert "NOT PASSED" in r.stdout and "under-call" in r.stdout


def test_a_bad_responses_file_is_a_located_one_line_error_and_exit_2(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("- {at: 1m, action: mitigate, mitigation: nope}\n")
    r = _run("drill", POOL, "--responses", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "r.yaml:1" in r.stderr and "kill-query" in r.stderr


def test_a_missing_responses_file_exits_2():
    r = _run("drill", POOL, "--responses", "nope.yaml")
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_report_debrief_prints_the_after_action_report():
    r = _run(
        "report",
        "debrief",
        "scenarios/complete-outage.yaml",
        "--responses",
        "scenarios/complete-outage.expert.yaml",
    )
    assert r.returncode == 0, r.stderr
    assert "## Strengths" in r.stdout and "## Improvement plan" in r.stdout


def test_report_post_incident_check_flags_a_report_with_a_wrong_timeline(tmp_path):
    draft = _run(
        "report",
        "post-incident",
        POOL,
        "--responses",
        POOL_EXPERT,
    )
    assert draft.returncode == 0 and "## Timeline" in draft.stdout
    assert "14:23 - Alert" in draft.stdout  # the fixture's alert fires at 14:23
    bad = draft.stdout.replace("14:23 - Alert", "14:50 - Alert")
    f = tmp_path / "r.md"
    f.write_text(bad)
    r = _run(
        "report",
        "post-incident",
        POOL,
        "--responses",
        POOL_EXPERT,
        "--check",
        str(f),
    )
    assert r.returncode == 1 and "not within ±2 min" in r.stdout


def test_draft_expert_prints_a_response_that_passes(tmp_path):
    r = _run("drill", POOL, "--draft-expert")
    assert r.returncode == 0, r.stderr
    f = tmp_path / "drafted.expert.yaml"
    f.write_text(r.stdout)
    scored = _run("drill", POOL, "--responses", str(f), "--json")
    assert scored.returncode == 0 and json.loads(scored.stdout)["passed"] is True
