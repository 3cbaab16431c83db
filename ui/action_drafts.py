"""How the Drill page's action fields keep what the trainee typed or chose until they press its button.

The action bar draws only its open tab (a full page run costs the server about half as much). A
field inside `st.form` would lose unsent text when its tab closes, since form values reach the server
only on submit; so the action fields are plain widgets that stage their value in the browser on blur
without a script run (`on_change="ignore"`), hand it to the server with the next run (a tab switch, a
button), and keep it while their tab is closed (`persist_state="page"`). Keys carry the attempt id,
so a new drill starts with empty fields.

Prefilled texts that go stale (the customer notice names the current time, the report is drafted from
the log) follow the drill while the trainee has not edited them (`prefill`). A press that lacks
what its action needs says what is missing (`pressed`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

# Keyword arguments of every action field: staged without a run, kept while its tab is closed.
DRAFT: dict[str, Any] = {"on_change": "ignore", "persist_state": "page"}


def field_key(name: str, attempt_id: int | str) -> str:
    """The session key of one action field in one attempt."""
    return f"{name}_{attempt_id}"


def prefill(key: str, text: str) -> None:
    """Put `text` in the field at `key` unless the trainee has changed what was put there last.

    Call before drawing the field (without `value=`): an untouched prefill follows the drill (the
    report draft grows with the log), an edited one is the trainee's and is never overwritten."""
    last = f"{key}__prefilled"
    if key not in st.session_state or st.session_state[key] == st.session_state.get(last):
        st.session_state[key] = text
    st.session_state[last] = text


def pressed(label: str, missing: str | None = None) -> bool:
    """The action's button was pressed with what the action needs. When `missing` names what is
    not filled in yet, a press says so instead (a press must never pass silently)."""
    if not st.button(label):
        return False
    if missing:
        st.warning(missing)
        return False
    return True


def action_card() -> Any:
    """The box one action's fields and button sit in (as a form's border did)."""
    return st.container(border=True)
