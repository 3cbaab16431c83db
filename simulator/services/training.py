"""Curriculum progress and sign-off as pages and the CLI use them: a trainee's report (evidence,
progress, the sign-off decision and who decided), the team's status with review and refresher
due dates, and the records trainers and trainees add (evidence, decisions, reviews, refreshers,
runbook runs in progress).

The evidence is read through `simulator.store.curriculum` (repository); what it adds up to is
computed by the pure core (`simulator.curriculum`, `simulator.signoff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..curriculum import Curriculum, compute_progress, evaluate_signoff, next_monthly_review, next_refresher
from ..signoff import signed_off_at
from ..signoff_report import TraineeReport
from ..store import Store
from ..store.accounts import get_user_by_username
from ..store.cohorts import cohorts_of
from ..store.curriculum import (
    DRILL_CONSOLE_TOOLS,
    MonthlyReview,
    all_evidence,
    decisions_for,
    monthly_reviews_for,
    record_console_use,
    record_decision,
    record_evidence,
    record_monthly_review,
    record_refresher,
    refreshers_for,
    runbook_progress,
    save_runbook_progress,
    usernames_with_evidence,
)
from ..store.scenarios import get_scenario

__all__ = [
    "DRILL_CONSOLE_TOOLS",
    "MonthlyReview",
    "TeamMember",
    "all_evidence",
    "decisions_for",
    "display_name",
    "monthly_reviews_for",
    "record_console_use",
    "record_decision",
    "record_evidence",
    "record_monthly_review",
    "record_refresher",
    "refreshers_for",
    "runbook_progress",
    "save_runbook_progress",
    "team_status",
    "trainee_report",
    "usernames_with_evidence",
]


def display_name(store: Store, username: str) -> str:
    """The person's display name from their account, else the username."""
    person = get_user_by_username(store, username)
    return person.display_name if person is not None and person.display_name else username


def trainee_report(store: Store, curriculum: Curriculum, username: str, now: datetime) -> TraineeReport:
    """Everything the sign-off report shows for one trainee, read from the store and computed."""
    ev = all_evidence(store, username)
    decisions = decisions_for(store, username)
    titles = {f"exercise:{x.id}": x.title for x in curriculum.exercises()}
    titles |= {f"runbook:{x.runbook}": x.title for x in curriculum.exercises() if x.runbook}
    for ref in {e.ref for e in ev if e.kind == "drill"}:
        summary = get_scenario(store, ref)
        if summary is not None:
            titles[f"drill:{ref}"] = summary.title
    return TraineeReport(
        username,
        display_name(store, username),
        evaluate_signoff(curriculum, ev),
        decisions,
        compute_progress(curriculum, ev),
        now,
        organisation=curriculum.organisation,
        programme=curriculum.title,
        cohorts=tuple((c.name, c.start_date) for c in cohorts_of(store, username)),
        people={d.trainer: display_name(store, d.trainer) for d in decisions},
        titles=titles,
    )


@dataclass(frozen=True)
class TeamMember:
    """One engineer's line on the team overview."""

    username: str
    display_name: str
    status: str
    signed_off: datetime | None
    review_due: datetime | None = None
    review_overdue: bool = False
    refresher_due: datetime | None = None
    refresher_overdue: bool = False


def team_status(
    store: Store, curriculum: Curriculum, usernames: list[str], now: datetime
) -> list[TeamMember]:
    """Who is signed off and, for those who are, when the next monthly review and quarterly
    refresher are due (and whether they are overdue), counted from the sign-off."""
    members: list[TeamMember] = []
    for name in usernames:
        report = trainee_report(store, curriculum, name, now)
        since = signed_off_at(report.decisions)
        if since is None:
            members.append(TeamMember(name, report.display_name, report.status, None))
            continue
        reviews = [r.at for r in monthly_reviews_for(store, name)]
        review = next_monthly_review(curriculum, reviews, since, now)
        refresher = next_refresher(
            curriculum, all_evidence(store, name), since, now, refreshers_for(store, name)
        )
        members.append(
            TeamMember(
                name,
                report.display_name,
                report.status,
                since,
                review.due,
                review.overdue,
                refresher.due,
                refresher.overdue,
            )
        )
    return members
