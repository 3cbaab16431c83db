"""Browser journey: a quarterly mock drill. A trainer schedules and starts a cohort drill for a
cohort of three; two trainees join from their own browsers and act (the third never joins); the
trainer's live board shows each joined trainee's actions (HTML they typed shown as text) and counts
who joined; the trainer ends it and reads the side-by-side debrief."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from simulator.store import open_store, people
from tests.e2e.conftest import PASSWORD, own_server, wait_idle

pytestmark = pytest.mark.e2e
TRAINEES = {
    "trainee1": ("Tia Trainee", "CRITICAL"),
    "trainee2": ("Theo Trainee", "HIGH"),
    "trainee3": ("Tara Trainee", "MEDIUM"),
}
# Two who join prove what a third would (one board line each, kept apart, compared side by side);
# the third member stays away, so the board must also tell joined from not joined. Each browser
# that joins costs the server a live drill view while it is open.
JOINING = ("trainee1", "trainee2")
_DB: dict[str, str] = {}


@pytest.fixture(scope="module")
def cohort_server(tmp_path_factory):
    with own_server(tmp_path_factory, "cohort-e2e", prepare=_cohort_of_trainees) as (base, url):
        _DB["url"] = url
        yield base


def _cohort_of_trainees(url: str) -> None:
    store = open_store(url)
    now = datetime.now(UTC)
    cohort = people.create_cohort(store, "Mock drill cohort", now.date(), "trainer", now)
    for username in TRAINEES:
        people.add_member(store, cohort.id, username, "trainer", now)
    store.dispose()


# Every wait below is for a condition the user would see, never a fixed sleep, and each allows a
# busy machine (other test runs, CPU-burning neighbours) several times the usual time.
STEP_MS = 120_000

# The confirmation is what the trainee waits for. The script need not be idle: the Drill page's
# live view may be rerunning on its own, and on a busy machine those runs can follow each other.
# A refusal ("Choose a severity first.", "Write the update first.": a rerun landed while the form
# was being filled and took the choice or the text with it) ends the wait too, unless one was
# already shown before the press (then only the confirmation, or the step's timeout, does).
_REFUSAL = r"^(Choose|Write) .* first"
_OUTCOME = """([previous, refusalEnds, refusal]) => {
    const shown = [...document.querySelectorAll('[data-testid="stAlert"]')].map(e => e.innerText);
    const done = shown.filter(t => /Recorded at \\d\\d:\\d\\d:\\d\\d/.test(t));
    if (done.length > 0 && done[0] !== previous) return true;
    return refusalEnds && shown.some(t => new RegExp(refusal).test(t)); }"""


def _no_exception(page) -> None:
    exc = page.locator('[data-testid="stException"]')
    if exc.count():
        raise AssertionError("the page shows an exception: " + exc.first.inner_text()[:2000])


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url)
    wait_idle(page, timeout=STEP_MS)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for(timeout=STEP_MS)
    wait_idle(page, timeout=STEP_MS)


def _open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    wait_idle(page, timeout=STEP_MS)


def _select(page, label: str, option: str) -> None:
    """Choose by typing and Enter: an option list redrawn by a rerun mid-click cannot swallow it."""
    for _ in range(3):
        page.get_by_role("combobox", name=label).click()
        page.keyboard.type(option)
        try:
            page.get_by_role("option").first.wait_for(timeout=STEP_MS // 4)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Enter")
        return
    raise AssertionError(f"{label}: the option list for {option!r} never opened")


def _tab(page, name: str) -> None:
    # Choosing a tab may rerun the page; the next fill or click waits for its widget to be there.
    page.get_by_role("tab", name=name, exact=True).last.click()


def _last_confirmation(page) -> str:
    texts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    return next((t for t in texts if re.search(r"Recorded at \d\d:\d\d:\d\d", t)), "")


def _shown_alerts(page) -> list[str]:
    return [t[:200] for t in page.locator('[data-testid="stAlert"]').all_inner_texts()]


def _refused(page) -> bool:
    return any(re.match(_REFUSAL, t) for t in _shown_alerts(page))


def _recorded(page, button: str, before=lambda: None) -> None:
    """Fill the form (`before`), press its button and wait for *its* confirmation: a "Recorded at …"
    line other than the one shown before the press (a slow rerun cannot pass off the previous
    action's). A form the page answered with "Choose … first" or "Write … first" (a rerun that
    landed while it was being filled) is filled and pressed again."""
    for _ in range(3):
        previous = _last_confirmation(page)
        refusal_ends = not _refused(page)
        before()
        page.get_by_role("button", name=button, exact=True).click()
        try:
            page.wait_for_function(_OUTCOME, arg=[previous, refusal_ends, _REFUSAL], timeout=STEP_MS)
        except PlaywrightTimeout:
            if not _refused(page):
                raise AssertionError(
                    f"{button}: no confirmation; the page shows {_shown_alerts(page)}"
                ) from None
            continue
        if _last_confirmation(page) in ("", previous):
            continue  # the refusal ended the wait
        _no_exception(page)
        return
    raise AssertionError(f"{button}: refused three times; the page shows {_shown_alerts(page)}")


def _acknowledge(page) -> None:
    """Acknowledge once the page has arrived on the shared clock: wait until the pager shows it
    (the live view redraws on its own), press, and wait for what the trainee sees then: the button
    turns to "Acknowledged." (disabled). Pressed again if a rerun swallowed the press."""
    page.get_by_text("NOT ACKNOWLEDGED").first.wait_for(timeout=STEP_MS)
    # While the live fragment redraws, Streamlit shows the old pager and the new one for a moment:
    # the last one is the current.
    button = page.get_by_role("button", name="Acknowledge the page", exact=True).last
    for _ in range(3):
        button.click()
        try:
            expect(button).to_be_disabled(timeout=STEP_MS)
        except AssertionError:
            continue
        _no_exception(page)
        return
    raise AssertionError(f"Acknowledge: never taken; the page shows {_shown_alerts(page)}")


# Three browsers and a long journey: on a machine at load 20 it takes longer than the suite's default
# 600 s per test, and slow is not wrong here (no timing is asserted).
@pytest.mark.timeout(1800)
def test_trainer_runs_a_cohort_drill_and_sees_every_trainees_actions(cohort_server, playwright_browser):
    contexts = []
    try:

        def new_page():
            ctx = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(ctx)
            p = ctx.new_page()
            p.set_default_timeout(STEP_MS)
            return p

        trainer = new_page()
        _sign_in(trainer, cohort_server, "trainer")
        _open_page(trainer, "Live drill board")
        # A scenario whose first page comes early (T+05:10, about a minute in at 5×). At 10× a busy
        # machine let the shared clock run out before the last trainee acted.
        _select(trainer, "Scenario", "vulnerability-disclosed")
        speed = trainer.get_by_role("slider").first
        speed.focus()
        speed.press("End")
        speed.press("ArrowLeft")  # 5×
        trainer.get_by_role("button", name="Schedule drill").click()
        start = trainer.get_by_role("button", name="Start drill")
        start.wait_for(timeout=STEP_MS)

        # The trainees join while the drill is scheduled, as on a drill day before the trainer
        # says go: the shared clock then runs only while they act, not while their browsers sign in.
        joined = {}
        for username in JOINING:
            page = new_page()
            _sign_in(page, cohort_server, username)
            _open_page(page, "Cohort drill")
            page.get_by_text("waiting for the trainer to start the clock").wait_for(timeout=STEP_MS)
            page.get_by_role("button", name="Join the drill").click()
            page.wait_for_url(re.compile(r"attempt=\d+"), timeout=STEP_MS)
            page.get_by_text("Cohort drill: the trainer runs the clock.").wait_for(timeout=STEP_MS)
            joined[username] = page

        running = trainer.get_by_text("status running").first
        for _ in range(3):  # a press that lands while the board is rerunning is pressed again
            start.click()
            try:
                running.wait_for(timeout=STEP_MS // 2)
                break
            except PlaywrightTimeout:
                if not start.count():
                    raise
        running.wait_for(timeout=STEP_MS)

        for username, page in joined.items():
            severity = TRAINEES[username][1]
            _recorded(page, "Classify", lambda p=page, s=severity: _select(p, "Severity", s))
            _tab(page, "Communicate")
            box = page.get_by_label("Update (impact, what you are doing, when the next update comes)")
            text = f"<script>alert('{username}')</script> checking the pool"
            _recorded(page, "Post update", lambda b=box, t=text: b.fill(t))
            _tab(page, "Triage")

        # While the first page is on its way, the board (it refreshes itself every two seconds: no
        # reload, no click) shows who joined and what each has done, the third member not joined.
        trainer.locator('[data-testid="stMetric"]', has_text="Joined").filter(has_text="2 / 3").wait_for(
            timeout=STEP_MS
        )
        for username in JOINING:
            name, severity = TRAINEES[username]
            trainer.get_by_text(re.compile(rf"{name} · classify: {severity}")).first.wait_for(timeout=STEP_MS)
            trainer.get_by_text(
                f"{name} · post update: <script>alert('{username}')</script> checking the pool", exact=False
            ).first.wait_for(timeout=STEP_MS)

        for page in joined.values():
            _acknowledge(page)
            # Done: the trainee leaves, and their live view stops costing the server while others work.
            contexts.remove(page.context)
            page.context.close()
        for username in JOINING:
            name = TRAINEES[username][0]
            trainer.get_by_text(re.compile(rf"{name} · acknowledge")).first.wait_for(timeout=STEP_MS)
        assert trainer.locator('[data-testid="stException"]').count() == 0

        store = open_store(_DB["url"])
        try:
            drill = people.cohort_drills(store)[0]
            assert set(people.drill_participants(store, drill.id)) == set(JOINING)
        finally:
            store.dispose()

        trainer.get_by_role("button", name="End drill").click()
        trainer.get_by_text("Debrief: the cohort side by side").wait_for(timeout=STEP_MS)
        trainer.get_by_text("Agreement (quadratic weighted κ)").wait_for(timeout=STEP_MS)
        assert trainer.locator('[data-testid="stException"]').count() == 0
    finally:
        for ctx in contexts:
            ctx.close()
