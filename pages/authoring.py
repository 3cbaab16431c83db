"""Scenario studio (trainers): write a scenario in YAML, see every problem with its line and
column, preview charts, alerts, pages and the answer, save versions, and play it as a trainee.

A thin view: where the text comes from is `ui.studio_sources` (templates, saved scenarios, files,
postmortems), the editor and its problem list `ui.studio_editor` (code editor with margin marks, or
the plain text editor; the text kept as a draft per trainer), saving, export and play
`ui.studio_publish`, the preview `ui.studio_preview`; the checks themselves are `simulator.studio`.
"""

from __future__ import annotations

import streamlit as st

from simulator.studio import check_text
from ui import auth, studio_editor
from ui.clock import now
from ui.services import SCENARIO_DIR, get_store
from ui.studio_preview import render_preview
from ui.studio_publish import render_publish
from ui.studio_sources import render_sources

user = auth.require_page("pages/authoring.py")
auth.require_action(user, "edit_scenario")
store = get_store()


text = studio_editor.open_text(store, user.username)
st.title("Scenario studio")
st.caption(
    f"Editing: {st.session_state.get(studio_editor.ORIGIN, 'new scenario')}. "
    "Problems are listed with line and column as you edit; nothing is saved until you save a version."
)
render_sources(store, user, now)

left, right = st.columns([5, 6], gap="medium")
with left:
    check = check_text(text, SCENARIO_DIR)
    studio_editor.render_editor(text, check)
    studio_editor.keep_draft(store, user.username, text, now)
    studio_editor.render_problems(check)
    render_publish(store, user, text, check, now)
with right:
    render_preview(check)
