"""Serving more trainees than one process holds: `scripts/serve_replicas.py` (what
`make serve-replicas N=…` runs) starts 2 `streamlit run` replicas on one throwaway PostgreSQL behind
Debian's nginx, sticky by cookie. A trainer and three trainees — driven by the protocol client,
benchmarks/st_client.py — run a cohort drill with the trainees on different replicas (the
`X-Firedrill-Replica` header nginx adds to each websocket handshake says which): the trainer's live
board shows every trainee's actions and the database holds every confirmed action."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.st_client import StreamlitSession, sign_in
from simulator.store import attempts, open_store, people
from tests.conftest import ROOT, missing
from tests.e2e.conftest import PASSWORD, prepare_database
from tests.helpers import run_coroutine
from tests.pg import _free_port

pytestmark = pytest.mark.postgres
SCRIPT = ROOT / "scripts" / "serve_replicas.py"
TRAINEES = {
    "trainee1": ("Tia Trainee", "CRITICAL"),
    "trainee2": ("Theo Trainee", "HIGH"),
    "trainee3": ("Tara Trainee", "MEDIUM"),
}
STEP_S = 120.0  # generous: the machine may be busy; nothing here is a timing assertion


def _nginx() -> None:
    if not (Path("/usr/sbin/nginx").exists() or any(Path(d, "nginx").exists() for d in os.get_exec_path())):
        missing("nginx (Debian package `nginx`) is not installed; `make system-deps` installs it")


@pytest.fixture
def fleet(pg_url, tmp_path):
    """`serve_replicas.py --replicas 2` in the foreground, as an operator runs it; stopped with SIGTERM."""
    _nginx()
    prepare_database(pg_url)
    store = open_store(pg_url)
    now = datetime.now(UTC)
    cohort = people.create_cohort(store, "Drill day cohort", now.date(), "trainer", now)
    for username in TRAINEES:
        people.add_member(store, cohort.id, username, "trainer", now)
    store.dispose()
    port = _free_port()
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "--replicas",
            "2",
            "--port",
            str(port),
            "--listen",
            "127.0.0.1",
            "--replica-port",
            "0",
            "--database-url",
            pg_url,
            "--run-dir",
            str(run_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    banner = proc.stdout.readline()  # printed once nginx and both replicas answer
    if "behind nginx" not in banner:
        proc.kill()
        raise AssertionError(f"serve_replicas.py did not start: {banner}{proc.stdout.read()}")
    replica_ports = [int(p) for p in re.search(r"ports ([\d, ]+)\)", banner).group(1).split(", ")]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", replica_ports, pg_url
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    # Stopping the command stops every replica and nginx: nothing answers any more.
    for p in [port, *replica_ports]:
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{p}/_stcore/health", timeout=2)


def _cookie_for(base: str, replica_port: int) -> dict[str, str]:
    """A sticky cookie nginx hands out that routes to the given replica (first visits are spread
    at random; a browser keeps whichever it got, the test picks)."""
    for _ in range(64):
        with urllib.request.urlopen(base + "/", timeout=30) as r:
            served_by = r.headers.get("X-Firedrill-Replica", "")
            cookie = r.headers.get("Set-Cookie", "")
        name, _, rest = cookie.partition("=")
        if served_by.endswith(f":{replica_port}") and name == "firedrill_route":
            return {name: rest.split(";", 1)[0]}
    raise AssertionError(f"64 first visits never reached replica port {replica_port}")


def test_a_cohort_drill_across_two_replicas_loses_nothing(fleet):
    base, replica_ports, url = fleet

    async def drill_day() -> tuple[dict[str, str], list[str], dict[str, int]]:
        landed: dict[str, str] = {}
        trainer = StreamlitSession(base, _cookie_for(base, replica_ports[0]), STEP_S, "trainer")
        trainees = {
            u: StreamlitSession(base, _cookie_for(base, replica_ports[i % 2]), STEP_S, u)
            for i, u in enumerate(TRAINEES, start=1)
        }
        try:
            await sign_in(trainer, "trainer", PASSWORD)
            landed["trainer"] = trainer.response_headers["x-firedrill-replica"]
            await trainer.open_page("cohort_board")
            scenario = next(
                o for o in trainer.find("Scenario").options if o.endswith("(vulnerability-disclosed)")
            )
            trainer.choose("Scenario", scenario)
            trainer.slide_to("Speed", "10×")
            await trainer.click("Schedule drill")
            await trainer.click("Start drill")
            assert trainer.has_text("status **running**"), trainer.texts()

            confirmed: dict[str, int] = {}
            for username, (_name, severity) in TRAINEES.items():
                s = trainees[username]
                await sign_in(s, username, PASSWORD)
                landed[username] = s.response_headers["x-firedrill-replica"]
                await s.open_page("cohort_join")
                await s.click("Join the drill")
                assert (s.query_param("attempt") or "").isdigit(), s.texts()
                assert s.has_text("Cohort drill: the trainer runs the clock.")
                s.choose("Severity", severity)
                await s.click("Classify")
                await s.open_tab("Communicate")  # the action bar draws only its open tab
                s.set_text(
                    "Update (impact, what you are doing, when the next update comes)",
                    f"<b>{username}</b> checking the pool",
                )
                await s.click("Post update")
                confirmed[username] = int(s.query_param("attempt") or 0)
                assert not s.exceptions()

            # The board on the trainer's replica refreshes itself (its fragment's auto rerun).
            for username, (name, severity) in TRAINEES.items():
                await trainer.wait_for_text(f"{name} · classify: {severity}", STEP_S)
                await trainer.wait_for_text(
                    f"{name} · post update: <b>{username}</b> checking the pool", STEP_S
                )
            return landed, trainer.exceptions(), confirmed
        finally:
            for s in (trainer, *trainees.values()):
                await s.close()

    landed, board_exceptions, attempts_of = run_coroutine(drill_day())
    assert board_exceptions == []
    trainee_replicas = {landed[u] for u in TRAINEES}
    assert len(trainee_replicas) == 2, landed  # the cohort really is spread over both replicas
    assert {p.rsplit(":", 1)[1] for p in landed.values()} <= {str(p) for p in replica_ports}

    store = open_store(url)
    try:
        drill = people.cohort_drills(store)[0]
        assert people.drill_participants(store, drill.id) == attempts_of
        for username, aid in attempts_of.items():
            kinds = [e.kind for e in attempts.events_for(store, aid) if e.is_action]
            assert kinds.count("classify") == 1 and kinds.count("post_update") == 1, (username, kinds)
    finally:
        store.dispose()


def test_serve_replicas_refuses_sqlite_with_a_clear_message(tmp_path):
    _nginx()
    out = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--replicas",
            "2",
            "--database-url",
            f"sqlite:///{tmp_path / 'f.db'}",
            "--run-dir",
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "replicas share one PostgreSQL database" in out.stderr
    assert "Traceback" not in out.stderr
