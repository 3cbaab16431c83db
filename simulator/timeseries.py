"""The `Trace`: labelled metric series on a regular time grid, and its exports.

Owns the in-memory shape every other module reads (generator output, PromQL input, chart data)
and the CSV / Parquet / OpenMetrics exports. A sample can be present, absent (a gap in scraping)
or a staleness marker; that distinction changes when alerts fire, so it is kept explicitly.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

Labels = tuple[tuple[str, str], ...]


def labels_key(name: str, labels: Labels | dict[str, str]) -> str:
    items = sorted(labels.items()) if isinstance(labels, dict) else list(labels)
    if not items:
        return name
    return name + "{" + ",".join(f'{k}="{_escape_label(v)}"' for k, v in items) + "}"


def _escape_label(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@dataclass(frozen=True, eq=False)
class Series:
    """One series. `values[i]` is the sample at tick i when `present[i]`; `stale[i]` marks a
    Prometheus staleness marker at tick i (then `present[i]` is False)."""

    name: str
    labels: Labels
    values: np.ndarray
    present: np.ndarray
    stale: np.ndarray
    kind: str = "gauge"
    help: str = ""
    unit: str = ""

    @property
    def key(self) -> str:
        return labels_key(self.name, self.labels)

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)

    def masked(self) -> np.ndarray:
        """Values with NaN where there is no sample (for charts; not for PromQL)."""
        out = self.values.astype(float, copy=True)
        out[~self.present] = np.nan
        return out


@dataclass(frozen=True, eq=False)
class Trace:
    """Series sampled on a common grid: tick i is at `start + offsets[i]` seconds."""

    start: datetime
    step: float
    offsets: np.ndarray  # seconds from start, float64, strictly increasing
    series: tuple[Series, ...]
    _by_key: dict[str, Series] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {s.key: s for s in self.series})

    @classmethod
    def build(
        cls,
        start: datetime,
        step: float,
        n: int,
        series: Iterable[Series],
    ) -> Trace:
        offsets = np.arange(n, dtype=np.float64) * step
        return cls(start=start, step=step, offsets=offsets, series=tuple(series))

    def __len__(self) -> int:
        return len(self.offsets)

    def __iter__(self) -> Iterator[Series]:
        return iter(self.series)

    def get(self, key: str) -> Series | None:
        return self._by_key.get(key)

    def by_name(self, name: str) -> list[Series]:
        return [s for s in self.series if s.name == name]

    def times(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex([self.start + timedelta(seconds=float(o)) for o in self.offsets])

    def until(self, offset: float) -> Trace:
        """The trace as known at `offset` seconds: no sample after it (what a trainee may see)."""
        n = int(np.searchsorted(self.offsets, offset, side="right"))
        return Trace(
            start=self.start,
            step=self.step,
            offsets=self.offsets[:n],
            series=tuple(
                Series(s.name, s.labels, s.values[:n], s.present[:n], s.stale[:n], s.kind, s.help, s.unit)
                for s in self.series
            ),
        )

    def to_frame(self) -> pd.DataFrame:
        """Wide table: one row per tick, one column per series key, NaN where no sample."""
        data = {s.key: s.masked() for s in self.series}
        frame = pd.DataFrame(data, index=self.times())
        frame.index.name = "time"
        return frame

    def to_csv(self) -> str:
        return self.to_frame().to_csv(float_format="%.6g", date_format="%Y-%m-%dT%H:%M:%SZ")

    def to_parquet(self) -> bytes:
        buf = io.BytesIO()
        self.to_frame().to_parquet(buf)
        return buf.getvalue()

    def to_openmetrics(self) -> str:
        """OpenMetrics text that `promtool tsdb create-blocks-from openmetrics` accepts.

        Series are grouped by metric family, samples in time order, timestamps in seconds since the
        epoch; absent samples are left out (the importer has no staleness markers to write).
        """
        epoch = self.start.timestamp()
        out: list[str] = []
        families: dict[str, list[Series]] = {}
        for s in self.series:
            families.setdefault(s.name, []).append(s)
        for name in sorted(families):
            members = families[name]
            kind = members[0].kind
            # A counter family's samples must end in _total in OpenMetrics; our gauges are untyped
            # enough that "gauge" is always accurate.
            om_type = "counter" if kind == "counter" and name.endswith("_total") else "gauge"
            family = name[: -len("_total")] if om_type == "counter" else name
            out.append(f"# TYPE {family} {om_type}")
            if members[0].help:
                out.append(f"# HELP {family} {_escape_help(members[0].help)}")
            for s in members:
                key = labels_key(s.name, s.labels)
                ts = epoch + self.offsets
                for i in np.flatnonzero(s.present):
                    out.append(f"{key} {_om_float(float(s.values[i]))} {_om_ts(float(ts[i]))}")
        out.append("# EOF")
        return "\n".join(out) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _om_float(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v) if v != int(v) or abs(v) >= 1e15 else str(int(v))


def _om_ts(t: float) -> str:
    return f"{t:.3f}".rstrip("0").rstrip(".")
