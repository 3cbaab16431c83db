"""Browser: the very first start has no accounts and no default password — it asks for the first
admin, who then creates a trainer on the People page; that trainer can sign in."""

from __future__ import annotations

import pytest

from simulator.store import open_store
from tests.e2e.conftest import open_page, sign_in, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e


def test_the_first_start_creates_the_admin_who_creates_a_trainer(tmp_path, browser_context):
    url = f"sqlite:///{tmp_path / 'firedrill.db'}"
    open_store(url).dispose()  # schema only: no users at all
    proc, base = start_server(url)
    try:
        page = browser_context.new_page()
        page.set_default_timeout(45_000)
        page.goto(base)
        wait_idle(page)
        page.get_by_role("heading", name="Create the first admin").wait_for()
        page.get_by_label("Username").fill("chief")
        page.get_by_label("Display name").fill("Chief <i>Admin</i>")
        page.get_by_label("Password", exact=True).fill("a-long-admin-secret")
        page.get_by_label("Repeat password").fill("a-long-admin-secret")
        page.get_by_role("button", name="Create the first admin").click()
        wait_idle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("chief · admin").wait_for()
        sidebar.get_by_text("Chief <i>Admin</i>").wait_for()  # typed HTML shown as text

        open_page(page, "People")
        page.get_by_role("textbox", name="Username").fill("tina")
        page.get_by_role("textbox", name="Display name").fill("Tina Trainer")
        page.get_by_role("combobox", name="Role").click()
        page.get_by_role("option", name="trainer", exact=True).click()
        page.get_by_role("textbox", name="Initial password").fill("first-trainer-secret")
        page.get_by_role("button", name="Create account").click()
        wait_idle(page)
        page.get_by_text("Created tina (trainer).").wait_for()

        other = browser_context.browser.new_context()
        try:
            second = other.new_page()
            second.set_default_timeout(45_000)
            sign_in(second, base, "tina", "first-trainer-secret")
            second.locator('[data-testid="stSidebar"]').get_by_text("tina · trainer").wait_for()
        finally:
            other.close()
    finally:
        stop_server(proc)
