"""Audit log (trainers and administrators): who changed what, when — newest first, page by page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.services import accounts as people_service
from ui import auth
from ui.services import get_store

user = auth.require_page("pages/audit.py")
auth.require_action(user, "read_audit")
store = get_store()
st.title("Audit log")
st.caption(
    "Sign-offs, score overrides, scenario edits, role changes, accounts and cohort drills, "
    "recorded with who did it and when (UTC). Entries cannot be edited or deleted here."
)

left, mid, right = st.columns(3)
actions = people_service.audit_actions(store)
action = left.selectbox("Action", ["(all)", *actions], key="audit_action")
actor = mid.text_input("By (username)", key="audit_actor", max_chars=120).strip()
target = right.text_input("About (target)", key="audit_target", max_chars=200).strip()

PAGE_SIZE = 200
filters = {"actor": actor or None, "action": None if action == "(all)" else action, "target": target or None}
total = people_service.count_audit(store, **filters)
pages = max(1, -(-total // PAGE_SIZE))
page = (
    st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="audit_page")
    if pages > 1
    else 1
)
entries = people_service.audit_log(store, **filters, limit=PAGE_SIZE, offset=(int(page) - 1) * PAGE_SIZE)
if not entries:
    st.info(
        "No entries match." if (actor or target or action != "(all)") else "Nothing has been recorded yet."
    )
    st.stop()

frame = pd.DataFrame(
    [
        {
            "when (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "by": e.actor,
            "action": e.action,
            "about": e.target,
            "detail": e.detail,
        }
        for e in entries
    ]
)
st.caption(
    f"Entries {(int(page) - 1) * PAGE_SIZE + 1}–{(int(page) - 1) * PAGE_SIZE + len(entries)} of {total}."
)
# A data grid renders every value as text: HTML or script typed by anyone stays inert.
st.dataframe(frame, hide_index=True, width="stretch")


def _csv_cell(value: object) -> object:
    # A spreadsheet would run a cell starting with = + - @ as a formula; a quote keeps it text.
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


st.download_button(
    "Download CSV", frame.map(_csv_cell).to_csv(index=False).encode(), "firedrill-audit.csv", "text/csv"
)
