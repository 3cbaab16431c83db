"""Browser journey: a trainer creates a scenario from a template in the Scenario studio, sees a
validation error appear and fixes it, previews the alerts, saves it, and a trainee can then start
a drill on it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e

TITLE = "Checkout errors drafted in the browser"


def _editor(page):
    return page.get_by_role("textbox", name="Scenario YAML")


def _edit(page, text: str) -> None:
    box = _editor(page)
    box.fill(text)
    box.press("Control+Enter")  # Streamlit takes a text area's value on Ctrl+Enter or blur
    wait_idle(page)


def test_trainer_authors_a_scenario_and_a_trainee_drills_on_it(app_server, browser_page, browser_context):
    page = browser_page
    sign_in(page, app_server, "trainer")
    open_page(page, "Scenario studio")

    page.get_by_role("combobox", name="Template").click()
    page.get_by_role("option", name="bad deploy revert").click()
    page.get_by_role("button", name="Use this template").click()
    wait_idle(page)
    text = _editor(page).input_value()
    assert "id: my-bad-deploy" in text

    text = text.replace("id: my-bad-deploy", "id: e2e-checkout-errors").replace(
        "title: Errors after a deploy", f"title: {TITLE}"
    )
    # A mistake (difficulty runs from 1 to 5): the problem appears with its line and column.
    _edit(page, text.replace("difficulty: 2", "difficulty: 7"))
    page.get_by_text("1 problem(s) to fix").wait_for()
    line = text.splitlines().index("difficulty: 2") + 1
    assert page.get_by_text(
        re.compile(rf"line {line}, column 13 · difficulty: .*less than or equal to 5")
    ).is_visible()
    assert page.get_by_role("button", name="Save version").is_disabled()

    _edit(page, text)
    page.get_by_text(re.compile(f"Valid: {TITLE}")).wait_for()
    assert page.get_by_text("problem(s) to fix").count() == 0

    page.get_by_role("tab", name="Alerts", exact=True).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"APIErrorRateHigh fires at \d\d:\d\d:\d\d UTC")).wait_for()
    assert page.get_by_text("No alert fires on this trace").count() == 0

    page.get_by_role("button", name="Save version").click()
    wait_idle(page)
    page.get_by_text("Saved e2e-checkout-errors version 1").wait_for()
    assert page.get_by_role("button", name="Play as trainee").is_enabled()

    trainee = browser_context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tpage = trainee.new_page()
        tpage.set_default_timeout(30_000)
        sign_in(tpage, app_server, "trainee1")
        open_page(tpage, "Drill")
        tpage.get_by_role("combobox", name="Scenario").click()
        tpage.get_by_role("option", name=re.compile(re.escape(TITLE))).click()
        tpage.get_by_role("button", name="Start drill").click()
        wait_idle(tpage)
        assert re.search(r"attempt=\d+", tpage.url)
        tpage.get_by_role("heading", name=TITLE).wait_for()
    finally:
        trainee.close()
