"""Sign-off (trainers): each trainee's criteria with evidence, confirm/reject, reports to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.services import training as training_service
from simulator.signoff import SignoffError, decide
from simulator.signoff_report import cohort_csv, period_text, render_html, render_pdf
from ui import auth
from ui.clock import now
from ui.markdown import md_text
from ui.services import get_store
from ui.training import audit, curriculum, known_people

user = auth.require_page("pages/signoff.py")
store = get_store()
cur = curriculum()
st.title("Sign-off")

people = known_people(store)
if not people:
    st.info("No trainee has recorded any training yet.")
    st.stop()
chosen = st.query_params.get("user")
username = st.selectbox(
    "Trainee", people, index=people.index(chosen) if chosen in people else 0, key="signoff_user"
)
report = training_service.trainee_report(store, cur, username, now())
a = report.assessment

st.subheader(f"{md_text(report.display_name)} — {report.status}")
st.caption(
    f"{a.met_count} of {len(a.criteria)} criteria met by evidence · "
    f"{report.progress.done if report.progress else 0} exercises passed · "
    f"cohort: {md_text(report.cohort_text)} · training period: {period_text(report)}"
)
st.dataframe(
    pd.DataFrame(
        [
            {
                "criterion": c.title,
                "met": "✔" if c.met else "✘",
                "rating": c.rating,
                "score": f"{c.score:.0%}",
                "last evidence": c.last_evidence_at.strftime("%Y-%m-%d %H:%M") if c.last_evidence_at else "—",
            }
            for c in a.criteria
        ]
    ),
    hide_index=True,
)
for c in a.criteria:
    with st.expander(f"{'✔' if c.met else '✘'} {c.title} — evidence"):
        for q in c.requirements:
            st.markdown(
                f"{'✔' if q.met else '✘'} **{q.description}**" + (f" — {q.missing}" if q.missing else "")
            )
            for e in q.evidence:
                st.text(report.describe(e))

if report.decisions:
    st.markdown("**Decisions so far**")
    for d in report.decisions:
        st.text(f"{d.at:%Y-%m-%d %H:%M} UTC  {d.decision} by {report.full_name(d.trainer)}: {d.comment}")


def record_decision() -> None:
    # A callback runs before the script, so this run already shows the new status and report.
    choice = st.session_state.get("signoff_choice")
    if choice is None:
        st.session_state["signoff_msg"] = ("error", "Choose confirm or reject.")
        return
    try:
        d = decide(
            a,
            username=username,
            trainer=user.username,
            confirm=choice.startswith("Confirm"),
            comment=st.session_state.get("signoff_comment", ""),
            at=now(),
        )
    except SignoffError as exc:
        st.session_state["signoff_msg"] = ("error", str(exc))
        return
    training_service.record_decision(store, d)
    audit(store, user.username, f"signoff.{d.decision}", username, d.comment)
    st.session_state["signoff_msg"] = ("success", f"Recorded: {d.decision} for {username}.")


with st.form("decision"):
    st.radio(
        "Decision",
        ["Confirm: ready for primary on-call", "Reject: more practice needed"],
        index=None,
        key="signoff_choice",
    )
    st.text_area("Comment (required to reject)", key="signoff_comment")
    st.form_submit_button("Record decision", type="primary", on_click=record_decision)
if (msg := st.session_state.pop("signoff_msg", None)) is not None:
    (st.error if msg[0] == "error" else st.success)(msg[1])

st.subheader("Reports")
st.caption("Generated when you click, from the evidence and decisions as they are then.")
# Deferred downloads: the documents are built on click, so browsing trainees stays fast.
c1, c2, c3 = st.columns(3)
c1.download_button(
    "Download PDF",
    lambda: render_pdf(training_service.trainee_report(store, cur, username, now())),
    file_name=f"signoff-{username}.pdf",
    mime="application/pdf",
    key="dl_pdf",
    on_click="ignore",
)
c2.download_button(
    "Download HTML",
    lambda: render_html(training_service.trainee_report(store, cur, username, now())),
    file_name=f"signoff-{username}.html",
    mime="text/html",
    key="dl_html",
    on_click="ignore",
)
c3.download_button(
    "Cohort CSV",
    lambda: cohort_csv([training_service.trainee_report(store, cur, p, now()) for p in people]),
    file_name="signoff-cohort.csv",
    mime="text/csv",
    key="dl_csv",
    on_click="ignore",
)
