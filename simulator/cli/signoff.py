"""`firedrill signoff …`: sign-off status, the per-trainee report (PDF/HTML) and the cohort CSV.

Owns the headless path to what the Sign-off page shows; it reads the store named by
FIREDRILL_DATABASE_URL (or --db) and the curriculum file, and decides nothing itself.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("signoff", help="sign-off status, report (pdf|html) and cohort CSV")
    p.add_argument("--db", help="database URL (default: FIREDRILL_DATABASE_URL or data/firedrill.db)")
    p.add_argument("--curriculum", type=Path, help="curriculum file (default: data/curriculum.yaml)")
    actions = p.add_subparsers(dest="signoff_action", metavar="ACTION")
    actions.required = True
    st = actions.add_parser("status", help="each criterion for one trainee")
    st.add_argument("--user", required=True)
    rp = actions.add_parser("report", help="write the sign-off report")
    rp.add_argument("--user", required=True)
    rp.add_argument("--format", choices=("pdf", "html"), default="pdf")
    rp.add_argument("-o", "--output", type=Path, required=True)
    rp.add_argument(
        "--organisation", help="organisation printed on the report (default: the curriculum's `organisation`)"
    )
    co = actions.add_parser("cohort", help="cohort CSV of every trainee with evidence")
    co.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    co.add_argument("--user", action="append", help="only these users (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..curriculum import load_curriculum
    from ..services import training
    from ..services.database import open_store
    from ..signoff_report import cohort_csv, render_html, render_pdf

    curriculum = load_curriculum(args.curriculum)
    store = open_store(args.db)
    now = datetime.now(UTC)  # the CLI is a top-level entry point: the clock is read here, not in the core
    try:
        if args.signoff_action == "cohort":
            users = args.user or training.usernames_with_evidence(store)
            text = cohort_csv([training.trainee_report(store, curriculum, u, now) for u in users])
            if args.output:
                _write(args.output, text.encode("utf-8"))
            else:
                sys.stdout.write(text)
            return 0
        report = training.trainee_report(store, curriculum, args.user, now)
        if args.signoff_action == "status":
            print(f"{report.display_name} ({report.username}): {report.status}")
            for c in report.assessment.criteria:
                print(f"  [{'x' if c.met else ' '}] {c.title}  rating {c.rating}  score {c.score:.0%}")
                for q in c.requirements:
                    if not q.met:
                        print(f"        missing: {q.description} ({q.missing})")
                    for e in q.evidence:
                        print(f"        - {report.describe(e)}")
            return 0
        if args.organisation:
            report = replace(report, organisation=args.organisation.strip())
        data = render_pdf(report) if args.format == "pdf" else render_html(report).encode("utf-8")
        _write(args.output, data)
        print(f"wrote {args.output} ({args.format}, {len(data)} bytes)")
        return 0
    finally:
        store.dispose()


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
