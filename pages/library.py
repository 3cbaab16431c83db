"""Scenario library: find a scenario, read its briefing, see its traces with alert thresholds.

Trainees see what a trainee may see before a drill: the neutral briefing title, the briefing, the
metrics up to the incident's start and the alert rules. Trainers also see the real title, summary,
tags, source, the whole traces with the incident windows shaded, and the answer.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from simulator.charts import metric_chart
from simulator.library import before_incident, filter_scenarios, incident_windows, panels
from simulator.spoilers import trainee_title
from simulator.thresholds import alert_thresholds
from ui import auth
from ui.markdown import md_lines, md_text
from ui.navigation import pages_for
from ui.scenario_answer import render_scenario_answer
from ui.services import builtin_scenarios, trace_for

user = auth.require_role("admin", "trainer", "trainee")
is_staff = user.may("see_answers")

st.title("Scenario library")
scenarios = builtin_scenarios()
if not scenarios:
    st.info(
        "No scenarios yet. Scenarios live in `scenarios/`; trainers can write one in the Scenario studio."
    )
    st.stop()


def shown_title(loaded) -> str:
    # The real title names the cause; a trainee sees the symptom as first reported.
    return loaded.scenario.title if is_staff else trainee_title(loaded.scenario)


f1, f2, f3 = st.columns([2, 2, 1])
if is_staff:
    all_tags = sorted({t for s in scenarios.values() for t in s.scenario.tags})
    query = f1.text_input("Search", placeholder="title, summary or tag", key="lib_query")
    tags = f2.multiselect("Tags", all_tags, key="lib_tags")
else:
    # Tags such as "leak" or "false-positive" would name the answer, so trainees search briefings.
    query = f1.text_input("Search", placeholder="service or symptom", key="lib_query")
    tags = []
lo, hi = f3.slider("Difficulty", 1, 5, (1, 5), key="lib_difficulty")
matches = filter_scenarios(
    list(scenarios.values()), query=query, tags=tags, difficulty=(lo, hi), trainee=not is_staff
)

st.caption(f"{len(matches)} of {len(scenarios)} scenarios")
if not matches:
    st.warning("Nothing matches. Clear the search or widen the difficulty range.")
    st.stop()

labels = {s.scenario.id: f"{shown_title(s)}  ·  difficulty {s.scenario.difficulty}" for s in matches}
chosen_id = st.radio(
    "Scenario", list(labels), format_func=labels.__getitem__, key="lib_choice", label_visibility="collapsed"
)
loaded = scenarios[chosen_id]
sc = loaded.scenario

st.divider()
st.header(md_text(shown_title(loaded)))
meta = [f"Difficulty {'●' * sc.difficulty}{'○' * (5 - sc.difficulty)}", f"Service `{sc.service}`"]
if sc.tags and is_staff:
    meta.append("Tags: " + ", ".join(f"`{t}`" for t in sc.tags))
st.markdown(" · ".join(meta))
if is_staff:
    # The summary and the source are written for trainers and usually say what went wrong.
    st.write(sc.summary)
if sc.briefing:
    st.info(md_lines(sc.briefing), icon=":material/campaign:")
if sc.source and is_staff:
    st.caption(
        f"Modelled on: {md_text(sc.source.title)}" + (f" — {md_text(sc.source.url)}" if sc.source.url else "")
    )

c1, c2, c3 = st.columns([1, 1, 2])
seed = c1.number_input(
    "Seed",
    min_value=0,
    max_value=2**31 - 1,
    value=sc.seed,
    step=1,
    key=f"seed_{sc.id}",
    help="Each seed is a different variant of the same scenario: same incident, new noise.",
)


def _next_variant(key: str) -> None:
    st.session_state[key] = int(st.session_state[key]) + 1


c2.button(
    "New variant",
    help="Try the next seed",
    key=f"variant_{sc.id}",
    on_click=_next_variant,
    args=(f"seed_{sc.id}",),
)
if "pages/drill.py" in {p.path for p in pages_for(user.role)}:
    c3.page_link(
        "pages/drill.py",
        label="Drill this scenario",
        icon=":material/local_fire_department:",
        # The version hash, not the id: an id such as "scrape-glitch-false-positive" in the
        # address bar would name the answer.
        query_params={"version": loaded.content_hash, "seed": str(int(seed))},
    )

trace = trace_for(loaded, int(seed))
thresholds = alert_thresholds(loaded)
windows = incident_windows(sc) if is_staff else []
# A trainee previews the system as it was before the incident; the rest is the drill.
preview_until = None if is_staff else before_incident(sc)
if is_staff:
    st.caption("Shaded: incident windows (trainers only).")
elif preview_until is not None:
    st.caption(
        f"Traces up to {(sc.start + timedelta(seconds=preview_until)):%H:%M} UTC, "
        "when the drill begins; what happens next you find out in the drill."
    )
for title, keys in panels(sc).items():
    names = {k.split("{", 1)[0] for k in keys}
    lines = [t for n in names for t in thresholds.get(n, [])]
    fig = metric_chart(
        trace,
        keys,
        title=title,
        thresholds=[(t.value, f"{t.alert} ({t.op} {t.value:g})") for t in lines],
        shade=windows,
        until=preview_until,
    )
    st.plotly_chart(fig, key=f"chart_{sc.id}_{title}")

with st.expander("Alert rules", icon=":material/notifications:"):
    for group in loaded.rule_groups:
        for rule in group.rules:
            st.code(
                f"{getattr(rule, 'alert', None) or getattr(rule, 'record', '')}\n  expr: {rule.expr}",
                language="yaml",
            )

if is_staff:
    render_scenario_answer(sc)
