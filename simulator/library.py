"""Browsing the scenario pack: search and filters, dashboard panels, incident windows.

Owns what the Scenario library shows about a scenario without giving the answer away to a
trainee; the page decides who sees the incident windows.
"""

from __future__ import annotations

from collections.abc import Sequence

from .scenario import LoadedScenario, Scenario
from .spoilers import trainee_title


def filter_scenarios(
    scenarios: Sequence[LoadedScenario],
    query: str = "",
    tags: Sequence[str] = (),
    difficulty: tuple[int, int] = (1, 5),
    *,
    trainee: bool = False,
) -> list[LoadedScenario]:
    """Scenarios whose text matches every word of `query`, carrying all `tags`, within the
    difficulty range; ordered by difficulty, then title. For a `trainee` only what a trainee
    sees is searched (briefing title and briefing): a search for "leak" must not single out the
    leak scenario."""
    words = [w for w in query.lower().split() if w]
    wanted = set(tags)
    out = []
    for loaded in scenarios:
        sc = loaded.scenario
        if trainee:
            haystack = " ".join([trainee_title(sc), sc.briefing]).lower()
        else:
            haystack = " ".join([sc.id, sc.title, sc.summary, " ".join(sc.tags)]).lower()
        if not all(w in haystack for w in words):
            continue
        if not wanted.issubset(sc.tags):
            continue
        if not difficulty[0] <= sc.difficulty <= difficulty[1]:
            continue
        out.append(loaded)
    title = trainee_title if trainee else (lambda sc: sc.title)
    return sorted(out, key=lambda s: (s.scenario.difficulty, title(s.scenario)))


def before_incident(scenario: Scenario) -> float | None:
    """Where a trainee's preview of the traces stops: the start of the first incident effect
    (None when the scenario has none). What happens after it is the drill itself."""
    starts = [e.start for e in scenario.incident]
    return min(starts) if starts else None


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
