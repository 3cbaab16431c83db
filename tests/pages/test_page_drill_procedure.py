"""Drill page: the bridge, resolution and watch forms record their actions, and the update rubric
beside the update box checks a draft (ui/drill_procedure.py under AppTest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.drill import Drill, load_default_policy
from simulator.scenario import load_scenario
from simulator.services import drills as drill_service
from simulator.store import attempts
from tests import helpers
from tests.helpers import ROOT, app_test, ensure_user, open_action_tab
from tests.unit.test_update_rubric import SEED_UPDATE


def _open(username: str):
    store = helpers.test_store()
    person = ensure_user(store, username, "trainee")
    # A test-owned CRITICAL incident, so the bridge and watch steps are asked for.
    drill = Drill.create(
        load_scenario(ROOT / "tests" / "fixtures" / "scenarios" / "outage.yaml"), None, load_default_policy()
    )
    aid = drill_service.start_attempt(
        store,
        user_id=person.id,
        username=username,
        drill=drill,
        speed=60,
        now=datetime.now(UTC) - timedelta(seconds=15),
    )
    store.dispose()
    at = app_test(
        "pages/drill.py", role="trainee", username=username, query_params={"attempt": str(aid)}, timeout=60
    )
    at.run()
    assert not at.exception
    return at, aid


def _kinds(aid: int) -> list[str]:
    return [e.kind for e in attempts.events_for(helpers.test_store(), aid) if e.is_action]


def test_joining_the_bridge_and_announcing_and_watching_are_recorded():
    at, aid = _open("trainee1")
    open_action_tab(at, aid, "Escalate")
    at.text_input(key=f"bridge_link_{aid}").input("Slack huddle")
    next(b for b in at.button if b.label == "Join the bridge call").click().run()
    assert not at.exception and _kinds(aid) == ["join_bridge"]
    at.text_area(key=f"bridge_text_{aid}").input(
        "Still down for all users; rolling the cert; next bridge update in 5 min"
    )
    next(b for b in at.button if b.label == "Give bridge update").click().run()
    open_action_tab(at, aid, "Diagnose & fix")
    next(b for b in at.button if b.label == "Announce resolution").click().run()
    next(b for b in at.button if b.label == "Stand down and watch").click().run()
    assert not at.exception
    assert _kinds(aid) == ["join_bridge", "bridge_update", "announce_resolution", "watch"]
    events = [e for e in attempts.events_for(helpers.test_store(), aid) if e.kind == "announce_resolution"]
    assert events[0].payload["text"].startswith("Issue resolved at ") and events[0].payload["text"].endswith(
        " UTC"
    )


def test_the_rubric_beside_the_update_box_checks_a_draft():
    at, aid = _open("trainee2")
    open_action_tab(at, aid, "Communicate")
    box = at.text_area(key=f"rubric_draft_{aid}")
    box.input(SEED_UPDATE).run()
    assert any("Meets every check" in s.value for s in at.success)
    at.text_area(key=f"rubric_draft_{aid}").input("Bob broke it.").run()
    shown = [t.value for t in at.text]
    assert any("leaves out: impact" in t for t in shown) and any("blames someone" in t for t in shown)
    assert _kinds(aid) == []  # checking a draft posts nothing


def test_an_empty_update_is_refused_out_loud_and_a_written_one_is_posted():
    # A busy server's rerun can wipe text typed into the box: the press must say so, not pass silently.
    at, aid = _open("trainee3")
    open_action_tab(at, aid, "Communicate")
    next(b for b in at.button if b.label == "Post update").click().run()
    assert not at.exception and _kinds(aid) == []
    assert any(w.value == "Write the update first." for w in at.warning)
    at.text_area(key=f"upd_text_{aid}").input("Checkout down for all users; rolling back; next update 15:20")
    next(b for b in at.button if b.label == "Post update").click().run()
    assert not at.exception and _kinds(aid) == ["post_update"]


def test_the_debrief_lists_each_flagged_report_line_with_why():
    from simulator.actions import WriteReport
    from simulator.services import drills as drill_service

    _page, aid = _open("trainee3")
    store = helpers.test_store()
    drill = drill_service.drill_for(attempts.get_attempt(store, aid))
    report = (
        "# Post-Incident Report\n\nIncident ID: INC-2026-4-16-1\nSeverity: LOW\n\n## Timeline\n\n"
        "03:00 - Notified customers\n\n## Root Cause\n\nCustomers were notified by e-mail.\n"
    )
    drill_service.record_action(
        store, aid, drill, WriteReport(action="write_report", markdown=report), datetime.now(UTC)
    )
    drill_service.finish_and_score(store, aid, drill, datetime.now(UTC))
    store.dispose()
    deb = app_test(
        "pages/debrief.py",
        role="trainee",
        username="trainee3",
        query_params={"attempt": str(aid)},
        timeout=90,
    )
    deb.run()
    assert not deb.exception
    shown = "\n".join(str(df.value.to_dict()) for df in deb.dataframe)
    assert "does not follow INC-YYYY-MM-DD-NNN" in shown  # the malformed id, with the format
    assert "03:00 - Notified customers" in shown and "the log has no notified customers" in shown
    assert "Customers were notified by e-mail." in shown and "no 'notified customers' action" in shown
