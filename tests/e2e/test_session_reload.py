"""Browser: a reload mid-drill keeps the trainee signed in on the same attempt; signing out ends
the session, so a reload — or the old address with its token — shows the sign-in form (issue 15.5)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_a_reload_mid_drill_keeps_the_session_and_sign_out_ends_it(app_server, browser_page):
    page = browser_page
    sign_in(page, app_server, "trainee3")
    open_page(page, "Drill")
    page.get_by_role("combobox", name="Scenario").click()
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Start drill").click()
    wait_idle(page)
    aid = re.search(r"attempt=(\d+)", page.url).group(1)
    assert "session=" in page.url
    signed_in_address = page.url

    page.reload()
    wait_idle(page)
    page.get_by_text(re.compile(rf"^Attempt {aid} ·")).wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_text("trainee3 · trainee").wait_for()

    # "End drill" asks first; "Keep going" leaves the drill running.
    page.get_by_role("button", name="End drill").click()
    wait_idle(page)
    page.get_by_text("End the drill now?").wait_for()
    page.get_by_role("button", name="Keep going").click()
    wait_idle(page)
    assert page.get_by_text("End the drill now?").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    wait_idle(page)
    assert "session=" not in page.url and "attempt=" not in page.url
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    # The token in the old address was revoked at sign-out: it opens nothing.
    page.goto(signed_in_address)
    wait_idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.get_by_text(re.compile(rf"^Attempt {aid} ·")).count() == 0
