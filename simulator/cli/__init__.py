"""The `firedrill` command line: the core, headless.

Owns argument parsing and the promise every subcommand keeps: bad input prints a clear message
and exits 2, never a traceback. Each subcommand lives in its own module in this package and
exposes `register(subparsers)`; modules are discovered, so adding a command touches no list.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

# Aliased: the `content` command module, once imported, is this package's attribute `content`.
from .. import content as _content
from ..yamlio import FormatError


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def _command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `only`, just that subcommand's module is imported, so a
    command does not pay for every other command's imports (numpy, pandas, streamlit…)."""
    parser = argparse.ArgumentParser(
        prog="firedrill",
        description="firedrill: on-call incident response drills, headless.",
    )
    parser.add_argument(
        "--content-dir",
        metavar="DIR",
        help="read policy.yaml, team.yaml, alertmanager.yml, curriculum.yaml and runbooks/ from DIR "
        f"(default: ${_content.CONTENT_DIR_ENV}, else the data/ folder shipped with firedrill)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in [only] if only else _command_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv = _take_content_dir(argv)
    except _content.ContentDirError as exc:
        print(f"error: --content-dir: {exc}", file=sys.stderr)
        return 2
    # A module named like the command (rules_test for `rules-test`) registers it; anything else
    # (--help, a typo, a module registering several commands) gets the full parser.
    first = argv[0].replace("-", "_") if argv and not argv[0].startswith("-") else None
    parser = build_parser(first if first in _command_modules() else None)
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except FormatError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


def _take_content_dir(argv: list[str]) -> list[str]:
    """Apply a leading `--content-dir DIR` (before the command) and return the rest, so the
    command module is still found from the first word."""
    if argv and argv[0].startswith("--content-dir="):
        _content.use(argv[0].split("=", 1)[1])
        return argv[1:]
    if len(argv) >= 2 and argv[0] == "--content-dir":
        _content.use(argv[1])
        return argv[2:]
    return argv


def run() -> None:  # console-script entry
    sys.exit(main())
