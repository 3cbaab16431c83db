"""The Cohorts page's progress table: per trainee, the programme day their passed exercises put
them on, how that compares with the cohort's calendar day, and how far along sign-off is.

The numbers come from `simulator.services.training.trainee_report`; this module only words them.
"""

from __future__ import annotations

from simulator.services import training as training_service
from simulator.services.database import Store
from ui.clock import now
from ui.training import curriculum


def pace(day: int | None, done: bool, should_be: int | None) -> str:
    """'complete', 'on track' or 'N day(s) behind' the calendar; '—' before the programme starts,
    after it ends, or with no progress to compare."""
    if done:
        return "complete"
    if should_be in (0, None) or day is None:
        return "—"
    return "on track" if day >= should_be else f"{should_be - day} day(s) behind"


def cohort_progress_rows(store: Store, usernames: list[tuple[str, str]], should_be: int | None) -> list[dict]:
    """One row per (username, display name): day by progress, exercises passed, pace, sign-off."""
    cur = curriculum()
    at = now()
    rows = []
    for username, display in usernames:
        report = training_service.trainee_report(store, cur, username, at)
        prog = report.progress
        day = prog.current_day if prog else None
        rows.append(
            {
                "trainee": display,
                "username": username,
                "day (by progress)": f"Day {day}" if day else "—",
                "exercises passed": f"{prog.done} / {prog.total}" if prog else "—",
                "pace": pace(day, bool(prog and prog.done == prog.total), should_be),
                "sign-off criteria met": f"{report.assessment.met_count} / {len(report.assessment.criteria)}",
                "sign-off status": report.status,
            }
        )
    return rows
