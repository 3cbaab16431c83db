"""Browser: a 60× drill whose clock cannot run out silently, and who is who on the pager.

The trainee sees the time left from the start, Acknowledge stays disabled until a page arrives,
a speed change keeps what they typed, the pager and chat name them as the primary and the expert
they page is someone else, a warning comes five simulated minutes before the end, a fix applied
then is stamped when it was made, and when the time is over the page says so and refuses further
actions instead of stamping them at the end. A 1440×900 screenshot of the drill at its end is
saved to test-results/screenshots/ (see `save_screenshot`).
"""

from __future__ import annotations

import re

import pytest

from simulator.drill import person_for, trainee_seat
from simulator.services import drills as attempts
from simulator.store import open_store
from simulator.vocabulary import Role
from tests.e2e.conftest import choose, open_page, open_tab, own_server, save_screenshot, sign_in, wait_idle

pytestmark = pytest.mark.e2e
_DB: dict[str, str] = {}


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory):
    with own_server(tmp_path_factory, "drill-clock-e2e") as (base, url):
        _DB["url"] = url
        yield base


def _store():
    return open_store(_DB["url"])


def _clock_text(page) -> str:
    return page.locator('[data-testid="drill-clock"]').inner_text()


_tab = open_tab


def _recorded(page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Recorded at \d\d:\d\d:\d\d")).first.wait_for()


def _press(page, name: str) -> None:
    page.get_by_role("button", name=re.compile(name)).first.click()
    wait_idle(page)


def test_a_60x_drill_shows_time_left_warns_and_ends_clearly_with_the_fix_counted(
    clock_server, playwright_browser
):
    ctx = playwright_browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(45_000)
    try:
        sign_in(page, clock_server, "trainee1")
        open_page(page, "Drill")
        choose(page, "Scenario", "API: database connection pool")
        page.get_by_role("button", name="Start drill").click()  # at 1×
        wait_idle(page)
        aid = int(re.search(r"attempt=(\d+)", page.url).group(1))
        store = _store()
        drill = attempts.drill_for(attempts.get_attempt(store, aid))

        # Time left is visible from the start, and nothing can be acknowledged before a page.
        page.locator('[data-testid="drill-clock"]').get_by_text("running at 1×").wait_for()
        assert "Time left" in _clock_text(page)
        ack = page.get_by_role("button", name="Acknowledge the page", exact=True)
        assert ack.is_disabled()

        # Who is who: the trainee is the primary; the person whose turn they take is no one else.
        main = page.locator('[data-testid="stMain"]')
        assert "You are the primary on-call engineer" in main.inner_text()
        seat = trainee_seat(drill, 0.0).name

        # Work typed before a speed change is still there after it.
        _tab(page, "Triage")
        page.get_by_label("Why?").fill("pool graph pinned at 100%")
        slider = page.get_by_role("slider").first
        slider.focus()
        slider.press("End")  # 60×
        wait_idle(page)
        page.locator('[data-testid="drill-clock"]').get_by_text("running at 60×").wait_for()
        assert page.get_by_label("Why?").input_value() == "pool graph pinned at 100%"

        # The page arrives on its own (the browser clock wakes the server), then Acknowledge works.
        page.get_by_text("NOT ACKNOWLEDGED").first.wait_for(timeout=60_000)
        _press(page, "^pause Pause$|^Pause$")
        pager = page.get_by_test_id("pager").inner_text()
        assert "to You (primary on-call)" in pager
        assert ack.is_enabled()
        ack.click()
        wait_idle(page)
        page.get_by_text(re.compile(r"Recorded at \d\d:\d\d:\d\d")).first.wait_for()

        _tab(page, "Escalate")
        choose(page, "Call", Role.SME.title[:24])
        page.get_by_label("Reason", exact=True).fill("pool exhausted, need a database expert")
        _recorded(page, "Page / call")
        expert = person_for(drill, Role.SME, 0.0)
        assert expert != seat
        page.get_by_role("tab", name="#incidents", exact=True).click()
        page.get_by_text(f"You paged {expert}").first.wait_for()
        page.get_by_text(f"Escalated: {expert} (sme)").first.wait_for()
        chat_and_pager = main.inner_text()
        assert seat not in chat_and_pager.replace(f"You take {seat}'s turn", "")

        # Run on: a warning comes before the end; the fix applied then counts when it was made.
        _press(page, "Resume")
        page.get_by_text("min of drill time left").first.wait_for(timeout=90_000)
        _press(page, "Pause")
        _tab(page, "Diagnose & fix")
        choose(page, "Mitigation", "Terminate the long-running")
        _recorded(page, "Apply mitigation")
        fix = next(e for e in attempts.events_for(store, aid) if e.kind == "mitigate")
        assert drill.duration - 330 <= fix.at_offset < drill.duration - 1

        # Time runs out: a clear end state, and later actions are refused, not stamped at the end.
        _press(page, "Resume")
        page.get_by_text("Drill time is over.").first.wait_for(timeout=90_000)
        assert "Drill time is over" in _clock_text(page)
        save_screenshot(page, "drill-time-over")
        _tab(page, "Diagnose & fix")
        page.get_by_label("What did you check?").fill("pool usage back to normal")
        page.get_by_role("button", name="Verify recovery", exact=True).click()
        wait_idle(page)
        page.get_by_text(re.compile("Drill time is over \\(the scenario ended at")).first.wait_for()
        kinds = [e.kind for e in attempts.events_for(store, aid) if e.is_action]
        assert kinds == ["acknowledge", "escalate", "mitigate"]

        # The debrief scores the drill as it happened: the fix at its own time.
        _tab(page, "Report")
        page.get_by_role("button", name="Finish and see the debrief").click()
        wait_idle(page)
        page.get_by_text(re.compile("Score|score")).first.wait_for()
        card = attempts.get_attempt(store, aid).score
        assert card is not None
        stamped = [e.at_offset for e in attempts.events_for(store, aid) if e.kind == "mitigate"]
        assert stamped == [fix.at_offset]
        store.dispose()
    except Exception:
        save_screenshot(page, "drill-clock-failure")  # what the browser showed when it failed
        raise
    finally:
        ctx.close()
