"""What the scenario studio does with valid text: save it as a new version (with a note on what
changed; the draft is then discarded), export it as a YAML file, and play the saved version as a
trainee on the Drill page.

Versions, ownership and the read-only built-in originals are `simulator.services.catalogue`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from simulator.services import catalogue
from simulator.services.database import Store
from simulator.studio import TextCheck, refusal_message
from simulator.yamlio import FormatError
from ui.auth import User
from ui.services import SCENARIO_DIR
from ui.studio_editor import DRAFT_KEY, ORIGIN

SAVED = "studio_saved"  # the confirmation shown once after the rerun a save causes


def render_publish(
    store: Store, user: User, text: str, check: TextCheck, now: Callable[[], datetime]
) -> None:
    note = st.text_input("What changed (optional, kept with the version)", key="studio_note")
    b1, b2, b3 = st.columns(3)
    if b1.button("Save version", type="primary", disabled=not check.ok, key="studio_save"):
        _save(store, user, text, note, now)
    loaded = check.loaded
    export_name = (
        catalogue.export_filename(loaded.scenario.id) if loaded is not None else "scenario-draft.yaml"
    )
    b2.download_button(
        "Export YAML",
        data=text.encode("utf-8"),
        file_name=export_name,
        mime="application/yaml",
        key="studio_export",
    )
    stored = catalogue.get_version(store, loaded.content_hash) if loaded is not None else None
    if b3.button(
        "Play as trainee",
        disabled=stored is None,
        key="studio_play",
        help="Save this version first; then start a drill on exactly this version.",
    ):
        st.switch_page(
            "pages/drill.py", query_params={"scenario": stored.scenario_id, "version": stored.content_hash}
        )
    if msg := st.session_state.pop(SAVED, None):
        st.success(msg, icon=":material/save:")
    if loaded is not None and stored is None:
        st.caption("This text is not saved yet: save a version to play it or let trainees drill on it.")


def _save(store: Store, user: User, text: str, note: str, now: Callable[[], datetime]) -> None:
    try:
        saved = catalogue.save_version(
            store,
            text,
            user.username,
            now(),
            note=note,
            base_dir=SCENARIO_DIR,
            is_admin=user.may("manage_any_scenario"),
        )
    except (catalogue.ScenarioStoreError, FormatError) as exc:
        st.error(refusal_message(exc))
    else:
        catalogue.discard_draft(store, user.username, DRAFT_KEY)
        st.session_state[ORIGIN] = f"{saved.scenario_id} v{saved.version}"
        st.session_state[SAVED] = f"Saved {saved.scenario_id} version {saved.version} ({saved.content_hash})."
        st.rerun()
