"""The update rubric: what an incident update must say (impact, current action, next update time)
and must not (blame; internals on public channels), with synonyms; the seed's own example update
scores full marks, and the rubric is what the CLI, the Drill page and the README show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simulator.actions import load_responses
from simulator.drill import Drill, events_from_responses, load_default_policy
from simulator.scenario import load_scenario
from simulator.scoring import score_drill, update_content_gaps
from simulator.update_rubric import RUBRIC, rubric_markdown, rubric_problems

ROOT = Path(__file__).resolve().parents[2]
# The seed requirements' "Example Update" for the incident channel, word for word.
SEED_UPDATE = """14:25 UTC: Investigating database connection pool exhaustion.
DB has 92 active connections (max 100). Likely cause: long-running query.
Currently analyzing logs to identify query.
Will update in 5 minutes."""


def test_the_seeds_example_update_meets_every_check():
    assert update_content_gaps(SEED_UPDATE) == []
    assert rubric_problems(SEED_UPDATE) == []


# Test-owned copies of the pool-exhaustion and outage incidents with their expert responses: the
# updates these tests rewrite are the fixtures', so a trainer's edit to the pack does not move them.
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"


def _drill(scenario_id: str) -> Drill:
    return Drill.create(load_scenario(FIXTURES / f"{scenario_id}.yaml"), None, load_default_policy())


def _items(scenario_id: str) -> list[dict]:
    return yaml.safe_load((FIXTURES / f"{scenario_id}.expert.yaml").read_text())["actions"]


def _score(drill: Drill, items: list[dict]):
    responses = load_responses(yaml.safe_dump({"actions": items}), "test", drill.scenario)
    return score_drill(drill, events_from_responses(drill, responses))


def test_the_seeds_example_update_scores_full_communication_marks_in_its_own_incident():
    drill = _drill("pool-exhaustion")
    items = _items("pool-exhaustion")
    for it in items:
        if it["action"] == "post_update":
            it["text"] = SEED_UPDATE
    comm = _score(drill, items).criterion("communication")
    assert comm.score == 1.0 and comm.rating == "P"
    assert not [e for e in comm.evidence if e.item == "update content"]


@pytest.mark.parametrize(
    "text",
    [
        "Checkout is down for EU users. Rolling back the 14:02 deploy. Next update at 14:40 UTC.",
        "DB pool exhausted: 92 of 100 connections. Restarting the worker. Will update in 10 min.",
        "~2% of requests failing. Failing over to the replica; we'll post again in 5 minutes.",
        "API latency degraded (p95 900 ms). Looking into the cache. Update again in 15 minutes.",
        "Logins timing out for some tenants. Escalated to the DB team and testing a fix. Back to you in 10 minutes.",
        "Fix applied, metrics back to normal for all customers. Monitoring. Final update; report follows.",
    ],
)
def test_synonyms_and_figures_count_for_the_three_required_parts(text):
    assert update_content_gaps(text) == [], text


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Investigating. Will update in 5 minutes.", ["impact"]),
        ("Checkout is down. Will update in 5 minutes.", ["current action"]),
        ("Checkout is down; rolling back.", ["next update time"]),
        ("Checkout is down; rolling back; we will update soon.", ["next update time"]),
        ("Something is off.", ["impact", "current action", "next update time"]),
    ],
)
def test_each_missing_part_is_named(text, missing):
    assert update_content_gaps(text) == missing


def test_blame_is_flagged_and_costs_communication_credit_only():
    assert any(
        "blames" in p
        for p in rubric_problems(
            "Checkout down because Bob broke the deploy. Rolling back. Next update in 5 min."
        )
    )
    assert not any("blames" in p for p in rubric_problems(SEED_UPDATE))
    drill = _drill("pool-exhaustion")
    items = _items("pool-exhaustion")
    expert = _score(drill, items)
    first = next(it for it in items if it["action"] == "post_update")
    first["text"] += " Dana messed up the query limits, it is her fault."
    card = _score(drill, items)
    changed = {c.key for c, e in zip(card.criteria, expert.criteria, strict=True) if c.score != e.score}
    assert changed == {"communication"}
    assert any(
        e.item == "update content" and "blames" in e.note for e in card.criterion("communication").evidence
    )


def test_internals_are_flagged_on_public_channels_only():
    leaky = (
        "Connections on db-01.internal (10.0.3.7) exhausted by SELECT * FROM exports; see pg_stat_activity."
    )
    public = [p for p in rubric_problems(leaky, public=True) if "internal detail" in p]
    assert public and all(w in public[0] for w in ("db-01.internal", "10.0.3.7", "pg_stat_activity"))
    assert not [p for p in rubric_problems(leaky) if "internal detail" in p]  # fine in the incident channel
    drill = _drill("outage")
    items = _items("outage")
    expert = _score(drill, items)
    page = next(it for it in items if it["action"] == "status_page")
    page["message"] = "Investigating: TLS handshake failures on api-lb-01 (10.1.2.3)."
    card = _score(drill, items)
    changed = {c.key for c, e in zip(card.criteria, expert.criteria, strict=True) if c.score != e.score}
    assert changed == {"communication"}
    assert any(
        e.item == "public message" and "10.1.2.3" in e.note
        for e in card.criterion("communication").deductions
    )


def test_the_cli_prints_the_rubric():
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "drill", "--rubric"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert out == rubric_markdown()
    assert all(item.title in out for item in RUBRIC)


def test_the_readme_documents_how_drills_are_scored_with_the_rubric():
    readme = (ROOT / "README.md").read_text()
    part = readme.split("## How drills are scored", 1)[1]
    assert all(item.title in part for item in RUBRIC)
    assert "Issue resolved at HH:MM UTC" in part and "bridge" in part
