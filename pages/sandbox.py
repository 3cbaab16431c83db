"""Consoles sandbox: free Day-1 practice with the investigation tools on a built-in scenario.

Pick a scenario and a moment; the dashboards, logs, database, deploys and status pages show the
world as it was then. Nothing is scored and no answer is shown; terminating a backend or reverting
a deploy changes what the consoles show, as it would on shift. Each look is kept as evidence for
the sign-off criterion "Can navigate Grafana, Elasticsearch, AWS console". Rules live in
`simulator.consoles`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from simulator.consoles import CONSOLE_ACTION, MITIGATE, ConsoleWorld
from simulator.drill import Drill
from simulator.drill import world as drill_world
from simulator.durations import format_duration
from simulator.services.training import DRILL_CONSOLE_TOOLS, record_console_use
from simulator.spoilers import trainee_title
from ui import auth
from ui.clock import now as wall_now
from ui.consoles import TITLES, render_consoles
from ui.errors import storage_guard
from ui.services import builtin_scenarios, get_store, trace_for

user = auth.require_role("admin", "trainer", "trainee")

st.title("Consoles sandbox")
st.caption(
    "Practise finding your way around the on-call tools: Grafana, Elasticsearch, psql, git and the "
    "AWS console. Choose a scenario and a moment in it; nothing here is scored."
)

scenarios = builtin_scenarios()
if not scenarios:
    st.info("No built-in scenarios are available.")
    st.stop()

c1, c2, c3 = st.columns([3, 2, 1])
chosen = c1.selectbox(
    "Scenario",
    list(scenarios),
    key="sandbox_scenario",
    # The real title names the cause; the neutral one is the symptom as first reported.
    format_func=lambda i: trainee_title(scenarios[i].scenario),
)
loaded = scenarios[chosen]
sc = loaded.scenario
minutes = int(sc.clock.duration // 60)
minute = c2.slider("Minutes into the scenario", 0, minutes, min(10, minutes), key="sandbox_minute")
seed = int(c3.number_input("Seed", min_value=0, value=int(sc.seed), step=1, key="sandbox_seed"))
now = float(minute * 60)

# What the trainee did here, per scenario and seed: kept in the session and never scored; each look
# is also stored as navigation evidence for the sign-off.
state_key = f"sandbox_state_{sc.id}_{seed}"
state: dict[str, Any] = st.session_state.setdefault(state_key, {"mitigations": [], "pids": [], "trail": []})
if st.button("Reset the sandbox", key="sandbox_reset", icon=":material/restart_alt:"):
    st.session_state[state_key] = state = {"mitigations": [], "pids": [], "trail": []}
    for k in [k for k in st.session_state if str(k).startswith("sandbox_c_")]:
        del st.session_state[k]

applied = tuple((at, m) for at, m in state["mitigations"] if at <= now)
killed = frozenset(pid for at, pid in state["pids"] if at <= now)


def _trace(applied: tuple[tuple[float, str], ...]):
    """The run as changed by what was done here (the drill engine computes the consequences)."""
    if applied:
        return drill_world(Drill.create(loaded, seed), applied).trace
    return trace_for(loaded, seed)


world = ConsoleWorld(loaded, _trace(applied), now, seed, killed_pids=killed, mitigations=applied)


def on_event(kind: str, detail: dict[str, Any]) -> None:
    at = float(detail.get("at", now))
    if kind == MITIGATE and detail.get("mitigation"):
        state["mitigations"].append((at, str(detail["mitigation"])))
    if kind in (MITIGATE, CONSOLE_ACTION):
        state["pids"].extend((at, int(p)) for p in detail.get("pids", []))
    console = str(detail.get("console"))
    state["trail"].append((at, TITLES.get(console, "?"), str(detail.get("detail", ""))))
    with storage_guard(warn=True):
        record_console_use(
            get_store(),
            user.username,
            tool=DRILL_CONSOLE_TOOLS.get(console, console),
            query=str(detail.get("detail", "")),
            at=wall_now(),
        )


st.markdown(
    f"**{trainee_title(sc)}** · {world.wall_now.strftime('%a %d %b %Y, %H:%M UTC')} "
    f"({format_duration(now)} into the scenario)"
)
if sc.briefing:
    st.info(sc.briefing, icon=":material/info:")

render_consoles(world, on_event, key="sandbox_c")

if state["trail"]:
    with st.expander(f"Your trail ({len(state['trail'])})"):
        st.text(
            "\n".join(
                f"{world.wall(at).strftime('%H:%M:%S')}  {console:<14} {detail}"
                for at, console, detail in state["trail"]
            )
        )
