"""Scenario variants: each run may differ from the written scenario, within the author's bounds.

Owns sampling the knobs of a `variants:` section (timing jitter, noise scale, red herrings)
deterministically from a seed, applying them to a scenario, shifting a scripted response with the
incident, and checking that sampled variants keep the answer right (same alerts fire, the expert
response still passes). Does not generate traces, evaluate rules or score (it calls those modules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .scenario import Effect, LoadedScenario, Scenario
from .traces import stream

# Offsets below zero describe the past (yesterday's deploy) and never move.
_SHIFTABLE_EFFECT_FIELDS = ("start", "end", "hold_until")


@dataclass(frozen=True)
class VariantKnobs:
    """The sampled values of one variant; `seed` is also the trace seed the run uses."""

    seed: int
    shift: float = 0.0  # seconds the incident, injects and evidence move (negative: earlier)
    noise_scale: float = 1.0
    red_herrings: tuple[str, ...] = ()  # what was added, in words (for the trainer's preview)
    _picked: tuple[tuple[str, int], ...] = field(default=(), repr=False)  # (kind, index) of each herring

    @property
    def is_original(self) -> bool:
        return self.shift == 0.0 and self.noise_scale == 1.0 and not self._picked

    def describe(self) -> str:
        parts = [f"seed {self.seed}"]
        if self.shift:
            parts.append(f"incident {'+' if self.shift > 0 else '−'}{abs(self.shift):g}s")
        if self.noise_scale != 1.0:
            parts.append(f"noise ×{self.noise_scale:.2f}")
        if self.red_herrings:
            parts.append(f"{len(self.red_herrings)} red herring(s)")
        return ", ".join(parts)


def _shiftable_times(sc: Scenario) -> list[float]:
    times: list[float] = []
    for e in sc.incident:
        times += [t for t in (e.start, e.end, getattr(e, "hold_until", None)) if t is not None and t >= 0]
    times += [i.at for i in sc.injects if i.at >= 0]
    times += [c.at for c in sc.answer.severity_changes]
    ev = sc.evidence
    times += [x.at for x in ev.logs if x.at >= 0]
    times += [d.at for d in ev.deploys if d.at >= 0]
    return times


def shift_bounds(sc: Scenario) -> tuple[float, float]:
    """How far the incident may move: ± the jitter, but nothing crosses the scenario's start, and
    the last event keeps at least a fifth of the scenario after it to be worked."""
    jitter = sc.variants.timing_jitter if sc.variants else 0.0
    times = _shiftable_times(sc)
    if not times or jitter <= 0:
        return 0.0, 0.0
    lo = max(-jitter, -min(times))
    room = sc.clock.duration * 0.8 - max(t for t in times if t <= sc.clock.duration)
    hi = max(0.0, min(jitter, room))
    return min(lo, 0.0), hi


def sample_knobs(sc: Scenario, seed: int) -> VariantKnobs:
    """The knobs for `seed`. The scenario's own seed is the written scenario, unchanged."""
    if seed == sc.seed or sc.variants is None:
        return VariantKnobs(seed=seed)
    rng = stream(seed, f"variant:{sc.id}")
    lo, hi = shift_bounds(sc)
    step = sc.clock.step
    # Whole samples only, so the shifted incident lines up with the scrape grid.
    shift = float(round(rng.uniform(lo, hi) / step) * step) if hi > lo else 0.0
    shift = min(max(shift, lo), hi)
    nlo, nhi = sc.variants.noise_scale
    noise = float(rng.uniform(nlo, nhi)) if nhi > nlo else float(nlo)
    rh = sc.variants.red_herrings
    pool = (
        [("inject", i) for i in range(len(rh.injects))]
        + [("log", i) for i in range(len(rh.logs))]
        + [("blip", i) for i in range(len(rh.blips))]
    )
    picked: list[tuple[str, int]] = []
    if pool and rh.pick > 0:
        k = int(rng.integers(0, min(rh.pick, len(pool)) + 1))
        chosen = sorted(int(x) for x in rng.choice(len(pool), size=k, replace=False)) if k else []
        picked = [pool[i] for i in chosen]
    words = tuple(_herring_words(sc, kind, i) for kind, i in picked)
    return VariantKnobs(seed, round(shift, 3), round(noise, 4), words, tuple(picked))


def _herring_words(sc: Scenario, kind: str, i: int) -> str:
    rh = sc.variants.red_herrings  # type: ignore[union-attr]
    if kind == "inject":
        return f"message at {rh.injects[i].at:g}s: {rh.injects[i].text[:60]}"
    if kind == "log":
        return f"log at {rh.logs[i].at:g}s: {rh.logs[i].message[:60]}"
    b = rh.blips[i]
    return f"{b.effect} on {b.metric} at {b.start:g}s"


def _moved(t: float | None, by: float) -> float | None:
    return t if t is None or t < 0 else t + by


def _shift_effect(e: Effect, by: float) -> Effect:
    upd = {f: _moved(getattr(e, f), by) for f in _SHIFTABLE_EFFECT_FIELDS if hasattr(e, f)}
    return e.model_copy(update=upd)


def apply_knobs(sc: Scenario, knobs: VariantKnobs) -> Scenario:
    """The scenario as this variant runs it. The result is validated like a file would be."""
    if knobs.is_original:
        return sc if knobs.seed == sc.seed else sc.model_copy(update={"seed": knobs.seed})
    by = knobs.shift
    ev = sc.evidence
    rh = sc.variants.red_herrings if sc.variants else None
    extra_injects = [rh.injects[i] for k, i in knobs._picked if k == "inject"] if rh else []
    extra_logs = [rh.logs[i] for k, i in knobs._picked if k == "log"] if rh else []
    extra_blips = [rh.blips[i] for k, i in knobs._picked if k == "blip"] if rh else []
    db = ev.database
    if db is not None:
        db = db.model_copy(
            update={
                "sessions": [
                    s.model_copy(update={"started": _moved(s.started, by), "ended": _moved(s.ended, by)})
                    for s in db.sessions
                ],
                "slow_queries": [
                    q.model_copy(update={"since": _moved(q.since, by)}) for q in db.slow_queries
                ],
            }
        )
    evidence = ev.model_copy(
        update={
            "logs": [x.model_copy(update={"at": _moved(x.at, by)}) for x in ev.logs] + extra_logs,
            "deploys": [d.model_copy(update={"at": _moved(d.at, by)}) for d in ev.deploys],
            "infrastructure": [
                c.model_copy(update={"since": _moved(c.since, by), "until": _moved(c.until, by)})
                for c in ev.infrastructure
            ],
            "third_party": [
                c.model_copy(update={"since": _moved(c.since, by), "until": _moved(c.until, by)})
                for c in ev.third_party
            ],
            "database": db,
        }
    )
    answer = sc.answer.model_copy(
        update={
            "severity_changes": [c.model_copy(update={"at": c.at + by}) for c in sc.answer.severity_changes],
        }
    )
    metrics = [
        m.model_copy(
            update={"noise": m.noise.model_copy(update={"sigma": m.noise.sigma * knobs.noise_scale})}
        )
        if m.noise is not None
        else m
        for m in sc.metrics
    ]
    data = sc.model_copy(
        update={
            "seed": knobs.seed,
            "metrics": metrics,
            "incident": [_shift_effect(e, by) for e in sc.incident] + extra_blips,
            "injects": sorted(
                [i.model_copy(update={"at": _moved(i.at, by)}) for i in sc.injects] + extra_injects,
                key=lambda i: i.at,
            ),
            "evidence": evidence,
            "answer": answer,
        }
    )
    # Re-validate from plain data so a variant can never be something a file could not be.
    return Scenario.model_validate(data.model_dump(by_alias=True))


def variant_of(loaded: LoadedScenario, seed: int | None) -> tuple[LoadedScenario, VariantKnobs]:
    """The loaded scenario as run with `seed` (None or the scenario's seed: the original).

    The content hash stays the stored version's: an attempt records (content hash, seed), and the
    variant is rebuilt from exactly those two."""
    sc = loaded.scenario
    knobs = sample_knobs(sc, sc.seed if seed is None else int(seed))
    if knobs.is_original and knobs.seed == sc.seed:
        return loaded, knobs
    variant = apply_knobs(sc, knobs)
    return loaded.model_copy(update={"scenario": variant}), knobs


def shift_actions(timed: Sequence[tuple[float, Any]], by: float, duration: float) -> list[tuple[float, Any]]:
    """A scripted response moved with the incident (kept inside the scenario's clock)."""
    return [(min(max(at + by, 0.0), duration), a) for at, a in timed]


def variant_seeds(sc: Scenario, samples: int) -> list[int]:
    """`samples` seeds other than the scenario's own, derived from its id (stable across runs)."""
    rng = stream(sc.seed, f"variant-seeds:{sc.id}")
    out: list[int] = []
    while len(out) < samples:
        s = int(rng.integers(1, 2**31 - 1))
        if s != sc.seed and s not in out:
            out.append(s)
    return out
