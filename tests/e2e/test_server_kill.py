"""Browser fault: the `streamlit run` server is killed with SIGKILL in the middle of a drill and
restarted on the same port — every action the page confirmed is stored, the database is intact,
and the trainee resumes the same attempt from "My attempts" and carries on."""

from __future__ import annotations

import re
import signal
import sqlite3

import pytest

from simulator.store import attempts, open_store
from tests.e2e.conftest import (
    choose,
    open_page,
    prepare_database,
    sign_in,
    start_server,
    stop_server,
    wait_idle,
)

pytestmark = pytest.mark.e2e


def _confirm(page, button: str) -> None:
    before = page.locator('[data-testid="stAlert"]').filter(has_text="Recorded at").all_inner_texts()
    page.get_by_role("button", name=button, exact=True).click()
    wait_idle(page)
    page.wait_for_function(
        """(prev) => { const t = [...document.querySelectorAll('[data-testid="stAlert"]')].map(e => e.innerText)
                          .filter(x => x.includes('Recorded at')); return t.length && t[0] !== prev; }""",
        arg=before[0] if before else "",
        timeout=60_000,
    )


def test_killed_server_keeps_every_confirmed_action_and_the_drill_resumes(tmp_path, browser_page):
    db = tmp_path / "firedrill.db"
    url = f"sqlite:///{db}"
    prepare_database(url)
    proc, base = start_server(url)
    port = int(base.rsplit(":", 1)[1])
    page = browser_page
    try:
        sign_in(page, base, "trainee1")
        open_page(page, "Drill")
        page.get_by_role("button", name="Start drill").click()
        page.get_by_text(re.compile(r"^Attempt \d+ ·")).first.wait_for()
        wait_idle(page)
        aid = int(re.search(r"attempt=(\d+)", page.url).group(1))
        # No severity is preselected: choose one as a trainee does.
        choose(page, "Severity", "HIGH")
        _confirm(page, "Classify")
        page.get_by_label("Incident title").fill("Checkout failing")
        _confirm(page, "Declare incident")
        page.get_by_label("Incident channel name").fill("#incident-20260310-001")
        _confirm(page, "Open channel")

        proc.send_signal(signal.SIGKILL)  # no shutdown hooks, no flushing: as a crash or an OOM kill
        proc.wait(timeout=30)
        store = open_store(url, create=False)
        assert [e.kind for e in attempts.events_for(store, aid) if e.is_action] == [
            "classify",
            "declare",
            "open_channel",
        ]
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        proc, base = start_server(url, port=port)
        sign_in(page, base, "trainee1")  # the server's sessions died with it; the account did not
        open_page(page, "My attempts")
        page.get_by_role("button", name=re.compile(rf"Resume #{aid}\b")).click()
        wait_idle(page)
        page.get_by_text(re.compile(rf"^Attempt {aid} ·")).first.wait_for()
        page.get_by_text("Channel: #incident-20260310-001", exact=False).first.wait_for()
        page.get_by_role("tab", name="Escalate", exact=True).last.click()
        # Nobody is preselected to call: choose as a trainee does.
        choose(page, "Call", "backup")
        _confirm(page, "Page / call")
        assert [e.kind for e in attempts.events_for(store, aid) if e.is_action] == [
            "classify",
            "declare",
            "open_channel",
            "escalate",
        ]
        store.dispose()
    finally:
        stop_server(proc)
