"""Streamlit helpers shared by the pages: navigation, sign-in, the database handle, widgets.

This package may import streamlit; `simulator/` never does. Nothing here decides incident rules.
"""
