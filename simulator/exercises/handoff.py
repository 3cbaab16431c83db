"""The weekly handoff (seed: Handoff Process) as an exercise with a simulated week to hand over.

Owns the outgoing and incoming checklists and the handoff checklist from the seed, a generated
week (incidents, deploys, an ongoing issue, sticky notes, one access problem and one schedule
problem hidden in the context) and grading: every item done, the notes carry the context, and the
two hidden problems are caught.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import ExerciseResult, ItemResult, rng_for

OUTGOING = (
    ("out.incidents", "Review past week's incidents"),
    ("out.changes", "Highlight recent changes/deployments"),
    ("out.ongoing", "Discuss any ongoing issues"),
    ("out.notes", "Hand over temporary notes (sticky issues to watch)"),
    ("out.backup_access", "Verify Backup has full access to tools"),
)
INCOMING = (
    ("in.context", "Receive context from outgoing"),
    ("in.access", "Verify all tool access working"),
    ("in.schedule", "Confirm PagerDuty schedule shows them as primary"),
    ("in.health", "Do a quick health check: curl https://api.fraiseql.com/health"),
    ("in.questions", "Ask questions about recent incidents/changes"),
)
CHECKLIST = (
    ("chk.access", "Access verified: AWS, Database, Kubernetes, Slack, PagerDuty"),
    ("chk.incidents", "Recent incident context shared"),
    ("chk.outstanding", "Outstanding issues reviewed"),
    ("chk.runbooks", "Runbooks location confirmed"),
    ("chk.contacts", "Emergency contact numbers verified"),
    ("chk.fallback", "Fallback procedures reviewed"),
)
ALL_ITEMS = OUTGOING + INCOMING + CHECKLIST
TOOLS = ("AWS", "Database", "Kubernetes", "Slack", "PagerDuty")


@dataclass(frozen=True)
class WeekContext:
    week_start: datetime
    outgoing: str
    incoming: str
    backup: str
    incidents: tuple[str, ...]  # "INC-… title"
    deploys: tuple[str, ...]
    ongoing: tuple[str, ...]
    sticky: tuple[str, ...]
    broken_access: str  # the tool whose access check fails (for the backup)
    schedule_primary: str  # who PagerDuty shows as primary next week
    health_output: str

    @property
    def incident_ids(self) -> list[str]:
        return [i.split()[0] for i in self.incidents]

    @property
    def schedule_ok(self) -> bool:
        return self.schedule_primary == self.incoming


_INCIDENTS = (
    "DB connection pool exhaustion from a customer's bulk query (HIGH, 24 min)",
    "Elasticsearch log ingestion lag after a node restart (MEDIUM, 1 h 10 min)",
    "Rate-limit rejections for a launching customer (HIGH, 35 min)",
    "Stale scrape of api-2 paged as ServiceDown (false positive)",
)
_DEPLOYS = (
    "v2.14.0 query-timeout default 30 s",
    "v2.14.1 fix pagination regression",
    "Redis 7.2 minor upgrade (staging only)",
    "Terraform: new read replica fraiseql-replica-3",
)
_ONGOING = (
    "replica-2 replication slot invalidated — rebuild scheduled Wednesday",
    "Customer acme-integration rotating a leaked key; watch AuthFailureRate",
    "es-logs-2 disk at 81%, retention job change pending review",
)
_STICKY = (
    "Error-rate alert flaps during deploys; tuning ticket OPS-412",
    "Backup window 02:00–02:30 makes the reporting replica slow (known FP)",
    "Globex launch traffic doubles at 09:00 UTC weekdays",
)


def simulated_week(seed: int, week_start: datetime | None = None) -> WeekContext:
    rng = rng_for(seed, "handoff.week")
    start = week_start or datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    prev = start - timedelta(days=7)
    n_inc = 2 + int(rng.integers(0, 2))
    picked = sorted(int(x) for x in rng.permutation(len(_INCIDENTS))[:n_inc])
    days = sorted(prev + timedelta(days=int(d)) for d in rng.choice(6, size=n_inc, replace=False))
    # Incident ids number incidents per day (INC-YYYY-MM-DD-NNN), so each is 001 on its own day.
    incidents = [f"INC-{day:%Y-%m-%d}-001 {_INCIDENTS[i]}" for day, i in zip(days, picked, strict=True)]
    deploys = tuple(_DEPLOYS[int(i)] for i in sorted(rng.permutation(len(_DEPLOYS))[:2]))
    ongoing = (_ONGOING[int(rng.integers(0, len(_ONGOING)))],)
    sticky = tuple(_STICKY[int(i)] for i in sorted(rng.permutation(len(_STICKY))[:2]))
    broken = TOOLS[int(rng.integers(0, len(TOOLS)))]
    schedule_wrong = bool(rng.integers(0, 2))
    return WeekContext(
        week_start=start,
        outgoing="Engineer A",
        incoming="You",
        backup="Engineer B",
        incidents=tuple(incidents),
        deploys=deploys,
        ongoing=ongoing,
        sticky=sticky,
        broken_access=broken,
        schedule_primary="Engineer A" if schedule_wrong else "You",
        health_output='{"status":"ok","db":"ok","redis":"ok","elasticsearch":"ok"}',
    )


def access_check(week: WeekContext, who: str, tool: str) -> str:
    """What 'verify access' shows: the backup's access to one tool has lapsed."""
    if who == week.backup and tool == week.broken_access:
        return f"{tool}: access DENIED for {who} (credential expired during quarterly rotation)"
    return f"{tool}: ok for {who}"


@dataclass(frozen=True)
class HandoffSubmission:
    checked: Collection[str]
    notes: str
    access_problems: Collection[str]  # tools the trainee found broken for the backup
    schedule_ok: bool | None  # the trainee's answer: does PagerDuty show the incoming as primary?
    health_checked: bool


def grade_handoff(week: WeekContext, sub: HandoffSubmission, pass_mark: float = 0.8) -> ExerciseResult:
    items: list[ItemResult] = []
    missing = [label for key, label in ALL_ITEMS if key not in sub.checked]
    items.append(
        ItemResult(
            "checklists",
            not missing,
            1.0 - len(missing) / len(ALL_ITEMS),
            "all items done" if not missing else "not done: " + "; ".join(missing[:4]),
        )
    )
    notes = sub.notes.lower()
    ids = [i.lower() for i in week.incident_ids]
    named = [i for i in ids if i in notes]
    items.append(
        ItemResult(
            "incidents_in_notes",
            len(named) == len(ids),
            len(named) / len(ids),
            "every incident id in the notes"
            if len(named) == len(ids)
            else "name each incident id in the notes: " + ", ".join(i.upper() for i in ids if i not in named),
        )
    )
    ongoing_kw = [o.split()[0].lower().strip("—,") for o in week.ongoing]
    found = [k for k in ongoing_kw if k in notes]
    items.append(
        ItemResult(
            "ongoing_in_notes",
            len(found) == len(ongoing_kw),
            len(found) / len(ongoing_kw),
            "ongoing issue handed over" if found else "hand over the ongoing issue: " + week.ongoing[0],
        )
    )
    deploy_kw = [d.split()[0].lower().rstrip(":") for d in week.deploys]
    dfound = [k for k in deploy_kw if k in notes]
    items.append(
        ItemResult(
            "changes_in_notes",
            len(dfound) == len(deploy_kw),
            len(dfound) / len(deploy_kw),
            "recent changes named"
            if len(dfound) == len(deploy_kw)
            else "name the recent changes: " + "; ".join(week.deploys),
        )
    )
    found_access = set(sub.access_problems) == {week.broken_access}
    items.append(
        ItemResult(
            "backup_access",
            found_access,
            1.0 if found_access else 0.0,
            "caught the backup's lapsed access"
            if found_access
            else f"the backup's {week.broken_access} access had lapsed — the access check shows it",
        )
    )
    sched = sub.schedule_ok is not None and sub.schedule_ok == week.schedule_ok
    items.append(
        ItemResult(
            "schedule",
            sched,
            1.0 if sched else 0.0,
            "schedule checked"
            if sched
            else f"PagerDuty shows {week.schedule_primary} as primary for the new week",
        )
    )
    items.append(
        ItemResult(
            "health",
            sub.health_checked,
            1.0 if sub.health_checked else 0.0,
            "health check run" if sub.health_checked else "run the health check",
        )
    )
    failures = () if found_access else ("handed over with the backup unable to use a required tool",)
    return ExerciseResult("day5.handoff", tuple(items), pass_mark, failures)
