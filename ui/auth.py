"""Sign-in, sign-out and the role check every page makes on the server side.

Owns the browser session's link to an account: a random session token kept in `st.session_state`
(`SESSION_KEY`) and mirrored in the address as `?session=…` (`TOKEN_PARAM`) so a browser reload
keeps the person signed in. The token is re-checked against the database (where only its hash is
stored) and the idle limit on every run, so a sign-out, a role change, a deactivation or a password
reset applies at once. Accounts, hashing and expiry rules live in `simulator.store.accounts` /
`simulator.store.sessions` / `simulator.accounts`; this module only renders and decides who is here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import streamlit as st

from simulator.accounts import (
    DEFAULT_IDLE_TIMEOUT,
    TRUSTED_PROXIES_ENV,
    AccountError,
    client_address,
    needed_roles_text,
    trusted_proxies,
)
from simulator.durations import parse_duration
from simulator.permissions import ROLES, may, page_roles
from simulator.store import accounts, sessions
from simulator.store.accounts import MAX_DISPLAY_NAME, Account
from ui.clock import now
from ui.markdown import md_text
from ui.services import get_store

SESSION_KEY = "firedrill_session_token"
# Streamlit cannot set an httpOnly cookie from Python, so the token lives in the address (see the
# README's Security section for why and what limits the risk).
TOKEN_PARAM = "session"
SIGNED_OUT_REASON = "firedrill_signed_out_reason"
# The token that was in the address when it stopped working: whose it was decides whether the
# next sign-in may keep the address (the same person) or starts on Home (someone else).
_STALE_TOKEN = "firedrill_stale_token"
_START_ON_HOME = "firedrill_start_on_home"
IDLE_ENV = "FIREDRILL_SESSION_IDLE"  # e.g. "8h", "30m"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str  # "admin" | "trainer" | "trainee"

    @property
    def is_staff(self) -> bool:
        """Trains others: sees answers and other people's results (from the permission table)."""
        return may(self.role, "see_others_results")

    def may(self, action: str) -> bool:
        """Whether this person may perform `action` (see `simulator.permissions.CAPABILITIES`)."""
        return may(self.role, action)


def idle_timeout() -> timedelta:
    """The idle limit after which a session ends (FIREDRILL_SESSION_IDLE, default 8 h)."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return DEFAULT_IDLE_TIMEOUT
    try:
        return timedelta(seconds=parse_duration(raw))
    except ValueError:
        return DEFAULT_IDLE_TIMEOUT


def _user(p: Account) -> User:
    return User(p.id, p.username, p.display_name, p.role)


def client_source() -> str:
    """The client address the sign-in guard throttles by: Streamlit's view of the connection, or,
    when that is a proxy named in FIREDRILL_TRUSTED_PROXIES, the address the proxy forwards for
    (`simulator.accounts.client_address`)."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # no browser connection (a bare script run)
        return "unknown"
    return client_address(peer, forwarded, trusted_proxies(os.environ.get(TRUSTED_PROXIES_ENV)))


def current_user() -> User | None:
    """The signed-in person, or None (never signed in, signed out, expired, deactivated).

    The token comes from this browser session, or after a reload from the address."""
    from_state = st.session_state.get(SESSION_KEY)
    token = from_state or st.query_params.get(TOKEN_PARAM)
    if not token:
        return None
    person = accounts.session_user(get_store(), token, now(), idle_timeout())
    if person is None:
        st.session_state.pop(SESSION_KEY, None)
        if TOKEN_PARAM in st.query_params:
            del st.query_params[TOKEN_PARAM]
        st.session_state[_STALE_TOKEN] = token
        st.session_state[SIGNED_OUT_REASON] = "Your session ended; please sign in again."
        return None
    st.session_state[SESSION_KEY] = token
    # Switching pages drops query parameters; putting the token back keeps a reload signed in.
    if st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token
    return _user(person)


def sign_in_as(person: Account | User) -> User:
    """Start a session for an authenticated person in this browser session.

    Someone other than the owner of the session that ended here starts on Home with a clean
    address and state: they never land on the previous person's attempt or half-filled forms. A
    deep link without a session (a link someone was sent) keeps its address. (Signing out already
    clears the address and state, so the next person starts clean either way.)"""
    store = get_store()
    stale = st.session_state.get(_STALE_TOKEN) or st.query_params.get(TOKEN_PARAM)
    if stale is not None and sessions.session_owner(store, stale) != person.id:
        _forget_everything()
        st.session_state[_START_ON_HOME] = True
    token = sessions.start_session(store, person.id, now())
    st.session_state[SESSION_KEY] = token
    st.query_params[TOKEN_PARAM] = token
    st.session_state.pop(SIGNED_OUT_REASON, None)
    st.session_state.pop(_STALE_TOKEN, None)
    return User(person.id, person.username, person.display_name, person.role)


def _forget_everything() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.query_params.clear()


def sign_out() -> None:
    """End the session in the database (the token in any copied address stops working), then
    forget this tab's state and address."""
    token = st.session_state.get(SESSION_KEY) or st.query_params.get(TOKEN_PARAM)
    if token:
        sessions.end_session(get_store(), token, now())
    _forget_everything()


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
    allowed = roles or ROLES
    if user.role not in allowed:
        st.error(
            f"This page is for {needed_roles_text(allowed)}. You are signed in as "
            f"{user.username} ({user.role}).",
            icon=":material/block:",
        )
        st.stop()
    return user  # type: ignore[return-value]


def require_page(path: str) -> User:
    """`require_role` with the roles the permission table gives the page at `path` (e.g.
    "pages/admin.py"): call it first thing on the page."""
    return require_role(*page_roles(path))


def require_action(user: User, action: str) -> None:
    """Refuse an action server-side (even when a button for it was somehow shown)."""
    if not user.may(action):
        st.error(f"You ({user.role}) may not do this: {action.replace('_', ' ')}.", icon=":material/block:")
        st.stop()


def sign_in_page() -> None:
    """The only page a visitor sees: sign in, or on the very first start, create the first admin."""
    store = get_store()
    st.title("firedrill")
    if not accounts.has_admin(store):
        _first_admin_form(store)
        return
    reason = st.session_state.get(SIGNED_OUT_REASON)
    if reason:
        st.info(reason)
    st.subheader("Sign in")
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username", max_chars=40)
        password = st.text_input("Password", type="password", autocomplete="current-password", max_chars=200)
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            person = accounts.sign_in(store, username, password, now(), client_source())
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
        username = st.text_input("Username", autocomplete="username", max_chars=40)
        display = st.text_input("Display name", max_chars=MAX_DISPLAY_NAME)
        password = st.text_input("Password", type="password", autocomplete="new-password", max_chars=200)
        confirm = st.text_input(
            "Repeat password", type="password", autocomplete="new-password", max_chars=200
        )
        submitted = st.form_submit_button("Create the first admin", type="primary")
    if submitted:
        if password != confirm:
            st.error("The two passwords differ.")
            return
        try:
            person = accounts.create_first_admin(store, username, password, now(), display)
        except AccountError as exc:
            st.error(str(exc))
            return
        sign_in_as(person)
        st.rerun()


def sidebar(user: User) -> None:
    """Who is signed in, with which role, and the sign-out button.

    Runs after the menu exists, which makes it the first place a fresh sign-in can be sent Home
    (during the sign-in run only the sign-in form is a page)."""
    if st.session_state.pop(_START_ON_HOME, False):
        st.switch_page("pages/home.py")
    with st.sidebar:
        st.markdown(f"**{md_text(user.display_name)}**")
        st.caption(f"{md_text(user.username)} · {user.role}")
        if st.button("Sign out", key="firedrill_sign_out", icon=":material/logout:"):
            sign_out()
            st.switch_page("pages/home.py")
