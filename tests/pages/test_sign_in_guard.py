"""Online guessing: limits per source and per account, counted under one transaction.

Findings of issue 16.4: five wrong passwords for `admin` from anyone locked the admin out,
repeatably, and twenty concurrent guesses got nineteen real password checks against a limit of five.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from simulator.accounts import ACCOUNT_LOCK_FAILURES, FREE_FAILURES_PER_SOURCE, AccountError
from simulator.store import accounts, audit, open_store
from tests.helpers import PASSWORD, ROOT, app_test, make_users

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ATTACKER = "203.0.113.66"
ADMIN_DESK = "198.51.100.7"


def _guess(store, username: str, source: str, at: datetime, password: str = "not-the-password") -> str:
    try:
        accounts.sign_in(store, username, password, at, source)
    except AccountError as exc:
        return str(exc)
    return "signed in"


def test_an_attacker_guessing_the_admin_password_does_not_lock_the_admin_out(tmp_store):
    make_users(tmp_store)
    for n in range(FREE_FAILURES_PER_SOURCE + 3):
        _guess(tmp_store, "admin", ATTACKER, T0 + timedelta(minutes=n))
    assert (
        accounts.sign_in(tmp_store, "admin", PASSWORD, T0 + timedelta(minutes=9), ADMIN_DESK).username
        == "admin"
    )


def test_a_failing_source_waits_longer_and_longer_and_its_waiting_tries_are_not_checked(
    tmp_store, monkeypatch
):
    make_users(tmp_store)
    checks: list[str] = []
    real = accounts.authenticate
    monkeypatch.setattr(accounts, "authenticate", lambda s, u, p: checks.append(p) or real(s, u, p))
    for _ in range(FREE_FAILURES_PER_SOURCE):
        assert _guess(tmp_store, "trainee1", ATTACKER, T0).startswith("Wrong username or password")
    # The budget is spent: even the right password is not checked until the delay has passed.
    assert _guess(tmp_store, "trainee1", ATTACKER, T0, PASSWORD) == (
        "Too many failed sign-ins from your address; try again in 2 seconds."
    )
    assert len(checks) == FREE_FAILURES_PER_SOURCE
    assert _guess(tmp_store, "trainee1", ATTACKER, T0 + timedelta(seconds=2)).startswith("Wrong")
    # The sixth failure doubled the wait to 4 s: a second later, 3 s are left.
    assert "3 seconds" in _guess(tmp_store, "trainee1", ATTACKER, T0 + timedelta(seconds=3))
    assert _guess(tmp_store, "trainee1", ATTACKER, T0 + timedelta(seconds=6), PASSWORD) == "signed in"
    # Another address was never slowed down.
    assert _guess(tmp_store, "trainee2", ADMIN_DESK, T0, PASSWORD) == "signed in"


def test_the_window_passing_gives_a_source_its_budget_back(tmp_store):
    make_users(tmp_store)
    for _ in range(FREE_FAILURES_PER_SOURCE):
        _guess(tmp_store, "trainee1", ATTACKER, T0)
    assert "try again" in _guess(tmp_store, "trainee1", ATTACKER, T0 + timedelta(seconds=1))
    assert _guess(tmp_store, "trainee1", ATTACKER, T0 + timedelta(minutes=16), PASSWORD) == "signed in"


def _concurrent_guesses(store, monkeypatch, n: int) -> int:
    checks = 0
    lock = threading.Lock()
    real = accounts.authenticate

    def counting(s, u, p):
        nonlocal checks
        with lock:
            checks += 1
        return real(s, u, p)

    monkeypatch.setattr(accounts, "authenticate", counting)
    barrier = threading.Barrier(n)

    def guess(i: int) -> None:
        barrier.wait(timeout=60)
        _guess(store, "admin", ATTACKER, T0, f"guess-{i}")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return checks


def test_twenty_concurrent_guesses_get_exactly_the_budget_of_real_checks(any_store, monkeypatch):
    make_users(any_store)
    assert _concurrent_guesses(any_store, monkeypatch, 20) == FREE_FAILURES_PER_SOURCE


def test_many_sources_failing_on_one_account_lock_it_until_an_admin_unlocks_it(tmp_store):
    make_users(tmp_store)
    for n in range(ACCOUNT_LOCK_FAILURES):
        _guess(tmp_store, "trainer", f"192.0.2.{n}", T0)
    locked = _guess(tmp_store, "trainer", ADMIN_DESK, T0 + timedelta(hours=3), PASSWORD)
    assert locked.startswith("This account is locked") and "firedrill users unlock" in locked
    assert accounts.locked_accounts(tmp_store) == ["trainer"]
    accounts.unlock(tmp_store, "admin", "trainer", T0 + timedelta(hours=3))
    assert _guess(tmp_store, "trainer", ADMIN_DESK, T0 + timedelta(hours=3), PASSWORD) == "signed in"
    with pytest.raises(AccountError, match="is not locked"):
        accounts.unlock(tmp_store, "admin", "trainer", T0)
    actions = [e.action for e in audit.audit_log(tmp_store, target="trainer")]
    assert "account_locked" in actions and "unlock_account" in actions


def test_failed_sign_ins_write_at_most_two_audit_entries_per_source_and_window(tmp_store):
    make_users(tmp_store)
    for n in range(40):
        _guess(tmp_store, f"nobody{n}", ATTACKER, T0 + timedelta(seconds=20 * n))
    from_attacker = audit.audit_log(tmp_store, actor=f"source:{ATTACKER}")
    assert [e.action for e in reversed(from_attacker)] == ["sign_in_failed", "sign_in_throttled"]
    assert audit.count_audit(tmp_store) == len(from_attacker)


def test_an_admin_unlocks_an_account_on_the_people_page(tmp_store):
    make_users(tmp_store)
    for n in range(ACCOUNT_LOCK_FAILURES):
        _guess(tmp_store, "trainee2", f"192.0.2.{n}", T0)
    at = app_test("pages/admin.py", role="admin")
    at.run()
    assert not at.exception
    at.selectbox(key="unlock_who").set_value("trainee2")
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["trainee2 can sign in again."]
    assert accounts.locked_accounts(tmp_store) == []


def test_the_cli_unlocks_an_account(tmp_store):
    make_users(tmp_store)
    for n in range(ACCOUNT_LOCK_FAILURES):
        _guess(tmp_store, "trainee3", f"192.0.2.{n}", T0)
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "users", "--url", tmp_store.url, "unlock", "trainee3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "trainee3 can sign in again"
    assert accounts.locked_accounts(open_store(tmp_store.url)) == []
    again = subprocess.run(
        [sys.executable, "-m", "simulator", "users", "--url", tmp_store.url, "unlock", "trainee3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "trainee3 is not locked" in again.stderr
