"""Checks `firedrill validate` runs on a scenario that parsed: does it agree with the policy, and
is it free of authoring slips?

Owns three things: the policy classifier's level computed from the scenario's own traces over
time (the answer and each re-classification must agree, or name a policy clause); deadlines a
scenario sets that would loosen the policy's; and references to things that do not exist (a rule
on a missing metric, an inject after the end, an unknown evidence console, an effect that ends
before it starts). Every problem names file, line, field and what is allowed. Also owns the
deadlines a drill scores (`escalation_deadlines`: the policy's, tightened by the scenario), so
validate, scoring, the studio and the drafted expert read one rule. Pure and deterministic: the
traces come from the scenario's own seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import promql
from .actions import CONSOLES
from .durations import format_duration
from .policy import (
    Classification,
    Deadline,
    Policy,
    Signals,
    classify,
    customer_notice_deadline,
    decision_limit,
    required_escalations,
)
from .rules import RecordingRule
from .scenario import REPORT_INJECTS, LoadedScenario, Scenario
from .vocabulary import SecurityState, Severity
from .yamlio import Positions, Problem

# The classifier is sampled this often; finer adds nothing a responder could act on.
SAMPLE_EVERY = 30.0
# A level counts once it has held this long, as an alert's `for:` does: a 5-minute rate over a
# few requests a second jumps past a threshold for a sample or two on noise alone.
SUSTAINED = 180.0
# A re-classification may lead or trail the classifier by this much: the signals are read
# through 5-minute rate windows, and the author writes the moment a responder would see it.
CHANGE_TOLERANCE = 180.0

# Without a `signals:` section: the series most scenarios have. The error ratio is read over
# 10 minutes because the policy's 0.1% "elevated" line is a handful of requests at a few per second.
_CONVENTIONAL = {
    "error_ratio": (
        ("http_request_errors_total", "http_requests_total"),
        "sum(rate(http_request_errors_total[10m])) / sum(rate(http_requests_total[10m]))",
    ),
    "p95_ms": (("http_request_duration_p95_seconds",), "max(http_request_duration_p95_seconds) * 1000"),
}
_NO_SIGNALS = (
    "; this scenario gives the classifier nothing to read: add a `signals:` section naming the PromQL "
    "for error_ratio, traffic_affected, successful_requests, p95_ms or resource_utilization, and facts "
    "(security, data_loss, legit_traffic_rate_limited, warning) with the time they become observable"
)
_METRIC_SIGNALS = ("error_ratio", "traffic_affected", "successful_requests", "p95_ms", "resource_utilization")


class SignalError(Exception):
    """A signal expression that parses but fails when evaluated over the traces."""

    def __init__(self, signal: str, message: str):
        self.signal = signal
        self.message = message
        super().__init__(f"signals.{signal}: {message}")


@dataclass(frozen=True)
class LevelAt:
    """The classifier's verdict at one moment, with the signal values it read."""

    at: float
    classification: Classification
    signals: dict[str, object]

    @property
    def severity(self) -> Severity:
        return self.classification.severity


def signal_expressions(scenario: Scenario) -> dict[str, str]:
    """Which PromQL expression reads each metric signal: the scenario's `signals:` section, or
    the conventional series when the section is absent and those series exist."""
    if scenario.signals is not None:
        return {k: v for k in _METRIC_SIGNALS if (v := getattr(scenario.signals, k)) is not None}
    names = set(scenario.metric_names())
    return {k: expr for k, (needs, expr) in _CONVENTIONAL.items() if set(needs) <= names}


def first_visible(loaded: LoadedScenario, timeline) -> float:
    first = timeline.first_firing()
    if first is not None:
        return float(first)
    # An alert-free incident starts when a person reports it, as the drill's scoring times it.
    ats = [float(i.at) for i in loaded.scenario.injects if i.at >= 0 and i.kind in REPORT_INJECTS]
    return min(ats, default=0.0)


def classifier_levels(loaded: LoadedScenario, policy: Policy) -> list[LevelAt]:
    """The policy's level at every sample of the scenario as written (no mitigation applied)."""
    from .alerts import scenario_timeline
    from .traces import generate_trace

    sc = loaded.scenario
    trace = generate_trace(sc)
    ticks = np.arange(0.0, sc.clock.duration + 1e-9, SAMPLE_EVERY)
    values: dict[str, np.ndarray] = {}
    for name, expr in signal_expressions(sc).items():
        try:
            series = promql.evaluate(expr, trace, ticks)
        except (promql.PromQLError, promql.EvaluationError) as exc:
            raise SignalError(name, f"cannot be evaluated over the scenario's metrics: {exc}") from None
        stacked = np.array([np.where(s.present, s.values, np.nan) for s in series]) if series else None
        if stacked is None or stacked.size == 0:
            values[name] = np.full(len(ticks), np.nan)
        else:
            with np.errstate(all="ignore"):
                col = np.nanmax(np.where(np.isnan(stacked), -np.inf, stacked), axis=0)
            values[name] = np.where(np.isneginf(col), np.nan, col)

    facts = list(sc.signals.facts) if sc.signals else []
    security_from = None
    if sc.answer.security != SecurityState.NONE and not any(f.security is not None for f in facts):
        security_from = first_visible(loaded, scenario_timeline(loaded, trace))
    durations = sorted(
        {
            float(c.value)
            for lv in policy.levels.values()
            for cond in lv.conditions
            for c in cond.all
            if c.signal == "p95_duration_min" and isinstance(c.value, (int, float))
        }
    )
    out: list[LevelAt] = []
    for i, t in enumerate(ticks):
        base: dict[str, object] = {}
        for name, col in values.items():
            v = col[i]
            if np.isfinite(v):
                base[name] = max(0.0, float(v)) if name != "successful_requests" else max(0, round(float(v)))
        for f in facts:
            if f.at <= t and (f.until is None or t < f.until):
                for key in (
                    "security",
                    "data_loss",
                    "legit_traffic_rate_limited",
                    "warning",
                    "traffic_affected",
                ):
                    if (v := getattr(f, key)) is not None:
                        base[key] = v.value if isinstance(v, SecurityState) else v
        if security_from is not None and t >= security_from:
            base.setdefault("security", sc.answer.security.value)
        for key in ("error_ratio", "traffic_affected", "resource_utilization"):
            if key in base:
                base[key] = min(1.0, float(base[key]))  # type: ignore[arg-type]
        candidates = [dict(base)]
        if "p95_ms" in base and "p95_ms" in values:
            # "P95 above X for D minutes" holds when the lowest P95 of the last D minutes is above X.
            for d in durations:
                lookback = round(d * 60 / SAMPLE_EVERY)
                if i - lookback < 0:
                    continue
                window = values["p95_ms"][i - lookback : i + 1]
                if np.all(np.isfinite(window)):
                    candidates.append({**base, "p95_ms": float(window.min()), "p95_duration_min": d})
        best = min(
            ((classify(Signals.model_validate(c), policy), c) for c in candidates),
            key=lambda rc: rc[0].severity.rank,
        )
        out.append(LevelAt(float(t), best[0], best[1]))
    return out


def sustained_levels(levels: list[LevelAt]) -> list[LevelAt]:
    """Each sample's level as the least severe one of the last `SUSTAINED` seconds: what has held."""
    out = []
    for i, lv in enumerate(levels):
        window = [w for w in levels[: i + 1] if w.at >= lv.at - SUSTAINED]
        held = max(window, key=lambda w: (w.severity.rank, -w.at))
        out.append(LevelAt(lv.at, held.classification, held.signals))
    return out


def _describe(level: LevelAt) -> str:
    conds = [m.condition_id for m in level.classification.matched if m.level == level.severity]
    shown = ", ".join(f"{k}={_fmt(v)}" for k, v in level.signals.items())
    why = f" ({'; '.join(conds)})" if conds else " (no condition holds: the policy's no_match level)"
    return f"{level.severity.value} at {format_duration(level.at)}{why} from {shown or 'no signals'}"


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def _segments(sc: Scenario) -> list[tuple[float, float, Severity, str | None, tuple]]:
    """The answer's severity over time: (from, to, level, severity_reason, field path)."""
    ans = sc.answer
    changes = sorted(enumerate(ans.severity_changes), key=lambda ic: ic[1].at)
    points: list[tuple[float, Severity, str | None, tuple]] = [
        (0.0, ans.severity, ans.severity_reason, ("answer", "severity"))
    ]
    for i, ch in changes:
        points.append(
            (float(ch.at), ch.severity, ch.severity_reason, ("answer", "severity_changes", i, "severity"))
        )
    out = []
    for k, (start, sev, reason, path) in enumerate(points):
        end = points[k + 1][0] if k + 1 < len(points) else float(sc.clock.duration) + 1.0
        out.append((start, end, sev, reason, path))
    return out


def _field(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def check_severity(loaded: LoadedScenario, policy: Policy, positions: Positions) -> list[Problem]:
    """The answer (and each re-classification) must be the level the classifier computes from the
    scenario's signals over its span, unless it names a policy clause of that level."""
    sc = loaded.scenario
    try:
        levels = sustained_levels(classifier_levels(loaded, policy))
    except SignalError as exc:
        line, col = positions.find(("signals", exc.signal))
        return [Problem(loaded.source, line, col, f"signals.{exc.signal}", exc.message)]
    reads_anything = (
        bool(signal_expressions(sc))
        or bool(sc.signals and sc.signals.facts)
        or (sc.answer.security != SecurityState.NONE)
    )
    segments = _segments(sc)
    problems: list[Problem] = []
    for k, (start, end, sev, reason, path) in enumerate(segments):
        # Trim the overlap with the neighbouring spans so a classifier a little ahead or behind a
        # re-classification does not count against either side.
        lo = start + (CHANGE_TOLERANCE if k > 0 else 0.0)
        hi = end - (CHANGE_TOLERANCE if k + 1 < len(segments) else 0.0)
        inside = [lv for lv in levels if lo <= lv.at < hi] or [lv for lv in levels if start <= lv.at < end]
        if not inside:
            continue
        peak = min(inside, key=lambda lv: (lv.severity.rank, lv.at))
        field = _field(path)
        line, col = positions.find(path)
        reason_path = (*path[:-1], "severity_reason")
        if reason is not None:
            found = policy.clause(reason)
            rline, rcol = positions.find(reason_path)
            here = [c for c in policy.clause_ids() if (policy.clause(c) or (None,))[0] == sev]
            if found is None:
                problems.append(
                    Problem(
                        loaded.source,
                        rline,
                        rcol,
                        _field(reason_path),
                        f"{reason!r} is not a clause of the policy; {sev.value} clauses: {', '.join(here)}",
                    )
                )
            elif found[0] != sev:
                problems.append(
                    Problem(
                        loaded.source,
                        rline,
                        rcol,
                        _field(reason_path),
                        f"policy clause {found[1]!r} is {found[0].value}, not {sev.value}; "
                        f"{sev.value} clauses: {', '.join(here)}",
                    )
                )
            continue
        if peak.severity == sev:
            continue
        here = [c for c in policy.clause_ids() if (policy.clause(c) or (None,))[0] == sev]
        blind = "" if reads_anything else _NO_SIGNALS
        problems.append(
            Problem(
                loaded.source,
                line,
                col,
                field,
                f"{sev.value} disagrees with the policy: the classifier computes "
                f"{_describe(peak)} between {format_duration(start)} and "
                f"{format_duration(min(end, sc.clock.duration))}; set {peak.severity.value}, or name "
                f"the policy clause that makes it {sev.value} in {_field(reason_path)} "
                f"(one of: {', '.join(here)}){blind}",
            )
        )
    return problems


def answer_levels(sc: Scenario, t0: float) -> list[tuple[float, Severity]]:
    """The answer's severity over time as deadline clocks see it: the first level from `t0` (the
    first alert, or the first report), each re-classification from its own moment."""
    out = [(t0, sc.answer.severity)]
    for ch in sorted(sc.answer.severity_changes, key=lambda c: c.at):
        out.append((max(t0, float(ch.at)), ch.severity))
    return out


def escalation_deadlines(
    sc: Scenario, policy: Policy, t0: float, until: float | None = None
) -> list[Deadline]:
    """Who must be brought in and by when (offsets from the scenario start): the policy's own
    requirements for this incident's levels, security and customer notice, tightened (never
    loosened) by the scenario's `answer.escalations`, whose `within` runs from `t0` (the first
    alert, or the first report).

    `until` is when the incident stopped being open (None: the whole scenario), which decides
    whether a HIGH's "customers told if longer than 30 min" — and so the manager — applies.
    """
    ans = sc.answer
    end = float(sc.clock.duration) if until is None else until
    security = t0 if ans.security != SecurityState.NONE else None
    by_role = {d.role: d for d in required_escalations(policy, answer_levels(sc, t0), end, security)}
    for e in ans.escalations:
        due = t0 + float(e.within)
        have = by_role.get(e.role)
        if have is None or due < have.due:
            by_role[e.role] = Deadline(
                role=e.role,
                due=due,
                since=t0,
                clause=f"scenario answer.escalations ({e.role.value})",
                reason=e.reason or (have.reason if have else "required by the scenario"),
            )
    return list(by_role.values())


def check_deadlines(loaded: LoadedScenario, policy: Policy, positions: Positions, t0: float) -> list[Problem]:
    """A scenario may tighten the policy's escalation and customer-notice deadlines, never loosen
    them. Both are compared as offsets from the scenario start, the incident left open to the end
    (the policy's strictest case); a scenario's own `within` runs from the first alert (`t0`)."""
    sc = loaded.scenario
    ans = sc.answer
    levels = answer_levels(sc, t0)
    forever = float(sc.clock.duration) + 365 * 86400.0
    security = ans.security != SecurityState.NONE
    policy_due = {d.role: d for d in required_escalations(policy, levels, forever, t0 if security else None)}
    problems: list[Problem] = []
    for i, esc in enumerate(ans.escalations):
        mine = t0 + esc.within
        bound = policy_due.get(esc.role)
        if bound is not None:
            allowed, clause = bound.due - t0, bound.clause
        else:
            limit = decision_limit(policy, esc.role, [s for _, s in levels], security)
            if limit is None:
                continue
            allowed, clause = float(limit.within), f"escalation_decisions.{limit.id}"
        if mine - t0 > allowed + 1e-9:
            path = ("answer", "escalations", i, "within")
            line, col = positions.find(path)
            problems.append(
                Problem(
                    loaded.source,
                    line,
                    col,
                    _field(path),
                    f"{format_duration(esc.within)} loosens the policy: {clause} requires the "
                    f"{esc.role.value} within {format_duration(allowed)} of the first alert; a scenario "
                    f"may tighten a deadline (at most {format_duration(allowed)}), never loosen it",
                )
            )
    cn = ans.customer_notification
    notice = customer_notice_deadline(policy, levels, forever)
    if cn is not None and cn.within is not None and notice is not None and cn.within > notice.due - t0 + 1e-9:
        notice_path: tuple = ("answer", "customer_notification", "within")
        line, col = positions.find(notice_path)
        problems.append(
            Problem(
                loaded.source,
                line,
                col,
                _field(notice_path),
                f"{format_duration(cn.within)} loosens the policy: {notice.clause} requires the notice "
                f"within {format_duration(notice.due - t0)} of the first alert; a scenario may tighten a "
                "deadline, never loosen it",
            )
        )
    return problems


def check_references(loaded: LoadedScenario, positions: Positions) -> list[Problem]:
    """Authoring slips: things the scenario names that do not exist, and times outside its span."""
    sc = loaded.scenario
    src = loaded.source
    end = float(sc.clock.duration)
    span = f"0s to {format_duration(end)} (clock.duration)"
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        line, col = positions.find(path)
        problems.append(Problem(src, line, col, _field(path), message))

    names = set(sc.metric_names())
    produced = {"ALERTS", "ALERTS_FOR_STATE"}
    for g in loaded.rule_groups:
        for r in g.rules:
            if isinstance(r, RecordingRule):
                produced.add(r.record)
    known = sorted(names | produced)

    def unknown_metrics(expr: str) -> list[str]:
        try:
            parsed = promql.parse(expr)
        except promql.PromQLError:
            return []  # the parser's own message is reported elsewhere
        missing = []
        for sel in parsed.selectors:
            matchers = [m for m in sel.matchers if m.name == "__name__"]
            if matchers and not any(all(m.matches(n) for m in matchers) for n in known):
                missing.append(sel.name or str(matchers[0].value))
        return missing

    inline = sc.rules is not None
    for gi, g in enumerate(loaded.rule_groups):
        for ri, rule in enumerate(g.rules):
            for metric in unknown_metrics(rule.expr):
                path = ("rules", "groups", gi, "rules", ri, "expr") if inline else ("rule_files",)
                add(
                    path,
                    f"rule {_rule_name(rule)!r} reads metric {metric!r}, which this scenario does not "
                    f"produce; metrics: {', '.join(sorted(names))}",
                )
    if sc.signals is not None:
        for key in _METRIC_SIGNALS:
            expr = getattr(sc.signals, key)
            if expr is None:
                continue
            try:
                promql.parse(expr)
            except promql.PromQLError as exc:
                add(("signals", key), f"not a valid expression: {exc}")
                continue
            for metric in unknown_metrics(expr):
                add(
                    ("signals", key),
                    f"reads metric {metric!r}, which this scenario does not produce; "
                    f"metrics: {', '.join(sorted(names))}",
                )
    for i, inj in enumerate(sc.injects):
        if inj.at > end:
            add(
                ("injects", i, "at"), f"{format_duration(inj.at)} is after the scenario ends; allowed: {span}"
            )
    for i, ch in enumerate(sc.answer.severity_changes):
        if ch.at > end or ch.at < 0:
            add(
                ("answer", "severity_changes", i, "at"),
                f"{format_duration(ch.at)} is outside the scenario; allowed: {span}",
            )
    for i, eff in enumerate(sc.incident):
        if eff.start > end:
            add(
                ("incident", i, "start"),
                f"{format_duration(eff.start)} is after the scenario ends; allowed: {span}",
            )
        if eff.end is not None and eff.end <= eff.start:
            add(
                ("incident", i, "end"),
                f"the effect ends ({format_duration(eff.end)}) before it starts "
                f"({format_duration(eff.start)}); end must be later than start",
            )
    for i, log in enumerate(sc.evidence.logs):
        if log.at > end:
            add(
                ("evidence", "logs", i, "at"),
                f"{format_duration(log.at)} is after the scenario ends; allowed: {span}",
            )
    if sc.answer.diagnosis is not None:
        for i, console in enumerate(sc.answer.diagnosis.evidence):
            if console not in CONSOLES:
                add(
                    ("answer", "diagnosis", "evidence", i),
                    f"no console is called {console!r}; allowed: {', '.join(CONSOLES)}",
                )
    return problems


def _rule_position(loaded: LoadedScenario, positions: Positions, name: str) -> tuple[int | None, int | None]:
    if loaded.scenario.rules is None:
        return positions.find(("rule_files",))
    for gi, g in enumerate(loaded.scenario.rules.groups):
        for ri, rule in enumerate(g.rules):
            if _rule_name(rule) == name:
                return positions.find(("rules", "groups", gi, "rules", ri, "expr"))
    return positions.find(("rules",))


def _rule_name(rule) -> str:
    return getattr(rule, "alert", None) or getattr(rule, "record", None) or "?"


def check(loaded: LoadedScenario, positions: Positions, policy: Policy) -> list[Problem]:
    """Every problem `firedrill validate` finds in a scenario that parsed."""
    problems = check_references(loaded, positions)
    if problems:
        # The classifier needs the scenario's signals to be readable; fix the references first.
        return problems
    from .alerts import RuleEvaluationError, scenario_timeline
    from .traces import generate_trace

    try:
        t0 = first_visible(loaded, scenario_timeline(loaded, generate_trace(loaded.scenario)))
    except RuleEvaluationError as exc:
        # Prometheus would log this rule's failure at every evaluation; the drill cannot run it.
        return [
            Problem(
                loaded.source,
                *_rule_position(loaded, positions, exc.rule),
                "rules",
                f"rule {exc.rule!r} fails when evaluated at {format_duration(exc.at)}: {exc.message}",
            )
        ]
    return [*check_severity(loaded, policy, positions), *check_deadlines(loaded, policy, positions, t0)]
