"""What one script run of the Drill page costs the server, before vs after, in CPU milliseconds.

A few simulated trainees (`bench_load_protocol.Trainee`: sign in, open the Drill page, start a drill
at 60×, six scripted actions with thinking time, the live fragment woken as the browser clock
would) work a drill on one `streamlit run` server started under `rerun_probe.py`, which meters
every script run with the script thread's own CPU clock. Thread CPU time does not grow when other
jobs share the cores, so these figures are comparable between a quiet and a busy machine, unlike
latencies.

Reported per server (before: the code at `BEFORE_REV`, unpacked from git; after: this checkout):
- per kind of run (page, full run or fragment rerun, ended in `st.rerun()` or not): how many, and
  the median / mean / p90 CPU ms of the run, plus Streamlit's clean-up after it (`finish`);
- the server process's CPU-seconds per confirmed action over the whole drive (sign-ins and every
  live rerun included, read from /proc), the figure that decides how many trainees one core holds.

Run: `python -m benchmarks drill_rerun` (2–4 minutes). Knobs: FIREDRILL_RERUN_TRAINEES (3),
FIREDRILL_RERUN_BEFORE (a git revision, "" to measure this checkout only),
FIREDRILL_RERUN_PROFILE=1 to also write cProfile statistics of the script runs to
out/drill_rerun-<before|after>.prof and list the top functions.
"""

from __future__ import annotations

import json
import os
import pstats
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from .common import OUT, save

ROOT = Path(__file__).resolve().parents[1]
# The code before the per-action cost was cut (issue 17's last part): two full runs per action.
BEFORE_REV = os.environ.get("FIREDRILL_RERUN_BEFORE", "18f6daa")
TRAINEES = int(os.environ.get("FIREDRILL_RERUN_TRAINEES", "3"))
PROFILE = os.environ.get("FIREDRILL_RERUN_PROFILE", "") not in ("", "0")


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(q * (len(s) - 1))))]


def summarise(records: list[dict]) -> list[dict]:
    """Runs grouped by (page, full or fragment, ended in st.rerun or not), most CPU first."""
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in records:
        kind = "fragment" if r["fragment"] else "full"
        end = "st.rerun" if r["rerun"] else ("error" if r.get("error") else "done")
        groups[(r["page"] or "(none)", kind, end)].append(r)
    rows = []
    for (page, kind, end), runs in groups.items():
        cpu = [r["cpu_ms"] for r in runs]
        fin = [r.get("finish_ms", 0.0) for r in runs]
        rows.append(
            {
                "page": page,
                "run": kind,
                "ended": end,
                "count": len(runs),
                "cpu_ms_median": round(statistics.median(cpu), 1),
                "cpu_ms_mean": round(statistics.fmean(cpu), 1),
                "cpu_ms_p90": round(_pct(cpu, 0.9), 1),
                "finish_ms_median": round(statistics.median(fin), 1),
                "cpu_s_total": round((sum(cpu) + sum(fin)) / 1000, 2),
            }
        )
    return sorted(rows, key=lambda r: -r["cpu_s_total"])


def top_functions(prof: Path, n: int = 20) -> list[str]:
    """The functions with the most own time, and the app's own with the most cumulative time."""
    stats = pstats.Stats(str(prof))
    own = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:n]  # type: ignore[attr-defined]
    app = [
        kv
        for kv in stats.stats.items()  # type: ignore[attr-defined]
        if any(f"/{d}/" in kv[0][0] for d in ("simulator", "ui", "pages"))
    ]
    cum = sorted(app, key=lambda kv: -kv[1][3])[:n]

    def line(kv, col: int, label: str) -> str:
        (path, lineno, name), st = kv
        return f"{label} {st[col] * 1000:9.0f} ms  {st[1]:7d} calls  {Path(path).name}:{lineno} {name}"

    return [line(kv, 2, "own") for kv in own] + [line(kv, 3, "cum") for kv in cum]


def run(label: str, tree: Path) -> dict:
    from .bench_load_protocol import one_process

    with tempfile.TemporaryDirectory(prefix="firedrill-rerun-") as tmp:
        log = Path(tmp) / "runs.jsonl"
        prof = OUT / f"drill_rerun-{label}.prof" if PROFILE else None
        if prof is not None:
            OUT.mkdir(exist_ok=True)
            os.environ["FIREDRILL_RERUN_PROFILE"] = str(prof)
        try:
            load = one_process(f"sqlite:///{Path(tmp) / 'firedrill.db'}", "sqlite", TRAINEES, tree, log)
        finally:
            os.environ.pop("FIREDRILL_RERUN_PROFILE", None)
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    confirmed = load["actions_confirmed"]
    drill = [r for r in records if r["page"] == "drill"]
    out = {
        "server": label,
        "trainees": TRAINEES,
        "actions_confirmed": confirmed,
        "actions_planned": load["actions_planned"],
        "errors": load["errors"],
        "error_samples": load["error_samples"],
        "server_cpu_s": load["server_cpu_s"],
        "server_cpu_s_per_action": load["server_cpu_s_per_action"],
        "drill_script_cpu_s_per_action": (
            round(sum(r["cpu_ms"] + r.get("finish_ms", 0.0) for r in drill) / 1000 / confirmed, 3)
            if confirmed
            else None
        ),
        "script_runs": len(records),
        # The rest of the server's CPU is its main thread: websockets, serialising messages, sessions.
        "script_threads_cpu_s": round(sum(r["cpu_ms"] + r.get("finish_ms", 0.0) for r in records) / 1000, 2),
        "runs": summarise(records),
        "p95_s": load["p95_s"],
        "median_s": load["median_s"],
        "load_average_before": load["load_average_before"],
    }
    drill_prof = Path(f"{prof}.drill-full")
    if prof is not None and drill_prof.exists():
        out["profile"] = str(drill_prof.relative_to(ROOT))
        out["top"] = top_functions(drill_prof)
        main_prof = Path(f"{prof}.main")
        if main_prof.exists():
            out["top_main_thread"] = top_functions(main_prof)[:15]
    print(
        f"{label}: {json.dumps({k: v for k, v in out.items() if k not in ('runs', 'top', 'top_main_thread')})}",
        flush=True,
    )
    for row in out["runs"]:
        print(f"  {row}", flush=True)
    return out


def main() -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from .serve import unpack

    runs = []
    if BEFORE_REV:
        with tempfile.TemporaryDirectory(prefix="firedrill-before-") as tmp:
            runs.append(run("before", unpack(BEFORE_REV, Path(tmp))))
    runs.append(run("after", ROOT))
    result: dict = {"before_rev": BEFORE_REV or None, "runs": runs}
    if len(runs) == 2 and runs[0]["server_cpu_s_per_action"] and runs[1]["server_cpu_s_per_action"]:
        result["server_cpu_per_action_reduction"] = round(
            runs[0]["server_cpu_s_per_action"] / runs[1]["server_cpu_s_per_action"], 1
        )
    save("drill_rerun", result)
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
