"""`firedrill escalate`: the notifications an incident would produce, as a JSON list."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..durations import parse_duration
from ..escalation import plan, plan_json
from ..oncall import load_team, parse_time
from ..policy import load_policy
from ..vocabulary import Severity
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("escalate", help="who is notified when, for an incident of a severity")
    p.add_argument("--severity", required=True, type=str.upper, choices=[s.value for s in Severity])
    p.add_argument("--at", required=True, metavar="TIME", help="trigger time, ISO 8601 (no zone = UTC)")
    p.add_argument(
        "--ack-after", metavar="DURATION", help="acknowledged this long after the trigger, e.g. 90s"
    )
    p.add_argument("--resolve-after", metavar="DURATION", help="resolved this long after the trigger")
    p.add_argument("--security", action="store_true", help="a security incident: security lead paged at once")
    p.add_argument("--policy", type=Path, help="policy file (default data/policy.yaml)")
    p.add_argument("--team", type=Path, help="team file (default data/team.yaml)")
    p.set_defaults(func=run)


def _duration(text: str | None, flag: str) -> float | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise CliError(f"{flag}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    try:
        at = parse_time(args.at)
    except ValueError as exc:
        raise CliError(f"--at: {exc}") from None
    notifications = plan(
        load_policy(args.policy),
        load_team(args.team),
        Severity(args.severity),
        at,
        ack_after=_duration(args.ack_after, "--ack-after"),
        security=args.security,
        resolve_after=_duration(args.resolve_after, "--resolve-after"),
    )
    print(json.dumps(plan_json(notifications), indent=2, ensure_ascii=False))
    return 0
