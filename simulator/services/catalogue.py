"""The scenario catalogue as pages and the CLI use it: the built-in pack read from disk (with the
files that do not validate reported, not dropped silently), the published versions in the
database (list, load, publish a new version, duplicate, delete) and the author's draft.

Versions are stored by `simulator.store.scenarios` (repository); what a scenario file means is
`simulator.scenario`'s business.
"""

from __future__ import annotations

from pathlib import Path

from .. import content
from ..scenario import LoadedScenario, load_scenario, scenario_files
from ..store.scenarios import (
    PlayableScenario,
    ScenarioStoreError,
    ScenarioSummary,
    ScenarioVersion,
    SyncReport,
    delete_scenario,
    discard_draft,
    duplicate,
    export_filename,
    get_draft,
    get_scenario,
    get_version,
    latest_version,
    list_playable,
    list_scenarios,
    save_draft,
    save_version,
    sync_builtin,
    versions,
)
from ..yamlio import FormatError

__all__ = [
    "BUILTIN_SCENARIO_DIR",
    "BuiltinPack",
    "PlayableScenario",
    "ScenarioStoreError",
    "ScenarioSummary",
    "ScenarioVersion",
    "SyncReport",
    "delete_scenario",
    "discard_draft",
    "duplicate",
    "export_filename",
    "get_draft",
    "get_scenario",
    "get_version",
    "latest_version",
    "list_playable",
    "list_scenarios",
    "load_builtin_pack",
    "save_draft",
    "save_version",
    "sync_builtin",
    "versions",
]

# The built-in pack, shipped as package data (`simulator.content`).
BUILTIN_SCENARIO_DIR = content.SHIPPED_SCENARIO_DIR


class BuiltinPack:
    """The built-in scenarios that validate, by id, and the located problems of those that do not."""

    def __init__(self, scenarios: dict[str, LoadedScenario], problems: list[str]) -> None:
        self.scenarios = scenarios
        self.problems = problems


def load_builtin_pack(directory: str | Path | None = None) -> BuiltinPack:
    """Read every scenario file of the pack; a file that does not validate is left out of
    `scenarios` and its problems (file, line, what is wrong) are listed in `problems`."""
    scenarios: dict[str, LoadedScenario] = {}
    problems: list[str] = []
    for path in scenario_files(Path(directory) if directory is not None else BUILTIN_SCENARIO_DIR):
        try:
            loaded = load_scenario(path)
        except FormatError as exc:
            problems.extend(str(p) for p in exc.problems)
            continue
        scenarios[loaded.scenario.id] = loaded
    return BuiltinPack(scenarios, problems)
