"""Live drill cost: server CPU of idle trainees sitting on a running Drill page, before vs after.

Two real `streamlit run` servers are measured one after the other, each on its own fresh SQLite
database: "before" runs the code as it was before the browser-drawn clock (`BEFORE_REV`, unpacked
from git into a temporary folder; its live fragment reran every second), "after" runs this
checkout. For each, Chromium (Debian's) opens `SESSIONS` browser contexts; each trainee signs in,
starts a drill at 1× and then sits still. After a settling pause the server's user+system CPU is
read from /proc/PID/stat over `WINDOW_S` seconds. Reported: server CPU-seconds per
session-second (milliseconds of CPU per second per idle session), with the same server's CPU
before any session opened subtracted. The Chromium processes are not counted: only the server's.

Target: after ≤ 10 ms per session-second, and at least 13× less than before.
Run: `python -m benchmarks live` (about 3 minutes). FIREDRILL_BENCH_LIVE_SESSIONS and
FIREDRILL_BENCH_LIVE_WINDOW change the number of sessions and the measuring window.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import save

ROOT = Path(__file__).resolve().parents[1]
# The code before this work: the Drill page reran its live fragment every second and state_at
# re-read alertmanager.yml on each call (the parent of 4f96193, the content loader).
BEFORE_REV = os.environ.get("FIREDRILL_BENCH_LIVE_BEFORE", "af2d196")
SESSIONS = int(os.environ.get("FIREDRILL_BENCH_LIVE_SESSIONS", "3"))
WINDOW_S = float(os.environ.get("FIREDRILL_BENCH_LIVE_WINDOW", "60"))
SETTLE_S = 15.0
TARGET_MS = 10.0
TARGET_RATIO = 13.0
USERS = ("trainee1", "trainee2", "trainee3")


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _unpack(rev: str, into: Path) -> Path:
    """The tree at `rev`, as files, for a server of that version."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def _prepare(tree: Path, url: str) -> None:
    """Schema, built-in scenarios and the test users, made by that tree's own code."""
    code = "from tests.e2e.conftest import prepare_database; import sys; prepare_database(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", code, url], cwd=tree, env=env, check=True)


def _start(tree: Path, url: str) -> tuple[subprocess.Popen, str]:
    sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import _free_port

    port = _free_port()
    env = {**os.environ, "FIREDRILL_DATABASE_URL": url, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
            if r.read().decode().strip() == "ok":
                return proc, base
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the {tree} server did not become healthy within 90 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure(tree: Path, label: str, sessions: int = SESSIONS, window: float = WINDOW_S) -> dict:
    """Server CPU per idle drill session-second for the app in `tree`."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, open_page, sign_in, wait_idle

    with tempfile.TemporaryDirectory(prefix="firedrill-live-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'firedrill.db'}"
        _prepare(tree, url)
        proc, base = _start(tree, url)
        try:
            time.sleep(3)
            c0 = _proc_cpu_s(proc.pid)
            time.sleep(10)
            baseline = (_proc_cpu_s(proc.pid) - c0) / 10
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                pages = []
                for i in range(sessions):
                    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                    page = ctx.new_page()
                    # Generous: on a busy 2-core machine a sign-in can take a minute.
                    page.set_default_timeout(180_000)
                    page.set_default_navigation_timeout(180_000)
                    sign_in(page, base, USERS[i % len(USERS)])
                    open_page(page, "Drill")
                    page.get_by_role("button", name="Start drill").click()
                    wait_idle(page)
                    page.get_by_text("Pager").first.wait_for()
                    pages.append(page)
                pages[0].wait_for_timeout(SETTLE_S * 1000)
                c1, t1 = _proc_cpu_s(proc.pid), time.monotonic()
                pages[0].wait_for_timeout(window * 1000)
                c2, t2 = _proc_cpu_s(proc.pid), time.monotonic()
                alive = sum(1 for p in pages if "Pager" in p.locator('[data-testid="stMain"]').inner_text())
                browser.close()
        finally:
            _stop(proc)
    elapsed = t2 - t1
    per_session_ms = ((c2 - c1) / elapsed - baseline) / sessions * 1000
    load = os.getloadavg()[0]
    print(f"{label}: {per_session_ms:.2f} ms CPU per session-second (load average {load:.1f})", flush=True)
    return {
        "server": label,
        "sessions": sessions,
        "sessions_still_live": alive,
        "window_s": round(elapsed, 1),
        "server_cpu_s": round(c2 - c1, 3),
        "idle_server_ms_per_s": round(baseline * 1000, 2),
        "ms_cpu_per_session_second": round(per_session_ms, 2),
        "load_average_after": round(load, 1),
    }


def main() -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="firedrill-before-") as tmp:
        before = measure(_unpack(BEFORE_REV, Path(tmp)), f"before ({BEFORE_REV}: 1 s live fragment)")
    after = measure(ROOT, "after (browser clock, wake on change)")
    b, a = before["ms_cpu_per_session_second"], after["ms_cpu_per_session_second"]
    ratio = b / a if a > 0 else float("inf")
    result = {
        "runs": [before, after],
        "reduction": round(ratio, 1) if ratio != float("inf") else "unmeasurable (after ≈ 0)",
        "target": f"after <= {TARGET_MS} ms per session-second and >= {TARGET_RATIO}x less than before",
        "met": a <= TARGET_MS and ratio >= TARGET_RATIO and after["sessions_still_live"] == after["sessions"],
    }
    save("live", result)
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=2))
