"""The first-start form creates exactly one administrator, however many visitors submit it at once
(issue 16.6: two first-start visitors both became admin)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from simulator.accounts import AccountError
from simulator.store import Store, accounts, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VISITORS = 8


def test_of_concurrent_first_start_visitors_exactly_one_becomes_admin(any_store: Store):
    barrier = threading.Barrier(VISITORS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def visit(i: int) -> None:
        # One engine per visitor, as separate app replicas would have.
        store = open_store(any_store.url, create=False)
        try:
            barrier.wait(timeout=60)
            accounts.create_first_admin(store, f"admin{i}", "a-long-admin-password", T0)
            outcome = "admin"
        except AccountError as exc:
            outcome = str(exc)
        finally:
            store.dispose()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(VISITORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(outcomes) == ["admin"] + ["an administrator already exists; sign in instead"] * (
        VISITORS - 1
    )
    assert len(accounts.list_users(any_store, role="admin")) == 1


def test_the_first_admin_form_is_closed_once_an_admin_exists(tmp_store):
    accounts.create_first_admin(tmp_store, "ada", "a-long-admin-password", T0)
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_first_admin(tmp_store, "eve", "another-long-password", T0)
