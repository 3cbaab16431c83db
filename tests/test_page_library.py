"""The Scenario library page under AppTest: filters, briefing, charts, and what trainees see."""

from __future__ import annotations

from tests.helpers import app_test


def test_library_lists_the_pack_and_shows_the_chosen_scenarios_charts():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Scenario library"
    assert len(at.radio[0].options) >= 5
    at.radio[0].set_value("db-pool-exhaustion").run()
    assert at.header[0].value == "Database connection pool exhaustion"
    assert len(at.get("plotly_chart")) >= 4


def test_search_narrows_the_list():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    at.text_input(key="lib_query").set_value("certificate").run()
    assert at.radio[0].options == ["Complete API outage after a certificate expiry  ·  difficulty 2"]


def test_a_trainee_never_sees_the_answer_or_incident_windows():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    text = " ".join(e.label for e in at.expander)
    assert "Answer" not in text
    assert not any("incident windows" in c.value for c in at.caption)


def test_a_trainer_sees_the_answer_and_the_shaded_incident_windows():
    at = app_test("pages/library.py", role="trainer")
    at.run()
    at.radio[0].set_value("db-pool-exhaustion").run()
    assert any("Answer" in e.label for e in at.expander)
    assert any("incident windows" in c.value for c in at.caption)


def test_new_variant_moves_to_the_next_seed():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    at.radio[0].set_value("db-pool-exhaustion").run()
    before = at.number_input(key="seed_db-pool-exhaustion").value
    at.button(key="variant_db-pool-exhaustion").click().run()
    assert at.number_input(key="seed_db-pool-exhaustion").value == before + 1


def test_drill_this_scenario_opens_the_drill_on_that_scenario_and_seed():
    at = app_test(
        "pages/drill.py", role="trainee", query_params={"scenario": "db-pool-exhaustion", "seed": "42"}
    )
    at.run()
    assert not at.exception
    assert at.selectbox[0].value == "db-pool-exhaustion"
    assert at.number_input[0].value == 42
