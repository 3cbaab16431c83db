"""Alert thresholds read off a scenario's rules, for drawing on charts.

Owns recognising the simple rule shape `metric{...} > N` (and <, >=, <=) so a chart can draw the
line an alert fires at. Rules with any other shape have no single threshold and are left out;
this never changes how rules are evaluated (`simulator.alerts` does that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .rules import AlertingRule
from .scenario import LoadedScenario

_SIMPLE = re.compile(
    r"^\s*(?P<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{[^}]*\})?\s*(?P<op>>=|<=|>|<)\s*(?P<value>[-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Threshold:
    metric: str
    alert: str
    op: str
    value: float
    severity: str
    for_: float


def alert_thresholds(loaded: LoadedScenario) -> dict[str, list[Threshold]]:
    """Thresholds per metric name, from every alerting rule of the simple shape."""
    out: dict[str, list[Threshold]] = {}
    for group in loaded.rule_groups:
        for rule in group.rules:
            if not isinstance(rule, AlertingRule):
                continue
            m = _SIMPLE.match(rule.expr)
            if not m:
                continue
            t = Threshold(
                metric=m["metric"],
                alert=rule.alert,
                op=m["op"],
                value=float(m["value"]),
                severity=rule.labels.get("severity", ""),
                for_=rule.for_,
            )
            out.setdefault(t.metric, []).append(t)
    return out
