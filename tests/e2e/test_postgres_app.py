"""Browser: the same app on PostgreSQL (FIREDRILL_DATABASE_URL=postgresql+psycopg://…): the schema is
migrated there, people sign in, and what they do is stored and read back."""

from __future__ import annotations

import pytest

from simulator.store import open_store, people
from tests.e2e.conftest import open_page, prepare_database, sign_in, start_server, stop_server, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_the_app_runs_on_postgresql(pg_url, browser_page):
    prepare_database(pg_url)
    proc, base = start_server(pg_url)
    try:
        page = browser_page
        sign_in(page, base, "trainer")
        open_page(page, "Cohorts")
        page.get_by_label("Cohort name").fill("Postgres cohort")
        page.get_by_role("button", name="Create cohort").click()
        wait_idle(page)
        page.get_by_text("Created cohort Postgres cohort.").wait_for()
        open_page(page, "Audit log")
        page.get_by_role("heading", name="Audit log").wait_for()
        page.locator('[data-testid="stDataFrame"]').first.wait_for()
    finally:
        stop_server(proc)
    store = open_store(pg_url)
    try:
        assert store.dialect == "postgresql"
        assert [c.name for c in people.list_cohorts(store)] == ["Postgres cohort"]
        assert {"sign_in", "create_cohort"} <= {e.action for e in people.audit_log(store)}
    finally:
        store.dispose()
