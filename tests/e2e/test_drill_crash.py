"""kill -9 a real `streamlit run` server mid-drill: every action the UI had confirmed is in the
database, and a fresh server reopens the attempt with it."""

from __future__ import annotations

import os
import re
import signal

import pytest

from simulator.store import attempts, open_store


@pytest.mark.e2e
def test_killing_the_streamlit_server_loses_no_action_the_ui_confirmed(tmp_path, browser_page):
    from tests.e2e.conftest import (
        choose,
        open_page,
        prepare_database,
        sign_in,
        start_server,
        stop_server,
        wait_idle,
    )

    url = f"sqlite:///{tmp_path / 'server.db'}"
    prepare_database(url)
    proc, base = start_server(url)
    page = browser_page
    try:
        sign_in(page, base, "trainee1")
        open_page(page, "Drill")
        page.get_by_role("button", name="Start drill").click()
        wait_idle(page)
        aid = int(re.search(r"attempt=(\d+)", page.url).group(1))
        page.get_by_text("False positive").first.click()
        page.get_by_role("button", name="Record judgement", exact=True).click()
        wait_idle(page)
        page.get_by_text(re.compile(r"Recorded at .*Judged the alert")).first.wait_for()
        # No severity is preselected: choose one as a trainee does.
        choose(page, "Severity", "HIGH")
        page.get_by_role("button", name="Classify", exact=True).click()
        wait_idle(page)  # a loaded machine may take a while over the run: wait for it, then look
        page.get_by_text(re.compile(r"Recorded at .*Classified severity")).first.wait_for()
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no flush: the way a crash ends it
        proc.wait(timeout=10)
    store = open_store(url)
    try:
        kinds = [e.kind for e in attempts.events_for(store, aid) if e.is_action]
        assert kinds == ["judge", "classify"]
        # A fresh server on the same database reopens the attempt with both actions.
        proc2, base2 = start_server(url)
        try:
            sign_in(page, base2, "trainee1")
            open_page(page, "My attempts")
            page.get_by_role("button", name=re.compile(rf"Resume #{aid}\b")).click()
            wait_idle(page)
            page.get_by_text("Judged: false positive", exact=False).first.wait_for()
        finally:
            stop_server(proc2)
    finally:
        store.dispose()
