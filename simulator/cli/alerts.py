"""`firedrill alerts SCENARIO`: the scenario's alert transitions, one JSON object per line.

`--format jsonl` (default) prints pending/firing/resolved transitions; `--format webhook` prints
each notification `simulator.routing` sends for the same timeline: when, to whom, and the
Alertmanager webhook payload (`--config` picks the routing file, default data/alertmanager.yml).
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from ..alerts import scenario_timeline, transition_record
from ..scenario import load_scenario
from ..traces import generate_trace
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="print a scenario's alert transitions as JSON lines")
    p.add_argument("scenario", metavar="SCENARIO", help="path to a scenario YAML file")
    p.add_argument("--seed", type=int, help="override the scenario's seed (a new variant)")
    p.add_argument("--format", choices=("jsonl", "webhook"), default="jsonl")
    p.add_argument(
        "--config",
        metavar="ALERTMANAGER_YML",
        help="routing config for --format webhook (default data/alertmanager.yml)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.seed is not None and args.seed < 0:
        raise CliError("--seed must be zero or a positive whole number")
    loaded = load_scenario(args.scenario)
    trace = generate_trace(loaded.scenario, seed=args.seed)
    timeline = scenario_timeline(loaded, trace)
    if args.format == "webhook":
        return _webhook(loaded, timeline, trace.start, args.config)
    for tr in timeline.transitions():
        print(json.dumps(transition_record(tr, trace.start), sort_keys=False))
    return 0


def _webhook(loaded, timeline, start, config_path: str | None) -> int:
    """One line per notification, in the order Alertmanager would send them: when (`at`, `offset`
    seconds), to whom (`receiver`, `channel`) and the exact version-4 webhook body (`payload`)."""
    from .. import routing

    config = routing.load_config(config_path)
    for n in routing.scenario_notifications(loaded, timeline, start, config):
        at = (start + timedelta(seconds=n.at)).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(
            json.dumps(
                {"at": at, "offset": n.at, "receiver": n.receiver, "channel": n.channel, "payload": n.webhook}
            )
        )
    return 0
