"""Shared, cached handles for pages: the database and the built-in content (read through
`simulator.services`; this module only adds Streamlit caching).

`get_store` is a `cache_resource` (one thread-safe engine per server); scenario loading and trace
generation are `cache_data` keyed by the scenario's content, so every user gets their own copy of
the values and nobody shares a mutable object.
"""

from __future__ import annotations

import streamlit as st

from simulator.scenario import LoadedScenario, parse_scenario
from simulator.services.catalogue import BUILTIN_SCENARIO_DIR, load_builtin_pack, sync_builtin
from simulator.services.database import Store, database_url, open_store
from simulator.timeseries import Trace
from simulator.traces import generate_trace

SCENARIO_DIR = BUILTIN_SCENARIO_DIR


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> Store:
    store = open_store(url)
    # The built-in pack is in the database from the server's first page on, so drills,
    # attempts and the studio all see the same versions.
    sync_builtin(store, SCENARIO_DIR)
    return store


def get_store() -> Store:
    """The database for this server (created with its schema on first use)."""
    return _store_for(database_url())


@st.cache_data(show_spinner=False, max_entries=64)
def builtin_scenarios() -> dict[str, LoadedScenario]:
    """The built-in pack, by scenario id. Files that do not validate are left out here and
    reported by `builtin_scenario_errors` (and by `firedrill validate scenarios/`)."""
    return load_builtin_pack(SCENARIO_DIR).scenarios


@st.cache_data(show_spinner=False, max_entries=8)
def builtin_scenario_errors() -> list[str]:
    return load_builtin_pack(SCENARIO_DIR).problems


@st.cache_data(show_spinner=False, max_entries=64)
def scenario_from_text(text: str, source: str) -> LoadedScenario:
    return parse_scenario(text, source, base_dir=SCENARIO_DIR)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs={LoadedScenario: lambda s: s.content_hash})
def trace_for(loaded: LoadedScenario, seed: int) -> Trace:
    return generate_trace(loaded.scenario, seed=seed)
