"""Use cases in simulator/services that no page or store test reaches directly: the cohort drill's
state machine refuses a control out of order with a reason, and the built-in pack reports a
scenario file that does not validate (file and line) instead of dropping it silently."""

from __future__ import annotations

import re
import shutil

import pytest

from simulator.accounts import AccountError
from simulator.services import catalogue
from simulator.services.cohorts import next_status
from tests.conftest import SCENARIOS


def test_the_cohort_drill_state_machine():
    assert next_status("start", "scheduled") == "running"
    assert next_status("pause", "running") == "paused"
    assert next_status("resume", "paused") == "running"
    assert next_status("end", "paused") == "ended"
    with pytest.raises(AccountError, match="cannot start a drill that is ended"):
        next_status("start", "ended")
    with pytest.raises(AccountError, match=r"unknown control 'restart'.*allowed: start, pause, resume, end"):
        next_status("restart", "running")


def test_the_builtin_pack_lists_a_broken_file_with_its_line(tmp_path):
    good = sorted(p for p in SCENARIOS.glob("*.yaml") if p.name.count(".") == 1)[0]
    shutil.copy(good, tmp_path / good.name)
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    pack = catalogue.load_builtin_pack(tmp_path)
    assert list(pack.scenarios) == [catalogue.load_builtin_pack(SCENARIOS).scenarios[good.stem].scenario.id]
    assert pack.problems and all("broken.yaml" in p for p in pack.problems)
    assert any(re.search(r"broken\.yaml:\d+:\d+: YAML syntax error", p) for p in pack.problems), pack.problems
