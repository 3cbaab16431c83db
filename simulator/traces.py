"""The trace generator: a scenario and a seed in, realistic metric series out.

Owns the metric models (baseline, daily cycle, AR(1) noise, Poisson counters, derived series)
and the incident effects acting on them. Everything is vectorised numpy; each series draws from
its own random stream, derived from the seed and the series' key with SHA-256, so adding a
metric never changes the others. Does not evaluate alert rules (`simulator.alerts`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from .scenario import (
    CpuFrom,
    Effect,
    Flap,
    FractionOf,
    LatencyFrom,
    Leak,
    Metric,
    Outage,
    Plateau,
    PoolFrom,
    Ramp,
    RatioOf,
    Scenario,
    Spike,
    Step,
    Surge,
)
from .timeseries import Series, Trace

DAY = 86400.0


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for (seed, name), stable across runs and Python versions."""
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))


@dataclass
class _Shaped:
    """A series under construction: its level plus sample masks and pinned values."""

    level: np.ndarray
    present: np.ndarray
    stale: np.ndarray
    pinned: np.ndarray  # NaN where free, else the exact value to emit (a saturated pool)
    resets: np.ndarray  # ticks where a process restarted (counters drop to zero)


def generate_trace(
    scenario: Scenario, seed: int | None = None, effects: Sequence[Effect] | None = None
) -> Trace:
    """Generate every series of `scenario`; `effects` replaces `scenario.incident` when given
    (the drill passes the incident as changed by the trainee's mitigations)."""
    seed = scenario.seed if seed is None else seed
    effects = list(scenario.incident if effects is None else effects)
    clock = scenario.clock
    n = clock.ticks
    t = np.arange(n, dtype=np.float64) * clock.step
    day_seconds = (clock.start.hour * 3600 + clock.start.minute * 60 + clock.start.second + t) % DAY

    order = _dependency_order(scenario.metrics)
    sources: dict[str, _Source] = {}
    built: dict[str, Series] = {}
    for metric in order:
        shaped = _shape(metric, t, day_seconds, effects, clock.duration, clock.step)
        rng = stream(seed, metric.key)
        values, source = _realise(metric, shaped, sources, rng, clock.step)
        sources.setdefault(metric.name, source)
        built[metric.key] = Series(
            name=metric.name,
            labels=tuple(sorted(metric.labels.items())),
            values=values,
            present=shaped.present,
            stale=shaped.stale,
            kind=metric.kind,
            help=metric.help,
            unit=metric.unit,
        )
    series = [built[m.key] for m in scenario.metrics]
    return Trace.build(clock.start, clock.step, n, series)


# --- dependency order -----------------------------------------------------------------------


def _sources(metric: Metric) -> list[str]:
    d = metric.derive
    if isinstance(d, RatioOf):
        return [d.numerator, d.denominator]
    if isinstance(d, FractionOf):
        return [d.of]
    if isinstance(d, (LatencyFrom, CpuFrom)):
        return [d.load]
    if isinstance(d, PoolFrom):
        return [d.traffic] + ([d.query_time] if isinstance(d.query_time, str) else [])
    return []


def _dependency_order(metrics: Sequence[Metric]) -> list[Metric]:
    """Metrics ordered so every source comes before what derives from it."""
    by_name: dict[str, list[Metric]] = {}
    for m in metrics:
        by_name.setdefault(m.name, []).append(m)
    done: set[str] = set()
    visiting: set[str] = set()
    out: list[Metric] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in visiting:
            raise ValueError(f"metrics derive from each other in a cycle: {' -> '.join((*chain, name))}")
        visiting.add(name)
        for m in by_name.get(name, []):
            for src in _sources(m):
                visit(src, (*chain, name))
        visiting.discard(name)
        done.add(name)
        out.extend(by_name.get(name, []))

    for m in metrics:
        visit(m.name, ())
    return out


# --- level: baseline, daily cycle, incident effects -----------------------------------------


def _base_level(metric: Metric) -> float:
    # A derived series' level is a multiplier on its model (1 = as the model says), except a
    # `fraction`, whose level is the fraction itself.
    if metric.derive is not None and not isinstance(metric.derive, FractionOf) and metric.baseline == 0.0:
        return 1.0
    return metric.baseline


def _shape(
    metric: Metric,
    t: np.ndarray,
    day_seconds: np.ndarray,
    effects: Sequence[Effect],
    duration: float,
    step: float,
) -> _Shaped:
    n = len(t)
    level = np.full(n, _base_level(metric), dtype=np.float64)
    if metric.daily is not None and metric.daily.amplitude > 0:
        hh, mm = (int(x) for x in metric.daily.peak.split(":"))
        phase = 2 * np.pi * (day_seconds - (hh * 3600 + mm * 60)) / DAY
        level *= 1.0 + metric.daily.amplitude * np.cos(phase)
    shaped = _Shaped(
        level=level,
        present=np.ones(n, dtype=bool),
        stale=np.zeros(n, dtype=bool),
        pinned=np.full(n, np.nan),
        resets=np.zeros(n, dtype=bool),
    )
    for effect in effects:
        if _targets(effect, metric):
            _apply(effect, metric, shaped, t, duration + step)
    return shaped


def _targets(effect: Effect, metric: Metric) -> bool:
    return effect.metric == metric.name or effect.metric == metric.key


def _window(effect: Effect, t: np.ndarray, horizon: float) -> np.ndarray:
    end = horizon if effect.end is None else effect.end
    return (t >= effect.start) & (t < end)


def _target(
    level: np.ndarray, to: float | None, factor: float | None, delta: float | None = None
) -> np.ndarray:
    if to is not None:
        return np.full_like(level, to)
    if factor is not None:
        return level * factor
    return level + (delta or 0.0)


def _apply(effect: Effect, metric: Metric, s: _Shaped, t: np.ndarray, horizon: float) -> None:
    w = _window(effect, t, horizon)
    if not w.any() and not isinstance(effect, Surge):
        return
    L = s.level
    if isinstance(effect, Step):
        L[w] = _target(L[w], effect.to, effect.factor, effect.delta)
    elif isinstance(effect, Ramp):
        assert effect.end is not None
        hold = horizon if effect.hold_until is None else effect.hold_until
        span = max(effect.end - effect.start, 1e-9)
        frac = np.clip((t - effect.start) / span, 0.0, 1.0)
        m = (t >= effect.start) & (t < hold)
        target = _target(L, effect.to, effect.factor)
        L[m] = L[m] + frac[m] * (target[m] - L[m])
    elif isinstance(effect, Spike):
        assert effect.end is not None
        mid = (effect.start + effect.end) / 2
        half = max((effect.end - effect.start) / 2, 1e-9)
        weight = np.clip(1.0 - np.abs(t - mid) / half, 0.0, 1.0)
        target = _target(L, effect.to, effect.factor)
        L[:] = L + weight * (target - L)
    elif isinstance(effect, Plateau):
        limit = effect.limit
        if limit is None:
            limit = metric.limits.max if metric.limits and metric.limits.max is not None else None
        if limit is None:
            raise ValueError(f"plateau on {metric.name} needs `limit` or the metric's limits.max")
        rising = np.clip((t - effect.start) / max(effect.rise, 1e-9), 0.0, 1.0)
        approach = L + rising * (limit - L)
        L[w] = approach[w]
        s.pinned[w & (rising >= 1.0)] = limit
    elif isinstance(effect, Outage):
        s.present[w] = False
        if effect.mode == "stale":
            first = int(np.argmax(w))
            s.stale[first] = True
    elif isinstance(effect, Leak):
        phase = np.mod(t - effect.start, effect.period) / effect.period
        L[w] = L[w] + phase[w] * (effect.to - L[w])
        cycle = np.floor((t - effect.start) / effect.period)
        restarted = np.zeros_like(w)
        restarted[1:] = w[1:] & (cycle[1:] > cycle[:-1])
        s.resets |= restarted
    elif isinstance(effect, Flap):
        on = w & (np.mod(t - effect.start, effect.period) < effect.duty * effect.period)
        L[on] = _target(L[on], effect.to, effect.factor)
    elif isinstance(effect, Surge):
        end = horizon if effect.end is None else effect.end
        up = np.clip((t - effect.start) / max(effect.rise, 1e-9), 0.0, 1.0)
        down = np.clip(1.0 - (t - end) / max(effect.decay, 1e-9), 0.0, 1.0)
        envelope = np.where(t < effect.start, 0.0, np.where(t < end, up, down * up))
        L[:] = L * (1.0 + envelope * (effect.factor - 1.0))


# --- realisation: noise, counters, derived models, limits -----------------------------------


def ar1(rng: np.random.Generator, n: int, sigma: float, phi: float) -> np.ndarray:
    """Stationary AR(1) noise with standard deviation `sigma`, as a linear filter (no Python loop)."""
    if sigma == 0 or n == 0:
        return np.zeros(n)
    innovations = rng.standard_normal(n) * sigma * np.sqrt(1.0 - phi * phi)
    first = rng.standard_normal() * sigma  # start in the stationary distribution
    out, _ = lfilter([1.0], [1.0, -phi], innovations, zi=np.array([phi * first]))
    return out


def _noisy(metric: Metric, level: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if metric.noise is None or metric.noise.sigma == 0:
        return level
    eps = ar1(rng, len(level), metric.noise.sigma, metric.noise.phi)
    return level * (1.0 + eps) if metric.noise.relative else level + eps


@dataclass(frozen=True)
class _Source:
    """What derived metrics read from a generated one.

    `expected` is the smooth driver (a counter's expected rate per second, a gauge's value):
    load-driven models such as pool usage follow the arrival rate, not its Poisson sampling.
    `increments` are a counter's realised per-tick counts, so a failure fraction can be drawn
    out of the requests that really happened and errors never outnumber requests.
    """

    expected: np.ndarray
    increments: np.ndarray | None = None


def _realise(
    metric: Metric, s: _Shaped, sources: dict[str, _Source], rng: np.random.Generator, step: float
) -> tuple[np.ndarray, _Source]:
    """Values of the series and what metrics derived from it read."""
    level = _noisy(metric, s.level, rng)
    d = metric.derive
    rates = {name: src.expected for name, src in sources.items()}
    if isinstance(d, FractionOf):
        fraction = np.clip(level, 0.0, 1.0)
        parent = sources[d.of]
        if metric.kind == "counter" and parent.increments is not None:
            increments = rng.binomial(parent.increments.astype(np.int64), fraction).astype(np.float64)
            return _cumulate(increments, s.resets), _Source(parent.expected * fraction, increments)
        level = parent.expected * fraction
    elif isinstance(d, RatioOf):
        num, den = rates[d.numerator], rates[d.denominator]
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(den > 0, num / den, 0.0)
    elif isinstance(d, LatencyFrom):
        u = np.clip(rates[d.load] / d.capacity, 0.0, 0.999)
        level = np.clip(d.base * (1.0 + d.k * u / (1.0 - u)) * level, d.base * 0.5, d.timeout)
    elif isinstance(d, PoolFrom):
        qt = rates[d.query_time] if isinstance(d.query_time, str) else d.query_time
        used = np.clip(rates[d.traffic] * qt * level, 0.0, d.size)
        level = used / d.size if d.utilization else used
    elif isinstance(d, CpuFrom):
        level = np.clip((d.idle + (1.0 - d.idle) * rates[d.load] / d.capacity) * level, 0.0, 1.0)

    if metric.kind == "counter":
        expected = np.clip(level, 0.0, None)
        increments = rng.poisson(expected * step).astype(np.float64)
        return _cumulate(increments, s.resets), _Source(expected, increments)

    if metric.limits is not None:
        level = np.clip(level, metric.limits.min, metric.limits.max)
    pinned = ~np.isnan(s.pinned)
    if pinned.any():
        level = level.copy()
        level[pinned] = s.pinned[pinned]
    return level, _Source(level)


def _cumulate(increments: np.ndarray, resets: np.ndarray) -> np.ndarray:
    """Cumulative counter values, starting again from the increment at each restart."""
    total = np.cumsum(increments)
    if not resets.any():
        return total
    # Subtract the running total as it stood just before the latest restart.
    before = np.where(resets, total - increments, np.nan)
    idx = np.where(resets, np.arange(len(total)), 0)
    np.maximum.accumulate(idx, out=idx)
    offset = np.where(idx > 0, before[idx], 0.0)
    offset = np.nan_to_num(offset)
    return total - offset
