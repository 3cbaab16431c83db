"""Alerting and recording rules evaluated with Prometheus 2.42's state machine, tick by tick.

Owns the `for` / `keep_firing_for` state machine (pending, firing, resolved), alert labels and
annotations, the ALERTS / ALERTS_FOR_STATE series and recording-rule output (with staleness
markers when a series disappears), and the resulting `AlertTimeline`. Rules are evaluated one at a
time over all ticks (numpy), in group order, so a recording rule feeds the rules after it; when a
rule reads something produced by itself or a later rule, evaluation falls back to a per-tick loop
that is a direct transcription of `rules/alerting.go`. Routing and notifications live elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from . import promql
from .promql.evaluator import EvaluationError, RawSeries, Storage, VSeries, evaluate_storage, make_labels
from .promql.parser import VectorSelector
from .rules import AlertingRule, RecordingRule, RuleGroup
from .templating import expand

INACTIVE, PENDING, FIRING = 0, 1, 2
STATE_NAMES = {INACTIVE: "inactive", PENDING: "pending", FIRING: "firing"}
Labels = tuple[tuple[str, str], ...]


class RuleEvaluationError(Exception):
    """A rule failed at a tick (Prometheus logs it and promtool stops the test there)."""

    def __init__(self, rule: str, at: float, message: str):
        self.rule = rule
        self.at = at
        self.message = message
        super().__init__(f"rule {rule!r} at {at:g}s: {message}")


class Episode(NamedTuple):
    """One life of an alert: pending from `pending_at`, firing from `firing_at` (None if it never
    fired), over at `resolved_at` (None if still active when evaluation ended). Seconds offsets.
    A named tuple rather than a dataclass: a flapping day of alerts makes tens of thousands."""

    pending_at: float
    firing_at: float | None
    resolved_at: float | None
    value_at_firing: float
    annotations: dict[str, str]


@dataclass(frozen=True)
class Transition:
    """A state change. `state` is pending, firing, resolved (was firing) or inactive (a pending
    alert dropped before it fired)."""

    at: float
    alertname: str
    labels: dict[str, str]
    state: str
    value: float
    annotations: dict[str, str]


Span = tuple[int, int | None, int | None]  # an episode as tick indices: (pending, firing, resolved)


@dataclass(eq=False)
class AlertHistory:
    """Everything one alert (rule name + labels) did over the evaluation ticks.

    `episodes` and `annotations` are built on first use from the spans: a flapping day makes tens
    of thousands of episodes, and `firedrill rules-test` only ever asks for states at a few ticks."""

    name: str
    labels: dict[str, str]
    spans: list[Span] = field(repr=False)
    ticks: np.ndarray = field(repr=False)  # seconds
    states: np.ndarray = field(repr=False)  # int8 per tick: INACTIVE / PENDING / FIRING
    values: np.ndarray = field(repr=False)  # value of the latest evaluation that returned the alert
    _render: Any = field(default=None, repr=False)  # tick index -> annotations

    @cached_property
    def episodes(self) -> list[Episode]:
        at, value, render = self.ticks.tolist(), self.values.tolist(), self._render
        return [
            Episode(
                at[s],
                None if f is None else at[f],
                None if r is None else at[r],
                float("nan") if f is None else value[f],
                {} if f is None else render(f),
            )
            for s, f, r in self.spans
        ]

    @cached_property
    def annotations(self) -> dict[str, str]:
        """As the alert first fired (or, if it never fired, as it first went pending)."""
        fired = next((f for _, f, _ in self.spans if f is not None), None)
        if fired is not None:
            return self._render(fired)
        return self._render(self.spans[0][0]) if self.spans else {}

    def _index(self, t: float) -> int:
        return int(np.searchsorted(self.ticks, t + 1e-9, side="right")) - 1

    def state_at(self, t: float) -> str:
        """State after the last evaluation at or before `t` (inactive before the first)."""
        i = self._index(t)
        return "inactive" if i < 0 else STATE_NAMES[int(self.states[i])]

    def value_at(self, t: float) -> float:
        i = self._index(t)
        return float("nan") if i < 0 or self.states[i] == INACTIVE else float(self.values[i])

    def annotations_at(self, t: float) -> dict[str, str]:
        i = self._index(t)
        if i < 0 or self.states[i] == INACTIVE:
            return {}
        return self._render(i)

    @property
    def key(self) -> tuple[str, Labels]:
        return self.name, tuple(sorted(self.labels.items()))


@dataclass(eq=False)
class AlertTimeline:
    alerts: list[AlertHistory]
    ticks: np.ndarray  # evaluation offsets, seconds
    storage: Storage | None = field(default=None, repr=False)  # inputs + recorded + ALERTS series
    start: Any = None  # datetime of offset 0, when known

    def transitions(self) -> list[Transition]:
        out: list[Transition] = []
        for a in self.alerts:
            for ep in a.episodes:
                if ep.firing_at is None or ep.firing_at > ep.pending_at:
                    out.append(
                        Transition(
                            ep.pending_at,
                            a.name,
                            a.labels,
                            "pending",
                            a.value_at(ep.pending_at),
                            a.annotations_at(ep.pending_at),
                        )
                    )
                if ep.firing_at is not None:
                    out.append(
                        Transition(
                            ep.firing_at, a.name, a.labels, "firing", ep.value_at_firing, ep.annotations
                        )
                    )
                if ep.resolved_at is not None:
                    before = ep.resolved_at - 1e-6
                    out.append(
                        Transition(
                            ep.resolved_at,
                            a.name,
                            a.labels,
                            "resolved" if ep.firing_at is not None else "inactive",
                            a.value_at(before),
                            a.annotations_at(before),
                        )
                    )
        out.sort(key=lambda tr: (tr.at, tr.alertname, sorted(tr.labels.items()), tr.state))
        return out

    def firing_at(self, t: float) -> list[AlertHistory]:
        return [a for a in self.alerts if a.state_at(t) == "firing"]

    def pending_at(self, t: float) -> list[AlertHistory]:
        return [a for a in self.alerts if a.state_at(t) == "pending"]

    def first_firing(self) -> float | None:
        times = [ep.firing_at for a in self.alerts for ep in a.episodes if ep.firing_at is not None]
        return min(times) if times else None

    def by_name(self, name: str) -> list[AlertHistory]:
        return [a for a in self.alerts if a.name == name]

    def wall_time(self, offset: float):
        return None if self.start is None else self.start + timedelta(seconds=float(offset))


# --- dependency analysis ------------------------------------------------------------------------


def _produces(rule: AlertingRule | RecordingRule) -> set[str]:
    return {rule.record} if isinstance(rule, RecordingRule) else {"ALERTS", "ALERTS_FOR_STATE"}


def _selector_reads(sel: VectorSelector, name: str) -> bool:
    name_matchers = [m for m in sel.matchers if m.name == "__name__"]
    return all(m.matches(name) for m in name_matchers)


def needs_sequential(rules: Sequence[AlertingRule | RecordingRule]) -> bool:
    """True if a rule reads what it or a later rule produces: then only per-tick order is exact."""
    for i, rule in enumerate(rules):
        later = set().union(*(_produces(r) for r in rules[i:]))
        for sel in promql.parse(rule.expr).selectors:
            if any(_selector_reads(sel, name) for name in later):
                return True
    return False


# --- the state machine, vectorised ------------------------------------------------------------


def _runs(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prev = np.concatenate([[False], p[:-1]])
    nxt = np.concatenate([p[1:], [False]])
    return np.flatnonzero(p & ~prev), np.flatnonzero(p & ~nxt)


def alert_states(
    present: np.ndarray, ticks_ms: np.ndarray, for_ms: int, keep_firing_ms: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int | None, int | None]]]:
    """States per tick, ActiveAt per tick (ms, -1 when inactive) and episodes (start, fire, end) as
    tick indices, for an alert whose expression returned it at the ticks in `present`.

    Pending at the first tick it is returned; firing at the first tick with tick - active_at >= for;
    one tick without it drops a pending alert and resolves a firing one, unless keep_firing_for
    holds it: it stays firing while tick - first_missing_tick < keep_firing_for.
    """
    n = len(present)
    states = np.zeros(n, np.int8)
    active = np.full(n, -1, np.int64)
    starts, ends = _runs(present)  # runs of consecutive ticks that returned the alert
    runs = len(starts)
    if not runs:
        return states, active, []
    order = np.arange(runs)
    fires = np.searchsorted(ticks_ms, ticks_ms[starts] + for_ms, side="left")  # where each run would fire
    fired = fires <= ends
    gaps = ends + 1  # first tick without the alert after each run (n: none before the end)
    expiries = gaps
    if keep_firing_ms > 0:
        expiries = np.searchsorted(ticks_ms, ticks_ms[np.minimum(gaps, n - 1)] + keep_firing_ms, side="left")
    # A firing alert held by keep_firing_for carries on into the next run when that run starts
    # before the hold expires: such runs form a chain. In a chain, each run before the first one
    # that fires is a pending episode of its own; from that run on, the chain is one firing episode.
    linked = np.zeros(runs, bool)
    linked[:-1] = starts[1:] <= expiries[:-1]
    heads = np.concatenate([[True], ~linked[:-1]])
    chain_heads, chain = np.flatnonzero(heads), np.cumsum(heads) - 1
    first_fired = np.minimum.reduceat(np.where(fired, order, runs), chain_heads)[chain]
    chain_last = np.concatenate([chain_heads[1:] - 1, [runs - 1]])[chain]
    opening = np.flatnonzero(order <= first_fired)  # runs that open an episode
    firing = opening == first_fired[opening]
    last = np.where(firing, chain_last[opening], opening)  # the episode's last run
    end = np.where(firing & (gaps[last] < n), expiries[last], gaps[last])  # first tick after the episode
    ep_start, ep_fire = starts[opening], fires[opening]
    # paint the spans: +1 where an episode (or its firing part) begins, -1 where it ends
    inside = np.zeros(n + 1, np.int32)
    inside[ep_start] += 1
    inside[end] -= 1
    in_episode = np.cumsum(inside[:n]) > 0
    hot = np.zeros(n + 1, np.int32)
    hot[ep_fire[firing]] += 1
    hot[end[firing]] -= 1
    states[in_episode] = PENDING
    states[np.cumsum(hot[:n]) > 0] = FIRING
    began = np.zeros(n, bool)
    began[ep_start] = True
    active[in_episode] = ticks_ms[ep_start][np.cumsum(began) - 1][in_episode]
    episodes = [
        (s, f if is_firing else None, e if e < n else None)
        for s, f, e, is_firing in zip(
            ep_start.tolist(), ep_fire.tolist(), end.tolist(), firing.tolist(), strict=True
        )
    ]
    return states, active, episodes


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _AlertSeries:
    """One alert identity's inputs: where the expression returned it, the value and source labels."""

    labels: Labels  # alert labels (with alertname)
    p: np.ndarray
    v: np.ndarray
    src: np.ndarray  # per tick: index into `sources` of the expression series (for $labels), -1 if none
    sources: list[Labels] = field(default_factory=list)

    def source_at(self, i: int) -> Labels | None:
        k = int(self.src[i])
        return self.sources[k] if k >= 0 else None


def _written(labels: Labels, mask: np.ndarray, values: np.ndarray, ticks_ms: np.ndarray) -> RawSeries | None:
    """Samples a rule writes for one output series: a sample where present, a staleness marker
    at the first tick it is missing again."""
    prev = np.concatenate([[False], mask[:-1]])
    stale = ~mask & prev
    keep = mask | stale
    if not keep.any():
        return None
    v = np.where(mask, values, np.nan)
    return RawSeries(labels, ticks_ms[keep], v[keep], stale[keep])


class _Engine:
    def __init__(
        self,
        storage: Storage,
        ticks_ms: np.ndarray,
        external_labels: dict[str, str],
        external_url: str,
        epoch_s: float,
    ):
        self.storage = storage
        self.ticks_ms = ticks_ms
        self.external_labels = external_labels
        self.external_url = external_url
        self.epoch_s = epoch_s
        self.histories: list[AlertHistory] = []

    def _expand(self, text: str, src: Labels | None, value: float) -> str:
        return expand(
            text, dict(src or ()), value, external_labels=self.external_labels, external_url=self.external_url
        )

    def _query(self, rule, ticks_ms: np.ndarray) -> list[VSeries]:
        try:
            value = evaluate_storage(rule.expr, self.storage, ticks_ms)
        except EvaluationError as exc:
            raise RuleEvaluationError(_rule_name(rule), exc.at_ms / 1000, exc.message) from None
        if isinstance(value, promql.evaluator.ScalarValue):
            return [VSeries((), value.v, np.ones(len(ticks_ms), bool))]
        return value

    def recording(self, rule: RecordingRule) -> None:
        out: dict[Labels, VSeries] = {}
        for s in self._query(rule, self.ticks_ms):
            d = dict(s.labels)
            d["__name__"] = rule.record
            d.update(rule.labels)
            labels = make_labels(d)
            prev = out.get(labels)
            if prev is not None:
                both = prev.p & s.p
                if both.any():
                    raise RuleEvaluationError(
                        rule.record,
                        self.ticks_ms[np.flatnonzero(both)[0]] / 1000,
                        "vector contains metrics with the same labelset after applying rule labels",
                    )
                s = VSeries(labels, np.where(s.p, s.v, prev.v), prev.p | s.p)
            out[labels] = VSeries(labels, s.v, s.p)
        for labels, s in out.items():
            raw = _written(labels, s.p, s.v, self.ticks_ms)
            if raw is not None:
                self.storage.add(raw)

    def alert_inputs(self, rule: AlertingRule) -> list[_AlertSeries]:
        n = len(self.ticks_ms)
        templated = any("{{" in v for v in rule.labels.values())
        by_identity: dict[Labels, _AlertSeries] = {}
        for s in self._query(rule, self.ticks_ms):
            base = dict(s.labels)
            base.pop("__name__", None)
            if templated:
                idx_by_identity: dict[Labels, list[int]] = {}
                for i in np.flatnonzero(s.p):
                    d = dict(base)
                    for k, tmpl in rule.labels.items():
                        d[k] = self._expand(tmpl, s.labels, float(s.v[i]))
                    d["alertname"] = rule.alert
                    idx_by_identity.setdefault(make_labels(d), []).append(int(i))
                parts = []
                for ident, idx in idx_by_identity.items():
                    p = np.zeros(n, bool)
                    p[idx] = True
                    parts.append((ident, p))
            else:
                d = dict(base)
                d.update(rule.labels)
                d["alertname"] = rule.alert
                parts = [(make_labels(d), s.p)]
            for ident, p in parts:
                cur = by_identity.get(ident)
                if cur is None:
                    cur = by_identity[ident] = _AlertSeries(
                        ident, np.zeros(n, bool), np.full(n, np.nan), np.full(n, -1, np.int32)
                    )
                both = cur.p & p
                if both.any():
                    raise RuleEvaluationError(
                        rule.alert,
                        self.ticks_ms[np.flatnonzero(both)[0]] / 1000,
                        "vector contains metrics with the same labelset after applying alert labels",
                    )
                cur.p = cur.p | p
                cur.v = np.where(p, s.v, cur.v)
                cur.src[p] = len(cur.sources)
                cur.sources.append(s.labels)
        return list(by_identity.values())

    def alerting(self, rule: AlertingRule) -> None:
        ticks_ms = self.ticks_ms
        ticks_s = ticks_ms / 1000
        n = len(ticks_ms)
        for_ms = round(rule.for_ * 1000)
        kff_ms = round(rule.keep_firing_for * 1000)
        for inp in self.alert_inputs(rule):
            states, active, eps = alert_states(inp.p, ticks_ms, for_ms, kff_ms)
            # value and $labels come from the latest evaluation that returned the alert
            last = np.maximum.accumulate(np.where(inp.p, np.arange(n), -1))
            values = np.where(last >= 0, inp.v[np.maximum(last, 0)], np.nan)
            self.histories.append(
                AlertHistory(
                    name=rule.alert,
                    labels=dict(inp.labels),
                    spans=eps,
                    ticks=ticks_s,
                    states=states,
                    values=values,
                    _render=self._renderer(rule, inp, last),
                )
            )
            self._write_alert_series(inp.labels, states, active)

    def _renderer(self, rule: AlertingRule, inp: _AlertSeries, last: np.ndarray):
        # Templates see only $labels, $value and the external labels/URL, so renderings are shared
        # between ticks with the same source series and value (a flapping alert repeats them often).
        cache: dict[tuple[int, str], dict[str, str]] = {}

        def render(i: int) -> dict[str, str]:
            j = int(last[i])
            if j < 0:
                return {}
            value = float(inp.v[j])
            key = (int(inp.src[j]), value.hex())  # hex keeps 0.0 and -0.0 apart (Go prints "-0")
            got = cache.get(key)
            if got is None:
                got = cache[key] = {
                    k: self._expand(t, inp.source_at(j), value) for k, t in rule.annotations.items()
                }
            return got

        return render

    def _write_alert_series(self, labels: Labels, states: np.ndarray, active: np.ndarray) -> None:
        d = dict(labels)
        ones = np.ones(len(states))
        for code, name in ((PENDING, "pending"), (FIRING, "firing")):
            raw = _written(
                make_labels({**d, "__name__": "ALERTS", "alertstate": name}),
                states == code,
                ones,
                self.ticks_ms,
            )
            if raw is not None:
                self.storage.add(raw)
        for_state = np.floor(active / 1000) + self.epoch_s
        raw = _written(
            make_labels({**d, "__name__": "ALERTS_FOR_STATE"}), states != INACTIVE, for_state, self.ticks_ms
        )
        if raw is not None:
            self.storage.add(raw)


def _rule_name(rule) -> str:
    return rule.record if isinstance(rule, RecordingRule) else rule.alert


# --- per-tick reference path (rules that read what later rules write) -------------------------


@dataclass
class _Alert:
    labels: Labels
    src: Labels
    value: float
    annotations_src: tuple[Labels, float]
    active_at: int
    state: int = PENDING
    fired_at: int | None = None
    resolved_at: int | None = None
    keep_since: int | None = None


class _SequentialEngine(_Engine):
    """Evaluates every rule at every tick in order, exactly as Prometheus' rule manager does."""

    def run(self, rules: Sequence[AlertingRule | RecordingRule]) -> None:
        ticks_ms = self.ticks_ms
        n = len(ticks_ms)
        prev_series: list[set[Labels]] = [set() for _ in rules]
        active: list[dict[Labels, _Alert]] = [{} for _ in rules]
        # per alert identity: state/value per tick and episodes under construction
        track: dict[tuple[int, Labels], dict[str, Any]] = {}
        for k in range(n):
            ts = int(ticks_ms[k])
            at = np.array([ts], np.int64)
            for ri, rule in enumerate(rules):
                samples: list[tuple[Labels, float]] = []
                vec = self._query(rule, at)
                if isinstance(rule, RecordingRule):
                    seen: set[Labels] = set()
                    for s in vec:
                        if not s.p[0]:
                            continue
                        d = dict(s.labels)
                        d["__name__"] = rule.record
                        d.update(rule.labels)
                        lab = make_labels(d)
                        if lab in seen:
                            raise RuleEvaluationError(
                                rule.record,
                                ts / 1000,
                                "vector contains metrics with the same labelset after applying rule labels",
                            )
                        seen.add(lab)
                        samples.append((lab, float(s.v[0])))
                else:
                    samples = self._alert_tick(rule, ri, vec, ts, active[ri], track, k)
                returned = set()
                for lab, val in samples:
                    self.storage.add(
                        RawSeries(lab, np.array([ts], np.int64), np.array([val]), np.array([False]))
                    )
                    returned.add(lab)
                for lab in prev_series[ri] - returned:
                    self.storage.add(
                        RawSeries(lab, np.array([ts], np.int64), np.array([np.nan]), np.array([True]))
                    )
                prev_series[ri] = returned
        self._collect(rules, track)

    def _alert_tick(
        self,
        rule: AlertingRule,
        ri: int,
        vec: list[VSeries],
        ts: int,
        act: dict[Labels, _Alert],
        track: dict,
        k: int,
    ) -> list[tuple[Labels, float]]:
        result: dict[Labels, tuple[Labels, float]] = {}
        for s in vec:
            if not s.p[0]:
                continue
            value = float(s.v[0])
            d = dict(s.labels)
            d.pop("__name__", None)
            for key, tmpl in rule.labels.items():
                d[key] = self._expand(tmpl, s.labels, value)
            d["alertname"] = rule.alert
            lab = make_labels(d)
            if lab in result:
                raise RuleEvaluationError(
                    rule.alert,
                    ts / 1000,
                    "vector contains metrics with the same labelset after applying alert labels",
                )
            result[lab] = (s.labels, value)
        for lab, (src, value) in result.items():
            a = act.get(lab)
            if a is not None and a.state != INACTIVE:
                a.value, a.src = value, src
                continue
            act[lab] = _Alert(lab, src, value, (src, value), ts)
        for_ms = round(rule.for_ * 1000)
        kff_ms = round(rule.keep_firing_for * 1000)
        out: list[tuple[Labels, float]] = []
        for lab, a in list(act.items()):
            tr = track.setdefault((ri, lab), {"states": {}, "values": {}, "src": {}, "active": {}})
            if lab not in result:
                keep = False
                if a.state == FIRING and kff_ms > 0:
                    if a.keep_since is None:
                        a.keep_since = ts
                    keep = ts - a.keep_since < kff_ms
                if a.state == PENDING or (a.resolved_at is not None and ts - a.resolved_at > 15 * 60_000):
                    del act[lab]
                if a.state != INACTIVE and not keep:
                    a.state = INACTIVE
                    a.resolved_at = ts
                if not keep:
                    continue
            else:
                a.keep_since = None
            if a.state == PENDING and ts - a.active_at >= for_ms:
                a.state = FIRING
                a.fired_at = ts
            tr["states"][k] = a.state
            tr["values"][k] = a.value
            tr["src"][k] = a.src
            tr["active"][k] = a.active_at
            d = dict(lab)
            out.append((make_labels({**d, "__name__": "ALERTS", "alertstate": STATE_NAMES[a.state]}), 1.0))
            out.append(
                (
                    make_labels({**d, "__name__": "ALERTS_FOR_STATE"}),
                    float(a.active_at // 1000) + self.epoch_s,
                )
            )
        return out

    def _collect(self, rules, track: dict) -> None:
        n = len(self.ticks_ms)
        ticks_s = self.ticks_ms / 1000
        for (ri, lab), tr in track.items():
            rule = rules[ri]
            states = np.zeros(n, np.int8)
            values = np.full(n, np.nan)
            srcs: dict[int, tuple[Labels, float]] = {}
            for k, st in tr["states"].items():
                states[k] = st
                values[k] = tr["values"][k]
                srcs[k] = (tr["src"][k], tr["values"][k])
            episodes = []
            k = 0
            while k < n:
                if states[k] == INACTIVE:
                    k += 1
                    continue
                s = k
                while (
                    k < n and states[k] != INACTIVE and (k == s or tr["active"].get(k) == tr["active"].get(s))
                ):
                    k += 1
                fire = next((j for j in range(s, k) if states[j] == FIRING), None)
                episodes.append((s, fire, k if k < n else None))

            def render(i: int, rule=rule, srcs=srcs) -> dict[str, str]:
                if i not in srcs:
                    return {}
                src, value = srcs[i]
                return {key: self._expand(t, src, value) for key, t in rule.annotations.items()}

            self.histories.append(
                AlertHistory(rule.alert, dict(lab), episodes, ticks_s, states, values, render)
            )


# --- entry points ------------------------------------------------------------------------------


def evaluation_ticks(first: float, last: float, interval: float) -> np.ndarray:
    """Offsets (seconds) first, first+interval, ... <= last, computed in integer milliseconds."""
    step = round(interval * 1000)
    if step <= 0:
        raise ValueError("evaluation_interval must be positive")
    lo, hi = round(first * 1000), round(last * 1000)
    return np.arange(lo, hi + 1, step, dtype=np.int64) / 1000


def evaluate_rules(
    groups: Sequence[RuleGroup],
    trace,
    evaluation_interval: float,
    until: float | None = None,
    *,
    ticks: np.ndarray | None = None,
    external_labels: dict[str, str] | None = None,
    external_url: str = "",
    sequential: bool | None = None,
) -> AlertTimeline:
    """Evaluate every group's rules at each tick 0, interval, ... up to `until` (default: the end of
    the trace). `trace` is a `Trace` or a `promql.Storage`. Groups run in the given order at each
    tick (their own `interval:` is ignored, as promtool does); within a group, rule order."""
    if isinstance(trace, Storage):
        storage, start = trace, None
        end = until if until is not None else 0.0
    else:
        storage, start = Storage.from_trace(trace), trace.start
        end = until if until is not None else (float(trace.offsets[-1]) if len(trace.offsets) else 0.0)
    tick_s = (
        evaluation_ticks(0.0, end, evaluation_interval) if ticks is None else np.asarray(ticks, np.float64)
    )
    ticks_ms = np.round(tick_s * 1000).astype(np.int64)
    epoch_s = start.timestamp() if start is not None else 0.0
    rules = [r for g in groups for r in g.rules]
    engine_cls = (
        _SequentialEngine if (needs_sequential(rules) if sequential is None else sequential) else _Engine
    )
    engine = engine_cls(storage, ticks_ms, dict(external_labels or {}), external_url, epoch_s)
    if isinstance(engine, _SequentialEngine):
        engine.run(rules)
    else:
        for rule in rules:
            if isinstance(rule, RecordingRule):
                engine.recording(rule)
            else:
                engine.alerting(rule)
    histories = sorted(engine.histories, key=lambda h: (h.name, sorted(h.labels.items())))
    return AlertTimeline(histories, tick_s, storage, start)


def scenario_timeline(loaded, trace, until: float | None = None) -> AlertTimeline:
    """The alert timeline of a loaded scenario over its trace, at the scenario's evaluation interval."""
    return evaluate_rules(loaded.rule_groups, trace, loaded.scenario.clock.evaluation_interval, until)


def transition_record(tr: Transition, start=None) -> dict[str, Any]:
    """A transition as a JSON-ready dict (what `firedrill alerts` prints, one per line)."""
    rec: dict[str, Any] = {}
    if start is not None:
        rec["at"] = (start + timedelta(seconds=tr.at)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rec.update(
        {
            "offset": tr.at,
            "alertname": tr.alertname,
            "labels": tr.labels,
            "state": tr.state,
            "value": None if tr.value != tr.value or tr.value in (float("inf"), float("-inf")) else tr.value,
            "annotations": tr.annotations,
        }
    )
    return rec


__all__ = [
    "AlertHistory",
    "AlertTimeline",
    "Episode",
    "RuleEvaluationError",
    "Transition",
    "alert_states",
    "evaluate_rules",
    "evaluation_ticks",
    "scenario_timeline",
    "transition_record",
]
