"""`firedrill rules-test FILE...`: run promtool rule unit-test files with firedrill's engine.

Prints results the way `promtool test rules` does; exit 0 when every test passes, 1 when any
fails, 2 when a file is malformed (the error names file, line and field).
"""

from __future__ import annotations

import argparse
import sys

from ..promtool_tests import run_test_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules-test", help="run promtool-format rule unit tests with firedrill's engine")
    p.add_argument("files", nargs="+", metavar="FILE", help="promtool unit-test YAML files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = False
    for f in args.files:
        print("Unit Testing: ", f)
        result = run_test_file(f)  # FormatError -> exit 2 via the CLI
        if result.failures:
            print("  FAILED:", file=sys.stderr)
            for failure in result.failures:
                print(failure, file=sys.stderr)
                print()
            failed = True
        else:
            print("  SUCCESS")
        print()
        sys.stdout.flush()
    return 1 if failed else 0
