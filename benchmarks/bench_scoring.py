"""Scoring a drill from its expert response, for every built-in scenario with a `.expert.yaml`.

Three figures per scenario: the end-to-end `firedrill drill SCENARIO --responses EXPERT --json`
command (a fresh process: imports, loading, replay, scoring); `score_drill` on a cold world cache
(it must build the trace and alert timeline with the mitigations applied); and `score_drill` warm
(the world is cached, as when the debrief page scores a log the drill page already ran). The
reference is building the scenario's world once (trace + alerts, no mitigations): scoring cold
cannot be cheaper than that, but the built-in worlds take ~1–15 ms, so the ratio is reported, not
targeted. The CLI is also measured in CPU seconds (user + system of the child), because on a
shared machine its wall time is mostly waiting for a core. Targets: the CLI ≤ 3 CPU-seconds and
cold scoring ≤ 100 ms for every scenario.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import median_ms, save, timed

ROOT = Path(__file__).resolve().parents[1]


def _cases() -> list[tuple[Path, Path]]:
    out = []
    for expert in sorted((ROOT / "scenarios").glob("*.expert.yaml")):
        scenario = expert.with_name(expert.name.replace(".expert.yaml", ".yaml"))
        if scenario.exists():
            out.append((scenario, expert))
    return out


def main() -> dict:
    from simulator import drill as drill_mod
    from simulator.alerts import scenario_timeline
    from simulator.cli.drill import run_headless
    from simulator.scoring import score_drill
    from simulator.traces import generate_trace

    rows = []
    for scenario, expert in _cases():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "simulator", "drill", str(scenario), "--responses", str(expert), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        t_cli = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_cli = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        drill, events, card = run_headless(scenario, expert)

        def world_once(d=drill) -> None:
            tr = generate_trace(d.scenario, seed=d.seed)
            scenario_timeline(d.loaded, tr)

        def cold(d=drill, ev=events) -> None:
            drill_mod._WORLDS.clear()
            score_drill(d, ev)

        t_world = timed(world_once, repeat=3)
        t_cold = timed(cold, repeat=3)
        t_warm = timed(lambda d=drill, ev=events: score_drill(d, ev), repeat=5)
        rows.append(
            {
                "scenario": scenario.stem,
                "actions": sum(1 for e in events if e.is_action),
                "passed": card.passed,
                "cli_exit": cli.returncode,
                "cli_s": round(t_cli, 2),
                "cli_cpu_s": round(cpu_cli, 2),
                "world_ms": round(median_ms(t_world), 1),
                "score_cold_ms": round(median_ms(t_cold), 1),
                "score_warm_ms": round(median_ms(t_warm), 1),
                "cold_ratio_to_world": round(median_ms(t_cold) / median_ms(t_world), 2),
            }
        )
    result = {
        "scenarios": rows,
        "cli_median_s": round(statistics.median(r["cli_s"] for r in rows), 2),
        "cli_cpu_median_s": round(statistics.median(r["cli_cpu_s"] for r in rows), 2),
        "score_cold_max_ms": max(r["score_cold_ms"] for r in rows),
        "score_warm_median_ms": round(statistics.median(r["score_warm_ms"] for r in rows), 1),
        "score_cold_median_ms": round(statistics.median(r["score_cold_ms"] for r in rows), 1),
        "cold_ratio_to_world_max": max(r["cold_ratio_to_world"] for r in rows),
        "all_expert_responses_pass": all(r["passed"] for r in rows),
        "targets": "firedrill drill <= 3 CPU-s per scenario; cold scoring <= 100 ms per scenario",
    }
    result["met"] = (
        max(r["cli_cpu_s"] for r in rows) <= 3
        and result["score_cold_max_ms"] <= 100
        and result["all_expert_responses_pass"]
    )
    save("scoring", result)
    return result


if __name__ == "__main__":
    print(main())
