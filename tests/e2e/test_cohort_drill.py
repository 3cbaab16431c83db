"""Browser journey: a quarterly mock drill. A trainer schedules and starts a cohort drill; three
trainees join from their own browsers and act; the trainer's live board shows each trainee's
actions (HTML they typed shown as text); the trainer ends it and reads the side-by-side debrief."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from simulator.store import open_store, people
from tests.e2e.conftest import (
    open_page,
    private_database,
    sign_in,
    start_server,
    stop_server,
    wait_idle,
)

pytestmark = pytest.mark.e2e
TRAINEES = {
    "trainee1": ("Tia Trainee", "CRITICAL"),
    "trainee2": ("Theo Trainee", "HIGH"),
    "trainee3": ("Tara Trainee", "MEDIUM"),
}
_DB: dict[str, str] = {}


@pytest.fixture(scope="module")
def cohort_server(tmp_path_factory):
    url = private_database(tmp_path_factory, "cohort-e2e")
    store = open_store(url)
    now = datetime.now(UTC)
    cohort = people.create_cohort(store, "Mock drill cohort", now.date(), "trainer", now)
    for username in TRAINEES:
        people.add_member(store, cohort.id, username, "trainer", now)
    store.dispose()
    _DB["url"] = url
    proc, base = start_server(url)
    yield base
    stop_server(proc)


def _select(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.get_by_role("option").first.click()


def _recorded(page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Recorded at \d\d:\d\d:\d\d")).first.wait_for()


def _acknowledge(page) -> None:
    """Acknowledge once the page has arrived on the shared clock (the drill refuses it before)."""
    for _ in range(30):
        page.get_by_role("button", name="Acknowledge the page", exact=True).click()
        wait_idle(page)
        if not page.get_by_text("There is no page to acknowledge yet.").count():
            page.get_by_text(re.compile(r"Recorded at \d\d:\d\d:\d\d")).first.wait_for()
            return
        page.wait_for_timeout(2000)
    raise AssertionError("no page arrived to acknowledge")


def test_trainer_runs_a_cohort_drill_and_sees_every_trainees_actions(cohort_server, playwright_browser):
    contexts = []
    try:

        def new_page():
            ctx = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(ctx)
            p = ctx.new_page()
            p.set_default_timeout(45_000)
            return p

        trainer = new_page()
        sign_in(trainer, cohort_server, "trainer")
        open_page(trainer, "Live drill board")
        # A scenario whose first page comes early (T+05:10), at 10×: pages arrive while trainees join.
        _select(trainer, "Scenario", "vulnerability-disclosed")
        speed = trainer.get_by_role("slider").first
        speed.focus()
        speed.press("End")  # 10×
        trainer.get_by_role("button", name="Schedule drill").click()
        wait_idle(trainer)
        trainer.get_by_role("button", name="Start drill").click()
        wait_idle(trainer)
        trainer.get_by_text("status running").first.wait_for()

        for username, (_name, severity) in TRAINEES.items():
            page = new_page()
            sign_in(page, cohort_server, username)
            open_page(page, "Cohort drill")
            page.get_by_role("button", name="Join the drill").click()
            wait_idle(page)
            page.wait_for_url(re.compile(r"attempt=\d+"))
            page.get_by_text("Cohort drill: the trainer runs the clock.").wait_for()
            _select(page, "Severity", severity)
            _recorded(page, "Classify")
            page.get_by_role("tab", name="Communicate", exact=True).last.click()
            page.get_by_label("Update (impact, what you are doing, when the next update comes)").fill(
                f"<script>alert('{username}')</script> checking the pool"
            )
            _recorded(page, "Post update")
            page.get_by_role("tab", name="Triage", exact=True).last.click()
            _acknowledge(page)

        # The board refreshes itself every two seconds: no reload, no click.
        for username, (name, severity) in TRAINEES.items():
            trainer.get_by_text(re.compile(rf"{name} · classify: {severity}")).first.wait_for(timeout=30_000)
            trainer.get_by_text(re.compile(rf"{name} · acknowledge")).first.wait_for(timeout=30_000)
            trainer.get_by_text(
                f"{name} · post update: <script>alert('{username}')</script> checking the pool", exact=False
            ).first.wait_for(timeout=30_000)
        assert trainer.locator('[data-testid="stException"]').count() == 0

        store = open_store(_DB["url"])
        try:
            drill = people.cohort_drills(store)[0]
            assert set(people.drill_participants(store, drill.id)) == set(TRAINEES)
        finally:
            store.dispose()

        trainer.get_by_role("button", name="End drill").click()
        wait_idle(trainer, timeout=90_000)
        trainer.get_by_text("Debrief: the cohort side by side").wait_for()
        trainer.get_by_text("Agreement (quadratic weighted κ)").wait_for()
        assert trainer.locator('[data-testid="stException"]').count() == 0
    finally:
        for ctx in contexts:
            ctx.close()
