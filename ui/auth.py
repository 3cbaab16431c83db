"""Sign-in, sign-out and the role check every page makes on the server side.

Owns the browser session's link to an account: a session token kept in `st.session_state`
(`SESSION_KEY`), re-checked against the database and the idle limit on every run, so a role change,
a deactivation or a password reset applies at once. Accounts, hashing and expiry rules live in
`simulator.store.people` / `simulator.accounts`; this module only renders and decides who is here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import streamlit as st

from simulator.accounts import DEFAULT_IDLE_TIMEOUT, AccountError, may, needed_roles_text
from simulator.durations import parse_duration
from simulator.store import people
from ui.services import get_store

SESSION_KEY = "firedrill_session_token"
IDLE_ENV = "FIREDRILL_SESSION_IDLE"  # e.g. "8h", "30m"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str  # "admin" | "trainer" | "trainee"

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "trainer")

    def may(self, action: str) -> bool:
        """Whether this person may perform `action` (see `simulator.accounts.PERMISSIONS`)."""
        return may(self.role, action)


def _now() -> datetime:
    return datetime.now(UTC)


def idle_timeout() -> timedelta:
    """The idle limit after which a session ends (FIREDRILL_SESSION_IDLE, default 8 h)."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return DEFAULT_IDLE_TIMEOUT
    try:
        return timedelta(seconds=parse_duration(raw))
    except ValueError:
        return DEFAULT_IDLE_TIMEOUT


def _user(p: people.Person) -> User:
    return User(p.id, p.username, p.display_name, p.role)


def current_user() -> User | None:
    """The signed-in person, or None (never signed in, signed out, expired, deactivated)."""
    token = st.session_state.get(SESSION_KEY)
    if not token:
        return None
    person = people.session_user(get_store(), token, _now(), idle_timeout())
    if person is None:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state["firedrill_signed_out_reason"] = "Your session ended; please sign in again."
        return None
    return _user(person)


def sign_in_as(person: people.Person | User) -> User:
    """Start a session for an authenticated person in this browser session."""
    token = people.start_session(get_store(), person.id, _now())
    st.session_state[SESSION_KEY] = token
    st.session_state.pop("firedrill_signed_out_reason", None)
    return User(person.id, person.username, person.display_name, person.role)


def sign_out() -> None:
    token = st.session_state.pop(SESSION_KEY, None)
    if token:
        people.end_session(get_store(), token, _now())
    # Everything this person had in the tab goes with them (answers seen, forms half filled).
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def _leave_legacy_multipage() -> None:
    """Streamlit decides once per server process whether the app is a legacy "pages/ folder" app,
    and says yes because a `pages/` folder exists. Until app.py's `st.navigation` has run once, a
    request for a page address (say /cohort_board) runs that page file alone, without app.py, and
    the sidebar lists every file in pages/. This page's own role check still refuses, but the menu
    leaks page names. Switching the flag off here and rerunning sends the request through app.py."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_role(*roles: str) -> User:
    """The signed-in user when their role is one of `roles`; otherwise a refusal and `st.stop()`.

    Call it first thing on every page: the menu hides pages, but only this check protects them."""
    _leave_legacy_multipage()
    user = current_user()
    if user is None:
        st.error("Please sign in to use this page.", icon=":material/lock:")
        st.stop()
    allowed = roles or ("admin", "trainer", "trainee")
    if user.role not in allowed:
        st.error(
            f"This page is for {needed_roles_text(allowed)}. You are signed in as "
            f"{user.username} ({user.role}).",
            icon=":material/block:",
        )
        st.stop()
    return user  # type: ignore[return-value]


def require_action(user: User, action: str) -> None:
    """Refuse an action server-side (even when a button for it was somehow shown)."""
    if not user.may(action):
        st.error(f"You ({user.role}) may not do this: {action.replace('_', ' ')}.", icon=":material/block:")
        st.stop()


def sign_in_page() -> None:
    """The only page a visitor sees: sign in, or on the very first start, create the first admin."""
    store = get_store()
    st.title("firedrill")
    if not people.has_admin(store):
        _first_admin_form(store)
        return
    reason = st.session_state.get("firedrill_signed_out_reason")
    if reason:
        st.info(reason)
    st.subheader("Sign in")
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            person = people.sign_in(store, username, password, _now())
        except AccountError as exc:
            st.error(str(exc))
            return
        sign_in_as(person)
        st.rerun()


def _first_admin_form(store) -> None:
    st.subheader("Create the first admin")
    st.write(
        "No administrator exists yet. Choose the first admin account; there is no default password. "
        "The admin then creates trainers and trainees on the People page."
    )
    with st.form("first_admin"):
        username = st.text_input("Username", autocomplete="username")
        display = st.text_input("Display name")
        password = st.text_input("Password", type="password", autocomplete="new-password")
        confirm = st.text_input("Repeat password", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Create the first admin", type="primary")
    if submitted:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            person = people.create_first_admin(store, username, password, _now(), display)
        except AccountError as exc:
            st.error(str(exc))
            return
        sign_in_as(person)
        st.rerun()


def sidebar(user: User) -> None:
    """Who is signed in, with which role, and the sign-out button."""
    with st.sidebar:
        st.markdown(f"**{_md_escape(user.display_name)}**")
        st.caption(f"{user.username} · {user.role}")
        if st.button("Sign out", key="firedrill_sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()


def _md_escape(text: str) -> str:
    """Display names are typed by people: keep markdown and HTML in them literal."""
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()#+-.!|<>~$":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)
