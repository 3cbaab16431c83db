"""The generated log stream: realistic noise around the scenario's evidence, only up to now."""

from __future__ import annotations

from simulator.consoles.logquery import search
from simulator.consoles.logs import log_stream


def test_the_same_scenario_and_seed_give_the_same_lines(pool_scenario):
    a = log_stream(pool_scenario.scenario, 7, 900)
    b = log_stream(pool_scenario.scenario, 7, 900)
    assert a.equals(b)


def test_another_seed_gives_other_noise(pool_scenario):
    a = log_stream(pool_scenario.scenario, 7, 900)
    b = log_stream(pool_scenario.scenario, 8, 900)
    assert list(a["request_id"][:20]) != list(b["request_id"][:20])


def test_no_line_is_from_the_future_and_a_later_now_only_adds_lines(pool_scenario):
    early = log_stream(pool_scenario.scenario, 1, 400)
    late = log_stream(pool_scenario.scenario, 1, 900)
    assert early["offset"].max() <= 400
    assert late.head(len(early)).equals(early)


def test_there_is_history_before_the_scenario_starts(pool_scenario):
    frame = log_stream(pool_scenario.scenario, 1, 0)
    assert len(frame) > 100
    assert (frame["offset"] <= 0).all()


def test_the_evidence_sits_among_ordinary_noise(pool_scenario):
    frame = log_stream(pool_scenario.scenario, 1, 900)
    evidence = search(frame, '"timed out acquiring connection"').total + search(frame, '"slow query"').total
    assert evidence > 20
    assert len(frame) > 5 * evidence
    assert {"api", "worker", "auth"} <= set(frame["service"])
    assert set(frame["level"]) >= {"INFO", "WARN", "ERROR"}


def test_evidence_starts_when_the_scenario_says(pool_scenario):
    frame = log_stream(pool_scenario.scenario, 1, 900)
    slow = frame[frame["message"].str.startswith("slow query")]
    assert slow["offset"].min() >= 330  # `at: 5m30s`
    assert (slow["tenant"] == "acme-analytics").all()


def test_lines_carry_a_request_id_each(pool_scenario):
    frame = log_stream(pool_scenario.scenario, 1, 900)
    assert frame["request_id"].str.match(r"^req-[0-9a-f]{12}$").all()
    assert frame["request_id"].is_unique


def test_evidence_tied_to_an_effect_stops_when_a_mitigation_ends_it(pool_scenario):
    scenario = pool_scenario.scenario.model_copy(
        update={
            "evidence": pool_scenario.scenario.evidence.model_copy(
                update={
                    "logs": [
                        log.model_copy(update={"effect": "pool-errors"})
                        for log in pool_scenario.scenario.evidence.logs
                    ]
                }
            )
        }
    )
    ended = log_stream(scenario, 1, 1500, ended_effects={"pool-errors": 600})
    running = log_stream(scenario, 1, 1500)
    timeouts = '"timed out acquiring connection"'
    assert search(running, timeouts, start=601).total > 0
    assert search(ended, timeouts, start=601).total == 0


# --- logs agree with the metrics -----------------------------------------------------------------


def _pack():
    from pathlib import Path

    from simulator.scenario import load_scenario, scenario_files

    return [load_scenario(p) for p in scenario_files(Path(__file__).resolve().parents[2] / "scenarios")]


def _own():
    """The test-owned copies (tests/fixtures/scenarios): checks that name a scenario name one of these."""
    from simulator.scenario import load_scenario, scenario_files
    from tests.conftest import FIXTURES

    return [load_scenario(p) for p in scenario_files(FIXTURES / "scenarios")]


def _first_firing(loaded, names):
    from simulator.alerts import scenario_timeline
    from simulator.traces import generate_trace

    sc = loaded.scenario
    timeline = scenario_timeline(loaded, generate_trace(sc, sc.seed))
    times = [ep.firing_at for a in timeline.alerts if a.name in names for ep in a.episodes if ep.firing_at]
    return min(times) if times else None


def test_when_an_error_alert_fires_the_default_log_search_finds_the_errors():
    from simulator.charts import alerts_by_metric
    from simulator.consoles.logquery import DEFAULT_WINDOW, search
    from simulator.consoles.logs import error_metric

    checked = []
    for loaded in [*_pack(), *_own()]:
        sc = loaded.scenario
        pair = error_metric(sc)
        if pair is None:
            continue
        error_alerts = alerts_by_metric(loaded.rule_groups).get(pair[0], set())
        at = _first_firing(loaded, error_alerts)
        if at is None:
            continue
        frame = log_stream(sc, sc.seed, at)
        found = search(frame, f"level:ERROR AND service:{sc.service}", start=at - DEFAULT_WINDOW, end=at)
        # More than the background's odd webhook failure: the failures the alert is about.
        assert found.total >= 5, f"{sc.id}: {found.total} error lines in the 15 minutes before {at:g}s"
        checked.append(sc.id)
    # Not vacuous: the test-owned outage, bad deploy and WAF incidents each have such an alert.
    assert {"outage", "bad-deploy", "waf-escalation"} <= set(checked)


def test_access_log_failures_follow_the_error_rate_and_stop_when_the_fix_ends_the_effect():
    from simulator.consoles.logquery import search

    loaded = next(s for s in _own() if s.scenario.id == "outage")
    sc = loaded.scenario
    frame = log_stream(sc, sc.seed, 1200.0)
    before = search(frame, "status:[500 TO 599]", start=0, end=300).total
    during = search(frame, "status:[500 TO 599]", start=900, end=1200).total
    assert during > 20 * max(before, 1)  # every request fails during the outage
    effect = next(e for e in sc.incident if e.id and "error" in e.metric)
    fixed = log_stream(sc, sc.seed, 1200.0, ended_effects={effect.id: 900.0})
    assert search(fixed, "status:[500 TO 599]", start=960, end=1200).total <= before + 2


def test_every_example_query_on_the_log_console_returns_hits():
    from simulator.consoles.logquery import DEFAULT_WINDOW, example_queries, search

    for loaded in _pack():
        sc = loaded.scenario
        for now in (0.0, sc.clock.duration / 3, sc.clock.duration):
            frame = log_stream(sc, sc.seed, now)
            examples = example_queries(frame, sc.service, now - DEFAULT_WINDOW, now)
            assert len(examples) >= 4, sc.id
            for q in examples:
                assert search(frame, q, start=now - DEFAULT_WINDOW, end=now).total >= 1, (sc.id, now, q)
