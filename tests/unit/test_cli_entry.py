"""The `firedrill` entry point as a shell runs it: one real subprocess, so the wiring of
`python -m simulator` (exit codes, streams) stays covered while other CLI tests run in-process."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_python_m_simulator_validates_the_pack_and_exits_2_on_a_bad_file(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", "tests/fixtures/scenarios/pool-exhaustion.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "ok: tests/fixtures/scenarios/pool-exhaustion.yaml" in ok.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: [unclosed\n")
    failed = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 2
    assert str(bad) in failed.stdout + failed.stderr and "Traceback" not in failed.stderr
