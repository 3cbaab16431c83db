"""Scenarios a drill can run, for pages: the built-in pack and trainers' saved versions.

The built-in pack is mirrored into the store once per server (read-only originals); saved
scenarios come from `simulator.store.scenarios`. A version is parsed once per content hash and
cached as a value. `?scenario=<id>&version=<hash>` on the drill page names one version to play.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from simulator.scenario import LoadedScenario, parse_scenario, scenario_files
from simulator.store import Store
from simulator.store import scenarios as repo
from simulator.yamlio import FormatError
from ui.services import SCENARIO_DIR


def _pack_fingerprint() -> str:
    h = hashlib.sha256()
    for p in scenario_files(SCENARIO_DIR):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=8)
def _synced(url: str, fingerprint: str) -> tuple[str, ...]:
    from simulator.store import open_store

    store = open_store(url, create=False)
    try:
        return tuple(repo.sync_builtin(store, SCENARIO_DIR).invalid)
    finally:
        store.dispose()


def sync_pack(store: Store) -> tuple[str, ...]:
    """Load the built-in pack into the store (once per server and pack content); invalid files."""
    return _synced(store.url, _pack_fingerprint())


@st.cache_data(show_spinner=False, max_entries=128)
def _parse(text: str, content_hash: str, scenario_id: str) -> LoadedScenario | None:
    try:
        return parse_scenario(text, f"{scenario_id}.yaml", base_dir=SCENARIO_DIR)
    except FormatError:
        return None


def loaded_version(store: Store, content_hash: str) -> LoadedScenario | None:
    """A stored version (also of a deleted scenario), parsed; None when unknown."""
    v = repo.get_version(store, content_hash)
    return None if v is None else _parse(v.text, v.content_hash, v.scenario_id)


def playable_scenarios(store: Store) -> dict[str, LoadedScenario]:
    """The latest version of every scenario that is not deleted, by scenario id."""
    sync_pack(store)
    out: dict[str, LoadedScenario] = {}
    for p in repo.list_playable(store):
        loaded = _parse(p.text, p.content_hash, p.scenario_id)
        if loaded is not None:
            out[p.scenario_id] = loaded
    return out


def requested_version(store: Store) -> LoadedScenario | None:
    """The version `?version=<hash>` (or the latest of `?scenario=<id>`) names, if any."""
    version = st.query_params.get("version")
    if version:
        return loaded_version(store, str(version)[:80])
    sid = st.query_params.get("scenario")
    if sid:
        latest = repo.latest_version(store, str(sid)[:64])
        if latest is not None:
            return _parse(latest.text, latest.content_hash, latest.scenario_id)
    return None
