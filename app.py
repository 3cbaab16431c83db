"""firedrill: the Streamlit entry point.

Sets the page config, signs the user in, builds the menu for their role from `ui.navigation`, and
runs the chosen page. Pages are thin views over `simulator/`; nothing about incidents lives here.
A storage failure anywhere below becomes a clear message (`ui.errors`), not a traceback.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, navigation, streamlit_race
from ui.errors import storage_guard

st.set_page_config(page_title="firedrill", page_icon="🔥", layout="wide")
streamlit_race.install()  # once per process: a press's page update is never dropped by a clock wake

with storage_guard():
    user = auth.current_user()
    if user is None:
        # Every page is known (hidden) so a reload of /drill?attempt=7 keeps its address: the
        # sign-in form stands in for the page, and after signing in the same page opens with
        # the same query parameters. No page runs for a visitor who is not signed in.
        sign_in = st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:", default=True)
        known = [st.Page(e.path, title=e.title, icon=e.icon) for e in navigation.PAGES if not e.default]
        nav = st.navigation([sign_in, *known], position="hidden")
        if nav.title != sign_in.title:
            auth.sign_in_page()
            st.stop()
    else:
        sections: dict[str, list] = {}
        for entry in navigation.pages_for(user.role):
            sections.setdefault(entry.section, []).append(
                st.Page(entry.path, title=entry.title, icon=entry.icon, default=entry.default)
            )
        nav = st.navigation(
            sections, expanded=True
        )  # every page visible: the menu is the map of the programme
        auth.sidebar(user)
    nav.run()
