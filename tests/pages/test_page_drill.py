"""Drill, Debrief and My attempts pages under AppTest: start, act, reopen, finish, debrief."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.drill import Drill, load_default_policy
from simulator.scenario import load_scenario
from simulator.services import drills as drill_service
from simulator.store import attempts, people
from tests import helpers
from tests.helpers import ROOT, app_test, ensure_user


def _start_for(username: str, scenario: str = "db-pool-exhaustion") -> int:
    store = helpers.test_store()
    person = ensure_user(store, username, "trainee")
    drill = Drill.create(load_scenario(ROOT / "scenarios" / f"{scenario}.yaml"), None, load_default_policy())
    aid = drill_service.start_attempt(
        store,
        user_id=person.id,
        username=username,
        drill=drill,
        speed=60,
        now=datetime.now(UTC) - timedelta(seconds=15),
    )  # 15 min in: paged
    store.dispose()
    return aid


def test_starting_a_drill_creates_an_attempt_and_puts_it_in_the_address():
    at = app_test("pages/drill.py", role="trainee", timeout=60)
    at.run()
    assert not at.exception
    at.button[0].click().run()  # the form's Start drill
    assert not at.exception
    aid = at.query_params["attempt"]
    assert (
        aid
        and attempts.get_attempt(helpers.test_store(), int(aid[0] if isinstance(aid, list) else aid))
        is not None
    )


def test_acknowledging_is_confirmed_and_survives_reopening_the_attempt():
    aid = _start_for("trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    assert not at.exception
    ack = next(b for b in at.button if b.label == "Acknowledge the page")
    ack.click().run()
    assert any("Recorded at" in s.value for s in at.success)
    again = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    again.run()
    assert [e.kind for e in attempts.events_for(helpers.test_store(), aid) if e.is_action] == ["acknowledge"]
    assert any("Acknowledged the page" in str(df.value) for df in again.dataframe)


def test_acknowledge_is_disabled_until_a_page_has_arrived():
    store = helpers.test_store()
    person = ensure_user(store, "trainee3", "trainee")
    drill = Drill.create(
        load_scenario(ROOT / "scenarios" / "db-pool-exhaustion.yaml"), None, load_default_policy()
    )
    aid = drill_service.start_attempt(
        store, user_id=person.id, username="trainee3", drill=drill, speed=1, now=datetime.now(UTC)
    )
    at = app_test(
        "pages/drill.py", role="trainee", username="trainee3", query_params={"attempt": str(aid)}, timeout=60
    )
    at.run()
    ack = next(b for b in at.button if b.label == "Acknowledge the page")
    assert ack.disabled
    assert "once a page has arrived" in (ack.help or "")
    assert not [e for e in attempts.events_for(store, aid) if e.is_action]


def test_a_trainee_cannot_open_someone_elses_attempt():
    aid = _start_for("trainee2")
    at = app_test("pages/drill.py", role="trainee", username="trainee3", query_params={"attempt": str(aid)})
    at.run()
    assert any("belongs to someone else" in e.value for e in at.error)


def test_the_debrief_is_refused_until_the_drill_is_finished_then_shows_the_scorecard():
    aid = _start_for("trainee1", "complete-outage")
    at = app_test("pages/debrief.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    assert any("still running" in w.value for w in at.warning)
    assert not any("Root cause" in t.value for t in at.text)
    store = helpers.test_store()
    drill_service.finish_and_score(
        store, aid, drill_service.drill_for(attempts.get_attempt(store, aid)), datetime.now(UTC)
    )
    at = app_test("pages/debrief.py", role="trainee", query_params={"attempt": str(aid)}, timeout=90)
    at.run()
    assert not at.exception
    assert any("NOT PASSED" in e.value for e in at.error)
    assert any("Root cause" in t.value for t in at.text)
    assert at.get("plotly_chart")


def test_my_attempts_lists_unfinished_drills_to_resume():
    aid = _start_for("trainee1")
    at = app_test("pages/attempts.py", role="trainee", timeout=60)
    at.run()
    assert not at.exception
    assert any(b.label.startswith(f"Resume #{aid}") for b in at.button)
    assert people.get_user_by_username(helpers.test_store(), "trainee1") is not None


def test_the_live_drill_never_shows_the_answer():
    aid = _start_for("trainee1")
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    shown: list[str] = []
    for _tab in helpers.each_action_tab(at, aid):  # every tab of the action bar, each drawn alone
        for kind in (
            "text",
            "markdown",
            "caption",
            "info",
            "success",
            "warning",
            "error",
            "title",
            "subheader",
        ):
            shown += [str(e.value) for e in getattr(at, kind)]
        for widget in (*at.selectbox, *at.radio):
            shown += [str(o) for o in widget.options]
        shown += [str(d.value) for d in at.dataframe]
    page = "\n".join(shown)
    answer = load_scenario(ROOT / "scenarios" / "db-pool-exhaustion.yaml").scenario.answer
    assert answer.root_cause.strip()[:50] not in page
    for m in answer.mitigations:
        assert m.explanation[:40] not in page
        assert m.label in page or m.label[:30] in page  # offered by label only
    assert "harmful" not in page.lower()
