"""`firedrill classify`: the policy's severity for observed signals (one JSON object on stdin)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..policy import SIGNAL_NAMES, classify, load_policy, parse_signals
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classify",
        help="severity from observed signals (JSON object on stdin)",
        description="Reads one JSON object with any of: "
        + ", ".join(SIGNAL_NAMES)
        + '. Prints {"severity": ..., "matched": [...]}.',
    )
    p.add_argument("--policy", type=Path, help="policy file (default data/policy.yaml)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"stdin is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    signals = parse_signals(data, "<stdin>")
    result = classify(signals, load_policy(args.policy))
    print(json.dumps(result.model_dump(mode="json"), indent=2))
    return 0
