"""The scenario studio's editor and validity (issue 15.7), under AppTest and as plain functions.

The code editor component does not render under AppTest: it appears as a component instance
whose arguments (language, line numbers, margin marks, "Go to line" buttons) are checked here;
typing into it and jumping are checked in Chromium (tests/e2e/test_authoring.py). Editing under
AppTest goes through the page's own "Plain text editor" switch, the accessible fallback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.studio import check_text
from tests.conftest import FIXTURES, SCENARIOS
from tests.helpers import app_test

PAGE = "pages/authoring.py"
# A test-owned copy of the pool-exhaustion incident: the rules and thresholds edited below are its.
SEED_TEXT = (FIXTURES / "scenarios" / "pool-exhaustion.yaml").read_text()
# Thresholds no value in the trace reaches: neither rule can fire.
SILENT_TEXT = SEED_TEXT.replace('{service="api"} > 0.8', '{service="api"} > 5').replace("> 0.005", "> 5")
# Only the pool rule is silenced; the error-rate rule still pages.
HALF_SILENT_TEXT = SEED_TEXT.replace('{service="api"} > 0.8', '{service="api"} > 5')


@pytest.fixture(autouse=True)
def _fresh_db(tmp_store):
    yield


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _studio(plain: bool, **session):
    at = app_test(PAGE, role="trainer", timeout=60, studio_plain_editor=plain, **session)
    at.run()
    assert not at.exception, at.exception
    return at


def _editor_args(at) -> dict:
    (instance,) = [c for c in at.get("component_instance") if c.proto.component_name.endswith("code_editor")]
    return json.loads(instance.proto.json_args)


def test_silenced_thresholds_still_differ_from_the_seed():
    assert SILENT_TEXT.count("> 5") == 2 and HALF_SILENT_TEXT.count("> 5") == 1


def test_a_scenario_whose_rules_never_fire_is_not_valid_and_names_each_rule_at_its_line():
    check = check_text(SILENT_TEXT, SCENARIOS)
    assert not check.ok
    named = {p.message.split()[2]: p.line for p in check.problems}
    assert named == {
        "DBConnectionPoolHigh": _line_of(SILENT_TEXT, "alert: DBConnectionPoolHigh"),
        "APIErrorRateElevated": _line_of(SILENT_TEXT, "alert: APIErrorRateElevated"),
    }
    assert all("never fires during the incident" in p.message for p in check.problems)
    assert all("a trainee would never be paged" in p.message for p in check.problems)


def test_one_silent_rule_beside_a_firing_one_is_a_note_not_an_error():
    check = check_text(HALF_SILENT_TEXT, SCENARIOS)
    assert check.ok
    (note,) = check.notes
    assert note.line == _line_of(HALF_SILENT_TEXT, "alert: DBConnectionPoolHigh")
    assert "DBConnectionPoolHigh never fires during the incident" in note.message


def test_every_built_in_scenario_fires_an_alert_during_its_incident():
    for path in sorted(Path(SCENARIOS).glob("*.yaml")):
        if not path.name.endswith(".expert.yaml"):
            check = check_text(path.read_text(), SCENARIOS)
            assert check.ok, (path.name, [str(p) for p in check.problems])


def test_the_page_refuses_to_call_a_silent_scenario_valid():
    at = _studio(plain=True)
    at.text_area(key="studio_text").set_value(SILENT_TEXT).run()
    assert not at.exception, at.exception
    assert not any(s.value.startswith("Valid:") for s in at.success)
    assert any("2 problem(s) to fix" in e.value for e in at.error)
    listed = "\n".join(c.value for c in at.code)
    line = _line_of(SILENT_TEXT, "alert: DBConnectionPoolHigh")
    assert f"line {line}, column 18 · alert: alert rule DBConnectionPoolHigh never fires" in listed
    assert at.button(key="studio_save").disabled


def test_the_page_shows_a_half_silent_scenario_as_valid_with_a_note():
    at = _studio(plain=True)
    at.text_area(key="studio_text").set_value(HALF_SILENT_TEXT).run()
    assert any(s.value.startswith("Valid:") for s in at.success)
    assert any("1 note(s) worth a look" in w.value for w in at.warning)
    assert "alert rule DBConnectionPoolHigh never fires" in "\n".join(c.value for c in at.code)


def test_the_code_editor_is_the_default_with_line_numbers_yaml_and_marks_at_each_problem():
    broken = SEED_TEXT.replace("difficulty: 3", "difficulty: 9")
    at = _studio(plain=False, studio_source=broken)
    assert not at.toggle(key="studio_plain_editor").value
    assert not [t for t in at.text_area if t.key == "studio_text"]
    args = _editor_args(at)
    assert args["lang"] == "yaml"
    assert args["options"]["showLineNumbers"] is True
    assert args["code"] == broken
    line = _line_of(broken, "difficulty: 9")
    (mark,) = args["props"]["annotations"]
    assert mark["row"] == line - 1 and mark["type"] == "error" and "less than or equal to 5" in mark["text"]
    assert args["props"]["markers"][0]["startRow"] == line - 1
    jump = next(b for b in args["buttons"] if b["name"] == f"Go to line {line}")
    assert jump["commands"] == [["gotoline", line]]
    # The same problem is listed in words under the editor.
    assert f"line {line}, column 13 · difficulty:" in "\n".join(c.value for c in at.code)


def test_switching_editors_keeps_the_text():
    at = _studio(plain=True)
    edited = SEED_TEXT.replace("difficulty: 3", "difficulty: 4")
    at.text_area(key="studio_text").set_value(edited).run()
    at.toggle(key="studio_plain_editor").set_value(False).run()
    assert not at.exception, at.exception
    assert _editor_args(at)["code"] == edited
    at.toggle(key="studio_plain_editor").set_value(True).run()
    assert at.text_area(key="studio_text").value == edited
