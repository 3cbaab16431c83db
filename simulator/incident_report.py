"""The post-incident report: drafted from a drill's event log, checked against it.

Owns the report in the seed's template — drafted from the trainee's own log (every action, the
incident id, the severity, the simulated impact, the RCA and follow-up meetings) — and its check
against the log once the trainee has edited it: its facts (incident id, severity, start, end,
duration, impact figures from the simulation), its timeline lines, the claims it makes about what
was done, and the meetings it schedules. Scoring imports it; it imports nothing that scores.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from .actions import AnnounceResolution, Classify, Declare, Escalate, Hypothesis, Resolve
from .drill import Drill, Event, actions_of, applied_mitigations, end_offset, world
from .traces import generate_trace
from .vocabulary import Severity

HEADER_FIELDS = ("Incident ID", "Title", "Severity", "Start Time", "End Time", "Duration", "Impact")
SECTIONS = ("Timeline", "Root Cause", "Contributing Factors", "Prevention", "Follow-up Actions")
TIMELINE_TOLERANCE = 120.0

_LABELS = {
    "acknowledge": "Acknowledged the page",
    "judge": "Judged the alert",
    "classify": "Classified severity",
    "declare": "Declared an incident",
    "open_channel": "Opened the incident channel",
    "escalate": "Escalated",
    "post_update": "Posted an update",
    "status_page": "Updated the status page",
    "notify_customers": "Notified customers",
    "hypothesis": "Recorded a hypothesis",
    "mitigate": "Applied a mitigation",
    "look": "Looked at a console",
    "verify": "Verified recovery",
    "resolve": "Resolved",
    "write_report": "Wrote the report",
    "join_bridge": "Joined the bridge call",
    "bridge_update": "Gave a bridge update",
    "announce_resolution": "Announced the resolution",
    "watch": "Started the relapse watch",
}


def action_label(drill: Drill, kind: str, payload: dict[str, Any], reveal: bool = True) -> str:
    """One line about an action, e.g. 'Classified severity: HIGH'. `reveal` False hides mitigation outcomes."""
    base = _LABELS.get(kind, kind)
    detail = ""
    if kind == "judge":
        detail = payload.get("verdict", "").replace("_", " ")
    elif kind == "classify":
        detail = str(payload.get("severity", ""))
    elif kind == "open_channel":
        detail = payload.get("name", "")
    elif kind == "escalate":
        detail = str(payload.get("role", "")).replace("_", " ")
    elif kind == "status_page":
        detail = payload.get("status", "")
    elif kind == "hypothesis":
        opt = payload.get("option", "")
        diag = drill.scenario.answer.diagnosis
        detail = next((o.text for o in diag.options if o.id == opt), opt) if diag else opt
    elif kind == "mitigate":
        m = drill.mitigation(payload.get("mitigation", ""))
        detail = m.label if m else payload.get("mitigation", "")
    elif kind == "look":
        detail = str(payload.get("console", "")).replace("_", " ")
    elif kind == "declare":
        detail = payload.get("title", "")
    return f"{base}: {detail}" if detail else base


# --- the post-incident report ---------------------------------------------------------------------


def _fmt(drill: Drill, off: float) -> str:
    return f"{drill.wall(off):%H:%M}"


def draft_post_incident_report(drill: Drill, events: Sequence[Event], expert: bool = False) -> str:
    """A post-incident report in the seed's template, filled from the event log.

    The trainee's draft only uses what the log knows (their own calls); `expert=True` fills the
    analysis from the scenario's answer (for the expert path shown after the debrief)."""
    acts = actions_of(events)
    ans = drill.scenario.answer
    w = world(drill, applied_mitigations(events))
    trs = w.timeline.transitions()
    first_fire = next((t.at for t in trs if t.state == "firing"), None)
    first_pending = next((t.at for t in trs if t.state == "pending"), None)
    start = first_pending if first_pending is not None else (first_fire or 0.0)
    resolved = next((e.at_offset for e, a in acts if isinstance(a, Resolve)), None)
    end = resolved if resolved is not None else end_offset(drill, events)
    declared = next((e for e, a in acts if isinstance(a, Declare)), None)
    inc_id = drill.policy.incident_id(drill.wall(declared.at_offset if declared else start).date(), 1)
    sev = next((a.severity.value for e, a in reversed(acts) if isinstance(a, Classify)), "<severity>")
    title = (declared.payload.get("title") if declared else "") or (ans.title if expert else "<title>")
    hyp = next((a for _, a in reversed(acts) if isinstance(a, Hypothesis)), None)
    diag = ans.diagnosis
    hyp_text = next((o.text for o in diag.options if hyp and o.id == hyp.option), "") if diag else ""

    lines = [
        f"# Post-Incident Report: {title}",
        "",
        f"Incident ID: {inc_id}",
        f"Title: {title}",
        f"Severity: {sev}",
        f"Start Time: {drill.wall(start):%Y-%m-%d %H:%M} UTC",
        f"End Time: {drill.wall(end):%Y-%m-%d %H:%M} UTC",
        f"Duration: {max(0, round((end - start) / 60))} minutes",
        f"Impact: {_impact_line(drill, events, expert)}",
        "",
        "## Timeline",
        "",
    ]
    entries: list[tuple[float, str]] = []
    for t in trs:
        if t.state in ("firing", "resolved"):
            entries.append((t.at, f"Alert {t.alertname} {t.state}"))
    for e, _a in acts:
        if e.kind == "write_report":
            continue
        entries.append((e.at_offset, action_label(drill, e.kind, e.payload)))
    for off, text in sorted(entries, key=lambda x: x[0]):
        lines.append(f"{_fmt(drill, off)} - {text}")
    lines += ["", "## Root Cause", ""]
    if expert:
        lines.append(ans.root_cause.strip())
    else:
        lines.append(
            hyp_text + (f" (evidence: {hyp.evidence})" if hyp and hyp.evidence else "")
            if hyp_text
            else "<what actually caused this>"
        )
    lines += ["", "## Contributing Factors", ""]
    factors = ans.contributing_factors if expert else []
    lines += [f"- {f}" for f in factors] or ["- <what made it worse>"]
    lines += ["", "## Prevention", ""]
    lines += [f"- Address: {f}" for f in factors] or ["- <what stops it happening again>"]
    lines += ["", "## Follow-up Actions", ""]
    due = drill.wall(end).date()
    # The team's post-incident meetings are policy, not the answer: every draft schedules them.
    rca_due = drill.wall(end + drill.policy.post_incident.rca_meeting_within).date()
    follow_due = drill.wall(end + drill.policy.post_incident.follow_up_meeting_after).date()
    lines.append(f"- [ ] Hold the RCA meeting (Owner: Incident commander, Due: {rca_due:%Y-%m-%d})")
    lines.append(
        f"- [ ] Follow-up verification meeting, 1 week on (Owner: On-call engineer, Due: {follow_due:%Y-%m-%d})"
    )
    if expert:
        owners = ("Engineering", "Operations", "Docs")
        for i, f in enumerate(factors or ["Review the alert that fired"]):
            lines.append(
                f"- [ ] Fix: {f} (Owner: {owners[i % 3]}, Due: {due + timedelta(days=7 + i):%Y-%m-%d})"
            )
    else:
        lines.append("- [ ] <action> (Owner: <team or person>, Due: <YYYY-MM-DD>)")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TimelineEntry:
    written: str
    text: str
    offset: float | None  # where the written time falls, seconds from the scenario start
    nearest: float | None  # the nearest logged moment
    matched: bool
    why: str = ""  # what the line claims happened and why it does not match the log


@dataclass(frozen=True)
class FactCheck:
    """One header fact of the report beside what the simulation and the log say."""

    field: str
    written: str
    expected: str
    ok: bool
    why: str = ""


@dataclass(frozen=True)
class FalseClaim:
    """A sentence of the report that the drill's log contradicts."""

    line: str
    claim: str
    why: str


@dataclass(frozen=True)
class ImpactFigures:
    """What the incident cost in the simulated metrics: failures beyond the same run without the
    incident (both traces share their noise), and the requests they are a share of."""

    failed: int | None  # None: the scenario has no failure counter to measure
    requests: int | None
    percent: float | None  # failed / requests over the window in which failures were in excess
    percent_of_run: float | None  # failed / all requests of the run (the seed's "~0.8% of traffic")
    start: float | None
    end: float | None
    counter: str = ""
    run_requests: int | None = None


@dataclass(frozen=True)
class ActionItem:
    text: str
    owner: str | None
    due: str | None


@dataclass(frozen=True)
class ReportCheck:
    missing_sections: tuple[str, ...]
    section_count: int
    timeline: tuple[TimelineEntry, ...]
    action_items: tuple[ActionItem, ...]
    facts: tuple[FactCheck, ...] = ()
    false_claims: tuple[FalseClaim, ...] = ()
    missing_meetings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            not self.missing_sections
            and bool(self.timeline)
            and all(e.matched for e in self.timeline)
            and bool(self.action_items)
            and all(i.owner and i.due for i in self.action_items)
            and all(f.ok for f in self.facts)
            and not self.false_claims
            and not self.missing_meetings
        )


_PLACEHOLDER = re.compile(r"<[^>]*>")
_TIME = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\[[ xX]\]\s*)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:UTC)?\s*[-–—:|]\s*(.+)$"
)
_ITEM = re.compile(r"^\s*[-*]\s*(?:\[[ xX]\]\s*)?(.+)$")
_OWNER = re.compile(r"owner\s*:\s*([^,;)]+)", re.I)
_DUE = re.compile(r"due\s*:\s*([^,;)]+)", re.I)


def _is_placeholder(line: str) -> bool:
    """A template line still waiting to be filled in: only <placeholders> and punctuation left."""
    if not _PLACEHOLDER.search(line):
        return False
    residue = re.sub(r"(?i)owner|due|[\s\-\[\]():,*]", "", _PLACEHOLDER.sub("", line))
    return residue == ""


def required_sections(drill: Drill) -> list[str]:
    """The report sections the team's policy requires."""
    return drill.policy.post_incident.required_sections


def _sections(markdown: str, required: Sequence[str] = ()) -> dict[str, list[str]]:
    """Section name (lower case) -> its lines; header fields (`Name: value`) become one-line sections."""
    out: dict[str, list[str]] = {}
    current = "_preamble"
    names = [s.lower() for s in (*HEADER_FIELDS, *SECTIONS, *required, "Action Items")]
    for raw in markdown.splitlines():
        line = raw.strip()
        m = re.match(r"^#{1,6}\s*(.+?)\s*:?\s*$", line)
        if m and m.group(1).lower() in names:
            current = m.group(1).lower()
            out.setdefault(current, [])
            continue
        m = re.match(r"^\**([A-Za-z][A-Za-z -]+?)\**\s*:\s*(.*)$", line)
        if m and m.group(1).strip().lower() in names:
            key = m.group(1).strip().lower()
            if key in [h.lower() for h in HEADER_FIELDS] or not m.group(2):
                current = key
                out.setdefault(current, [])
                if m.group(2):
                    out[current].append(m.group(2))
                continue
        out.setdefault(current, []).append(line)
    return out


def _due_ok(text: str, year: int) -> bool:
    return _due_date(text, year) is not None


def _due_date(text: str, year: int) -> date | None:
    """A due date as people write it: 2026-03-17, 17 March 2026, March 17, 2026, 3/17 (the seed's)."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y"):
        with contextlib.suppress(ValueError):  # not this spelling: try the next one
            return datetime.strptime(text, fmt).date()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", text)
    if m:
        y = int(m.group(3)) if m.group(3) else year
        try:
            return date(y + 2000 if y < 100 else y, int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    return None


def log_moments(drill: Drill, events: Sequence[Event]) -> list[float]:
    """Every moment a timeline entry may refer to: alerts, injects, effects starting, actions."""
    w = world(drill, applied_mitigations(events))
    times = [t.at for t in w.timeline.transitions()]
    times += [i.at for i in drill.scenario.injects]
    times += [e.start for e in drill.scenario.incident]
    times += [e.at_offset for e in events if e.is_action]
    return sorted(times)


# --- what the report is checked against --------------------------------------------------------

# A written impact figure matches the simulation within this share of it (or the absolute floor:
# 10 requests, half a percentage point), so "about 450" passes for 470 but not for 4,500.
IMPACT_TOLERANCE = 0.25
IMPACT_FLOOR_COUNT = 10
IMPACT_FLOOR_PERCENT = 0.5
# Header times (start, end) may be off by as much as a timeline line.
TIME_TOLERANCE = TIMELINE_TOLERANCE
_FAILURE_COUNTER = re.compile(r"(error|5xx|throttled|not_found|timeout|failed|failure)", re.I)


def _increase(values: np.ndarray) -> np.ndarray:
    """Per-tick increase of a counter; a reset (drop) counts as a restart from zero."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return np.zeros(0)
    d = np.diff(v)
    d = np.where(np.isnan(d), 0.0, d)
    return np.where(d < 0, np.nan_to_num(v[1:]), d)


def simulated_impact(drill: Drill, events: Sequence[Event]) -> ImpactFigures:
    """Failed requests (and their share) in this run, with the trainee's mitigations applied."""
    w = world(drill, applied_mitigations(events))
    base = {s.key: s for s in generate_trace(drill.scenario, seed=drill.seed, effects=[])}
    totals = [s for s in w.trace if s.name.endswith("requests_total") and not _FAILURE_COUNTER.search(s.name)]
    for s in w.trace:
        if not (s.name.endswith("_total") and _FAILURE_COUNTER.search(s.name)) or s.key not in base:
            continue
        prefix = s.name.split("_", 1)[0]
        total = next((t for t in totals if t.name.split("_", 1)[0] == prefix), totals[0] if totals else None)
        excess = np.clip(_increase(s.values) - _increase(base[s.key].values), 0.0, None)
        failed = round(float(excess.sum()))
        offsets = np.asarray(w.trace.offsets, dtype=float)[1:]
        hit = np.nonzero(excess >= 0.5)[0]
        if failed == 0 or hit.size == 0:
            return ImpactFigures(0, None, 0.0, 0.0, None, None, s.name)
        lo, hi = int(hit[0]), int(hit[-1])
        if total is None:
            return ImpactFigures(failed, None, None, None, float(offsets[lo]), float(offsets[hi]), s.name)
        inc = _increase(total.values)
        window = float(inc[lo : hi + 1].sum())
        run_all = float(inc.sum())
        return ImpactFigures(
            failed,
            round(window),
            round(100.0 * failed / window, 2) if window else None,
            round(100.0 * failed / run_all, 2) if run_all else None,
            float(offsets[lo]),
            float(offsets[hi]),
            s.name,
            round(run_all),
        )
    return ImpactFigures(None, None, None, None, None, None)


def _impact_line(drill: Drill, events: Sequence[Event], expert: bool) -> str:
    fig = simulated_impact(drill, events)
    if fig.failed is None and expert and drill.scenario.answer.impact:
        # No failure counter to measure: the expert states the scenario's own account.
        return drill.scenario.answer.impact
    return impact_sentence(drill, fig)


def impact_sentence(drill: Drill, fig: ImpactFigures) -> str:
    """The impact line a report can state as fact, from the simulated metrics."""
    if fig.failed is None:
        return "<who was affected and how (this scenario's metrics count no failed requests)>"
    if fig.failed == 0 or fig.start is None or fig.end is None:
        return "no requests failed beyond the usual background errors"
    share = ""
    if fig.percent is not None and fig.requests:
        share = f" ({fig.percent:g}% of {fig.requests:,} requests"
        if fig.percent_of_run is not None:
            share += f"; {fig.percent_of_run:g}% of the run's traffic"
        share += ")"
    return (
        f"{fig.failed:,} requests failed{share} between {_fmt(drill, fig.start)} and "
        f"{_fmt(drill, fig.end)} UTC"
    )


def peak_severity(drill: Drill) -> Severity:
    """The most severe level the incident reached (what its report must state)."""
    ans = drill.scenario.answer
    return min([ans.severity, *(c.severity for c in ans.severity_changes)], key=lambda s: s.rank)


def _clock_offset(drill: Drill, text: str) -> float | None:
    """Seconds from the scenario start for '2026-03-10 14:23 UTC' or '14:23' (None: no time in it)."""
    m = re.search(r"(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})", text)
    if not m or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        return None
    start = drill.scenario.clock.start
    try:
        day = date.fromisoformat(m.group(1)) if m.group(1) else start.date()
    except ValueError:
        return None
    when = datetime(day.year, day.month, day.day, int(m.group(2)), int(m.group(3)), tzinfo=start.tzinfo)
    return (when - start).total_seconds()


def _minutes(text: str) -> float | None:
    """'24 minutes', '1h 5m', '1 hour 5 min', '65 min' → minutes."""
    h = re.search(r"(\d+(?:\.\d+)?)\s*(?:h\b|hrs?\b|hours?)", text, re.I)
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:m\b|mins?\b|minutes?)", text, re.I)
    if not h and not m:
        bare = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*", text)
        return float(bare.group(1)) if bare else None
    return (float(h.group(1)) * 60 if h else 0.0) + (float(m.group(1)) if m else 0.0)


def _close(written: float, truth: float, floor: float) -> bool:
    return abs(written - truth) <= max(IMPACT_TOLERANCE * abs(truth), floor)


def _number(text: str, scale: str | None) -> float:
    value = float(text.replace(",", ""))
    return value * {"k": 1e3, "thousand": 1e3, "million": 1e6, "m": 1e6}.get((scale or "").lower(), 1.0)


_COUNT = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(k|thousand|million)?\s+(?:[a-z]+\s+){0,2}?"
    r"(?:requests?|queries|calls|errors?|failures?|responses?)\b",
    re.I,
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def _time_window(
    drill: Drill, events: Sequence[Event], fig: ImpactFigures
) -> tuple[float, float, float, float]:
    """(earliest, latest) defensible start and end of the incident, from the world and the log."""
    w = world(drill, applied_mitigations(events))
    trs = w.timeline.transitions()
    starts = [float(e.start) for e in drill.scenario.incident if e.start >= 0]
    starts += [t.at for t in trs[:2]]
    starts += [
        float(i.at) for i in drill.scenario.injects if i.kind in ("customer_report", "manager", "page")
    ]
    if fig.start is not None:
        starts.append(fig.start)
    acts = actions_of(events)
    ends = [e.at_offset for e, a in acts if isinstance(a, (Resolve, AnnounceResolution))]
    ends += [t.at for t in trs if t.state == "resolved"]
    for _e, a in acts:
        if isinstance(a, AnnounceResolution):
            named = _clock_offset(drill, a.text)
            if named is not None:
                ends.append(named)
    if fig.end is not None:
        ends.append(fig.end)
    if not ends:
        ends = [end_offset(drill, events)]
    starts = starts or [0.0]
    return min(starts), max(starts), min(ends), max(ends)


def check_facts(drill: Drill, events: Sequence[Event], secs: dict[str, list[str]]) -> list[FactCheck]:
    """Incident id, severity, start, end, duration and impact figures against the run itself."""

    def field(name: str) -> str:
        return " ".join(ln for ln in secs.get(name.lower(), []) if ln.strip()).strip()

    out: list[FactCheck] = []
    fig = simulated_impact(drill, events)
    s_lo, s_hi, e_lo, e_hi = _time_window(drill, events, fig)
    acts = actions_of(events)
    declared = next((e.at_offset for e, a in acts if isinstance(a, Declare)), None)
    day = drill.wall(declared if declared is not None else s_lo).date()
    expected_id = drill.policy.incident_id(day, 1)
    written = field("Incident ID")
    if written and not _is_placeholder(written):
        ok, why = drill.policy.check_incident_id(written, day)
        problem = None if ok else why
        if problem is None and written.strip() != expected_id:
            problem = f"this drill's incident is {expected_id}"
        out.append(FactCheck("Incident ID", written, expected_id, problem is None, problem or ""))
    written = field("Severity")
    if written and not _is_placeholder(written):
        truth = peak_severity(drill)
        said = next((s for s in Severity if re.search(rf"\b{s.value}\b", written, re.I)), None)
        why = (
            ""
            if said == truth
            else f"the incident reached {truth.value}"
            + (f", not {said.value}" if said else "; name one of CRITICAL, HIGH, MEDIUM, LOW")
        )
        out.append(FactCheck("Severity", written, truth.value, said == truth, why))
    span = {"Start Time": (s_lo, s_hi), "End Time": (e_lo, e_hi)}
    offsets: dict[str, float] = {}
    for name, (lo, hi) in span.items():
        written = field(name)
        if not written or _is_placeholder(written):
            continue
        off = _clock_offset(drill, written)
        expected = f"{_fmt(drill, lo)}–{_fmt(drill, hi)} UTC" if hi - lo >= 60 else f"{_fmt(drill, lo)} UTC"
        if off is None:
            out.append(FactCheck(name, written, expected, False, "no time (HH:MM) in it"))
            continue
        offsets[name] = off
        ok = lo - TIME_TOLERANCE <= off <= hi + 59 + TIME_TOLERANCE
        why = "" if ok else f"the log puts it at {expected} (±{TIME_TOLERANCE / 60:g} min)"
        out.append(FactCheck(name, written, expected, ok, why))
    written = field("Duration")
    if written and not _is_placeholder(written):
        mins = _minutes(written)
        shortest, longest = max(0.0, (e_lo - s_hi) / 60), (e_hi - s_lo) / 60
        slack = 2 * TIME_TOLERANCE / 60
        expected = (
            f"{shortest:.0f}–{longest:.0f} minutes" if longest - shortest >= 1 else f"{longest:.0f} minutes"
        )
        if mins is None:
            out.append(FactCheck("Duration", written, expected, False, "no length in minutes or hours"))
        else:
            ok = shortest - slack <= mins <= longest + slack
            if ok and {"Start Time", "End Time"} <= offsets.keys():
                stated = (offsets["End Time"] - offsets["Start Time"]) / 60
                if abs(stated - mins) > slack:
                    ok = False
                    expected = f"{stated:.0f} minutes (its own start and end)"
            why = "" if ok else f"the run lasted {expected}"
            out.append(FactCheck("Duration", written, expected, ok, why))
    written = field("Impact")
    if written and not _is_placeholder(written) and fig.failed is not None:
        expected = impact_sentence(drill, fig)
        problems = []
        for m in _COUNT.finditer(written):
            value = _number(m.group(1), m.group(2))
            # A count may be the failures or the base they are a share of ("0.4% of 29,857 requests").
            counts = [c for c in (fig.failed, fig.requests, fig.run_requests) if c is not None]
            if not any(_close(value, float(c), IMPACT_FLOOR_COUNT) for c in counts):
                problems.append(f"{m.group(0).strip()!r} — the metrics count {fig.failed:,} failed")
        for m in _PERCENT.finditer(written):
            value = float(m.group(1))
            truths = [p for p in (fig.percent, fig.percent_of_run) if p is not None]
            if truths and not any(_close(value, p, IMPACT_FLOOR_PERCENT) for p in truths):
                shown = " or ".join(f"{p:g}%" for p in truths)
                problems.append(f"{m.group(0)!r} — the metrics show {shown}")
        ok = not problems
        why = "; ".join(problems)
        if ok and fig.failed and not (_COUNT.search(written) or _PERCENT.search(written)):
            ok, why = False, f"states no figure; the metrics count {fig.failed:,} failed requests"
        why += f" (within ±{IMPACT_TOLERANCE:.0%})" if why else ""
        out.append(FactCheck("Impact", written, expected, ok, why))
    return out


_NEGATED = re.compile(r"\b(not|never|no|didn't|did not|wasn't|weren't|without|failed to|should have)\b", re.I)
_ROLE_WORDS = {
    "manager": r"(?:on-call )?manager",
    "incident_commander": r"incident commander|\bIC\b",
    "security_lead": r"security lead",
    "backup": r"backup(?: on-call)?",
}


def _claims() -> list[tuple[re.Pattern[str], str, str | None, str]]:
    """(pattern, action kind, role or None, what is claimed) for statements a log can contradict."""
    out: list[tuple[str, str, str | None, str]] = [
        (
            r"\b(?:notified|informed|e-?mailed|told|contacted) (?:the |our |all |affected )?customers\b"
            r"|\bcustomers (?:were |have been |had been )?(?:notified|informed|e-?mailed|told|contacted)\b"
            r"|\bcustomer (?:notification|e-?mail|notice) (?:was )?sent\b",
            "notify_customers",
            None,
            "customers were notified",
        ),
        (
            r"\bstatus page (?:was )?(?:updated|posted)\b|\b(?:updated|posted (?:on|to)) the status page\b",
            "status_page",
            None,
            "the status page was updated",
        ),
        (
            r"\b(?:joined|opened|held|started) (?:the |a )?bridge\b",
            "join_bridge",
            None,
            "the bridge call was joined",
        ),
    ]
    for role, words in _ROLE_WORDS.items():
        out.append(
            (
                rf"\b(?:escalated|paged|called|informed|notified|looped in)\s+(?:to\s+)?(?:the\s+)?(?:{words})"
                rf"|\b(?:{words})\s+(?:was\s+)?(?:paged|called|informed|notified|escalated to)\b",
                "escalate",
                role,
                f"the {role.replace('_', ' ')} was called",
            )
        )
    return [(re.compile(p, re.I), k, r, c) for p, k, r, c in out]


_CLAIMS = _claims()
# Sections that plan the future ("Notify customers earlier") rather than state what happened.
_PLANNING_SECTIONS = ("prevention", "follow-up actions", "action items")


def false_claims(drill: Drill, events: Sequence[Event], secs: dict[str, list[str]]) -> list[FalseClaim]:
    """Sentences claiming an action the log does not have (or names a role nobody called)."""
    acts = actions_of(events)
    kinds = {e.kind for e, _ in acts}
    roles = {a.role.value for _, a in acts if isinstance(a, Escalate)}
    out: list[FalseClaim] = []
    for section, lines in secs.items():
        if section in _PLANNING_SECTIONS:
            continue
        for line in lines:
            for sentence in re.split(r"(?<=[.;!?])\s+", line):
                for pattern, kind, role, claim in _CLAIMS:
                    m = pattern.search(sentence)
                    if not m or _NEGATED.search(sentence[: m.start()][-40:] + " " + m.group(0)):
                        continue
                    done = kind in kinds and (role is None or role in roles)
                    if not done:
                        why = (
                            f"the log has no call to the {role.replace('_', ' ')}"
                            if role
                            else f"the log has no '{_LABELS[kind].lower()}' action"
                        )
                        out.append(FalseClaim(line.strip(), claim, why))
    return out


# Which logged kinds a timeline line may refer to, by what it says (first match wins).
_LINE_KINDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p, re.I), kinds)
    for p, kinds in (
        (r"^alert\b|\balerts?\b[^.]*\b(?:fir|trigger|resolv|pending|went off)", ("alert",)),
        (r"acknowledg", ("acknowledge",)),
        (r"notif\w* (?:the )?customers|customer (?:e-?mail|notice|notification)", ("notify_customers",)),
        (r"status page", ("status_page",)),
        (r"bridge update", ("bridge_update",)),
        (r"bridge", ("join_bridge", "bridge_update")),
        (r"announc", ("announce_resolution",)),
        (r"\bwatch|stand(?:ing|s)? down", ("watch",)),
        (r"escalat|\bpaged\b|called the", ("escalate",)),
        (r"classif|\bseverity\b", ("classify",)),
        (r"\bjudg|false positive", ("judge",)),
        (r"declar", ("declare",)),
        (r"channel", ("open_channel",)),
        (r"posted an? update|update posted|^update\b", ("post_update", "announce_resolution")),
        (r"hypothes", ("hypothesis",)),
        (
            r"mitigat|\bapplied\b|\bkill|roll(?:ed)? ?back|restart|revert|failover|fail(?:ed)? over",
            ("mitigate",),
        ),
        (r"verif", ("verify",)),
        (r"\blooked\b|looked at|checked the", ("look",)),
        (r"resolv", ("resolve", "announce_resolution")),
    )
)


def line_kinds(text: str) -> tuple[str, ...]:
    """The logged kinds a timeline line claims (empty: a line about the world, any moment will do)."""
    for kind, label in _LABELS.items():
        if text.lower().startswith(label.lower()):
            return ("announce_resolution", "resolve") if kind == "resolve" else (kind,)
    return next((kinds for pattern, kinds in _LINE_KINDS if pattern.search(text)), ())


def _moments_by_kind(drill: Drill, events: Sequence[Event]) -> dict[str, list[float]]:
    """Logged moments by kind; also by `alert:<name>` and `escalate:<role>` for lines naming one."""
    w = world(drill, applied_mitigations(events))
    out: dict[str, list[float]] = {"alert": []}
    for t in w.timeline.transitions():
        out["alert"].append(t.at)
        out.setdefault(f"alert:{t.alertname}", []).append(t.at)
    for e in events:
        if e.is_action:
            out.setdefault(e.kind, []).append(e.at_offset)
            if e.kind == "escalate":
                out.setdefault(f"escalate:{e.payload.get('role')}", []).append(e.at_offset)
    return out


_ROLE_IN_LINE = (
    ("incident_commander", re.compile(r"incident[ _]commander|\bIC\b")),
    ("security_lead", re.compile(r"security[ _]lead", re.I)),
    ("manager", re.compile(r"\bmanager\b", re.I)),
    ("backup", re.compile(r"\bbackup\b", re.I)),
    ("sme", re.compile(r"\bsme\b|subject[- ]matter expert", re.I)),
)


def _narrowed(kinds: tuple[str, ...], text: str, by_kind: dict[str, list[float]]) -> tuple[str, ...]:
    """A line that names the alert or the role it is about must match that alert or that role."""
    if kinds == ("alert",):
        names = [k for k in by_kind if k.startswith("alert:") and re.search(rf"\b{re.escape(k[6:])}\b", text)]
        return tuple(names) or kinds
    if kinds == ("escalate",):
        role = next((r for r, pattern in _ROLE_IN_LINE if pattern.search(text)), None)
        return (f"escalate:{role}",) if role else kinds
    return kinds


def _kind_words(kind: str) -> str:
    base, _, detail = kind.partition(":")
    if base == "alert":
        return f"alert {detail} changing state" if detail else "alert changing state"
    words = _LABELS.get(base, base).lower()
    return f"{words} to the {detail.replace('_', ' ')}" if detail else words


_RCA = re.compile(r"\b(?:RCA|root[- ]cause analysis|post-?mortem|retro(?:spective)?)\b", re.I)
_FOLLOW_UP = re.compile(r"\bfollow[- ]?up\b|\bverification\b|\b1[- ]week\b|\bone week\b", re.I)
_MEETING = re.compile(r"\b(?:meeting|review|session|call)\b", re.I)


def missing_meetings(drill: Drill, items: Sequence[ActionItem], incident_end: float) -> list[str]:
    """The seed's two meetings as report action items: the RCA within 24 h, the follow-up at 1 week."""
    start = drill.scenario.clock.start
    end_day = drill.wall(incident_end).date()
    rca_days = drill.policy.post_incident.rca_meeting_within / 86400
    follow_days = drill.policy.post_incident.follow_up_meeting_after / 86400
    out = []

    def due_days(item: ActionItem) -> float | None:
        when = _due_date(item.due, start.year) if item.due else None
        return None if when is None else float((when - end_day).days)

    rca = [i for i in items if _RCA.search(i.text) and _MEETING.search(i.text)]
    if not rca:
        out.append(f"no RCA meeting scheduled (the policy: within {rca_days * 24:g} h)")
    elif not any((d := due_days(i)) is not None and 0 <= d <= max(1.0, rca_days) for i in rca):
        out.append(f"the RCA meeting is not due within {rca_days * 24:g} h of the incident")
    follow = [i for i in items if _FOLLOW_UP.search(i.text) and _MEETING.search(i.text) and i not in rca]
    if not follow:
        out.append(f"no follow-up verification meeting scheduled ({follow_days:g} days on)")
    elif not any((d := due_days(i)) is not None and abs(d - follow_days) <= 1 for i in follow):
        out.append(f"the follow-up meeting is not due about {follow_days:g} days after the incident")
    return out


def check_report(drill: Drill, events: Sequence[Event], markdown: str) -> ReportCheck:
    """Sections present and filled, timeline within ±2 min of the log, action items with owner and due date."""
    required = required_sections(drill)
    secs = _sections(markdown, required)
    missing = []
    for name in required:
        body = [ln for ln in secs.get(name.lower(), []) if ln.strip()]
        if name == "Follow-up Actions" and not body:
            body = [ln for ln in secs.get("action items", []) if ln.strip()]
        if not body or all(_is_placeholder(ln) for ln in body):
            missing.append(name)
    moments = log_moments(drill, events)
    by_kind = _moments_by_kind(drill, events)
    start = drill.scenario.clock.start
    entries = []
    for line in secs.get("timeline", []):
        m = _TIME.match(line)
        if not m:
            continue
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h > 23 or mi > 59:
            entries.append(TimelineEntry(line, m.group(4), None, None, False, "not a time of day"))
            continue
        secs_of_day = h * 3600 + mi * 60 + s
        start_sod = start.hour * 3600 + start.minute * 60 + start.second
        off = (secs_of_day - start_sod) % 86400
        if off > 43200:
            off -= 86400  # a time shortly before the scenario started
        text = m.group(4).strip()
        # A line that says what was done must match that kind of event; a line about the world
        # (a spike, a customer report) may match any moment the log or the scenario knows.
        kinds = _narrowed(line_kinds(text), text, by_kind)
        pool = sorted(t for k in kinds for t in by_kind.get(k, [])) if kinds else moments
        nearest = min(pool, key=lambda t: abs(t - off), default=None)
        # Minute-resolution times are compared with the span of that minute, not only its start.
        slack = 0.0 if m.group(3) else 59.0
        ok = nearest is not None and (off - TIMELINE_TOLERANCE <= nearest <= off + slack + TIMELINE_TOLERANCE)
        why = ""
        if not ok:
            what = " or ".join(_kind_words(k) for k in kinds) or "anything"
            near = f"; nearest at {_fmt(drill, nearest)}" if nearest is not None else "; there is none"
            why = f"the log has no {what} within ±{TIMELINE_TOLERANCE / 60:g} min{near}"
        entries.append(TimelineEntry(f"{h:02d}:{mi:02d}", text, float(off), nearest, ok, why))
    items = []
    for line in secs.get("follow-up actions", []) + secs.get("action items", []):
        m = _ITEM.match(line)
        if (
            not m
            or not m.group(1).strip()
            or (_PLACEHOLDER.search(m.group(1)) and "owner" not in line.lower())
        ):
            continue
        text = m.group(1).strip()
        owner = _OWNER.search(text)
        due = _DUE.search(text)
        owner_v = owner.group(1).strip() if owner and not _PLACEHOLDER.search(owner.group(1)) else None
        due_v = due.group(1).strip() if due and _due_ok(due.group(1), start.year) else None
        items.append(ActionItem(re.sub(r"\s*\(.*\)\s*$", "", text), owner_v or None, due_v))
    fig_end = _time_window(drill, events, simulated_impact(drill, events))[3]
    return ReportCheck(
        tuple(missing),
        len(required),
        tuple(entries),
        tuple(items),
        tuple(check_facts(drill, events, secs)),
        tuple(false_claims(drill, events, secs)),
        tuple(missing_meetings(drill, items, fig_end)),
    )
