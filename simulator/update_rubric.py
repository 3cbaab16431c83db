"""The rubric an incident update is judged by: what it must say, and what it must not.

Owns the five checks (impact, current action, next update time, no blame, no internals on public
channels), the words and shapes each accepts (synonyms included, so a trainee is not marked down
for writing "pool exhausted" instead of "impact"), and the rubric's text as the drill, the CLI and
the README show it. Does not weigh the checks against the rest of a drill (`simulator.scoring`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RubricItem:
    key: str
    title: str
    rule: str
    examples: str
    must_have: bool  # True: the update must show it; False: the update must not show it


RUBRIC: tuple[RubricItem, ...] = (
    RubricItem(
        "impact",
        "Impact",
        "Who or what is affected and how much: users, customers, requests, errors, latency, an "
        "outage, a resource running out — or a figure (a percentage, '92 active connections "
        "(max 100)', '450 requests failed').",
        "'~0.8% of requests failing', 'checkout is down', 'DB pool exhausted: 92 of 100 connections'",
        True,
    ),
    RubricItem(
        "current action",
        "Current action",
        "What you are doing now: investigating, analysing logs, rolling back, restarting, failing "
        "over, monitoring the fix …",
        "'Currently analyzing logs', 'rolling back the 14:02 deploy', 'watching the metrics'",
        True,
    ),
    RubricItem(
        "next update time",
        "Next update time",
        "When the next update comes, with a time or interval — or that this is the final update.",
        "'Will update in 5 minutes', 'next update at 14:40 UTC', 'Final update; report follows'",
        True,
    ),
    RubricItem(
        "no blame",
        "No blame",
        "Describe systems and events, never fault a person or team (blameless incident culture).",
        "not: 'Bob broke prod', 'ops messed up the deploy', 'their fault'",
        False,
    ),
    RubricItem(
        "no internals in public",
        "No internals on public channels",
        "The status page and customer e-mails carry no host names, IP addresses, queries, stack "
        "traces, internal channels or metric names.",
        "not: 'db-01.internal', '10.0.3.7', 'SELECT * FROM …', 'pg_stat_activity', '#incident-…'",
        False,
    ),
)

_NUMBER = r"\d+(?:[.,]\d+)?"
_IMPACT = re.compile(
    r"\b(impact\w*|customers?|users?|clients?|tenants?|requests?|queries|traffic|errors?|5\d\d|"
    r"fail\w*|timeouts?|timing out|latency|slow\w*|down|outage|unavailable|unreachable|degraded|"
    r"degradation|affect\w*|disrupt\w*|broken|exhaust\w*|saturat\w*|"
    r"(?:at|near|over) (?:capacity|the limit)|out of \w+|backlog|queue\w*|data loss|lost|"
    r"checkout|log ?in|sign[- ]?in|payments?)\b"
    rf"|{_NUMBER}\s*%|\b{_NUMBER}\s*(?:of|/)\s*{_NUMBER}\b|\(max(?:imum)?\s*{_NUMBER}\)"
    rf"|\b{_NUMBER}\s*(?:ms|s|qpm|rps|req/s|qps|connections?|sessions?|orders?|jobs?)\b",
    re.I,
)
_ACTION = re.compile(
    r"\b(investigat\w*|identif\w*|mitigat\w*|restart\w*|reboot\w*|kill\w*|terminat\w*|deploy\w*|"
    r"revert\w*|roll\w*|fix\w*|monitor\w*|watch\w*|working|checking|apply\w*|applied|scal\w*|"
    r"renew\w*|resolv\w*|analy[sz]\w*|failover|fail(?:ing)? over|patch\w*|currently|looking into|"
    r"examin\w*|review\w*|debug\w*|diagnos\w*|test\w*|validat\w*|verif\w*|restor\w*|drain\w*|"
    r"block\w*|disabl\w*|enabl\w*|rotat\w*|revok\w*|escalat\w*|paged|paging|engag\w*|"
    r"contain\w*|isolat\w*|throttl\w*|tracing|profil\w*)\b",
    re.I,
)
_TIME = r"(?:\d+\s*(?:-\s*\d+\s*)?(?:m\b|mins?\b|minutes?|h\b|hrs?\b|hours?)|\d{1,2}:\d{2}|half an hour|an hour|the hour)"
_NEXT = re.compile(
    rf"(?:next (?:update|check-?in|status)|(?:will|we'?ll|i'?ll) (?:update|report back|post|follow up|check back)|"
    rf"updates? (?:again )?(?:in|at|by|within|every)|back (?:to you )?(?:in|at|by|within)|"
    rf"(?:more|another update|further updates?) (?:in|at|by|within)|follow(?:-| )up (?:in|at|by|within))"
    rf"[^.\n]{{0,40}}?{_TIME}"
    r"|\b(?:final update|last update|no further updates|post-incident report follows)",
    re.I,
)
_BLAME = re.compile(
    r"\b(blame\w*|(?:his|her|their|your|[A-Z][a-z]+'s) (?:fault|mistake|error)|fault of|"
    r"screw(?:ed)? up|mess(?:ed)? up|careless\w*|incompeten\w*|stupid\w*|idiot\w*|negligen\w*|"
    r"sloppy|should have known|(?:someone|somebody) (?:forgot|broke|messed)|"
    r"[A-Z][a-z]+ (?:broke|forgot|messed|screwed))\b"
)
_INTERNALS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b"  # IP addresses
    r"|\b[\w-]+\.(?:internal|local|lan|corp|svc)\b"  # internal host names
    r"|\b(?:db|web|api|app|worker|node|host|srv|server|cache|redis|pg|mysql|pod|vm|ip)-?\d+[\w-]*"  # hosts
    r"|\b(?:select|insert|update|delete)\b[^.\n]{0,60}\b(?:from|into|set)\b"  # SQL
    r"|traceback|stack ?trace|exception:|\bat [\w.$]+\(\w+\.(?:java|py|go):\d+\)"
    r"|\b[a-z]+(?:_[a-z]+){1,}\b"  # metric / table names: pg_stat_activity, http_requests_total
    r"|#incident-[\w-]+|/var/|/etc/|kubectl|\bpid\s*\d+",
    re.I,
)


def update_content_gaps(text: str) -> list[str]:
    """Which of impact, current action and next-update time an update leaves out (rubric order)."""
    checks = (("impact", _IMPACT), ("current action", _ACTION), ("next update time", _NEXT))
    return [name for name, pattern in checks if not pattern.search(text)]


def blame_in(text: str) -> str | None:
    """The blaming phrase in an update, if any."""
    m = _BLAME.search(text)
    return m.group(0) if m else None


def internals_in(text: str) -> list[str]:
    """Internal details (hosts, addresses, queries, traces, metric names) that a public message shows."""
    found = []
    for m in _INTERNALS.finditer(text):
        word = m.group(0).strip()
        if word and word not in found:
            found.append(word)
    return found


def rubric_problems(text: str, public: bool = False) -> list[str]:
    """Every rubric item the text fails, worded for the trainee (empty: full marks)."""
    problems = [f"leaves out: {gap}" for gap in update_content_gaps(text)]
    blame = blame_in(text)
    if blame:
        problems.append(f"blames someone ({blame!r}); describe what happened, not who")
    if public:
        leaked = internals_in(text)
        if leaked:
            problems.append(f"shows internal detail on a public channel: {', '.join(leaked[:4])}")
    return problems


def rubric_markdown() -> str:
    """The rubric as the trainee reads it (drill page, `firedrill drill --rubric`, README)."""
    lines = ["| Check | What earns it | Examples |", "|---|---|---|"]
    for item in RUBRIC:
        lines.append(f"| {item.title} | {item.rule} | {item.examples} |")
    return "\n".join(lines) + "\n"
