"""The Grafana "Production Health" board and its Explore box.

Owns the board's definition — which panels (traffic, errors, P95 latency, connection pool,
CPU / memory) show which PromQL queries over the scenario's series, and the alert thresholds
read off rules of the shape `metric > N` — and evaluating panel queries or an Explore
expression with firedrill's PromQL engine over the trace as of now. Drawing is plotly, pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import plotly.graph_objects as go

from ..scenario import FractionOf, LoadedScenario, Metric
from ..thresholds import Threshold, alert_thresholds
from . import ConsoleWorld

BOARD_TITLE = "Production Health"
PANEL_ORDER = ("Traffic", "Errors", "Latency (P95)", "Connection pool", "CPU / memory")
RANGES = {"15m": 900.0, "30m": 1800.0, "1h": 3600.0, "3h": 10800.0}
MAX_POINTS = 2000  # an Explore query evaluates at most this many ticks


@dataclass(frozen=True)
class PanelQuery:
    expr: str
    legend: str
    unit: str = ""
    metric: str = ""  # the metric the query reads, to match alert thresholds to their line


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[PanelQuery, ...]
    thresholds: tuple[Threshold, ...] = ()


@dataclass(frozen=True)
class Line:
    """One drawn series: a legend, times (UTC) and values (NaN where absent)."""

    legend: str
    times: list
    values: np.ndarray
    unit: str = ""
    metric: str = ""


def _panel_of(m: Metric) -> str:
    if m.panel:
        return m.panel
    n = m.name
    if "error" in n:
        return "Errors"
    if "request" in n and n.endswith("_total"):
        return "Traffic"
    if "duration" in n or "latency" in n:
        return "Latency (P95)"
    if "connection" in n or "pool" in n:
        return "Connection pool"
    if "cpu" in n or "memory" in n:
        return "CPU / memory"
    return "Other"


def _query_for(m: Metric) -> PanelQuery:
    labels = ", ".join(f"{k}={v}" for k, v in sorted(m.labels.items()))
    suffix = f" {{{labels}}}" if labels else ""
    if m.kind == "counter":
        unit = "errors/s" if isinstance(m.derive, FractionOf) or "error" in m.name else "req/s"
        return PanelQuery(f"rate({m.key}[1m])", f"rate({m.name}){suffix}", unit, m.name)
    unit = m.unit or ("ratio" if "utilization" in m.name else "count" if "connections" in m.name else "")
    return PanelQuery(m.key, f"{m.name}{suffix}", unit, m.name)


def production_health(loaded: LoadedScenario) -> list[Panel]:
    """The board's panels, in the order an on-call engineer reads them."""
    groups: dict[str, list[Metric]] = {}
    for m in loaded.scenario.metrics:
        groups.setdefault(_panel_of(m), []).append(m)
    thresholds = alert_thresholds(loaded)

    def rank(title: str) -> tuple[int, str]:
        return (PANEL_ORDER.index(title) if title in PANEL_ORDER else len(PANEL_ORDER), title)

    panels = []
    for title in sorted(groups, key=rank):
        metrics = groups[title]
        ts: list[Threshold] = []
        for m in metrics:
            if m.kind == "gauge":
                ts.extend(thresholds.get(m.name, []))
        panels.append(Panel(title, tuple(_query_for(m) for m in metrics), tuple(dict.fromkeys(ts))))
    return panels


def _ticks(world: ConsoleWorld, range_seconds: float) -> np.ndarray:
    offsets = world.visible_trace.offsets
    at = offsets[offsets >= world.now - range_seconds]
    if len(at) > MAX_POINTS:
        at = at[:: int(np.ceil(len(at) / MAX_POINTS))]
    return at


def evaluate_lines(
    world: ConsoleWorld, expr: str, range_seconds: float, unit: str = "", legend: str = "", metric: str = ""
) -> list[Line]:
    """Evaluate `expr` over the last `range_seconds` before now; raises the engine's errors
    (`PromQLError` for a bad expression, `EvaluationError` for a run-time one)."""
    from .. import promql  # a sibling engine; imported here so the board definition needs none

    at = _ticks(world, range_seconds)
    if len(at) == 0:
        return []
    results = promql.evaluate(expr, world.visible_trace, at)
    times = [world.wall(float(o)) for o in at]
    lines = []
    for r in results:
        values = np.where(r.present, r.values, np.nan)
        name = legend if legend and len(results) == 1 else _label_text(r.labels) or expr
        lines.append(Line(name, times, values, unit, metric))
    return lines


def _label_text(labels: dict[str, str]) -> str:
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}" if rest else name


def panel_lines(world: ConsoleWorld, panel: Panel, range_seconds: float) -> list[Line]:
    out: list[Line] = []
    for q in panel.queries:
        out.extend(evaluate_lines(world, q.expr, range_seconds, q.unit, q.legend, q.metric))
    return out


def latest(lines: list[Line]) -> float | None:
    """The newest present value of the first line (a panel's "stat")."""
    for line in lines:
        present = np.flatnonzero(~np.isnan(line.values))
        if len(present):
            return float(line.values[present[-1]])
    return None


def _past(value: float, t: Threshold) -> bool:
    return {">": value > t.value, ">=": value >= t.value, "<": value < t.value, "<=": value <= t.value}[t.op]


def breached(panel: Panel, lines: list[Line]) -> list[Threshold]:
    """Thresholds the newest value of their own metric is past (a panel turns red in Grafana)."""
    out = []
    for t in panel.thresholds:
        value = latest([line for line in lines if line.metric == t.metric])
        if value is not None and _past(value, t):
            out.append(t)
    return out


def figure(
    title: str,
    lines: list[Line],
    thresholds: tuple[Threshold, ...] | list[Threshold] = (),
    *,
    world: ConsoleWorld | None = None,
    range_seconds: float | None = None,
    height: int = 230,
) -> go.Figure:
    """A Grafana-like time-series panel; a second unit goes on a right-hand axis."""
    fig = go.Figure()
    units = list(dict.fromkeys(line.unit for line in lines))
    for line in lines:
        second = len(units) > 1 and line.unit == units[1]
        fig.add_trace(
            go.Scatter(
                x=line.times,
                y=line.values,
                name=line.legend,
                mode="lines",
                connectgaps=False,
                yaxis="y2" if second else "y",
                hovertemplate="%{y:.4g}<extra>" + line.legend.replace("<", "&lt;") + "</extra>",
            )
        )
    on_right = {line.metric for line in lines if len(units) > 1 and line.unit == units[1]}
    for t in thresholds:
        fig.add_hline(
            y=t.value,
            yref="y2" if t.metric in on_right else "y",
            line_dash="dash",
            line_color="#d62728",
            line_width=1,
            annotation_text=f"{t.alert} {t.op} {t.value:g}",
            annotation_position="top left",
            annotation_font_size=10,
        )
    layout: dict = dict(
        title=dict(text=title, font=dict(size=14)),
        height=height,
        margin=dict(l=10, r=10, t=36, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0, font=dict(size=10)),
        hovermode="x unified",
        yaxis=dict(title=units[0] if units and units[0] else None),
    )
    if len(units) > 1:
        layout["yaxis2"] = dict(title=units[1] or None, overlaying="y", side="right", showgrid=False)
    fig.update_layout(**layout)
    if world is not None and range_seconds is not None:
        fig.update_xaxes(
            type="date",
            range=[world.wall(world.now - range_seconds), world.wall(world.now) + timedelta(seconds=5)],
        )
    if not lines:
        fig.add_annotation(text="No data", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig
