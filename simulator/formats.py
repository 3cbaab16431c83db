"""The registry of firedrill's file formats: which model validates which file, and its schema.

Owns recognising a file's format from its name and contents and dispatching to the module that
owns that format. Each format module exposes a validator `(text, source, base_dir) -> object`
and a `json_schema() -> dict`; this table only points at them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .yamlio import FormatError, Problem, load_yaml, read_text_limited


@dataclass(frozen=True)
class Format:
    name: str
    validator: str  # "module:function" taking (text, source, base_dir)
    schema: str  # "module:function" returning a JSON Schema dict
    description: str

    def _resolve(self, ref: str) -> Callable[..., Any]:
        module, func = ref.split(":")
        return getattr(importlib.import_module(f"simulator.{module}"), func)

    def validate(self, text: str, source: str, base_dir: Path | None) -> Any:
        return self._resolve(self.validator)(text, source, base_dir)

    def json_schema(self) -> dict[str, Any]:
        return self._resolve(self.schema)()


_FORMATS = [
    Format("scenario", "formats:_validate_scenario", "scenario:json_schema", "a drill scenario"),
    Format("rules", "formats:_validate_rules", "formats:_rules_schema", "a Prometheus alerting rule file"),
    Format("policy", "policy:validate_policy_text", "policy:json_schema", "the team's incident policy"),
    Format("team", "oncall:validate_team_text", "oncall:json_schema", "people, roles and the rotation"),
    Format(
        "curriculum",
        "curriculum:validate_curriculum_text",
        "curriculum:json_schema",
        "the five-day programme",
    ),
    Format("runbook", "runbooks:validate_runbook_text", "runbooks:json_schema", "a runbook exercise"),
    Format(
        "responses", "actions:validate_responses_text", "actions:json_schema", "a scripted drill response"
    ),
    Format(
        "alertmanager",
        "routing:validate_config_text",
        "routing:json_schema",
        "an Alertmanager routing config",
    ),
]
FORMATS: dict[str, Format] = {f.name: f for f in _FORMATS}


# Scripted trainee responses: the built-in expert, a trainer's weak example, any other.
RESPONSES_SUFFIXES = (".expert.yaml", ".weak.yaml", ".responses.yaml", ".expert.json", ".responses.json")


def _looks_like_responses(data: Any) -> bool:
    if isinstance(data, list):
        return bool(data) and all(isinstance(x, dict) and "action" in x for x in data)
    return isinstance(data, dict) and "actions" in data and "answer" not in data and "metrics" not in data


def responses_hint(path: Path, data: Any) -> str:
    """What a responses file is and which command takes it, for validate's messages."""
    scenario = data.get("scenario") if isinstance(data, dict) else None
    target = (
        str(path.parent / f"{scenario}.yaml") if isinstance(scenario, str) and scenario else "SCENARIO.yaml"
    )
    return (
        f"{path.name} is a drill responses file (a scripted trainee's timed actions, like *.expert.yaml "
        f"or *.weak.yaml), not a scenario; it is played and scored with: firedrill drill {target} "
        f"--responses {path}"
    )


def detect(path: Path, data: Any) -> str:
    """Guess a file's format from its name first, then from its top-level keys."""
    name = path.name
    if name in ("policy.yaml", "policy.yml"):
        return "policy"
    if name in ("team.yaml", "team.yml"):
        return "team"
    if name in ("curriculum.yaml", "curriculum.yml"):
        return "curriculum"
    if name in ("alertmanager.yml", "alertmanager.yaml"):
        return "alertmanager"
    if path.parent.name == "runbooks":
        return "runbook"
    if name.endswith(RESPONSES_SUFFIXES) or _looks_like_responses(data):
        return "responses"
    if name.endswith(".rules.yaml") or (isinstance(data, dict) and set(data) == {"groups"}):
        return "rules"
    if isinstance(data, dict) and "tests" in data and "rule_files" in data and "answer" not in data:
        return "promtool-test"
    return "scenario"


def validate_file(path: Path) -> str:
    """Validate one file; return its format name or raise FormatError with every problem."""
    text = read_text_limited(path)
    data, _ = load_yaml(text, str(path))
    kind = detect(path, data)
    if kind == "promtool-test":
        # Unit-test files are checked by running them: `firedrill rules-test`.
        from . import promtool_tests

        promtool_tests.load_test_file(path)
        return kind
    try:
        FORMATS[kind].validate(text, str(path), path.parent)
    except FormatError as exc:
        if kind == "responses":
            # Say what the file is: an author who meant to check a scenario learns which command
            # takes this one instead of reading scenario errors about a file that is not one.
            raise FormatError(
                [*exc.problems, Problem(str(path), None, None, "", responses_hint(path, data))]
            ) from None
        raise
    return kind


def schema(name: str) -> dict[str, Any]:
    if name not in FORMATS:
        raise FormatError([Problem("<schema>", None, None, "", f"unknown format {name!r}")])
    return FORMATS[name].json_schema()


def _validate_scenario(text: str, source: str, base_dir: Path | None) -> Any:
    from .policy import default_policy
    from .scenario import parse_scenario
    from .scenario_checks import check

    loaded = parse_scenario(text, source, base_dir)
    # Beyond the format: agreement with the team policy and authoring slips (validate only;
    # loading a scenario to play it stays fast).
    _, positions = load_yaml(text, source)
    problems = check(loaded, positions, default_policy())
    if problems:
        raise FormatError(problems)
    return loaded


def _validate_rules(text: str, source: str, base_dir: Path | None) -> Any:
    from .rules import RuleFile
    from .yamlio import load_model_text

    rules = load_model_text(RuleFile, text, source)
    from . import promql

    problems = []
    for gi, g in enumerate(rules.groups):
        for ri, r in enumerate(g.rules):
            try:
                promql.parse(r.expr)
            except promql.PromQLError as exc:
                problems.append(Problem(source, None, None, f"groups[{gi}].rules[{ri}].expr", str(exc)))
    if problems:
        raise FormatError(problems)
    return rules


def _rules_schema() -> dict[str, Any]:
    from .rules import RuleFile

    return RuleFile.model_json_schema(by_alias=True)
