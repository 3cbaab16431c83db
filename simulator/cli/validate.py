"""`firedrill validate PATH...`: check scenario, policy, team and curriculum files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import formats
from ..yamlio import FormatError, load_yaml, read_text_limited


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario / policy / team / curriculum files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    checked = 0
    for path in _expand([Path(p) for p in args.paths]):
        checked += 1
        try:
            kind = formats.validate_file(path)
        except FormatError as exc:
            failed += 1
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            continue
        if kind == "responses":
            data, _ = load_yaml(read_text_limited(path), str(path))
            print(f"ok: {path} (responses) — {formats.responses_hint(path, data)}")
        else:
            print(f"ok: {path} ({kind})")
    if checked == 0:
        print("error: no YAML files found in the given paths", file=sys.stderr)
        return 2
    if failed:
        print(f"{failed} of {checked} files invalid", file=sys.stderr)
        return 2
    return 0


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.y*ml") if q.is_file()))
        else:
            out.append(p)
    return out
