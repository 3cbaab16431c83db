"""Writing incident communication: the chat update, the status-page post and the customer email.

Owns the checks on each message (impact, current action, next update time, no blame; the email
follows the seed's template), the situation the trainee writes about, and grading the three.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import ExerciseResult, ItemResult

_IMPACT = re.compile(
    r"\b(\d+(\.\d+)?\s*%|\d[\d,]*\s+(requests|queries|customers|users)|customers?|users?|traffic|requests?"
    r"|queries|errors?|latency|unavailable|outage|degraded|affected|failing|failed|slow)\b",
    re.I,
)
_ACTION = re.compile(
    r"\b(investigating|identified|mitigating|monitoring|we are|we're|currently|working on|rolling back|"
    r"restarting|deploying|analy[sz]ing|terminat(ed|ing)|killed|failing over|promot(ed|ing)|reverted|resolved|"
    r"applied|implemented)\b",
    re.I,
)
_NEXT = re.compile(
    r"(next update|will update|update (you )?(in|by|at)|updates? every|\bnext\b.*\b\d{1,2}:\d{2}\b|"
    r"in \d+\s*(min|minutes)|by \d{1,2}:\d{2}|at \d{1,2}:\d{2}\s*utc)",
    re.I,
)
BLAME_WORDS = (
    "blame",
    "fault",
    "careless",
    "stupid",
    "idiot",
    "incompetent",
    "negligen",
    "screwed up",
    "messed up",
    "should have known",
    "user error",
    "their mistake",
    "his mistake",
    "her mistake",
    "sloppy",
    "lazy",
    "dumb",
    "forgot to",
)
_STATUS = re.compile(r"\b(investigating|identified|monitoring|resolved|mitigating)\b", re.I)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    hint: str


def blame_words(text: str) -> list[str]:
    low = text.lower()
    return [w for w in BLAME_WORDS if w in low]


def check_chat_update(text: str) -> list[Check]:
    return [
        Check(
            "impact",
            bool(_IMPACT.search(text)),
            "say what is affected and how much (e.g. '2% of API requests fail')",
        ),
        Check(
            "current action",
            bool(_ACTION.search(text)),
            "say what you are doing now ('Investigating…', 'Rolling back…')",
        ),
        Check(
            "next update",
            bool(_NEXT.search(text)),
            "say when the next update comes ('Next update in 10 minutes')",
        ),
        Check(
            "time",
            bool(_TIME.search(text)),
            "start with the time in UTC (the seed's example: '14:25 UTC: …')",
        ),
        Check(
            "no blame",
            not blame_words(text),
            "describe systems and facts, not people: " + ", ".join(blame_words(text)),
        ),
    ]


def check_status_page(text: str) -> list[Check]:
    return [
        Check(
            "status",
            bool(_STATUS.search(text)),
            "use the status vocabulary: Investigating, Identified, Monitoring, Resolved",
        ),
        Check("impact", bool(_IMPACT.search(text)), "say what customers experience"),
        Check("next update", bool(_NEXT.search(text)), "promise the next update time"),
        Check(
            "no blame", not blame_words(text), "no blame on a public page: " + ", ".join(blame_words(text))
        ),
        Check(
            "no internals",
            not re.search(r"\b(pg_stat|pod|kubectl|api-\d|replica-\d|10\.\d+\.)", text, re.I),
            "keep host names and internal commands off the public page",
        ),
    ]


EMAIL_SECTIONS = ("root cause", "resolution", "impact", "next steps")


def check_customer_email(text: str) -> list[Check]:
    low = text.lower()
    missing = [s for s in EMAIL_SECTIONS if s not in low]
    return [
        Check(
            "subject",
            bool(re.search(r"^\s*subject:\s*\S", text, re.I | re.M)),
            "start with 'Subject: [INCIDENT …] …'",
        ),
        Check("window", len(_TIME.findall(text)) >= 2 and "utc" in low, "give the start and end time in UTC"),
        Check(
            "impact",
            bool(_IMPACT.search(text)) and "impact" in low,
            "state the impact (how many requests / what share)",
        ),
        Check("template sections", not missing, "follow the template; missing: " + ", ".join(missing)),
        Check(
            "next steps",
            bool(re.search(r"next steps?:?\s*\S", text, re.I)),
            "say what you will do to prevent it",
        ),
        Check(
            "apology",
            bool(re.search(r"\b(apologi[sz]e|sorry)\b", text, re.I)),
            "apologise for the disruption",
        ),
        Check(
            "no blame",
            not blame_words(text),
            "no blame, not even on the customer who ran the query: " + ", ".join(blame_words(text)),
        ),
    ]


@dataclass(frozen=True)
class CommunicationResult:
    checks: Mapping[str, list[Check]]
    result: ExerciseResult


def grade_communication(
    chat: str, status_page: str, email: str, pass_mark: float = 0.8
) -> CommunicationResult:
    """Every check is an item; any blame anywhere fails the exercise whatever the score."""
    checks = {
        "chat": check_chat_update(chat),
        "status_page": check_status_page(status_page),
        "email": check_customer_email(email),
    }
    items = tuple(
        ItemResult(f"{kind}.{c.name}", c.ok, 1.0 if c.ok else 0.0, "ok" if c.ok else c.hint)
        for kind, cs in checks.items()
        for c in cs
    )
    blame = [
        f"{kind} uses blame language"
        for kind, cs in checks.items()
        for c in cs
        if c.name == "no blame" and not c.ok
    ]
    return CommunicationResult(checks, ExerciseResult("day4.communication", items, pass_mark, tuple(blame)))


SITUATION = (
    "INC-2026-03-10-001, 14:23 UTC. A new customer's unoptimised bulk query holds 40 of 100 database "
    "connections; the API's error rate is 0.8% and P95 latency 900 ms. You have identified the query "
    "and are terminating it. The incident ended at 14:47 UTC; 450 requests failed."
)
