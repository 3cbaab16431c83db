"""Trainers' notes beside a trainee's post-incident report on the Debrief page.

Owns rendering the notes (author, time, text shown verbatim) and the form a trainer adds one with;
the rules and storage live in `simulator.store.report_notes`.
"""

from __future__ import annotations

import streamlit as st

from simulator.accounts import AccountError
from simulator.store import Store, report_notes
from ui.auth import User
from ui.clock import now
from ui.markdown import md_text


def render_report_notes(store: Store, attempt_id: int, user: User) -> None:
    """The notes on this attempt's report, oldest first, and (for trainers) a form to add one."""
    st.markdown("**Trainer notes**")
    notes = report_notes.notes_for(store, attempt_id)
    if not notes:
        st.caption("No notes yet.")
    for note in notes:
        st.caption(f"{md_text(note.author)} · {note.at:%Y-%m-%d %H:%M} UTC")
        st.text(note.text)  # shown verbatim: a note is never interpreted as Markdown or HTML
    if not user.may("annotate_report"):
        return
    with st.form(f"report_note_{attempt_id}", clear_on_submit=True):
        text = st.text_area("Add a note", max_chars=report_notes.MAX_NOTE, key=f"note_text_{attempt_id}")
        if st.form_submit_button("Add note"):
            try:
                report_notes.add_note(store, attempt_id, user.username, user.role, text, now())
            except AccountError as exc:
                st.error(str(exc))
            else:
                st.rerun()
