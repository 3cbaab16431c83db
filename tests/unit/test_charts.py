"""Chart builders: what a person sees on a metric panel and on the alert-band strip."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from simulator.charts import AlertBand, alert_bands, alert_bands_chart, metric_chart
from simulator.timeseries import Series, Trace

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _trace(n: int = 41, step: float = 15.0) -> Trace:
    values = np.linspace(0.1, 0.95, n)
    present = np.ones(n, bool)
    present[10:13] = False  # a scrape gap
    pool = Series(
        "db_pool_utilization", (("service", "api"),), values, present, np.zeros(n, bool), unit="ratio"
    )
    other = Series(
        "db_pool_utilization", (("service", "web"),), values / 2, np.ones(n, bool), np.zeros(n, bool)
    )
    return Trace.build(START, step, n, [pool, other])


@dataclass
class _Ep:
    pending_at: float
    firing_at: float | None
    resolved_at: float | None
    annotations: dict = field(default_factory=dict)


@dataclass
class _Alert:
    name: str
    labels: dict
    episodes: list


@dataclass
class _Timeline:
    alerts: list


def _timeline() -> _Timeline:
    return _Timeline(
        [
            _Alert(
                "PoolHigh",
                {"alertname": "PoolHigh", "service": "api", "severity": "high"},
                [_Ep(120, 240, 450), _Ep(500, None, 530)],
            ),
        ]
    )


def test_a_scrape_gap_is_a_break_in_the_line_not_an_interpolation():
    fig = metric_chart(_trace(), ['db_pool_utilization{service="api"}'])
    y = np.asarray(fig.data[0].y, dtype=float)
    assert np.isnan(y[10:13]).all() and not np.isnan(y[9])
    assert fig.data[0].connectgaps is False


def test_a_bare_metric_name_draws_every_series_of_that_metric():
    fig = metric_chart(_trace(), ["db_pool_utilization"])
    assert {t.name for t in fig.data} == {
        'db_pool_utilization{service="api"}',
        'db_pool_utilization{service="web"}',
    }


def test_until_hides_the_future_and_marks_now():
    fig = metric_chart(_trace(), ["db_pool_utilization"], until=150)
    assert len(fig.data[0].x) == 11  # ticks 0..150 s at 15 s
    assert any(s.type == "line" and s.x0 == START + timedelta(seconds=150) for s in fig.layout.shapes)


def test_threshold_is_a_labelled_horizontal_line():
    fig = metric_chart(_trace(), ["db_pool_utilization"], thresholds=[(0.8, "PoolHigh (> 0.8)")])
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.y0 == 0.8 and s.y1 == 0.8]
    assert lines
    assert any(a.text == "PoolHigh (&gt; 0.8)" for a in fig.layout.annotations)  # plotly shows ">"


def test_alert_bands_are_amber_while_pending_and_red_while_firing():
    bands = alert_bands(_timeline())
    assert bands == [
        AlertBand(120, 240, "pending", "PoolHigh{service=api}"),
        AlertBand(240, 450, "firing", "PoolHigh{service=api}"),
        AlertBand(500, 530, "pending", "PoolHigh{service=api}"),
    ]
    fig = metric_chart(_trace(), ["db_pool_utilization"], alert_bands=bands)
    fills = [s.fillcolor for s in fig.layout.shapes if s.type == "rect"]
    assert len(fills) == 3 and "214, 39, 40" in fills[1] and "245, 166, 35" in fills[0]


def test_alert_bands_up_to_now_do_not_reveal_a_later_firing_or_resolution():
    bands = alert_bands(_timeline(), until=200)
    assert bands == [AlertBand(120, None, "pending", "PoolHigh{service=api}")]
    bands = alert_bands(_timeline(), until=300)
    assert bands[-1] == AlertBand(240, None, "firing", "PoolHigh{service=api}")


def test_alert_strip_has_one_row_per_alert_and_bars_of_the_right_length():
    fig = alert_bands_chart(_timeline(), _trace())
    firing = next(t for t in fig.data if t.name == "firing")
    assert list(firing.y) == ["PoolHigh{service=api}"]
    assert firing.x[0] == (450 - 240) * 1000
    assert firing.base[0] == START + timedelta(seconds=240)


def test_alert_strip_says_so_when_nothing_fired():
    fig = alert_bands_chart(_Timeline([]), _trace())
    assert any("No alert" in a.text for a in fig.layout.annotations)


def test_alerts_are_listed_under_every_metric_their_rule_reads():
    from simulator.rules import RuleGroup

    group = RuleGroup.model_validate(
        {
            "name": "g",
            "rules": [
                {
                    "alert": "ErrorRatio",
                    "expr": "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.01",
                },
                {"alert": "PoolHigh", "expr": 'db_pool_utilization{service="api"} > 0.8'},
                {"record": "x:rate5m", "expr": "rate(requests_total[5m])"},
            ],
        }
    )
    from simulator.charts import alerts_by_metric

    assert alerts_by_metric([group]) == {
        "errors_total": {"ErrorRatio"},
        "requests_total": {"ErrorRatio"},
        "db_pool_utilization": {"PoolHigh"},
    }


def test_only_the_named_alerts_get_bands():
    assert alert_bands(_timeline(), only={"Other"}) == []
    assert len(alert_bands(_timeline(), only={"PoolHigh"})) == 3


def test_labels_from_a_scenario_are_shown_as_text_not_html():
    fig = metric_chart(
        _trace(),
        ["db_pool_utilization"],
        thresholds=[(0.8, '<a href="http://x">click</a>')],
        shade=[(0, 60, "<b>deploy</b>")],
        markers=[(30, "<br>")],
    )
    texts = [a.text for a in fig.layout.annotations]
    assert all("<" not in t for t in texts)
    assert "&lt;b&gt;deploy&lt;/b&gt;" in texts


def test_a_series_on_a_much_smaller_scale_gets_the_right_hand_axis_with_its_threshold():
    n = 41
    conns = Series("db_connections_active", (), np.full(n, 95.0), np.ones(n, bool), np.zeros(n, bool))
    ratio = Series("db_pool_utilization", (), np.full(n, 0.95), np.ones(n, bool), np.zeros(n, bool))
    trace = Trace.build(START, 15.0, n, [conns, ratio])
    fig = metric_chart(
        trace, ["db_connections_active", "db_pool_utilization"], thresholds=[(0.8, "PoolHigh")]
    )
    axes = {t.name: t.yaxis for t in fig.data}
    assert axes == {"db_connections_active": "y", "db_pool_utilization (right axis)": "y2"}
    line = next(s for s in fig.layout.shapes if s.type == "line" and s.y0 == 0.8)
    assert line.yref == "y2"


def test_series_on_similar_scales_share_one_axis():
    fig = metric_chart(_trace(), ["db_pool_utilization"])
    assert {t.yaxis for t in fig.data} == {"y"}


def _counter_trace(kind: str = "counter", name: str = "http_requests_total") -> Trace:
    # 10 requests a second, scraped every 15 s, with a process restart (reset to 0) at tick 20.
    n = 41
    values = np.cumsum(np.full(n, 150.0))
    values[20:] -= values[19]
    series = Series(name, (("service", "api"),), values, np.ones(n, bool), np.zeros(n, bool), kind=kind)
    return Trace.build(START, 15.0, n, [series])


def test_a_counter_is_drawn_as_requests_per_second_not_an_ever_rising_total():
    fig = metric_chart(_counter_trace(), ["http_requests_total"])
    y = np.asarray(fig.data[0].y, dtype=float)
    assert fig.data[0].name == 'rate(http_requests_total{service="api"}[1m])'
    assert np.allclose(y[~np.isnan(y)], 10.0)  # flat 10 req/s, also across the restart
    assert fig.layout.yaxis.title.text == "per second"


def test_a_counter_without_a_declared_type_is_recognised_by_its_total_suffix():
    fig = metric_chart(_counter_trace(kind="gauge"), ["http_requests_total"])
    assert fig.data[0].name.startswith("rate(")


def test_a_gauge_is_drawn_as_it_is():
    fig = metric_chart(_trace(), ['db_pool_utilization{service="api"}'])
    assert fig.data[0].name == 'db_pool_utilization{service="api"}'
    assert fig.layout.yaxis.title.text == "ratio"


def test_every_counter_of_every_built_in_scenario_is_charted_as_a_rate():
    from pathlib import Path

    from simulator.library import panels
    from simulator.scenario import load_scenario, scenario_files
    from simulator.traces import generate_trace

    checked = 0
    for path in scenario_files(Path(__file__).resolve().parents[2] / "scenarios"):
        loaded = load_scenario(path)
        sc = loaded.scenario
        trace = generate_trace(sc, sc.seed)
        counters = {m.key for m in sc.metrics if m.kind == "counter" or m.name.endswith("_total")}
        for title, keys in panels(sc).items():
            fig = metric_chart(trace, keys, title=title)
            for line in fig.data:
                drawn = line.name.removesuffix(" (right axis)")
                series_key = re.sub(r"^rate\((.*)\[\d+m\]\)$", r"\1", drawn)
                if series_key not in counters:
                    continue
                assert drawn.startswith("rate("), f"{sc.id}: {drawn} drawn as a raw total"
                y = np.asarray(line.y, dtype=float)
                y = y[~np.isnan(y)]
                total = np.nanmax(trace.get(series_key).masked())
                # A rate of a total that rises over the scenario stays far below that total.
                assert len(y) and (total == 0 or y.max() < total), (sc.id, drawn)
                checked += 1
    assert checked >= 10


def test_every_dashboard_tile_states_the_unit_its_chart_is_drawn_in():
    from pathlib import Path

    from simulator.consoles import ConsoleWorld
    from simulator.consoles import dashboards as boards
    from simulator.scenario import load_scenario, scenario_files
    from simulator.traces import generate_trace

    checked = 0
    for path in scenario_files(Path(__file__).resolve().parents[2] / "scenarios"):
        loaded = load_scenario(path)
        sc = loaded.scenario
        world = ConsoleWorld(loaded, generate_trace(sc, sc.seed), sc.clock.duration / 2, sc.seed)
        for panel in boards.production_health(loaded):
            lines = boards.panel_lines(world, panel, 1800)
            tile_unit = panel.queries[0].unit  # what the stat tile above the chart prints
            axis = boards.figure(panel.title, lines, panel.thresholds).layout.yaxis.title.text or ""
            # The tile shows the newest value of the first line that has data: same unit as the axis.
            shown_line = next(line for line in lines if not np.isnan(line.values).all())
            assert tile_unit == axis == shown_line.unit, (sc.id, panel.title)
            if panel.queries[0].expr.startswith("rate("):
                assert axis.endswith("/s"), (sc.id, panel.title, axis)  # counters: per second
            checked += 1
    assert checked >= 40
