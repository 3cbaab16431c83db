"""firedrill's PromQL subset: `parse` an expression, `evaluate` it over a `Trace` at many ticks.

Owns the public face of the query engine (the result shape other modules read). The grammar and
its limits live in `parser.py`; the arithmetic, selection and functions in `evaluator.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .evaluator import EvaluationError, RawSeries, ScalarValue, Storage, evaluate_storage, make_labels
from .parser import (
    MAX_EXPRESSION_CHARS,
    SUPPORTED_AGGREGATIONS,
    SUPPORTED_FUNCTIONS,
    Expr,
    Parsed,
    PromQLError,
    VectorSelector,
    parse,
)

__all__ = [
    "MAX_EXPRESSION_CHARS",
    "SUPPORTED_AGGREGATIONS",
    "SUPPORTED_FUNCTIONS",
    "EvaluationError",
    "Expr",
    "Parsed",
    "PromQLError",
    "RawSeries",
    "ResultSeries",
    "Storage",
    "VectorSelector",
    "evaluate",
    "evaluate_storage",
    "make_labels",
    "parse",
    "results",
]


@dataclass(frozen=True, eq=False)
class ResultSeries:
    """One result series over the evaluation ticks: NaN in `values` where `present` is False.

    `is_scalar` marks a scalar result (empty labels, present at every tick); a rule treats it as a
    one-element vector, as Prometheus does.
    """

    labels: dict[str, str]
    values: np.ndarray
    present: np.ndarray
    is_scalar: bool = False

    @property
    def name(self) -> str:
        return self.labels.get("__name__", "")


def results(value, n: int) -> list[ResultSeries]:
    if isinstance(value, ScalarValue):
        return [ResultSeries({}, value.v, np.ones(n, bool), is_scalar=True)]
    return [ResultSeries(dict(s.labels), s.v, s.p) for s in value]


def evaluate(expr: str | Parsed, trace, at: np.ndarray | float) -> list[ResultSeries]:
    """Evaluate `expr` over `trace` at each offset in `at` (seconds from `trace.start`).

    Raises `PromQLError` for an expression outside the subset and `EvaluationError` for a run-time
    error Prometheus would also raise (e.g. many-to-many matching).
    """
    at_arr = np.atleast_1d(np.asarray(at, dtype=np.float64))
    at_ms = np.round(at_arr * 1000).astype(np.int64)
    storage = trace if isinstance(trace, Storage) else Storage.from_trace(trace)
    return results(evaluate_storage(expr, storage, at_ms), len(at_ms))
