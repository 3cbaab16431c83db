"""A drill action is confirmed by the script run that received the press (ui/drill_record.py):
the confirmation, the incident panel and the trainee's log already show it, with no second full
run (`st.rerun`), which was a third of the server's CPU per action under load. A mitigation and
the pager's Acknowledge still rerun, for the reasons the module gives."""

from __future__ import annotations

import streamlit as st

from simulator.store import attempts
from tests import helpers
from tests.helpers import app_test
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
    at.text_input(key="declare_title").input("Checkout failing")
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
