"""The psql console: the scenario's database at the drill's time, Postgres spelling, sealed off."""

from __future__ import annotations

import pytest

from simulator.consoles import ConsoleWorld
from simulator.consoles.database import DatabaseConsole
from simulator.traces import generate_trace

BULK_PID = 48213


@pytest.fixture(scope="module")
def trace(pool_scenario):
    return generate_trace(pool_scenario.scenario, seed=1)


def console(pool_scenario, trace, now: float = 600.0, **kw) -> DatabaseConsole:
    return DatabaseConsole(ConsoleWorld(pool_scenario, trace, now, 1, **kw))


def column(result, name: str) -> list:
    i = result.columns.index(name)
    return [r[i] for r in result.rows]


def test_the_long_running_bulk_query_tops_the_active_queries_by_runtime(pool_scenario, trace):
    r = console(pool_scenario, trace).execute(
        "SELECT pid, usename, now() - query_start AS runtime, left(query, 30) FROM pg_stat_activity "
        "WHERE state = 'active' AND backend_type = 'client backend' ORDER BY runtime DESC LIMIT 3"
    )
    assert r.ok, r.error
    assert r.rows[0][0] == BULK_PID
    assert r.rows[0][1] == "acme_analytics"
    assert r.rows[0][2] == "00:05:10"  # started at 4m50s, now is 10m


def test_the_bulk_query_is_not_there_before_it_starts(pool_scenario, trace):
    r = console(pool_scenario, trace, now=200).execute(
        f"SELECT count(*) FROM pg_stat_activity WHERE pid = {BULK_PID}"
    )
    assert r.rows == [(0,)]


def test_connection_counts_follow_the_pool_metric_and_show_who_holds_them(pool_scenario, trace):
    c = console(pool_scenario, trace)
    by_user = dict(c.execute("SELECT usename, count(*) FROM pg_stat_activity GROUP BY usename").rows)
    assert by_user["acme_analytics"] == 40
    clients = c.execute("SELECT numbackends FROM pg_stat_database WHERE datname = 'app'").rows[0][0]
    assert 90 <= clients <= 100
    assert c.execute("SHOW max_connections").rows == [("100",)]


def test_postgres_spellings_work(pool_scenario, trace):
    r = console(pool_scenario, trace).execute(
        "SELECT extract(epoch FROM now() - query_start)::int AS secs FROM pg_stat_activity "
        "WHERE usename ILIKE 'ACME%' AND now() - query_start > interval '5 minutes' LIMIT 1"
    )
    assert r.ok, r.error
    assert r.rows == [(310,)]


def test_the_slow_query_view_ranks_the_bulk_query_first(pool_scenario, trace):
    r = console(pool_scenario, trace).execute(
        "SELECT query, calls FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 1"
    )
    assert "tenant_id = $1 ORDER BY e.created_at" in r.rows[0][0]


def test_pg_locks_shows_the_bulk_querys_locks(pool_scenario, trace):
    r = console(pool_scenario, trace).execute(
        f"SELECT relation::regclass, mode, granted FROM pg_locks WHERE pid = {BULK_PID} AND locktype = 'relation'"
    )
    assert r.rows == [("events", "AccessShareLock", "t")]


def test_terminating_the_bulk_query_is_the_kill_query_mitigation(pool_scenario, trace):
    r = console(pool_scenario, trace).execute(f"SELECT pg_terminate_backend({BULK_PID})")
    assert r.rows == [("t",)]
    assert r.action is not None
    assert r.action.kind == "terminate"
    assert r.action.mitigation == "kill-query"
    assert len(r.action.pids) == 40  # its parallel workers go with it


def test_terminating_by_a_filter_is_recognised_too(pool_scenario, trace):
    r = console(pool_scenario, trace).execute(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'bulk-export'"
    )
    assert r.action.kind == "cancel"
    assert r.action.mitigation == "kill-query"


def test_terminating_an_ordinary_backend_is_an_action_without_a_mitigation(pool_scenario, trace):
    c = console(pool_scenario, trace)
    pid = c.execute("SELECT pid FROM pg_stat_activity WHERE usename = 'api' LIMIT 1").rows[0][0]
    r = c.execute(f"SELECT pg_terminate_backend({pid})")
    assert r.action.pids == (pid,)
    assert r.action.mitigation is None


def test_an_unknown_pid_returns_false_and_no_action(pool_scenario, trace):
    r = console(pool_scenario, trace).execute("SELECT pg_terminate_backend(4)")
    assert r.rows == [("f",)]
    assert r.action is None


def test_after_the_kill_mitigation_the_bulk_backends_are_gone(pool_scenario, trace):
    c = console(pool_scenario, trace, mitigations=((590.0, "kill-query"),))
    assert c.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = 'acme_analytics'").rows == [(0,)]


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH DATABASE '{tmp}/stolen.db' AS x",
        "ATTACH DATABASE 'file:{tmp}/stolen.db?mode=rwc' AS x",
        "SELECT 1; ATTACH DATABASE '{tmp}/stolen.db' AS x",
        "VACUUM INTO '{tmp}/stolen.db'",
        "SELECT load_extension('{tmp}/stolen.db')",
        "SELECT readfile('/etc/passwd')",
        "SELECT * FROM pragma_database_list",
        "PRAGMA writable_schema = 1",
        "DELETE FROM pg_stat_activity",
        "WITH gone AS (SELECT 1) DELETE FROM pg_locks",
        "CREATE TABLE notes (x)",
    ],
)
def test_the_console_cannot_reach_files_attach_databases_or_write(pool_scenario, trace, tmp_path, sql):
    c = console(pool_scenario, trace)
    before = c.execute("SELECT count(*) FROM pg_stat_activity").rows
    r = c.execute(sql.format(tmp=tmp_path))
    assert not r.ok
    assert r.rows == []
    assert not (tmp_path / "stolen.db").exists()
    assert c.execute("SELECT count(*) FROM pg_stat_activity").rows == before


def test_a_runaway_query_is_stopped_at_the_step_limit(pool_scenario, trace):
    c = console(pool_scenario, trace)
    r = c.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")
    assert not r.ok
    assert "limit" in r.error
    # The console still works afterwards.
    assert c.execute("SELECT 1").rows == [(1,)]


def test_results_stop_at_the_row_limit(pool_scenario, trace):
    c = DatabaseConsole(ConsoleWorld(pool_scenario, trace, 600.0, 1), max_rows=50)
    r = c.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n")
    assert r.ok
    assert r.truncated
    assert len(r.rows) == 50
    assert "50 rows" in r.message


def test_huge_values_are_refused(pool_scenario, trace):
    r = console(pool_scenario, trace).execute("SELECT length(zeroblob(50000000))")
    assert not r.ok


def test_errors_read_like_psql(pool_scenario, trace):
    c = console(pool_scenario, trace)
    assert 'relation "pg_stat_activty" does not exist' in c.execute("SELECT * FROM pg_stat_activty").error
    assert 'column "qeury" does not exist' in c.execute("SELECT qeury FROM pg_stat_activity").error
    assert c.execute("SELECT * FROM pg_locks").psql_text().splitlines()[-1].endswith("rows)")


def test_meta_commands_list_relations_and_columns(pool_scenario, trace):
    c = console(pool_scenario, trace)
    assert "pg_stat_activity" in column(c.execute("\\dt"), "Name")
    assert ("query_start", "timestamp with time zone") in c.execute("\\d pg_stat_activity").rows
    assert c.execute("\\nope").error.startswith("invalid command")


def test_the_seed_incident_is_solved_by_looking_then_terminating_the_bulk_query(pool_scenario):
    from simulator import actions as A
    from simulator.drill import Drill, action_event, applied_mitigations, state_at
    from simulator.drill import world as drill_world

    drill = Drill.create(pool_scenario)
    fired = next(t for t in range(0, 1500, 15) if "DBConnectionPoolHigh" in state_at(drill, [], t).firing)

    # The trainee opens psql when paged and asks what has been running longest.
    look = ConsoleWorld(drill.loaded, drill_world(drill).trace, fired, drill.seed)
    top = DatabaseConsole(look).execute(
        "SELECT pid, usename FROM pg_stat_activity WHERE state = 'active' ORDER BY query_start LIMIT 1"
    )
    pid = top.rows[0][0]
    assert top.rows[0][1] == "acme_analytics"
    action = DatabaseConsole(look).execute(f"SELECT pg_terminate_backend({pid})").action

    events = []
    events.append(
        action_event(events, fired, A.Look(action="look", console="database", detail="pg_stat_activity"))
    )
    events.append(
        action_event(events, fired + 30, A.Mitigate(action="mitigate", mitigation=action.mitigation))
    )
    later = fired + 30 + 600
    state = state_at(drill, events, later)
    assert "DBConnectionPoolHigh" not in state.firing
    assert any(console == "database" for _, console, _ in state.looks)

    after = ConsoleWorld(
        drill.loaded,
        drill_world(drill, applied_mitigations(events, later)).trace,
        later,
        drill.seed,
        mitigations=tuple(applied_mitigations(events, later)),
    )
    clients = DatabaseConsole(after).execute("SELECT numbackends FROM pg_stat_database WHERE datname = 'app'")
    assert clients.rows[0][0] < 60  # the pool drained once the 40 connections were released
    assert DatabaseConsole(after).execute(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'acme_analytics'"
    ).rows == [(0,)]
