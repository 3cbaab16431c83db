"""The trace generator: deterministic, independent per series, and each effect has its shape."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.scenario import Scenario
from simulator.traces import generate_trace


def scenario(metrics: list[dict], incident: list[dict] | None = None, **clock) -> Scenario:
    return Scenario.model_validate(
        {
            "id": "test-scenario",
            "title": "Test scenario",
            "summary": "s",
            "difficulty": 1,
            "clock": {"start": "2026-03-10T14:00:00Z", "duration": "1h", "step": "15s", **clock},
            "seed": 7,
            "metrics": metrics,
            "incident": incident or [],
            "rules": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "x > 1"}]}]},
            "answer": {"real": True, "severity": "LOW", "title": "t", "root_cause": "r"},
        }
    )


def values(trace, name: str) -> np.ndarray:
    [s] = trace.by_name(name)
    return s.values


GAUGE = {"name": "x", "baseline": 10.0, "noise": {"sigma": 0.05, "phi": 0.8}}


def test_same_scenario_and_seed_give_identical_traces(pool_scenario):
    a = generate_trace(pool_scenario.scenario)
    b = generate_trace(pool_scenario.scenario)
    assert a.to_csv() == b.to_csv()
    assert a.to_openmetrics() == b.to_openmetrics()


def test_a_different_seed_gives_a_different_variant(pool_scenario):
    a = generate_trace(pool_scenario.scenario, seed=1)
    b = generate_trace(pool_scenario.scenario, seed=2)
    assert a.to_csv() != b.to_csv()


def test_adding_a_metric_leaves_the_others_unchanged():
    one = generate_trace(scenario([GAUGE]))
    two = generate_trace(scenario([{"name": "aaa_first", "baseline": 3, "noise": {"sigma": 0.2}}, GAUGE]))
    assert np.array_equal(values(one, "x"), values(two, "x"))


def test_noise_is_ar1_with_the_requested_spread():
    s = scenario([{"name": "x", "baseline": 100.0, "noise": {"sigma": 0.05, "phi": 0.9}}], duration="2d")
    v = values(generate_trace(s), "x")
    rel = v / 100.0 - 1
    assert 0.03 < rel.std() < 0.07
    lag1 = np.corrcoef(rel[:-1], rel[1:])[0, 1]
    assert 0.8 < lag1 < 0.97


def test_daily_cycle_peaks_at_the_configured_hour():
    s = scenario(
        [{"name": "x", "baseline": 100.0, "daily": {"amplitude": 0.5, "peak": "18:00"}}], duration="1d"
    )
    tr = generate_trace(s)
    peak_offset = tr.offsets[np.argmax(values(tr, "x"))]
    assert abs((14 * 3600 + peak_offset) % 86400 - 18 * 3600) <= 15


def test_counter_is_monotonic_and_its_rate_matches_the_baseline():
    s = scenario([{"name": "req_total", "kind": "counter", "baseline": 20.0}])
    v = values(generate_trace(s), "req_total")
    assert np.all(np.diff(v) >= 0)
    assert v[-1] / 3600 == pytest.approx(20.0, rel=0.05)


def test_step_changes_the_level_only_inside_its_window():
    s = scenario(
        [{"name": "x", "baseline": 10.0}],
        [{"metric": "x", "effect": "step", "start": "10m", "end": "20m", "to": 50}],
    )
    tr = generate_trace(s)
    v = values(tr, "x")
    inside = (tr.offsets >= 600) & (tr.offsets < 1200)
    assert np.all(v[inside] == 50) and np.all(v[~inside] == 10)


def test_ramp_rises_linearly_then_holds():
    s = scenario(
        [{"name": "x", "baseline": 0.0}],
        [{"metric": "x", "effect": "ramp", "start": "10m", "end": "20m", "to": 100}],
    )
    tr = generate_trace(s)
    v = values(tr, "x")
    assert v[tr.offsets == 900][0] == pytest.approx(50)
    assert np.all(v[tr.offsets >= 1200] == 100)


def test_spike_peaks_in_the_middle_of_its_window_and_returns():
    s = scenario(
        [{"name": "x", "baseline": 1.0}],
        [{"metric": "x", "effect": "spike", "start": "10m", "end": "12m", "to": 9}],
    )
    tr = generate_trace(s)
    v = values(tr, "x")
    assert v.max() == pytest.approx(9) and tr.offsets[np.argmax(v)] == 660
    assert v[tr.offsets == 720][0] == pytest.approx(1) and v[-1] == 1


def test_pool_plateaus_exactly_at_its_limit():
    metric = {"name": "pool", "baseline": 20.0, "noise": {"sigma": 0.1}, "limits": {"min": 0, "max": 100}}
    s = scenario(
        [metric], [{"metric": "pool", "effect": "plateau", "start": "10m", "end": "30m", "rise": "1m"}]
    )
    tr = generate_trace(s)
    v = values(tr, "pool")
    full = (tr.offsets >= 660) & (tr.offsets < 1800)
    assert np.all(v[full] == 100)
    assert v.max() == 100


def test_derived_pool_is_clipped_at_the_pool_size_under_a_surge():
    metrics = [
        {"name": "req_total", "kind": "counter", "baseline": 10.0},
        {"name": "pool", "derive": {"model": "pool", "traffic": "req_total", "query_time": 2.0, "size": 50}},
    ]
    s = scenario(
        metrics, [{"metric": "req_total", "effect": "surge", "start": "10m", "factor": 5, "rise": "30s"}]
    )
    tr = generate_trace(s)
    v = values(tr, "pool")
    assert v[tr.offsets < 600].mean() == pytest.approx(20, rel=0.15)
    assert v.max() == 50 and np.all(v <= 50)


def test_outage_leaves_no_samples_and_writes_one_stale_marker():
    s = scenario(
        [GAUGE], [{"metric": "x", "effect": "outage", "start": "10m", "end": "15m", "mode": "stale"}]
    )
    tr = generate_trace(s)
    [x] = tr.by_name("x")
    gone = (tr.offsets >= 600) & (tr.offsets < 900)
    assert not x.present[gone].any() and x.present[~gone].all()
    assert x.stale.sum() == 1 and x.stale[tr.offsets == 600][0]


def test_missing_outage_leaves_gaps_without_a_stale_marker():
    s = scenario(
        [GAUGE], [{"metric": "x", "effect": "outage", "start": "10m", "end": "15m", "mode": "missing"}]
    )
    [x] = generate_trace(s).by_name("x")
    assert (~x.present).sum() == 20 and not x.stale.any()


def test_leak_is_a_sawtooth_that_restarts_every_period():
    s = scenario(
        [{"name": "mem", "baseline": 1.0}],
        [{"metric": "mem", "effect": "leak", "start": "0s", "to": 5, "period": "20m"}],
    )
    tr = generate_trace(s)
    v = values(tr, "mem")
    drops = np.flatnonzero(np.diff(v) < -1) + 1
    assert list(tr.offsets[drops]) == [1200.0, 2400.0, 3600.0]
    assert v[tr.offsets == 1185][0] > 4.9


def test_leak_on_a_counter_resets_it_at_each_restart():
    s = scenario(
        [{"name": "c_total", "kind": "counter", "baseline": 10.0}],
        [{"metric": "c_total", "effect": "leak", "start": "0s", "to": 10, "period": "20m"}],
    )
    tr = generate_trace(s)
    v = values(tr, "c_total")
    resets = np.flatnonzero(np.diff(v) < 0) + 1
    assert list(tr.offsets[resets]) == [1200.0, 2400.0, 3600.0]


def test_flap_alternates_between_normal_and_the_target():
    s = scenario(
        [{"name": "x", "baseline": 0.0}],
        [
            {
                "metric": "x",
                "effect": "flap",
                "start": "10m",
                "end": "30m",
                "to": 1,
                "period": "4m",
                "duty": 0.5,
            }
        ],
    )
    tr = generate_trace(s)
    v = values(tr, "x")
    window = (tr.offsets >= 600) & (tr.offsets < 1800)
    assert set(v[window]) == {0.0, 1.0}
    assert np.count_nonzero(np.diff(v[window]) != 0) == 9
    assert np.all(v[~window] == 0)


def test_surge_multiplies_traffic_and_eases_back_after_its_end():
    s = scenario(
        [{"name": "rps", "baseline": 10.0}],
        [
            {
                "metric": "rps",
                "effect": "surge",
                "start": "10m",
                "end": "20m",
                "factor": 4,
                "rise": "1m",
                "decay": "2m",
            }
        ],
    )
    tr = generate_trace(s)
    v = values(tr, "rps")
    assert v[tr.offsets == 900][0] == pytest.approx(40)
    assert v[tr.offsets == 1260][0] == pytest.approx(25)
    assert v[tr.offsets == 1500][0] == pytest.approx(10)


def test_effects_can_overlap():
    s = scenario(
        [{"name": "x", "baseline": 10.0}],
        [
            {"metric": "x", "effect": "step", "start": "10m", "end": "30m", "factor": 2},
            {"metric": "x", "effect": "spike", "start": "18m", "end": "22m", "factor": 3},
        ],
    )
    tr = generate_trace(s)
    assert values(tr, "x")[tr.offsets == 1200][0] == pytest.approx(60)


def test_error_fraction_follows_traffic(pool_scenario):
    tr = generate_trace(pool_scenario.scenario)
    req = values(tr, "http_requests_total")
    err = values(tr, "http_request_errors_total")
    late = tr.offsets >= 600
    ratio = np.diff(err[late]).sum() / np.diff(req[late]).sum()
    assert ratio == pytest.approx(0.008, rel=0.2)


def test_the_future_is_cut_off(pool_scenario):
    tr = generate_trace(pool_scenario.scenario).until(300)
    assert tr.offsets[-1] == 300 and all(len(s.values) == len(tr) for s in tr)


def test_csv_export_has_one_column_per_series(pool_scenario):
    import csv
    import io

    sc = pool_scenario.scenario
    rows = list(csv.reader(io.StringIO(generate_trace(sc).to_csv())))
    assert rows[0][0] == "time" and len(rows[0]) == 1 + len(sc.metrics)
    assert 'db_connections_active{db="primary",service="api"}' in rows[0]
    assert len(rows) == 1 + sc.clock.ticks  # a header, then one row per sample step


def test_failures_are_drawn_from_real_requests_so_they_never_outnumber_them():
    metrics = [
        {"name": "req_total", "kind": "counter", "baseline": 5.0},
        {
            "name": "err_total",
            "kind": "counter",
            "baseline": 0.01,
            "derive": {"model": "fraction", "of": "req_total"},
        },
    ]
    s = scenario(metrics, [{"metric": "err_total", "effect": "step", "start": "30m", "to": 1.0}])
    tr = generate_trace(s)
    req, err = np.diff(values(tr, "req_total")), np.diff(values(tr, "err_total"))
    assert np.all(err <= req)
    late = tr.offsets[1:] > 1800
    assert np.array_equal(err[late], req[late])
