"""firedrill's domain core: scenarios, traces, alerts, routing, policy, on-call, drills, scoring.

Pure and deterministic: time and randomness are passed in, nothing here imports streamlit.
"""
