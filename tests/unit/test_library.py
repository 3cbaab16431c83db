"""Browsing the pack: search, tag and difficulty filters; panels; incident windows."""

from __future__ import annotations

from simulator.library import filter_scenarios, incident_windows, panels
from simulator.scenario import load_scenario, scenario_files
from tests.conftest import FIXTURES

# The test-owned scenarios (copies of shipped incidents under other ids), browsed as a pack: the
# matches these tests expect are the fixtures', so a trainer's edit to the shipped pack moves none.
PACK = [load_scenario(p) for p in scenario_files(FIXTURES / "scenarios")]


def ids(found) -> list[str]:
    return [s.scenario.id for s in found]


def test_search_matches_every_word_in_title_summary_or_tags():
    assert ids(filter_scenarios(PACK, query="connection pool")) == ["pool-exhaustion"]
    assert "outage" in ids(filter_scenarios(PACK, query="TLS"))
    assert filter_scenarios(PACK, query="pool kubernetes") == []


def test_tag_filter_needs_all_chosen_tags():
    found = filter_scenarios(PACK, tags=["false-positive"])
    assert "false-alarm" in ids(found)
    assert all("false-positive" in s.scenario.tags for s in found)
    assert ids(filter_scenarios(PACK, tags=["false-positive", "monitoring"])) == ["false-alarm"]


def test_difficulty_range_filters_and_results_are_ordered_by_difficulty():
    easy = filter_scenarios(PACK, difficulty=(1, 2))
    assert easy and all(s.scenario.difficulty <= 2 for s in easy)
    diffs = [s.scenario.difficulty for s in filter_scenarios(PACK)]
    assert diffs == sorted(diffs)


def test_panels_group_series_in_scenario_order():
    seed = next(s for s in PACK if s.scenario.id == "pool-exhaustion").scenario
    p = panels(seed)
    assert next(iter(p)) == "Traffic"
    assert p["Connection pool"] == [
        'db_connections_active{db="primary",service="api"}',
        'db_connection_pool_utilization{db="primary",service="api"}',
    ]


def test_incident_windows_run_to_the_end_when_an_effect_has_no_end():
    seed = next(s for s in PACK if s.scenario.id == "pool-exhaustion").scenario
    windows = incident_windows(seed)
    assert windows[0] == (300.0, 2700.0, "surge on http_requests_total")
    assert (300.0, 480.0, "ramp on db_connections_active") in windows
