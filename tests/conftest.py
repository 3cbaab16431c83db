"""Shared test fixtures: real external tools, temporary stores, the project root.

A test that needs a real tool (promtool, amtool, chromium, PostgreSQL) asks `require_tool`: it
returns the tool's path, skips with a loud reason on a developer machine without it, and fails
under CI=true, where a missing tool must never pass silently.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FIXTURES = ROOT / "tests" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytest_plugins = ["tests.pg"] if (Path(__file__).parent / "pg.py").exists() else []


# The kinds of test, one folder each: tests/unit, tests/pages (AppTest), tests/oracle (real
# promtool, amtool, Alertmanager), tests/postgres (a throwaway PostgreSQL server), tests/e2e
# (Chromium). `pytest -m unit` is the quick loop; `-m "not e2e"` everything but the browser.
_KINDS = ("unit", "pages", "oracle", "postgres", "e2e")
_POSTGRES_FIXTURES = {"pg_server", "pg_url", "pg_store"}


def pytest_collection_modifyitems(config, items):
    """Mark each test with the kind its folder names, and also with what it really uses, so the
    markers always match: a test on the PostgreSQL server is `postgres` wherever it lives (the
    SQLite/PostgreSQL parity tests sit in tests/postgres but a pages test may also stop the
    server), and an AppTest outside tests/pages is refused."""
    for item in items:
        path = Path(str(item.fspath))
        kind = next((part for part in reversed(path.parts) if part in _KINDS), None)
        if kind is None:
            raise pytest.UsageError(f"{path}: a test file belongs in one of tests/{{{','.join(_KINDS)}}}")
        item.add_marker(getattr(pytest.mark, kind))
        if kind != "postgres" and (
            _POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())) or "postgresql" in item.name
        ):
            item.add_marker(pytest.mark.postgres)
        if kind not in ("pages", "e2e") and _uses_apptest(path):
            raise pytest.UsageError(f"{path}: drives a page through AppTest, so it belongs in tests/pages")
    items.sort(key=_start_rank)


# Longest files first. `make test` runs pytest-xdist with --dist loadfile: a file goes whole to one
# worker, in collection order, so a long file collected last leaves the other worker idle while it
# runs (the cohort drill alone takes minutes of drill time). These are the longest, measured (see
# tests/README.md "Speed"); any other browser or server file comes next, then the rest as collected.
_LONGEST_FIRST = (
    "e2e/test_cohort_drill.py",
    "e2e/test_drill_clock.py",
    "e2e/test_drill_journey.py",
    "e2e/test_screenshots.py",
    "e2e/test_authoring.py",
    "e2e/test_role_refusal.py",
    "e2e/test_drill_crash.py",
    "e2e/test_consoles.py",
    "e2e/test_server_kill.py",
)
_KIND_START = {"e2e": 0, "postgres": 1, "pages": 2}


def _start_rank(item) -> tuple[int, int]:
    path = Path(str(item.fspath)).as_posix()
    for rank, tail in enumerate(_LONGEST_FIRST):
        if path.endswith("/tests/" + tail):
            return (0, rank)
    kind = next((k for k in _KIND_START if f"/tests/{k}/" in path), None)
    return (1, _KIND_START.get(kind, len(_KIND_START)))


def pytest_configure(config):
    """xdist sorts files by their number of tests unless told not to, which would undo
    `_LONGEST_FIRST` (most browser files hold a single test): keep the collection order."""
    if getattr(config.option, "loadscopereorder", None):
        config.option.loadscopereorder = False


_APPTEST_FILES: dict[Path, bool] = {}


def _uses_apptest(path: Path) -> bool:
    if path not in _APPTEST_FILES:
        text = path.read_text(encoding="utf-8") if path.suffix == ".py" else ""
        _APPTEST_FILES[path] = "AppTest" in text or "app_test(" in text
    return _APPTEST_FILES[path]


def missing(reason: str) -> None:
    """Skip loudly, or fail under CI=true."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}: nothing may be skipped in CI", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {reason} (install it or run `make test`, which installs it)")


def require_tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        missing(f"the real `{name}` is not installed")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory) -> Path:
    """One migrated, empty SQLite database per test process, copied for each test (migrating a
    fresh file for every test would cost far more than the copy)."""
    from simulator.store import open_store

    path = tmp_path_factory.mktemp("template") / "firedrill.db"
    open_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(autouse=True)
def _own_database(request, tmp_path_factory, monkeypatch):
    """Every test gets its own database in FIREDRILL_DATABASE_URL, so no test sees rows another
    test left behind, whatever order (or worker) they run in. Pure unit tests never touch it."""
    template = request.getfixturevalue("_migrated_sqlite_template")
    folder = tmp_path_factory.mktemp("db")
    shutil.copyfile(template, folder / "firedrill.db")
    monkeypatch.setenv("FIREDRILL_DATABASE_URL", f"sqlite:///{folder / 'firedrill.db'}")


@pytest.fixture
def tmp_store(tmp_path, monkeypatch):
    """A fresh SQLite store in a temporary folder, also set as FIREDRILL_DATABASE_URL."""
    from simulator.store import open_store

    url = f"sqlite:///{tmp_path / 'firedrill.db'}"
    monkeypatch.setenv("FIREDRILL_DATABASE_URL", url)
    store = open_store(url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def seed_scenario():
    """The shipped pool-exhaustion scenario, for tests that go through the catalogue (which holds
    the shipped pack). A test that pins the scenario's figures uses `pool_scenario` instead."""
    from simulator.scenario import load_scenario

    return load_scenario(SCENARIOS / "db-pool-exhaustion.yaml")


@pytest.fixture(scope="session")
def pool_scenario():
    """A test-owned copy of the pool-exhaustion incident (tests/fixtures/scenarios/): engine tests
    pin its pid, shas, log lines and series, which a trainer editing the shipped pack must not move."""
    from simulator.scenario import load_scenario

    return load_scenario(FIXTURES / "scenarios" / "pool-exhaustion.yaml")
