"""Helpers for page tests: a signed-in AppTest of the real app, and the standard test users.

`app_test` drives `app.py` (so the menu, the sidebar and the page's own role check all run) with a
user signed in exactly the way `ui.auth` reads it: a live session token in session state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from simulator.store import Store, open_store, people

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PASSWORD = "firedrill-test-pw"
TEST_USERS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin", "Ada Admin"),
    ("trainer", "trainer", "Tom Trainer"),
    ("trainee1", "trainee", "Tia Trainee"),
    ("trainee2", "trainee", "Theo Trainee"),
    ("trainee3", "trainee", "Tara Trainee"),
)
_DEFAULT_NAME = {"admin": "admin", "trainer": "trainer", "trainee": "trainee1"}


def _always_navigation(init):
    """AppTest resets `PagesManager.uses_pages_directory` before every run and, because a `pages/`
    folder exists, Streamlit then takes the legacy v1 path: from the second run on it executes the
    page file alone and skips app.py (no sidebar, no menu, no sign-out). app.py always calls
    st.navigation, so in tests the flag is pinned to False, which is what the real server ends up
    with after its first run."""

    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    patched.__wrapped__ = init  # type: ignore[attr-defined]
    return patched


if not hasattr(PagesManager.__init__, "__wrapped__"):
    PagesManager.__init__ = _always_navigation(PagesManager.__init__)  # type: ignore[method-assign]


def _now() -> datetime:
    return datetime.now(UTC)


def ensure_user(
    store: Store, username: str, role: str, display_name: str | None = None, password: str = PASSWORD
) -> people.Account:
    """The user with this name, created with `role` if missing (an existing user keeps theirs)."""
    found = people.get_user_by_username(store, username)
    if found is not None:
        return found
    if password != PASSWORD:
        return people.create_user(store, username, password, role, _now(), display_name)
    # The shared test password is hashed once per test process: argon2 is slow on purpose, and
    # five fresh hashes per test would dominate the page tests' run time.
    with store.session() as s:
        row = people.UserRow(
            username=username,
            display_name=display_name or username,
            role=role,
            password_hash=_test_hash(),
            active=True,
            created_at=_now(),
        )
        s.add(row)
        s.flush()
        return people.Account(row.id, row.username, row.display_name, row.role, True)


_HASH: list[str] = []


def _test_hash() -> str:
    if not _HASH:
        _HASH.append(people.hash_password(PASSWORD))
    return _HASH[0]


def make_users(store: Store) -> dict[str, people.Account]:
    """admin, trainer, trainee1..3, all with the password `firedrill-test-pw`."""
    return {u: ensure_user(store, u, role, name) for u, role, name in TEST_USERS}


def test_store() -> Store:
    """The store FIREDRILL_DATABASE_URL names: each test's own database (tests/conftest.py
    `_own_database`), or the one a test's `tmp_store` set."""
    return open_store(os.environ["FIREDRILL_DATABASE_URL"])


def app_test(
    page_path: str | None,
    role: str | None = "trainee",
    username: str | None = None,
    query_params: dict[str, str] | None = None,
    timeout: float = 30,
    **session: Any,
) -> AppTest:
    """An AppTest of the whole app switched to `page_path` with a `role` user signed in
    (`role=None`: nobody signed in; `page_path=None`: stay on the app's default page, e.g. the
    sign-in form). Extra keyword arguments go into session state.

    A page that is not in the role's menu is not reachable through the app: Streamlit shows the
    default page instead. To check a page's own role check use `page_test`."""

    store = test_store()
    try:
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        _sign_in(at, store, role, username, query_params, session)
    finally:
        store.dispose()
    return at.switch_page(page_path) if page_path else at


def _sign_in(
    at: AppTest,
    store: Store,
    role: str | None,
    username: str | None,
    query_params: dict[str, str] | None,
    session: dict[str, Any],
) -> None:
    """Sign a `role` user into `at` the way ui.auth reads it, then set session state and params."""
    from ui.auth import SESSION_KEY

    if role is not None:
        if store_has_no_admin(store) and role != "admin":
            # A database without an admin shows the first-start form instead of any page.
            ensure_user(store, "admin", "admin", "Ada Admin")
        person = ensure_user(store, username or _DEFAULT_NAME.get(role, role), role)
        at.session_state[SESSION_KEY] = people.start_session(store, person.id, _now())
    for key, value in session.items():
        at.session_state[key] = value
    for key, value in (query_params or {}).items():
        at.query_params[key] = value


def page_test(
    page_path: str,
    role: str | None = "trainee",
    username: str | None = None,
    query_params: dict[str, str] | None = None,
    timeout: float = 30,
    **session: Any,
) -> AppTest:
    """An AppTest of ONE page file run on its own (no app.py, no menu), with a `role` user signed in.

    Through app.py a page missing from a role's menu is never reached (Streamlit shows the default
    page instead); this runs the page anyway, which is how a test proves the page's own server-side
    `require_role` refuses the wrong role."""

    store = test_store()
    try:
        at = AppTest.from_file(str(ROOT / page_path), default_timeout=timeout)
        _sign_in(at, store, role, username, query_params, session)
    finally:
        store.dispose()
    return at


def store_has_no_admin(store: Store) -> bool:
    return not people.has_admin(store)


def run_coroutine(coro: Any) -> Any:
    """`asyncio.run(coro)` on a thread of its own. A Playwright sync session left open earlier in
    the same test process (pytest-xdist puts browser tests and these on one worker) keeps an
    event loop running on the main thread, where `asyncio.run` refuses to start another."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


ACTION_TABS = ("Triage", "Escalate", "Communicate", "Diagnose & fix", "Report")


def open_action_tab(at: Any, attempt_id: int, label: str) -> None:
    """Open one tab of the Drill page's action bar, as a click on it does (only the open tab is
    drawn), and run the page."""
    at.session_state[f"act_tabs_{attempt_id}"] = label
    at.run()


def each_action_tab(at: Any, attempt_id: int) -> Iterator[str]:
    """Open the action bar's tabs one after another (each run draws only that tab); yields each label."""
    for label in ACTION_TABS:
        open_action_tab(at, attempt_id, label)
        yield label
