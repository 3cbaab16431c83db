"""Curriculum, module, runbook and sign-off pages under AppTest: what a trainee and a trainer see."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from simulator.curriculum import EvidenceRecord, default_curriculum
from simulator.runbooks import expert_path, load_runbooks, replay
from tests.helpers import app_test
from ui.navigation import PAGES


@pytest.fixture(autouse=True)
def _fresh_db(tmp_store):
    """Every page test gets its own empty database (tmp_store sets FIREDRILL_DATABASE_URL)."""
    return tmp_store


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_new_trainee_starts_on_day_one_with_nothing_passed():
    at = app_test("pages/curriculum.py", role="trainee")
    at.run()
    assert not at.exception
    cur = default_curriculum()
    first = next(e for d in cur.days for m in d.modules for e in m.exercises)  # whatever the file lists first
    assert _metric(at, "Today") == f"Day {cur.days[0].day}"
    assert _metric(at, "Exercises passed").startswith("0 /")
    assert any(first.title in m.value for m in at.markdown)


def _work_runbook(at, rid: str, actions: list[str]) -> None:
    at.selectbox[0].set_value(rid).run()
    for action in actions:
        at.button(key=f"act::{rid}::{action}").click().run()
    next(b for b in at.button if b.label == "Finish and score").click().run()


def test_finishing_a_runbook_in_the_page_records_evidence_the_curriculum_counts():
    rid = default_curriculum().runbook_ids()[0]
    rb = load_runbooks()[rid]
    at = app_test("pages/runbooks.py", role="trainee")
    at.run()
    _work_runbook(at, rid, expert_path(rb))
    assert not at.exception
    assert any("Passed: 100%" in s.value for s in at.success)
    cur = app_test("pages/curriculum.py", role="trainee")
    cur.run()
    assert _metric(cur, "Exercises passed").startswith("1 /")


def test_a_trap_in_the_runbook_page_is_shown_and_fails_the_exercise():
    # The first action of the curriculum's first runbook that is a trap when done straight away.
    rid = default_curriculum().runbook_ids()[0]
    rb = load_runbooks()[rid]
    trap = next(a.id for a in rb.actions if a.trap and replay(rb, [a.id], finished=False).log[-1].trap)
    at = app_test("pages/runbooks.py", role="trainee")
    at.run()
    _work_runbook(at, rid, [trap])
    assert any("Trap:" in e.value for e in at.error)
    assert any("Not passed" in e.value for e in at.error)


def test_a_trainee_cannot_open_the_signoff_page():
    at = app_test("pages/signoff.py", role="trainee")
    at.run()
    assert not any(t.value == "Sign-off" for t in at.title)
    assert not at.get("download_button")


def test_trainer_cannot_confirm_a_trainee_whose_evidence_is_incomplete(tmp_store):
    from simulator.store import curriculum as store_cur

    store_cur.record_evidence(
        tmp_store,
        "someone",
        EvidenceRecord("runbook", "service_restart", datetime(2026, 3, 11, tzinfo=UTC), 1.0, True),
    )
    at = app_test("pages/signoff.py", role="trainer")
    at.run()
    at.selectbox(key="signoff_user").set_value("someone").run()
    at.radio[0].set_value("Confirm: ready for primary on-call")
    next(b for b in at.button if b.label == "Record decision").click().run()
    assert any("cannot confirm" in e.value for e in at.error)
    assert len(at.get("download_button")) == 3


def test_communication_with_blame_is_not_passed_on_day_four():
    at = app_test("pages/incident_response.py", role="trainee")
    at.run()
    at.text_area[0].input("14:25 UTC: Investigating errors; 1% of requests fail. Next update in 10 minutes.")
    at.text_area[1].input("Investigating: some requests fail. Next update at 15:00 UTC.")
    at.text_area[2].input("Subject: x\nA careless customer broke it.")
    next(b for b in at.button if b.label == "Check my messages").click().run()
    assert any("blame" in e.value for e in at.error)


def test_shadow_shift_handed_in_empty_is_not_ready():
    at = app_test("pages/shadow_shift.py", role="trainee")
    at.run()
    next(b for b in at.button if b.label == "Hand in my judgements").click().run()
    assert any("Not passed" in e.value and "at least 10" in e.value for e in at.error)


def test_team_overview_is_empty_for_a_new_team():
    at = app_test("pages/team_overview.py", role="trainer")
    at.run()
    assert not at.exception
    assert any("Nobody has recorded" in i.value for i in at.info)


def test_an_unfinished_runbook_resumes_in_a_new_session():
    at = app_test("pages/runbooks.py", role="trainee")
    at.run()
    at.selectbox[0].set_value("database_recovery").run()
    at.button(key="act::database_recovery::describe_instances").click().run()
    at.button(key="act::database_recovery::maintenance_on").click().run()
    again = app_test("pages/runbooks.py", role="trainee")  # a reload: a brand-new session
    again.run()
    again.selectbox[0].set_value("database_recovery").run()
    steps = [m.value for m in again.markdown if m.value.startswith("**")]
    assert steps[:2] == [
        "**1. Describe the database instances (AWS console / CLI)**",
        "**2. Put the API into maintenance mode (stop writes)**",
    ]


def test_a_shadow_shift_judged_correctly_alert_by_alert_meets_the_readiness_bar():
    from simulator.exercises import shadow

    truth = {(t[0], t[2]): t for t in (*shadow._NOISE, *shadow._INCIDENT)}
    at = app_test("pages/shadow_shift.py", role="trainee")
    at.run()
    while any(b.label == "Next alert" for b in at.button):
        next(b for b in at.button if b.label == "Next alert").click().run()
    headers = [m.value for m in at.markdown if " UTC · " in m.value]
    assert len(headers) >= 10
    for n, header in enumerate(headers):
        name = header.split(" · ", 1)[1].split("**", 1)[0]
        value = header.rsplit(" — ", 1)[1]
        _, _, _, _, real, actionable, severity, _ = truth[(name, value)]
        at.radio[2 * n].set_value("real" if real else "false positive")
        at.radio[2 * n + 1].set_value("act" if actionable else "no action")
        at.selectbox[n].set_value(severity or "")
    next(b for b in at.button if b.label == "Hand in my judgements").click().run()
    assert any(s.value.startswith("Passed: 100%") for s in at.success)


def test_a_trainer_rejection_is_recorded_and_audited(tmp_store):
    from simulator.store import curriculum as store_cur
    from simulator.store import people

    store_cur.record_evidence(
        tmp_store,
        "trainee2",
        EvidenceRecord("runbook", "service_restart", datetime(2026, 3, 11, tzinfo=UTC), 1.0, True),
    )
    at = app_test("pages/signoff.py", role="trainer")
    at.run()
    at.selectbox(key="signoff_user").set_value("trainee2").run()
    at.radio[0].set_value("Reject: more practice needed")
    at.text_area[0].input("Practise the escalation quiz")
    next(b for b in at.button if b.label == "Record decision").click().run()
    assert not at.exception
    decisions = store_cur.decisions_for(tmp_store, "trainee2")
    assert [(d.decision, d.trainer, d.comment) for d in decisions] == [
        ("rejected", "trainer", "Practise the escalation quiz")
    ]
    entries = people.audit_log(tmp_store, action="signoff.rejected")
    assert entries and entries[0].target == "trainee2" and entries[0].actor == "trainer"
    assert any("sign-off rejected" in h.value for h in at.subheader)


def test_team_overview_flags_overdue_training_and_records_a_monthly_review(tmp_store):
    from simulator.signoff import Decision
    from simulator.store import curriculum as store_cur

    long_ago = datetime(2025, 1, 6, tzinfo=UTC)
    store_cur.record_decision(tmp_store, Decision("trainee2", "trainer", "confirmed", "ok", long_ago, {}))
    at = app_test("pages/team_overview.py", role="trainer")
    at.run()
    frame = at.dataframe[0].value
    row = frame[frame["username"] == "trainee2"].iloc[0]
    assert row["status"] == "ready for primary on-call" and row["signed off"] == "2025-01-06"
    assert row["review overdue"] == "OVERDUE" and row["refresher overdue"] == "OVERDUE"
    at.text_area(key="rv_well").input("Fast acknowledgement on INC-2026-03-10-001")
    next(b for b in at.button if b.label == "Record review").click().run()
    assert any(s.value == "Review recorded." for s in at.success)
    frame = at.dataframe[0].value
    row = frame[frame["username"] == "trainee2"].iloc[0]
    assert row["review overdue"] == "" and row["refresher overdue"] == "OVERDUE"


@pytest.mark.parametrize("page", ["pages/system_overview.py", "pages/alert_handling.py", "pages/handoff.py"])
def test_module_pages_open_for_a_trainee_with_their_exercises(page):
    at = app_test(page, role="trainee", timeout=60)
    at.run()
    assert not at.exception
    assert any("Submit" in b.label or "Complete" in b.label for b in at.button)
    day = default_curriculum().day_of_page(page)
    if next(p for p in PAGES if p.path == page).numbered:  # the heading's day is the curriculum's
        assert day is not None and at.title[0].value.startswith(f"Day {day} — ")


def test_error_budget_answers_computed_from_the_trace_pass():
    from simulator.exercises import traffic_reading

    at = app_test("pages/system_overview.py", role="trainee", timeout=60)
    at.run()
    # The hourly requests and failures, as shown to the trainee.
    table = next(d.value for d in at.dataframe if "requests" in d.value.columns)
    total, failed = int(table["requests"].sum()), int(table["failed"].sum())
    facts = traffic_reading.SloFacts(
        total,
        failed,
        100 * (total - failed) / total,
        total * 0.001,
        100 * failed / (total * 0.001),
        (total - failed) / total >= 0.999,
    )
    inputs = [n for n in at.number_input if n.key and n.key.startswith("q_budget_")]
    values = {
        "availability": round(facts.availability_pct, 3),
        "budget": facts.budget_requests,
        "consumed": facts.budget_consumed_pct,
    }
    for n in inputs:
        n.set_value(values[n.key.rsplit(".", 1)[1]])
    met = next(r for r in at.radio if r.key and r.key.startswith("q_budget_") and r.key.endswith(".met"))
    met.set_value("Yes" if facts.met else "No")
    form_buttons = [b for b in at.button if b.label == "Submit answers"]
    form_buttons[1].click().run()  # the second form on the page is the error-budget one
    assert any(s.value.startswith("Passed: 100%") for s in at.success)


def test_service_map_quiz_is_not_under_its_answer_table_and_feedback_is_in_words():
    from simulator.exercises import service_map

    at = app_test("pages/system_overview.py", role="trainee", timeout=60)
    at.run()
    # Before answering, no table says what users notice when a dependency fails.
    effects = {d.when_down for d in service_map.SERVICE_MAP}
    assert not any(effects & set(map(str, d.value.to_numpy().ravel())) for d in at.dataframe)
    radios = [r for r in at.radio if r.key and r.key.startswith("q_service_map_")]
    assert radios and all(r.value is None for r in radios)
    # The right answer to question i is option i in the material; on screen the order differs.
    down_questions = zip(service_map.SERVICE_MAP, radios, strict=False)  # the "what do users notice" ones
    in_file_order = [r.options.index(d.when_down) == i for i, (d, r) in enumerate(down_questions)]
    assert not all(in_file_order)
    next(b for b in at.button if b.label == "Submit answers").click().run()  # nothing answered
    items = list(next(d.value for d in at.dataframe if "item" in d.value.columns)["item"])
    assert items[0] == f"{service_map.SERVICE_MAP[0].name} fails. What do users notice first?"
    assert not any(re.fullmatch(r"[a-z_]+\.\d+", i) for i in items)  # never "down.0"
    assert any(d.value.shape[0] == len(service_map.SERVICE_MAP) for d in at.dataframe)  # the map opens


def test_runbook_action_buttons_are_not_listed_in_the_experts_order():
    books = load_runbooks()
    at = app_test("pages/runbooks.py", role="trainee")
    at.run()
    in_expert_order = []
    for rid, rb in books.items():
        at.selectbox[0].set_value(rid).run()
        shown = [b.label for b in at.button if b.key and b.key.startswith(f"act::{rid}::")]
        assert sorted(shown) == sorted(a.label for a in rb.actions)  # every action is offered
        expert = [rb.action(a).label for a in expert_path(rb)]
        in_expert_order.append([x for x in shown if x in expert] == expert)
    assert not all(in_expert_order)


def test_dashboard_hour_questions_use_an_hour_picker_not_a_24_item_list():
    from datetime import time

    import numpy as np

    at = app_test("pages/system_overview.py", role="trainee", timeout=60)
    at.run()
    assert not any(len(r.options) >= 12 for r in at.radio)
    pickers = [t for t in at.time_input if t.key and t.key.endswith(".peak_hour")]
    assert len(pickers) == 1 and pickers[0].value is None
    table = next(d.value for d in at.dataframe if "requests" in d.value.columns)
    peak = int(np.argmax(table["requests"].to_numpy()))
    pickers[0].set_value(time(peak, 0))
    dash_form = next(b for b in at.button if b.label == "Submit answers" and "q_dash_" in (b.form_id or ""))
    dash_form.click().run()
    result = at.session_state["r_dash"]
    item = next(i for i in result.items if i.id == "peak_hour")
    assert item.correct, item.feedback


def _pager_at(started_minutes_ago: float):
    from datetime import UTC, datetime, timedelta

    at = app_test("pages/alert_handling.py", role="trainee", timeout=60)
    at.run()
    next(b for b in at.button if b.label.startswith("Start the shift")).click().run()
    # The pages arrived this long ago (as if the trainee had been reading them).
    at.session_state["pager_started_at"] = datetime.now(UTC) - timedelta(minutes=started_minutes_ago)
    at.button(key="ack_p1").click().run()
    return at


def test_pager_practice_measures_the_time_to_acknowledge():
    quick = _pager_at(0)
    assert any(s.value.startswith("Acknowledged after") and " s" in s.value for s in quick.success)
    assert not any(n.label.startswith("Acknowledge after") for n in quick.number_input)  # never typed
    next(b for b in quick.button if b.label == "Submit pager practice").click().run()
    p1 = next(i for i in quick.session_state["r_pager"].items if i.id == "p1")
    assert "acknowledge within" not in p1.feedback

    slow = _pager_at(10)  # the CRITICAL page's target is 2 minutes
    assert any("Acknowledged after 10." in s.value for s in slow.success)
    next(b for b in slow.button if b.label == "Submit pager practice").click().run()
    p1 = next(i for i in slow.session_state["r_pager"].items if i.id == "p1")
    assert "acknowledge within 2 min" in p1.feedback
