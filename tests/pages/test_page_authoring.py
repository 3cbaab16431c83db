"""The Scenario studio under AppTest: trainers only; problems with line and column; preview; save."""

from __future__ import annotations

import re

import pytest

from simulator.store import scenarios as repo
from tests.conftest import SCENARIOS
from tests.helpers import app_test, page_test
from tests.helpers import test_store as open_test_store

PAGE = "pages/authoring.py"


@pytest.fixture(autouse=True)
def _fresh_db(tmp_store):
    # Each test gets its own database (tmp_store sets FIREDRILL_DATABASE_URL for the app).
    yield


def _studio(role: str = "trainer", username: str | None = None, plain: bool = True):
    """The studio with the plain text editor switched on (`plain`): the code editor component
    does not render under AppTest, so these tests edit through the accessible plain editor, which
    is a real switch on the page; the code editor itself is tested in Chromium
    (tests/e2e/test_authoring.py)."""
    at = app_test(PAGE, role=role, username=username, timeout=60, studio_plain_editor=plain)
    at.run()
    assert not at.exception, at.exception
    return at


def _frame(at, column: str):
    """The first table on the page with this column (AppTest does not expose dataframe keys)."""
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def _problems(at) -> list[dict]:
    """The problem list as rows, read back from the page's "line L, column C · field: problem" text."""
    rx = re.compile(r"^line (\d+|\?), column (\d+|\?) · (\S+): (.*)$")
    rows = []
    for block in at.code:
        for ln in block.value.splitlines():
            if m := rx.match(ln):
                rows.append(
                    {
                        "line": int(m[1]) if m[1] != "?" else None,
                        "column": int(m[2]) if m[2] != "?" else None,
                        "field": m[3],
                        "problem": m[4],
                    }
                )
    return rows


def test_a_trainee_is_refused_by_the_page_itself():
    at = page_test(PAGE, role="trainee")
    at.run()
    assert any("This page is for" in e.value for e in at.error)
    assert not at.text_area


def test_a_trainer_starts_from_a_template_and_sees_a_valid_preview():
    at = _studio()
    assert at.title[0].value == "Scenario studio"
    at.selectbox(key="studio_template").set_value("bad deploy revert")
    at.button(key="studio_use_template").click().run()
    assert "id: my-bad-deploy" in at.text_area(key="studio_text").value
    assert any("Valid: Errors after a deploy" in s.value for s in at.success)
    alerts = _frame(at, "alert")
    assert "APIErrorRateHigh" in set(alerts["alert"]) and "firing" in set(alerts["state"])
    assert len(at.get("plotly_chart")) >= 2


def test_every_problem_is_listed_with_its_line_and_column():
    at = _studio()
    text = at.text_area(key="studio_text").value
    broken = re.sub(
        r"(?m)^  duration: \S+", "  duration: soon", text.replace("difficulty: 2", "difficulty: 9")
    )
    at.text_area(key="studio_text").set_value(broken).run()
    problems = _problems(at)
    by_field = {p["field"]: p for p in problems}
    assert "difficulty" in by_field and "clock.duration" in by_field
    line = broken.splitlines().index("difficulty: 9") + 1
    assert by_field["difficulty"]["line"] == line and by_field["difficulty"]["column"] >= 1
    assert any("problem(s) to fix" in e.value for e in at.error)
    assert at.button(key="studio_save").disabled


def test_saving_stores_a_version_and_play_as_trainee_becomes_possible():
    at = _studio()
    text = at.text_area(key="studio_text").value.replace("id: my-new-scenario", "id: studio-test")
    at.text_area(key="studio_text").set_value(text).run()
    assert at.button(key="studio_play").disabled  # not saved yet
    at.button(key="studio_save").click().run()
    assert any("Saved studio-test version 1" in s.value for s in at.success)
    store = open_test_store()
    try:
        latest = repo.latest_version(store, "studio-test")
        assert latest is not None and latest.author == "trainer" and latest.text == text
    finally:
        store.dispose()
    assert not at.button(key="studio_play").disabled


def test_a_builtin_original_cannot_be_saved_over():
    at = _studio()
    at.text_area(key="studio_text").set_value((SCENARIOS / "db-pool-exhaustion.yaml").read_text()).run()
    at.button(key="studio_save").click().run()
    assert any("read-only" in e.value for e in at.error)


def test_the_unsaved_text_survives_a_new_session_as_a_draft():
    at = _studio()
    at.text_area(key="studio_text").set_value("id: half-written\ntitle: [").run()
    again = _studio()
    assert again.text_area(key="studio_text").value == "id: half-written\ntitle: ["
    assert "your unsaved draft" in again.caption[0].value


def test_a_postmortem_becomes_a_skeleton_in_the_editor():
    at = _studio()
    at.text_area(key="studio_pm_text").set_value(
        "Regex outage\nA WAF rule burned CPU.\n13:42 UTC - WAF rule deployed\n13:45 UTC - 502s everywhere\n"
    ).run()
    at.button(key="studio_pm_go").click().run()
    text = at.text_area(key="studio_text").value
    assert "id: regex-outage" in text and "13:45 UTC: 502s everywhere" in text
    assert any("Valid: Regex outage" in s.value for s in at.success)


def test_delete_asks_for_the_id_and_keeps_the_version_readable():
    from datetime import UTC, datetime

    store = open_test_store()
    try:
        text = repo.with_new_id((SCENARIOS / "templates" / "minimal.yaml").read_text(), "to-delete")
        saved = repo.save_version(store, text, "trainer", datetime(2026, 3, 1, tzinfo=UTC))
    finally:
        store.dispose()
    at = _studio()
    at.selectbox(key="studio_open_id").set_value("to-delete").run()
    at.text_input(key="studio_delete_confirm").set_value("yes please").run()
    at.button(key="studio_delete").click().run()
    assert any("type the scenario id 'to-delete' to confirm" in e.value for e in at.error)
    at.text_input(key="studio_delete_confirm").set_value("to-delete").run()
    at.button(key="studio_delete").click().run()
    assert any("Deleted to-delete" in s.value for s in at.success)
    store = open_test_store()
    try:
        assert "to-delete" not in [p.scenario_id for p in repo.list_playable(store)]
        assert repo.get_version(store, saved.content_hash).text == text
    finally:
        store.dispose()


def test_another_trainers_scenario_offers_no_delete():
    from datetime import UTC, datetime

    store = open_test_store()
    try:
        text = repo.with_new_id((SCENARIOS / "templates" / "minimal.yaml").read_text(), "not-mine")
        repo.save_version(store, text, "someone-else", datetime(2026, 3, 1, tzinfo=UTC))
    finally:
        store.dispose()
    at = _studio()
    at.selectbox(key="studio_open_id").set_value("not-mine").run()
    assert not [b for b in at.button if b.key == "studio_delete"]
