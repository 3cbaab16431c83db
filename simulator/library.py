"""Browsing the scenario pack: search and filters, dashboard panels, incident windows.

Owns what the Scenario library shows about a scenario without giving the answer away to a
trainee; the page decides who sees the incident windows.
"""

from __future__ import annotations

from collections.abc import Sequence

from .scenario import LoadedScenario, Scenario


def filter_scenarios(
    scenarios: Sequence[LoadedScenario],
    query: str = "",
    tags: Sequence[str] = (),
    difficulty: tuple[int, int] = (1, 5),
) -> list[LoadedScenario]:
    """Scenarios whose text matches every word of `query`, carrying all `tags`, within the
    difficulty range; ordered by difficulty, then title."""
    words = [w for w in query.lower().split() if w]
    wanted = set(tags)
    out = []
    for loaded in scenarios:
        sc = loaded.scenario
        haystack = " ".join([sc.id, sc.title, sc.summary, " ".join(sc.tags)]).lower()
        if not all(w in haystack for w in words):
            continue
        if not wanted.issubset(sc.tags):
            continue
        if not difficulty[0] <= sc.difficulty <= difficulty[1]:
            continue
        out.append(loaded)
    return sorted(out, key=lambda s: (s.scenario.difficulty, s.scenario.title))


def panels(scenario: Scenario) -> dict[str, list[str]]:
    """Series keys grouped by dashboard panel, in the order the scenario lists them; a metric
    without a panel gets one named after it."""
    out: dict[str, list[str]] = {}
    for m in scenario.metrics:
        out.setdefault(m.panel or m.name, []).append(m.key)
    return out


def incident_windows(scenario: Scenario) -> list[tuple[float, float, str]]:
    """(start, end, label) of every incident effect, in seconds from the scenario start."""
    horizon = scenario.clock.duration
    return [
        (e.start, horizon if e.end is None else min(e.end, horizon), f"{e.effect} on {e.metric}")
        for e in scenario.incident
    ]
