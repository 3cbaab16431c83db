"""The web app as installed package data: `firedrill serve` runs this package's `app.py`.

In the checkout `app.py`, `pages/` and `.streamlit/` are links to the top-level files the layout
keeps (`make run` serves those directly); a wheel carries copies, so an installed firedrill serves
the app with no checkout. Streamlit resolves the menu's `pages/…` paths (`ui.navigation`) against
the folder of the script it runs, and reads `.streamlit/config.toml` beside it, so the three stay
together here. Nothing imports this package: it only marks where the app's files are.
"""
