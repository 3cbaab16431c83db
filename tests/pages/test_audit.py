"""The audit log: what staff change is recorded with who and when, and only staff can read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.store import people
from tests.conftest import SCENARIOS
from tests.helpers import app_test, make_users, page_test

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_role_change_is_recorded_with_who_when_and_what(tmp_store):
    make_users(tmp_store)
    people.set_role(tmp_store, "admin", "trainee3", "trainer", T0)
    entry = people.audit_log(tmp_store, action="change_role")[0]
    assert (entry.actor, entry.target, entry.detail, entry.at) == (
        "admin",
        "trainee3",
        "trainee → trainer",
        T0,
    )


def test_an_entry_without_a_time_is_stamped_by_the_database(tmp_store):
    people.record_audit(tmp_store, "trainer", "override_score", "attempt 7", {"from": 0.5, "to": 0.7})
    entry = people.audit_log(tmp_store)[0]
    assert entry.detail == "from=0.5; to=0.7"
    assert entry.at.year >= 2025


def test_the_log_lists_newest_first_and_filters_by_actor(tmp_store):
    people.record_audit(tmp_store, "trainer", "sign_off", "trainee1", "confirmed", at=T0)
    people.record_audit(tmp_store, "admin", "change_role", "trainee2", "", at=T0.replace(hour=10))
    assert [e.action for e in people.audit_log(tmp_store)] == ["change_role", "sign_off"]
    assert [e.action for e in people.audit_log(tmp_store, actor="trainer")] == ["sign_off"]


def _submit(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def test_an_admin_creates_an_account_on_the_people_page_and_it_is_audited(tmp_store):
    make_users(tmp_store)
    at = app_test("pages/admin.py", role="admin")
    at.run()
    form = [t for t in at.text_input if t.label in ("Username", "Display name", "Initial password")]
    form[0].input("newbie")
    form[1].input("New Bie")
    form[2].input("a-long-first-secret")
    _submit(at, "Create account")
    assert not at.exception
    assert any("Created newbie (trainee)" in s.value for s in at.success)
    assert people.authenticate(tmp_store, "newbie", "a-long-first-secret") is not None
    assert people.audit_log(tmp_store, action="create_user")[0].target == "newbie"


def test_an_admin_changes_a_role_on_the_people_page_and_it_is_audited(tmp_store):
    make_users(tmp_store)
    at = app_test("pages/admin.py", role="admin")
    at.run()
    at.selectbox(key="role_who").set_value("trainee2")
    at.selectbox(key="role_new").set_value("trainer")
    _submit(at, "Change role")
    assert not at.exception
    assert people.get_user_by_username(tmp_store, "trainee2").role == "trainer"
    assert people.audit_log(tmp_store, action="change_role")[0].actor == "admin"


def test_a_password_reset_on_the_people_page_is_audited_without_the_password(tmp_store):
    make_users(tmp_store)
    at = app_test("pages/admin.py", role="admin")
    at.run()
    at.selectbox(key="reset_who").set_value("trainee1")
    next(t for t in at.text_input if t.label == "New password").input("reset-secret-123")
    _submit(at, "Reset password")
    entry = people.audit_log(tmp_store, action="reset_password")[0]
    assert entry.target == "trainee1"
    assert "reset-secret-123" not in entry.detail


def test_a_trainer_reads_the_audit_log_and_html_in_it_stays_text(tmp_store):
    make_users(tmp_store)
    people.record_audit(tmp_store, "trainer", "sign_off", "trainee1", "<script>alert('x')</script>", at=T0)
    at = app_test("pages/audit.py", role="trainer")
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert "<script>alert('x')</script>" in frame["detail"].tolist()
    assert not any("<script>" in m.value for m in at.markdown)


def test_a_trainee_cannot_read_the_audit_log(tmp_store):
    make_users(tmp_store)
    people.record_audit(tmp_store, "trainer", "sign_off", "trainee1", "confirmed", at=T0)
    at = page_test("pages/audit.py", role="trainee")
    at.run()
    assert [e.value for e in at.error] == [
        "This page is for trainers and administrators. You are signed in as trainee1 (trainee)."
    ]
    assert not at.dataframe


def test_a_trainer_cannot_open_the_people_page(tmp_store):
    at = page_test("pages/admin.py", role="trainer")
    at.run()
    assert [e.value for e in at.error] == [
        "This page is for administrators. You are signed in as trainer (trainer)."
    ]
    assert not at.dataframe


def test_saving_and_deleting_a_scenario_is_audited_by_the_store_itself(tmp_store, seed_scenario):
    from simulator.store import scenarios as store_sc
    from simulator.store.scenarios import with_new_id

    text = with_new_id(seed_scenario.text, "my-pool-drill")
    store_sc.save_version(tmp_store, text, "trainer", T0, note="first cut", base_dir=SCENARIOS)
    store_sc.delete_scenario(
        tmp_store, "my-pool-drill", "trainer", T0.replace(hour=10), confirm="my-pool-drill"
    )
    entries = people.audit_log(tmp_store)
    assert [(e.action, e.actor, e.target) for e in entries] == [
        ("scenario.delete", "trainer", "my-pool-drill"),
        ("scenario.save", "trainer", "my-pool-drill"),
    ]
    assert entries[1].detail.startswith("version 1 (") and entries[1].detail.endswith("first cut")


def test_the_audit_page_pages_through_every_entry_not_just_the_newest(tmp_store):
    make_users(tmp_store)
    with tmp_store.session() as s:
        s.add_all(
            people.AuditRow(
                at=T0 + timedelta(seconds=n), actor="trainer", action="bulk", target=f"entry {n}", detail=""
            )
            for n in range(1, 451)
        )
    at = app_test("pages/audit.py", role="trainer")
    at.run()
    assert not at.exception
    assert at.dataframe[0].value["about"].iloc[0] == "entry 450"
    page = at.number_input(key="audit_page")
    assert page.max == 3
    page.set_value(3).run()
    assert not at.exception
    last = at.dataframe[0].value["about"].tolist()
    assert last[-1] == "entry 1"
    assert "Entries 401–450 of 450." in [c.value for c in at.caption]
