"""kill -9 mid-drill loses no confirmed action: a process appending events is killed and every
event it had confirmed is in the database. (The same with a real `streamlit run` server and a
browser is `tests/e2e/test_drill_crash.py`, beside the shared browser fixture.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from simulator.store import attempts, open_store
from tests.conftest import FIXTURES, ROOT

WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from simulator.actions import PostUpdate
    from simulator.drill import Drill
    from simulator.scenario import load_scenario
    from simulator.services import drills as drill_service
    from simulator.store import open_store

    store = open_store(sys.argv[1])
    drill = Drill.create(load_scenario(sys.argv[2]))
    aid = drill_service.start_attempt(store, user_id=None, username="w", drill=drill, speed=60, now=datetime.now(UTC))
    print(f"attempt {aid}", flush=True)
    i = 0
    while True:
        i += 1
        ev = drill_service.record_action(store, aid, drill, PostUpdate(action="post_update", text=f"update {i}"),
                                    datetime.now(UTC))
        # Printed only after the commit returned: this is what "confirmed" means.
        print(f"confirmed {ev.seq} update {i}", flush=True)
""")


def test_killing_a_process_mid_append_loses_no_confirmed_event(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    open_store(url).dispose()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), url, str(FIXTURES / "scenarios" / "pool-exhaustion.yaml")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    confirmed: list[str] = []
    aid = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("attempt "):
            aid = int(line.split()[1])
        elif line.startswith("confirmed "):
            confirmed.append(line.split(" ", 2)[2].strip())
            if len(confirmed) >= 25:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    rest = proc.stdout.read()
    confirmed += [ln.split(" ", 2)[2].strip() for ln in rest.splitlines() if ln.startswith("confirmed ")]
    store = open_store(url)
    stored = [e.payload["text"] for e in attempts.events_for(store, aid) if e.kind == "post_update"]
    assert stored[: len(confirmed)] == confirmed
    assert len(stored) in (len(confirmed), len(confirmed) + 1)  # at most one committed but not yet printed
