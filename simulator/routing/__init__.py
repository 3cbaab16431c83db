"""Alertmanager-style routing and notifications: who hears about an alert, on which channel, when.

Owns the routing configuration (`config.py`: format, checks, the route tree, `match_routes`) and
the dispatcher simulation (`dispatch.py`: grouping, timers, inhibition, dedup, webhook payloads,
chat text). Does not own when alerts fire (simulator.alerts) or who is on call (simulator.oncall).
"""

from __future__ import annotations

from typing import Any

from ..rules import AlertingRule
from .config import (
    DEFAULT_CONFIG,
    AlertmanagerConfig,
    Matcher,
    Route,
    json_schema,
    load_config,
    match_routes,
    parse_config,
    parse_matchers,
    route_tree,
    validate_config_text,
)
from .dispatch import Notification, SentAlert, chat_text, fingerprint, notifications


def scenario_notifications(
    loaded: Any,
    timeline: Any,
    start: Any,
    config: AlertmanagerConfig | None = None,
    until: float | None = None,
) -> list[Notification]:
    """Notifications for a loaded scenario's timeline with the team's routing config (default
    data/alertmanager.yml), runbook and service from the scenario, generator URLs from its rules."""
    sc = loaded.scenario
    exprs = {r.alert: r.expr for g in loaded.rule_groups for r in g.rules if isinstance(r, AlertingRule)}
    return notifications(
        config or load_config(), timeline, start, sc.runbook, sc.service, until=until, exprs=exprs
    )


__all__ = [
    "DEFAULT_CONFIG",
    "AlertmanagerConfig",
    "Matcher",
    "Notification",
    "Route",
    "SentAlert",
    "chat_text",
    "fingerprint",
    "json_schema",
    "load_config",
    "match_routes",
    "notifications",
    "parse_config",
    "parse_matchers",
    "route_tree",
    "scenario_notifications",
    "validate_config_text",
]
