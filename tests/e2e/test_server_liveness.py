"""One hostile user cannot freeze the server for everyone (issue 16.1, 16.2).

A real `streamlit run` server; a trainee in Chromium types the queries that used to freeze it —
the catastrophic label regex in the Alerts page's PromQL box, the quadratic comment in the psql
console, a backtracking wildcard in the log search — while a second client polls
`/_stcore/health`. Timing is the security property asserted here: the health check keeps
answering within 1 s (the old code left it dead for 30-60 s, so every check in the window took
tens of seconds). On a shared 2-core machine at load 20 the operating system alone can hold a
process back for a second now and then, so the assertion is that at least 80% of the checks
answer within 1 s and none takes longer than 5 s; the endpoint normally answers in milliseconds.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from contextlib import contextmanager

import pytest

from tests.e2e.conftest import open_page, own_server, sign_in, wait_idle

pytestmark = pytest.mark.e2e

HEALTH_BOUND_SECONDS = 1.0
WITHIN_BOUND_SHARE = 0.8  # of the checks must answer within HEALTH_BOUND_SECONDS
WORST_CHECK_SECONDS = 5.0  # no check may take longer (the frozen server took 30-60 s)
HOSTILE_PROMQL = '{__name__=~"(.*.*)*x"}'
HOSTILE_SQL = "SELECT 1 " + "/*x" * 40000  # froze the server ~33 s
LONGEST_HOSTILE_SQL = "SELECT 1 " + "/*x" * 3330  # 9,999 characters: what the box lets through
MEMORY_HOG_SQL = (
    "WITH RECURSIVE r(n, x) AS (SELECT 1, zeroblob(90000) UNION ALL SELECT n + 1, x FROM r WHERE n < 30000) "
    "SELECT count(*) FROM (SELECT x || '' FROM r ORDER BY random())"
)
HOSTILE_LOG_SEARCH = "*?" * 12 + "Q"


@pytest.fixture(scope="module")
def liveness_server(tmp_path_factory):
    """A server of its own: if a hostile query did freeze it, no other test is disturbed."""
    with own_server(tmp_path_factory, "liveness") as (base, _url):
        yield base


class HealthProbe:
    """A second client: polls the health endpoint and records how long each answer took."""

    def __init__(self, base: str):
        self.url = f"{base}/_stcore/health"
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as r:
                    ok = r.read().decode().strip() == "ok"
                self.latencies.append(time.monotonic() - started)
                if not ok:
                    self.failures.append("health check did not say ok")
            except OSError as exc:
                self.latencies.append(time.monotonic() - started)
                self.failures.append(f"health check failed: {exc}")
            self._stop.wait(0.1)

    @contextmanager
    def running(self):
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=15)


def _while_probed(base: str, act) -> HealthProbe:
    """Run `act()` (which submits a hostile query and waits for its answer) under a health probe
    that starts before the submit and keeps polling one second after the answer."""
    probe = HealthProbe(base)
    with probe.running():
        time.sleep(0.3)
        act()
        time.sleep(1.0)
    return probe


def _assert_responsive(probe: HealthProbe, what: str) -> None:
    assert not probe.failures, f"{what}: {probe.failures[:3]}"
    assert len(probe.latencies) >= 5, f"{what}: too few health checks ran ({len(probe.latencies)})"
    slowest = max(probe.latencies)
    within = sum(latency < HEALTH_BOUND_SECONDS for latency in probe.latencies) / len(probe.latencies)
    summary = (
        f"{what}: {len(probe.latencies)} health checks, {within:.0%} within {HEALTH_BOUND_SECONDS} s, "
        f"slowest {slowest:.2f} s"
    )
    print(summary)  # the measurement, for the record (pytest -s or -rP shows it)
    assert within >= WITHIN_BOUND_SHARE, summary
    assert slowest < WORST_CHECK_SECONDS, summary


def test_hostile_queries_do_not_stall_a_second_client(liveness_server, browser_page):
    page = browser_page
    sign_in(page, liveness_server, "trainee1")

    # 1. The catastrophic regex in the Alerts page's PromQL box.
    open_page(page, "Alerts")
    box = page.get_by_role("textbox", name="PromQL expression")

    def run_promql() -> None:
        box.fill(HOSTILE_PROMQL)
        page.get_by_role("button", name="Run query").click()
        wait_idle(page)
        page.get_by_text("0 series.").wait_for(state="visible")

    _assert_responsive(_while_probed(liveness_server, run_promql), "PromQL regex")

    # 2. The psql console: the box does not take the 120,000-character comment at all (the
    # server refuses it too, tests/test_hostile_queries.py); the longest one it takes is answered
    # at once, and so is a query built to exhaust memory.
    open_page(page, "Consoles sandbox")
    page.get_by_role("tab", name="Database").click()
    page.get_by_role("button", name="Run").wait_for(state="visible")
    wait_idle(page)
    sql_box = page.get_by_label("SQL")
    sql_box.fill(HOSTILE_SQL)
    assert len(sql_box.input_value()) <= 10_000

    def run_sql(sql: str, answer: str):
        def act() -> None:
            sql_box.fill(sql)
            page.get_by_role("button", name="Run").click()
            wait_idle(page)
            newest = page.locator('[data-testid="stCode"]', has_text=sql[:60]).first
            newest.wait_for(state="visible")
            assert answer in newest.inner_text()[-400:], newest.inner_text()[-400:]

        return act

    _assert_responsive(
        _while_probed(liveness_server, run_sql(LONGEST_HOSTILE_SQL, "unterminated /* comment")),
        "psql comment",
    )
    _assert_responsive(
        _while_probed(liveness_server, run_sql(MEMORY_HOG_SQL, "out of memory")), "psql memory"
    )

    # 3. A backtracking wildcard in the log search.

    page.get_by_role("tab", name="Logs").click()
    page.get_by_role("button", name="Search logs").wait_for(state="visible")
    wait_idle(page)

    def run_log_search() -> None:
        page.get_by_label("Search").fill(HOSTILE_LOG_SEARCH)
        page.get_by_role("button", name="Search logs").click()
        wait_idle(page)
        page.get_by_text("0 hits", exact=False).first.wait_for(state="visible")

    _assert_responsive(_while_probed(liveness_server, run_log_search), "log wildcard")
