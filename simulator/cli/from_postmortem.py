"""`firedrill from-postmortem FILE`: a scenario skeleton from a pasted public postmortem.

The timeline becomes injects and the source is cited; the skeleton validates as written and marks
with TODO what the trainer adds (metrics, effects, rules, evidence, the answer).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "from-postmortem", help="draft a scenario skeleton from a postmortem's text ('-' for stdin)"
    )
    p.add_argument("file", metavar="FILE", help="text or Markdown of the postmortem, or - for stdin")
    p.add_argument("-o", "--output", help="write the YAML here instead of stdout (never overwrites)")
    p.add_argument("--id", dest="scenario_id", help="scenario id (default: from the title)")
    p.add_argument("--source-title", help="name of the postmortem to cite (default: its title)")
    p.add_argument("--source-url", help="address of the postmortem (default: the first URL in the text)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..postmortem import MAX_INPUT, scenario_from_postmortem
    from ..scenario import parse_scenario

    if args.file == "-":
        text = sys.stdin.read(MAX_INPUT + 1)
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CliError(f"{path} is not a readable file")
        if path.stat().st_size > MAX_INPUT:
            raise CliError(
                f"{path} is larger than {MAX_INPUT // 1000} kB; paste the summary and timeline only"
            )
        text = path.read_text(encoding="utf-8", errors="replace")
    try:
        yaml_text, pm = scenario_from_postmortem(
            text, scenario_id=args.scenario_id, source_title=args.source_title, source_url=args.source_url
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    parse_scenario(yaml_text, "<skeleton>")  # the skeleton must validate as written
    if not pm.entries:
        print("warning: no timeline lines with a time were found (e.g. '14:20 UTC - ...')", file=sys.stderr)
    if args.output:
        out = Path(args.output)
        if out.exists():
            raise CliError(f"{out} exists; choose another file name")
        out.write_text(yaml_text, encoding="utf-8")
        print(f"wrote {out}: {len(pm.entries)} timeline entries as injects", file=sys.stderr)
    else:
        sys.stdout.write(yaml_text)
    return 0
