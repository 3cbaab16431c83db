"""PromQL evaluation over all evaluation ticks at once, with Prometheus 2.42's exact arithmetic.

Owns the sample store the engine reads (`Storage`: input series plus what rules record), the
instant/range selection rules (5-minute lookback closed on the left, staleness markers, left-closed
ranges), and each operator and function of the subset. Results are vectorised over ticks: every
series is a value array and a presence mask. Parsing and the subset's limits live in `parser.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .parser import (
    ARITHMETIC,
    COMPARISONS,
    Aggregate,
    Binary,
    Call,
    Expr,
    Matcher,
    MatrixSelector,
    NumberLiteral,
    Paren,
    Parsed,
    Unary,
    VectorSelector,
    parse,
)

LOOKBACK_MS = 300_000  # Prometheus' default --query.lookback-delta (5m)
Labels = tuple[tuple[str, str], ...]


class EvaluationError(Exception):
    """A run-time PromQL error (e.g. duplicate series in a vector match), at one tick."""

    def __init__(self, message: str, at_ms: int):
        self.message = message
        self.at_ms = int(at_ms)
        super().__init__(message)


@dataclass(eq=False)
class RawSeries:
    """Stored samples of one series: times in integer milliseconds, values, staleness markers."""

    labels: Labels
    t: np.ndarray  # int64 ms, strictly increasing
    v: np.ndarray  # float64
    stale: np.ndarray  # bool; a staleness marker hides the series at once

    @cached_property
    def fresh(self) -> tuple[np.ndarray, np.ndarray]:
        """Samples without staleness markers: what a range selector sees."""
        keep = ~self.stale
        return self.t[keep], self.v[keep]

    @property
    def name(self) -> str:
        return dict(self.labels).get("__name__", "")


def make_labels(labels: dict[str, str] | Iterable[tuple[str, str]]) -> Labels:
    items = labels.items() if isinstance(labels, dict) else labels
    # Prometheus has no empty-valued labels: `x{a=""}` is the same series as `x`.
    return tuple(sorted((k, v) for k, v in items if v != ""))


class Storage:
    """The series a query can see, indexed by metric name."""

    def __init__(self, series: Iterable[RawSeries] = ()):
        self._series: dict[Labels, RawSeries] = {}
        self._by_name: dict[str, list[RawSeries]] = {}
        for s in series:
            self.add(s)

    def add(self, raw: RawSeries) -> None:
        old = self._series.get(raw.labels)
        if old is not None:
            raw = _merge_raw(old, raw)
            self._by_name[old.name].remove(old)
        self._series[raw.labels] = raw
        self._by_name.setdefault(raw.name, []).append(raw)

    def __iter__(self):
        return iter(self._series.values())

    def names(self) -> set[str]:
        return set(self._by_name)

    def select(self, matchers: Sequence[Matcher]) -> list[RawSeries]:
        name = next((m.value for m in matchers if m.name == "__name__" and m.op == "="), None)
        pool = self._by_name.get(name, []) if name is not None else list(self._series.values())
        out = []
        for s in pool:
            d = dict(s.labels)
            if all(m.matches(d.get(m.name, "")) for m in matchers):
                out.append(s)
        # The vector a selector returns is in label order; `sum` adds in this order.
        out.sort(key=lambda s: s.labels)
        return out

    @classmethod
    def from_trace(cls, trace) -> Storage:
        ms = np.round(np.asarray(trace.offsets, dtype=np.float64) * 1000).astype(np.int64)
        out = []
        for s in trace.series:
            keep = np.asarray(s.present, bool) | np.asarray(s.stale, bool)
            labels = make_labels([("__name__", s.name), *s.labels])
            out.append(
                RawSeries(
                    labels, ms[keep], np.asarray(s.values, np.float64)[keep], np.asarray(s.stale, bool)[keep]
                )
            )
        return cls(out)


def _merge_raw(a: RawSeries, b: RawSeries) -> RawSeries:
    t = np.concatenate([a.t, b.t])
    order = np.argsort(t, kind="stable")
    t, v, st = t[order], np.concatenate([a.v, b.v])[order], np.concatenate([a.stale, b.stale])[order]
    # a later append at the same timestamp wins
    keep = np.ones(len(t), bool)
    keep[:-1] = t[:-1] != t[1:]
    return RawSeries(a.labels, t[keep], v[keep], st[keep])


# --- values flowing through the evaluator -----------------------------------------------------


@dataclass(eq=False)
class VSeries:
    """One series of an instant vector over all ticks."""

    labels: Labels
    v: np.ndarray
    p: np.ndarray


@dataclass(eq=False)
class ScalarValue:
    v: np.ndarray


Value = ScalarValue | list[VSeries]


def drop_name(labels: Labels) -> Labels:
    return tuple(kv for kv in labels if kv[0] != "__name__")


@dataclass
class Evaluator:
    storage: Storage
    at: np.ndarray  # int64 ms
    _cache: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.at)

    def eval(self, node: Expr) -> Value:
        if isinstance(node, NumberLiteral):
            return ScalarValue(np.full(self.n, node.value, dtype=np.float64))
        if isinstance(node, Paren):
            return self.eval(node.expr)
        if isinstance(node, VectorSelector):
            return self.vector_selector(node)
        if isinstance(node, Unary):
            inner = self.eval(node.expr)
            if isinstance(inner, ScalarValue):
                return ScalarValue(-inner.v)
            return [VSeries(drop_name(s.labels), -s.v, s.p) for s in inner]
        if isinstance(node, Aggregate):
            return self.aggregate(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover - parser guards

    # -- selectors --

    def vector_selector(self, node: VectorSelector) -> list[VSeries]:
        out = []
        at = self.at
        for raw in self.storage.select(node.matchers):
            if len(raw.t) == 0:
                continue
            idx = np.searchsorted(raw.t, at, side="right") - 1
            ok = idx >= 0
            idx = np.where(ok, idx, 0)
            ok &= raw.t[idx] >= at - LOOKBACK_MS
            ok &= ~raw.stale[idx]
            if ok.any():
                out.append(VSeries(raw.labels, np.where(ok, raw.v[idx], np.nan), ok))
        return out

    def windows(self, node: MatrixSelector):
        """For each series: (labels, t, v, lo, hi) with samples lo..hi-1 inside [at-range, at]."""
        for raw in self.storage.select(node.selector.matchers):
            t, v = raw.fresh
            if len(t) == 0:
                continue
            lo = np.searchsorted(t, self.at - node.range_ms, side="left")
            hi = np.searchsorted(t, self.at, side="right")
            yield raw.labels, t, v, lo, hi

    # -- functions --

    def call(self, node: Call) -> list[VSeries]:
        f = node.func
        if f in ("rate", "increase"):
            return self.extrapolated_rate(node.args[0], is_rate=f == "rate")  # type: ignore[arg-type]
        if f.endswith("_over_time"):
            return self.over_time(node.args[0], f[: -len("_over_time")])  # type: ignore[arg-type]
        if f == "absent":
            return self.absent(node.args[0])
        if f == "histogram_quantile":
            return self.histogram_quantile(node.args[0], node.args[1])
        raise TypeError(f)  # pragma: no cover

    def extrapolated_rate(self, node: MatrixSelector, is_rate: bool) -> list[VSeries]:
        out = []
        range_ms = node.range_ms
        for labels, t, v, lo, hi in self.windows(node):
            cnt = hi - lo
            ok = cnt >= 2
            if not ok.any():
                continue
            n = len(t)
            first_i = np.minimum(lo, n - 1)
            last_i = np.maximum(hi - 1, 0)
            first, last = v[first_i], v[last_i]
            result = last - first
            # Counter resets add the value before the reset, one by one in sample order (exactly as
            # Prometheus sums them; a prefix-sum would round differently).
            reset = np.zeros(n, bool)
            reset[1:] = v[1:] < v[:-1]
            if reset.any():
                csum = np.cumsum(reset)
                n_resets = np.where(ok, csum[last_i] - csum[first_i], 0)
                for k in np.flatnonzero(n_resets > 0):
                    r = last[k] - first[k]
                    prev = v[lo[k]]
                    for j in range(lo[k] + 1, hi[k]):
                        if v[j] < prev:
                            r += prev
                        prev = v[j]
                    result[k] = r
            t_first, t_last = t[first_i], t[last_i]
            range_start = self.at - range_ms
            to_start = (t_first - range_start).astype(np.float64) / 1000
            to_end = (self.at - t_last).astype(np.float64) / 1000
            with np.errstate(all="ignore"):
                sampled = (t_last - t_first).astype(np.float64) / 1000
                avg_gap = sampled / (cnt - 1).astype(np.float64)
                # Counters cannot go below zero: clamp the start extrapolation at the zero point.
                clamp = (result > 0) & (first >= 0)
                to_zero = sampled * (first / result)
                to_start = np.where(clamp & (to_zero < to_start), to_zero, to_start)
                threshold = avg_gap * 1.1
                interval = sampled + np.where(to_start < threshold, to_start, avg_gap / 2)
                interval = interval + np.where(to_end < threshold, to_end, avg_gap / 2)
                factor = interval / sampled
                if is_rate:
                    factor = factor / (range_ms / 1000)
                result = result * factor
            out.append(VSeries(drop_name(labels), np.where(ok, result, np.nan), ok))
        return _unique(out, self.at)

    def over_time(self, node: MatrixSelector, kind: str) -> list[VSeries]:
        out = []
        for labels, _t, v, lo, hi in self.windows(node):
            cnt = hi - lo
            ok = cnt >= 1
            if not ok.any():
                continue
            kmax = int(cnt.max())
            n = len(v)
            with np.errstate(all="ignore"):
                if kind == "count":
                    res = cnt.astype(np.float64)
                elif kind in ("min", "max"):
                    res = v[np.minimum(lo, n - 1)].copy()
                    for k in range(kmax):
                        m = k < cnt
                        x = v[np.minimum(lo + k, n - 1)]
                        better = (x > res) if kind == "max" else (x < res)
                        upd = m & (better | np.isnan(res))
                        res = np.where(upd, x, res)
                elif kind == "sum":
                    s = np.zeros(len(cnt))
                    c = np.zeros(len(cnt))
                    for k in range(kmax):
                        m = k < cnt
                        x = v[np.minimum(lo + k, n - 1)]
                        s, c = _kahan_inc(x, s, c, m)
                    res = np.where(np.isinf(s), s, s + c)
                else:  # avg: incremental mean with Kahan-Neumaier compensation, as 2.42 does
                    mean = np.zeros(len(cnt))
                    c = np.zeros(len(cnt))
                    count = np.zeros(len(cnt))
                    for k in range(kmax):
                        m = k < cnt
                        x = v[np.minimum(lo + k, n - 1)]
                        count = np.where(m, count + 1, count)
                        mean_inf = np.isinf(mean)
                        skip = mean_inf & (
                            (np.isinf(x) & ((mean > 0) == (x > 0))) | (~np.isinf(x) & ~np.isnan(x))
                        )
                        inc = x / count - mean / count
                        mean, c = _kahan_inc(inc, mean, c, m & ~skip)
                    res = np.where(np.isinf(mean), mean, mean + c)
            out.append(VSeries(drop_name(labels), np.where(ok, res, np.nan), ok))
        return _unique(out, self.at)

    def absent(self, arg: Expr) -> list[VSeries]:
        inner = self.eval(arg)
        assert isinstance(inner, list)
        any_p = np.zeros(self.n, bool)
        for s in inner:
            any_p |= s.p
        labels: dict[str, str] = {}
        if isinstance(arg, VectorSelector):
            empty = []
            for m in arg.matchers:
                if m.name == "__name__":
                    continue
                if m.op == "=" and m.name not in labels:
                    labels[m.name] = m.value
                else:
                    empty.append(m.name)
            for name in empty:
                labels.pop(name, None)
        p = ~any_p
        if not p.any():
            return []
        return [VSeries(make_labels(labels), np.where(p, 1.0, np.nan), p)]

    def histogram_quantile(self, q_node: Expr, vec_node: Expr) -> list[VSeries]:
        qv = self.eval(q_node)
        inner = self.eval(vec_node)
        assert isinstance(qv, ScalarValue) and isinstance(inner, list)
        groups: dict[Labels, list[tuple[float, VSeries]]] = {}
        for s in inner:
            d = dict(s.labels)
            try:
                bound = float(d.get("le", "x"))
            except ValueError:
                continue  # no or malformed `le`: not a bucket, skipped as Prometheus does
            # grouped by every label but `le` (the name included); the result drops the name too
            key = tuple(kv for kv in s.labels if kv[0] != "le")
            groups.setdefault(key, []).append((bound, s))
        out = []
        for group_key, members in groups.items():
            key = drop_name(group_key)
            members.sort(key=lambda bs: bs[0])
            res = np.full(self.n, np.nan)
            present = np.zeros(self.n, bool)
            for i in range(self.n):
                buckets = [(b, float(s.v[i])) for b, s in members if s.p[i]]
                if not buckets:
                    continue
                present[i] = True
                res[i] = bucket_quantile(float(qv.v[i]), buckets)
            if present.any():
                out.append(VSeries(key, res, present))
        return _unique(out, self.at)

    # -- aggregation --

    def aggregate(self, node: Aggregate) -> list[VSeries]:
        inner = self.eval(node.expr)
        assert isinstance(inner, list)
        names = set(node.grouping)
        groups: dict[Labels, list[VSeries]] = {}
        for s in inner:
            if node.without:
                key = tuple(kv for kv in s.labels if kv[0] not in names and kv[0] != "__name__")
            else:
                key = tuple(kv for kv in s.labels if kv[0] in names)
            groups.setdefault(key, []).append(s)
        out = []
        op = node.op
        with np.errstate(all="ignore"):
            for key, members in groups.items():
                have = np.zeros(self.n, bool)
                val = np.full(self.n, np.nan)
                count = np.zeros(self.n)
                for s in members:
                    first = s.p & ~have
                    more = s.p & have
                    x = s.v
                    if op == "sum":
                        val = np.where(first, x, np.where(more, val + x, val))
                    elif op == "avg":
                        count = np.where(s.p, count + 1, count)
                        mean_inf = np.isinf(val)
                        skip = mean_inf & (
                            (np.isinf(x) & ((val > 0) == (x > 0))) | (~np.isinf(x) & ~np.isnan(x))
                        )
                        upd = more & ~skip
                        val = np.where(first, x, np.where(upd, val + (x / count - val / count), val))
                    elif op == "max":
                        val = np.where(first | (more & ((val < x) | np.isnan(val))), x, val)
                    elif op == "min":
                        val = np.where(first | (more & ((val > x) | np.isnan(val))), x, val)
                    elif op == "count":
                        count = np.where(s.p, count + 1, count)
                    have |= s.p
                if op == "count":
                    val = np.where(have, count, np.nan)
                out.append(VSeries(key, val, have))
        return out

    # -- binary operators --

    def binary(self, node: Binary) -> Value:
        lhs = self.eval(node.lhs)
        rhs = self.eval(node.rhs)
        op = node.op
        if isinstance(lhs, ScalarValue) and isinstance(rhs, ScalarValue):
            value, keep = _elem(op, lhs.v, rhs.v)
            if op in COMPARISONS:
                value = keep.astype(np.float64)
            return ScalarValue(value)
        if isinstance(rhs, ScalarValue) or isinstance(lhs, ScalarValue):
            swap = isinstance(lhs, ScalarValue)
            vec, sc = (rhs, lhs) if swap else (lhs, rhs)
            assert isinstance(vec, list) and isinstance(sc, ScalarValue)
            out = []
            for s in vec:
                lv, rv = (sc.v, s.v) if swap else (s.v, sc.v)
                value, keep = _elem(op, lv, rv)
                if op in COMPARISONS and swap:
                    value = rv
                if node.return_bool:
                    value = keep.astype(np.float64)
                    keep = np.ones(self.n, bool)
                p = s.p & keep
                if not p.any():
                    continue
                labels = drop_name(s.labels) if (op in ARITHMETIC or node.return_bool) else s.labels
                out.append(VSeries(labels, np.where(p, value, np.nan), p))
            return _unique(out, self.at)
        assert isinstance(lhs, list) and isinstance(rhs, list)
        if op in ("and", "or", "unless"):
            return self.set_op(node, lhs, rhs)
        return self.one_to_one(node, lhs, rhs)

    def signature(self, node: Binary, labels: Labels) -> Labels:
        names = set(node.matching)
        if node.on:
            return tuple(kv for kv in labels if kv[0] in names)
        return tuple(kv for kv in labels if kv[0] not in names and kv[0] != "__name__")

    def set_op(self, node: Binary, lhs: list[VSeries], rhs: list[VSeries]) -> list[VSeries]:
        def presence(vec: list[VSeries]) -> dict[Labels, np.ndarray]:
            m: dict[Labels, np.ndarray] = {}
            for s in vec:
                sig = self.signature(node, s.labels)
                m[sig] = m.get(sig, np.zeros(self.n, bool)) | s.p
            return m

        none = np.zeros(self.n, bool)
        out = []
        if node.op == "and":
            rp = presence(rhs)
            for s in lhs:
                p = s.p & rp.get(self.signature(node, s.labels), none)
                if p.any():
                    out.append(VSeries(s.labels, np.where(p, s.v, np.nan), p))
        elif node.op == "unless":
            rp = presence(rhs)
            for s in lhs:
                p = s.p & ~rp.get(self.signature(node, s.labels), none)
                if p.any():
                    out.append(VSeries(s.labels, np.where(p, s.v, np.nan), p))
        else:  # or
            lp = presence(lhs)
            out = list(lhs)
            for s in rhs:
                p = s.p & ~lp.get(self.signature(node, s.labels), none)
                if p.any():
                    out.append(VSeries(s.labels, np.where(p, s.v, np.nan), p))
        return _unique(out, self.at)

    def one_to_one(self, node: Binary, lhs: list[VSeries], rhs: list[VSeries]) -> list[VSeries]:
        op = node.op
        right: dict[Labels, tuple[np.ndarray, np.ndarray, int]] = {}
        for s in rhs:
            sig = self.signature(node, s.labels)
            if sig in right:
                v0, p0, c0 = right[sig]
                both = p0 & s.p
                if both.any():
                    raise EvaluationError(
                        f"found duplicate series for the match group {_fmt(sig)} on the right hand-side of the "
                        "operation;many-to-many matching not allowed: matching labels must be unique on one side",
                        self.at[np.flatnonzero(both)[0]],
                    )
                right[sig] = (np.where(s.p, s.v, v0), p0 | s.p, c0 + 1)
            else:
                right[sig] = (s.v, s.p, 1)
        out = []
        matched: dict[Labels, np.ndarray] = {}
        names = set(node.matching)
        for s in lhs:
            sig = self.signature(node, s.labels)
            if sig not in right:
                continue
            rv, rp, _ = right[sig]
            both = s.p & rp
            value, keep = _elem(op, s.v, rv)
            if node.return_bool:
                value = keep.astype(np.float64)
                p = both
            else:
                p = both & keep
            if not p.any():
                continue
            prior = matched.get(sig)
            if prior is not None and (prior & p).any():
                raise EvaluationError(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                    self.at[np.flatnonzero(prior & p)[0]],
                )
            matched[sig] = p if prior is None else prior | p
            labels = s.labels
            if op in ARITHMETIC or node.return_bool:
                labels = drop_name(labels)
            if node.on:
                labels = tuple(kv for kv in labels if kv[0] in names)
            else:
                labels = tuple(kv for kv in labels if kv[0] not in names)
            out.append(VSeries(labels, np.where(p, value, np.nan), p))
        return _unique(out, self.at)


def _kahan_inc(inc, s, c, mask):
    t = s + inc
    comp = np.where(np.abs(s) >= np.abs(inc), (s - t) + inc, (inc - t) + s)
    return np.where(mask, t, s), np.where(mask, c + comp, c)


def _elem(op: str, lv: np.ndarray, rv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Go's vectorElemBinop for floats: (value, keep)."""
    with np.errstate(all="ignore"):
        if op == "+":
            return lv + rv, np.ones(lv.shape, bool)
        if op == "-":
            return lv - rv, np.ones(lv.shape, bool)
        if op == "*":
            return lv * rv, np.ones(lv.shape, bool)
        if op == "/":
            return lv / rv, np.ones(lv.shape, bool)
        if op == "%":
            return np.fmod(lv, rv), np.ones(lv.shape, bool)
        if op == "^":
            return np.power(lv, rv), np.ones(lv.shape, bool)
        keep = {
            "==": np.equal,
            "!=": np.not_equal,
            ">": np.greater,
            "<": np.less,
            ">=": np.greater_equal,
            "<=": np.less_equal,
        }[op](lv, rv)
        return np.asarray(lv, np.float64), keep


def _fmt(labels: Labels) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}"


def _unique(series: list[VSeries], at: np.ndarray) -> list[VSeries]:
    """Merge series that ended up with the same labels; at one tick that is an error, as in Prometheus."""
    seen: dict[Labels, int] = {}
    out: list[VSeries] = []
    for s in series:
        i = seen.get(s.labels)
        if i is None:
            seen[s.labels] = len(out)
            out.append(s)
            continue
        prev = out[i]
        both = prev.p & s.p
        if both.any():
            raise EvaluationError(
                "vector cannot contain metrics with the same labelset", at[np.flatnonzero(both)[0]]
            )
        out[i] = VSeries(s.labels, np.where(s.p, s.v, prev.v), prev.p | s.p)
    return out


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' classic-histogram quantile: buckets are (upper bound, cumulative count), sorted."""
    if np.isnan(q):
        return float("nan")
    if q < 0:
        return float("-inf")
    if q > 1:
        return float("inf")
    if not np.isposinf(buckets[-1][0]):
        return float("nan")
    merged: list[list[float]] = []
    for b, c in buckets:  # coalesce equal bounds
        if merged and merged[-1][0] == b:
            merged[-1][1] += c
        else:
            merged.append([b, c])
    mx = float("-inf")
    for m in merged:  # force monotonic counts
        if m[1] > mx:
            mx = m[1]
        elif m[1] < mx:
            m[1] = mx
    if len(merged) < 2:
        return float("nan")
    observations = merged[-1][1]
    if observations == 0:
        return float("nan")
    rank = q * observations
    b = len(merged) - 1
    for i in range(len(merged) - 1):
        if merged[i][1] >= rank:
            b = i
            break
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, end, count = 0.0, merged[b][0], merged[b][1]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return start + (end - start) * (rank / count)


def evaluate_storage(expr: str | Parsed, storage: Storage, at_ms: np.ndarray) -> Value:
    parsed = parse(expr) if isinstance(expr, str) else expr
    return Evaluator(storage, np.asarray(at_ms, dtype=np.int64)).eval(parsed.root)
