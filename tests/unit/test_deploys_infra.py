"""Deploy history and revert, infrastructure and vendor status, and the Production Health board."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.consoles import ConsoleWorld, deploys, infrastructure
from simulator.consoles import dashboards as boards
from simulator.traces import generate_trace


@pytest.fixture(scope="module")
def trace(pool_scenario):
    return generate_trace(pool_scenario.scenario, seed=1)


def world(pool_scenario, trace, now=600.0, **kw) -> ConsoleWorld:
    return ConsoleWorld(pool_scenario, trace, now, 1, **kw)


def test_git_log_shows_the_scenarios_deploys_among_ordinary_commits_newest_first(pool_scenario, trace):
    commits = deploys.history(world(pool_scenario, trace))
    shorts = [c.short for c in commits]
    assert "9f2c1e4" in shorts and "41d7a02" in shorts
    assert len(commits) >= 6
    assert [c.at for c in commits] == sorted((c.at for c in commits), reverse=True)
    text = deploys.run_git(world(pool_scenario, trace), "git log --oneline").text
    assert text.splitlines()[0].startswith(commits[0].short)


def test_git_log_never_shows_a_deploy_from_the_future(pool_scenario, trace):
    sc = pool_scenario.scenario
    later = sc.evidence.model_copy(
        update={
            "deploys": [
                *sc.evidence.deploys,
                sc.evidence.deploys[0].model_copy(update={"at": 900.0, "sha": "abcdef1"}),
            ]
        }
    )
    loaded = pool_scenario.model_copy(update={"scenario": sc.model_copy(update={"evidence": later})})
    assert "abcdef1" not in deploys.run_git(world(loaded, trace, now=600), "git log --oneline").text
    assert "abcdef1" in deploys.run_git(world(loaded, trace, now=901), "git log --oneline").text


def test_git_show_prints_the_changed_files(pool_scenario, trace):
    text = deploys.run_git(world(pool_scenario, trace), "git show 9f2c1e4").text
    assert "api/exports.py" in text and "Sam Okafor" in text


def test_reverting_the_suspect_deploy_is_its_mitigation(pool_scenario, trace):
    result = deploys.run_git(world(pool_scenario, trace), "git revert 9f2c1e4")
    assert result.error is None
    assert result.action.mitigation == "revert-exports"
    assert result.action.sha.startswith("9f2c1e4")


def test_reverting_an_ordinary_commit_stands_for_no_mitigation(pool_scenario, trace):
    ordinary = next(c for c in deploys.history(world(pool_scenario, trace)) if c.deploy is None)
    result = deploys.revert(world(pool_scenario, trace), ordinary.short)
    assert result.action is not None
    assert result.action.mitigation is None


def test_a_revert_appears_in_the_log_and_cannot_be_repeated(pool_scenario, trace):
    w = world(pool_scenario, trace, now=700, mitigations=((650.0, "revert-exports"),))
    top = deploys.history(w)[0]
    assert top.message.startswith('Revert "Add bulk export endpoint')
    assert top.at == 650.0
    assert "already reverted" in deploys.run_git(w, "revert 9f2c1e4").error


def test_unknown_revisions_and_commands_give_git_like_errors(pool_scenario, trace):
    w = world(pool_scenario, trace)
    assert deploys.run_git(w, "git revert 0000000").error.startswith("fatal: bad revision")
    assert "not available" in deploys.run_git(w, "git push --force").error


def test_a_component_is_degraded_only_from_its_since(pool_scenario, trace):
    before = {c.component: c for c in infrastructure.components(world(pool_scenario, trace, now=300))}
    after = {c.component: c for c in infrastructure.components(world(pool_scenario, trace, now=600))}
    assert before["rds-primary"].status == "operational"
    assert after["rds-primary"].status == "degraded"
    assert "100 of 100" in after["rds-primary"].message


def test_the_aws_view_always_has_compute_database_storage_keys_and_dns(pool_scenario, trace):
    kinds = {c.kind for c in infrastructure.components(world(pool_scenario, trace))}
    assert {"compute", "database", "storage", "kms", "dns"} <= kinds


def test_problems_are_listed_first(pool_scenario, trace):
    views = infrastructure.components(world(pool_scenario, trace, now=600))
    assert not views[0].healthy
    assert all(v.healthy for v in views[1:])


def test_third_party_pages_come_from_the_scenario(pool_scenario, trace):
    names = [v.name for v in infrastructure.vendors(world(pool_scenario, trace))]
    assert names == ["Stripe", "AWS us-east-1"]


def test_the_board_has_the_five_panels_in_reading_order(pool_scenario):
    titles = [p.title for p in boards.production_health(pool_scenario)]
    assert titles == ["Traffic", "Errors", "Latency (P95)", "Connection pool", "CPU / memory"]


def test_the_pool_panel_carries_the_alert_threshold_and_counters_are_drawn_as_rates(pool_scenario):
    panels = {p.title: p for p in boards.production_health(pool_scenario)}
    assert [(t.alert, t.value) for t in panels["Connection pool"].thresholds] == [
        ("DBConnectionPoolHigh", 0.8)
    ]
    assert panels["Traffic"].queries[0].expr.startswith("rate(http_requests_total")


def test_the_pool_panel_is_past_its_threshold_during_the_incident_but_not_before(pool_scenario, trace):
    pool = next(p for p in boards.production_health(pool_scenario) if p.title == "Connection pool")
    early = boards.panel_lines(world(pool_scenario, trace, now=240), pool, 900)
    late = boards.panel_lines(world(pool_scenario, trace, now=600), pool, 900)
    assert boards.breached(pool, early) == []
    assert [t.alert for t in boards.breached(pool, late)] == ["DBConnectionPoolHigh"]


def test_panels_never_draw_past_now(pool_scenario, trace):
    w = world(pool_scenario, trace, now=600)
    lines = boards.panel_lines(w, boards.production_health(pool_scenario)[0], 1800)
    assert max(lines[0].times) <= w.wall_now


def test_explore_runs_promql_over_the_trace(pool_scenario, trace):
    lines = boards.evaluate_lines(world(pool_scenario, trace), "sum(rate(http_requests_total[5m])) * 60", 900)
    assert len(lines) == 1
    assert np.nanmax(lines[0].values) > 1500  # the bulk job's 2,000+ queries a minute


def test_explore_reports_a_bad_expression(pool_scenario, trace):
    from simulator.promql import PromQLError

    with pytest.raises(PromQLError):
        boards.evaluate_lines(world(pool_scenario, trace), "rate(http_requests_total[5m]", 900)


def test_a_component_tied_to_an_effect_recovers_when_a_mitigation_ends_it(pool_scenario, trace):
    sc = pool_scenario.scenario
    infra = [
        c.model_copy(update={"effect": "slow-queries"}) if c.component == "rds-primary" else c
        for c in sc.evidence.infrastructure
    ]
    loaded = pool_scenario.model_copy(
        update={
            "scenario": sc.model_copy(
                update={"evidence": sc.evidence.model_copy(update={"infrastructure": infra})}
            )
        }
    )
    fixed = world(loaded, trace, now=900, mitigations=((700.0, "kill-query"),))
    running = world(loaded, trace, now=900)
    assert {c.component: c.status for c in infrastructure.components(fixed)}["rds-primary"] == "operational"
    assert {c.component: c.status for c in infrastructure.components(running)}["rds-primary"] == "degraded"
