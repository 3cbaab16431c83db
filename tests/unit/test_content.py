"""Finished content: the text every built-in scenario and exercise generates has no unfilled
placeholders, trainee feedback never shows an internal id, and no scenario, runbook or data file
points at a real-looking external host (only example.com-style ones)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import BaseModel

from simulator.alerts import scenario_timeline
from simulator.exercises import (
    ItemResult,
    alert_catalogue,
    escalation_quiz,
    false_positives,
    grade_quiz,
    handoff,
    item_label,
    pager,
    service_map,
    shadow,
    traffic_reading,
)
from simulator.scenario import load_scenario, scenario_files
from simulator.traces import generate_trace
from tests.helpers import ROOT

PACK = {p.stem: load_scenario(p) for p in scenario_files(ROOT / "scenarios")}

# An unfilled slot: a Go template left in, a lone ellipsis standing for a word ("API …",
# "… hosts run a version affected by …"), or a writer's marker. An ellipsis glued to a word
# ("ak_live_7f3c…", a redacted key) is deliberate.
PLACEHOLDER = re.compile(
    r"\{\{|\}\}|(?:^|\s)…(?:\s|$|[.,:;])|\bTODO\b|\bTBD\b|\bFIXME\b|lorem ipsum|<placeholder>"
)
# Hosts a training tool may name: RFC 2606/6761 reserved names, the .internal private TLD, and
# bare single-label hosts (api-1, db-proxy) that no one can resolve on the internet.
ALLOWED_HOST = re.compile(
    r"(^|\.)example\.(com|net|org)$|\.(example|test|invalid|localhost|internal)$|^[^.]+$"
)
URL = re.compile(r"https?://[^\s\"'<>)`\]]+")


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a value: dataclasses, pydantic models, mappings and sequences."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        yield from strings_in(value.model_dump())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from strings_in({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from strings_in(v)


def _placeholders(texts: Iterator[str]) -> list[str]:
    return [t for t in texts if PLACEHOLDER.search(t)]


@pytest.mark.parametrize("sid", sorted(PACK))
def test_a_scenarios_own_and_generated_text_has_no_unfilled_placeholder(sid):
    loaded = PACK[sid]
    sc = loaded.scenario
    # The file's words, minus the alert templates (rendered below, as the trainee reads them).
    written = sc.model_dump(exclude={"rules"})
    rendered = [
        text
        for alert in scenario_timeline(loaded, generate_trace(sc, sc.seed)).alerts
        for ep in alert.episodes
        for text in (getattr(ep, "annotations", None) or {}).values()
    ]
    assert rendered, f"{sid}: no alert ever fires"
    assert _placeholders(strings_in(written)) == []
    assert _placeholders(iter(rendered)) == []


def test_generated_exercise_material_has_no_unfilled_placeholder():
    trace = traffic_reading.day_of_traffic(7)
    material: list[Any] = [
        service_map.service_map_questions(),
        traffic_reading.error_budget_questions(trace),
        traffic_reading.dashboard_questions(trace),
        alert_catalogue.alert_catalogue(PACK),
        alert_catalogue.alert_quiz_questions(alert_catalogue.alert_catalogue(PACK), 7),
        alert_catalogue.severity_questions(),
        false_positives.false_positive_questions(),
        pager.PAGER_CASES,
        escalation_quiz.escalation_questions(),
        shadow.generate_shift(7),
        handoff.simulated_week(7),
    ]
    found = _placeholders(strings_in(material))
    assert found == []


def test_the_alert_catalogue_reads_templates_as_words():
    # A test-owned copy of the disclosed-vulnerability incident: the template read is its own.
    own = load_scenario(ROOT / "tests" / "fixtures" / "scenarios" / "vulnerability.yaml")
    entry = next(
        e
        for e in alert_catalogue.alert_catalogue({"vulnerability": own})
        if e.alert == "CriticalVulnerabilityDetected"
    )
    assert entry.summary == "N hosts run a version affected by the CVE"


def test_feedback_names_items_in_words_never_by_internal_id():
    qs = service_map.service_map_questions()
    result = grade_quiz("day1.service_map", qs, {})
    assert item_label(result.items[0]) == qs[0].prompt
    assert item_label(ItemResult("day4.communication", True, 1.0, "")) == "Communication"
    assert item_label(ItemResult("phase.2", True, 1.0, "")) == "Phase 2"
    assert item_label(ItemResult("incidents_in_notes", True, 1.0, "")) == "Incidents in notes"
    internal = re.compile(r"^[a-z0-9_]+\.[a-z0-9_.]+$")
    for label in (item_label(i) for i in result.items):
        assert not internal.match(label), label


def _content_files() -> list[Path]:
    folders = [ROOT / "scenarios", ROOT / "data"]
    return sorted(
        p
        for f in folders
        for p in f.rglob("*")
        if p.suffix in (".yaml", ".yml", ".md", ".txt") and p.is_file()
    )


def test_no_real_looking_external_host_in_scenarios_runbooks_or_data():
    offenders = []
    for path in _content_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # A scenario's `source: url:` cites the public postmortem it is modelled on (shown to
            # trainers only): a real reference on purpose.
            if re.match(r"^\s+url:\s", line) and path.parent.name == "scenarios":
                continue
            for url in URL.findall(line):
                host = (urlsplit(url).hostname or "").lower()
                if not ALLOWED_HOST.search(host):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {url}")
    assert offenders == []


def test_generated_log_lines_use_example_domains_and_documentation_addresses():
    from simulator.consoles.logs import log_stream

    documentation = re.compile(r"^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$")
    for sid in ("db-pool-exhaustion", "security-breach-leaked-key"):
        sc = PACK[sid].scenario
        frame = log_stream(sc, sc.seed, sc.clock.duration)
        emails = {e for m in frame["message"] for e in re.findall(r"[\w.+-]+@[\w.-]+", m)}
        assert emails and all(e.endswith(".example.com") for e in emails), sorted(emails)[:5]
        # The generated lines only: a scenario's evidence may name its attacker's address on purpose.
        evidence = {str(v) for ev in sc.evidence.logs for v in ev.fields.values()}
        ips = set(frame["client_ip"].dropna()) - evidence
        assert ips and all(documentation.match(ip) for ip in ips), sorted(ips)[:5]
