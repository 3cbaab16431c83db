"""People (administrators): create accounts, change roles, reset passwords, deactivate, unlock — all audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from simulator.accounts import ROLES, AccountError
from simulator.services import accounts
from ui import auth
from ui.clock import now
from ui.services import get_store

user = auth.require_page("pages/admin.py")
store = get_store()
st.title("People")


def apply(action: str, change: Callable[[], Any], confirm: Callable[[Any], str]) -> None:
    """Make one audited account change the signed-in person may make: refused changes show why,
    a made one is confirmed (`confirm` words it from what `change` returned) after a rerun."""
    auth.require_action(user, action)
    try:
        result = change()
    except AccountError as exc:
        st.error(str(exc))
        return
    st.session_state["admin_flash"] = confirm(result)
    st.rerun()


flash = st.session_state.pop("admin_flash", None)
if flash:
    st.success(flash)

everyone = accounts.list_users(store)
st.dataframe(
    pd.DataFrame(
        [
            {
                "username": p.username,
                "display name": p.display_name,
                "role": p.role,
                "active": "yes" if p.active else "no",
            }
            for p in everyone
        ]
    ),
    hide_index=True,
    width="stretch",
)

create, role_tab, reset_tab, active_tab, unlock_tab = st.tabs(
    ["Create account", "Change role", "Reset password", "Deactivate / reactivate", "Unlock"]
)

with create, st.form("create_user", clear_on_submit=True):
    username = st.text_input("Username", max_chars=40, help="lowercase letters, digits, '.', '_' or '-'")
    display = st.text_input("Display name", max_chars=accounts.MAX_DISPLAY_NAME)
    role = st.selectbox("Role", ROLES, index=ROLES.index("trainee"))
    password = st.text_input(
        "Initial password",
        type="password",
        max_chars=200,
        help="at least 10 characters; tell it to the person privately",
    )
    if st.form_submit_button("Create account", type="primary"):
        apply(
            "manage_users",
            lambda: accounts.add_user(store, user.username, username, password, role, now(), display),
            lambda person: f"Created {person.username} ({person.role}).",
        )

names = [p.username for p in everyone]

with role_tab, st.form("change_role"):
    who = st.selectbox("Person", names, key="role_who")
    new_role = st.selectbox("New role", ROLES, key="role_new")
    if st.form_submit_button("Change role"):
        apply(
            "change_role",
            lambda: accounts.set_role(store, user.username, who, new_role, now()),
            lambda _: f"{who} is now {new_role}.",
        )

with reset_tab, st.form("reset_password", clear_on_submit=True):
    who = st.selectbox("Person", names, key="reset_who")
    new_password = st.text_input("New password", type="password", max_chars=200)
    if st.form_submit_button("Reset password"):
        apply(
            "reset_password",
            lambda: accounts.reset_password(store, user.username, who, new_password, now()),
            lambda _: f"Password of {who} reset; their open sessions were ended.",
        )

with active_tab, st.form("set_active"):
    who = st.selectbox("Person", names, key="active_who")
    make_active = st.radio("Account", ["Active", "Deactivated"], horizontal=True, key="active_state")
    if st.form_submit_button("Apply"):
        apply(
            "manage_users",
            lambda: accounts.set_active(store, user.username, who, make_active == "Active", now()),
            lambda _: f"{who} is now {'active' if make_active == 'Active' else 'deactivated'}.",
        )

with unlock_tab:
    locked = accounts.locked_accounts(store)
    if not locked:
        st.caption(
            "No account is locked. Accounts lock only after many failed sign-ins from several addresses."
        )
    else:
        with st.form("unlock"):
            who = st.selectbox("Locked account", locked, key="unlock_who")
            if st.form_submit_button("Unlock"):
                apply(
                    "manage_users",
                    lambda: accounts.unlock(store, user.username, who, now()),
                    lambda _: f"{who} can sign in again.",
                )
