"""Debriefs and post-incident reports drawn from a drill's event log.

Owns the post-incident report (drafted in the seed's template from the log, then checked against
the log when the trainee has edited it), and the debrief: timeline chart data (metrics, alert
bands, the trainee's actions beside the expert path), strengths, areas for improvement and an
improvement plan in after-action-report style. Does not score (`simulator.scoring`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .actions import Action, Classify, Declare, Hypothesis, Resolve
from .drill import Drill, Event, actions_of, applied_mitigations, end_offset, expert_actions, world

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
    inc_id = drill.policy.incident_id(drill.wall(declared.at_offset if declared else start), 1)
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
        f"Impact: {ans.impact if expert and ans.impact else '<who was affected, how many requests failed>'}",
        "",
        "## Timeline",
        "",
    ]
    entries: list[tuple[float, str]] = []
    for t in trs:
        if t.state in ("firing", "resolved"):
            entries.append((t.at, f"Alert {t.alertname} {t.state}"))
    for e, _a in acts:
        if e.kind in ("look", "write_report"):
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

    @property
    def ok(self) -> bool:
        return (
            not self.missing_sections
            and bool(self.timeline)
            and all(e.matched for e in self.timeline)
            and bool(self.action_items)
            and all(i.owner and i.due for i in self.action_items)
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
    """The report sections the team's policy requires (the seed's template when it says nothing)."""
    post = getattr(drill.policy.source, "post_incident", None)
    names = list(getattr(post, "required_sections", []) or [])
    return names or [*HEADER_FIELDS, *SECTIONS]


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
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y"):
        try:
            datetime.strptime(text, fmt)
            return True
        except ValueError:
            pass
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", text)
    if m:
        try:
            date(year, int(m.group(1)), int(m.group(2)))
            return True
        except ValueError:
            return False
    return False


def log_moments(drill: Drill, events: Sequence[Event]) -> list[float]:
    """Every moment a timeline entry may refer to: alerts, injects, effects starting, actions."""
    w = world(drill, applied_mitigations(events))
    times = [t.at for t in w.timeline.transitions()]
    times += [i.at for i in drill.scenario.injects]
    times += [e.start for e in drill.scenario.incident]
    times += [e.at_offset for e in events if e.is_action]
    return sorted(times)


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
    start = drill.scenario.clock.start
    entries = []
    for line in secs.get("timeline", []):
        m = _TIME.match(line)
        if not m:
            continue
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h > 23 or mi > 59:
            entries.append(TimelineEntry(line, m.group(4), None, None, False))
            continue
        secs_of_day = h * 3600 + mi * 60 + s
        start_sod = start.hour * 3600 + start.minute * 60 + start.second
        off = (secs_of_day - start_sod) % 86400
        if off > 43200:
            off -= 86400  # a time shortly before the scenario started
        nearest = min(moments, key=lambda t: abs(t - off), default=None)
        # Minute-resolution times are compared with the span of that minute, not only its start.
        slack = 0.0 if m.group(3) else 59.0
        ok = nearest is not None and (off - TIMELINE_TOLERANCE <= nearest <= off + slack + TIMELINE_TOLERANCE)
        entries.append(TimelineEntry(f"{h:02d}:{mi:02d}", m.group(4).strip(), float(off), nearest, ok))
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
    return ReportCheck(tuple(missing), len(required), tuple(entries), tuple(items))


# --- the debrief ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    at: float
    kind: str
    label: str
    who: str  # trainee | expert


@dataclass(frozen=True)
class AlertBand:
    alert: str
    state: str  # pending | firing
    start: float
    end: float


@dataclass(frozen=True)
class SeriesData:
    key: str
    name: str
    panel: str
    offsets: tuple[float, ...]
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Debrief:
    scenario_id: str
    title: str
    start: datetime
    end: float
    series: tuple[SeriesData, ...]
    bands: tuple[AlertBand, ...]
    trainee: tuple[Marker, ...]
    expert: tuple[Marker, ...]
    scorecard: Any
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    plan: tuple[dict[str, str], ...]
    takeaway: str = ""
    root_cause: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_PLAN = {
    "acknowledge": ("Acknowledge within the severity's target", "Day 2 · Alerts: pager practice"),
    "judgement": (
        "Confirm an alert against dashboards and logs before acting",
        "Day 2 · Alerts: false positives",
    ),
    "severity": (
        "Classify with the policy's severity ladder; re-classify when impact changes",
        "Day 4 · Incident response: severity",
    ),
    "escalation": (
        "Call exactly the roles the situation needs, on time",
        "Day 4 · Incident response: escalation",
    ),
    "communication": (
        "Open the right channel, post updates every 5–10 min with impact, action and next update, "
        "notify customers within the deadline",
        "Day 4 · Incident response: communication",
    ),
    "diagnosis": (
        "Form a hypothesis from evidence, apply the fix, verify recovery before resolving",
        "Day 3 · Runbook exercises",
    ),
    "report": (
        "Write the post-incident report: all sections, accurate timeline, owned and dated actions",
        "Day 4 · Post-incident analysis",
    ),
}


def _bands(timeline) -> list[AlertBand]:
    out = []
    for a in timeline.alerts:
        for ep in a.episodes:
            end_p = ep.firing_at if ep.firing_at is not None else ep.resolved_at
            if end_p is None:
                end_p = float(timeline.ticks[-1])
            if end_p > ep.pending_at:
                out.append(AlertBand(a.name, "pending", ep.pending_at, end_p))
            if ep.firing_at is not None:
                out.append(
                    AlertBand(
                        a.name,
                        "firing",
                        ep.firing_at,
                        ep.resolved_at if ep.resolved_at is not None else float(timeline.ticks[-1]),
                    )
                )
    return out


def debrief(
    drill: Drill,
    events: Sequence[Event],
    scorecard: Any,
    expert: Sequence[tuple[float, Action]] | None = None,
) -> Debrief:
    """Everything the debrief page shows, computed from the log (only after the drill is over)."""
    w = world(drill, applied_mitigations(events))
    end = end_offset(drill, events)
    panels = {m.key: (m.panel or m.name) for m in drill.scenario.metrics}
    series = []
    for s in w.trace:
        vals = tuple(None if not p else float(v) for v, p in zip(s.values, s.present, strict=True))
        series.append(
            SeriesData(
                s.key, s.name, panels.get(s.key, s.name), tuple(float(x) for x in w.trace.offsets), vals
            )
        )
    trainee = tuple(
        Marker(e.at_offset, e.kind, action_label(drill, e.kind, e.payload), "trainee")
        for e, _ in actions_of(events)
    )
    exp = list(expert) if expert is not None else expert_actions(drill)
    expert_markers = []
    for at, a in exp:
        payload = a.model_dump(mode="json")
        kind = payload.pop("action")
        expert_markers.append(Marker(at, kind, action_label(drill, kind, payload), "expert"))
    strengths, improvements, plan = [], [], []
    for c in scorecard.criteria:
        good = [e.note for e in c.evidence if e.deduction == 0]
        bad = [e for e in c.evidence if e.deduction > 0]
        if c.rating == "P":
            strengths.append(f"{c.title} ({c.rating}): " + ("; ".join(good[:3]) or "no issues"))
        else:
            detail = "; ".join(
                e.note
                + (
                    f" (you: {e.trainee_time or 'never'}, expected by {e.expected_time})"
                    if e.expected_time
                    else ""
                )
                for e in bad[:3]
            )
            improvements.append(f"{c.title} ({c.rating}, {c.score:.2f}): {detail or 'see the evidence'}")
            goal, module = _PLAN[c.key]
            plan.append(
                {
                    "criterion": c.title,
                    "rating": c.rating,
                    "goal": goal,
                    "practise": module,
                    "owner": "trainee",
                    "due": "before the next drill",
                }
            )
    return Debrief(
        drill.scenario.id,
        drill.scenario.title,
        drill.scenario.clock.start,
        end,
        tuple(series),
        tuple(_bands(w.timeline)),
        trainee,
        tuple(expert_markers),
        scorecard,
        tuple(strengths),
        tuple(improvements),
        tuple(plan),
        drill.scenario.answer.debrief,
        drill.scenario.answer.root_cause,
    )


def after_action_markdown(d: Debrief) -> str:
    """The after-action report: strengths, areas for improvement, ratings with evidence, improvement plan."""
    from .scoring import verdict

    sc = d.scorecard
    decided = verdict(sc)  # the one pass rule, as the debrief page and sign-off apply it
    lines = [
        f"# After-action report: {d.title}",
        "",
        f"Result: **{'PASSED' if decided.passed else 'NOT PASSED'}** — score {sc.score:.2f} (pass mark {sc.pass_mark})",
        "",
    ]
    if decided.reasons:
        lines += ["Why not passed:", *[f"- {r}" for r in decided.reasons], ""]
    lines += ["## Ratings", "", "| Criterion | Score | Rating |", "|---|---|---|"]
    lines += [f"| {c.title} | {c.score:.2f} | {c.rating} |" for c in sc.criteria]
    lines += ["", "## Strengths", "", *([f"- {s}" for s in d.strengths] or ["- none recorded"])]
    lines += ["", "## Areas for improvement", "", *([f"- {s}" for s in d.improvements] or ["- none"])]
    lines += ["", "## Improvement plan", ""]
    lines += [
        f"- {p['criterion']} ({p['rating']}): {p['goal']} — practise: {p['practise']} "
        f"(owner: {p['owner']}, due: {p['due']})"
        for p in d.plan
    ] or ["- keep practising at a higher difficulty"]
    if d.takeaway:
        lines += ["", "## Trainer's take-away", "", d.takeaway]
    return "\n".join(lines) + "\n"


def timeline_figure(d: Debrief, panels: Sequence[str] | None = None):
    """A plotly figure: chosen panels' series, alert bands shaded, trainee and expert actions as markers."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    all_panels = list(dict.fromkeys(s.panel for s in d.series))
    chosen = [p for p in (panels or all_panels[:3]) if p in all_panels] or all_panels[:1]
    fig = make_subplots(
        rows=len(chosen) + 1,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[*chosen, "Actions (trainee above, expert below)"],
    )

    def when(off: float) -> datetime:
        return d.start + timedelta(seconds=off)

    for row, panel in enumerate(chosen, start=1):
        for s in d.series:
            if s.panel == panel:
                fig.add_trace(
                    go.Scatter(x=[when(o) for o in s.offsets], y=list(s.values), name=s.key, mode="lines"),
                    row=row,
                    col=1,
                )
    for band in d.bands:
        fig.add_vrect(
            x0=when(band.start),
            x1=when(band.end),
            opacity=0.12 if band.state == "pending" else 0.2,
            fillcolor="orange" if band.state == "pending" else "red",
            line_width=0,
        )
    last = len(chosen) + 1
    for markers, y, color in ((d.trainee, 1, "royalblue"), (d.expert, 0, "seagreen")):
        fig.add_trace(
            go.Scatter(
                x=[when(m.at) for m in markers],
                y=[y] * len(markers),
                mode="markers",
                marker={"size": 10, "color": color},
                text=[m.label for m in markers],
                hovertemplate="%{text}<extra></extra>",
                name="You" if y else "Expert path",
            ),
            row=last,
            col=1,
        )
    fig.update_yaxes(showticklabels=False, row=last, col=1, range=[-0.5, 1.5])
    fig.update_layout(height=220 * (len(chosen) + 1), margin={"l": 40, "r": 10, "t": 40, "b": 20})
    return fig


def customer_notice_template(drill: Drill, now: float, resolved: bool = False) -> tuple[str, str]:
    """The seed's customer e-mail, pre-filled with what the trainee can know at `now` (editable)."""
    day = drill.wall(now)
    subject = (
        f"[INCIDENT RESOLVED] Service Disruption on {day:%B %d, %Y}"
        if resolved
        else f"[INCIDENT] Service Disruption on {day:%B %d, %Y}"
    )
    body = (
        "Dear Valued Customer,\n\n"
        f"We are experiencing a service disruption since {day:%H:%M} UTC on {day:%B %d, %Y}.\n\n"
        "Impact:\n<what customers notice>\n\n"
        "Current status:\nWe are investigating and will update you within 30 minutes.\n\n"
        "We apologize for any disruption this causes.\n\nBest regards,\nOperations Team"
    )
    if resolved:
        body = body.replace(
            "We are experiencing a service disruption since", "We experienced a service disruption from"
        )
    return subject, body
