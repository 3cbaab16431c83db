"""The cohort-drill browser test on a busy machine: does it pass every time while the CPU is burnt?

Starts one busy-looping Python process per core (the burner, at normal priority; killed when the
runner ends, and ending by itself if the runner is killed too hard to clean up), then runs
`pytest tests/e2e/test_cohort_drill.py` `RUNS` times in a row, each in its own pytest process. For
each run it records pass/fail, the wall duration, the test's own call duration (pytest's
`--durations`) and the 1-minute load average just before the run and at its end (the machine may
be busy with other work as well: the load average says how busy). Results go to
benchmarks/out/cohort_busy.json (each run's pytest output to cohort_busy_runN.log beside it) and a
table is printed.

Target: every run passes. Nothing here asserts a duration: slow is not wrong.
Run: `python -m benchmarks cohort_busy` (about 5 × 4-8 minutes). FIREDRILL_BENCH_COHORT_RUNS
changes the number of runs; FIREDRILL_BENCH_COHORT_BURN=0 runs without the burner (to measure the
test's duration on a quieter machine).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from .common import OUT, save

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/e2e/test_cohort_drill.py"
RUNS = int(os.environ.get("FIREDRILL_BENCH_COHORT_RUNS", "5"))
BURN = os.environ.get("FIREDRILL_BENCH_COHORT_BURN", "1") != "0"
# Above the test's own 1800 s pytest-timeout, so a hung run is reported by pytest, not cut here.
RUN_LIMIT_S = 2100


# A busy loop that also ends by itself once its parent (this runner) is gone, even if the runner
# was killed too hard to clean up.
_BURN = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"


@contextlib.contextmanager
def burner(processes: int):
    """`processes` busy loops, killed by their process ids when the block ends, however it ends."""
    procs = [subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(processes)]
    try:
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.kill()
            p.wait()


def _stop_on_sigterm(signum, frame) -> None:
    # A plain SIGTERM would end Python without running `finally`: the burner must still be killed.
    raise SystemExit(128 + signum)


def _commit() -> str:
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", TEST, "ui", "pages", "simulator"],
        capture_output=True,
        text=True,
    )
    return rev.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _pytest(log: Path) -> int:
    """One pytest run of the test, its output in `log`. It runs in a process group of its own, so
    whatever ends the runner also ends that run's server and browsers (not orphaned)."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=1", TEST]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return proc.wait(timeout=RUN_LIMIT_S)
        except subprocess.TimeoutExpired:
            out.write(f"\nrunner: no result within {RUN_LIMIT_S} s\n")
            return -1
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _run_once(n: int) -> dict:
    load = os.getloadavg()[0]
    log = OUT / f"cohort_busy_run{n}.log"
    OUT.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    rc = _pytest(log)
    wall = time.perf_counter() - t0
    out = log.read_text(errors="replace")
    call = re.search(r"^([\d.]+)s call ", out, re.MULTILINE)
    failure = ""
    if rc != 0:
        reasons = [ln for ln in out.splitlines() if ln.startswith(("E ", "FAILED", "ERROR", "runner:"))]
        failure = " | ".join(reasons[:4])[:800] or out[-800:]
    return {
        "passed": rc == 0,
        "wall_s": round(wall, 1),
        "test_call_s": float(call.group(1)) if call else None,
        "load_1min_before": round(load, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "failure": failure,
        "log": str(log.relative_to(ROOT)),
    }


def main() -> dict:
    cores = os.cpu_count() or 1
    commit = _commit()
    runs: list[dict] = []
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with contextlib.ExitStack() as stack:
        if BURN:
            stack.enter_context(burner(cores))
        for i in range(RUNS):
            run = _run_once(i + 1)
            runs.append(run)
            print(
                f"run {i + 1}/{RUNS}: {'pass' if run['passed'] else 'FAIL'}  wall {run['wall_s']:.0f} s  "
                f"test {run['test_call_s']} s  load {run['load_1min_before']} -> {run['load_1min_after']}"
                + (f"\n  {run['failure']}" if run["failure"] else ""),
                flush=True,
            )
    passes = sum(r["passed"] for r in runs)
    print(f"\n{'run':>3}  {'result':6}  {'wall s':>7}  {'test s':>7}  {'load 1m before':>14}  {'after':>6}")
    for i, r in enumerate(runs, 1):
        test_s = f"{r['test_call_s']:.0f}" if r["test_call_s"] is not None else "-"
        result = "pass" if r["passed"] else "FAIL"
        print(
            f"{i:>3}  {result:6}  {r['wall_s']:>7.0f}  {test_s:>7}  {r['load_1min_before']:>14.2f}  {r['load_1min_after']:>6.2f}"
        )
    result = {
        "test": TEST,
        "commit": commit,
        "burner_processes": cores if BURN else 0,
        "runs": runs,
        "passed": passes,
        "of": len(runs),
        "target": "every run passes",
        "met": passes == len(runs),
    }
    save("cohort_busy", result)
    return result
