"""Where the scenario studio's text comes from: the tabs above the editor (a template, a saved
scenario, an imported file, a skeleton drafted from a pasted postmortem).

Each source puts its text in the editor through `ui.studio_editor.set_text`; the saved scenarios
tab is `ui.studio_saved`, the postmortem parsing `simulator.postmortem`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from simulator.postmortem import MAX_INPUT, scenario_from_postmortem
from simulator.services.database import Store
from simulator.studio import IMPORT_RULE, imported_text
from simulator.studio import templates as template_files
from ui.auth import User
from ui.scenario_catalog import sync_pack
from ui.services import SCENARIO_DIR
from ui.studio_editor import set_text
from ui.studio_saved import render_saved


def render_sources(store: Store, user: User, now: Callable[[], datetime]) -> None:
    sync_invalid = sync_pack(store)
    tab_tpl, tab_open, tab_import, tab_pm = st.tabs(
        ["Start from a template", "Open a saved scenario", "Import a file", "From a postmortem"]
    )
    with tab_tpl:
        _template()
    with tab_open:
        render_saved(store, user, now)
        if sync_invalid:
            st.warning("Some built-in files were not loaded: " + "; ".join(sync_invalid))
    with tab_import:
        _import_file()
    with tab_pm:
        _postmortem()


def _template() -> None:
    tpls = template_files(SCENARIO_DIR)
    if not tpls:
        st.info("No templates in scenarios/templates.")
        return
    name = st.selectbox("Template", list(tpls), key="studio_template")
    st.button(
        "Use this template",
        key="studio_use_template",
        on_click=lambda: set_text(
            tpls[name].read_text(encoding="utf-8"), f"template “{name}” (change the id before saving)"
        ),
    )


def _import_file() -> None:
    up = st.file_uploader("A scenario YAML file", type=["yaml", "yml"], key="studio_upload")
    # Once a file is chosen the uploader hides its own limits line, and its refusal of a wrong
    # type names only what is not allowed: say what is, next to it.
    st.caption(f"A scenario file is {IMPORT_RULE}.")
    if up is None:
        return
    try:
        text = imported_text(up.name, up.getvalue())
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.button(
        "Put it in the editor",
        key="studio_import",
        on_click=lambda: set_text(text, f"imported file {up.name}"),
    )


def _postmortem() -> None:
    st.write("Paste a public postmortem: its title, summary and timeline (lines like `14:20 UTC - …`).")
    pm_text = st.text_area("Postmortem text", height=200, key="studio_pm_text", max_chars=MAX_INPUT)
    pm_url = st.text_input("Address of the postmortem (optional)", key="studio_pm_url")
    if st.button("Draft a scenario skeleton", key="studio_pm_go", disabled=not pm_text.strip()):
        try:
            skeleton, pm = scenario_from_postmortem(pm_text, source_url=pm_url.strip() or None)
        except ValueError as exc:
            st.error(str(exc))
        else:
            set_text(skeleton, f"skeleton from “{pm.title}” ({len(pm.entries)} timeline entries)")
            st.rerun()
