"""Browser journey: open the library, open a scenario, see its chart."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_trainee_opens_the_library_and_sees_a_scenarios_chart(app_server, browser_page):
    page = browser_page
    sign_in(page, app_server, "trainee1")
    open_page(page, "Scenario library")
    page.get_by_text("Database connection pool exhaustion  ·  difficulty 3").click()
    wait_idle(page)
    assert page.get_by_role("heading", name="Database connection pool exhaustion").is_visible()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=20_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 4
