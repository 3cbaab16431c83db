"""Twenty trainees acting at once: nothing is lost and nobody sees "database is locked".

Real concurrent writers (threads released together by a barrier) against SQLite and a real
PostgreSQL server: one shared engine, as one app server has, and one engine per writer, as
several app replicas have.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from simulator.drill import Event
from simulator.services import cohorts as cohort_service
from simulator.services import drills as drill_service
from simulator.store import Store, open_store, people
from simulator.store import attempts as store_att

WRITERS = 20
EACH = 8
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _run_together(n: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            work(i)
        except BaseException as exc:  # collected and asserted on below, with the message
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors


def _attempts(store: Store, seed_scenario, n: int) -> list[int]:
    from simulator.drill import Drill

    engine = Drill.create(seed_scenario, 7)
    ids = []
    for i in range(n):
        person = (
            people.create_user(store, f"trainee{i:02d}", "firedrill-test-pw", "trainee", T0)
            if i == 0
            else None
        )
        ids.append(
            drill_service.start_attempt(
                store,
                user_id=person.id if person else None,
                username=f"trainee{i:02d}",
                drill=engine,
                speed=1.0,
                now=T0,
            )
        )
    return ids


@pytest.mark.parametrize("engines", ["one shared engine", "one engine per writer"])
def test_twenty_trainees_appending_at_once_lose_nothing(any_store, seed_scenario, engines):
    ids = _attempts(any_store, seed_scenario, WRITERS)
    own = (
        [open_store(any_store.url, create=False) for _ in range(WRITERS)]
        if engines != "one shared engine"
        else []
    )

    def work(i: int) -> None:
        store = own[i] if own else any_store
        for k in range(EACH):
            store_att.append_event(
                store,
                ids[i],
                Event(
                    0,
                    float(k),
                    "post_update",
                    {"text": f"update {i}/{k}"},
                    f"trainee{i:02d}",
                    T0 + timedelta(seconds=k),
                ),
            )
            people.record_audit(
                store,
                f"trainee{i:02d}",
                "post_update",
                f"attempt {ids[i]}",
                f"{k}",
                at=T0 + timedelta(seconds=k),
            )

    try:
        errors = _run_together(WRITERS, work)
    finally:
        for s in own:
            s.dispose()
    assert not errors, f"{len(errors)} writers failed, e.g. {errors[0]!r}"
    for i, aid in enumerate(ids):
        events = [e for e in store_att.events_for(any_store, aid) if e.kind == "post_update"]
        assert [e.payload["text"] for e in events] == [f"update {i}/{k}" for k in range(EACH)]
        assert [e.seq for e in events] == list(range(2, EACH + 2))  # 1 is the clock start
    assert len(people.audit_log(any_store, action="post_update", limit=10_000)) == WRITERS * EACH


def test_twenty_writers_on_one_shared_log_get_distinct_sequence_numbers(any_store, seed_scenario):
    (aid,) = _attempts(any_store, seed_scenario, 1)

    def work(i: int) -> None:
        for k in range(3):
            store_att.append_event(
                any_store,
                aid,
                Event(0, float(k), "look", {"console": f"w{i}", "detail": str(k)}, "trainee", T0),
            )

    errors = _run_together(WRITERS, work)
    assert not errors, f"{len(errors)} writers failed, e.g. {errors[0]!r}"
    looks = [e for e in store_att.events_for(any_store, aid) if e.kind == "look"]
    assert len(looks) == WRITERS * 3
    assert len({e.seq for e in looks}) == WRITERS * 3


def test_twenty_trainees_joining_one_cohort_drill_at_once_each_get_one_attempt(any_store, seed_scenario):
    from simulator.drill import Drill

    engine = Drill.create(seed_scenario, 7)
    cohort = people.create_cohort(any_store, "big cohort", T0.date(), "trainer", T0)
    hashed = people.hash_password("firedrill-test-pw")
    users = []
    with any_store.session() as s:
        for i in range(WRITERS):
            row = people.UserRow(
                username=f"t{i:02d}",
                display_name=f"T{i}",
                role="trainee",
                password_hash=hashed,
                active=True,
                created_at=T0,
            )
            s.add(row)
            s.flush()
            users.append((row.id, row.username))
    for _, u in users:
        people.add_member(any_store, cohort.id, u, "trainer", T0)
    cd = cohort_service.schedule_cohort_drill(
        any_store, cohort.id, seed_scenario.scenario.id, 7, "trainer", T0
    )
    results: dict[str, set[int]] = {}
    lock = threading.Lock()

    def work(i: int) -> None:
        uid, name = users[i % WRITERS]
        # Every trainee clicks Join twice at the same moment (two tabs).
        aid = cohort_service.join_cohort_drill(any_store, cd.id, uid, name, engine, T0)
        with lock:
            results.setdefault(name, set()).add(aid)

    errors = _run_together(WRITERS * 2, work)
    assert not [e for e in errors if "another tab" not in str(e)], errors[:1]
    assert all(len(ids) == 1 for ids in results.values())
    assert len(people.drill_participants(any_store, cd.id)) == WRITERS
