"""`firedrill report debrief|post-incident`: the debrief and the post-incident report, headless.

Runs a scripted response (as `firedrill drill` does) and prints the after-action report, the
drafted post-incident report, or the check of an edited report against the event log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..incident_report import check_report, draft_post_incident_report
from ..reports import after_action_markdown, debrief
from ..yamlio import read_text_limited
from . import CliError
from .drill import run_headless


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="debrief and post-incident reports from a scripted response")
    kinds = p.add_subparsers(dest="report_kind", metavar="KIND")
    kinds.required = True
    for name, text in (
        ("debrief", "after-action report: ratings with evidence, strengths, improvement plan"),
        ("post-incident", "post-incident report drafted from the event log, or --check an edited one"),
    ):
        k = kinds.add_parser(name, help=text)
        k.add_argument("scenario", metavar="SCENARIO", help="path to a scenario YAML file")
        k.add_argument("--responses", required=True, metavar="FILE", help="YAML or JSON scripted response")
        k.add_argument("--seed", type=int)
        k.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
        k.add_argument("--json", action="store_true", help="machine-readable output")
        if name == "post-incident":
            k.add_argument(
                "--check", metavar="REPORT.md", help="check this edited report against the event log"
            )
            k.add_argument(
                "--from-log",
                action="store_true",
                help="draft from the log even when the response wrote its own report",
            )
    p.set_defaults(func=run)


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    drill, events, card = run_headless(args.scenario, args.responses, args.seed)
    if args.report_kind == "debrief":
        d = debrief(drill, events, card)
        if args.json:
            out = {
                "scorecard": card.to_dict(),
                "strengths": list(d.strengths),
                "areas_for_improvement": list(d.improvements),
                "improvement_plan": list(d.plan),
            }
            _write(json.dumps(out, indent=2, ensure_ascii=False) + "\n", args.output)
        else:
            _write(after_action_markdown(d), args.output)
        return 0
    if args.check:
        path = Path(args.check)
        if not path.is_file():
            raise CliError(f"report file {path} does not exist")
        markdown = read_text_limited(path)
    else:
        written = [e for e in events if e.kind == "write_report"]
        markdown = (
            written[-1].payload["markdown"]
            if written and not args.from_log
            else draft_post_incident_report(drill, events)
        )
        if not args.check and not args.json:
            _write(markdown, args.output)
            return 0
    check = check_report(drill, events, markdown)
    result = {
        "ok": check.ok,
        "missing_sections": list(check.missing_sections),
        "timeline": [
            {"time": e.written, "text": e.text, "within_2_min": e.matched, "why": e.why}
            for e in check.timeline
        ],
        "action_items": [{"text": i.text, "owner": i.owner, "due": i.due} for i in check.action_items],
        "facts": [
            {"field": f.field, "written": f.written, "expected": f.expected, "ok": f.ok, "why": f.why}
            for f in check.facts
        ],
        "false_claims": [{"line": c.line, "claim": c.claim, "why": c.why} for c in check.false_claims],
        "missing_meetings": list(check.missing_meetings),
    }
    if args.json:
        _write(json.dumps(result, indent=2, ensure_ascii=False) + "\n", args.output)
    else:
        lines = [f"{'OK' if check.ok else 'NEEDS WORK'}: post-incident report checked against the event log"]
        lines += [f"  missing section: {s}" for s in check.missing_sections]
        lines += [
            f"  {f.field}: {f.written!r} " + ("ok" if f.ok else f"WRONG — {f.why}") for f in check.facts
        ]
        lines += [
            f"  timeline {e.written} '{e.text}': "
            + (
                "ok"
                if e.matched
                else f"not within ±2 min of the log ({e.why})"
                if e.why
                else "not within ±2 min of the log"
            )
            for e in check.timeline
        ]
        lines += [f"  false claim '{c.line}': {c.why}" for c in check.false_claims]
        lines += [f"  meetings: {m}" for m in check.missing_meetings]
        lines += [
            f"  action item '{i.text}': owner {i.owner or 'MISSING'}, due {i.due or 'MISSING'}"
            for i in check.action_items
        ]
        if not check.action_items:
            lines.append("  no action items with owners and due dates")
        _write("\n".join(lines) + "\n", args.output)
    return 0 if check.ok else 1
