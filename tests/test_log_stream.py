"""The generated log stream: realistic noise around the scenario's evidence, only up to now."""

from __future__ import annotations

from simulator.consoles.logquery import search
from simulator.consoles.logs import log_stream


def test_the_same_scenario_and_seed_give_the_same_lines(seed_scenario):
    a = log_stream(seed_scenario.scenario, 7, 900)
    b = log_stream(seed_scenario.scenario, 7, 900)
    assert a.equals(b)


def test_another_seed_gives_other_noise(seed_scenario):
    a = log_stream(seed_scenario.scenario, 7, 900)
    b = log_stream(seed_scenario.scenario, 8, 900)
    assert list(a["request_id"][:20]) != list(b["request_id"][:20])


def test_no_line_is_from_the_future_and_a_later_now_only_adds_lines(seed_scenario):
    early = log_stream(seed_scenario.scenario, 1, 400)
    late = log_stream(seed_scenario.scenario, 1, 900)
    assert early["offset"].max() <= 400
    assert late.head(len(early)).equals(early)


def test_there_is_history_before_the_scenario_starts(seed_scenario):
    frame = log_stream(seed_scenario.scenario, 1, 0)
    assert len(frame) > 100
    assert (frame["offset"] <= 0).all()


def test_the_evidence_sits_among_ordinary_noise(seed_scenario):
    frame = log_stream(seed_scenario.scenario, 1, 900)
    evidence = search(frame, '"timed out acquiring connection"').total + search(frame, '"slow query"').total
    assert evidence > 20
    assert len(frame) > 5 * evidence
    assert {"api", "worker", "auth"} <= set(frame["service"])
    assert set(frame["level"]) >= {"INFO", "WARN", "ERROR"}


def test_evidence_starts_when_the_scenario_says(seed_scenario):
    frame = log_stream(seed_scenario.scenario, 1, 900)
    slow = frame[frame["message"].str.startswith("slow query")]
    assert slow["offset"].min() >= 330  # `at: 5m30s`
    assert (slow["tenant"] == "acme-analytics").all()


def test_lines_carry_a_request_id_each(seed_scenario):
    frame = log_stream(seed_scenario.scenario, 1, 900)
    assert frame["request_id"].str.match(r"^req-[0-9a-f]{12}$").all()
    assert frame["request_id"].is_unique


def test_evidence_tied_to_an_effect_stops_when_a_mitigation_ends_it(seed_scenario):
    scenario = seed_scenario.scenario.model_copy(
        update={
            "evidence": seed_scenario.scenario.evidence.model_copy(
                update={
                    "logs": [
                        log.model_copy(update={"effect": "pool-errors"})
                        for log in seed_scenario.scenario.evidence.logs
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
