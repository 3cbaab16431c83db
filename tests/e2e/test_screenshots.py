"""Screenshots at 1440×900 of the pages a trainee reads most — the library, the curriculum and
each curriculum day, the runbook exercises, the on-call page and a finished drill's debrief —
saved under test-results/screenshots/ (git-ignored; the one folder every browser test uses) so a
reviewer can look at them. Each page is also checked for content cut off at that size: nothing
may stick out sideways of the main column (a table or a button row wider than the window)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator import actions as A
from simulator.drill import Drill, load_default_policy
from simulator.scenario import load_scenario
from simulator.services import drills
from simulator.store import open_store, people
from tests.conftest import ROOT
from tests.e2e.conftest import open_page, own_server, sign_in, wait_idle

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "test-results" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
PAGES = (
    ("Scenario library", "library"),
    ("Curriculum", "curriculum"),
    ("Day 1 · System overview", "system-overview"),
    ("Day 2 · Alerts", "alert-handling"),
    ("Runbook exercises", "runbooks"),
    ("Day 4 · Incident response", "incident-response"),
    ("Day 5 · Shadow shift", "shadow-shift"),
    ("Weekly handoff", "handoff"),
    ("On-call", "oncall"),
    ("Debrief", "debrief"),
)


def _finished_attempt(url: str) -> int:
    """A drill trainee1 played and finished, so the Debrief has something to show."""
    store = open_store(url)
    try:
        person = people.get_user_by_username(store, "trainee1")
        drill = Drill.create(
            load_scenario(ROOT / "scenarios" / "db-pool-exhaustion.yaml"), None, load_default_policy()
        )
        start = datetime.now(UTC) - timedelta(minutes=1)
        aid = drills.start_attempt(
            store, user_id=person.id, username="trainee1", drill=drill, speed=60, now=start
        )
        for n, action in enumerate(
            [
                A.Acknowledge(action="acknowledge"),
                A.Classify(action="classify", severity="HIGH", reason="pool above 80%, errors rising"),
                A.Mitigate(action="mitigate", mitigation=drill.scenario.answer.mitigations[0].id),
            ]
        ):
            drills.record_action(store, aid, drill, action, start + timedelta(seconds=12 + 8 * n), "trainee1")
        drills.finish_and_score(store, aid, drill, datetime.now(UTC))
        return aid
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def screenshot_server(tmp_path_factory):
    with own_server(tmp_path_factory, "screens", prepare=_finished_attempt) as (base, _url):
        yield base


def _overflow(page) -> list[str]:
    """Elements of the main column wider than the column: cut off or scrolled sideways."""
    return page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMainBlockContainer"]')
                || document.querySelector('[data-testid="stMain"]');
            const right = main.getBoundingClientRect().right + 2;
            const out = [];
            for (const el of main.querySelectorAll(
                    '[data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stButton"], '
                    + '[data-testid="stHorizontalBlock"], [data-testid="stPlotlyChart"]')) {
                const box = el.getBoundingClientRect();
                if (box.width > 0 && box.right > right) {
                    out.push(el.getAttribute('data-testid') + ' ends at ' + Math.round(box.right)
                             + 'px, column at ' + Math.round(right) + 'px');
                }
            }
            // A table whose columns do not fit scrolls sideways inside its own frame: cut off too.
            for (const grid of main.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')) {
                if (grid.scrollWidth > grid.clientWidth + 2) {
                    const head = grid.closest('[data-testid="stDataFrame"]').innerText.split('\\n')[0];
                    out.push('a table scrolls sideways (' + grid.scrollWidth + ' > ' + grid.clientWidth
                             + 'px): ' + head.slice(0, 80));
                }
            }
            if (document.documentElement.scrollWidth > window.innerWidth + 2) {
                out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + 'px');
            }
            return out;
        }"""
    )


def test_main_pages_at_1440x900_are_saved_and_nothing_is_cut_off(screenshot_server, playwright_browser):
    ctx = playwright_browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    saved: list[Path] = []
    problems: dict[str, list[str]] = {}
    try:
        sign_in(page, screenshot_server, "trainee1")
        for title, name in PAGES:
            open_page(page, title)
            page.wait_for_timeout(800)  # charts and tables finish drawing after the run
            wait_idle(page)
            if title == "Debrief":
                page.get_by_text("Root cause").first.wait_for()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOTS / f"1440x900-{name}.png"
            page.screenshot(path=str(path))
            saved.append(path)
            if found := _overflow(page):
                problems[title] = found
    finally:
        ctx.close()
    assert all(p.stat().st_size > 10_000 for p in saved)  # a real rendering, not a blank page
    assert problems == {}
