"""The On-call page under AppTest: who is on call at a chosen time, the calendar, and the
escalation simulator's timeline for the chosen severity and acknowledgement."""

from __future__ import annotations

from datetime import date, time

from tests.helpers import app_test

PAGE = "pages/oncall.py"


def _at(day: date, clock: time, role: str = "trainee"):
    at = app_test(PAGE, role=role)
    at.run()
    at.date_input(key="oc_date").set_value(day)
    at.time_input(key="oc_time").set_value(clock)
    return at.run()


def _table(at, index: int):
    return at.dataframe[index].value


def test_page_shows_who_is_on_call_and_the_outgoing_primary_during_the_overlap():
    at = _at(date(2026, 3, 9), time(1, 0))
    assert not at.exception
    assert at.title[0].value == "On-call"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Primary"] == "Jonathan May"
    assert metrics["Outgoing primary (overlap)"] == "Eric Brewer"
    assert any("outgoing primary is still on call" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 2  # the calendar and the page timeline


def test_page_shows_a_vacation_override_in_force():
    at = _at(date(2026, 3, 18), time(10, 0))
    assert {m.label: m.value for m in at.metric}["Backup"] == "Natalie Davis"
    assert any("charles away" in i.value for i in at.info)


def test_escalation_simulator_pages_the_backup_when_the_primary_is_slow():
    at = _at(date(2026, 3, 10), time(14, 0))
    at.selectbox(key="oc_sev").set_value("CRITICAL")
    at.number_input(key="oc_ack").set_value(3.0)
    at.run()
    rows = at.table[-1].value  # the plan is an st.table (its reasons wrap instead of being cut off)
    assert list(rows["who"][:1]) == ["Jonathan May"]
    assert ("Charles Rodriguez", "2m") in set(zip(rows["who"], rows["after"], strict=True))
    assert "Incident commander" in set(rows["role"])


def test_escalation_simulator_security_route_and_solo_preset_at_night():
    at = _at(date(2026, 3, 10), time(23, 0))
    at.selectbox(key="oc_team").set_value("Solo-developer preset (data/presets/solo-developer/team.yaml)")
    at.checkbox(key="oc_noack").check()
    at.run()
    rows = at.table[-1].value
    pages = rows[rows["channel"] == "page"]
    assert list(pages[pages["role"] == "On-call backup"]["after"]) == ["0s", "15m", "30m"]
    assert {m.label: m.value for m in at.metric}["Primary"] == "nobody (outside hours)"


def test_staff_roles_may_open_the_page_too():
    for role in ("trainer", "admin"):
        at = app_test(PAGE, role=role)
        at.run()
        assert not at.exception
        assert at.title[0].value == "On-call"
