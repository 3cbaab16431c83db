"""The Prometheus rule-file format: alerting and recording rules, rule groups, rule files.

Owns the models for the rules a team runs in production, read verbatim — inside a scenario
(`rules:`) or from a plain rule file (`groups:`). Kept apart from the scenario models because
`firedrill rules-test` and the alert engine need only these, and start faster without the rest.
Does not evaluate rules (`simulator.alerts`) or check their expressions (`simulator.promql`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .durations import Duration

METRIC_NAME_RE = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"


class Model(BaseModel):
    """Strict keys, frozen values, `for` readable by its alias or as `for_`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AlertingRule(Model):
    alert: str = Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    expr: str
    for_: Duration = Field(0.0, alias="for")
    keep_firing_for: Duration = 0.0
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class RecordingRule(Model):
    record: str = Field(pattern=METRIC_NAME_RE)
    expr: str
    labels: dict[str, str] = Field(default_factory=dict)


class RuleGroup(Model):
    name: str
    interval: Duration | None = None
    limit: int | None = None
    rules: list[AlertingRule | RecordingRule]


class RuleFile(Model):
    """A plain Prometheus rule file (`groups:`), the same file a team runs in production."""

    groups: list[RuleGroup]
