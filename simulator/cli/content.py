"""`firedrill content`: where the team's content and the built-in scenario pack are read from.

An installed wheel keeps both inside the package, so this is how a user finds the shipped files to
validate, copy or point `--content-dir` at a changed copy; `--scenarios` lists the built-in pack.
"""

from __future__ import annotations

import argparse
import sys

from .. import content
from ..services.catalogue import BUILTIN_SCENARIO_DIR, load_builtin_pack


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("content", help="where the content and the built-in scenarios are read from")
    p.add_argument(
        "--scenarios",
        action="store_true",
        help="list the built-in scenarios (id and title), one a line",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.scenarios:
        print(f"content: {content.content_dir()}")
        print(f"scenarios: {BUILTIN_SCENARIO_DIR}")
        return 0
    pack = load_builtin_pack(BUILTIN_SCENARIO_DIR)
    for sid, loaded in sorted(pack.scenarios.items()):
        print(f"{sid}\t{loaded.scenario.title}")
    for problem in pack.problems:
        print(f"error: {problem}", file=sys.stderr)
    return 2 if pack.problems else 0
