"""`firedrill classify`: the policy's severity for observed signals (one JSON object on stdin), or
with `--scenario FILE` the level the policy gives a scenario's own traces over time."""

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
    p.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="instead of stdin: the level over time computed from this scenario's signals, "
        "beside its answer (what firedrill validate compares)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.scenario is not None:
        return _scenario(args.scenario, load_policy(args.policy))
    text = sys.stdin.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"stdin is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    signals = parse_signals(data, "<stdin>")
    result = classify(signals, load_policy(args.policy))
    print(json.dumps(result.model_dump(mode="json"), indent=2))
    return 0


def _scenario(path: Path, policy) -> int:
    """One JSON line per change of the sustained level, then the answer's levels."""
    from ..durations import format_duration
    from ..scenario import load_scenario
    from ..scenario_checks import classifier_levels, signal_expressions, sustained_levels

    loaded = load_scenario(path)
    if not signal_expressions(loaded.scenario) and not (
        loaded.scenario.signals and loaded.scenario.signals.facts
    ):
        raise CliError(
            f"{path}: no signals to read; add a `signals:` section (see `firedrill schema scenario`)"
        )
    from ..alerts import RuleEvaluationError
    from ..scenario_checks import SignalError

    try:
        levels = sustained_levels(classifier_levels(loaded, policy))
    except (SignalError, RuleEvaluationError) as exc:
        raise CliError(f"{path}: {exc}") from None
    previous = None
    for lv in levels:
        if lv.severity == previous:
            continue
        previous = lv.severity
        print(
            json.dumps(
                {
                    "at": format_duration(lv.at),
                    "severity": lv.severity.value,
                    "matched": [m.condition_id for m in lv.classification.matched if m.level == lv.severity],
                    "signals": lv.signals,
                }
            )
        )
    ans = loaded.scenario.answer
    answer = [{"at": "0s", "severity": ans.severity.value, "severity_reason": ans.severity_reason}]
    answer += [
        {"at": format_duration(c.at), "severity": c.severity.value, "severity_reason": c.severity_reason}
        for c in sorted(ans.severity_changes, key=lambda c: c.at)
    ]
    print(json.dumps({"answer": answer}))
    return 0
