"""The OpenMetrics export of a trace loads into a real Prometheus TSDB (`promtool tsdb
create-blocks-from openmetrics`)."""

from __future__ import annotations

import subprocess

from simulator.traces import generate_trace
from tests.conftest import require_tool


def test_openmetrics_export_loads_into_a_real_prometheus_tsdb(pool_scenario, tmp_path):
    promtool = require_tool("promtool")
    om = tmp_path / "trace.om"
    om.write_text(generate_trace(pool_scenario.scenario).to_openmetrics())
    r = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(tmp_path / "tsdb")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    series = len(pool_scenario.scenario.metrics)  # one label set per metric in this scenario
    assert f" {series} " in r.stdout.splitlines()[-1]  # every series made it into the block
