"""Browser journey: a trainee plays a whole drill at 60× in Chromium — acknowledge, classify,
declare, communicate, mitigate, resolve, write the report, see the debrief — and a reload in the
middle resumes the same attempt with nothing lost."""

from __future__ import annotations

import re

import pytest

from simulator.store import attempts, open_store
from tests.e2e.conftest import choose, open_page, open_tab, own_server, sign_in, wait_idle

pytestmark = pytest.mark.e2e
_DB: dict[str, str] = {}


@pytest.fixture(scope="module")
def drill_server(tmp_path_factory):
    """A server of our own, so the test can read the very database it writes to."""
    with own_server(tmp_path_factory, "drill-e2e") as (base, url):
        _DB["url"] = url
        yield base


def _store():
    return open_store(_DB["url"])


def _main(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


_tab = open_tab


def _submit(page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Recorded at \d\d:\d\d:\d\d")).first.wait_for()


def test_trainee_plays_a_whole_drill_and_resumes_after_a_reload(drill_server, browser_page):
    page = browser_page
    sign_in(page, drill_server, "trainee2")
    open_page(page, "Drill")
    choose(page, "Scenario", "API: database connection pool usage")
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("End")  # 60×
    page.get_by_role("button", name="Start drill").click()
    wait_idle(page)
    url = page.url
    aid = int(re.search(r"attempt=(\d+)", url).group(1))

    # Wait for the page: the pool alert fires at 8m45s simulated, ~9 s of wall time at 60×.
    page.get_by_text("NOT ACKNOWLEDGED").first.wait_for(timeout=40_000)
    # The rest of the script runs at 1×: at 60× the 45-minute scenario is over within a minute,
    # and a drill whose time is over now refuses actions instead of stamping them at its end.
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    wait_idle(page)
    page.get_by_role("button", name="Refresh consoles").click()
    wait_idle(page)
    _tab(page, "Triage")
    _submit(page, "Acknowledge the page")
    _tab(page, "Triage")
    choose(page, "Severity", "HIGH")
    _submit(page, "Classify")
    page.get_by_label("Incident title").fill("Database pool exhausted")
    _submit(page, "Declare incident")
    page.get_by_label("Incident channel name").fill("#incident-20260310-001")
    _submit(page, "Open channel")

    # A reload starts a new browser session; the session token in the address keeps the trainee
    # signed in and the same attempt comes back.
    before = [e.kind for e in attempts.events_for(_store(), aid) if e.is_action]
    page.reload()
    wait_idle(page)
    assert f"attempt={aid}" in page.url
    page.get_by_text(re.compile(rf"^Attempt {aid} ·")).wait_for()
    wait_idle(page)
    assert [e.kind for e in attempts.events_for(_store(), aid) if e.is_action] == before
    page.get_by_text("Channel: #incident-20260310-001", exact=False).first.wait_for()

    _tab(page, "Communicate")
    update = (
        "Investigating: API requests failing, pool full. Checking pg_stat_activity. Next update in 5 minutes."
    )
    page.get_by_label(re.compile("^Update")).fill(update)
    # Only the open tab is drawn; text typed but not sent is still there after a look elsewhere.
    _tab(page, "Escalate")
    page.get_by_role("button", name="Page / call", exact=True).wait_for()
    assert page.get_by_label(re.compile("^Update")).count() == 0
    _tab(page, "Communicate")
    assert page.get_by_label(re.compile("^Update")).input_value() == update
    _submit(page, "Post update")
    posted = [e.payload["text"] for e in attempts.events_for(_store(), aid) if e.kind == "post_update"]
    assert posted == [update]
    _tab(page, "Diagnose & fix")
    page.get_by_text("A long-running bulk query is holding pool connections").click()
    _submit(page, "Record hypothesis")
    _tab(page, "Diagnose & fix")  # a rerun may show the first tab again
    choose(page, "Mitigation", "Terminate the long-running")
    _submit(page, "Apply mitigation")
    _tab(page, "Diagnose & fix")  # a rerun may show the first tab again
    page.get_by_label("What did you check?").fill("pool back under 50%, alert resolved")
    _submit(page, "Verify recovery")
    _tab(page, "Diagnose & fix")  # a rerun may show the first tab again
    _submit(page, "Resolve incident")
    _tab(page, "Report")
    report = page.get_by_label("Post-incident report (Markdown)")
    text = report.input_value()
    assert "## Timeline" in text and "Incident ID: INC-2026-03-10-001" in text
    report.fill(text.replace("<who was affected, how many requests failed>", "~0.8% of API requests failed"))
    _submit(page, "Save report")
    _tab(page, "Report")
    page.get_by_role("button", name="Finish and see the debrief").click()
    # The debrief renders a chart and a long page; wait until all of it is there at once.
    page.wait_for_function(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   if (!m) return false;
                   const t = m.innerText;
                   return ['Debrief', 'Scorecard', 'Post-incident report', 'Root cause'].every(x => t.includes(x))
                          && /(NOT PASSED|PASSED) — score \\d\\.\\d\\d/.test(t); }""",
        timeout=60_000,
    )
    kinds = [e.kind for e in attempts.events_for(_store(), aid) if e.is_action]
    for k in (
        "acknowledge",
        "classify",
        "declare",
        "open_channel",
        "post_update",
        "hypothesis",
        "mitigate",
        "verify",
        "resolve",
        "write_report",
    ):
        assert k in kinds
    assert attempts.get_attempt(_store(), aid).status == "finished"
