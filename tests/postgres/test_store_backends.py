"""The storage suite on both databases: SQLite and a real PostgreSQL server.

The Alembic migrations must build exactly the models' schema on each; then accounts, sessions,
the audit log, cohorts, cohort drills, attempts and curriculum evidence behave the same on both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from simulator.accounts import AccountError
from simulator.services import cohorts as cohort_service
from simulator.store import Store, people
from simulator.store import attempts as store_att
from simulator.store.db import Base
from simulator.store.migrate import current_revision, head_revision, load_models, schema_differences, upgrade

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_migrations_build_exactly_the_models_schema(any_store_url):
    store = Store(any_store_url)
    try:
        upgrade(store, complete=False)  # migrations only: no safety net for unmigrated models
        assert current_revision(store) == head_revision()
        diffs = schema_differences(store)
        assert diffs == [], "the models and the migrations differ; generate a revision:\n" + "\n".join(
            map(str, diffs)
        )
        load_models()
        assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())
    finally:
        store.dispose()


def test_upgrading_twice_changes_nothing(any_store):
    before = current_revision(any_store)
    upgrade(any_store)
    assert current_revision(any_store) == before == head_revision()


def test_a_database_made_before_migrations_is_adopted_with_its_data(any_store_url):
    store = Store(any_store_url)
    try:
        load_models()
        Base.metadata.create_all(store.engine, tables=[Base.metadata.tables["audit_log"]])
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, target, detail) "
                    "VALUES (:at, 'old', 'legacy', '', '')"
                ),
                {"at": T0},
            )
        upgrade(store)
        assert current_revision(store) == head_revision()
        assert [e.actor for e in people.audit_log(store)] == ["old"]
        assert schema_differences(store) == []
    finally:
        store.dispose()


def test_accounts_sessions_and_audit_work_the_same(any_store):
    admin = people.create_first_admin(any_store, "boss", "a-long-admin-secret", T0, "The <Boss>")
    assert people.authenticate(any_store, "boss", "a-long-admin-secret") == admin
    token = people.start_session(any_store, admin.id, T0)
    assert people.session_user(any_store, token, T0 + timedelta(hours=1)).display_name == "The <Boss>"
    assert people.session_user(any_store, token, T0 + timedelta(hours=10)) is None
    people.add_user(any_store, "boss", "trainee1", "a-long-trainee-pw", "trainee", T0)
    with pytest.raises(AccountError, match="taken"):
        people.add_user(any_store, "boss", "trainee1", "a-long-trainee-pw", "trainee", T0)
    people.set_role(any_store, "boss", "trainee1", "trainer", T0 + timedelta(minutes=1))
    actions = [e.action for e in people.audit_log(any_store)]
    assert actions == ["change_role", "create_user", "create_first_admin"]
    entry = people.audit_log(any_store)[0]
    assert entry.at == T0 + timedelta(minutes=1) and entry.at.tzinfo is not None


def test_cohorts_and_a_cohort_drill_work_the_same(any_store, seed_scenario):
    from simulator.drill import Drill

    people.create_first_admin(any_store, "boss", "a-long-admin-secret", T0)
    t = people.add_user(any_store, "boss", "trainee1", "a-long-trainee-pw", "trainee", T0)
    cohort = people.create_cohort(any_store, "Q2", date(2026, 4, 6), "boss", T0)
    people.add_member(any_store, cohort.id, "trainee1", "boss", T0)
    people.add_member(any_store, cohort.id, "trainee1", "boss", T0)  # twice changes nothing
    assert [m.username for m in people.cohort_members(any_store, cohort.id)] == ["trainee1"]
    assert people.cohorts_of(any_store, "trainee1")[0].start_date == date(2026, 4, 6)
    cd = cohort_service.schedule_cohort_drill(
        any_store, cohort.id, seed_scenario.scenario.id, 11, "boss", T0, speed=2.0
    )
    assert [d.id for d in people.open_drills_for(any_store, "trainee1")] == [cd.id]
    aid = cohort_service.join_cohort_drill(
        any_store, cd.id, t.id, "trainee1", Drill.create(seed_scenario, 11), T0
    )
    cohort_service.control_cohort_drill(any_store, cd.id, "start", "boss", T0 + timedelta(seconds=5))
    cohort_service.control_cohort_drill(any_store, cd.id, "end", "boss", T0 + timedelta(seconds=65))
    kinds = [e.kind for e in store_att.events_for(any_store, aid)]
    assert kinds == ["clock.start", "clock.end"]
    assert people.get_cohort_drill(any_store, cd.id).status == "ended"
    assert people.open_drills_for(any_store, "trainee1") == []
    with pytest.raises(AccountError, match="cannot pause"):
        cohort_service.control_cohort_drill(any_store, cd.id, "pause", "boss", T0 + timedelta(seconds=70))


def test_curriculum_evidence_round_trips_with_its_time_zone(any_store):
    from simulator.curriculum import EvidenceRecord
    from simulator.store import curriculum as store_cur

    rec = EvidenceRecord("runbook", "service_restart", T0, 0.9, True, "page", {"steps": ["a", "b"]})
    store_cur.record_evidence(any_store, "trainee1", rec)
    (back,) = store_cur.evidence_for(any_store, "trainee1")
    assert (back.at, back.score, back.detail) == (T0, 0.9, {"steps": ["a", "b"]})


def test_the_migrations_downgrade_to_nothing_and_back(any_store_url):
    from alembic import command

    from simulator.store.migrate import alembic_config

    store = Store(any_store_url)
    try:
        upgrade(store, complete=False)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(store.url, conn), "base")
        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
        upgrade(store, complete=False)
        assert schema_differences(store) == []
    finally:
        store.dispose()
