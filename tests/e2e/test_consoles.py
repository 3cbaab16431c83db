"""Browser journey: a trainee practises in the Consoles sandbox and uses every console once,
ending where the seed's incident ends — the bulk query found and terminated."""

from __future__ import annotations

import math
import re

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import open_page, sign_in, wait_idle

pytestmark = pytest.mark.e2e


def _tab(page, name: str, ready: str) -> None:
    """Switch console tab (a rerun: only the open tab runs) and wait for its `ready` button."""
    page.get_by_role("tab", name=name).click()
    page.get_by_role("button", name=ready).wait_for(state="visible")
    wait_idle(page)


def _wait_code(page, text: str) -> None:
    page.locator('[data-testid="stCode"]', has_text=text).first.wait_for(state="visible")


def _code_text(page) -> str:
    return "\n".join(page.locator('[data-testid="stCode"]').all_inner_texts())


def _first_alert_minute() -> int:
    """The minute (rounded up) at which the seed scenario's first alert fires."""
    from simulator.alerts import scenario_timeline
    from simulator.scenario import load_scenario
    from simulator.traces import generate_trace

    loaded = load_scenario(ROOT / "scenarios" / "db-pool-exhaustion.yaml")
    first = scenario_timeline(loaded, generate_trace(loaded.scenario)).first_firing()
    assert first is not None
    return math.ceil(float(first) / 60)


def test_trainee_investigates_the_pool_incident_with_every_console(app_server, browser_page):
    page = browser_page
    sign_in(page, app_server, "trainee1")
    open_page(page, "Consoles sandbox")
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="API: database connection pool usage climbing").click()
    wait_idle(page)

    # Dashboards: the board with its five panels and the pool threshold.
    page.get_by_role("button", name="Open the Production Health board").click()
    page.get_by_role("button", name="Run query").wait_for(state="visible")
    wait_idle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=20_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 5
    assert page.get_by_text("DBConnectionPoolHigh > 0.8").first.is_visible()
    # Counters are charted as rates, like Grafana: the seed's two counters (requests, errors) are
    # drawn in req/s and errors/s, and no chart names a raw counter outside rate(…).
    chart_text = " ".join(page.locator('[data-testid="stPlotlyChart"]').all_text_contents())
    assert "req/s" in chart_text and "errors/s" in chart_text, chart_text[:500]
    raw = [
        m for m in re.finditer(r"(\S{0,5})([a-z_]+_total)\b", chart_text) if not m.group(1).endswith("rate(")
    ]
    assert not raw, [m.group(0) for m in raw]

    # Logs at the minute the first alert fires: the default window already finds the errors.
    first_alert_minute = _first_alert_minute()
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    for _ in range(first_alert_minute):
        slider.press("ArrowRight")
    wait_idle(page)
    _tab(page, "Logs", "Search logs")
    page.get_by_role("textbox", name="Search").fill("level:ERROR")
    page.get_by_role("button", name="Search logs").click()
    wait_idle(page)
    found = page.get_by_text(re.compile(r"^[\d,]+ hits$")).first
    found.wait_for(state="visible")
    assert int(found.inner_text().split()[0].replace(",", "")) > 0

    # Logs: a phrase search finds the pool timeouts.
    _tab(page, "Logs", "Search logs")
    page.get_by_role("textbox", name="Search").fill('"timed out acquiring" AND level:ERROR')
    page.get_by_role("button", name="Search logs").click()
    wait_idle(page)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
    assert page.get_by_text("hits", exact=False).first.is_visible()
    assert page.locator('[data-testid="stDataFrame"]').count() == 1

    # Database: the long-running bulk query, then terminate it.
    _tab(page, "Database", "Run")
    sql = page.get_by_label("SQL")
    sql.fill(
        "SELECT pid, usename, now() - query_start AS runtime FROM pg_stat_activity "
        "WHERE state = 'active' ORDER BY runtime DESC LIMIT 3"
    )
    page.get_by_role("button", name="Run").click()
    wait_idle(page)
    _wait_code(page, "acme_analytics")
    assert "48213 | acme_analytics" in _code_text(page)
    sql.fill("SELECT pg_terminate_backend(48213)")
    page.get_by_role("button", name="Run").click()
    _wait_code(page, "pg_terminate_backend(48213)")
    wait_idle(page)
    sql.fill("SELECT count(*) AS held FROM pg_stat_activity WHERE usename = 'acme_analytics'")
    page.get_by_role("button", name="Run").click()
    _wait_code(page, "AS held")
    wait_idle(page)
    newest = _code_text(page).split("app=> ")[1]
    assert newest.splitlines()[3].strip() == "0"

    # Deploys: git log shows the suspect change.
    _tab(page, "Deploys", "Show recent deploys")
    page.get_by_role("button", name="Show recent deploys").click()
    _wait_code(page, "git log")
    wait_idle(page)
    assert "Add bulk export endpoint for enterprise tenants" in _code_text(page)

    # Infrastructure: the database shows as degraded in the AWS view; vendors are fine.
    _tab(page, "Infrastructure", "Open AWS Health")
    page.get_by_role("button", name="Open AWS Health").click()
    wait_idle(page)
    page.get_by_role("button", name="Check vendor status pages").click()
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(state="visible")
    wait_idle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 2

    # The trail lists what was looked at and done.
    page.get_by_text("Your trail").click()
    trail = page.locator('[data-testid="stExpander"]').last.inner_text()
    assert "pg_terminate_backend" in trail and "Logs" in trail
