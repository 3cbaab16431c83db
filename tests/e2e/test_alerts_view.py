"""Browser journey: a trainee opens the Alerts view, reads the page they would get, queries PromQL."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_trainee_sees_alert_bands_notifications_and_runs_a_query(app_server, browser_page):
    page = browser_page
    sign_in(page, app_server, "trainee1")
    open_page(page, "Alerts")
    assert page.get_by_role("heading", name="Alerts", exact=True).is_visible()

    # Choose the scenario whose alert pages and then resolves.
    page.locator('[data-testid="stSelectbox"]').first.click()
    # Trainees pick by the neutral briefing title, never the one that names the cause.
    page.get_by_role("option", name="API: APIDown page at 03:12 UTC").first.click()
    wait_idle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=20_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3
    messages = page.locator('[data-testid="stText"]')
    texts = [messages.nth(i).inner_text() for i in range(messages.count())]
    assert any(t.startswith("[FIRING:1] CRITICAL APIDown") for t in texts)
    assert any(t.startswith("[RESOLVED]") for t in texts)

    # A broken query is a located error, then a good one is charted.
    box = page.get_by_role("textbox", name="PromQL expression")
    box.fill("sum by (service) (rate(http_requests_total[5m])")
    page.get_by_role("button", name="Run query").click()
    wait_idle(page)
    assert "column" in page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    box.fill("sum by (service) (rate(http_requests_total[5m]))")
    page.get_by_role("button", name="Run query").click()
    wait_idle(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.get_by_text("1 series.").is_visible()
