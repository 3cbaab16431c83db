"""Browser journeys: a real `streamlit run` server and Debian's Chromium driven by Playwright.

The server runs on a free loopback port against a temporary SQLite database holding the test
users (admin, trainer, trainee1..3, password `firedrill-test-pw`). Chromium is never downloaded:
Debian's /usr/bin/chromium is launched directly. Every helper waits for Streamlit to be idle and
fails the test on any exception box on the page.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import ROOT, missing

PASSWORD = "firedrill-test-pw"
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db_url: str, port: int | None = None, extra_env: dict | None = None, script: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` (or `script`, a test's own page) on loopback; return the process
    and its base URL once healthy."""
    port = port or _free_port()
    env = {**os.environ, "FIREDRILL_DATABASE_URL": db_url, **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script or ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"streamlit exited early:\n{out}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def prepare_database(db_url: str) -> None:
    """Create the schema, the built-in content and the test users."""
    from simulator.store import open_store

    store = open_store(db_url)
    try:
        from tests.helpers import make_users

        make_users(store)
        try:
            from simulator.store.scenarios import sync_builtin

            sync_builtin(store, ROOT / "scenarios")
        except ImportError:
            pass
    finally:
        store.dispose()


def private_database(tmp_path_factory, name: str) -> str:
    """A fresh prepared SQLite database for a test module that needs its own server (so it can
    read the very database the browser writes to). Fails or skips loudly without Chromium."""
    if not Path(CHROMIUM).exists():
        missing("Debian's chromium is not installed (/usr/bin/chromium)")
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'firedrill.db'}"
    prepare_database(url)
    return url


@contextlib.contextmanager
def own_server(tmp_path_factory, name: str, prepare: Callable[[str], object] | None = None):
    """A server of a test module's own on a private database (`prepare(url)` adds what the module
    needs first): yields (base URL, database URL), so the test can read what the browser wrote."""
    url = private_database(tmp_path_factory, name)
    if prepare is not None:
        prepare(url)
    proc, base = start_server(url)
    try:
        yield base, url
    finally:
        stop_server(proc)


def open_tab(page, name: str) -> None:
    """Switch to a tab of the page (the last of that name: the action bar's) and let it rerun."""
    page.get_by_role("tab", name=name, exact=True).last.click()
    wait_idle(page)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Base URL of a real streamlit server with the test users."""
    if not Path(CHROMIUM).exists():
        missing("Debian's chromium is not installed (/usr/bin/chromium)")
    db = tmp_path_factory.mktemp("e2e") / "firedrill.db"
    url = f"sqlite:///{db}"
    prepare_database(url)
    proc, base = start_server(url)
    yield base
    stop_server(proc)


@pytest.fixture(scope="session")
def playwright_browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        missing("Debian's chromium is not installed (/usr/bin/chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context(playwright_browser):
    ctx = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture
def browser_page(browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    yield page


# Counts Streamlit's script runs inside the page, so `wait_idle` can tell that the run an action
# started has come and gone already: a fast rerun is often over before Python first looks, and then
# the wait sat out its whole grace period for a run that had finished. `__fdRuns` counts changes of
# the app's script state into "running", `__fdInputAt` is that count at the user's last input and
# `__fdSeen` is that count when the last `wait_idle` returned; a new document (reload, goto) starts
# from zero. An input inside an iframe (a component) is not seen: then `__fdSeen` alone decides.
_WATCH_RUNS = """() => {
    if (window.__fdRuns !== undefined) return;
    window.__fdRuns = 0;
    window.__fdInputAt = -1;
    window.__fdSeen = -1;
    const attr = 'data-test-script-state';
    new MutationObserver((records) => {
        records.forEach((r, i) => {
            const next = records.slice(i + 1).find((x) => x.target === r.target);
            const value = next ? next.oldValue : r.target.getAttribute(attr);
            if (value === 'running' && r.oldValue !== 'running') window.__fdRuns += 1;
        });
    }).observe(document, {subtree: true, attributes: true, attributeFilter: [attr], attributeOldValue: true});
    for (const type of ['pointerdown', 'keydown', 'input', 'change']) {
        window.addEventListener(type, () => { window.__fdInputAt = window.__fdRuns; }, true);
    }
}"""
_WATCHED: weakref.WeakSet = weakref.WeakSet()


def _watch_runs(page) -> None:
    """Count script runs in this page from now on, and in every document it loads later."""
    if page not in _WATCHED:
        page.add_init_script(f"({_WATCH_RUNS})()")
        _WATCHED.add(page)
    page.evaluate(_WATCH_RUNS)


def wait_idle(page, timeout: float = 30_000, rerun_grace: float = 1_500) -> None:
    """Wait until Streamlit finished the script run an action started, then fail on any
    exception box. A click returns before the browser has told the server about it, so first
    give the rerun up to `rerun_grace` ms to start; a run that started after the last input (or
    after the last `wait_idle`) and is over already is that run (`_WATCH_RUNS`)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    # No rerun started (or it finished already): then there is nothing to wait for.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            """() => { const a = document.querySelector('[data-testid="stApp"]');
                       if (a && a.getAttribute('data-test-script-state') === 'running') return true;
                       return window.__fdRuns !== undefined
                              && window.__fdRuns > Math.max(window.__fdInputAt, window.__fdSeen); }""",
            timeout=rerun_grace,
        )
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'; }""",
        timeout=timeout,
    )
    page.wait_for_timeout(150)
    exc = page.locator('[data-testid="stException"]')
    if exc.count():
        raise AssertionError("the page shows an exception: " + exc.first.inner_text()[:2000])
    _watch_runs(page)
    page.evaluate("() => { window.__fdSeen = window.__fdRuns; }")


def choose(page, label: str, typed: str, timeout: float = 30_000) -> None:
    """Choose in the selectbox `label` as a trainee does: open it, type, press Enter, and see the
    choice in the box. Enter picks the first filtered option, so a rerun that redraws the open list
    (the live clock) cannot swallow it as it can a click on an option element; a list that a redraw
    closed before the choice is opened again. Fails naming what the box holds instead."""
    box = page.get_by_role("combobox", name=label).last
    for _ in range(3):
        box.click()
        page.keyboard.press("ControlOrMeta+A")  # a retry types over what the last try left
        page.keyboard.type(typed)
        try:
            page.get_by_role("option").first.wait_for(timeout=timeout / 3)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Enter")
        wait_idle(page, timeout=timeout)
        # A chosen option shows its text in the box with the list closed.
        if typed.lower() in box.input_value().lower() and box.get_attribute("aria-expanded") == "false":
            return
    raise AssertionError(f"{label}: could not choose {typed!r}; the box holds {box.input_value()!r}")


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    _watch_runs(page)
    page.goto(base_url)
    wait_idle(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The rerun may not have started when the click returns: wait for the signed-in sidebar.
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    wait_idle(page)


def open_page(page, title: str) -> None:
    """Open a page from the sidebar menu by its title (keeps the signed-in session: a
    `page.goto` would reload the tab and start a new Streamlit session)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    wait_idle(page)


# Screenshots for reviewers, one place for every browser test: <repo>/test-results/screenshots/
# (git-ignored; CI can keep the folder as an artifact).
SCREENSHOTS = ROOT / "test-results" / "screenshots"


def save_screenshot(page, name: str) -> Path:
    """Save what the browser shows now as test-results/screenshots/NAME.png and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, add what each open page showed to the failure report: its
    address, every message box on it, and a screenshot in test-results/screenshots/. A CI log
    then says whether the app refused an action (and why) or never answered."""
    outcome = yield
    report = outcome.get_result()
    browser = item.funcargs.get("playwright_browser") if report.when == "call" and report.failed else None
    if browser is None:
        return
    for c, ctx in enumerate(browser.contexts):
        for p, page in enumerate(ctx.pages):
            try:
                path = SCREENSHOTS / f"failed-{item.name}-{c}-{p}.png"
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(path), timeout=5_000)
                boxes = page.locator('[data-testid="stAlert"], [data-testid="stException"]').all_inner_texts()
                shown = "\n".join(f"- {' '.join(b.split())[:300]}" for b in boxes) or "(no message boxes)"
                report.sections.append((f"browser page {c}.{p} at failure", f"{page.url}\n{path}\n{shown}"))
            except Exception as exc:  # a hung or closed page must not hide the test's own failure
                report.sections.append((f"browser page {c}.{p} at failure", f"could not read it: {exc}"))
