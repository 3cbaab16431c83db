"""firedrill: the Streamlit entry point.

Sets the page config, signs the user in, builds the menu for their role from `ui.navigation`, and
runs the chosen page. Pages are thin views over `simulator/`; nothing about incidents lives here.
"""

from __future__ import annotations

import streamlit as st

from ui import auth, navigation

st.set_page_config(page_title="firedrill", page_icon="🔥", layout="wide")

user = auth.current_user()
if user is None:
    nav = st.navigation([st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:")])
else:
    sections: dict[str, list] = {}
    for entry in navigation.pages_for(user.role):
        sections.setdefault(entry.section, []).append(
            st.Page(entry.path, title=entry.title, icon=entry.icon, default=entry.default)
        )
    nav = st.navigation(sections)
    auth.sidebar(user)
nav.run()
