"""Accounts and sign-in: hashing, sessions that expire, the first-admin start, refusals by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from simulator.accounts import AccountError, may, needed_roles_text, password_problems
from simulator.store import people
from tests.helpers import PASSWORD, app_test, make_users, page_test

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_password_is_stored_as_an_argon2_hash_never_as_text(tmp_store):
    people.create_user(tmp_store, "alice", "correct-horse-battery", "trainee", T0)
    with tmp_store.session() as s:
        stored = s.scalar(select(people.UserRow.password_hash).where(people.UserRow.username == "alice"))
    assert stored.startswith("$argon2id$")
    assert "correct-horse-battery" not in stored


def test_sign_in_succeeds_with_the_right_password_and_fails_with_a_wrong_one(tmp_store):
    people.create_user(tmp_store, "alice", "correct-horse-battery", "trainee", T0)
    assert people.authenticate(tmp_store, "alice", "correct-horse-battery").username == "alice"
    assert people.authenticate(tmp_store, "alice", "correct-horse-batterY") is None
    assert people.authenticate(tmp_store, "nobody", "correct-horse-battery") is None


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(tmp_store):
    users = make_users(tmp_store)
    token = people.start_session(tmp_store, users["trainee1"].id, T0)
    people.set_active(tmp_store, "admin", "trainee1", False, T0)
    assert people.authenticate(tmp_store, "trainee1", PASSWORD) is None
    assert people.session_user(tmp_store, token, T0 + timedelta(seconds=5)) is None


def test_a_short_password_or_one_containing_the_username_is_refused(tmp_store):
    assert password_problems("short")
    assert password_problems("alice-is-my-password", "alice")
    with pytest.raises(AccountError, match="at least 10 characters"):
        people.create_user(tmp_store, "alice", "short", "trainee", T0)


def test_a_username_cannot_be_taken_twice(tmp_store):
    people.create_user(tmp_store, "alice", "correct-horse-battery", "trainee", T0)
    with pytest.raises(AccountError, match="taken"):
        people.create_user(tmp_store, "Alice", "another-long-password", "trainer", T0)


def test_a_session_expires_after_the_idle_time_and_activity_keeps_it_alive(tmp_store):
    users = make_users(tmp_store)
    token = people.start_session(tmp_store, users["trainee1"].id, T0)
    idle = timedelta(hours=8)
    assert people.session_user(tmp_store, token, T0 + timedelta(hours=7), idle) is not None
    # Activity at 7 h moved the idle window: 14 h after start is only 7 h after the last use.
    assert people.session_user(tmp_store, token, T0 + timedelta(hours=14), idle) is not None
    assert people.session_user(tmp_store, token, T0 + timedelta(hours=22, minutes=1), idle) is None
    # Once expired it stays ended, even if asked about an earlier moment again.
    assert people.session_user(tmp_store, token, T0 + timedelta(hours=14), idle) is None


def test_signing_out_ends_the_session(tmp_store):
    users = make_users(tmp_store)
    token = people.start_session(tmp_store, users["trainer"].id, T0)
    people.end_session(tmp_store, token, T0 + timedelta(minutes=1))
    assert people.session_user(tmp_store, token, T0 + timedelta(minutes=2)) is None


def test_a_password_reset_signs_the_person_out_everywhere(tmp_store):
    users = make_users(tmp_store)
    token = people.start_session(tmp_store, users["trainee2"].id, T0)
    people.reset_password(tmp_store, "admin", "trainee2", "a-brand-new-secret", T0)
    assert people.session_user(tmp_store, token, T0 + timedelta(seconds=1)) is None
    assert people.authenticate(tmp_store, "trainee2", "a-brand-new-secret") is not None


def test_a_role_change_applies_to_a_session_that_is_already_open(tmp_store):
    users = make_users(tmp_store)
    token = people.start_session(tmp_store, users["trainee1"].id, T0)
    people.set_role(tmp_store, "admin", "trainee1", "trainer", T0)
    assert people.session_user(tmp_store, token, T0 + timedelta(seconds=1)).role == "trainer"


def test_the_last_administrator_cannot_be_demoted(tmp_store):
    make_users(tmp_store)
    with pytest.raises(AccountError, match="last administrator"):
        people.set_role(tmp_store, "admin", "admin", "trainee", T0)


def test_the_first_admin_can_be_created_only_once(tmp_store):
    assert not people.has_admin(tmp_store)
    people.create_first_admin(tmp_store, "root-person", "a-long-admin-secret", T0)
    with pytest.raises(AccountError, match="already exists"):
        people.create_first_admin(tmp_store, "intruder", "another-admin-secret", T0)


def test_trainees_may_not_sign_off_or_see_answers_but_trainers_may():
    assert not may("trainee", "sign_off")
    assert not may("trainee", "see_answers")
    assert may("trainer", "sign_off")
    assert not may("trainer", "change_role")
    assert may("admin", "change_role")
    assert not may("trainer", "an_action_nobody_defined")


def test_the_refusal_names_trainers_first():
    assert needed_roles_text(("admin", "trainer")) == "trainers and administrators"
    assert needed_roles_text(("admin",)) == "administrators"


# --- the sign-in page, as a visitor sees it ---------------------------------------------------


def test_a_new_installation_asks_for_the_first_admin_instead_of_a_default_password(tmp_store):
    at = app_test(None, role=None)
    at.run()
    assert any(s.value == "Create the first admin" for s in at.subheader)
    at.text_input[0].input("boss")
    at.text_input[1].input("The Boss")
    at.text_input[2].input("a-long-admin-secret")
    at.text_input[3].input("a-long-admin-secret")
    at.button[0].click().run()
    assert not at.exception
    assert people.get_user_by_username(tmp_store, "boss").role == "admin"
    assert any(e.action == "create_first_admin" for e in people.audit_log(tmp_store))
    # Signed in straight away: the sidebar names the new admin.
    assert any("boss · admin" in c.value for c in at.sidebar.caption)


def test_signing_in_with_a_wrong_password_shows_an_error_and_no_page(tmp_store):
    make_users(tmp_store)
    at = app_test(None, role=None)
    at.run()
    at.text_input[0].input("trainee1")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert any("Wrong username or password" in e.value for e in at.error)
    assert not at.sidebar.caption


def test_signing_in_with_the_right_password_opens_the_app(tmp_store):
    make_users(tmp_store)
    at = app_test(None, role=None)
    at.run()
    at.text_input[0].input("trainee1")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert any("trainee1 · trainee" in c.value for c in at.sidebar.caption)


def test_sign_out_returns_to_the_sign_in_form(tmp_store):
    make_users(tmp_store)
    at = app_test(None, role="trainer")
    at.run()
    at.button(key="firedrill_sign_out").click().run()
    assert any(s.value == "Sign in" for s in at.subheader)


def test_a_trainee_opening_a_trainer_page_sees_only_the_refusal(tmp_store):
    at = page_test("pages/signoff.py", role="trainee")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This page is for trainers and administrators. You are signed in as trainee1 (trainee)."
    ]
    assert not at.title


def test_an_expired_session_shows_the_sign_in_form(tmp_store, monkeypatch):
    monkeypatch.setenv("FIREDRILL_SESSION_IDLE", "1ms")
    at = app_test("pages/home.py", role="trainee")
    at.run()
    assert any(s.value == "Sign in" for s in at.subheader)
    assert any("session ended" in i.value for i in at.info)


def test_a_trainer_page_is_not_in_a_trainees_menu_and_asking_for_it_shows_home(tmp_store):
    at = app_test("pages/signoff.py", role="trainee")
    at.run()
    assert not any(t.value == "Sign-off" for t in at.title)
    assert not at.get("download_button")


def test_a_visitor_who_is_not_signed_in_is_refused_on_a_page(tmp_store):
    at = page_test("pages/signoff.py", role=None)
    at.run()
    assert [e.value for e in at.error] == ["Please sign in to use this page."]
