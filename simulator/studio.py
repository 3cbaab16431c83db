"""What the scenario studio shows beside the editor, computed without a browser.

Owns turning editor text into the studio's preview: every problem with line and column (schema,
policy and authoring checks, and whether the alert rules actually fire during the incident on the
generated traces) and which lines an editor marks, the alert timeline and each alert's first
firing, the page timeline for the team (`simulator.escalation.plan`), a plain summary of the answer
and the variants per seed, plus the templates and the text of an imported file. Storage is
`simulator.services.catalogue`; rendering is `ui/studio_*.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from .durations import format_duration
from .rules import AlertingRule
from .scenario import LoadedScenario, Scenario, parse_scenario
from .variants import sample_knobs
from .yamlio import MAX_BYTES, FormatError, Positions, Problem

TEMPLATE_DIR_NAME = "templates"
STARTING_TEMPLATE = "minimal"  # what a trainer with no draft finds in the editor
VARIANT_PREVIEW_SEEDS = range(1, 6)  # seeds whose variants the answer preview lists after the default
ProblemKind = Literal["error", "warning"]
IMPORT_RULE = (
    f"YAML text (.yaml or .yml, UTF-8) of at most {MAX_BYTES // 1024} KiB"  # what the studio imports
)


@dataclass(frozen=True)
class TextCheck:
    """The editor text checked: the loaded scenario, or every problem found (never both).

    `notes` are worth a look but do not make the scenario invalid (an escalation rule that only
    fires when the incident is left alone)."""

    loaded: LoadedScenario | None
    problems: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.loaded is not None


def check_text(text: str, base_dir: Path | None, source: str = "editor") -> TextCheck:
    """Validate editor text; problems carry line and column so the editor can point at them."""
    if not text.strip():
        return TextCheck(None, (Problem(source, 1, 1, "", "the editor is empty; start from a template"),))
    try:
        loaded = parse_scenario(text, source, base_dir=base_dir)
    except FormatError as exc:
        return TextCheck(None, tuple(exc.problems))
    # The same checks as `firedrill validate`: an answer the policy contradicts, a loosened
    # deadline or an authoring slip is shown at its line instead of being saved.
    from .policy import default_policy
    from .scenario_checks import check
    from .yamlio import load_yaml

    _, positions = load_yaml(text, source)
    problems = check(loaded, positions, default_policy())
    if problems:
        return TextCheck(None, tuple(problems))
    silent, notes = firing_problems(loaded, positions, source)
    return TextCheck(None, tuple(silent)) if silent else TextCheck(loaded, notes=tuple(notes))


def incident_span(sc: Scenario) -> tuple[float, float]:
    """From the first incident effect's start to the scenario's end (the whole run if none)."""
    starts = [float(e.start) for e in sc.incident]
    return (max(0.0, min(starts)) if starts else 0.0, float(sc.clock.duration))


def firing_problems(
    loaded: LoadedScenario, positions: Positions, source: str
) -> tuple[list[Problem], list[Problem]]:
    """Run the alert engine on the scenario's own trace (its default seed) and name the alerting
    rules that never fire during the incident.

    If none fires, nobody would be paged: each rule is a problem at its `alert:` line and the
    scenario is not valid. If only some stay silent they are notes, since a scenario may carry an
    escalation rule that fires only when the incident is left alone."""
    from .alerts import scenario_timeline
    from .traces import generate_trace

    sc = loaded.scenario
    start, end = incident_span(sc)
    timeline = scenario_timeline(loaded, generate_trace(sc))
    fired = {
        a.name
        for a in timeline.alerts
        for ep in a.episodes
        if ep.firing_at is not None
        and ep.firing_at <= end
        and (ep.resolved_at is None or ep.resolved_at >= start)
    }
    where = _alert_rule_lines(loaded, positions)
    silent = [(name, line) for name, line in where if name not in fired]
    if not silent:
        return [], []
    window = f"{format_duration(start)} to {format_duration(end)} into the scenario, seed {sc.seed}"
    if len(silent) == len(where):
        return [
            Problem(
                source,
                line,
                col,
                "alert",
                f"alert rule {name} never fires during the incident ({window}): a trainee would never be "
                "paged. Compare its threshold and `for:` with the charts",
            )
            for name, (line, col) in silent
        ], []
    return [], [
        Problem(
            source,
            line,
            col,
            "alert",
            f"alert rule {name} never fires during the incident ({window}); fine if it is meant to fire "
            "only when the incident is left alone",
        )
        for name, (line, col) in silent
    ]


def _alert_rule_lines(
    loaded: LoadedScenario, positions: Positions
) -> list[tuple[str, tuple[int | None, int | None]]]:
    """Each alerting rule's name with the line and column of its `alert:` in the editor text
    (rules from `rule_files:` are placed at that key)."""
    out: list[tuple[str, tuple[int | None, int | None]]] = []
    own = loaded.scenario.rules.groups if loaded.scenario.rules else []
    for gi, group in enumerate(own):
        for ri, rule in enumerate(group.rules):
            if isinstance(rule, AlertingRule):
                out.append((rule.alert, positions.find(("rules", "groups", gi, "rules", ri, "alert"))))
    inline = {name for name, _ in out}
    for group in loaded.rule_groups:
        for rule in group.rules:
            if isinstance(rule, AlertingRule) and rule.alert not in inline:
                out.append((rule.alert, positions.find(("rule_files",))))
    return out


def problem_rows(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [
        {"line": p.line, "column": p.column, "field": p.field or "", "problem": p.message} for p in problems
    ]


def problem_listing(problems: Sequence[Problem]) -> str:
    """One problem a line, "line L, column C · field: message" ("?" where a position is unknown):
    readable and copyable as text, unlike a grid."""
    return "\n".join(
        f"line {r['line'] or '?'}, column {r['column'] or '?'} · {r['field'] or '(file)'}: {r['problem']}"
        for r in problem_rows(problems)
    )


def located_problems(check: TextCheck) -> list[tuple[Problem, ProblemKind]]:
    """The problems an editor can point at (those with a line): errors, then notes as warnings."""
    marked: list[tuple[Problem, ProblemKind]] = [(p, "error") for p in check.problems]
    marked += [(p, "warning") for p in check.notes]
    return [(p, kind) for p, kind in marked if p.line]


def problem_lines(check: TextCheck, limit: int | None = None) -> list[int]:
    """The distinct lines with a problem or a note, top to bottom (the first `limit` of them)."""
    return sorted({p.line for p, _ in located_problems(check) if p.line})[:limit]


def refusal_message(exc: Exception) -> str:
    """A refused save or duplicate in one sentence: an invalid file's problems joined, anything
    else (a read-only original, a taken id) its own message."""
    return "; ".join(str(p) for p in exc.problems) if isinstance(exc, FormatError) else str(exc)


def imported_text(name: str, raw: bytes) -> str:
    """The text of an uploaded scenario file, or ValueError naming the file and what is allowed.

    Only size and encoding are refused here: a YAML or schema mistake is the editor's to show, at
    its line. A byte-order mark (Windows editors write one) is dropped so the first line's columns
    match what the trainer sees."""
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{name} is {len(raw) // 1024} KiB; a scenario file must be {IMPORT_RULE}.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text; a scenario file must be {IMPORT_RULE}.") from None


def starting_template(found: dict[str, Path]) -> Path | None:
    """The template a new editor starts from: the minimal one, else the first there is."""
    return found.get(STARTING_TEMPLATE) or next(iter(found.values()), None)


def templates(scenario_dir: Path) -> dict[str, Path]:
    """Template files by a readable name ("bad deploy revert" for bad-deploy-revert.yaml)."""
    folder = scenario_dir / TEMPLATE_DIR_NAME
    return {p.stem.replace("-", " "): p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def alert_rows(timeline: Any, start: Any) -> list[dict[str, Any]]:
    """The alert transitions as table rows: time, offset, alert, state, summary."""
    rows = []
    for tr in timeline.transitions():
        rows.append(
            {
                "time (UTC)": (start + timedelta(seconds=tr.at)).strftime("%H:%M:%S"),
                "after": format_duration(tr.at),
                "alert": tr.alertname,
                "state": tr.state,
                "severity label": tr.labels.get("severity", ""),
                "summary": tr.annotations.get("summary", ""),
            }
        )
    return rows


def first_firings(rows: Iterable[dict[str, Any]]) -> list[str]:
    """When each alert first fires, from `alert_rows`, in firing order ("X fires at 10:04:00 UTC
    (4m in)"); empty when no alert fires, so a trainee would never be paged."""
    firsts: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["state"] == "firing":
            firsts.setdefault(r["alert"], r)
    return [f"{name} fires at {r['time (UTC)']} UTC ({r['after']} in)" for name, r in firsts.items()]


@dataclass(frozen=True)
class PagePlan:
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def page_plan(
    loaded: LoadedScenario,
    timeline: Any,
    *,
    ack_after: float | None = None,
    policy: Any = None,
    team: Any = None,
) -> PagePlan:
    """Who gets paged, when, for this scenario's true severity from its first firing alert.

    `ack_after`: seconds after the first alert when the primary acknowledges (None: nobody does,
    so the whole escalation chain shows)."""
    sc = loaded.scenario
    first = timeline.first_firing()
    if first is None:
        return PagePlan([], "No alert fires in this scenario, so nobody is paged.")
    try:
        from . import escalation
        from .oncall import load_team
        from .policy import load_policy

        policy = policy or load_policy()
        team = team or load_team()
    except (ImportError, OSError, ValueError) as exc:  # policy or team file missing or invalid
        return PagePlan([], f"The page timeline needs data/policy.yaml and data/team.yaml: {exc}")
    triggered = sc.clock.start + timedelta(seconds=first)
    security = sc.answer.security.value == "breach_confirmed"
    plan = escalation.plan(
        policy,
        team,
        sc.answer.severity,
        triggered,
        ack_after=ack_after,
        security=security,
        resolve_after=float(sc.answer.expected_resolution) if sc.answer.expected_resolution else None,
        horizon=float(sc.clock.duration),
    )
    rows = [
        {
            "time (UTC)": n.at.strftime("%H:%M:%S"),
            "after first alert": format_duration(n.offset),
            "who": n.who,
            "role": n.role.value.replace("_", " "),
            "how": n.channel,
            "why": n.reason,
        }
        for n in plan
    ]
    note = f"{sc.answer.severity.value} from the first firing alert at {triggered:%H:%M:%S} UTC" + (
        ", nobody acknowledging"
        if ack_after is None
        else f", acknowledged after {format_duration(ack_after)}"
    )
    return PagePlan(rows, note)


def answer_summary(sc: Scenario) -> list[str]:
    """The answer in plain sentences, for the trainer checking what they wrote."""
    a = sc.answer
    out = [
        f"{'Real incident' if a.real else 'False positive'}: {a.title}",
        f"Severity {a.severity.value}"
        + "".join(
            f", then {c.severity.value} at {format_duration(c.at)}" + (f" ({c.reason})" if c.reason else "")
            for c in a.severity_changes
        ),
    ]
    if a.security.value != "none":
        out.append(f"Security: {a.security.value.replace('_', ' ')}")
    out.append(f"Root cause: {a.root_cause.strip()}")
    # What the drill will score: the policy's requirements tightened by the scenario's own, counted
    # from the scenario start (a scenario's own `within` runs from the first alert; here it is
    # shown as if that alert fired at the start). A requirement that holds only for an incident
    # left open (a HIGH past 30 minutes) is marked so: resolved by the expected time, it lapses.
    from .policy import customer_notice_deadline, default_policy
    from .scenario_checks import answer_levels, escalation_deadlines

    policy = default_policy()
    end = float(sc.clock.duration)
    by = float(a.expected_resolution) if a.expected_resolution else end
    deadlines = sorted(escalation_deadlines(sc, policy, 0.0), key=lambda d: d.due) if a.real else []
    in_time = {d.role for d in escalation_deadlines(sc, policy, 0.0, by)}
    for d in deadlines:
        role = d.role.value.replace("_", " ") if d.role else "customers"
        when = "" if d.role in in_time else " if still open then"
        out.append(f"Escalate to {role} by {format_duration(d.due)}{when}: {d.reason} ({d.clause})")
    if not deadlines:
        out.append("No escalation required")
    levels = answer_levels(sc, 0.0)
    notice = customer_notice_deadline(policy, levels, end) if a.real else None
    if notice is not None:
        when = "" if customer_notice_deadline(policy, levels, by) else " if still open then"
        out.append(
            f"Tell customers by {format_duration(notice.due)}{when}: {notice.reason} ({notice.clause})"
        )
    if a.diagnosis:
        right = next(o.text for o in a.diagnosis.options if o.id == a.diagnosis.correct)
        out.append(
            f"Diagnosis: {right} (of {len(a.diagnosis.options)} options; evidence in "
            f"{', '.join(a.diagnosis.evidence) or 'no console named'})"
        )
    for m in a.mitigations:
        out.append(f"Mitigation ({m.outcome}): {m.label}")
    if not any(m.outcome == "correct" for m in a.mitigations):
        out.append("No correct mitigation yet: the trainee cannot fix this scenario")
    cn = a.customer_notification
    if cn is not None and cn.required and cn.within:
        out.append(f"The scenario requires the customer notice within {format_duration(cn.within)}")
    elif notice is None:
        out.append("No customer notification required")
    if a.expected_resolution:
        out.append(f"Expected resolution: {format_duration(a.expected_resolution)}")
    return out


def panels(sc: Scenario) -> dict[str, list[str]]:
    """Series keys grouped by dashboard panel (a metric without a panel gets its own)."""
    out: dict[str, list[str]] = {}
    for m in sc.metrics:
        out.setdefault(m.panel or m.name, []).append(m.key)
    return out


def incident_windows(sc: Scenario) -> list[tuple[float, float | None, str]]:
    return [(e.start, e.end, e.id or e.effect) for e in sc.incident]


def variant_rows(sc: Scenario, seeds: Iterable[int] = VARIANT_PREVIEW_SEEDS) -> list[dict[str, Any]]:
    """The scenario's default seed and a few others with the variant each one draws."""
    return [{"seed": s, "variant": sample_knobs(sc, s).describe()} for s in (sc.seed, *seeds)]
