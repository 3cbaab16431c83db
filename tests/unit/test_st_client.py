"""The protocol-level load client (benchmarks/st_client.py) against a real `streamlit run` server:
it signs in through the app's form, starts a drill and records an action that lands in the
database, so the load benchmark that relies on it cannot rot silently when Streamlit or the pages
change. No timing is asserted."""

from __future__ import annotations

import pytest

from benchmarks.st_client import ProtocolError, StreamlitSession, sign_in
from simulator.store import attempts, open_store
from tests.conftest import FIXTURES
from tests.e2e.conftest import PASSWORD, prepare_database, start_server, stop_server
from tests.helpers import run_coroutine


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('st-client') / 'firedrill.db'}"
    prepare_database(url)
    proc, base = start_server(url)
    yield url, base
    stop_server(proc)


def test_client_signs_in_starts_a_drill_and_records_an_action(server):
    url, base = server

    async def drill() -> tuple[str | None, list[str], list[str]]:
        async with StreamlitSession(base, name="trainee1", timeout_s=120) as s:
            await sign_in(s, "trainee1", PASSWORD)
            await s.open_page("drill")
            s.slide_to("Speed", "60×")
            await s.click("Start drill")
            attempt = s.query_param("attempt")
            s.choose("Severity", "HIGH")
            outcome = await s.click("Classify")
            return attempt, s.alerts(), outcome.exceptions

    attempt, alerts, exceptions = run_coroutine(drill())
    assert attempt is not None and attempt.isdigit()
    assert exceptions == []
    assert any(a.startswith("Recorded at") and "HIGH" in a for a in alerts), alerts
    store = open_store(url)
    try:
        events = [e for e in attempts.events_for(store, int(attempt)) if e.is_action]
    finally:
        store.dispose()
    assert [(e.kind, e.payload.get("severity")) for e in events] == [("classify", "HIGH")]


def test_client_reports_a_refused_sign_in_and_a_missing_widget(server):
    _url, base = server

    async def wrong_password() -> None:
        async with StreamlitSession(base, name="intruder", timeout_s=120) as s:
            await sign_in(s, "trainee1", "not-the-password")

    with pytest.raises(ProtocolError, match="sign-in as 'trainee1' failed"):
        run_coroutine(wrong_password())

    async def missing_button() -> None:
        async with StreamlitSession(base, name="trainee2", timeout_s=120) as s:
            await sign_in(s, "trainee2", PASSWORD)
            await s.click("Launch the rockets")

    with pytest.raises(ProtocolError, match="no widget labelled 'Launch the rockets'"):
        run_coroutine(missing_button())


@pytest.fixture(scope="module")
def tabs_server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('st-client-tabs') / 'unused.db'}"
    proc, base = start_server(url, script=FIXTURES / "tabs_page.py")
    yield base
    stop_server(proc)


def test_client_switches_tabs_that_draw_only_the_open_tab(tabs_server):
    async def switch() -> dict[str, object]:
        seen: dict[str, object] = {}
        async with StreamlitSession(tabs_server, name="tabs", timeout_s=120) as s:
            await s.connect()
            seen["first"] = s.find_optional("Name") is not None and s.has_text("Open tab: First")
            s.set_text("Name", "Ada")
            await s.open_tab("Second")
            seen["second"] = (s.find_optional("Name"), s.has_text("Open tab: Second"))
            await s.click("Only in second")  # a later rerun carries the open tab
            seen["pressed"] = s.has_text("Pressed in the second tab") and s.has_text("Open tab: Second")
            seen["again"] = (await s.open_tab("Second")).ran
            await s.open_tab("First")
            # The browser forgot the field's value while its tab was closed, and so did the client.
            seen["back"] = s.has_text("Open tab: First") and s.has_text("Name is ''")
            await s.click("Open the third tab")
            await s.click("Only in third")  # the tab the script opened is the one carried on
            seen["third"] = s.has_text("Open tab: Third")
            seen["plain"] = (await s.open_tab("Plain B")).ran
            with pytest.raises(ProtocolError) as missing:
                await s.open_tab("Fourth")
            seen["missing"] = str(missing.value)
        return seen

    seen = run_coroutine(switch())
    assert seen["first"] is True
    assert seen["second"] == (None, True)
    assert seen["pressed"] is True
    assert seen["again"] is False
    assert seen["back"] is True
    assert seen["third"] is True
    assert seen["plain"] is False
    assert "no tab labelled 'Fourth'" in str(seen["missing"])
    assert "['First', 'Second', 'Third'], ['Plain A', 'Plain B']" in str(seen["missing"])
