"""`firedrill schema NAME`: print a JSON Schema so a trainer's editor validates as they type."""

from __future__ import annotations

import argparse
import json

from .. import formats
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of a file format")
    p.add_argument("name", metavar="NAME", help="one of: " + ", ".join(formats.FORMATS))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.name not in formats.FORMATS:
        raise CliError(f"unknown schema {args.name!r}; allowed: {', '.join(formats.FORMATS)}")
    print(json.dumps(formats.schema(args.name), indent=2))
    return 0
