"""Peak memory of the largest scenario: 7 days at 1 s step, 50 series, generated and its alert rules evaluated.

The work runs in a fresh child process (`python -m benchmarks.bench_memory --child`) so the peak
resident set size belongs to this job alone; the parent reads it with `resource.getrusage
(RUSAGE_CHILDREN)` (the kernel's high-water mark, covering numpy's allocations too). Ten rules a
team would really run (error ratio, latency, pool, CPU, traffic surge, leak, flapping, a missing
series, a recording rule and an alert on it) are evaluated every 15 s over the whole week.
Target: peak RSS ≤ 2 GiB.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from .common import save

ROOT = Path(__file__).resolve().parents[1]
DURATION, STEP, N_METRICS, EVAL_INTERVAL = "7d", "1s", 50, 15.0
LIMIT_BYTES = 2 * 1024**3

RULES = {
    "name": "service",
    "rules": [
        {"record": "service:http_requests:rate5m", "expr": "sum(rate(http_requests_total[5m]))"},
        {
            "alert": "HighErrorRatio",
            "for": "5m",
            "labels": {"severity": "critical"},
            "expr": "sum(rate(http_request_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.01",
            "annotations": {"summary": "{{ $value | humanizePercentage }} of requests fail"},
        },
        {
            "alert": "LatencyHigh",
            "for": "5m",
            "labels": {"severity": "high"},
            "expr": "latency_p95_seconds > 1",
            "annotations": {"summary": "p95 latency {{ $value }}s"},
        },
        {"alert": "DbPoolSaturated", "for": "2m", "labels": {"severity": "high"}, "expr": "db_pool >= 95"},
        {
            "alert": "CpuHot",
            "for": "10m",
            "labels": {"severity": "medium"},
            "expr": "avg_over_time(cpu[5m]) > 0.9",
        },
        {
            "alert": "TrafficSurge",
            "for": "5m",
            "labels": {"severity": "medium"},
            "expr": "service:http_requests:rate5m > 2 * 30",
        },
        {
            "alert": "MemoryLeak",
            "for": "15m",
            "labels": {"severity": "low"},
            "expr": "min_over_time(gauge_00[30m]) > 80",
        },
        {
            "alert": "InstanceFlapping",
            "labels": {"severity": "low"},
            "expr": "max_over_time(gauge_01[10m]) - min_over_time(gauge_01[10m]) > 40",
        },
        {"alert": "MetricsMissing", "for": "1m", "labels": {"severity": "high"}, "expr": "absent(gauge_02)"},
        {
            "alert": "FleetHot",
            "for": "5m",
            "labels": {"severity": "medium"},
            "expr": 'count(avg_over_time({__name__=~"gauge_.*"}[5m]) > 75) > 5',
        },
    ],
}


def child() -> dict:
    """The measured job: generate the week, evaluate the rules, report sizes and its own peak."""
    from simulator.alerts import evaluate_rules
    from simulator.rules import RuleGroup
    from simulator.traces import generate_trace

    from .bench_traces import big_scenario

    t0 = time.perf_counter()
    scenario = big_scenario(DURATION, STEP, N_METRICS)
    trace = generate_trace(scenario)
    t_gen = time.perf_counter() - t0
    rss_after_gen = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    groups = [RuleGroup.model_validate(RULES)]
    t0 = time.perf_counter()
    timeline = evaluate_rules(groups, trace, EVAL_INTERVAL)
    t_eval = time.perf_counter() - t0
    return {
        "samples_per_series": len(trace.offsets),
        "series": len(trace.series),
        "rules": len(RULES["rules"]),
        "evaluations": len(timeline.ticks),
        "alert_series": len(timeline.alerts),
        "transitions": len(timeline.transitions()),
        "generate_s": round(t_gen, 2),
        "evaluate_s": round(t_eval, 2),
        "peak_rss_after_generate_mib": round(rss_after_gen / 1024**2),
        "peak_rss_self_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory", "--child"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        result = {"error": proc.stderr.strip()[-2000:], "met": False}
        save("memory", result)
        return result
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    result.update(
        {
            "scenario": f"{DURATION} at {STEP} step, {N_METRICS} series, rules every {EVAL_INTERVAL:g}s",
            "peak_rss_mib": round(peak / 1024**2),
            "limit_mib": LIMIT_BYTES // 1024**2,
            "child_wall_s": round(wall, 1),
            "targets": "peak RSS <= 2 GiB",
            "met": peak <= LIMIT_BYTES,
        }
    )
    save("memory", result)
    return result


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child()))
    else:
        print(json.dumps(main(), indent=2))
