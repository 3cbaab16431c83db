"""`firedrill variants SCENARIO --samples N`: sample variants and check the answer stays right.

For each sampled seed: the knobs (timing shift, noise scale, red herrings), the alerts that fire,
and whether the expert response (moved with the incident) still passes. Exit 1 when any fails.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "variants", help="check that sampled variants fire the same alerts and the expert passes"
    )
    p.add_argument("scenario", metavar="SCENARIO", help="path to a scenario YAML file")
    p.add_argument("--samples", type=int, default=5, help="how many variants to sample (default 5)")
    p.add_argument("--seed", type=int, action="append", help="check this variant seed (repeatable)")
    p.add_argument("--responses", help="expert response file (default: <id>.expert.yaml beside the scenario)")
    p.add_argument("--json", action="store_true", help="one JSON object per variant")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..actions import load_responses
    from ..scenario import load_scenario
    from ..variant_checks import check_variants
    from ..yamlio import read_text_limited

    if not 1 <= args.samples <= 200:
        raise CliError("--samples must be between 1 and 200")
    if args.seed and any(s < 0 for s in args.seed):
        raise CliError("--seed must be zero or a positive whole number")
    loaded = load_scenario(args.scenario)
    path = (
        Path(args.responses)
        if args.responses
        else Path(args.scenario).with_name(f"{loaded.scenario.id}.expert.yaml")
    )
    responses = None
    if path.exists():
        responses = load_responses(read_text_limited(path), str(path), loaded.scenario)
    elif args.responses:
        raise CliError(f"{path} does not exist")
    checks = check_variants(loaded, responses, samples=args.samples, seeds=args.seed)
    for c in checks:
        if args.json:
            print(
                json.dumps(
                    {
                        "seed": c.knobs.seed,
                        "shift": c.knobs.shift,
                        "noise_scale": c.knobs.noise_scale,
                        "red_herrings": list(c.knobs.red_herrings),
                        "alerts": list(c.alerts_fired),
                        "expert_passed": c.expert_passed,
                        "expert_score": c.expert_score,
                        "problems": list(c.problems),
                    }
                )
            )
        else:
            mark = "ok  " if c.ok else "FAIL"
            expert = (
                "no expert response"
                if c.expert_passed is None
                else (f"expert {'passes' if c.expert_passed else 'fails'} ({c.expert_score:.2f})")
            )
            print(f"{mark} {c.knobs.describe()}: alerts {', '.join(c.alerts_fired) or 'none'}; {expert}")
            for p in c.problems:
                print(f"     {p}")
    failed = sum(not c.ok for c in checks)
    if not args.json:
        print(
            f"{len(checks) - failed} of {len(checks)} variants keep the answer right"
            + ("" if responses is not None else f" (no {path.name}: alerts checked only)")
        )
    return 1 if failed else 0
