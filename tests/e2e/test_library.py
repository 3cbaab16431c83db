"""Browser journey: open the library, open a scenario, see its chart."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_trainee_opens_the_library_and_sees_a_scenarios_chart(app_server, browser_page):
    page = browser_page
    sign_in(page, app_server, "trainee1")
    open_page(page, "Scenario library")
    page.get_by_text("API: database connection pool usage climbing  ·  difficulty 3").click()
    wait_idle(page)
    # The neutral title, never "Database connection pool exhaustion" (the answer).
    assert page.get_by_role(
        "heading", name=re.compile("database connection pool usage climbing")
    ).is_visible()
    assert page.get_by_text("exhaustion").count() == 0
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=20_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 4
