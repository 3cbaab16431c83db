"""Team overview (team lead): who is signed off, monthly review and quarterly refresher due dates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.services import training as training_service
from ui import auth
from ui.clock import now
from ui.services import get_store
from ui.training import curriculum, known_people

user = auth.require_page("pages/team_overview.py")
store = get_store()
cur = curriculum()
at = now()
st.title("Team overview")

team = training_service.team_status(store, cur, known_people(store), at)
signed = [m.username for m in team if m.signed_off is not None]
rows = [
    {
        "engineer": m.display_name,
        "username": m.username,
        "status": m.status,
        "signed off": f"{m.signed_off:%Y-%m-%d}" if m.signed_off else "—",
        "monthly review due": f"{m.review_due:%Y-%m-%d}" if m.review_due else "—",
        "review overdue": "OVERDUE" if m.review_overdue else "",
        "refresher due": f"{m.refresher_due:%Y-%m-%d}" if m.refresher_due else "—",
        "refresher overdue": "OVERDUE" if m.refresher_overdue else "",
    }
    for m in team
]

if not rows:
    st.info("Nobody has recorded any training yet.")
    st.stop()
frame = pd.DataFrame(rows)
c1, c2, c3 = st.columns(3)
c1.metric("Signed off", f"{len(signed)} / {len(rows)}")
c2.metric("Monthly review overdue", int((frame["review overdue"] == "OVERDUE").sum()))
c3.metric("Refresher overdue", int((frame["refresher overdue"] == "OVERDUE").sum()))
st.dataframe(frame, hide_index=True)
st.caption(
    f"Quarterly refresher: all runbooks plus {cur.ongoing.quarterly_refresher.drills} passed mock drills of "
    "different scenarios, counted from evidence after sign-off."
)


def record_review() -> None:
    # Callbacks run before the script, so the table above already shows the new due date.
    well, improve = st.session_state.get("rv_well", ""), st.session_state.get("rv_improve", "")
    if not (well.strip() or improve.strip()):
        st.session_state["rv_msg"] = ("error", "Write at least what went well or what to improve.")
        return
    training_service.record_monthly_review(
        store,
        training_service.MonthlyReview(
            st.session_state["rv_who"], now(), well, improve, st.session_state.get("rv_changes", "")
        ),
    )
    st.session_state["rv_msg"] = ("success", "Review recorded.")


def record_refresher() -> None:
    training_service.record_refresher(
        store, st.session_state["rf_who"], now(), st.session_state.get("rf_note", "")
    )
    st.session_state["rv_msg"] = ("success", "Refresher recorded.")


if not signed:
    st.caption("Monthly reviews and quarterly refreshers start once someone is signed off.")
    st.stop()
review_col, refresher_col = st.columns(2)
with review_col, st.form("review"):
    st.subheader("Monthly incident review")
    st.selectbox("Engineer", signed, key="rv_who")
    st.text_area("What went well", key="rv_well")
    st.text_area("What could be improved", key="rv_improve")
    st.text_area("Procedure changes agreed", key="rv_changes")
    st.form_submit_button("Record review", type="primary", on_click=record_review)
with refresher_col, st.form("refresher"):
    st.subheader("Refresher held outside firedrill")
    st.caption("Refreshers done here (all runbooks and two drills) are counted automatically.")
    st.selectbox("Engineer", signed, key="rf_who")
    st.text_input("What was practised", key="rf_note")
    st.form_submit_button("Record refresher", on_click=record_refresher)
if (msg := st.session_state.pop("rv_msg", None)) is not None:
    (st.error if msg[0] == "error" else st.success)(msg[1])
