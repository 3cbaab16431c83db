"""The drill page makes verification reachable: refreshing an open dashboard board records a look
at the metrics, which is what scoring credits as verifying a recovery (issue 14.3)."""

from __future__ import annotations

from simulator.services import drills as drill_service
from simulator.store import attempts
from tests import helpers
from tests.helpers import app_test
from tests.pages.test_page_drill import _start_for


def test_refreshing_the_open_board_records_a_dashboards_look():
    aid = _start_for("trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    helpers.open_action_tab(at, aid, "Diagnose & fix")  # where "Verify recovery" says what counts
    assert any("looked at the dashboards after the metrics came back" in c.value for c in at.caption)
    refresh = next(b for b in at.button if b.label == "Refresh consoles")
    refresh.click().run()  # the board is still closed: nothing to look at, nothing recorded
    assert not [e for e in attempts.events_for(helpers.test_store(), aid) if e.kind == "look"]
    next(b for b in at.button if b.label == "Open the Production Health board").click().run()
    next(b for b in at.button if b.label == "Refresh consoles").click().run()
    looks = [e.payload for e in attempts.events_for(helpers.test_store(), aid) if e.kind == "look"]
    assert {"console": "dashboards", "detail": "board refreshed"} in looks


def test_the_debrief_of_a_drill_that_never_fixed_the_incident_says_why_it_failed():
    from datetime import UTC, datetime

    import yaml

    from simulator.actions import load_responses
    from simulator.drill import events_from_responses
    from tests.unit.test_scoring_world import SCENARIOS, _drill, never_fixes

    aid = _start_for("trainee1", "data-corruption-wrong-host")
    drill = _drill("data-corruption-wrong-host")
    expert = yaml.safe_load((SCENARIOS / "data-corruption-wrong-host.expert.yaml").read_text())["actions"]
    responses = load_responses(yaml.safe_dump({"actions": never_fixes(drill, expert)}), "t", drill.scenario)
    store = helpers.test_store()
    for event in events_from_responses(drill, responses):
        attempts.append_event(store, aid, event)
    drill_service.finish_and_score(
        store, aid, drill_service.drill_for(attempts.get_attempt(store, aid)), datetime.now(UTC)
    )
    at = app_test("pages/debrief.py", role="trainee", query_params={"attempt": str(aid)}, timeout=90)
    at.run()
    assert not at.exception
    assert any(e.value.startswith("NOT PASSED") for e in at.error)
    reasons = [t.value for t in at.text if t.value.startswith("• ")]
    assert any("critical item failed — the fix was never applied" in r for r in reasons)
    assert any("resolved at" in r and "not back to normal" in r for r in reasons)
