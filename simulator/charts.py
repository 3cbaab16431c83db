"""Plotly figure builders shared by the pages: metric panels and alert-state bands.

Owns how a trace, thresholds, incident windows, alert bands and markers are drawn. Pure: takes
values, returns `go.Figure`; never imports streamlit and never decides what a viewer may see
(a page passes only what its user is allowed to see, e.g. incident windows for trainers only).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .timeseries import Trace

# Colours carry meaning: the same amber/red as an alerting UI, so a trainee learns one code.
PENDING_COLOUR = "rgba(245, 166, 35, 0.22)"
FIRING_COLOUR = "rgba(214, 39, 40, 0.22)"
PENDING_SOLID = "#f5a623"
FIRING_SOLID = "#d62728"
SHADE_COLOUR = "rgba(120, 120, 120, 0.14)"
THRESHOLD_COLOUR = "#d62728"
NOW_COLOUR = "#444444"
# Same left margin on every chart so the alert strip lines up in time with the panels below it.
LEFT_MARGIN = 70
RIGHT_MARGIN = 60  # room for a right-hand axis, kept on every chart for the same reason


@dataclass(frozen=True)
class AlertBand:
    """An interval in which an alert was pending or firing, in seconds from the trace start.
    `end` None means still in that state when the data ends."""

    start: float
    end: float | None
    state: str  # "pending" or "firing"
    label: str


def alert_bands(
    timeline: Any, until: float | None = None, only: Collection[str] | None = None
) -> list[AlertBand]:
    """Pending and firing intervals of every alert in an `AlertTimeline` (duck-typed: reads
    `alerts[].name/labels/episodes`). With `until`, nothing after that offset is shown; with
    `only`, just the alerts of those names."""
    bands: list[AlertBand] = []
    for a in getattr(timeline, "alerts", []):
        if only is not None and a.name not in only:
            continue
        label = _alert_label(a.name, a.labels)
        for ep in a.episodes:
            if until is not None and ep.pending_at > until:
                continue
            # None = still in that state when the data (or the drill's "now") ends.
            end = ep.resolved_at
            if until is not None and end is not None and end > until:
                end = None
            firing = ep.firing_at
            if until is not None and firing is not None and firing > until:
                firing = None
            pend_end = firing if firing is not None else end
            if pend_end is None or pend_end > ep.pending_at:
                bands.append(AlertBand(ep.pending_at, pend_end, "pending", label))
            if firing is not None:
                bands.append(AlertBand(firing, end, "firing", label))
    return bands


def alerts_by_metric(rule_groups: Iterable[Any]) -> dict[str, set[str]]:
    """Alert names by the metric names their expressions read, so a panel shows only the bands
    of alerts about what it draws. Expressions that do not parse are skipped."""
    from . import promql

    out: dict[str, set[str]] = {}
    for group in rule_groups:
        for rule in group.rules:
            name = getattr(rule, "alert", None)
            if not name:
                continue
            try:
                selectors = promql.parse(rule.expr).selectors
            except promql.PromQLError:
                continue
            for sel in selectors:
                if sel.name:
                    out.setdefault(sel.name, set()).add(name)
    return out


def _alert_label(name: str, labels: dict[str, str]) -> str:
    extra = {k: v for k, v in sorted(labels.items()) if k not in ("alertname", "severity", "team")}
    if not extra:
        return name
    return name + "{" + ",".join(f"{k}={v}" for k, v in extra.items()) + "}"


def _safe(text: str) -> str:
    """Plotly renders a little HTML in labels (<a>, <b>, <br>); scenario text must stay text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SCALE_SPLIT = 20.0  # a series this many times smaller than the largest gets the right-hand axis


def _peak_of(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if len(finite) else 0.0


def _title(title: str | None) -> dict[str, Any] | None:
    # Pinned to the top-left corner so a legend above the plot never sits on top of it.
    if not title:
        return None
    return dict(
        text=_safe(title),
        x=0,
        xanchor="left",
        xref="container",
        y=1,
        yanchor="top",
        yref="container",
        pad=dict(t=8, l=8),
        font_size=14,
    )


def _times(start: datetime, offsets: np.ndarray | Sequence[float]) -> list[datetime]:
    return [start + timedelta(seconds=float(o)) for o in offsets]


def _at(start: datetime, offset: float) -> datetime:
    return start + timedelta(seconds=float(offset))


def _series_for(trace: Trace, keys: Iterable[str]) -> list:
    """Series by exact key; a bare metric name selects all its series."""
    out = []
    seen: set[str] = set()
    for key in keys:
        found = [trace.get(key)] if trace.get(key) is not None else trace.by_name(key)
        for s in found:
            if s is not None and s.key not in seen:
                seen.add(s.key)
                out.append(s)
    return out


RATE_WINDOW = 60.0  # seconds: a counter is drawn as rate(x[1m]), Grafana's usual panel query


def rate_window(step: float) -> float:
    """The window a counter's rate is taken over: 1m, or four scrape intervals when scrapes are
    sparser (Grafana's $__rate_interval rule), so every window holds enough samples."""
    return max(RATE_WINDOW, 4.0 * step)


def is_counter(series: Any) -> bool:
    """A counter by its declared type, or by Prometheus naming (`_total`) when a trace came from
    somewhere that does not declare it."""
    return getattr(series, "kind", "") == "counter" or series.name.endswith("_total")


def counter_rate(values: np.ndarray, offsets: np.ndarray, window: float = RATE_WINDOW) -> np.ndarray:
    """Per-second increase of a counter over the trailing `window`, like PromQL's rate(x[1m]):
    a drop is a counter reset (the process restarted), so it counts the new value as the
    increase rather than a negative one. NaN where the window holds a missing sample (`values`
    NaN) or reaches before the first sample, so gaps stay gaps."""
    values = np.asarray(values, dtype=float)
    offsets = np.asarray(offsets, dtype=float)
    out = np.full(len(values), np.nan)
    if len(values) < 2:
        return out
    inc = np.diff(values)
    inc = np.where(inc < 0, values[1:], inc)
    # gap[i] counts the missing increments before sample i: equal at both ends = no gap between.
    gap = np.concatenate([[0], np.cumsum(np.isnan(inc))])
    # The earliest sample at least `window` before each one (or the first sample).
    back = np.searchsorted(offsets, offsets - window + 1e-9, side="left")
    span = offsets - offsets[back]
    ok = (span > 0) & (gap == gap[back]) & ~np.isnan(values) & ~np.isnan(values[back])
    # Differences of one running sum; NaN increments count as 0 so they cannot leak past a gap.
    running = np.concatenate([[0.0], np.cumsum(np.nan_to_num(inc, nan=0.0))])
    out[ok] = (running[ok.nonzero()[0]] - running[back[ok]]) / span[ok]
    return out


def rate_unit(unit: str) -> str:
    """The unit of a counter's rate: "requests" counted → "requests/s"; none → "per second"."""
    return f"{unit}/s" if unit else "per second"


def _threshold(t: Any) -> tuple[float, str]:
    if isinstance(t, (int, float)):
        return float(t), ""
    if isinstance(t, (tuple, list)):
        return float(t[0]), str(t[1]) if len(t) > 1 else ""
    # A simulator.thresholds.Threshold or anything with value/alert.
    return float(t.value), f"{getattr(t, 'alert', '')} ({getattr(t, 'op', '')} {float(t.value):g})".strip()


def _band(b: Any) -> AlertBand:
    if isinstance(b, AlertBand):
        return b
    start, end, state, *rest = b
    return AlertBand(
        float(start), None if end is None else float(end), str(state), str(rest[0]) if rest else ""
    )


def metric_chart(
    trace: Trace,
    keys: Sequence[str],
    thresholds: Sequence[Any] | None = None,
    shade: Sequence[tuple[float, float | None, str]] | None = None,
    alert_bands: Sequence[AlertBand | tuple] | None = None,
    markers: Sequence[tuple[float, str]] | None = None,
    until: float | None = None,
    *,
    title: str | None = None,
    height: int = 280,
) -> go.Figure:
    """One panel: the series named by `keys` (exact keys, or a metric name for all its series).

    - `thresholds`: numbers, `(value, label)` pairs or `Threshold`s: dashed horizontal lines.
    - `shade`: `(start, end, label)` windows in seconds (e.g. incident effects, trainers only).
    - `alert_bands`: `AlertBand`s or `(start, end, state, label)`: amber pending, red firing.
    - `markers`: `(offset, label)` vertical lines (a deploy, a page, an action).
    - `until`: the drill's "now": no sample after it is drawn, and a line marks it.
    Gaps (missing samples, staleness) are drawn as breaks in the line, never interpolated.
    """
    data = trace.until(until) if until is not None else trace
    fig = go.Figure()
    series = _series_for(data, keys)
    # An ever-rising counter total says nothing at a glance; like Grafana, draw its rate.
    window = rate_window(trace.step)
    ys = {
        s.key: counter_rate(s.masked(), data.offsets, window) if is_counter(s) else s.masked() for s in series
    }
    names = {s.key: f"rate({s.key}[{window / 60:g}m])" if is_counter(s) else s.key for s in series}
    units = {s.key: rate_unit(s.unit) if is_counter(s) else s.unit for s in series}
    # A panel mixing scales (connections ~100 next to a utilisation ratio ~0.9) would flatten the
    # small series against zero; those go on a right-hand axis instead.
    peaks = {k: _peak_of(y) for k, y in ys.items()}
    top = max(peaks.values(), default=0.0)
    right = {k for k, v in peaks.items() if top > 0 and v > 0 and top / v > SCALE_SPLIT}
    unit = next((units[s.key] for s in series if units[s.key] and s.key not in right), "")
    right_unit = next((units[s.key] for s in series if units[s.key] and s.key in right), "")
    for s in series:
        on_right = s.key in right
        fig.add_trace(
            go.Scatter(
                x=_times(data.start, data.offsets),
                y=ys[s.key],
                name=_safe(names[s.key]) + (" (right axis)" if on_right else ""),
                mode="lines",
                connectgaps=False,
                yaxis="y2" if on_right else "y",
                hovertemplate="%{y:.4g}<extra>" + _safe(names[s.key]) + "</extra>",
            )
        )
    right_peak = max((peaks[k] for k in right), default=0.0)
    end_offset = float(trace.offsets[-1]) if len(trace.offsets) else 0.0
    horizon = end_offset if until is None else min(float(until), end_offset)

    for start, end, label in shade or []:
        x1 = horizon if end is None else min(float(end), horizon)
        if x1 <= start:
            continue
        fig.add_vrect(
            x0=_at(trace.start, start),
            x1=_at(trace.start, x1),
            fillcolor=SHADE_COLOUR,
            line_width=0,
            layer="below",
            annotation_text=_safe(label),
            annotation_position="top left",
            annotation_font_size=10,
        )
    for b in map(_band, alert_bands or []):
        x1 = horizon if b.end is None else min(b.end, horizon)
        if x1 <= b.start:
            continue
        fig.add_vrect(
            x0=_at(trace.start, b.start),
            x1=_at(trace.start, x1),
            line_width=0,
            layer="below",
            fillcolor=FIRING_COLOUR if b.state == "firing" else PENDING_COLOUR,
        )
    for t in thresholds or []:
        value, label = _threshold(t)
        axis = "y2" if right and abs(value) <= 1.5 * right_peak and abs(value) * SCALE_SPLIT < top else "y"
        fig.add_shape(
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            yref=axis,
            y0=value,
            y1=value,
            line=dict(dash="dash", color=THRESHOLD_COLOUR, width=1),
        )
        fig.add_annotation(
            xref="paper",
            x=1,
            yref=axis,
            y=value,
            text=_safe(label),
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font_size=10,
        )
    for offset, label in markers or []:
        if until is not None and offset > until:
            continue
        fig.add_vline(x=_at(trace.start, offset), line_dash="dot", line_color="#1f77b4", line_width=1)
        fig.add_annotation(
            x=_at(trace.start, offset),
            y=1,
            yref="paper",
            text=_safe(label),
            showarrow=False,
            font_size=10,
            xanchor="left",
            yanchor="top",
        )
    if until is not None:
        fig.add_vline(x=_at(trace.start, horizon), line_color=NOW_COLOUR, line_width=1)
    fig.update_layout(
        title=_title(title),
        height=height,
        margin=dict(l=LEFT_MARGIN, r=RIGHT_MARGIN, t=64 if title else 30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hovermode="x unified",
        yaxis_title=unit or None,
    )
    if right:
        fig.update_layout(
            yaxis2=dict(
                overlaying="y",
                side="right",
                showgrid=False,
                title=right_unit or None,
                tickmode="auto",
                zeroline=False,
            )
        )
    fig.update_xaxes(range=[_at(trace.start, 0), _at(trace.start, end_offset)], type="date")
    return fig


def alert_bands_chart(
    timeline: Any, trace: Trace, until: float | None = None, *, height: int | None = None
) -> go.Figure:
    """One row per alert: amber while pending, red while firing, over the trace's time range.
    With `until`, only what had happened by then."""
    bands = alert_bands(timeline, until=until)
    end_offset = float(trace.offsets[-1]) if len(trace.offsets) else 0.0
    horizon = end_offset if until is None else min(float(until), end_offset)
    rows = list(dict.fromkeys(_safe(b.label) for b in bands))
    fig = go.Figure()
    for state, colour in (("pending", PENDING_SOLID), ("firing", FIRING_SOLID)):
        chosen = [b for b in bands if b.state == state]
        ends = [horizon if b.end is None else min(b.end, horizon) for b in chosen]
        fig.add_trace(
            go.Bar(
                orientation="h",
                name=state,
                y=[_safe(b.label) for b in chosen],
                base=[_at(trace.start, b.start) for b in chosen],
                # A date axis measures bar lengths in milliseconds.
                x=[max(e - b.start, 0.0) * 1000 for b, e in zip(chosen, ends, strict=True)],
                marker_color=colour,
                width=0.45,
                customdata=[
                    [f"{b.start / 60:.1f}", f"{e / 60:.1f}"] for b, e in zip(chosen, ends, strict=True)
                ],
                hovertemplate="%{y}<br>"
                + state
                + " from minute %{customdata[0]} to %{customdata[1]}<extra></extra>",
            )
        )
    # Row names sit above their bars instead of as tick labels, so the plot keeps the same width
    # (and time scale) as the metric panels drawn under it.
    for label in rows:
        fig.add_annotation(
            text=label, x=0, xref="paper", xanchor="left", y=label, yshift=13, showarrow=False, font_size=11
        )
    if until is not None:
        fig.add_vline(x=_at(trace.start, horizon), line_color=NOW_COLOUR, line_width=1)
    fig.update_layout(
        barmode="overlay",
        height=height or max(140, 70 + 44 * max(len(rows), 1)),
        margin=dict(l=LEFT_MARGIN, r=RIGHT_MARGIN, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        showlegend=bool(bands),
    )
    fig.update_xaxes(type="date", range=[_at(trace.start, 0), _at(trace.start, end_offset)])
    fig.update_yaxes(
        categoryorder="array", categoryarray=list(reversed(rows)), type="category", showticklabels=False
    )
    if not bands:
        fig.add_annotation(
            text="No alert was pending or firing", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    return fig


def alert_band_colour(state: str) -> str:
    return FIRING_SOLID if state == "firing" else PENDING_SOLID


def query_chart(
    results: Sequence[Any],
    trace: Trace,
    at: Sequence[float] | np.ndarray | None = None,
    *,
    title: str | None = None,
    height: int = 300,
    max_series: int = 50,
) -> go.Figure:
    """The result of a PromQL range query: one line per result series (`simulator.promql.
    ResultSeries`: labels, values, present) at the offsets `at` (default: every trace tick)."""
    offsets = np.asarray(trace.offsets if at is None else at, dtype=float)
    times = _times(trace.start, offsets)
    fig = go.Figure()
    for r in list(results)[:max_series]:
        labels = dict(r.labels)
        name = labels.pop("__name__", "")
        key = name + (
            "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else ""
        )
        key = key or "scalar"
        y = np.where(np.asarray(r.present, bool), np.asarray(r.values, float), np.nan)
        fig.add_trace(
            go.Scatter(
                x=times,
                y=y,
                name=_safe(key),
                mode="lines",
                connectgaps=False,
                hovertemplate="%{y:.4g}<extra>" + _safe(key) + "</extra>",
            )
        )
    fig.update_layout(
        title=_title(title),
        height=height,
        margin=dict(l=LEFT_MARGIN, r=RIGHT_MARGIN, t=64 if title else 30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hovermode="x unified",
    )
    if len(offsets):
        fig.update_xaxes(type="date", range=[times[0], times[-1]])
    if not results:
        fig.add_annotation(
            text="The query returned no series", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    return fig


__all__ = [
    "AlertBand",
    "alert_band_colour",
    "alert_bands",
    "alert_bands_chart",
    "alerts_by_metric",
    "counter_rate",
    "is_counter",
    "metric_chart",
    "query_chart",
    "rate_unit",
    "rate_window",
]
