"""`firedrill alerts SCENARIO`: the scenario's alert transitions, one JSON object per line.

`--format jsonl` (default) prints pending/firing/resolved transitions; `--format webhook` prints
the Alertmanager webhook payloads `simulator.routing` produces from the same timeline.
"""

from __future__ import annotations

import argparse
import json

from ..alerts import scenario_timeline, transition_record
from ..scenario import load_scenario
from ..traces import generate_trace
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="print a scenario's alert transitions as JSON lines")
    p.add_argument("scenario", metavar="SCENARIO", help="path to a scenario YAML file")
    p.add_argument("--seed", type=int, help="override the scenario's seed (a new variant)")
    p.add_argument("--format", choices=("jsonl", "webhook"), default="jsonl")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.seed is not None and args.seed < 0:
        raise CliError("--seed must be zero or a positive whole number")
    loaded = load_scenario(args.scenario)
    trace = generate_trace(loaded.scenario, seed=args.seed)
    timeline = scenario_timeline(loaded, trace)
    if args.format == "webhook":
        return _webhook(loaded, timeline)
    for tr in timeline.transitions():
        print(json.dumps(transition_record(tr, trace.start), sort_keys=False))
    return 0


def _webhook(loaded, timeline) -> int:
    """Hook for the routing engine: `routing.notifications(loaded, timeline)` yields payload dicts."""
    try:
        from .. import routing
    except ImportError:
        raise CliError("--format webhook needs simulator.routing, which is not installed yet") from None
    notifications = getattr(routing, "notifications", None)
    if notifications is None:
        raise CliError("--format webhook needs simulator.routing.notifications, which is not available")
    for n in notifications(loaded, timeline):
        payload = getattr(n, "payload", n)
        print(json.dumps(payload, default=str))
    return 0
