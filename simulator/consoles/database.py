"""The psql console: the scenario's database as it is at the drill's current time.

Owns building a private in-memory SQLite database holding Postgres's monitoring views
(`pg_stat_activity`, `pg_locks`, `pg_stat_statements`, `pg_settings`, `pg_stat_database`),
translating the Postgres-isms people type (`now() - query_start`, `interval '5 minutes'`,
`::casts`, `ILIKE`, `extract(epoch from …)`, `SHOW`, `\\dt`), and recognising
`pg_cancel_backend(pid)` / `pg_terminate_backend(pid)` as actions. Whether an action was right
is the drill's business; this module only says which backends and which mitigation it touched.

Safety: the console is read-only and sealed. An authorizer allows only reading and calling
harmless functions (no ATTACH/DETACH, PRAGMA, writes, schema changes or extension loading, so no
file is ever opened); a progress handler stops a statement after a fixed number of virtual
machine steps (deterministic) or two seconds; results stop at `max_rows` rows and
`MAX_RESULT_CHARS` characters; strings and blobs are capped at 100 kB (`string_agg` and
`array_agg` too, like `group_concat`); all SQLite memory in the process is capped by a hard heap
limit, with temporary b-trees and sorts held in that memory rather than spilled to disk. SQL text is
refused beyond `MAX_QUERY_CHARS` before any processing, and every Python-side pass over it
(comment stripping, select-list reading) is linear, because Python code holds the interpreter lock
and a slow pass there would stall every other session of the server.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import re2

from ..scenario import DbSession
from . import ConsoleWorld, derived_seed, session_mitigation

MAX_ROWS = 500
MAX_QUERY_CHARS = 10_000  # far above any real console query; checked before any other work
MAX_VALUE_BYTES = 100_000  # one string or blob (SQLite's length limit; string_agg/array_agg too)
MAX_RESULT_CHARS = 2_000_000  # all cells of one result together, counted while fetching
# Process-wide cap on SQLite's heap (SQLite has no per-connection one): a hostile sort or recursive
# query fails with "out of memory" here instead of exhausting the server. Normal use needs a few MB.
SQLITE_HEAP_LIMIT = 256 * 1024 * 1024
STEP_BUDGET = 4_000  # progress-handler calls of 1,000 VM steps each: ~4M steps, well under a second
WALL_LIMIT = 2.0  # seconds; a second guard for steps that are slow one by one
PROGRESS_EVERY = 1_000
DATNAME = "app"
OWN_PID = 51900  # the trainee's own psql backend

READ_ONLY_HINT = (
    "this console is read-only: it runs SELECT, WITH, EXPLAIN and SHOW, and the two admin "
    "functions pg_cancel_backend(pid) and pg_terminate_backend(pid)"
)


@dataclass(frozen=True)
class DbAction:
    """Backends the statement cancelled or terminated.

    `pids` are every backend that went away (a leader takes its parallel workers with it);
    `leaders` the scenario sessions among them; `mitigation` the mitigation id this applies
    (None when only ordinary backends were touched).
    """

    kind: str  # "terminate" or "cancel"
    pids: tuple[int, ...]
    leaders: tuple[int, ...]
    mitigation: str | None
    at: float


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    message: str = ""
    error: str | None = None
    action: DbAction | None = None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def psql_text(self) -> str:
        """The result as psql prints it: an aligned table and a row count, or the error."""
        if self.error:
            return f"ERROR:  {self.error}"
        if not self.columns:
            return self.message
        cells = [[_cell_text(v) for v in row] for row in self.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        head = " | ".join(c.center(w) for c, w in zip(self.columns, widths, strict=True))
        rule = "-+-".join("-" * w for w in widths)
        lines = [" " + head, "-" + rule + "-"]
        for r in cells:
            lines.append(" " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        lines.append(self.message)
        return "\n".join(lines)


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e15 else str(v)
    return str(v).replace("\n", " ")


# --- schema ---------------------------------------------------------------------------------

TS = "timestamp with time zone"
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "pg_stat_activity": (
        "one row per server process: who is connected, what they run, since when",
        [
            ("datid", "oid"),
            ("datname", "name"),
            ("pid", "integer"),
            ("leader_pid", "integer"),
            ("usesysid", "oid"),
            ("usename", "name"),
            ("application_name", "text"),
            ("client_addr", "inet"),
            ("client_hostname", "text"),
            ("client_port", "integer"),
            ("backend_start", TS),
            ("xact_start", TS),
            ("query_start", TS),
            ("state_change", TS),
            ("wait_event_type", "text"),
            ("wait_event", "text"),
            ("state", "text"),
            ("backend_xid", "xid"),
            ("backend_xmin", "xid"),
            ("query_id", "bigint"),
            ("query", "text"),
            ("backend_type", "text"),
        ],
    ),
    "pg_locks": (
        "locks held or awaited by each backend",
        [
            ("locktype", "text"),
            ("database", "oid"),
            ("relation", "regclass"),
            ("page", "integer"),
            ("tuple", "smallint"),
            ("virtualxid", "text"),
            ("transactionid", "xid"),
            ("virtualtransaction", "text"),
            ("pid", "integer"),
            ("mode", "text"),
            ("granted", "boolean"),
            ("fastpath", "boolean"),
            ("waitstart", TS),
        ],
    ),
    "pg_stat_statements": (
        "statistics per normalised statement (the slow-query log)",
        [
            ("userid", "oid"),
            ("dbid", "oid"),
            ("queryid", "bigint"),
            ("query", "text"),
            ("calls", "bigint"),
            ("total_exec_time", "double precision"),
            ("mean_exec_time", "double precision"),
            ("min_exec_time", "double precision"),
            ("max_exec_time", "double precision"),
            ("stddev_exec_time", "double precision"),
            ("rows", "bigint"),
            ("shared_blks_hit", "bigint"),
            ("shared_blks_read", "bigint"),
        ],
    ),
    "pg_settings": (
        "server configuration",
        [
            ("name", "text"),
            ("setting", "text"),
            ("unit", "text"),
            ("category", "text"),
            ("short_desc", "text"),
        ],
    ),
    "pg_stat_database": (
        "per-database counters, including numbackends (open connections)",
        [
            ("datid", "oid"),
            ("datname", "name"),
            ("numbackends", "integer"),
            ("xact_commit", "bigint"),
            ("xact_rollback", "bigint"),
            ("blks_read", "bigint"),
            ("blks_hit", "bigint"),
            ("deadlocks", "bigint"),
            ("conflicts", "bigint"),
        ],
    ),
}
TIMESTAMP_COLUMNS = frozenset({"backend_start", "xact_start", "query_start", "state_change", "waitstart"})
BOOLEAN_COLUMNS = frozenset({"granted", "fastpath", "pg_terminate_backend", "pg_cancel_backend"})

_BACKGROUND_QUERIES = (
    ("SELECT id, status, updated_at FROM jobs WHERE id = $1", "jobs"),
    ("SELECT * FROM dashboards WHERE tenant_id = $1 AND id = $2", "dashboards"),
    ("UPDATE sessions SET last_seen = now() WHERE id = $1", "sessions"),
    ("SELECT count(*) FROM events WHERE tenant_id = $1 AND created_at > $2", "events"),
    ("INSERT INTO audit_log (tenant_id, action, at) VALUES ($1, $2, now())", "audit_log"),
    ("SELECT p.id, p.name FROM projects p WHERE p.tenant_id = $1 ORDER BY p.name LIMIT 50", "projects"),
    ("COMMIT", None),
    ("SELECT 1", None),
)
_SYSTEM_PROCESSES = (
    "autovacuum launcher",
    "logical replication launcher",
    "background writer",
    "checkpointer",
    "walwriter",
)
_ORDINARY_STATEMENTS = (
    ("SELECT id, status FROM jobs WHERE id = $1", 14.0, 2.1),
    ("SELECT * FROM dashboards WHERE tenant_id = $1 AND id = $2", 6.0, 4.8),
    ("UPDATE sessions SET last_seen = now() WHERE id = $1", 9.0, 1.2),
    ("INSERT INTO audit_log (tenant_id, action, at) VALUES ($1, $2, now())", 5.0, 0.9),
    ("SELECT p.id, p.name FROM projects p WHERE p.tenant_id = $1 ORDER BY p.name LIMIT $2", 3.0, 6.3),
    ("SELECT count(*) FROM events WHERE tenant_id = $1 AND created_at > $2", 0.6, 38.0),
)
_SETTINGS = (
    (
        "max_connections",
        "{max}",
        None,
        "Connections and Authentication",
        "Sets the maximum number of concurrent connections.",
    ),
    (
        "statement_timeout",
        "0",
        "ms",
        "Client Connection Defaults",
        "Sets the maximum allowed duration of any statement.",
    ),
    (
        "idle_in_transaction_session_timeout",
        "0",
        "ms",
        "Client Connection Defaults",
        "Sets the maximum allowed idle time between queries, when in a transaction.",
    ),
    (
        "lock_timeout",
        "0",
        "ms",
        "Client Connection Defaults",
        "Sets the maximum allowed duration of any wait for a lock.",
    ),
    ("max_parallel_workers", "40", None, "Resource Usage", "Sets the maximum number of parallel workers."),
    (
        "work_mem",
        "4096",
        "kB",
        "Resource Usage / Memory",
        "Sets the maximum memory to be used for query workspaces.",
    ),
    (
        "shared_buffers",
        "1048576",
        "8kB",
        "Resource Usage / Memory",
        "Sets the number of shared memory buffers used by the server.",
    ),
    ("server_version", "15.6", None, "Preset Options", "Shows the server version."),
)


# --- the world at `now` ---------------------------------------------------------------------


@dataclass
class _Backend:
    pid: int
    usename: str | None
    application_name: str
    client_addr: str | None
    backend_start: float
    xact_start: float | None
    query_start: float | None
    state_change: float | None
    wait_event_type: str | None
    wait_event: str | None
    state: str | None
    query: str
    backend_type: str = "client backend"
    leader_pid: int | None = None
    lock: tuple[str, str, bool] | None = None  # (relation, mode, granted)
    session: DbSession | None = None


@dataclass
class _Snapshot:
    backends: list[_Backend] = field(default_factory=list)
    leaders: dict[int, DbSession] = field(default_factory=dict)  # evidence pid -> session
    groups: dict[int, list[int]] = field(default_factory=dict)  # leader pid -> all its pids


def _pool_in_use(world: ConsoleWorld, max_connections: int) -> int | None:
    """Connections in use at `now` according to the scenario's pool metric, if it has one."""
    trace = world.visible_trace
    if len(trace) == 0:
        return None
    candidates = [s for s in trace.series if "connection" in s.name and "util" not in s.name]
    scale = 1.0
    if not candidates:
        candidates = [s for s in trace.series if "pool" in s.name and "util" in s.name]
        scale = float(max_connections)
    for s in candidates:
        idx = np.flatnonzero(s.present)
        if len(idx):
            return round(float(s.values[idx[-1]]) * scale)
    return None


def _snapshot(world: ConsoleWorld, own_query: str = "") -> _Snapshot:
    sc = world.scenario
    db = sc.evidence.database
    epoch = sc.clock.start.timestamp()
    now = world.now
    snap = _Snapshot()
    killed = world.gone_pids
    max_conn = db.max_connections if db else 100

    evidence_pids: set[int] = set()
    for s in db.sessions if db else []:
        evidence_pids.update(range(s.pid, s.pid + s.connections))
        if s.started > now or (s.ended is not None and s.ended <= now) or s.pid in killed:
            continue
        snap.leaders[s.pid] = s
        group = []
        for k in range(s.connections):
            pid = s.pid + k
            if pid in killed:
                continue
            group.append(pid)
            snap.backends.append(
                _Backend(
                    pid=pid,
                    usename=s.usename,
                    application_name=s.application_name,
                    client_addr=s.client_addr,
                    backend_start=epoch + s.started - (2.0 if k == 0 else 0.05),
                    xact_start=epoch + s.started if s.state != "idle" else None,
                    query_start=epoch + s.started,
                    state_change=epoch + s.started,
                    wait_event_type=s.wait_event_type,
                    wait_event=s.wait_event,
                    state=s.state,
                    query=s.query,
                    backend_type="client backend" if k == 0 else "parallel worker",
                    leader_pid=None if k == 0 else s.pid,
                    lock=(s.lock_relation, s.lock_mode, s.granted)
                    if s.lock_mode and s.lock_relation
                    else None,
                    session=s,
                )
            )
        snap.groups[s.pid] = group

    # Ordinary application backends, as many as the pool metric says are in use right now.
    scenario_rows = len(snap.backends)
    background = db.background_sessions if db else 8
    in_use = _pool_in_use(world, max_conn)
    if in_use is not None:
        background = max(background, in_use - scenario_rows)
    background = max(0, min(background, max_conn - scenario_rows - 1))
    tick = int(now // max(sc.clock.step, 1.0))
    rng = np.random.default_rng(derived_seed(world.seed, f"db/{sc.id}/{tick}"))
    used = set(evidence_pids) | {OWN_PID}
    for _ in range(background):
        pid = int(rng.integers(1200, 48000))
        while pid in used:
            pid = int(rng.integers(1200, 48000))
        used.add(pid)
        query, table = _BACKGROUND_QUERIES[int(rng.integers(len(_BACKGROUND_QUERIES)))]
        roll = rng.random()
        if roll < 0.5:
            state, ago, wet, we = "idle", float(rng.uniform(0.05, 25.0)), "Client", "ClientRead"
        elif roll < 0.9:
            state, ago, wet, we = "active", float(rng.uniform(0.001, 0.6)), None, None
        else:
            state, ago, wet, we = "idle in transaction", float(rng.uniform(0.2, 4.0)), "Client", "ClientRead"
        if state == "active" and query in ("COMMIT", "SELECT 1"):
            query, table = _BACKGROUND_QUERIES[0]
        q_start = epoch + now - ago
        app = "api" if rng.random() < 0.8 else "worker"
        snap.backends.append(
            _Backend(
                pid=pid,
                usename=app,
                application_name=app,
                client_addr=f"10.0.1.{int(rng.integers(11, 17))}" if app == "api" else "10.0.2.21",
                backend_start=q_start - float(rng.uniform(60, 36000)),
                xact_start=q_start if state != "idle" else None,
                query_start=q_start,
                state_change=q_start,
                wait_event_type=wet,
                wait_event=we,
                state=state,
                query=query,
                lock=(table, "AccessShareLock" if query.startswith("SELECT") else "RowExclusiveLock", True)
                if state == "active" and table
                else None,
            )
        )
    snap.backends.append(
        _Backend(
            pid=OWN_PID,
            usename="oncall",
            application_name="psql",
            client_addr="10.0.9.4",
            backend_start=epoch + now - 30.0,
            xact_start=epoch + now,
            query_start=epoch + now,
            state_change=epoch + now,
            wait_event_type=None,
            wait_event=None,
            state="active",
            query=own_query,
        )
    )
    for i, name in enumerate(_SYSTEM_PROCESSES):
        snap.backends.append(
            _Backend(
                pid=100 + 7 * i,
                usename="postgres" if name == "logical replication launcher" else None,
                application_name="",
                client_addr=None,
                backend_start=epoch - 86400 * 9,
                xact_start=None,
                query_start=None,
                state_change=None,
                wait_event_type="Activity",
                wait_event=name.title().replace(" ", "") + "Main",
                state=None,
                query="",
                backend_type=name,
            )
        )
    return snap


# --- SQL translation ------------------------------------------------------------------------

_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
}


def _interval_seconds(text: str) -> float | None:
    text = text.strip().lower()
    m = re.fullmatch(r"(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?", text)
    if m:
        return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3] or 0)
    total = 0.0
    parts = re.findall(r"([-+]?\d+(?:\.\d+)?)\s*([a-z]+)", text)
    if not parts or re.sub(r"[-+]?\d+(?:\.\d+)?\s*[a-z]+", "", text).strip():
        return None
    for num, unit in parts:
        if unit not in _UNITS:
            return None
        total += float(num) * _UNITS[unit]
    return total


def _strip_comments(sql: str) -> str:
    """`sql` with `-- line` and `/* block */` comments replaced by a space, in one linear pass.

    Quoted strings and identifiers are kept as they are (`'--'` is not a comment). Block comments
    nest, as in Postgres; an unterminated one is an error, as in psql. A regex with a lazy `.*?`
    here was quadratic on `/*x/*x/*x...` and froze the server.
    """
    out: list[str] = []
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            close = sql.find(ch, i + 1)
            i = n if close < 0 else close + 1  # a doubled quote is two adjacent strings: same text
        elif sql.startswith("--", i):
            out.append(sql[start:i])
            out.append(" ")
            newline = sql.find("\n", i)
            i = start = n if newline < 0 else newline
        elif sql.startswith("/*", i):
            out.append(sql[start:i])
            out.append(" ")
            opened_at, depth = i, 0
            while i < n:
                if sql.startswith("/*", i):
                    depth += 1
                    i += 2
                elif sql.startswith("*/", i):
                    depth -= 1
                    i += 2
                    if depth == 0:
                        break
                else:
                    i += 1
            if depth:
                raise TranslationError(
                    f'unterminated /* comment at or near "{sql[opened_at : opened_at + 20]}"'
                )
            start = i
        else:
            i += 1
    out.append(sql[start:])
    return "".join(out)


def _outside_strings(sql: str, fn) -> str:
    """Apply `fn` to the parts of `sql` that are not inside single-quoted strings."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


class TranslationError(ValueError):
    """A console query the simulated database cannot answer; the message says why."""


def translate(sql: str) -> str:
    """Postgres spelling → SQLite spelling for the constructs people use on these views."""

    def interval_literal(m: re.Match) -> str:
        secs = _interval_seconds(m.group(1))
        if secs is None:
            raise TranslationError(f'invalid input syntax for type interval: "{m.group(1)}"')
        return repr(secs)

    sql = re.sub(r"\binterval\s+'([^']*)'", interval_literal, sql, flags=re.I)
    sql = re.sub(r"'([^']*)'\s*::\s*interval\b", interval_literal, sql, flags=re.I)

    def plain(part: str) -> str:
        part = re.sub(
            r"::\s*[A-Za-z_][A-Za-z0-9_]*(?:\s+with(?:out)?\s+time\s+zone)?(?:\s*\(\s*\d+\s*\))?(?:\[\])?",
            "",
            part,
        )
        part = re.sub(r"\bnot\s+ilike\b", "NOT LIKE", part, flags=re.I)
        part = re.sub(r"\bilike\b", "LIKE", part, flags=re.I)
        part = re.sub(r"\bcurrent_timestamp\b(?!\s*\()", "now()", part, flags=re.I)
        part = re.sub(r"\bcurrent_user\b(?!\s*\()", "current_user()", part, flags=re.I)
        part = re.sub(r"\bextract\s*\(\s*([a-z]+)\s+from\b", r"date_part('\1', ", part, flags=re.I)
        # LEFT and RIGHT are join keywords in SQLite; Postgres also has them as string functions.
        part = re.sub(r"\b(left|right)\s*\((?!\s*select\b)", r"pg_\1(", part, flags=re.I)
        return part

    return _outside_strings(sql, plain)


def _first_keyword(sql: str) -> str:
    m = re.match(r"\s*\(*\s*([A-Za-z]+)", sql)
    return m.group(1).upper() if m else ""


# --- the console ----------------------------------------------------------------------------


class DatabaseConsole:
    """A psql session against the scenario's database at `world.now`.

    Build one per view of the world (it is cheap); `execute` never raises for bad input: the
    error is in `QueryResult.error`, worded as psql would.
    """

    def __init__(self, world: ConsoleWorld, *, max_rows: int = MAX_ROWS, step_budget: int = STEP_BUDGET):
        self.world = world
        self.max_rows = max_rows
        self.step_budget = step_budget
        self.snapshot = _snapshot(world)
        self._pids = {b.pid for b in self.snapshot.backends}
        self._calls: list[tuple[str, int]] = []
        self._steps = 0
        self._deadline = 0.0
        self._sealed = False
        self.conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        if hasattr(self.conn, "enable_load_extension"):
            self.conn.enable_load_extension(False)
        self._limits()
        self._functions()
        self._populate()
        self.conn.set_authorizer(self._authorize)
        self.conn.set_progress_handler(self._progress, PROGRESS_EVERY)
        self._sealed = True

    # -- setup --

    def _limits(self) -> None:
        c = self.conn
        c.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        c.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        c.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 2 * MAX_QUERY_CHARS)
        current = c.execute("PRAGMA hard_heap_limit").fetchone()[0]
        if current == 0 or current > SQLITE_HEAP_LIMIT:
            c.execute(f"PRAGMA hard_heap_limit = {SQLITE_HEAP_LIMIT}")
        # Sorts and temporary b-trees count against the heap limit instead of filling the disk.
        c.execute("PRAGMA temp_store = MEMORY")
        c.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, 200)
        c.setlimit(sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 200)
        c.setlimit(sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 50)

    def _functions(self) -> None:
        now_epoch = self.world.scenario.clock.start.timestamp() + self.world.now
        c = self.conn
        for name in ("now", "clock_timestamp", "statement_timestamp", "transaction_timestamp"):
            c.create_function(name, 0, lambda: now_epoch, deterministic=True)
        c.create_function("pg_backend_pid", 0, lambda: OWN_PID, deterministic=True)
        c.create_function("current_user", 0, lambda: "oncall", deterministic=True)
        c.create_function("current_database", 0, lambda: DATNAME, deterministic=True)
        c.create_function("version", 0, lambda: "PostgreSQL 15.6 on x86_64-pc-linux-gnu (firedrill)")
        c.create_function("age", 1, lambda x: None if x is None else now_epoch - x, deterministic=True)
        c.create_function(
            "age", 2, lambda a, b: None if a is None or b is None else a - b, deterministic=True
        )
        c.create_function("pg_left", 2, lambda s, n: None if s is None else str(s)[: int(n)])
        c.create_function(
            "pg_right", 2, lambda s, n: None if s is None else str(s)[-int(n) :] if n > 0 else ""
        )
        c.create_function("date_part", 2, _date_part, deterministic=True)
        c.create_function("pg_terminate_backend", 1, lambda pid: self._signal("terminate", pid))
        c.create_function("pg_cancel_backend", 1, lambda pid: self._signal("cancel", pid))
        # typeshed describes aggregates whose step takes one int; these take text (and a separator).
        c.create_aggregate("string_agg", 2, _StringAgg)  # type: ignore[arg-type]
        c.create_aggregate("array_agg", 1, _ArrayAgg)  # type: ignore[arg-type]

    def _populate(self) -> None:
        c = self.conn
        for name, (_, cols) in TABLES.items():
            c.execute(f"CREATE TABLE {name} ({', '.join(f'{n} {_affinity(t)}' for n, t in cols)})")
        c.executemany(
            "INSERT INTO pg_stat_activity VALUES (" + ",".join("?" * 22) + ")",
            [self._activity_row(b) for b in self.snapshot.backends],
        )
        c.executemany("INSERT INTO pg_locks VALUES (" + ",".join("?" * 13) + ")", self._lock_rows())
        c.executemany(
            "INSERT INTO pg_stat_statements VALUES (" + ",".join("?" * 13) + ")", self._statement_rows()
        )
        db = self.world.scenario.evidence.database
        max_conn = db.max_connections if db else 100
        c.executemany(
            "INSERT INTO pg_settings VALUES (?,?,?,?,?)",
            [(n, v.replace("{max}", str(max_conn)), u, cat, d) for n, v, u, cat, d in _SETTINGS],
        )
        clients = sum(
            1 for b in self.snapshot.backends if b.backend_type in ("client backend", "parallel worker")
        )
        scale = 1000 + int(self.world.now)
        c.executemany(
            "INSERT INTO pg_stat_database VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    16384,
                    DATNAME,
                    clients,
                    48_000_000 + 90 * scale,
                    21_000 + scale // 50,
                    9_100_000,
                    880_000_000,
                    0,
                    0,
                ),
                (5, "postgres", 0, 120_000, 12, 4_000, 2_100_000, 0, 0),
            ],
        )

    def _activity_row(self, b: _Backend) -> tuple:
        return (
            16384 if b.backend_type in ("client backend", "parallel worker") else None,
            DATNAME if b.backend_type in ("client backend", "parallel worker") else None,
            b.pid,
            b.leader_pid,
            16390 if b.usename else None,
            b.usename,
            b.application_name,
            b.client_addr,
            None,
            50000 + b.pid % 10000 if b.client_addr else None,
            b.backend_start,
            b.xact_start,
            b.query_start,
            b.state_change,
            b.wait_event_type,
            b.wait_event,
            b.state,
            None,
            None,
            None,
            b.query,
            b.backend_type,
        )

    def _lock_rows(self) -> list[tuple]:
        rows: list[tuple] = []
        for b in self.snapshot.backends:
            if b.backend_type not in ("client backend", "parallel worker") or b.state in (None, "idle"):
                continue
            vx = f"{3 + b.pid % 7}/{b.pid * 13 % 100000}"
            rows.append(
                ("virtualxid", None, None, None, None, vx, None, vx, b.pid, "ExclusiveLock", 1, 1, None)
            )
            if b.lock:
                relation, mode, granted = b.lock
                wait = None if granted else b.query_start
                rows.append(
                    (
                        "relation",
                        16384,
                        relation,
                        None,
                        None,
                        None,
                        None,
                        vx,
                        b.pid,
                        mode,
                        int(granted),
                        0,
                        wait,
                    )
                )
        return rows

    def _statement_rows(self) -> list[tuple]:
        sc = self.world.scenario
        now = self.world.now
        rows: list[tuple] = []
        elapsed = 86400.0 + max(now, 0.0)  # stats were last reset a day before the scenario
        for i, (q, per_sec, mean) in enumerate(_ORDINARY_STATEMENTS):
            calls = int(per_sec * elapsed)
            rows.append(
                (
                    16390,
                    16384,
                    7_000_000 + i,
                    q,
                    calls,
                    calls * mean,
                    mean,
                    mean * 0.2,
                    mean * 40,
                    mean * 0.7,
                    calls,
                    calls * 9,
                    calls // 20,
                )
            )
        db = sc.evidence.database
        for i, s in enumerate(db.slow_queries if db else []):
            if s.since > now:
                continue
            rows.append(
                (
                    16390,
                    16384,
                    9_100_000 + i,
                    s.query,
                    s.calls,
                    s.calls * s.mean_ms,
                    s.mean_ms,
                    s.mean_ms * 0.6,
                    s.mean_ms * 1.4,
                    s.mean_ms * 0.2,
                    s.rows,
                    s.rows * 3,
                    s.rows,
                )
            )
        return rows

    # -- safety --

    def _authorize(self, action: int, arg1, arg2, db_name, trigger) -> int:
        if not self._sealed:
            return sqlite3.SQLITE_OK
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            if arg2 and arg2.lower() in ("load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"):
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    def _progress(self) -> int:
        self._steps += 1
        if self._steps > self.step_budget or time.monotonic() > self._deadline:
            return 1  # non-zero interrupts the statement
        return 0

    def _signal(self, kind: str, pid) -> int:
        try:
            pid = int(pid)
        except (TypeError, ValueError):
            return 0
        if pid not in self._pids:
            return 0
        self._calls.append((kind, pid))
        return 1

    # -- running --

    def execute(self, text: str) -> QueryResult:
        if len(text) > MAX_QUERY_CHARS:
            return QueryResult(
                [],
                [],
                error=f"the query is {len(text):,} characters long; this console accepts at most "
                f"{MAX_QUERY_CHARS:,} characters",
            )
        sql = text.strip()
        if not sql:
            return QueryResult([], [], message="")
        if sql.startswith("\\"):
            return self._meta(sql)
        try:
            body = _strip_comments(sql).strip().rstrip(";").strip()
        except TranslationError as exc:
            return QueryResult([], [], error=str(exc))
        if not body:
            return QueryResult([], [], message="")
        if _unquoted_semicolon(body):
            return QueryResult([], [], error="one statement at a time, please: remove the extra ';'")
        keyword = _first_keyword(body)
        if keyword == "SHOW":
            return self._show(body)
        if keyword not in ("SELECT", "WITH", "EXPLAIN", "VALUES", "TABLE"):
            return QueryResult([], [], error=f"{keyword or 'that'} is not allowed: {READ_ONLY_HINT}")
        if keyword == "EXPLAIN":
            body = re.sub(
                r"^\s*explain(\s+\(.*?\))?(\s+analy[sz]e)?(\s+verbose)?",
                "EXPLAIN QUERY PLAN",
                body,
                flags=re.I,
            )
        if keyword == "TABLE":
            body = re.sub(r"^\s*table\s+", "SELECT * FROM ", body, flags=re.I)
        try:
            translated = translate(body)
        except TranslationError as exc:
            return QueryResult([], [], error=str(exc))
        return self._run(translated, original=sql)

    def _run(self, translated: str, original: str) -> QueryResult:
        self._calls = []
        # The budget is reset before our own bookkeeping statement too: after an interrupted query
        # an old deadline would otherwise interrupt it and the console would fail for good.
        self._steps = 0
        self._deadline = time.monotonic() + WALL_LIMIT
        self._sealed = False
        self.conn.execute("UPDATE pg_stat_activity SET query = ? WHERE pid = ?", (original, OWN_PID))
        self._sealed = True
        truncated = False
        raw: list[tuple] = []
        try:
            cur = self.conn.execute(translated)
            columns = [_display_name(d[0]) for d in cur.description] if cur.description else []
            size = 0
            for row in cur:
                if len(raw) == self.max_rows:
                    truncated = True
                    break
                size += sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
                if size > MAX_RESULT_CHARS:
                    cur.close()
                    return QueryResult(
                        [],
                        [],
                        error=f"the result is too large: more than {MAX_RESULT_CHARS:,} characters; "
                        "select fewer columns or rows, or shorten long values with left(...)",
                        action=self._action(),
                    )
                raw.append(row)
            cur.close()
        except MemoryError:
            return QueryResult(
                [],
                [],
                error="out of memory: the query needs more memory than this console allows "
                f"({SQLITE_HEAP_LIMIT // (1024 * 1024)} MB); narrow it down",
                action=self._action(),
            )
        except sqlite3.OperationalError as exc:
            return QueryResult([], [], error=self._explain_error(exc), action=self._action())
        except sqlite3.DatabaseError as exc:
            return QueryResult([], [], error=self._explain_error(exc), action=self._action())
        except (sqlite3.Warning, sqlite3.ProgrammingError, OverflowError, ValueError) as exc:
            return QueryResult([], [], error=str(exc), action=self._action())
        kinds = _column_kinds(columns, original)
        rows = [tuple(_present(v, k) for v, k in zip(r, kinds, strict=True)) for r in raw]
        n = len(rows)
        message = f"({n} row{'s' if n != 1 else ''})"
        if truncated:
            message = (
                f"(first {n} rows shown; the console stops at {self.max_rows} rows: add a LIMIT or a WHERE)"
            )
        action = self._action()
        if action is None and any(pid == OWN_PID for _, pid in self._calls):
            message += "\nFATAL:  terminating connection due to administrator command\nreconnected."
        return QueryResult(columns, rows, message=message, action=action, truncated=truncated)

    def _explain_error(self, exc: sqlite3.Error) -> str:
        text = str(exc)
        if "interrupted" in text:
            return (
                "canceling statement: it ran past the console's limit "
                f"({self.step_budget * PROGRESS_EVERY:,} steps or {WALL_LIMIT:g} s); narrow it down"
            )
        if "not authorized" in text or "prohibited" in text:
            return f"permission denied: {READ_ONLY_HINT}; files and other databases are out of reach"
        m = re.match(r"no such table: (\S+)", text)
        if m:
            return f'relation "{m.group(1)}" does not exist (\\dt lists the relations here)'
        m = re.match(r"no such column: (\S+)", text)
        if m:
            return f'column "{m.group(1)}" does not exist (\\d <relation> lists its columns)'
        m = re.match(r"no such function: (\S+)", text)
        if m:
            return f"function {m.group(1)}() does not exist in this console"
        # Our aggregates raise only when they pass the size cap; sqlite3 hides the exception's text.
        if "too big" in text or ("user-defined aggregate" in text and "raised error" in text):
            return f"the value is too large for this console ({MAX_VALUE_BYTES // 1000} kB limit)"
        return text

    def _action(self) -> DbAction | None:
        if not self._calls:
            return None
        kind = "terminate" if any(k == "terminate" for k, _ in self._calls) else "cancel"
        gone: list[int] = []
        leaders: list[int] = []
        for _, pid in self._calls:
            if pid == OWN_PID:
                continue
            if pid in self.snapshot.groups:
                leaders.append(pid)
                gone.extend(self.snapshot.groups[pid])
            else:
                gone.append(pid)
        gone = sorted(set(gone))
        leaders = sorted(set(leaders))
        if not gone:
            return None
        return DbAction(kind, tuple(gone), tuple(leaders), self._mitigation(leaders), self.world.now)

    def _mitigation(self, leaders: Sequence[int]) -> str | None:
        for pid in leaders:
            session = self.snapshot.leaders.get(pid)
            mitigation = session_mitigation(self.world.scenario, session) if session else None
            if mitigation:
                return mitigation
        return None

    def _show(self, body: str) -> QueryResult:
        m = re.fullmatch(r"\s*show\s+(\w+)\s*", body, flags=re.I)
        if not m:
            return QueryResult([], [], error="SHOW takes one setting name, e.g. SHOW max_connections")
        name = m.group(1).lower()
        if name == "all":
            return self._run(
                "SELECT name, setting, short_desc AS description FROM pg_settings ORDER BY name", body
            )
        row = self.conn.execute("SELECT setting, unit FROM pg_settings WHERE name = ?", (name,)).fetchone()
        if row is None:
            return QueryResult([], [], error=f'unrecognized configuration parameter "{name}"')
        value = row[0] + (row[1] if row[1] and row[1] != "8kB" and row[0] != "0" else "")
        return QueryResult([name], [(value,)], message="(1 row)")

    def _meta(self, sql: str) -> QueryResult:
        parts = sql.split()
        cmd, args = parts[0], parts[1:]
        if cmd in ("\\dt", "\\dv", "\\d", "\\dS", "\\dt+", "\\d+", "\\dvS") and not args:
            rows = [("pg_catalog", name, "view", "postgres", desc) for name, (desc, _) in TABLES.items()]
            return QueryResult(
                ["Schema", "Name", "Type", "Owner", "Description"], rows, message=f"({len(rows)} rows)"
            )
        if cmd in ("\\d", "\\d+", "\\dS") and args:
            name = args[0].split(".")[-1].strip('"')
            if name not in TABLES:
                return QueryResult([], [], error=f'Did not find any relation named "{args[0]}".')
            cols = TABLES[name][1]
            return QueryResult(["Column", "Type"], list(cols), message=f'View "pg_catalog.{name}"')
        if cmd == "\\conninfo":
            return QueryResult(
                [],
                [],
                message=(
                    f'You are connected to database "{DATNAME}" as user "oncall" on host '
                    '"rds-primary.internal" (address "10.0.3.10") at port "5432".'
                ),
            )
        if cmd == "\\l":
            return QueryResult(
                ["Name", "Owner", "Encoding"],
                [(DATNAME, "app", "UTF8"), ("postgres", "postgres", "UTF8")],
                message="(2 rows)",
            )
        if cmd in ("\\?", "\\h", "\\help"):
            return QueryResult([], [], message=HELP)
        if cmd == "\\q":
            return QueryResult(
                [], [], message="This console stays open for the drill; switch tabs to leave it."
            )
        return QueryResult([], [], error=f"invalid command {cmd}; try \\? for help")


HELP = """Commands: \\dt (relations), \\d NAME (columns), \\conninfo, \\l, \\?
SQL: SELECT, WITH, EXPLAIN and SHOW; pg_cancel_backend(pid) and pg_terminate_backend(pid).
Try:
  SELECT state, count(*) FROM pg_stat_activity GROUP BY state;
  SELECT pid, usename, application_name, state, now() - query_start AS runtime, left(query, 60)
    FROM pg_stat_activity WHERE state <> 'idle' ORDER BY runtime DESC;
  SELECT query, calls, mean_exec_time FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 5;
  SELECT pid, relation, mode, granted FROM pg_locks WHERE NOT granted;
  SHOW max_connections;"""


def _affinity(pg_type: str) -> str:
    if pg_type in ("integer", "bigint", "smallint", "oid", "xid", "boolean"):
        return "INTEGER"
    if pg_type in ("double precision", TS):
        return "REAL"
    return "TEXT"


def _date_part(field_name, value):
    if value is None:
        return None
    f = str(field_name).lower()
    if f == "epoch":
        return value
    if value > 1e8:  # a timestamp (epoch seconds)
        dt = datetime.fromtimestamp(value, UTC)
        return {
            "year": dt.year,
            "month": dt.month,
            "day": dt.day,
            "hour": dt.hour,
            "minute": dt.minute,
            "second": dt.second + dt.microsecond / 1e6,
        }.get(f)
    seconds = float(value)  # an interval
    return {
        "day": int(seconds // 86400),
        "hour": int(seconds % 86400 // 3600),
        "minute": int(seconds % 3600 // 60),
        "second": seconds % 60,
    }.get(f)


class _BoundedAgg:
    """Collects text for an aggregate up to `MAX_VALUE_BYTES`, as SQLite caps `group_concat`.

    Python aggregates run outside SQLite's length limit and heap; without this cap one
    `string_agg` over a recursive query could grow without bound in the server's own memory.
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        self.size += len(text) + 1
        if self.size > MAX_VALUE_BYTES:
            # sqlite3 reports this as "user-defined aggregate's 'step' method raised error",
            # which `_explain_error` turns into the console's size-limit message.
            raise ValueError("aggregate result too large")
        self.items.append(text)


class _StringAgg(_BoundedAgg):
    def __init__(self) -> None:
        super().__init__()
        self.sep = ","

    def step(self, value, sep) -> None:
        if value is not None:
            self.add(str(value))
            self.sep = str(sep)[:MAX_VALUE_BYTES]

    def finalize(self) -> str | None:
        if self.items and self.size + len(self.sep) * len(self.items) > MAX_VALUE_BYTES:
            raise ValueError("aggregate result too large")
        return self.sep.join(self.items) if self.items else None


class _ArrayAgg(_BoundedAgg):
    def step(self, value) -> None:
        self.add("NULL" if value is None else str(value))

    def finalize(self) -> str:
        return "{" + ",".join(self.items) + "}"


_TS_TOKEN = re.compile(
    r"\b(now|clock_timestamp|statement_timestamp|transaction_timestamp)\s*\(\s*\)|\bcurrent_timestamp\b|"
    r"\b(backend_start|xact_start|query_start|state_change|waitstart)\b",
    re.I,
)


def _kind_of(expr: str) -> str | None:
    """Whether a result column holds a timestamp or an interval (both are numbers inside)."""
    low = expr.lower()
    if "extract" in low or "date_part" in low or "epoch" in low or "count(" in low:
        return None
    if re.search(r"\bage\s*\(", low):
        return "interval"
    hits = len(_TS_TOKEN.findall(low))
    if hits >= 2 and "-" in low:
        return "interval"
    if hits >= 1:
        return "timestamp"
    return None


def _display_name(column: str) -> str:
    """Undo our own spellings in a result column named after its expression."""
    column = re.sub(r"\bpg_(left|right)\(", r"\1(", column)
    return column.replace("current_user()", "current_user")


def _unquoted_semicolon(sql: str) -> bool:
    return any(";" in part for i, part in enumerate(re.split(r"('(?:[^']|'')*')", sql)) if i % 2 == 0)


def _select_items(sql: str) -> list[str]:
    """The top-level items of every select list in `sql` (good enough to read aliases).

    One pass with a stack of open select lists, so `select select select ...` or a long string
    full of the word "select" costs linear time, not a rescan per occurrence.
    """
    items: list[str] = []
    open_lists: list[tuple[int, int]] = []  # (parenthesis depth of the SELECT, start of its current item)
    depth, i, n = 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'":
            close = sql.find("'", i + 1)
            i = n if close < 0 else close + 1
            continue
        if ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            word = sql[i:j].lower()
            if word == "select":
                open_lists.append((depth, j))
            elif word == "from" and open_lists and open_lists[-1][0] == depth:
                items.append(sql[open_lists.pop()[1] : i])
            i = j
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if open_lists and open_lists[-1][0] == depth:
                items.append(sql[open_lists.pop()[1] : i])
            depth -= 1
        elif ch == "," and open_lists and open_lists[-1][0] == depth:
            items.append(sql[open_lists[-1][1] : i])
            open_lists[-1] = (depth, i + 1)
        i += 1
    items.extend(sql[start:] for _, start in reversed(open_lists))
    return [it.strip() for it in items if it.strip()]


# RE2 (linear time): Python's backtracking `(.+?)\s+` was quadratic on an item with long blanks.
_ALIASED_ITEM = re2.compile(r'(?is)(.+?)\s+(?:as\s+)?"?(\w+)"?')


def _column_kinds(columns: list[str], sql: str) -> list[str | None]:
    aliases: dict[str, str] = {}
    for item in _select_items(sql):
        m = _ALIASED_ITEM.fullmatch(item)
        if m and not m.group(1).rstrip().endswith(("-", "+", "*", "/", "(")):
            aliases[m.group(2).lower()] = m.group(1)
    kinds: list[str | None] = []
    for c in columns:
        low = c.lower()
        if low in BOOLEAN_COLUMNS or low.startswith(("pg_terminate_backend", "pg_cancel_backend")):
            kinds.append("boolean")
        elif low in TIMESTAMP_COLUMNS:
            kinds.append("timestamp")
        elif low in aliases:
            kinds.append(_kind_of(aliases[low]))
        else:
            kinds.append(_kind_of(c))
    return kinds


def _present(value, kind: str | None):
    if value is None or kind is None or not isinstance(value, (int, float)):
        return value
    if kind == "boolean":
        return "t" if value else "f"
    if kind == "timestamp" and value > 1e8:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-4] + "+00"
    if kind == "interval" or kind == "timestamp":
        return format_interval(float(value))
    return value


def format_interval(seconds: float) -> str:
    """Seconds as Postgres prints an interval: 00:05:10.25, or 1 day 02:00:00."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    days, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    clock = (
        f"{int(h):02d}:{int(m):02d}:{sec:05.2f}" if sec % 1 else f"{int(h):02d}:{int(m):02d}:{int(sec):02d}"
    )
    if days:
        return f"{sign}{int(days)} day{'s' if days != 1 else ''} {clock}"
    return sign + clock
