"""Scoring a drill: the seven criteria of the scoring model, each 0–1 with a P/S/M/U rating.

Owns how a drill's event log is compared with the scenario's ground truth and the team policy:
every deduction carries evidence (the trainee's time beside the expected one), floors and critical
items stop a good mean from hiding a failed critical behaviour. Deterministic: the same log gives
the same scorecard. Does not render anything (`simulator.reports`, `pages/debrief.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from typing import Any

from . import update_rubric as _rubric
from .actions import (
    Acknowledge,
    AnnounceResolution,
    BridgeUpdate,
    Classify,
    Declare,
    Escalate,
    Hypothesis,
    JoinBridge,
    Judge,
    Look,
    Mitigate,
    NotifyCustomers,
    OpenChannel,
    PostUpdate,
    Resolve,
    StatusPage,
    Verify,
    Watch,
    WriteReport,
)
from .drill import (
    Drill,
    Event,
    World,
    actions_of,
    applied_mitigations,
    critical_from,
    effects_with_mitigations,
    end_offset,
    true_severity_at,
    world,
)
from .incident_report import check_report
from .policy import Deadline, customer_notice_deadline
from .scenario import REPORT_INJECTS, Effect, Ramp, Surge
from .scenario_checks import answer_levels, escalation_deadlines
from .vocabulary import Role, Severity

PASS_MARK = 0.75
FLOOR = 0.5
STATUS_ORDER = ("Investigating", "Identified", "Monitoring", "Resolved")
CRITERIA: tuple[tuple[str, str], ...] = (
    ("acknowledge", "Acknowledge time"),
    ("judgement", "Real or false positive"),
    ("severity", "Severity classification"),
    ("escalation", "Escalation"),
    ("communication", "Communication"),
    ("diagnosis", "Diagnosis and mitigation"),
    ("report", "Post-incident report"),
)


def rating(score: float) -> str:
    return "P" if score >= 0.90 else "S" if score >= 0.75 else "M" if score >= 0.50 else "U"


RATING_WORDS = {
    "P": "performed without challenges",
    "S": "performed with some challenges",
    "M": "performed with major challenges",
    "U": "unable to be performed",
}


@dataclass(frozen=True)
class Evidence:
    """One observation behind a score: what the trainee did and when, beside what was expected."""

    item: str
    note: str
    deduction: float = 0.0
    trainee_at: float | None = None
    expected_at: float | None = None
    trainee_time: str | None = None
    expected_time: str | None = None


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    score: float
    rating: str
    weight: float
    floor: float
    evidence: tuple[Evidence, ...]
    critical_failures: tuple[str, ...] = ()

    @property
    def deductions(self) -> list[Evidence]:
        return [e for e in self.evidence if e.deduction > 0]


@dataclass(frozen=True)
class Scorecard:
    scenario_id: str
    content_hash: str
    seed: int
    policy_hash: str
    criteria: tuple[Criterion, ...]
    score: float
    passed: bool
    pass_mark: float
    reasons: tuple[str, ...] = ()

    def criterion(self, key: str) -> Criterion:
        return next(c for c in self.criteria if c.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_id,
            "content_hash": self.content_hash,
            "seed": self.seed,
            "policy": self.policy_hash,
            "passed": self.passed,
            "score": round(self.score, 4),
            "pass_mark": self.pass_mark,
            "reasons": list(self.reasons),
            "criteria": {
                c.key: {
                    "title": c.title,
                    "score": round(c.score, 4),
                    "rating": c.rating,
                    "weight": c.weight,
                    "floor": c.floor,
                    "critical_failures": list(c.critical_failures),
                    "evidence": [asdict(e) for e in c.evidence],
                }
                for c in self.criteria
            },
        }


@dataclass(frozen=True)
class Verdict:
    """Whether a drill passed, and every reason it did not (empty when it passed)."""

    passed: bool
    reasons: tuple[str, ...]


def verdict(card: Scorecard | Mapping[str, Any]) -> Verdict:
    """The one rule that decides whether a drill passed, for a scorecard or its stored dict.

    A drill passes when the weighted score reaches the pass mark, no criterion is below its floor
    and no critical item failed. The debrief, sign-off evidence, the cohort board and the reports
    all ask this function, so a stored scorecard is judged by the same rule as a fresh one (its
    stored `passed` flag is never trusted on its own)."""
    if isinstance(card, Scorecard):
        rows = [(c.title, c.score, c.weight, c.floor, tuple(c.critical_failures)) for c in card.criteria]
        mark = card.pass_mark
    else:
        crit = card.get("criteria") or {}
        if not isinstance(crit, Mapping) or not crit:
            return Verdict(False, ("no scored criteria recorded",))
        rows = [
            (
                str(c.get("title", key)),
                float(c.get("score", 0.0)),
                float(c.get("weight", 1.0)),
                float(c.get("floor", FLOOR)),
                tuple(str(x) for x in c.get("critical_failures", ())),
            )
            for key, c in crit.items()
            if isinstance(c, Mapping)
        ]
        mark = float(card.get("pass_mark", PASS_MARK))
    total_w = sum(w for _, _, w, _, _ in rows) or 1.0
    mean = sum(s * w for _, s, w, _, _ in rows) / total_w
    reasons = []
    if mean < mark - 1e-9:
        reasons.append(f"weighted score {mean:.2f} is below the pass mark {mark:.2f}")
    for title, score, _, floor, critical in rows:
        if score < floor - 1e-9:
            reasons.append(f"{title}: {score:.2f} is below its floor {floor:.2f}")
        for item in critical:
            reasons.append(f"{title}: critical item failed — {item}")
    return Verdict(not reasons, tuple(reasons))


@dataclass
class _Builder:
    """Collects evidence for one criterion; the score starts at `base` and deductions subtract."""

    drill: Drill
    key: str
    title: str
    score: float = 1.0
    evidence: list[Evidence] = field(default_factory=list)
    critical: list[str] = field(default_factory=list)

    def note(
        self,
        item: str,
        note: str,
        deduction: float = 0.0,
        trainee_at: float | None = None,
        expected_at: float | None = None,
    ) -> None:
        self.evidence.append(
            Evidence(
                item,
                note,
                round(deduction, 4),
                trainee_at,
                expected_at,
                None if trainee_at is None else self.drill.hhmm(trainee_at),
                None if expected_at is None else self.drill.hhmm(expected_at),
            )
        )
        self.score -= deduction

    def done(self, weight: float = 1.0) -> Criterion:
        s = max(0.0, min(1.0, round(self.score, 6)))
        r = rating(s)
        if self.critical and r in ("P", "S"):
            # A failed critical item caps the rating at M whatever the rest of the criterion earned.
            s = min(s, 0.74)
            r = "M"
        return Criterion(
            self.key, self.title, s, r, weight, FLOOR, tuple(self.evidence), tuple(self.critical)
        )


@dataclass
class _Run:
    drill: Drill
    events: Sequence[Event]
    acts: list
    end: float
    first_fired: float | None
    t0: float  # reference for deadlines: the first firing, else a person's report, else the start
    first_sign: float | None = None  # the first thing on the trainee's screens showing the incident
    cause_seen: float | None = None  # the first moment the cause could be seen (see cause_evidence_at)

    def of(self, cls: type) -> list[tuple[float, Any]]:
        return [(e.at_offset, a) for e, a in self.acts if isinstance(a, cls)]

    def acts_at(self) -> list[tuple[float, Any]]:
        return [(e.at_offset, a) for e, a in self.acts]

    def first(self, cls: type) -> tuple[float, Any] | None:
        xs = self.of(cls)
        return xs[0] if xs else None

    @property
    def ack(self) -> float | None:
        """The first acknowledgement after the alert fired (pressing it before any page counts for nothing)."""
        if self.first_fired is None:
            return None
        return min(
            (
                e.at_offset
                for e, _ in self.acts
                if e.kind == "acknowledge" and e.at_offset >= self.first_fired
            ),
            default=None,
        )


def score_drill(drill: Drill, events: Sequence[Event]) -> Scorecard:
    """The scorecard for a drill's event log."""
    end = end_offset(drill, events)
    w = world(drill, applied_mitigations(events))
    ff = w.timeline.first_firing()
    # An alert-free incident (reported by a person) is timed from that report.
    t0 = ff if ff is not None else (first_report_at(drill) or 0.0)
    run = _Run(
        drill, events, actions_of(events), end, ff, t0, first_sign_at(drill, w), cause_evidence_at(drill, w)
    )
    criteria = (
        _acknowledge(run),
        _judgement(run),
        _severity(run),
        _escalation(run),
        _communication(run),
        _diagnosis(run, w),
        _report(run),
    )
    total_w = sum(c.weight for c in criteria)
    mean = sum(c.score * c.weight for c in criteria) / total_w
    card = Scorecard(
        drill.scenario.id,
        drill.loaded.content_hash,
        drill.seed,
        drill.policy.content_hash,
        criteria,
        round(mean, 6),
        False,
        PASS_MARK,
    )
    decided = verdict(card)
    return replace(card, passed=decided.passed, reasons=decided.reasons)


# --- what the trainee could know, and what the world did ----------------------------------------

# Injects a person sends about the incident itself: an alert-free incident starts with one of these.
# Consoles that show the metrics themselves: a look there after the fix is a look at the recovery.
METRIC_CONSOLES = ("dashboards",)


def first_report_at(drill: Drill) -> float | None:
    """When a person first reported the incident (customer report, manager, page or email)."""
    return min(
        (float(i.at) for i in drill.scenario.injects if i.kind in REPORT_INJECTS and i.at >= 0), default=None
    )


def first_sign_at(drill: Drill, w: World) -> float | None:
    """The first moment the trainee's screens showed anything of the incident: an effect starting
    on the dashboards, an alert firing, or a person reporting it."""
    times = [max(0.0, float(e.start)) for e in drill.scenario.incident]
    fired = w.timeline.first_firing()
    if fired is not None:
        times.append(fired)
    report = first_report_at(drill)
    if report is not None:
        times.append(report)
    return min(times, default=None)


def _console_first_line(drill: Drill, console: str) -> float | None:
    """When `console` first showed a line of the scenario's evidence (None: it has none of its own)."""
    ev = drill.scenario.evidence
    times: list[float] = []
    if console == "logs":
        times = [float(x.at) for x in ev.logs]
    elif console == "database" and ev.database is not None:
        times = [float(x.started) for x in ev.database.sessions] + [
            float(x.since) for x in ev.database.slow_queries
        ]
    elif console == "deploys":
        times = [float(x.at) for x in ev.deploys]
    elif console == "infrastructure":
        times = [float(x.since or 0.0) for x in ev.infrastructure]
    elif console == "third_party":
        times = [float(x.since or 0.0) for x in ev.third_party]
    return max(0.0, min(times)) if times else None


def cause_evidence_at(drill: Drill, w: World) -> float | None:
    """The first moment the cause could be seen: an incident was showing and a console the answer
    names as evidence had a line about it. Before this a hypothesis or fix is a guess."""
    sign = first_sign_at(drill, w)
    if sign is None:
        return None
    diag = drill.scenario.answer.diagnosis
    lines = [
        t for t in (_console_first_line(drill, c) for c in (diag.evidence if diag else ())) if t is not None
    ]
    return max(sign, min(lines)) if lines else sign


def _active_until(effect: Effect, horizon: float) -> float:
    """When an effect stops moving its metric (a ramp holds its level, a surge eases back)."""
    if isinstance(effect, Ramp):
        return float(horizon if effect.hold_until is None else effect.hold_until)
    end = float(horizon if effect.end is None else effect.end)
    return end + float(effect.decay) if isinstance(effect, Surge) else end


def harm_windows(drill: Drill, applied: Sequence[tuple[float, str]]) -> list[tuple[str, float, float]]:
    """(metric, from, until) for every change the incident (or a harmful mitigation) made to the
    world, as the trainee's mitigations left it. The incident's harm is what its fixes end: an
    effect no correct mitigation ends is the trigger or the new normal (a surge of legitimate
    traffic), not damage still to be repaired."""
    ans = drill.scenario.answer
    harm_ids = {i for m in ans.mitigations if m.outcome == "correct" for i in m.ends}
    horizon = drill.duration
    out = [
        (e.metric, float(e.start), _active_until(e, horizon))
        for e in effects_with_mitigations(drill, applied)
        if e.id in harm_ids
    ]
    for at, mid in applied:
        m = drill.mitigation(mid)
        if m is not None and m.outcome == "harmful":
            out += [(a.metric, float(a.start) + at, _active_until(a, horizon - at) + at) for a in m.adds]
    return out


def unrecovered_at(drill: Drill, w: World, at: float) -> list[str]:
    """What still shows the incident at `at`: alerts firing, and metrics the incident (or a
    harmful mitigation) is still moving in the drill's own trace. Empty once the world recovered."""
    firing = sorted({a.name for a in w.timeline.firing_at(at)})
    moving = sorted(
        {metric for metric, start, until in harm_windows(drill, w.mitigations) if start <= at < until}
    )
    return [f"alert {a} firing" for a in firing] + [
        f"{_metric_words(drill, m)} not back to normal" for m in moving
    ]


def _metric_words(drill: Drill, metric: str) -> str:
    """A metric as the dashboards describe it: its help text (or panel) beside its name."""
    name = metric.split("{", 1)[0]
    m = next((x for x in drill.scenario.metrics if x.key == metric or x.name == name), None)
    words = (m.help or m.panel or "") if m is not None else ""
    return f"{words} ({metric})" if words else metric


def recovered_from(drill: Drill, w: World, after: float) -> float | None:
    """The first moment at or after `after` when nothing shows the incident any more (None: never
    within the run). Checked at the alert engine's evaluation steps."""
    step = float(drill.scenario.clock.evaluation_interval) or 15.0
    t = after
    while t <= drill.duration:
        if not unrecovered_at(drill, w, t):
            return t
        t += step
    return None


# --- 1. acknowledge ---# --- 1. acknowledge --------------------------------------------------------------------------------


def _acknowledge(run: _Run) -> Criterion:
    b = _Builder(run.drill, "acknowledge", "Acknowledge time")
    report = first_report_at(run.drill)
    if run.first_fired is None and report is None:
        b.note("page", "no alert fired in this run and nobody reported anything; nothing to acknowledge")
        return b.done()
    if run.first_fired is None:
        # Alert-free: a person reported it. Responding is the first thing the trainee did about it.
        return _response_to_report(run, b, report)  # type: ignore[arg-type]
    sev = true_severity_at(run.drill, run.first_fired)
    level = run.drill.policy.level(sev)
    target, hard = level.ack_target, level.hard_limit
    ack = run.ack
    if ack is None:
        b.critical.append("the page was never acknowledged")
        b.note(
            "acknowledge",
            f"never acknowledged; {sev.value} target is {target / 60:g} min from the alert firing",
            1.0,
            None,
            run.first_fired + target,
        )
        return b.done()
    taken = max(0.0, ack - run.first_fired)
    if taken <= target:
        b.note(
            "acknowledge",
            f"acknowledged {taken / 60:.1f} min after the alert fired "
            f"(target {target / 60:g} min for {sev.value})",
            0.0,
            ack,
            run.first_fired + target,
        )
    else:
        lost = min(1.0, (taken - target) / max(hard - target, 1e-9))
        b.note(
            "acknowledge",
            f"acknowledged {taken / 60:.1f} min after the alert fired; {sev.value} target is "
            f"{target / 60:g} min (0 at {hard / 60:g} min)",
            lost,
            ack,
            run.first_fired + target,
        )
    return b.done()


RESPONSE_ACTIONS = (Acknowledge, Judge, Classify, Declare, OpenChannel, Escalate, PostUpdate)


def _response_to_report(run: _Run, b: _Builder, report: float) -> Criterion:
    sev = true_severity_at(run.drill, report)
    level = run.drill.policy.level(sev)
    target, hard = level.ack_target, level.hard_limit
    who = next(i for i in run.drill.scenario.injects if i.kind in REPORT_INJECTS and i.at == report)
    responded = min(
        (t for t, a in run.acts_at() if isinstance(a, RESPONSE_ACTIONS) and t >= report), default=None
    )
    if responded is None:
        b.critical.append(f"nobody responded to {who.author}'s report")
        b.note(
            "response",
            f"no response to {who.author}'s report; {sev.value} target is {target / 60:g} min from the report",
            1.0,
            None,
            report + target,
        )
        return b.done()
    taken = responded - report
    lost = 0.0 if taken <= target else min(1.0, (taken - target) / max(hard - target, 1e-9))
    b.note(
        "response",
        f"responded {taken / 60:.1f} min after {who.author}'s report (no alert fired; "
        f"target {target / 60:g} min for {sev.value}" + (f", 0 at {hard / 60:g} min)" if lost else ")"),
        lost,
        responded,
        report + target,
    )
    return b.done()


# --- 2. real or false positive -------------------------------------------------------------------


def _judgement(run: _Run) -> Criterion:
    b = _Builder(run.drill, "judgement", "Real or false positive")
    truth = "real" if run.drill.scenario.answer.real else "false_positive"
    j = run.first(Judge)
    verdict, at = (j[1].verdict, j[0]) if j else (None, None)
    if verdict is None and run.first(Declare):
        # Declaring an incident is a judgement that it is real.
        at, verdict = run.first(Declare)[0], "real"  # type: ignore[index]
    expected = run.t0 + 120
    if verdict is None:
        b.critical.append("never judged whether the alert was real")
        b.note("judgement", f"no judgement recorded; it was {truth.replace('_', ' ')}", 1.0, None, expected)
    elif verdict != truth:
        b.critical.append(f"judged {verdict.replace('_', ' ')}, it was {truth.replace('_', ' ')}")
        b.note(
            "judgement",
            f"judged {verdict.replace('_', ' ')}; it was {truth.replace('_', ' ')}",
            1.0,
            at,
            expected,
        )
    else:
        b.note("judgement", f"correctly judged {truth.replace('_', ' ')}", 0.0, at, expected)
    return b.done()


# --- 3. severity ----------------------------------------------------------------------------------


def severity_call_score(called: Severity, truth: Severity) -> float:
    """1 − w·(|Δ|/3)², w = 2 for an under-call (less severe than the truth), 1 for an over-call."""
    delta = called.rank - truth.rank
    w = 2.0 if delta > 0 else 1.0
    return max(0.0, 1.0 - w * (abs(delta) / 3.0) ** 2)


def _standing_miscalls(run: _Run, calls: list[tuple[float, Any]]) -> list[str]:
    """Spans where the trainee's standing severity call broke the rules for longer than the policy
    gives to respond (at the more severe of the call and the truth): a CRITICAL handled as HIGH
    (no incident commander, no customer notice) or any call two or more levels off. Each becomes
    a critical item."""
    d = run.drill
    changes = sorted(d.scenario.answer.severity_changes, key=lambda c: c.at)
    marks = sorted({t for t, _ in calls} | {float(c.at) for c in changes if c.at > calls[0][0]})
    out: list[str] = []
    bad_since: float | None = None
    bad_pair: tuple[Severity, Severity] | None = None

    def close(until: float) -> None:
        if bad_since is None or bad_pair is None:
            return
        called, truth = bad_pair
        # The grace to correct a wrong call is the response time of the more severe of the two.
        grace = d.policy.level(min(called, truth, key=lambda sev: sev.rank)).ack_target
        if until - bad_since > grace:
            off = abs(called.rank - truth.rank)
            why = (
                "a CRITICAL handled as HIGH: no incident commander, no customer notice"
                if off == 1
                else f"{off} levels off"
            )
            out.append(
                f"called it {called.value} while it was {truth.value} from {d.hhmm(bad_since)} "
                f"to {d.hhmm(until)} ({why})"
            )

    for i, t in enumerate(marks):
        called = [a for at, a in calls if at <= t][-1].severity
        truth = true_severity_at(d, t)
        off = called.rank - truth.rank
        bad = (truth == Severity.CRITICAL and called == Severity.HIGH) or abs(off) >= 2
        pair = (called, truth) if bad else None
        if pair != bad_pair:
            close(t)
            bad_since, bad_pair = (t, pair) if pair else (None, None)
        if i == len(marks) - 1:
            close(max(run.end, t))
    return out


# A public status page is for incidents customers notice: HIGH and above (the seed's "major").
STATUS_PAGE_FROM = Severity.HIGH
OVER_RESPONSE_PER_LEVEL = 0.1


def _over_response(run: _Run, b: _Builder) -> None:
    """Responding to a LOW as if it were severe costs 0.1 per level between the truth and the
    lowest level that calls for the response: an incident commander on a LOW (IC from CRITICAL:
    3 levels) costs 0.3, a public status page on a LOW (from HIGH: 2 levels) 0.2."""
    d = run.drill
    required_roles = {req.role for req in required_escalations(d)}  # Deadline records (policy.Deadline)
    # A policy that never calls an incident commander: one on a LOW is as far off as it gets.
    ic_from = max(d.policy.incident_commander_levels or {Severity.CRITICAL}, key=lambda s: s.rank)

    def truth_at(t: float) -> Severity:
        return true_severity_at(d, t) if d.scenario.answer.real else Severity.LOW

    ic = next(
        (
            (t, a)
            for t, a in run.of(Escalate)
            if a.role == Role.INCIDENT_COMMANDER and truth_at(t) == Severity.LOW
        ),
        None,
    )
    if ic is not None and Role.INCIDENT_COMMANDER not in required_roles:
        levels = Severity.LOW.rank - ic_from.rank
        b.note(
            "over-escalation",
            f"brought in the incident commander on a LOW (the policy does that from {ic_from.value}, "
            f"{levels} level(s) higher)",
            OVER_RESPONSE_PER_LEVEL * levels,
            ic[0],
            None,
        )
    page = next(((t, a) for t, a in run.of(StatusPage) if truth_at(t) == Severity.LOW), None)
    if page is not None:
        levels = Severity.LOW.rank - STATUS_PAGE_FROM.rank
        b.note(
            "over-escalation",
            f"posted on the public status page for a LOW (status pages are for {STATUS_PAGE_FROM.value} "
            f"and above, {levels} level(s) higher)",
            OVER_RESPONSE_PER_LEVEL * levels,
            page[0],
            None,
        )


def _severity(run: _Run) -> Criterion:
    b = _Builder(run.drill, "severity", "Severity classification")
    d = run.drill
    calls = run.of(Classify)
    if run.first_sign is not None:
        early = [(t, a) for t, a in calls if t < run.first_sign]
        for t, a in early:
            b.note(
                "classify",
                f"classified {a.severity.value} before anything showed an incident (first sign at "
                f"{d.hhmm(run.first_sign)}): a guess earns nothing",
                0.0,
                t,
                run.first_sign,
            )
        calls = [(t, a) for t, a in calls if t >= run.first_sign]
    _over_response(run, b)
    judged_fp = any(a.verdict == "false_positive" for _, a in run.of(Judge))
    if not calls:
        if not d.scenario.answer.real and judged_fp:
            b.note("classify", "judged a false positive: no severity needed (treated as LOW)")
            return b.done()
        b.critical.append("severity was never classified")
        b.note(
            "classify",
            f"never classified; it was {d.scenario.answer.severity.value}",
            1.0,
            None,
            run.t0 + 120,
        )
        return b.done()
    at0, first = calls[0]
    truth0 = true_severity_at(d, at0)
    parts = [severity_call_score(first.severity, truth0)]
    kind = (
        "under-call"
        if first.severity.rank > truth0.rank
        else "over-call"
        if first.severity.rank < truth0.rank
        else ""
    )
    b.note(
        "classify",
        f"classified {first.severity.value}; it was {truth0.value}"
        + (f" ({kind})" if kind else "")
        + policy_reason_note(d, at0),
        0.0,
        at0,
        run.t0 + 120,
    )
    for ch in sorted(d.scenario.answer.severity_changes, key=lambda c: c.at):
        later = [(t, a) for t, a in calls if t >= ch.at and a.severity == ch.severity]
        level = d.policy.level(ch.severity)
        target, hard = level.ack_target, level.hard_limit
        if not later:
            parts.append(0.0)
            b.note(
                "reclassify",
                f"severity became {ch.severity.value} ({ch.reason or 'the impact changed'}); "
                "never re-classified",
                0.0,
                None,
                ch.at + target,
            )
            continue
        took = later[0][0] - ch.at
        credit = 1.0 if took <= target else max(0.0, 1.0 - (took - target) / max(hard - target, 1e-9))
        parts.append(credit)
        b.note(
            "reclassify",
            f"re-classified to {ch.severity.value} {took / 60:.1f} min after it changed",
            0.0,
            later[0][0],
            ch.at + target,
        )
    for item in _standing_miscalls(run, calls):
        b.critical.append(item)
    final = sum(parts) / len(parts)
    if final < 1.0:
        b.note(
            "severity",
            "severity score 1 − w·(Δ/3)² per call, under-calls weighted double; "
            "re-classifications credited by how quickly they came",
            1.0 - final,
        )
    return b.done()


# --- 4. escalation --------------------------------------------------------------------------------


def open_until(run: _Run) -> float:
    """When the trainee's incident stopped being open: their first resolve, else the drill's end."""
    resolved = run.first(Resolve)
    return resolved[0] if resolved else run.end


def severity_levels(drill: Drill, t0: float) -> list[tuple[float, Severity]]:
    """The answer's level over time for deadline clocks: the first from `t0` (the first alert or
    report), each re-classification from its own moment — never from the first alert of any level."""
    return answer_levels(drill.scenario, t0)


def policy_reason_note(drill: Drill, at: float) -> str:
    """Why the answer's level at `at` is what it is, when the scenario names a policy clause
    (`severity_reason`): the classifier alone would say otherwise, so the trainee is shown the rule."""
    ans = drill.scenario.answer
    reason = ans.severity_reason
    for ch in sorted(ans.severity_changes, key=lambda c: c.at):
        if ch.at <= at:
            reason = ch.severity_reason
    found = drill.policy.clause(reason) if reason else None
    return f" — policy: {found[2]} ({found[1]})" if found else ""


def required_escalations(drill: Drill, t0: float = 0.0, until: float | None = None) -> list[Deadline]:
    """Who must be brought in and by when (offsets from the scenario start): the policy's own
    requirements for this incident's levels, security and customer notice, tightened (never
    loosened) by the scenario's `answer.escalations`, whose `within` runs from `t0`.

    `until` is when the incident stopped being open (None: the whole scenario), which decides
    whether a HIGH's "customers told if longer than 30 min" — and so the manager — applies.
    """
    return escalation_deadlines(drill.scenario, drill.policy, t0, until)


def _escalation(run: _Run) -> Criterion:
    b = _Builder(run.drill, "escalation", "Escalation")
    calls = run.of(Escalate)
    req = required_escalations(run.drill, run.t0, open_until(run))
    if req:
        share = 1.0 / len(req)
        for d in req:
            role = d.role
            assert role is not None
            due = d.due
            hit = next((t for t, a in calls if a.role == role and t >= d.since - 1e-9), None)
            hit = hit if hit is not None else next((t for t, a in calls if a.role == role), None)
            why = f"{d.reason}; {d.clause}"
            if hit is None:
                if role == Role.SECURITY_LEAD:
                    b.critical.append("the security lead was never called on a security incident")
                b.note(role.value, f"{role.title} never called ({why})", share, None, due)
            elif hit > due + 1e-9:
                b.note(role.value, f"{role.title} called late ({why})", share * 0.5, hit, due)
            else:
                b.note(role.value, f"{role.title} called in time", 0.0, hit, due)
    needed = {d.role for d in req}
    seen: set[Role] = set()
    for t, a in calls:
        if a.role in needed or a.role in seen:
            continue
        seen.add(a.role)
        b.note(a.role.value, f"unnecessary escalation to the {a.role.title}", 0.1, t, None)
    if not req and not calls:
        b.note("escalation", "no escalation was needed and none was made")
    return b.done()


# --- 5. communication -----------------------------------------------------------------------------


# The update rubric (impact, current action, next update, no blame, no internals in public) lives
# in `simulator.update_rubric`, where the drill page and the CLI read the same words.
update_content_gaps = _rubric.update_content_gaps


def _communication(run: _Run) -> Criterion:
    b = _Builder(run.drill, "communication", "Communication")
    d = run.drill
    ans = d.scenario.answer
    worst = min([ans.severity, *(c.severity for c in ans.severity_changes)], key=lambda s: s.rank)
    major = ans.real and worst.rank <= Severity.HIGH.rank
    updates_needed = ans.real and worst.rank <= Severity.MEDIUM.rank
    policy = d.policy
    update_max = policy.communication.update_cadence_max
    ack_or_fire = run.ack if run.ack is not None else run.t0

    # Channel.
    channels = run.of(OpenChannel)
    for t, a in channels:
        day = d.wall(t).date()
        well_named, problem = policy.check_channel_name(a.name, day)
        if not well_named:
            b.note(
                "channel",
                f"channel {a.name}: {problem}; expected {policy.incident_channel_name(day, 1)}",
                0.2,
                t,
                None,
            )
        else:
            b.note("channel", f"opened {a.name}", 0.0, t, None)
    if major and not channels:
        b.note(
            "channel",
            f"no incident channel opened (expected {policy.incident_channel_name(d.wall(run.t0).date(), 1)})",
            0.25,
            None,
            ack_or_fire + update_max,
        )

    # First update and cadence.
    updates = run.of(PostUpdate)
    resolved = run.first(Resolve)
    stop = resolved[0] if resolved else run.end
    if updates_needed:
        due = ack_or_fire + update_max
        if not updates:
            b.note("first update", "no internal update posted", 0.3, None, due)
        elif updates[0][0] > due:
            b.note("first update", "first internal update was late", 0.15, updates[0][0], due)
        else:
            b.note("first update", "first internal update in time", 0.0, updates[0][0], due)
    if major and updates:
        # The resolution announcement is an update in the channel too.
        said = [*updates, *run.of(AnnounceResolution)]
        times = sorted(t for t, _ in said if t <= stop) or [updates[0][0]]
        start = times[0]
        windows = max(1, int((stop - start) // update_max) + (1 if (stop - start) % update_max else 0))
        covered = sum(
            1
            for i in range(windows)
            if any(start + i * update_max <= t < start + (i + 1) * update_max for t in times)
        )
        share = covered / windows
        gaps = [(b2 - a2, a2) for a2, b2 in zip([*times], [*times[1:], stop], strict=True)]
        gap, gap_at = max(gaps) if gaps else (0.0, start)
        ded = round(0.2 * (1 - share), 4)
        b.note(
            "cadence",
            f"{covered} of {windows} update windows ({update_max / 60:g} min) had an update; "
            f"largest gap {gap / 60:.1f} min",
            ded,
            gap_at + gap if ded else None,
            gap_at + update_max if ded else None,
        )
    if updates_needed and updates:
        ok = 0
        for t, a in updates:
            problems = _rubric.rubric_problems(a.text)
            if problems:
                b.note("update content", f"update {'; '.join(problems)}", 0.0, t, None)
            else:
                ok += 1
        share = ok / len(updates)
        if share < 1:
            b.note(
                "update content",
                f"{ok} of {len(updates)} updates meet the update rubric (impact, current action, "
                "next update time, no blame)",
                round(0.15 * (1 - share), 4),
            )

    # Customer notification.
    notices = run.of(NotifyCustomers)
    cn = ans.customer_notification
    # The policy decides when customers must be told (a HIGH left open past its limit needs a
    # notice too); a scenario may only require it sooner.
    policy_notice = customer_notice_deadline(d.policy, severity_levels(d, run.t0), open_until(run))
    due_at: list[float] = [policy_notice.due] if policy_notice else []
    why = policy_notice.reason if policy_notice else ""
    if cn and cn.required:
        scenario_due = run.t0 + (cn.within if cn.within is not None else policy.customer_notice_within(worst))
        if not due_at or scenario_due < due_at[0]:
            due_at, why = [scenario_due], "the scenario requires a customer notice"
    required = bool(due_at)
    if required:
        due = due_at[0]
        if not notices:
            b.critical.append("customers were never notified though the policy requires it")
            b.note(
                "customer notification",
                f"no customer notification ({why}; due {(due - run.t0) / 60:g} min after the first alert)",
                0.3,
                None,
                due,
            )
        elif notices[0][0] > due:
            b.note("customer notification", "customer notification sent late", 0.15, notices[0][0], due)
        else:
            b.note("customer notification", "customers notified in time", 0.0, notices[0][0], due)
    elif notices and not ans.real:
        b.note(
            "customer notification",
            "customers were told about an incident that was not real",
            0.1,
            notices[0][0],
            None,
        )

    # Status page.
    pages = run.of(StatusPage)
    if major and not pages:
        b.note("status page", "the status page was never updated", 0.1, None, ack_or_fire + update_max)
    ranks = [STATUS_ORDER.index(a.status) for _, a in pages]
    for (t, a), prev in zip(pages[1:], ranks, strict=False):
        if STATUS_ORDER.index(a.status) < prev:
            b.note("status page", f"status page went back to {a.status}", 0.1, t, None)
            break
    if major and pages and resolved and pages[-1][1].status != "Resolved":
        b.note("status page", "resolved, but the status page never said Resolved", 0.05, resolved[0], None)
    _public_messages(run, b)
    _bridge_call(run, b)
    _resolution_steps(run, b)
    return b.done()


# The seed's phase 1 ("Detection & Initial Response, 0-5 minutes") includes joining the call.
BRIDGE_JOIN_WITHIN = 300.0
# "Issue resolved at HH:MM UTC" may name any minute from the fix to the announcement, give or take.
ANNOUNCED_TIME_SLACK = 120.0


def resolution_pattern(template: str) -> re.Pattern[str]:
    """The policy's announcement ("Issue resolved at HH:MM UTC") as a pattern; HH:MM is captured."""
    body = re.escape(template.strip()).replace(re.escape("HH:MM"), r"(\d{1,2}):(\d{2})")
    return re.compile(r"\s+".join(body.split(r"\ ")), re.I)


def _public_messages(run: _Run, b: _Builder) -> None:
    """The status page and customer e-mails: no blame and no internal detail (update rubric)."""
    public = [(t, "status page", a.message) for t, a in run.of(StatusPage) if a.message]
    public += [(t, "customer e-mail", f"{a.subject}\n{a.body}") for t, a in run.of(NotifyCustomers)]
    lost = 0.0
    for t, where, text in public:
        problems = [p for p in _rubric.rubric_problems(text, public=True) if not p.startswith("leaves out")]
        if problems:
            ded = min(0.05, max(0.0, 0.1 - lost))
            lost += ded
            b.note("public message", f"{where}: {'; '.join(problems)}", ded, t, None)


def _bridge_call(run: _Run, b: _Builder) -> None:
    """CRITICAL: the incident commander calls a bridge; the on-call joins it and speaks a status
    update every `bridge_update_cadence` (5 min) while it is ongoing."""
    became = critical_from(run.drill)
    if became is None:
        return
    comm = run.drill.policy.communication
    due = max(run.t0, became) + BRIDGE_JOIN_WITHIN
    joined = run.first(JoinBridge)
    if joined is None:
        b.note("bridge call", "never joined the bridge call a CRITICAL incident needs", 0.1, None, due)
        return
    if joined[0] > due:
        b.note("bridge call", "joined the bridge call late", 0.05, joined[0], due)
    else:
        b.note("bridge call", "joined the bridge call in time", 0.0, joined[0], due)
    resolved = run.first(Resolve)
    stop = resolved[0] if resolved else run.end
    every = comm.bridge_update_cadence
    times = [t for t, _ in run.of(BridgeUpdate) if joined[0] <= t <= stop]
    # Every stretch longer than the cadence without a bridge update is a missed update.
    marks = [joined[0], *times, stop]
    gaps = [(b2 - a2, a2) for a2, b2 in pairwise(marks)]
    expected = max(1, int((stop - joined[0]) // every))
    missed = min(expected, sum(int(g // every) for g, _ in gaps))
    gap, gap_at = max(gaps)
    ded = round(0.1 * missed / expected, 4)
    b.note(
        "bridge updates",
        f"{len(times)} bridge updates; {missed} of {expected} expected every {every / 60:g} min were missed "
        f"(largest gap {gap / 60:.1f} min)",
        ded,
        gap_at + gap if ded else None,
        gap_at + every if ded else None,
    )


def _resolution_steps(run: _Run, b: _Builder) -> None:
    """The seed's phase 4: wait for the metrics to confirm, announce "Issue resolved at HH:MM UTC",
    then watch for a relapse (30 min) before standing down."""
    d = run.drill
    if not d.scenario.answer.real:
        return
    comm = d.policy.communication
    announced = run.first(AnnounceResolution)
    fixes = [t for t, _ in run.of(Mitigate)]
    if announced is None:
        b.note("resolution announcement", f'never announced "{comm.resolution_announcement}"', 0.1)
    else:
        at, a = announced
        m = resolution_pattern(comm.resolution_announcement).search(a.text)
        verified = [t for t, _ in run.of(Verify) if t >= (max(fixes) if fixes else 0.0) and t <= at]
        if not m:
            b.note(
                "resolution announcement",
                f'the announcement does not say "{comm.resolution_announcement}": {a.text[:80]!r}',
                0.05,
                at,
                None,
            )
        else:
            named = d.wall(0).replace(hour=int(m.group(1)) % 24, minute=int(m.group(2)) % 60, second=0)
            off = (named - d.wall(0)).total_seconds()
            low = (min(fixes) if fixes else 0.0) - ANNOUNCED_TIME_SLACK
            if not low <= off <= at + ANNOUNCED_TIME_SLACK:
                b.note(
                    "resolution announcement",
                    f"announced resolution at {m.group(1)}:{m.group(2)} UTC, a time outside the fix "
                    f"({d.hhmm(max(0.0, low + ANNOUNCED_TIME_SLACK))}) to the announcement",
                    0.05,
                    at,
                    None,
                )
            else:
                b.note("resolution announcement", f"announced: {a.text[:80]}", 0.0, at, None)
        confirm_due = verified[0] + comm.confirm_before_announcing if verified else None
        if confirm_due is None or at + 1e-6 < confirm_due:
            b.note(
                "wait for confirmation",
                f"announced without waiting {comm.confirm_before_announcing / 60:g} min after verifying "
                "recovery for the metrics to confirm it",
                0.05,
                at,
                confirm_due,
            )
    watch = run.first(Watch)
    need = comm.monitor_after_resolution
    if watch is None:
        b.note("watch", f"no {need / 60:g}-min watch for a relapse before standing down", 0.1)
    else:
        at, w = watch
        if w.minutes * 60 < need:
            b.note("watch", f"watched {w.minutes} min; the policy asks {need / 60:g} min", 0.05, at, None)
        elif announced is not None and at < announced[0]:
            b.note("watch", "stood down to watch before announcing the resolution", 0.05, at, announced[0])
        else:
            b.note("watch", f"watched {w.minutes} min for a relapse", 0.0, at, None)


# --- 6. diagnosis and mitigation ------------------------------------------------------------------


def _diagnosis(run: _Run, w: World) -> Criterion:
    b = _Builder(run.drill, "diagnosis", "Diagnosis and mitigation")
    d = run.drill
    ans = d.scenario.answer
    diag = ans.diagnosis
    seen_at = run.cause_seen

    def guessed(t: float) -> bool:
        return seen_at is not None and t < seen_at

    hyps = run.of(Hypothesis)
    if diag is not None:
        for t, a in hyps:
            if guessed(t):
                b.note(
                    "hypothesis",
                    f"hypothesis {a.option!r} came before any evidence of the cause was on screen "
                    f"(first at {d.hhmm(seen_at)}): a guess earns nothing",  # type: ignore[arg-type]
                    0.0,
                    t,
                    seen_at,
                )
        hyps = [(t, a) for t, a in hyps if not guessed(t)]
        if not hyps:
            b.note(
                "hypothesis",
                "no root-cause hypothesis recorded after the evidence appeared",
                0.3,
                None,
                seen_at,
            )
        elif hyps[0][1].option == diag.correct:
            b.note("hypothesis", f"hypothesis {hyps[0][1].option!r} was right", 0.0, hyps[0][0], None)
        elif any(a.option == diag.correct for _, a in hyps):
            t = next(t for t, a in hyps if a.option == diag.correct)
            b.note(
                "hypothesis",
                f"first hypothesis {hyps[0][1].option!r} was wrong; corrected later",
                0.1,
                t,
                None,
            )
        else:
            b.note("hypothesis", f"hypothesis {hyps[-1][1].option!r} was wrong", 0.3, hyps[-1][0], None)
        looked = {a.console for _, a in run.of(Look)}
        wanted = list(dict.fromkeys(diag.evidence))
        if wanted:
            seen = [c for c in wanted if c in looked]
            missing = [c for c in wanted if c not in looked]
            ded = round(0.15 * len(missing) / len(wanted), 4)
            b.note(
                "evidence",
                f"looked at {', '.join(seen) or 'none'} of {', '.join(wanted)}"
                + (f"; missed {', '.join(missing)}" if missing else ""),
                ded,
            )
    mitigations = run.of(Mitigate)
    correct = [m for m in ans.mitigations if m.outcome == "correct"]
    applied_correct = [
        (t, a) for t, a in mitigations if (m := d.mitigation(a.mitigation)) and m.outcome == "correct"
    ]
    if correct:
        earned = [(t, a) for t, a in applied_correct if not guessed(t)]
        if earned:
            b.note(
                "mitigation",
                f"applied {d.mitigation(earned[0][1].mitigation).label}",  # type: ignore[union-attr]
                0.0,
                earned[0][0],
                None,
            )
        elif applied_correct:
            t, a = applied_correct[0]
            b.note(
                "mitigation",
                f"applied {d.mitigation(a.mitigation).label} before any evidence pointed to it "  # type: ignore[union-attr]
                f"(first at {d.hhmm(seen_at)}): a guess earns nothing",  # type: ignore[arg-type]
                0.35,
                t,
                seen_at,
            )
        else:
            if ans.real:
                b.critical.append(
                    f"the fix was never applied ({correct[0].label}): the incident was never repaired"
                )
            b.note("mitigation", f"the fix was never applied ({correct[0].label})", 0.35)
    for t, a in mitigations:
        m = d.mitigation(a.mitigation)
        if m is not None and m.outcome == "harmful":
            b.critical.append(f"harmful mitigation: {m.label}")
            b.note("harmful mitigation", f"{m.label} — {m.explanation}", 0.3, t, None)
    _verification(run, b, w, mitigations)
    return b.done()


def _verification(run: _Run, b: _Builder, w: World, mitigations: list[tuple[float, Any]]) -> None:
    """Resolve and verify judged against the world: resolving while the incident still shows
    (alerts firing, metrics it moves not back to normal, in the trainee's own run) fails the
    drill; verification credit needs a look at the metrics after they recovered, whatever the
    trainee typed in "verify"."""
    d = run.drill
    resolved = run.first(Resolve)
    if resolved is None:
        b.note("verify", "the incident was never resolved", 0.2)
        return
    rt = resolved[0]
    still = unrecovered_at(d, w, rt)
    if still:
        if d.scenario.answer.real:
            # A false positive has no incident to leave unrepaired: closing it early costs credit only.
            b.critical.append(f"resolved at {d.hhmm(rt)} while the incident still showed: {'; '.join(still)}")
        b.note("resolve", f"resolved while the incident still showed: {'; '.join(still)}", 0.2, rt, None)
        return
    last_fix = max((t for t, _ in mitigations), default=run.first_sign or 0.0)
    back = recovered_from(d, w, last_fix)
    back_at = "—" if back is None else d.hhmm(back)
    looks = [
        t for t, a in run.of(Look) if a.console in METRIC_CONSOLES and back is not None and back <= t <= rt
    ]
    claims = [t for t, _ in run.of(Verify) if t <= rt]
    if looks:
        b.note(
            "verify",
            f"looked at the {METRIC_CONSOLES[0]} after the metrics recovered at {back_at} "
            "and before resolving",
            0.0,
            looks[0],
            back,
        )
    elif claims:
        b.note(
            "verify",
            "said recovery was verified, but never looked at the "
            f"{METRIC_CONSOLES[0]} after the metrics recovered at {back_at}",
            0.2,
            claims[-1],
            back,
        )
    else:
        b.note(
            "verify",
            f"resolved without looking at the {METRIC_CONSOLES[0]} after the metrics recovered at {back_at}",
            0.2,
            rt,
            back,
        )


# --- 7. post-incident report ----------------------------------------------------------------------


# Each wrong header fact (id, severity, start, end, duration, impact) costs this much, up to the cap.
REPORT_FACT_DEDUCTION = 0.1
REPORT_FACTS_CAP = 0.4


def _report(run: _Run) -> Criterion:
    b = _Builder(run.drill, "report", "Post-incident report")
    reports = run.of(WriteReport)
    if not reports:
        if not run.drill.scenario.answer.real:
            b.note("report", "no post-incident report needed for a false positive")
        else:
            b.note("report", "no post-incident report written", 1.0)
        return b.done()
    t, rep = reports[-1]
    check = check_report(run.drill, run.events, rep.markdown)
    if check.missing_sections:
        b.note(
            "sections",
            f"missing or empty: {', '.join(check.missing_sections)}",
            round(0.4 * len(check.missing_sections) / max(check.section_count, 1), 4),
            t,
            None,
        )
    else:
        b.note("sections", "every required section is present", 0.0, t, None)
    if not check.timeline:
        b.note("timeline", "the timeline has no entries", 0.3)
    else:
        bad = [e for e in check.timeline if not e.matched]
        for e in bad:
            b.note(
                "timeline",
                f"'{e.written} - {e.text}': {e.why or 'matches nothing in the log within ±2 min'}",
                0.0,
                e.offset,
                e.nearest,
            )
        if bad:
            b.note(
                "timeline",
                f"{len(bad)} of {len(check.timeline)} timeline entries match no recorded event",
                round(0.3 * len(bad) / len(check.timeline), 4),
            )
    # Header facts against the simulation and the log: each wrong one costs, up to a cap.
    lost = 0.0
    for f in check.facts:
        if f.ok:
            b.note("facts", f"{f.field}: {f.written} — matches the run", 0.0)
            continue
        ded = min(REPORT_FACT_DEDUCTION, max(0.0, REPORT_FACTS_CAP - lost))
        lost += ded
        b.note("facts", f"{f.field}: {f.written!r} — {f.why}", ded)
    # A report is the record: stating an action nobody took is a critical failure, not a typo.
    for c in check.false_claims:
        b.critical.append(f"the report claims {c.claim}; {c.why}")
        b.note("false claim", f"'{c.line[:160]}' — {c.why}", 0.15)
    for m in check.missing_meetings:
        b.note("meetings", m, 0.1)
    if not check.action_items:
        b.note("action items", "no follow-up action items", 0.3)
    else:
        bad_items = [i for i in check.action_items if not (i.owner and i.due)]
        for i in bad_items:
            b.note(
                "action items",
                f"'{i.text}' lacks "
                + " and ".join(x for x, v in (("an owner", i.owner), ("a due date", i.due)) if not v),
            )
        if bad_items:
            b.note(
                "action items",
                f"{len(bad_items)} of {len(check.action_items)} action items lack an owner or due date",
                round(0.3 * len(bad_items) / len(check.action_items), 4),
            )
    return b.done()
