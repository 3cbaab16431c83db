"""PromQL subset: what the evaluator returns, and what the parser refuses (with a position)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulator import promql
from simulator.timeseries import Series, Trace


def _trace(step: float, **series: list[float | None]) -> Trace:
    out = []
    n = max(len(v) for v in series.values())
    for name, vals in series.items():
        v = np.array([np.nan if x is None else x for x in vals], float)
        out.append(Series(name, (("job", "api"),), v, ~np.isnan(v), np.zeros(n, bool)))
    return Trace.build(datetime(2026, 1, 1, tzinfo=UTC), step, n, out)


def test_rate_extrapolates_and_clamps_at_the_counter_zero_point():
    trace = _trace(60, x=[0, 30, 60, 90, 120])
    [r] = promql.evaluate("rate(x[5m])", trace, [240])
    assert r.values[0] == 0.4


def test_range_selector_includes_the_sample_on_its_left_edge():
    trace = _trace(60, x=[1] * 7)
    [r] = promql.evaluate("count_over_time(x[5m])", trace, [300])
    assert r.values[0] == 6


def test_missing_sample_is_bridged_by_the_five_minute_lookback_but_not_longer():
    trace = _trace(60, x=[1, None, None, None, None, None, None, None])
    [r] = promql.evaluate("x", trace, np.arange(8) * 60.0)
    assert r.present.tolist() == [True] * 6 + [False] * 2


def test_comparison_filters_and_keeps_the_name_but_bool_drops_it():
    trace = _trace(60, x=[1, 5])
    [kept] = promql.evaluate("x > 2", trace, [0, 60])
    [flag] = promql.evaluate("x > bool 2", trace, [0, 60])
    assert kept.present.tolist() == [False, True] and kept.labels["__name__"] == "x"
    assert flag.values.tolist() == [0.0, 1.0] and "__name__" not in flag.labels


def test_absent_returns_the_equality_labels_of_a_missing_selector():
    [r] = promql.evaluate('absent(nope{job="api"})', _trace(60, x=[1]), [0])
    assert r.labels == {"job": "api"} and r.values[0] == 1


def test_histogram_quantile_interpolates_inside_the_bucket():
    assert promql.evaluator.bucket_quantile(0.5, [(1.0, 10.0), (2.0, 30.0), (float("inf"), 30.0)]) == 1.25


def test_scalar_expression_is_a_scalar_result():
    [r] = promql.evaluate("1 + 2 * 3", _trace(60, x=[1]), [0])
    assert r.is_scalar and r.values[0] == 7


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("predict_linear(x[5m], 60)", 'unsupported function "predict_linear" at column 1; supported: rate'),
        ("topk(3, x)", "unsupported aggregation 'topk' at column 1"),
        ("x offset 5m", 'unsupported "offset" modifier at column 3'),
        ("rate(x[5m:1m])", "unsupported subquery at column 10"),
        ("x > on(a) group_left y", "unsupported group_left"),
        ("1 > 2", "comparisons between scalars must use BOOL modifier"),
        ("x[5m]", "range vector cannot be a rule result"),
    ],
)
def test_expressions_outside_the_subset_are_rejected_naming_construct_and_column(expr, fragment):
    with pytest.raises(promql.PromQLError) as exc:
        promql.parse(expr)
    assert fragment in str(exc.value)
