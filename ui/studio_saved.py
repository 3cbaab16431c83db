"""The scenario studio's "Open a saved scenario" tab: pick a scenario and one of its versions, open
it in the editor, duplicate it under a new id, or (its owner, or an admin) delete it.

The versions, the read-only built-in originals and the soft delete are
`simulator.services.catalogue`'s; this module only asks and shows the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from simulator.services import catalogue
from simulator.services.database import Store
from simulator.studio import refusal_message
from simulator.yamlio import FormatError
from ui.auth import User
from ui.services import SCENARIO_DIR
from ui.studio_editor import set_text


def render_saved(store: Store, user: User, now: Callable[[], datetime]) -> None:
    summaries = catalogue.list_scenarios(store)
    if not summaries:
        st.info("No saved scenarios yet.")
        return
    labels = {
        s.id: f"{s.title} · {s.id} · v{s.latest_version}"
        + (" · built-in (read-only)" if s.read_only else f" · by {s.owner}")
        for s in summaries
    }
    sid = st.selectbox("Scenario", list(labels), format_func=labels.__getitem__, key="studio_open_id")
    chosen = next(s for s in summaries if s.id == sid)
    vers = catalogue.versions(store, sid)
    vlabels = {
        v.content_hash: f"v{v.version} · {v.created:%Y-%m-%d %H:%M} UTC · {v.author} · {v.content_hash}"
        for v in vers
    }
    vh = st.selectbox("Version", list(vlabels), format_func=vlabels.__getitem__, key="studio_open_version")
    version = next(v for v in vers if v.content_hash == vh)
    c1, c2 = st.columns(2)
    c1.button(
        "Open in the editor",
        key="studio_open",
        on_click=lambda: set_text(
            version.text,
            f"{version.scenario_id} v{version.version}"
            + (" (read-only original: duplicate it to change it)" if chosen.read_only else ""),
        ),
    )
    with c2.popover("Duplicate under a new id"):
        _duplicate(store, user, version, sid, now)
    is_admin = user.may("manage_any_scenario")
    if not chosen.read_only and (chosen.owner == user.username or is_admin):
        with st.expander("Delete this scenario"):
            _delete(store, user, sid, is_admin, now)


def _duplicate(
    store: Store, user: User, version: catalogue.ScenarioVersion, sid: str, now: Callable[[], datetime]
) -> None:
    new_id = st.text_input("New scenario id", key="studio_dup_id", placeholder=f"{sid}-copy")
    if st.button("Duplicate", key="studio_dup"):
        try:
            copy = catalogue.duplicate(
                store, version.content_hash, new_id.strip(), user.username, now(), base_dir=SCENARIO_DIR
            )
        except (catalogue.ScenarioStoreError, FormatError) as exc:
            st.error(refusal_message(exc))
        else:
            set_text(copy.text, f"{copy.scenario_id} v{copy.version}")
            st.rerun()


def _delete(store: Store, user: User, sid: str, is_admin: bool, now: Callable[[], datetime]) -> None:
    st.write(
        "Deleting hides it from trainers and trainees. Every version stays stored, so "
        "drill attempts that used it still show their results."
    )
    confirm = st.text_input(f"Type {sid} to confirm", key="studio_delete_confirm")
    if st.button("Delete scenario", key="studio_delete", type="secondary"):
        try:
            catalogue.delete_scenario(
                store, sid, user.username, now(), confirm=confirm.strip(), is_admin=is_admin
            )
        except catalogue.ScenarioStoreError as exc:
            st.error(str(exc))
        else:
            st.success(f"Deleted {sid}. Its versions stay readable for old attempts.")
