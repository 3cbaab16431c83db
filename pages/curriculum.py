"""Curriculum: today's day, progress through the week, and where to resume."""

from __future__ import annotations

import streamlit as st

from simulator.curriculum import evaluate_signoff
from simulator.services import training as training_service
from simulator.signoff import status
from ui import auth
from ui.services import get_store
from ui.training import curriculum, my_progress, page_link

user = auth.require_role("admin", "trainer", "trainee")
cur = curriculum()
store = get_store()

username = user.username
if user.may("see_others_results"):
    people = sorted({user.username, *training_service.usernames_with_evidence(store)})
    username = st.selectbox("Show progress of", people, index=people.index(user.username))

progress = my_progress(username)
evidence = training_service.all_evidence(store, username)
assessment = evaluate_signoff(cur, evidence)
state = status(assessment, training_service.decisions_for(store, username))

st.title("Curriculum")
st.caption(f"{cur.title} — {cur.summary}")
c1, c2, c3 = st.columns(3)
c1.metric("Today", f"Day {progress.current_day}")
c2.metric("Exercises passed", f"{progress.done} / {progress.total}")
c3.metric("Sign-off criteria met", f"{assessment.met_count} / {len(assessment.criteria)}")
st.progress(progress.fraction, text=f"Week progress {progress.fraction:.0%} · status: {state}")

resume = progress.resume
if resume is not None:
    module = cur.module_of(resume.exercise.id)
    st.subheader("Resume where you left off")
    st.write(f"Day {resume.day}: **{resume.exercise.title}** ({resume.status})")
    if module and module.page:
        # A runbook exercise opens on its own runbook.
        params = {"runbook": resume.exercise.runbook} if resume.exercise.runbook else None
        page_link(module.page, f"Continue: {module.title}", user.role, ":material/play_arrow:", params)
else:
    st.success("Every exercise is passed. A trainer can now review your sign-off.")

for day in progress.days:
    label = f"Day {day.day.day}: {day.day.title} — {day.done}/{day.total}"
    with st.expander(label, expanded=day.day.day == progress.current_day):
        for m in day.day.modules:
            st.markdown(f"**{m.title}** · {m.minutes} min")
            if m.summary:
                st.caption(m.summary)
            for ex in (x for x in day.exercises if x.module_id == m.id):
                best = f", best {ex.best_score:.0%}" if ex.best_score is not None else ""
                icon = "✅" if ex.passed else ("🟡" if ex.attempts else "⬜")
                st.write(f"{icon} {ex.exercise.title} — {ex.status}{best}")
            if m.page:
                page_link(m.page, f"Open {m.title}", user.role)

st.subheader("Sign-off criteria")
for c in assessment.criteria:
    st.write(f"{'✅' if c.met else '⬜'} {c.title} — rating {c.rating}")
    for q in c.requirements:
        if not q.met:
            st.caption(f"   needs: {q.description} ({q.missing})")
