"""Browser journey: a trainee opens the On-call page, sees who is on call, the calendar and the
escalation simulator's page timeline."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_trainee_sees_the_rotation_and_simulates_an_escalation(app_server, browser_page):
    page = browser_page
    sign_in(page, app_server, "trainee1")
    open_page(page, "On-call")
    assert page.locator("h1").filter(has_text="On-call").count() == 1
    assert page.get_by_text("outgoing primary stays on call alongside the incoming one").is_visible()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=20_000)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() == 2
    calendar = charts.first
    calendar.scroll_into_view_if_needed()
    assert "primary" in calendar.inner_text() and "backup" in calendar.inner_text()

    # Acknowledged after 5 minutes (the default): the backup was paged at 2 minutes, nobody after.
    timeline = charts.last
    timeline.scroll_into_view_if_needed()
    assert "On-call backup" in timeline.inner_text()
    page.get_by_label("Severity").click()
    page.get_by_role("option", name="LOW").click()
    wait_idle(page)
    timeline = page.locator('[data-testid="stPlotlyChart"]').last
    assert "On-call backup" not in timeline.inner_text()  # LOW is a ticket: nobody is paged
    assert "ticket" in timeline.inner_text()
