"""The Scenario library page under AppTest: filters, briefing, charts, and what trainees see."""

from __future__ import annotations

import json
from datetime import timedelta

from simulator.scenario import load_scenario, scenario_files
from tests.helpers import ROOT, app_test

SCENARIOS = ROOT / "scenarios"


def _shipped(scenario_id: str):
    """A shipped scenario as the page reads it: titles and times below come from the file."""
    return load_scenario(SCENARIOS / f"{scenario_id}.yaml").scenario


def _option(scenario_id: str, title: str | None = None) -> str:
    sc = _shipped(scenario_id)
    return f"{title or sc.title}  ·  difficulty {sc.difficulty}"


def plain(markdown: str) -> str:
    """Text as a reader sees it: without the escapes and word joiners of ui.markdown."""
    return markdown.replace("\\", "").replace("\u2060", "")


def test_library_lists_the_pack_and_shows_the_chosen_scenarios_charts():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Scenario library"
    assert len(at.radio[0].options) == len(scenario_files(SCENARIOS))
    at.radio[0].set_value("db-pool-exhaustion").run()
    assert plain(at.header[0].value) == _shipped("db-pool-exhaustion").briefing_title
    assert len(at.get("plotly_chart")) >= 4


def test_search_narrows_the_list():
    at = app_test("pages/library.py", role="trainer")
    at.run()
    at.text_input(key="lib_query").set_value("certificate").run()
    assert at.radio[0].options == [_option("complete-outage")]


def test_a_trainees_search_looks_only_at_what_a_trainee_sees():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    # "certificate" is the outage's cause: only its trainer-facing text says so.
    at.text_input(key="lib_query").set_value("certificate").run()
    assert any("Nothing matches" in w.value for w in at.warning)
    at.text_input(key="lib_query").set_value("every request failing").run()
    assert at.radio[0].options == [_option("complete-outage", _shipped("complete-outage").briefing_title)]
    assert not at.multiselect  # tags like "false-positive" would name answers


def test_a_trainees_traces_stop_where_the_incident_starts():
    at = app_test("pages/library.py", role="trainee")
    at.run()
    at.radio[0].set_value("db-pool-exhaustion").run()
    # Nothing after the first incident effect starts is drawn for a trainee.
    sc = _shipped("db-pool-exhaustion")
    cut = sc.clock.start + timedelta(seconds=min(e.start for e in sc.incident))
    assert any(f"Traces up to {cut:%H:%M} UTC" in c.value for c in at.caption)
    for chart in at.get("plotly_chart"):
        xs = [x for line in json.loads(chart.proto.spec)["data"] for x in line.get("x") or []]
        assert xs and max(xs)[:19] <= f"{cut:%Y-%m-%dT%H:%M:%S}"


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


def test_drill_this_scenario_by_version_hash_opens_that_scenario_without_naming_it():
    from simulator.scenario import load_scenario
    from tests.helpers import ROOT

    loaded = load_scenario(ROOT / "scenarios" / "scrape-glitch-false-positive.yaml")
    at = app_test(
        "pages/drill.py", role="trainee", query_params={"version": loaded.content_hash, "seed": "42"}
    )
    at.run()
    assert not at.exception
    assert at.selectbox[0].value == "scrape-glitch-false-positive"
    assert at.number_input[0].value == 42


def test_the_trainers_answer_lists_the_policys_escalations_not_only_the_scenarios():
    # complete-outage is CRITICAL: the policy alone requires the incident commander, whatever the
    # scenario's own `answer.escalations` lists; the answer key must say what the drill scores.
    at = app_test("pages/library.py", role="trainer")
    at.run()
    at.text_input(key="lib_query").set_value("certificate").run()
    shown = plain(" ".join(m.value for m in at.markdown))
    assert "Escalate to incident commander by" in shown
    assert "Tell customers by" in shown
