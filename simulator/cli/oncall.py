"""`firedrill oncall --at TIME`: who holds each on-call role at a time (and the demo team generator)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..oncall import DEMO_SEED, generate_demo_team_yaml, load_team, on_call, parse_time
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("oncall", help="who holds each on-call role at TIME")
    p.add_argument("--at", metavar="TIME", help="ISO 8601 time, e.g. 2026-03-10T14:23Z (no zone = UTC)")
    p.add_argument("--team", type=Path, help="team file (default data/team.yaml)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--generate-demo",
        action="store_true",
        help="print the Faker-generated demo team.yaml instead (fixed seed)",
    )
    p.add_argument("--seed", type=int, default=DEMO_SEED, help="seed for --generate-demo")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.generate_demo:
        sys.stdout.write(generate_demo_team_yaml(args.seed))
        return 0
    if not args.at:
        raise CliError("--at TIME is required, e.g. --at 2026-03-10T14:23Z")
    try:
        at = parse_time(args.at)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    now = on_call(load_team(args.team), at)
    data = now.as_dict()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    rows = [
        ("time", data["at"]),
        ("turn", f"{data['turn']} ({data['turn_start']} → {data['turn_end']})"),
        ("primary", data["primary"] or "nobody (outside on-call hours)"),
        ("backup", data["backup"] or "nobody"),
    ]
    if data["outgoing_primary"]:
        rows.append(("outgoing primary", f"{data['outgoing_primary']} (2-hour handoff overlap)"))
    rows += [
        ("manager", data["manager"]),
        ("incident commander", data["incident_commander"]),
        ("security lead", data["security_lead"]),
    ]
    rows += [(f"SME {area}", who) for area, who in data["smes"].items()]
    rows += [("override", r) for r in data["overrides"]]
    rows += [("note", n) for n in data["notes"]]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0
