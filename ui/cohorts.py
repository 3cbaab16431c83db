"""Shared pieces of the cohort pages: which scenarios a cohort drill can use, the drill engine for
one and the cohort's live board rows.

Owns nothing persistent (`simulator.store.cohorts` / `attempts`) and no rules (`simulator.cohort`);
just the glue the cohort, board and join pages would otherwise repeat.
"""

from __future__ import annotations

import streamlit as st

from simulator.cohort import BoardRow, board_row
from simulator.drill import Drill, load_default_policy, load_default_team
from simulator.scenario import LoadedScenario
from simulator.store import Store
from simulator.store import accounts as store_accounts
from simulator.store import attempts as store_att
from simulator.store import cohorts as store_cohorts
from ui.services import SCENARIO_DIR, builtin_scenarios, scenario_from_text


def scenario_choices(store: Store) -> dict[str, LoadedScenario]:
    """Scenarios a trainer can run for a cohort: the built-in pack, plus saved (authored) scenarios
    when the authoring area's storage is there (a saved version wins over the built-in original)."""
    from simulator.store import scenarios as store_sc

    out = dict(builtin_scenarios())
    playable = store_sc.list_playable(store)
    for p in playable:
        if p.scenario_id in out and out[p.scenario_id].content_hash == p.content_hash:
            continue
        try:
            out[p.scenario_id] = scenario_from_text(p.text, str(SCENARIO_DIR / f"{p.scenario_id}.yaml"))
        except Exception:  # an invalid saved version is reported by the studio, not here
            continue
    return out


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs={LoadedScenario: lambda s: s.content_hash})
def drill_engine(loaded: LoadedScenario, seed: int) -> Drill:
    """The drill every trainee of a cohort drill runs (immutable, so shared between sessions)."""
    return Drill.create(loaded, int(seed), load_default_policy(), load_default_team())


def cohort_logs(store: Store, cohort_id: int, drill_id: int) -> list[tuple[str, str, list | None]]:
    """(username, display name, attempt events or None when not joined) for every member, plus
    anyone who joined and was later removed from the cohort (they still did the drill)."""
    joined = store_cohorts.drill_participants(store, drill_id)
    out: list[tuple[str, str, list | None]] = []
    for member in store_cohorts.cohort_members(store, cohort_id):
        aid = joined.get(member.username)
        out.append(
            (
                member.username,
                member.display_name,
                store_att.events_for(store, aid) if aid is not None else None,
            )
        )
    listed = {u for u, _, _ in out}
    for username, aid in joined.items():
        if username not in listed:
            person = store_accounts.get_user_by_username(store, username)
            out.append(
                (username, person.display_name if person else username, store_att.events_for(store, aid))
            )
    return out


def board_rows(store: Store, cohort_id: int, drill_id: int) -> list[BoardRow]:
    """One row per cohort member: their attempt's log folded into what the board shows."""
    return [board_row(u, name, events) for u, name, events in cohort_logs(store, cohort_id, drill_id)]


def pick_cohort(store: Store, key: str, empty_message: str, label=lambda c: c.name):
    """A cohort chooser that opens on `?cohort=<id>` when given; stops the page with
    `empty_message` when there is no cohort yet. Returns the chosen cohort."""
    cohorts = store_cohorts.list_cohorts(store)
    if not cohorts:
        st.info(empty_message)
        st.stop()
    by_id = {c.id: c for c in cohorts}
    wanted = st.query_params.get("cohort")
    if wanted and wanted.isdigit() and int(wanted) in by_id and key not in st.session_state:
        st.session_state[key] = int(wanted)
    cid = st.selectbox("Cohort", list(by_id), format_func=lambda i: label(by_id[i]), key=key)
    return by_id[cid]
