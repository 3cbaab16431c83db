"""On-call: the rotation as a calendar, who is on call at a chosen time, and an escalation simulator.

A thin view over `simulator.oncall` (rotation, overrides) and `simulator.escalation` (who is paged
when); the rules live there and in data/policy.yaml and data/team.yaml.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from simulator import escalation, oncall
from simulator import policy as policy_mod
from simulator.durations import format_duration
from simulator.vocabulary import SEVERITIES
from simulator.yamlio import FormatError
from ui import auth
from ui.clock import now as wall_now
from ui.escalation_plan import render_escalation_plan
from ui.rotation_calendar import render_rotation_calendar

auth.require_role("admin", "trainer", "trainee")

TEAMS = {
    "Demo team (data/team.yaml)": oncall.DEFAULT_TEAM_PATH,
    "Solo-developer preset (data/presets/solo-developer/team.yaml)": oncall.SOLO_PRESET_PATH,
}


@st.cache_data(show_spinner=False, max_entries=8)
def _team(path: str) -> oncall.Team:
    return oncall.load_team(Path(path))


@st.cache_data(show_spinner=False, max_entries=4)
def _policy() -> policy_mod.Policy:
    return policy_mod.load_policy()


def _name(p: oncall.Person | None, empty: str = "nobody") -> str:
    return p.name if p else empty


st.title("On-call")
st.caption(
    "Weekly turns from Monday 00:00 UTC, a primary and a backup (the next engineer in order). "
    "The 2-hour overlap is firedrill's model of the seed's knowledge-transfer window: the outgoing "
    "primary stays on call alongside the incoming one for the first 2 hours of each turn "
    "(PagerDuty and GoAlert have no such concept). A 15-minute handoff call opens each turn."
)

choice = st.selectbox("Team", list(TEAMS), key="oc_team")
try:
    team = _team(str(TEAMS[choice]))
    policy = _policy()
except FormatError as exc:
    st.error("The team or policy file is not valid:")
    st.code("\n".join(str(p) for p in exc.problems), language="text")
    st.stop()

this_minute = wall_now().replace(second=0, microsecond=0)
c1, c2 = st.columns(2)
day = c1.date_input("Date (UTC)", value=this_minute.date(), key="oc_date")
clock = c2.time_input(
    "Time (UTC)", value=time(this_minute.hour, this_minute.minute), key="oc_time", step=timedelta(minutes=15)
)
at = datetime.combine(day, clock, tzinfo=UTC)
current = oncall.on_call(team, at)

st.subheader(f"On call at {at:%a %Y-%m-%d %H:%M} UTC")
m1, m2, m3 = st.columns(3)
m1.metric("Primary", _name(current.primary, "nobody (outside hours)"))
m2.metric("Backup", _name(current.backup))
m3.metric("Outgoing primary (overlap)", _name(current.outgoing_primary, "—"))
roles = pd.DataFrame(
    [
        (
            "On-call engineer (primary)",
            _name(current.primary, "nobody"),
            current.primary.phone if current.primary else "",
        ),
        ("On-call backup", _name(current.backup), current.backup.phone if current.backup else ""),
        ("On-call manager", current.manager.name, current.manager.phone),
        ("Incident commander", current.incident_commander.name, current.incident_commander.phone),
        ("Security lead", current.security_lead.name, current.security_lead.phone),
        *[(f"SME: {area}", p.name, p.phone) for area, p in current.smes.items()],
    ],
    columns=["Role", "Person", "Phone"],
)
st.dataframe(roles, hide_index=True, width="stretch")
st.caption(
    f"Turn {current.turn}: {current.turn_start:%Y-%m-%d %H:%M} → {current.turn_end:%Y-%m-%d %H:%M} UTC"
)
for line in current.overrides:
    st.info(f"Override in force — {line}")
for line in current.notes:
    st.caption(line)

render_rotation_calendar(team, current, at)

st.subheader("Escalation simulator")
st.caption(
    "Choose a severity, when the incident is triggered and when someone acknowledges; see who is "
    "notified when. Rules come from data/policy.yaml (escalation policy: "
    + ", ".join(f"{'+'.join(r.targets)} {format_duration(r.delay)}" for r in policy.escalation_policy.rules)
    + f"; repeats {policy.escalation_policy.num_loops}×)."
)
e1, e2, e3 = st.columns(3)
severity = e1.selectbox("Severity", [s.value for s in SEVERITIES], key="oc_sev")
nobody = e2.checkbox("Nobody acknowledges", value=False, key="oc_noack")
ack_min = e2.number_input(
    "Acknowledged after (minutes)",
    min_value=0.0,
    max_value=10080.0,
    value=5.0,
    step=0.5,
    key="oc_ack",
    disabled=nobody,
)
security = e3.checkbox("Security incident", value=False, key="oc_security")
resolved = e3.checkbox("Resolved", value=False, key="oc_resolved")
resolve_min = e3.number_input(
    "Resolved after (minutes)",
    min_value=1.0,
    max_value=10080.0,
    value=45.0,
    step=5.0,
    key="oc_resolve_min",
    disabled=not resolved,
)
level = policy.level(severity)
st.caption(
    f"{severity}: acknowledge within {format_duration(level.ack_target)}; channel {level.channel}; "
    f"page: {level.page.replace('_', ' ')}"
    + (f" after {format_duration(level.page_after)}" if level.page == "if_unacknowledged" else "")
    + ("; incident commander and bridge call" if level.incident_commander else "")
)
plan = escalation.plan(
    policy,
    team,
    severity,
    at,
    ack_after=None if nobody else ack_min * 60,
    security=security,
    resolve_after=resolve_min * 60 if resolved else None,
)
render_escalation_plan(plan, None if nobody else ack_min)
