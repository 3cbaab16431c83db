"""A drill action is confirmed by the script run that received the press (ui/drill_record.py):
the confirmation, the incident panel and the trainee's log already show it, with no second full
run (`st.rerun`), which was a third of the server's CPU per action under load. A mitigation and
the pager's Acknowledge still rerun, for the reasons the module gives."""

from __future__ import annotations

import streamlit as st

from simulator.store import attempts
from tests import helpers
from tests.helpers import app_test, open_action_tab
from tests.pages.test_page_drill import _start_for


def _counting_reruns(monkeypatch) -> list[object]:
    calls: list[object] = []
    real = st.rerun

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(st, "rerun", counted)
    return calls


def _open(aid: int):
    at = app_test("pages/drill.py", role="trainee", query_params={"attempt": str(aid)}, timeout=60)
    at.run()
    assert not at.exception
    return at


def test_declaring_is_confirmed_and_shown_in_the_same_run(monkeypatch):
    aid = _start_for("trainee1")
    at = _open(aid)
    assert any("Incident: not declared" in t.value for t in at.text)
    reruns = _counting_reruns(monkeypatch)
    at.text_input(key=f"declare_title_{aid}").input("Checkout failing")
    next(b for b in at.button if b.label == "Declare incident").click().run()
    assert not at.exception
    assert reruns == []
    assert [e.kind for e in attempts.events_for(helpers.test_store(), aid) if e.is_action] == ["declare"]
    assert any(s.value.startswith("Recorded at") and "eclared" in s.value for s in at.success)
    assert not any("Incident: not declared" in t.value for t in at.text)  # the live panel has it
    assert any("eclared" in str(df.value) for df in at.dataframe)  # and the trainee's log
    # The confirmation belongs to that press: the next run does not repeat it.
    at.run()
    assert not any(s.value.startswith("Recorded at") for s in at.success)


def test_acknowledging_still_reruns_the_whole_page_for_its_confirmation(monkeypatch):
    aid = _start_for("trainee1")
    at = _open(aid)
    reruns = _counting_reruns(monkeypatch)
    next(b for b in at.button if b.label == "Acknowledge the page").click().run()
    assert not at.exception
    assert len(reruns) == 1
    assert any(s.value.startswith("Recorded at") for s in at.success)


def test_only_the_open_action_tab_is_drawn_and_typed_text_survives_a_tab_switch():
    """Half of a run's work was drawing the four closed tabs; the fields are no longer in forms, so
    what a trainee typed and chose, but did not send, is still there when they come back."""
    aid = _start_for("trainee1")
    at = _open(aid)
    labels = {b.label for b in at.button}
    assert "Declare incident" in labels and "Post update" not in labels and "Page / call" not in labels

    at.text_input(key=f"declare_title_{aid}").input("Checkout failing for EU")
    at.selectbox(key=f"classify_severity_{aid}").set_value("HIGH")
    open_action_tab(at, aid, "Communicate")
    assert not at.exception
    assert "Post update" in {b.label for b in at.button} and "Declare incident" not in {
        b.label for b in at.button
    }
    at.text_area(key=f"upd_text_{aid}").input("Investigating checkout errors; next update 10:30")
    open_action_tab(at, aid, "Escalate")
    open_action_tab(at, aid, "Triage")
    assert at.text_input(key=f"declare_title_{aid}").value == "Checkout failing for EU"
    assert at.selectbox(key=f"classify_severity_{aid}").value == "HIGH"
    open_action_tab(at, aid, "Communicate")
    assert at.text_area(key=f"upd_text_{aid}").value == "Investigating checkout errors; next update 10:30"
    next(b for b in at.button if b.label == "Post update").click().run()
    assert not at.exception
    kept = [e for e in attempts.events_for(helpers.test_store(), aid) if e.kind == "post_update"]
    assert [e.payload["text"] for e in kept] == ["Investigating checkout errors; next update 10:30"]


def test_the_report_draft_follows_the_log_until_the_trainee_edits_it():
    aid = _start_for("trainee1")
    at = _open(aid)
    open_action_tab(at, aid, "Report")
    key = f"report_md_{aid}"
    first = at.text_area(key=key).value
    open_action_tab(at, aid, "Triage")
    at.text_input(key=f"declare_title_{aid}").input("Checkout failing")
    next(b for b in at.button if b.label == "Declare incident").click().run()
    open_action_tab(at, aid, "Report")
    redrafted = at.text_area(key=key).value
    assert redrafted != first and "eclared" in redrafted  # the untouched draft took the new log line

    at.text_area(key=key).input(redrafted + "\nMy own note.")
    open_action_tab(at, aid, "Triage")
    next(s for s in at.selectbox if s.label == "Severity").set_value("HIGH")
    next(b for b in at.button if b.label == "Classify").click().run()
    open_action_tab(at, aid, "Report")
    assert at.text_area(key=key).value == redrafted + "\nMy own note."  # an edited report is never replaced
