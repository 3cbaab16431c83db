"""Faults under a drill: a killed process, an unwritable database, a stopped PostgreSQL, a full disk.

Each test breaks something real mid-drill and checks what a trainee or trainer would notice: every
action the program confirmed is still stored, the page shows one clear sentence instead of a
traceback, nothing is half-written (SQLite's `PRAGMA integrity_check`, the event log's sequence has
no gaps), and the drill carries on once the fault is gone. No timing is asserted.

How each fault is made, and why it is faithful:
- killed process: a real child process appending drill events through the store, sent SIGKILL
  after it printed some confirmations (on SQLite and on a real PostgreSQL server);
- unwritable SQLite file: the tests run as root, which ignores file permissions, so the page under
  test opens the file through a read-only SQLite URI (`mode=ro`). A separate test shows that an
  unprivileged process (setpriv to `nobody`) writing a 0444 file gets the very same error from
  SQLite, so the page sees what it would see in production;
- stopped PostgreSQL: a throwaway server of this module's own, stopped with `pg_ctl -m immediate`
  (as a crash would) and started again on the same port;
- full disk: a 2 MiB tmpfs holding the database, filled up by a second file; where mounting is not
  permitted, SQLite's `PRAGMA max_page_count` caps the file instead.
A browser reload mid-drill resuming the same attempt is covered by tests/e2e/test_drill_journey.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator.actions import Acknowledge, PostUpdate, Resolve, WriteReport
from simulator.drill import Drill, load_default_policy
from simulator.scenario import load_scenario
from simulator.services import drills as drill_service
from simulator.store import attempts, open_store
from tests.conftest import ROOT, missing
from tests.helpers import open_action_tab

SCENARIO = ROOT / "scenarios" / "db-pool-exhaustion.yaml"
CONFIRMATIONS_BEFORE_KILL = 6


def _now() -> datetime:
    return datetime.now(UTC)


def _drill() -> Drill:
    return Drill.create(load_scenario(SCENARIO), None, load_default_policy())


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _action_kinds(store, aid: int) -> list[str]:
    return [e.kind for e in attempts.events_for(store, aid) if e.is_action]


def _seqs_have_no_gaps(store, aid: int) -> bool:
    seqs = [e.seq for e in attempts.events_for(store, aid)]
    return seqs == list(range(1, len(seqs) + 1))


# --- (a) a process appending drill events is killed ------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from simulator.actions import PostUpdate
    from simulator.services import drills as drill_service
    from simulator.store import attempts, open_store
    store = open_store(sys.argv[1])
    aid = int(sys.argv[2])
    drill = drill_service.drill_for(attempts.get_attempt(store, aid))
    for i in range(500):  # bounded: the parent kills it long before
        ev = drill_service.record_action(store, aid, drill, PostUpdate(action="post_update", text=f"update {i}"),
                                    datetime.now(UTC))
        print(f"confirmed {ev.seq} {ev.payload['text']}", flush=True)
""")


def test_a_killed_writer_loses_no_confirmed_action_and_the_drill_resumes(any_store_url):
    store = open_store(any_store_url)
    drill = _drill()
    aid = drill_service.start_attempt(
        store, user_id=None, username="trainee1", drill=drill, speed=60, now=_now()
    )
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, any_store_url, str(aid)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    confirmed: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("confirmed "):
                confirmed.append(line.split(" ", 2)[2].strip())
            if len(confirmed) >= CONFIRMATIONS_BEFORE_KILL:
                child.send_signal(signal.SIGKILL)  # mid-drill: it is writing the next action right now
                break
    finally:
        child.kill()
        child.wait(timeout=60)
    assert len(confirmed) == CONFIRMATIONS_BEFORE_KILL, child.stderr.read() if child.stderr else ""
    assert child.returncode == -signal.SIGKILL

    store.dispose()
    store = open_store(any_store_url)  # "restart": a new process opens the database afresh
    stored = [e.payload["text"] for e in attempts.events_for(store, aid) if e.kind == "post_update"]
    assert stored[: len(confirmed)] == confirmed
    assert _seqs_have_no_gaps(store, aid)
    if any_store_url.startswith("sqlite"):
        assert _integrity(Path(any_store_url.split("///", 1)[1])) == "ok"

    drill_service.record_action(store, aid, drill, Resolve(action="resolve", summary="pool raised"), _now())
    card = drill_service.finish_and_score(store, aid, drill, _now())
    assert _action_kinds(store, aid)[-1] == "resolve"
    assert attempts.get_attempt(store, aid).status == "finished"
    assert card["criteria"]
    store.dispose()


# --- (b) the SQLite file cannot be written ---------------------------------------------------------


def test_an_unprivileged_process_gets_the_same_error_as_a_read_only_uri():
    """The honesty check for the read-only URI used below: root ignores file modes, `nobody` does not."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to drop to `nobody` with setpriv (the tests run as root in CI)")
    # pytest's tmp_path lives under a 0700 folder `nobody` cannot enter
    folder = Path(tempfile.mkdtemp(prefix="firedrill-ro-"))
    db = folder / "f.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    db.chmod(0o444)
    folder.chmod(0o777)
    probe = (
        "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n"
        "try:\n    c.execute('INSERT INTO t VALUES (1)'); c.commit(); print('written')\n"
        "except sqlite3.OperationalError as e:\n    print(e)"
    )
    real = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", probe, str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    with (
        sqlite3.connect(f"file:{db}?mode=ro", uri=True) as ro,
        pytest.raises(sqlite3.OperationalError) as simulated,
    ):
        ro.execute("INSERT INTO t VALUES (1)")
    shutil.rmtree(folder, ignore_errors=True)
    assert real.stdout.strip() == str(simulated.value) == "attempt to write a readonly database", real.stderr


def _classify_button(at):
    # Classifying is possible at any moment of a drill (acknowledging needs a page to have fired).
    # The severity is never preselected: choose one, as a trainee must.
    next(s for s in at.selectbox if s.label == "Severity").set_value("HIGH")
    return next(b for b in at.button if b.label == "Classify")


def _page_text(at) -> str:
    return " ".join(
        str(e.value) for kind in ("error", "warning", "success", "info") for e in getattr(at, kind)
    )


@pytest.fixture
def drill_on(monkeypatch):
    """Start a drill for trainee1 on the database at `url`; return its attempt id."""

    def start(url: str) -> int:
        from tests.helpers import ensure_user

        monkeypatch.setenv("FIREDRILL_DATABASE_URL", url)
        store = open_store(url)
        person = ensure_user(store, "trainee1", "trainee")
        aid = drill_service.start_attempt(
            store, user_id=person.id, username="trainee1", drill=_drill(), speed=60, now=_now()
        )
        store.dispose()
        return aid

    return start


def _drill_page(aid: int):
    from tests.helpers import app_test

    at = app_test(
        "pages/drill.py", role="trainee", username="trainee1", query_params={"attempt": str(aid)}, timeout=90
    )
    return at.run()


def test_unwritable_database_shows_a_clear_message_and_recovers_when_writable(
    tmp_path, monkeypatch, drill_on
):
    db = tmp_path / "firedrill.db"
    aid = drill_on(f"sqlite:///{db}")
    at = _drill_page(aid)  # signed in and the drill open while the file is still writable
    assert not at.exception

    monkeypatch.setenv("FIREDRILL_DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    _classify_button(at).click().run()
    assert not at.exception
    assert "the database file cannot be written" in _page_text(at)
    assert "Recorded at" not in _page_text(at)
    store = open_store(f"sqlite:///{db}")
    assert _action_kinds(store, aid) == []
    assert _integrity(db) == "ok"

    monkeypatch.setenv("FIREDRILL_DATABASE_URL", f"sqlite:///{db}")
    at.run()
    _classify_button(at).click().run()
    assert not at.exception
    assert "Recorded at" in _page_text(at)
    assert _action_kinds(store, aid) == ["classify"]
    assert _seqs_have_no_gaps(store, aid) and _integrity(db) == "ok"
    store.dispose()


def test_a_read_only_uri_database_url_creates_no_folder_in_the_working_directory(tmp_path, monkeypatch):
    db = tmp_path / "firedrill.db"
    open_store(f"sqlite:///{db}").dispose()
    monkeypatch.chdir(tmp_path)
    open_store(f"sqlite:///file:{db}?mode=ro&uri=true").dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == []


# --- (c) the PostgreSQL server stops mid-drill -----------------------------------------------------


@pytest.fixture
def own_pg():
    """A PostgreSQL server this test may stop and start (the session's shared one must stay up)."""
    from tests.pg import _start, _stop

    server, why = _start()
    if server is None:
        missing(f"no throwaway PostgreSQL server: {why}")
    yield server
    _stop(server)


def _pg_ctl(server, *args: str) -> None:
    root = server.datadir.parent
    opts = (
        f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=120"
    )
    cmd = [*server.run_as, str(server.bindir / "pg_ctl"), "-D", str(server.datadir), "-w", "-t", "60", *args]
    if args[0] == "start":
        cmd += ["-o", opts, "-l", str(root / "server.log")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.postgres
def test_stopped_postgresql_shows_a_clear_message_and_the_drill_carries_on_when_it_is_back(own_pg, drill_on):
    url = own_pg.new_database()
    aid = drill_on(url)
    at = _drill_page(aid)
    assert not at.exception

    _pg_ctl(own_pg, "stop", "-m", "immediate")  # as a crash would: no goodbye to the clients
    _classify_button(at).click().run()
    assert not at.exception
    assert "the database server cannot be reached" in _page_text(at)

    _pg_ctl(own_pg, "start")
    at.run()
    assert not at.exception
    _classify_button(at).click().run()
    assert "Recorded at" in _page_text(at)
    store = open_store(url)
    assert _action_kinds(store, aid) == ["classify"]
    assert _seqs_have_no_gaps(store, aid)
    store.dispose()


# --- (d) the disk fills up while saving ------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """A folder on a 2 MiB filesystem and a function that fills it (or, where mounting is not
    permitted, a SQLite page cap that makes the next big write fail the same way)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
        ).returncode
        == 0
    )
    state: dict[str, object] = {"cap": None}

    if not mounted:
        from simulator.store import db as db_mod

        original = db_mod._sqlite_pragmas

        def capped(dbapi_conn, record) -> None:
            original(dbapi_conn, record)
            if state["cap"] is not None:
                cur = dbapi_conn.cursor()
                cur.execute(
                    f"PRAGMA max_page_count={int(cur.execute('PRAGMA page_count').fetchone()[0]) + 2}"
                )
                cur.close()

        monkeypatch.setattr(db_mod, "_sqlite_pragmas", capped)

    def fill() -> None:
        if mounted:
            free = shutil.disk_usage(mount).free
            with open(mount / "filler", "wb") as f, contextlib.suppress(OSError):  # ENOSPC is the point
                f.write(b"\0" * free)
        else:
            state["cap"] = True

    def free() -> None:
        (mount / "filler").unlink(missing_ok=True)
        state["cap"] = None

    yield mount, fill, free, mounted
    if mounted:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_full_disk_while_saving_is_a_clear_error_and_nothing_is_half_written(small_disk, drill_on):
    mount, fill, free, mounted = small_disk
    db = mount / "firedrill.db"
    url = f"sqlite:///{db}"
    aid = drill_on(url)
    at = _drill_page(aid)
    _classify_button(at).click().run()
    assert "Recorded at" in _page_text(at)

    fill()
    if not mounted:
        at.run()  # a new engine is not created; the cap applies to connections opened from now on
    report = "# Post-incident report\n\n" + ("The pool was exhausted by a slow query. " * 2400)  # ~96 kB
    open_action_tab(at, aid, "Report")
    area = next(t for t in at.text_area if t.key == f"report_md_{aid}")
    area.set_value(report)
    next(b for b in at.button if b.label == "Save report").click().run()
    assert not at.exception
    assert "the server's disk is full" in _page_text(at)

    free()
    store = open_store(url)
    assert _action_kinds(store, aid) == ["classify"]  # no report, not a piece of one
    assert _seqs_have_no_gaps(store, aid)
    assert _integrity(db) == "ok"

    at.run()
    area = next(t for t in at.text_area if t.key == f"report_md_{aid}")
    area.set_value(report)
    next(b for b in at.button if b.label == "Save report").click().run()
    assert "Recorded at" in _page_text(at)
    saved = [e for e in attempts.events_for(store, aid) if e.kind == "write_report"]
    assert len(saved) == 1 and saved[0].payload["markdown"] == report
    store.dispose()


def test_a_full_disk_refuses_one_action_and_the_next_ones_are_stored_in_order(small_disk, tmp_path):
    """Below the page: the failed action leaves no trace, the log continues without a gap."""
    mount, fill, free, _mounted = small_disk
    url = f"sqlite:///{mount / 'firedrill.db'}"
    store = open_store(url)
    drill = _drill()
    aid = drill_service.start_attempt(
        store, user_id=None, username="trainee1", drill=drill, speed=60, now=_now()
    )
    drill_service.record_action(store, aid, drill, Acknowledge(action="acknowledge"), _now())
    fill()
    store.dispose()
    store = open_store(url, create=False)
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError, match="full"):
        drill_service.record_action(
            store, aid, drill, WriteReport(action="write_report", markdown="x" * 90_000), _now()
        )
    free()
    drill_service.record_action(
        store, aid, drill, PostUpdate(action="post_update", text="still here"), _now()
    )
    assert _action_kinds(store, aid) == ["acknowledge", "post_update"]
    assert _seqs_have_no_gaps(store, aid)
    store.dispose()
