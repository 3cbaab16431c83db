"""The OpenMetrics export of a trace loads into a real Prometheus TSDB (`promtool tsdb
create-blocks-from openmetrics`)."""

from __future__ import annotations

import subprocess

from simulator.traces import generate_trace
from tests.conftest import require_tool


def test_openmetrics_export_loads_into_a_real_prometheus_tsdb(seed_scenario, tmp_path):
    promtool = require_tool("promtool")
    om = tmp_path / "trace.om"
    om.write_text(generate_trace(seed_scenario.scenario).to_openmetrics())
    r = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(om), str(tmp_path / "tsdb")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert " 7 " in r.stdout.splitlines()[-1]  # seven series in the block
