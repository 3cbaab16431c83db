"""Browser journey: a trainee works a runbook exercise step by step and passes it."""

from __future__ import annotations

import pytest

from simulator.runbooks import expert_path, load_runbooks
from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_trainee_completes_the_service_restart_runbook(app_server, browser_page):
    page = browser_page
    rb = load_runbooks()["service_restart"]
    sign_in(page, app_server, "trainee1")
    open_page(page, "Runbook exercises")
    page.get_by_role("combobox", name="Runbook").click()
    page.get_by_role("option", name=rb.title).click()
    wait_idle(page)
    for action_id in expert_path(rb):
        page.get_by_role("button", name=rb.action(action_id).label, exact=True).click()
        wait_idle(page)
    # The terminal shows the simulated result of the last step: the service is healthy again.
    assert page.locator("code", has_text="Error rate 0.03% on all three instances").count() == 1
    page.get_by_role("button", name="Finish and score").click()
    wait_idle(page)
    assert page.get_by_text("Passed: 100%").is_visible()
    open_page(page, "Curriculum")
    page.get_by_text("Day 3: Runbook exercises — 1/4").click()
    wait_idle(page)
    assert page.get_by_text("Runbook 1: service restart — passed").is_visible()
