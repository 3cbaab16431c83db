"""Browser: a trainee never reaches a trainer or admin page — not from the menu, and not by typing
the page's address (which starts a new session, asks for sign-in, then shows the trainee's home)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.permissions import STAFF
from tests.e2e.conftest import PASSWORD, prepare_database, sign_in, start_server, stop_server, wait_idle
from ui.navigation import PAGES

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
STAFF_ENTRIES = [p for p in PAGES if set(p.roles) <= set(STAFF) and (ROOT / p.path).exists()]


def test_a_trainees_menu_has_no_trainer_or_admin_page(app_server, browser_page):
    sign_in(browser_page, app_server, "trainee1")
    nav = browser_page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Home" in nav
    for entry in STAFF_ENTRIES:
        assert entry.title not in nav


@pytest.mark.parametrize("entry", STAFF_ENTRIES, ids=lambda e: Path(e.path).stem)
def test_a_trainee_typing_a_trainer_pages_address_does_not_get_it(entry, app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/{Path(entry.path).stem}")
    wait_idle(page)
    # Signed out, the only page is the sign-in form: Streamlit says so in a dialog over it.
    dialog = page.get_by_role("dialog")
    if dialog.count():
        assert "Page not found" in dialog.first.inner_text()
        page.keyboard.press("Escape")
        dialog.first.wait_for(state="hidden")
    page.get_by_label("Username").fill("trainee1")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    page.locator('[data-testid="stSidebar"]').get_by_text("trainee1 · trainee").wait_for()
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert page.get_by_role("heading", name=entry.title, exact=True).count() == 0, main[:500]
    assert page.locator('[data-testid="stDataFrame"]').count() == 0


def test_the_first_request_after_a_start_cannot_use_the_legacy_page_folder_menu(tmp_path, browser_page):
    """Streamlit treats an app with a pages/ folder as a legacy multipage app until app.py's
    st.navigation runs; a deep link as the very first request must still go through app.py."""
    url = f"sqlite:///{tmp_path / 'firedrill.db'}"
    prepare_database(url)
    proc, base = start_server(url)
    try:
        page = browser_page
        page.goto(f"{base}/audit")
        wait_idle(page)
        page.get_by_role("heading", name="Sign in").wait_for()
        sidebar = page.locator('[data-testid="stSidebar"]')
        listed = sidebar.inner_text() if sidebar.count() else ""
        for leaked in ("cohort board", "admin", "audit", "signoff"):
            assert leaked not in listed.lower()
    finally:
        stop_server(proc)
