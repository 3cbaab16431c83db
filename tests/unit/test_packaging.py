"""The wheel works without a checkout: built from the project's files, unpacked into a folder of its
own and run from an unrelated working directory, firedrill finds its content and the built-in
scenario pack inside the package, validates them, lists the pack and creates a database; and
`firedrill serve` serves the packaged web app (app.py, pages/, ui/ and the Streamlit settings).

The wheel is built from a copy of the sources (the build writes build/ and *.egg-info beside its
sources, which must not race another run in the checkout). One build serves every test here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NewSession_pb2 import Config

from benchmarks.st_client import RunOutcome, StreamlitSession, sign_in
from tests.cli import run_cli
from tests.conftest import ROOT
from tests.e2e.conftest import _free_port, stop_server
from tests.helpers import run_coroutine

# What the build needs: the project file, the README it names, the packages, the content and the
# app files they link.
SOURCES = (
    "pyproject.toml",
    "README.md",
    "simulator",
    "data",
    "scenarios",
    "ui",
    "firedrill_app",
    "app.py",
    "pages",
    ".streamlit",
)
# A stand-in for the database `make run` creates in data/: it must not end up in the wheel.
STRAY_DATABASE = "firedrill.db"


def _copy_sources(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "*.db-*", "replicas", "secrets.toml")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            # symlinks=True keeps simulator/shipped/* as the links they are in the checkout.
            shutil.copytree(src, dest / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    (dest / "data" / STRAY_DATABASE).write_bytes(b"SQLite format 3\x00")
    # A stand-in for a deployment's Streamlit secrets: the app's settings ship, secrets never.
    (dest / ".streamlit" / "secrets.toml").write_text('password = "not-for-the-wheel"\n')


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    _copy_sources(src)
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = out.glob("firedrill-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel unpacked into a folder, as an installer lays out site-packages."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def _env(site: Path) -> dict[str, str]:
    """Only the unpacked wheel ahead of the interpreter's own packages (which hold the
    dependencies): no FIREDRILL_* setting, no checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIREDRILL_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    return env


def _firedrill(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python from the unpacked wheel (`_env`) in an unrelated working directory."""
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=_env(site), capture_output=True, text=True, timeout=300
    )


def _shipped_files(folder: str) -> set[str]:
    base = ROOT / folder
    return {
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    }


def test_the_wheel_carries_every_content_file_and_scenario_and_no_database(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("data", "scenarios"):
        prefix = f"simulator/shipped/{folder}/"
        packed = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
        assert packed == _shipped_files(folder), folder
    assert not [n for n in names if n.endswith((".db", ".db-wal", ".db-shm"))]


def test_the_wheel_carries_the_app_its_pages_views_and_settings_but_no_secrets(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert zf.read("firedrill_app/app.py") == (ROOT / "app.py").read_bytes()
        assert (
            zf.read("firedrill_app/.streamlit/config.toml") == (ROOT / ".streamlit/config.toml").read_bytes()
        )
    packed_pages = {n.removeprefix("firedrill_app/") for n in names if n.startswith("firedrill_app/pages/")}
    assert packed_pages == {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    packed_ui = {n for n in names if n.startswith("ui/")}
    assert packed_ui == {p.relative_to(ROOT).as_posix() for p in (ROOT / "ui").rglob("*.py")}
    assert not [n for n in names if n.endswith("secrets.toml")]


def test_an_installed_firedrill_reads_its_content_from_the_package_not_a_checkout(installed, tmp_path):
    probe = _firedrill(
        installed,
        tmp_path,
        "-c",
        "import json, simulator, simulator.content as c;"
        "print(json.dumps([simulator.__file__, str(c.content_dir()), str(c.SHIPPED_SCENARIO_DIR)]))",
    )
    assert probe.returncode == 0, probe.stderr
    module, content_dir, scenario_dir = map(Path, json.loads(probe.stdout))
    for where in (module, content_dir, scenario_dir):
        assert where.is_relative_to(installed) and not where.is_relative_to(ROOT), where
    assert content_dir == installed / "simulator" / "shipped" / "data"
    assert (content_dir / "policy.yaml").read_text() == (ROOT / "data" / "policy.yaml").read_text()


def test_an_installed_firedrill_validates_its_shipped_pack_and_content(installed, tmp_path):
    shipped = installed / "simulator" / "shipped"
    result = _firedrill(
        installed, tmp_path, "-m", "simulator", "validate", str(shipped / "scenarios"), str(shipped / "data")
    )
    assert result.returncode == 0, result.stderr
    ok = [line for line in result.stdout.splitlines() if line.startswith("ok: ")]
    expected = {str(shipped / "scenarios" / n) for n in _shipped_files("scenarios")} | {
        str(shipped / "data" / n) for n in _shipped_files("data")
    }
    assert {line.split()[1] for line in ok} == expected


def test_an_installed_firedrill_lists_the_built_in_pack_the_checkout_holds(installed, tmp_path):
    listed = _firedrill(installed, tmp_path, "-m", "simulator", "content", "--scenarios")
    assert listed.returncode == 0, listed.stderr
    from_checkout = run_cli("content", "--scenarios")
    assert from_checkout.returncode == 0, from_checkout.stderr
    assert listed.stdout == from_checkout.stdout
    assert listed.stdout.strip()


def test_an_installed_firedrill_creates_its_database_in_the_working_directory(installed, tmp_path):
    pack = run_cli("content", "--scenarios").stdout.splitlines()
    result = _firedrill(installed, tmp_path, "-m", "simulator", "init-db")
    assert result.returncode == 0, result.stderr
    database = tmp_path / "data" / "firedrill.db"
    assert result.stdout.strip() == f"database ready: sqlite:///{database} ({len(pack)} built-in scenarios)"
    assert database.is_file()


def test_an_explicit_content_directory_wins_over_the_packaged_one(installed, tmp_path):
    own = tmp_path / "our-content"
    shutil.copytree(installed / "simulator" / "shipped" / "data", own)
    result = _firedrill(installed, tmp_path, "-m", "simulator", "--content-dir", str(own), "content")
    assert result.returncode == 0, result.stderr
    assert f"content: {own}\n" in result.stdout


class _SettingsSession(StreamlitSession):
    """A protocol session that also keeps the server's settings from its `new_session` message."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.config = Config()
        self.primary_color = ""

    def _apply(self, msg: ForwardMsg) -> None:
        if msg.WhichOneof("type") == "new_session":
            self.config.CopyFrom(msg.new_session.config)
            self.primary_color = msg.new_session.custom_theme.primary_color
        super()._apply(msg)


def _wait_until_healthy(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 180  # generous: the suite may share the cores with servers of its own
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"firedrill serve exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"firedrill serve did not answer /_stcore/health:\n{log.read_text()}")


def test_an_installed_firedrill_serves_the_app_from_the_package(installed, tmp_path):
    """`firedrill serve` from the unpacked wheel: it creates the database, the server answers, the
    first visit gets the first-admin form, the menu's pages (pages/… beside the packaged app.py)
    open without an error, a second visitor gets the sign-in form, and the packaged
    .streamlit/config.toml is in effect although the working directory has none."""
    database = tmp_path / "serve.db"
    url = f"sqlite:///{database}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    serve = ["-m", "simulator", "serve", "--port", str(port), "--address", "127.0.0.1", "--url", url]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, *serve],
            cwd=tmp_path,
            env=_env(installed),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(proc, base, log)
        pack = run_cli("content", "--scenarios").stdout.splitlines()
        assert f"database ready: {url} ({len(pack)} built-in scenarios)" in log.read_text()

        async def visit() -> tuple[_SettingsSession, dict[str, RunOutcome]]:
            seen: dict[str, RunOutcome] = {}
            async with _SettingsSession(base, name="first-admin", timeout_s=180) as first:
                seen["first visit"] = await first.connect()
                first.set_text("Username", "chief")
                first.set_text("Display name", "Chief")
                first.set_text("Password", "a-long-admin-secret")
                first.set_text("Repeat password", "a-long-admin-secret")
                seen["home"] = await first.click("Create the first admin")
                assert first.find_optional("Sign out") is not None, first.alerts()
                seen["curriculum"] = await first.open_page("curriculum")
            async with StreamlitSession(base, name="second-visit", timeout_s=180) as second:
                # sign_in fills and presses the sign-in form: it raises when the form is missing
                # or the sign-in is refused.
                seen["signed in"] = await sign_in(second, "chief", "a-long-admin-secret")
            return first, seen

        first, seen = run_coroutine(visit())
    finally:
        stop_server(proc)
    assert {step: outcome.exceptions for step, outcome in seen.items() if outcome.exceptions} == {}
    assert "Create the first admin" in seen["first visit"].texts
    assert "🔥 firedrill" in seen["home"].texts and "🔥 firedrill" in seen["signed in"].texts
    assert "Curriculum" in seen["curriculum"].texts
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert first.config.toolbar_mode == Config.ToolbarMode.MINIMAL
    assert first.primary_color == settings["theme"]["primaryColor"]
    assert database.is_file()


def test_no_module_finds_the_checkout_by_climbing_from_its_own_file():
    """Content is package data (simulator.content); a path above a module's own folder would
    point into the checkout, which an installed wheel does not have."""
    modules = [ROOT / "app.py", *(p for d in ("simulator", "ui", "pages") for p in (ROOT / d).rglob("*.py"))]
    climbing = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in modules
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "__file__" in line and ("parents[" in line or ".parent.parent" in line)
    ]
    assert climbing == []
