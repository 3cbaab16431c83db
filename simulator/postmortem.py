"""From a public postmortem to a scenario skeleton: the timeline becomes injects, the source is cited.

Owns reading a pasted postmortem (title, summary, a timeline in the usual shapes — `14:20 - …`,
`14:20 UTC: …`, `2026-03-10 14:20 …`, `[2:20 PM] …`) and writing a skeleton scenario YAML that
validates as it is, with TODOs where the trainer adds metrics, effects and the answer. Does not
guess the incident's metrics or its answer: that is the trainer's judgement.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .durations import format_duration
from .scenario import SCENARIO_ID_RE

MAX_INPUT = 200_000
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DATE = rf"(?P<date>\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}/\d{{2}}/\d{{2}}|\d{{1,2}}\s+(?:{_MONTHS})[a-z]*\.?(?:\s+\d{{4}})?|(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?)"
_TIME = r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
_ZONE = r"(?:\s*(?:UTC|GMT|Z)\b)?"
_LINE = re.compile(
    rf"^\s*(?:[-*•]\s*)?(?:\*\*)?\[?(?:{_DATE}(?:\s*[T,]\s*|\s+(?:at\s+)?))?{_TIME}{_ZONE}\]?(?:\*\*)?"
    rf"\s*(?:[-–—:|]+\s*)?(?P<text>.*)$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*(?:#+\s*|\*\*)?(timeline|incident timeline|chronology)\b.*$", re.IGNORECASE)
_RANGE_END = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s*(?:UTC|GMT|Z)?\s*[-–—:|]*\s*", re.IGNORECASE)
_BOLD = re.compile(r"^\*\*\s*|\s*\*\*$")
_URL = re.compile(r"https?://[^\s)>\]]+")


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime  # UTC
    text: str
    line: int  # 1-based line in the pasted text


@dataclass(frozen=True)
class Postmortem:
    title: str
    summary: str
    entries: tuple[TimelineEntry, ...]
    url: str | None
    skipped: tuple[int, ...]  # lines in the timeline that carried no time and no entry to join


def _parse_date(text: str | None, default: date) -> date:
    if not text:
        return default
    t = text.strip().rstrip(",.")
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            pass
    cleaned = (
        re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t, flags=re.IGNORECASE).replace(",", " ").replace(".", " ")
    )
    parts = cleaned.split()
    year = default.year
    if parts and parts[-1].isdigit() and len(parts[-1]) == 4:
        year = int(parts.pop())
    try:
        if parts[0].isdigit():
            day, month = int(parts[0]), parts[1]
        else:
            month, day = parts[0], int(parts[1])
        return datetime.strptime(f"{day} {month[:3]} {year}", "%d %b %Y").date()
    except (ValueError, IndexError):
        return default


def _clock(m: re.Match) -> tuple[int, int, int] | None:
    h, mi, s = int(m["h"]), int(m["m"]), int(m["s"] or 0)
    ampm = (m["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "pm" else 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s


def parse_timeline(
    text: str, default_date: date | None = None, first_line: int = 1
) -> tuple[list[TimelineEntry], list[int]]:
    """Timeline entries from lines that start with a time (optionally a date first).

    A line without a time continues the entry above it. Times without a date that go backwards
    (23:50 then 00:10) roll over to the next day. Returns (entries, lines that could not be used).
    """
    day = default_date or date(2026, 1, 1)
    entries: list[TimelineEntry] = []
    skipped: list[int] = []
    last: datetime | None = None
    for i, raw in enumerate(text[:MAX_INPUT].splitlines(), start=first_line):
        line = raw.strip()
        if not line or _HEADING.match(line) or set(line) <= set("-=*_#` "):
            continue
        m = _LINE.match(line)
        hms = _clock(m) if m else None
        if m is None or hms is None or not m["text"].strip():
            if entries and m is None:
                prev = entries[-1]
                entries[-1] = TimelineEntry(prev.when, f"{prev.text} {line}".strip(), prev.line)
            else:
                skipped.append(i)
            continue
        if m["date"]:
            day = _parse_date(m["date"], day)
        when = datetime(day.year, day.month, day.day, *hms, tzinfo=UTC)
        if last is not None and when < last and not m["date"]:
            when += timedelta(days=1)
            day = when.date()
        # "23:00 - 23:27 text": a range; the entry is when it began.
        body = _RANGE_END.sub("", _BOLD.sub("", m["text"].strip()), count=1)
        entries.append(TimelineEntry(when, body or m["text"].strip(), i))
        last = when
    return entries, skipped


def read_postmortem(text: str, default_date: date | None = None) -> Postmortem:
    """Split a pasted postmortem into title, summary (before the timeline) and timeline entries."""
    text = text[:MAX_INPUT].replace("\r\n", "\n")
    lines = text.split("\n")
    first_entry = None
    heading_at = next((i for i, ln in enumerate(lines) if _HEADING.match(ln.strip())), None)
    for i, ln in enumerate(lines):
        m = _LINE.match(ln.strip())
        if m and _clock(m) and m["text"].strip():
            first_entry = i
            break
    cut = heading_at if heading_at is not None else (first_entry if first_entry is not None else len(lines))
    head = [ln.strip() for ln in lines[:cut] if ln.strip()]
    title = head[0].lstrip("#").strip() if head else "Incident from a postmortem"
    summary = " ".join(ln.lstrip("#").strip() for ln in head[1:] if not _URL.fullmatch(ln))
    if not default_date:
        found = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text)
        default_date = _parse_date(found.group(1), date(2026, 1, 1)) if found else None
    entries, skipped = parse_timeline("\n".join(lines[cut:]), default_date, first_line=cut + 1)
    url = _URL.search(text)
    return Postmortem(
        title[:120], summary, tuple(entries), url.group(0).rstrip(".,") if url else None, tuple(skipped)
    )


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    s = s[:60].rstrip("-") or "postmortem-scenario"
    if len(s) < 2:
        s = f"{s}-scenario"
    return s if re.match(SCENARIO_ID_RE, s) else "postmortem-scenario"


def _q(s: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: safe for any text a postmortem holds.
    return json.dumps(s, ensure_ascii=False)


_KINDS = (
    (
        "deploy",
        re.compile(r"\b(deploy|deployed|release|rolled out|rollout|merged|config change|pushed)\b", re.I),
    ),
    ("customer_report", re.compile(r"\b(customer|customers|support|tweet|twitter|users? report)", re.I)),
    ("page", re.compile(r"\b(alerts?|alerted|paged|pages?|pager|fired|fire|triggered)\b", re.I)),
)


def _kind(text: str) -> str:
    for kind, rx in _KINDS:
        if rx.search(text):
            return kind
    return "chat"


def skeleton_yaml(
    pm: Postmortem,
    *,
    scenario_id: str | None = None,
    source_title: str | None = None,
    source_url: str | None = None,
) -> str:
    """A scenario skeleton that validates as written: the timeline as injects, the source cited,
    placeholder traffic metrics and rule, and TODOs for the trainer."""
    sid = scenario_id or slug(pm.title)
    if not re.match(SCENARIO_ID_RE, sid):
        raise ValueError(f"{sid!r} is not a valid scenario id (lowercase letters, digits, dashes)")
    entries = list(pm.entries)
    first = entries[0].when if entries else datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    start = (first - timedelta(minutes=5)).replace(second=0, microsecond=0)
    last = entries[-1].when if entries else first
    span = (last - start).total_seconds() + 15 * 60
    duration = max(30 * 60, min(6 * 3600, -(-span // 300) * 300))
    url = source_url or pm.url
    out: list[str] = [
        "# Skeleton drafted from a postmortem by `firedrill from-postmortem`. Everything marked TODO is",
        "# yours: metrics that show the incident, effects at the right times, rules, evidence and the answer.",
        f"id: {sid}",
        f"title: {_q(pm.title[:120] if len(pm.title) >= 3 else 'Incident from a postmortem')}",
        f"summary: {_q(pm.summary[:1000] or 'TODO: what the trainee notices first, in two sentences.')}",
        'briefing: "TODO: who the trainee is and what time it is."',
        "difficulty: 3",
        "tags: [postmortem, todo]",
        "source:",
        f"  title: {_q(source_title or pm.title)}",
    ]
    if url:
        out.append(f"  url: {_q(url)}")
    out.append('  note: "Timeline imported as injects; times are offsets from the clock start"')
    out += [
        "service: api",
        "clock:",
        f"  start: {start.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"  duration: {format_duration(duration)}",
        "  step: 15s",
        "  evaluation_interval: 15s",
        "seed: 1",
        "",
        "# TODO: the series an on-call engineer would have watched. These two are placeholders.",
        "metrics:",
        "  - name: http_requests_total",
        "    labels: {service: api}",
        "    kind: counter",
        "    help: HTTP requests received",
        "    baseline: 10",
        "    noise: {sigma: 0.05, phi: 0.7}",
        "    panel: Traffic",
        "  - name: http_request_errors_total",
        "    labels: {service: api}",
        "    kind: counter",
        "    help: HTTP requests answered with a 5xx",
        "    baseline: 0.001",
        "    derive: {model: fraction, of: http_requests_total}",
        "    panel: Errors",
        "",
        "# TODO: what happened to the metrics, and when (offsets from clock.start).",
        "incident:",
        "  - id: impact",
        "    metric: http_request_errors_total",
        "    effect: step",
        f"    start: {format_duration((first - start).total_seconds())}",
        "    to: 0.05",
        "",
        "rules:",
        "  groups:",
        "    - name: todo",
        "      rules:",
        "        - alert: TODOErrorRate",
        "          expr: >-",
        "            sum(rate(http_request_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.01",
        "          for: 2m",
        "          labels: {severity: high}",
        "          annotations:",
        '            summary: "TODO: the alert the team had (or should have had)"',
        "",
        "# The postmortem's timeline, one inject per entry. Check the kind and channel of each.",
        "injects:",
    ]
    if not entries:
        out.append("  []")
    for e in entries:
        offset = format_duration(max(0.0, (e.when - start).total_seconds()))
        text = f"{e.when:%H:%M} UTC: {e.text}"[:2000]
        out += [
            f"  - at: {offset}",
            f"    kind: {_kind(e.text)}",
            '    channel: "#incidents"',
            '    author: "Timeline"',
            f"    text: {_q(text)}",
        ]
    out += [
        "",
        "# TODO: what the consoles show (log lines, database sessions, deploys, infrastructure).",
        "evidence:",
        "  logs: []",
        "",
        "# TODO: the ground truth. Trainees see it only in the debrief.",
        "answer:",
        "  real: true",
        "  severity: HIGH",
        f"  title: {_q(pm.title[:200] or 'TODO')}",
        '  root_cause: "TODO: the root cause in one or two sentences."',
        "  escalations: []",
        "  mitigations: []",
        '  debrief: "TODO: what every trainee should take away."',
        "",
    ]
    return "\n".join(out)


def scenario_from_postmortem(
    text: str,
    *,
    scenario_id: str | None = None,
    source_title: str | None = None,
    source_url: str | None = None,
    default_date: date | None = None,
) -> tuple[str, Postmortem]:
    """The skeleton YAML for a pasted postmortem, and what was read from it."""
    pm = read_postmortem(text, default_date)
    return skeleton_yaml(pm, scenario_id=scenario_id, source_title=source_title, source_url=source_url), pm
