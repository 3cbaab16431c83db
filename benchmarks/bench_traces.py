"""Trace generation speed: 24 h at 1 s step, 20 metrics with incidents, against a numpy floor.

The floor does the least work any generator must: for each of the 20 series, draw the noise,
run the AR(1) filter and add a daily cycle. Target: generation ≤ 3× the floor and ≤ 150 ms median.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from simulator.scenario import Scenario
from simulator.traces import generate_trace

from .common import median_ms, save, timed

N_METRICS = 20


def big_scenario(duration: str = "24h", step: str = "1s", n_metrics: int = N_METRICS) -> Scenario:
    """A day of a service: traffic, errors, latency, pool, CPU plus more gauges, several incidents."""
    metrics: list[dict] = [
        {
            "name": "http_requests_total",
            "labels": {"service": "api"},
            "kind": "counter",
            "baseline": 30,
            "daily": {"amplitude": 0.3},
            "noise": {"sigma": 0.05, "phi": 0.8},
        },
        {
            "name": "http_request_errors_total",
            "labels": {"service": "api"},
            "kind": "counter",
            "baseline": 0.001,
            "derive": {"model": "fraction", "of": "http_requests_total"},
        },
        {
            "name": "latency_p95_seconds",
            "derive": {
                "model": "latency",
                "load": "http_requests_total",
                "capacity": 80,
                "base": 0.08,
                "timeout": 30,
            },
            "noise": {"sigma": 0.05},
        },
        {
            "name": "db_pool",
            "derive": {"model": "pool", "traffic": "http_requests_total", "query_time": 0.5, "size": 100},
            "noise": {"sigma": 0.05},
        },
        {
            "name": "cpu",
            "derive": {"model": "cpu", "load": "http_requests_total", "capacity": 100},
            "noise": {"sigma": 0.03},
        },
    ]
    for i in range(n_metrics - len(metrics)):
        metrics.append(
            {
                "name": f"gauge_{i:02d}",
                "labels": {"instance": f"host-{i}"},
                "baseline": 50 + i,
                "daily": {"amplitude": 0.2},
                "noise": {"sigma": 0.04, "phi": 0.9},
            }
        )
    incident = [
        {"metric": "http_requests_total", "effect": "surge", "start": "10h", "end": "11h", "factor": 3},
        {"metric": "db_pool", "effect": "plateau", "start": "10h10m", "end": "10h50m", "limit": 100},
        {
            "metric": "http_request_errors_total",
            "effect": "step",
            "start": "10h15m",
            "end": "10h45m",
            "to": 0.02,
        },
        {"metric": "gauge_00", "effect": "leak", "start": "0s", "to": 90, "period": "6h"},
        {"metric": "gauge_01", "effect": "flap", "start": "2h", "end": "3h", "factor": 2, "period": "5m"},
        {"metric": "gauge_02", "effect": "outage", "start": "5h", "end": "5h10m"},
        {"metric": "gauge_03", "effect": "ramp", "start": "12h", "end": "18h", "factor": 1.5},
        {"metric": "gauge_04", "effect": "spike", "start": "20h", "end": "20h5m", "factor": 4},
    ]
    return Scenario.model_validate(
        {
            "id": "bench-day",
            "title": "Benchmark day",
            "summary": "s",
            "difficulty": 1,
            "clock": {"start": "2026-03-10T00:00:00Z", "duration": duration, "step": step},
            "seed": 1,
            "metrics": metrics,
            "incident": incident,
            "rules": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "cpu > 0.9"}]}]},
            "answer": {"real": True, "severity": "LOW", "title": "t", "root_cause": "r"},
        }
    )


def numpy_floor(n: int, n_metrics: int = N_METRICS) -> None:
    t = np.arange(n, dtype=np.float64)
    daily = 1.0 + 0.2 * np.cos(2 * np.pi * t / 86400)
    rng = np.random.default_rng(1)
    for _ in range(n_metrics):
        e = rng.standard_normal(n) * 0.04
        ar, _ = lfilter([1.0], [1.0, -0.9], e, zi=np.array([0.0]))
        _ = 50.0 * daily * (1.0 + ar)


def main() -> dict:
    scenario = big_scenario()
    n = scenario.clock.ticks
    gen = timed(lambda: generate_trace(scenario), repeat=9)
    floor = timed(lambda: numpy_floor(n), repeat=9)
    result = {
        "samples_per_series": n,
        "series": N_METRICS,
        "generate_median_ms": round(median_ms(gen), 1),
        "floor_median_ms": round(median_ms(floor), 1),
        "ratio_to_floor": round(median_ms(gen) / median_ms(floor), 2),
        "targets": "ratio <= 3, median <= 150 ms",
    }
    result["met"] = result["ratio_to_floor"] <= 3 and result["generate_median_ms"] <= 150
    save("traces", result)
    return result


if __name__ == "__main__":
    print(main())
