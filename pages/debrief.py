"""Debrief: after a drill — the timeline chart, the scorecard with evidence, the after-action report,
the expert path, and the post-incident report editor (checked against the log, downloadable).

Answers and the expert path are shown only for a finished attempt, and a trainee sees only their own.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.incident_report import check_report, draft_post_incident_report
from simulator.reports import after_action_markdown, timeline_figure
from simulator.scoring import verdict
from simulator.services import drills as drill_service
from ui import auth
from ui.errors import storage_guard
from ui.markdown import md_text
from ui.report_check import render_report_check
from ui.report_notes import render_report_notes
from ui.scorecard import render_scorecard
from ui.services import SCENARIO_DIR, get_store

user = auth.require_role("admin", "trainer", "trainee")
store = get_store()
st.title("Debrief")

param = st.query_params.get("attempt")
mine = [a for a in drill_service.attempts_for_user(store, user.id) if a.status == "finished"]
if not param:
    if not mine:
        st.info("Finish a drill to see its debrief here.")
        st.stop()
    choice = st.selectbox(
        "Attempt",
        [a.id for a in mine],
        format_func=lambda i: next(
            f"#{a.id} {a.scenario_id} ({a.finished_wall:%Y-%m-%d %H:%M})" for a in mine if a.id == i
        ),
    )
    param = str(choice)
try:
    attempt = drill_service.get_attempt(store, int(param))
except ValueError:
    attempt = None
if attempt is None:
    st.error("There is no such drill attempt.")
    st.stop()
if attempt.user_id != user.id and not user.is_staff:
    st.error("This drill attempt belongs to someone else.")
    st.stop()
if attempt.status != "finished":
    st.warning("This drill is still running. Finish it first; the debrief (and the answers) come after.")
    if st.button("Back to the drill"):
        st.switch_page("pages/drill.py", query_params={"attempt": str(attempt.id)})
    st.stop()


@st.cache_resource(show_spinner=False, max_entries=16)
def _drill(attempt_id: int, content_hash: str, seed: int):
    att = drill_service.get_attempt(store, attempt_id)
    return drill_service.drill_for(att)


drill = _drill(attempt.id, attempt.content_hash, attempt.seed)
reviewed = drill_service.review(store, attempt.id, drill, SCENARIO_DIR)
events, card, expert, d = reviewed.events, reviewed.card, reviewed.expert, reviewed.debrief

st.subheader(md_text(drill.scenario.title))
decided = verdict(card)  # the one pass rule, shared with sign-off, the cohort board and reports
(st.success if decided.passed else st.error)(
    f"{'PASSED' if decided.passed else 'NOT PASSED'} — score {card.score:.2f} (pass mark {card.pass_mark:.2f})"
)
for reason in decided.reasons:
    st.text(f"• {reason}")

st.subheader("Timeline")
panels = list(dict.fromkeys(s.panel for s in d.series))
chosen = st.multiselect("Panels", panels, default=panels[:3])
st.plotly_chart(timeline_figure(d, chosen), width="stretch")

st.subheader("Scorecard")
render_scorecard(card)

st.subheader("After-action report")
aar = after_action_markdown(d)
left, right = st.columns(2)
with left:
    st.markdown("**Strengths**")
    for s in d.strengths or ("none recorded",):
        st.text(f"• {s}")
with right:
    st.markdown("**Areas for improvement**")
    for s in d.improvements or ("none",):
        st.text(f"• {s}")
if d.plan:
    st.markdown("**Improvement plan**")
    st.table(pd.DataFrame(list(d.plan)), hide_index=True)  # sentences: wrapped, not cut off
st.download_button(
    "Download the after-action report", aar, file_name=f"after-action-{attempt.id}.md", mime="text/markdown"
)

st.subheader("What happened, and the expert path")
st.text(f"Root cause: {drill.scenario.answer.root_cause.strip()}")
if d.takeaway:
    st.info(d.takeaway)
st.dataframe(
    pd.DataFrame([{"time": drill.hhmm(m.at), "expert": m.label} for m in d.expert]),
    hide_index=True,
    width="stretch",
)

st.subheader("Post-incident report")
saved = attempt.report_markdown or draft_post_incident_report(drill, events)
# Only the trainee writes their report; a trainer adds signed, audited notes beside it.
own = attempt.user_id == user.id
if own:
    text = st.text_area(
        "Edit your report (Markdown)",
        value=saved,
        height=420,
        key=f"pir_{attempt.id}",
        max_chars=drill_service.MAX_REPORT,
    )
else:
    report_col, notes_col = st.columns([3, 2])
    with report_col:
        st.caption(f"Written by {md_text(attempt.username)} (only they can edit it)")
        text = attempt.report_markdown or ""
        st.text(text or "No report saved yet.")
    with notes_col:
        render_report_notes(store, attempt.id, user)
c1, c2 = st.columns(2)
if c1.button("Check against the log and save" if own else "Check against the log"):
    if own:
        with storage_guard():
            drill_service.save_own_report(store, attempt.id, user.id, text)
    render_report_check(check_report(drill, events, text))
c2.download_button(
    "Download the report", text, file_name=f"post-incident-{attempt.id}.md", mime="text/markdown"
)
